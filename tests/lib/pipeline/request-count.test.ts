/**
 * Per-upload work must not grow with the site: an upload, a move between tags and a deletion make the
 * same storage requests at 300 and at 3,000 posts.
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

async function requestsAt(size: number): Promise<Record<string, Counts>> {
  const site = new SiteHarness(testSite({ itemsPerFeed: 5 }));
  for (let i = 0; i < size; i++) {
    // The same pattern of terms at both sizes, so every feed's newest items are alike.
    await site.write(`posts/${i}.md`, {
      title: `Post ${i}`,
      date: new Date(Date.UTC(2025, 0, 1) + i * 60_000).toISOString(),
      categories: [`c${i % 3}`],
      tags: [`t${i % 10}`],
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
  await site.write('posts/new.md', { title: 'New', date: '2026-01-01T00:00:00Z', categories: ['c0'], tags: ['t0'] });
  await measure('upload', ['posts/new.md']);
  await site.write('posts/new.md', { title: 'New', date: '2026-01-01T00:00:00Z', categories: ['c0'], tags: ['t1'] });
  await measure('move', ['posts/new.md']);
  await site.remove('posts/new.md');
  await measure('delete', ['posts/new.md']);
  expect(await site.feedTree()).toEqual(await site.freshTree());
  return result;
}

describe('requests per incremental update', () => {
  it('are the same at 300 and at 3,000 posts', async () => {
    const small = await requestsAt(300);
    const large = await requestsAt(3000);
    expect(large).toEqual(small);
    // One read of the post's own object; no listing anywhere.
    for (const counts of Object.values(small)) {
      expect(counts['content get']).toBe(1);
      expect(Object.keys(counts).filter((name) => name.endsWith(' list'))).toEqual([]);
    }
  });
});
