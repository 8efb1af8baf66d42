/**
 * What an incremental update costs in storage requests (on S3, one request each): the same at 300 and at
 * 3,000 posts, and pinned, so that a change that adds requests fails here. A batch of ten new posts in the
 * same feeds costs less than two single posts: the per-feed work (lists, feed files) is done once per batch,
 * and each key adds only its content read, its record's creation and one record read.
 */
import { describe, expect, it } from 'vitest';
import { intercept } from '../../../lib/storage/intercept.ts';
import type { Storage } from '../../../lib/storage/storage.ts';
import { SiteHarness } from '../../support/pipeline-harness.ts';
import { testSite } from '../../support/site-content.ts';

type Counts = Record<string, number>;

function counted(storage: Storage, name: string, counts: Counts): Storage {
  return intercept(storage, {
    before: (call) => {
      counts[`${name} ${call.op}`] = (counts[`${name} ${call.op}`] ?? 0) + 1;
    },
  });
}

const total = (counts: Counts) => Object.values(counts).reduce((sum, n) => sum + n, 0);

/** Every kind of feed on: each post is also in its section's, its language's and its author's feed. */
const ALL_KINDS = { sections: true, languages: true, authors: true };

async function requestsAt(
  size: number,
  feeds: Record<string, boolean> = {},
  archives: false | { pageSize: number } = false,
): Promise<Record<string, Counts>> {
  const site = new SiteHarness(testSite({ itemsPerFeed: 5, feeds, archives }));
  for (let i = 0; i < size; i++) {
    // The same pattern of terms at both sizes, so every feed's newest items are alike.
    await site.write(`posts/${i}.md`, {
      title: `Post ${i}`,
      date: new Date(Date.UTC(2025, 0, 1) + i * 60_000).toISOString(),
      categories: [`c${i % 3}`],
      tags: [`t${i % 10}`],
      extra: { authors: [`a${i % 4}`] },
    });
  }
  await site.rebuild();
  const result: Record<string, Counts> = {};
  const measure = async (label: string, keys: string[]) => {
    const counts: Counts = {};
    const report = await site.regenerate(keys, {
      content: counted(site.content, 'content', counts),
      feeds: counted(site.feedsStore, 'feeds', counts),
      state: counted(site.stateStore, 'state', counts),
    });
    expect(report.failed).toEqual([]);
    result[label] = counts;
  };
  const post = (title: string, minute: number, tag: string) => ({
    title,
    date: new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString(),
    categories: ['c0'],
    tags: [tag],
    extra: { authors: ['a0'] },
  });
  site.clock = new Date('2026-06-01T00:00:00Z');
  await site.write('posts/new.md', post('New', 0, 't0'));
  await measure('upload', ['posts/new.md']);
  await site.write('posts/new.md', post('New', 0, 't1'));
  await measure('move', ['posts/new.md']);
  await site.remove('posts/new.md');
  await measure('delete', ['posts/new.md']);
  const batch = Array.from({ length: 10 }, (_, i) => `posts/batch-${i}.md`);
  for (const [i, key] of batch.entries()) await site.write(key, post(`Batch ${i}`, i + 1, 't0'));
  await measure('batch of 10', batch);
  expect(await site.feedTree()).toEqual(await site.freshTree());
  return result;
}

describe('requests per incremental update', () => {
  it('are the same at 300 and at 3,000 posts, pinned, and a batch of ten costs less than two posts', async () => {
    const small = await requestsAt(300);
    const large = await requestsAt(3000);
    expect(large).toEqual(small);
    // No listing anywhere; a new post's object is read once, an edited or deleted one again after its record.
    for (const counts of Object.values(small)) expect(Object.keys(counts).filter((name) => name.endsWith(' list'))).toEqual([]);
    expect(small.upload!['content get']).toBe(1);

    // One new post in the site feed, one category and one tag: per feed a manifest read and write, the newest
    // shard replaced (read, write, delete), three feed files written without a HEAD and the manifest checked
    // after them; the record created without a read and read once after the manifests; the root and the
    // schedule read, the root checked at the end, and one object to say the run finished.
    expect(small.upload).toEqual({
      'state get': 9,
      'content get': 1,
      'state put': 8,
      'state delete': 3,
      'feeds put': 9,
      'state head': 4,
    });
    expect(Object.fromEntries(Object.entries(small).map(([label, counts]) => [label, total(counts)]))).toEqual({
      upload: 34,
      move: 48,
      delete: 40,
      'batch of 10': 61,
    });
    expect(total(small['batch of 10']!)).toBeLessThanOrEqual(2 * total(small.upload!));
  });

  it('stay flat with sections, languages and authors on: the same per-feed work for three more feeds', async () => {
    const small = await requestsAt(300, ALL_KINDS);
    const large = await requestsAt(3000, ALL_KINDS);
    expect(large).toEqual(small);
    // Six feeds instead of three: 9 requests more for each (its manifest, newest shard and three files); a deletion
    // also reads the record of the post that moves up into each feed's newest.
    expect(Object.fromEntries(Object.entries(small).map(([label, counts]) => [label, total(counts)]))).toEqual({
      upload: 61,
      move: 75,
      delete: 70,
      'batch of 10': 88,
    });
    expect(total(small['batch of 10']!)).toBeLessThanOrEqual(2 * total(small.upload!));
  });

  // Pages of 45: at both sizes every feed's open page has room for the batch (25, 5 and 25 archived posts past the
  // last full page), so no page closes: the common case.
  it('stay flat with archives on: three more files per feed, the open page, whose items are in the manifest', async () => {
    const small = await requestsAt(300, {}, { pageSize: 45 });
    const large = await requestsAt(3000, {}, { pageSize: 45 });
    expect(large).toEqual(small);
    // Over the counts without archives: the open page's three files in each feed whose open page changes (all three
    // for an upload or a batch; for an edit moving the post between tags, the two tags', as one post leaves the newest
    // of one and another joins the other's); a deletion also announces the post, and schedules when that ends (the
    // schedule read again with the three manifests, and written).
    expect(Object.fromEntries(Object.entries(small).map(([label, counts]) => [label, total(counts)]))).toEqual({
      upload: 43,
      move: 54,
      delete: 54,
      'batch of 10': 70,
    });
  });

  // Pages of five: at both sizes every feed's open page is full (its archived posts are a multiple of five), so
  // the upload closes a page in each of its feeds, the costliest case.
  it('stay flat with archives on, at the upload that closes a page in every feed', async () => {
    const small = await requestsAt(300, {}, { pageSize: 5 });
    const large = await requestsAt(3000, {}, { pageSize: 5 });
    expect(large).toEqual(small);
    for (const counts of Object.values(small)) expect(Object.keys(counts).filter((name) => name.endsWith(' list'))).toEqual([]);
    // Over the 34 without archives, per feed: the open page's three files; the closed page's three files, each
    // compared with what is stored (its items are the open page's, in the manifest: no record is read). A deletion
    // pulls the open page's only post back up, so the page before it loses its link to it: that page is rendered
    // from its five records and the emptied one deleted.
    expect(Object.fromEntries(Object.entries(small).map(([label, counts]) => [label, total(counts)]))).toEqual({
      upload: 64,
      move: 73,
      delete: 88,
      'batch of 10': 123,
    });
  });
});
