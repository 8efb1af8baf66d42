// Needs no external server: the handler runs a real task over in-memory stores.
import type { SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createHandler } from '../../functions/rebuild-worker.ts';
import { acquireLease } from '../../lib/index/lease.ts';
import { siteFingerprint } from '../../lib/index/root.ts';
import { parseConfig } from '../../lib/config.ts';
import { partKey, taskKey, type Task } from '../../lib/pipeline/fanout/tasks.ts';
import { readSettings } from '../../lib/aws/environment.ts';
import type { StoreRole } from '../../lib/aws/runtime.ts';
import { MemoryStorage } from '../../lib/storage/memory/memory-storage.ts';
import { markdownPost, siteConfigJson } from '../support/markdown-posts.ts';
import { recordingLog } from '../support/recording-log.ts';

const ENV = { CONTENT_BUCKET: 'content', FEEDS_BUCKET: 'feeds', AWS_REGION: 'us-east-1' };
const NOW = new Date('2025-06-01T00:00:00Z');

const event = (...bodies: unknown[]): SQSEvent =>
  ({ Records: bodies.map((body, i) => ({ messageId: `m${i}`, body: JSON.stringify(body), eventSource: 'aws:sqs' })) }) as SQSEvent;

describe('rebuild-worker handler', () => {
  it('writes the part of a task of the rebuild holding the lease, drops a task of a rebuild that lost it', async () => {
    const stores: Record<StoreRole, MemoryStorage> = {
      content: new MemoryStorage(),
      feeds: new MemoryStorage(),
      state: new MemoryStorage(),
    };
    await stores.content.put('herald.config.json', siteConfigJson());
    await stores.content.put('a.md', markdownPost({ title: 'A' }));
    const site = parseConfig(siteConfigJson(), 'test');
    const lease = await acquireLease(stores.state, NOW);
    const task: Task = { now: NOW.toISOString(), reuse: false, site: siteFingerprint(site), keys: [['a.md', '', false]] };
    await stores.state.put(taskKey(lease.build, 0), JSON.stringify(task));
    const log = recordingLog();
    const handler = createHandler({ env: ENV, log, now: () => NOW, wrapStorage: (_s3, role) => stores[role] });

    const result = await handler(event({ build: lease.build, task: 0 }, { build: 'another-rebuild', task: 0 }));
    expect(result).toEqual({ batchItemFailures: [] });
    expect(JSON.parse(new TextDecoder().decode((await stores.state.get(partKey(lease.build, 0)))!.body))).toMatchObject({
      seen: ['a.md'],
      published: 1,
    });
    expect(await stores.state.head(partKey('another-rebuild', 0))).toBeNull();
    expect(log.at('warn').map(({ message }) => message)).toEqual(['the rebuild of this task no longer holds the index: task dropped']);
  });

  it('reports a task that failed for another reason, so the queue delivers it again', async () => {
    const stores: Record<StoreRole, MemoryStorage> = {
      content: new MemoryStorage(),
      feeds: new MemoryStorage(),
      state: new MemoryStorage(),
    };
    await stores.content.put('herald.config.json', siteConfigJson());
    const lease = await acquireLease(stores.state, NOW);
    await stores.state.put(taskKey(lease.build, 0), '{not json');
    const handler = createHandler({ env: ENV, log: recordingLog(), now: () => NOW, wrapStorage: (_s3, role) => stores[role] });
    expect(await handler(event({ build: lease.build, task: 0 }))).toEqual({ batchItemFailures: [{ itemIdentifier: 'm0' }] });
  });
});

describe('fan-out settings', () => {
  it('reads the work queue and the task size, and refuses a task size that is no positive number', () => {
    expect(
      readSettings({ ...ENV, REBUILD_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/1/work', REBUILD_TASK_KEYS: '250' }),
    ).toMatchObject({
      rebuildQueueUrl: 'https://sqs.us-east-1.amazonaws.com/1/work',
      rebuildTaskKeys: 250,
    });
    expect(() => readSettings({ ...ENV, REBUILD_TASK_KEYS: '0' })).toThrow('REBUILD_TASK_KEYS must be a whole number from 1, got 0');
  });
});
