// Needs no external server: the handler runs the real pipeline over in-memory stores.
import { beforeEach, describe, expect, it } from 'vitest';
import { createHandler } from '../../functions/rebuild.ts';
import type { StoreRole } from '../../lib/aws/runtime.ts';
import { intercept } from '../../lib/storage/intercept.ts';
import { MemoryStorage } from '../../lib/storage/memory/memory-storage.ts';
import { markdownPost, siteConfigJson } from '../support/markdown-posts.ts';
import { recordingLog } from '../support/recording-log.ts';

const ENV = { CONTENT_BUCKET: 'content', FEEDS_BUCKET: 'feeds', AWS_REGION: 'us-east-1' };

describe('rebuild handler', () => {
  let stores: Record<StoreRole, MemoryStorage>;
  let log: ReturnType<typeof recordingLog>;

  beforeEach(async () => {
    stores = { content: new MemoryStorage(), feeds: new MemoryStorage(), state: new MemoryStorage() };
    log = recordingLog();
    await stores.content.put('herald.config.json', siteConfigJson());
    await stores.content.put('a.md', markdownPost({ title: 'A', tags: ['one'] }));
    await stores.content.put('b.md', markdownPost({ title: 'B', categories: ['Two'] }));
  });

  it.each([{}, { source: 'aws.events', 'detail-type': 'Scheduled Event' }, undefined])(
    'rebuilds everything for any event (%o)',
    async (event) => {
      const handler = createHandler({ env: ENV, log, wrapStorage: (_s3, role) => stores[role] });
      const summary = await handler(event);
      expect(summary).toMatchObject({ posts: 2, published: 2, rejected: 0 });
      expect(summary.feedsWritten).toBeGreaterThan(0);
      expect(await stores.feeds.head('tags/one/rss.xml')).not.toBeNull();
      expect(await stores.feeds.head('categories/two/feed.json')).not.toBeNull();
      expect(log.at('info').at(-1)).toMatchObject({ message: 'rebuild finished', extra: { processed: 2, failed: 0 } });
    },
  );

  it('with a task queue, still reads a site of one task itself: no message is sent', async () => {
    const env = { ...ENV, REBUILD_QUEUE_URL: 'http://127.0.0.1:9/000000000000/nowhere', REBUILD_TASK_KEYS: '2' };
    const handler = createHandler({ env, log, wrapStorage: (_s3, role) => stores[role] });
    expect(await handler({})).toMatchObject({ posts: 2, published: 2 });
    await stores.content.put('c.md', markdownPost({ title: 'C' }));
    // Three posts make two tasks: they are written, then sending them fails (no queue, no credentials here).
    await expect(handler({})).rejects.toThrow();
    const tasks: string[] = [];
    for await (const { key } of stores.state.list('rebuilds/')) tasks.push(key.replace(/^rebuilds\/[^/]+\//, ''));
    expect(tasks).toEqual(['tasks/0.json', 'tasks/1.json']);
  });

  it('throws when posts could not be read, so the schedule retries it', async () => {
    const handler = createHandler({
      env: ENV,
      log,
      wrapStorage: (_s3, role) =>
        role === 'content'
          ? intercept(stores.content, {
              before: (call) => {
                if (call.op === 'get' && call.key === 'b.md') throw new Error('SlowDown');
              },
            })
          : stores[role],
    });
    await expect(handler({})).rejects.toThrow(/rebuild: 1 keys failed; first: b.md/);
  });
});
