// Needs no external server: the handlers run the real pipeline over in-memory stores.
import { describe, expect, it } from 'vitest';
import { createHandler as createCheck } from '../../functions/check.ts';
import { createHandler as createRebuild } from '../../functions/rebuild.ts';
import { createHandler as createTick } from '../../functions/tick.ts';
import type { StoreRole } from '../../lib/aws/runtime.ts';
import { intercept } from '../../lib/storage/intercept.ts';
import { MemoryStorage } from '../../lib/storage/memory/memory-storage.ts';
import { markdownPost, siteConfigJson } from '../support/markdown-posts.ts';
import { nextMillisecond } from '../support/next-millisecond.ts';
import { recordingLog } from '../support/recording-log.ts';

const ENV = { CONTENT_BUCKET: 'content', FEEDS_BUCKET: 'feeds', AWS_REGION: 'us-east-1' };

/** A built site of `size` posts, one of them dated 2025-07-01, with a clock the test moves. */
async function builtSite(size: number) {
  const stores: Record<StoreRole, MemoryStorage> = { content: new MemoryStorage(), feeds: new MemoryStorage(), state: new MemoryStorage() };
  const clock = { now: new Date('2025-06-01T00:00:00Z') };
  await stores.content.put('herald.config.json', siteConfigJson());
  for (let i = 0; i < size; i++) {
    await stores.content.put(`p${i}.md`, markdownPost({ title: `P${i}`, date: new Date(Date.UTC(2025, 0, 1) + i * 60_000).toISOString() }));
  }
  await stores.content.put('future.md', markdownPost({ title: 'Future', date: '2025-07-01T00:00:00Z', tags: ['later'] }));
  const options = { env: ENV, log: recordingLog(), now: () => clock.now, wrapStorage: (_s3: unknown, role: StoreRole) => stores[role] };
  // The check takes a record written in the same instant as its post for an older one.
  await nextMillisecond();
  await createRebuild(options)({});
  return { stores, clock, options };
}

function countingOptions(site: Awaited<ReturnType<typeof builtSite>>, counts: Record<string, number>) {
  return {
    ...site.options,
    wrapStorage: (_s3: unknown, role: StoreRole) =>
      intercept(site.stores[role], {
        before: (call) => {
          counts[`${role} ${call.op}`] = (counts[`${role} ${call.op}`] ?? 0) + 1;
        },
      }),
  };
}

describe('tick handler', () => {
  it('reads the configuration, the index root and the schedule (four requests), and nothing else, at 30 and at 3,000 posts', async () => {
    for (const size of [30, 3_000]) {
      const site = await builtSite(size);
      const counts: Record<string, number> = {};
      const summary = await createTick(countingOptions(site, counts))({});
      expect(summary).toEqual({ due: 0, published: 0, feedsWritten: 0, failed: 0 });
      // The head: the run checks at its end that no rebuild took the index meanwhile.
      expect(counts).toEqual({ 'content get': 1, 'state get': 2, 'state head': 1 });
    }
  });

  it('publishes a scheduled post in the first tick after its time, without a rebuild', async () => {
    const site = await builtSite(3);
    const tick = createTick(site.options);
    site.clock.now = new Date('2025-06-30T23:59:00Z');
    expect((await tick({})).feedsWritten).toBe(0);
    expect(await site.stores.feeds.head('tags/later/feed.json')).toBeNull();
    site.clock.now = new Date('2025-07-01T00:00:30Z');
    expect(await tick({})).toMatchObject({ due: 1, published: 1, failed: 0 });
    const feed = JSON.parse(new TextDecoder().decode((await site.stores.feeds.get('tags/later/feed.json'))!.body));
    expect(feed.items.map((item: { title: string }) => item.title)).toEqual(['Future']);
  });
});

describe('check handler', () => {
  it('repairs a post whose event was lost and reports what differed', async () => {
    const site = await builtSite(3);
    await site.stores.content.put('p1.md', markdownPost({ title: 'P1, edited', date: '2025-01-01T00:01:00Z' }));
    const log = recordingLog();
    const summary = await createCheck({ ...site.options, log })({});
    expect(summary).toMatchObject({ posts: 4, differing: 1, rebuildStarted: false });
    expect(summary.feedsWritten).toBeGreaterThan(0);
    expect(new TextDecoder().decode((await site.stores.feeds.get('feed.json'))!.body)).toContain('P1, edited');
    expect(log.at('info').at(-1)).toMatchObject({ message: 'check finished', extra: { differing: 1, differingKeys: ['p1.md'] } });
  });
});
