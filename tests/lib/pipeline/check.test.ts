import { describe, expect, it } from 'vitest';
import { SHARD_FILL } from '../../../lib/index/shards.ts';
import { check, findDifferences } from '../../../lib/pipeline/check.ts';
import { intercept } from '../../../lib/storage/intercept.ts';
import type { Storage } from '../../../lib/storage/storage.ts';
import { nextMillisecond } from '../../support/next-millisecond.ts';
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

const date = (i: number) => new Date(Date.UTC(2025, 0, 1) + i * 60_000).toISOString();

async function siteOf(size: number): Promise<SiteHarness> {
  const site = new SiteHarness(testSite({ itemsPerFeed: 5 }));
  for (let i = 0; i < size; i++) await site.write(`posts/${i}.md`, { title: `Post ${i}`, date: date(i), tags: [`t${i % 10}`] });
  await site.write('posts/draft.md', { title: 'Draft', date: date(1), draft: true });
  await site.write('posts/future.md', { title: 'Future', date: '2025-09-01T00:00:00Z' });
  await site.write('posts/bad.md', '---\ntitle: [unclosed\n---\n');
  // A record written in the same instant as its post counts as older: the check would re-check it.
  await nextMillisecond();
  await site.rebuild();
  return site;
}

describe('the consistency check', () => {
  it('reads a few objects per thousand posts and finds nothing on an unchanged site', async () => {
    const site = await siteOf(3_000);
    const counts: Counts = {};
    const report = await check(
      site.deps({ content: counted(site.content, 'content', counts), state: counted(site.stateStore, 'state', counts) }),
    );
    expect(report.differing).toEqual([]);
    expect(report.posts).toBe(3_003);
    // One listing of each (on S3: a request per 1,000 keys), the root, schedule, manifest, and the site feed's shards.
    expect(counts).toEqual({
      'content list': 1,
      'state list': 1,
      'state get': 3 + Math.ceil(3_000 / SHARD_FILL),
    });
  });

  it('hands exactly the keys whose events were lost to regenerate, which brings the feeds to a rebuild of the content', async () => {
    const site = await siteOf(30);
    // Changes the pipeline never heard of.
    await site.write('posts/3.md', { title: 'Post 3, edited', date: date(3), tags: ['t3'] });
    await site.write('posts/new.md', { title: 'New', date: date(100), tags: ['fresh'] });
    await site.remove('posts/7.md');
    await site.remove('posts/future.md');
    await site.write('posts/draft.md', { title: 'Draft, published', date: date(2) });
    await site.write('posts/bad.md', { title: 'Fixed', date: date(4) });

    const report = await check(site.deps());
    expect(report.differing).toEqual(['posts/3.md', 'posts/7.md', 'posts/bad.md', 'posts/draft.md', 'posts/future.md', 'posts/new.md']);
    expect(report.repair.failed).toEqual([]);
    expect(await site.feedTree()).toEqual(await site.freshTree());
    expect((await findDifferences(site.deps()))?.differing).toEqual([]);
  });

  it('sends many differences to the rebuild function instead', async () => {
    const site = await siteOf(10);
    for (let i = 0; i < 10; i++) await site.write(`posts/${i}.md`, { title: `Edited ${i}`, date: date(i) });
    const started: string[] = [];
    const report = await check(site.deps({ startRebuild: async (build) => void started.push(build) }), 5);
    expect(report.differing).toHaveLength(10);
    expect(report.rebuildStarted).toBe(true);
    expect(started).toHaveLength(1);
  });

  it('compares nothing while there is no current index, and lets regenerate start the rebuild', async () => {
    const site = new SiteHarness(testSite());
    await site.write('posts/a.md', { title: 'A', date: date(0) });
    const started: string[] = [];
    const report = await check(site.deps({ startRebuild: async (build) => void started.push(build) }));
    expect(report.differing).toEqual([]);
    expect(started).toHaveLength(1);
  });
});
