// Needs a real moto_server (tests/support/moto.ts), reached through an S3 fault proxy of the test's own
// on 127.0.0.1: real 500s, 503 SlowDowns and 412s, a crash of the BUNDLED handler's process between its
// index commit and its first feed write, and two handlers forced to race on the same feeds. Every
// scenario ends with a retry and a feeds bucket equal to what a full rebuild writes.
import { DeleteMessageCommand, ReceiveMessageCommand, type Message } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { sqsEvent } from '../../scripts/sqs-poller.ts';
import { useAwsPipeline, type AwsPipeline } from '../support/aws-pipeline.ts';
import { markdownPost } from '../support/markdown-posts.ts';
import { s3Error, startFaultProxy, type S3Request } from '../support/s3-fault-proxy.ts';

const isFeedWrite = (r: S3Request) => r.method === 'PUT' && r.bucket === 'feeds' && !r.key.startsWith('_herald/');
const isIndexWrite = (r: S3Request) => r.method === 'PUT' && r.bucket === 'feeds' && r.key.startsWith('_herald/');

async function expectSameAsFullRebuild(pipeline: AwsPipeline): Promise<void> {
  const incremental = await pipeline.feedTree();
  const rebuilt = await pipeline.freshRebuild();
  expect([...incremental.keys()].sort()).toEqual([...rebuilt.keys()].sort());
  for (const [key, file] of rebuilt) expect(incremental.get(key), key).toEqual(file);
}

async function receiveOne(pipeline: AwsPipeline, visibilityTimeout = 30): Promise<Message> {
  for (let tries = 0; tries < 20; tries++) {
    const { Messages = [] } = await pipeline.moto.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: pipeline.queueUrl,
        MaxNumberOfMessages: 1,
        VisibilityTimeout: visibilityTimeout,
        MessageSystemAttributeNames: ['All'],
      }),
    );
    if (Messages[0]) return Messages[0];
  }
  throw new Error('no message arrived');
}

const ARN = 'arn:aws:sqs:us-east-1:123456789012:herald-events';

describe('faults and races through the bundled pipeline on moto', () => {
  const aws = useAwsPipeline();

  it('rides out transient 500 and 503 SlowDown answers with the SDK retries', async () => {
    const pipeline = aws();
    const internal = pipeline.proxy.add({
      match: (r) => r.method === 'GET' && r.bucket === 'content' && r.key.endsWith('transient.md'),
      action: s3Error(500, 'InternalError'),
      times: 1,
    });
    const slowDown = pipeline.proxy.add({
      match: isFeedWrite,
      action: s3Error(503, 'SlowDown', 'Please reduce your request rate.'),
      times: 2,
    });
    await pipeline.put('transient.md', markdownPost({ title: 'Transient', tags: ['Faults'] }));
    const result = await pipeline.poller().drain({ untilEmpty: true });
    expect(pipeline.proxy.hits(internal)).toBe(1);
    expect(pipeline.proxy.hits(slowDown)).toBe(2);
    expect(result.failedBatches).toBe(0);
    expect(await pipeline.feed('tags/faults/rss.xml')).toContain('Transient');
    pipeline.proxy.clear();
    await expectSameAsFullRebuild(pipeline);
  });

  it('reports the message of a post S3 keeps failing, and publishes it on the retry', async () => {
    const pipeline = aws();
    const broken = pipeline.proxy.add({
      match: (r) => r.method === 'GET' && r.bucket === 'content' && r.key.endsWith('stuck.md'),
      action: s3Error(500, 'InternalError'),
    });
    await pipeline.put('stuck.md', markdownPost({ title: 'Stuck', tags: ['Faults'] }));
    await pipeline.put('fine.md', markdownPost({ title: 'Fine', tags: ['Faults'] }));
    const failures: string[] = [];
    const handler = pipeline.regenerateHandler();
    const first = await handler(sqsEvent([await receiveOne(pipeline, 1), await receiveOne(pipeline, 1)], ARN, 'us-east-1'));
    failures.push(...(first?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
    expect(failures).toHaveLength(1);
    expect(await pipeline.feed('rss.xml')).toContain('Fine');
    expect(await pipeline.feed('rss.xml')).not.toContain('Stuck');
    pipeline.proxy.remove(broken);
    await pipeline.poller().drain({ untilEmpty: true, maxBatches: 20 });
    expect(await pipeline.feed('tags/faults/rss.xml')).toContain('Stuck');
    pipeline.proxy.clear();
    await expectSameAsFullRebuild(pipeline);
  });

  it('retries feed writes refused with SlowDown past the SDK retries, on redelivery', async () => {
    const pipeline = aws();
    const throttled = pipeline.proxy.add({ match: isFeedWrite, action: s3Error(503, 'SlowDown', 'Please reduce your request rate.') });
    await pipeline.put('throttled.md', markdownPost({ title: 'Throttled', tags: ['Faults'] }));
    const poller = pipeline.poller();
    expect(await poller.pollOnce()).toBeGreaterThan(0);
    expect(pipeline.proxy.hits(throttled)).toBeGreaterThan(0);
    expect((await pipeline.feed('rss.xml')) ?? '').not.toContain('Throttled');
    pipeline.proxy.remove(throttled);
    await poller.drain({ untilEmpty: true, maxBatches: 20 });
    expect(await pipeline.feed('rss.xml')).toContain('Throttled');
    pipeline.proxy.clear();
    await expectSameAsFullRebuild(pipeline);
  });

  it('re-reads and retries an index write whose condition failed', async () => {
    const pipeline = aws();
    const lost = pipeline.proxy.add({
      match: (r) => isIndexWrite(r) && (r.headers['if-match'] !== undefined || r.headers['if-none-match'] !== undefined),
      action: s3Error(412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold'),
      times: 2,
    });
    await pipeline.put('contended.md', markdownPost({ title: 'Contended', tags: ['Faults'] }));
    const result = await pipeline.poller().drain({ untilEmpty: true, maxBatches: 20 });
    expect(pipeline.proxy.hits(lost)).toBe(2);
    expect(result.messages).toBeGreaterThan(0);
    expect(await pipeline.feed('tags/faults/rss.xml')).toContain('Contended');
    pipeline.proxy.clear();
    await expectSameAsFullRebuild(pipeline);
  });

  it('finishes the work of a process that crashed between its index commit and its feed write', async () => {
    const pipeline = aws();
    await pipeline.put('crash.md', markdownPost({ title: 'Crash Survivor', tags: ['Crash'] }));
    const message = await receiveOne(pipeline, 1);
    let kill = () => {};
    const crash = pipeline.proxy.add({ match: isFeedWrite, action: { crash: () => kill() }, times: 1 });
    const run = pipeline.regenerateInChild(sqsEvent([message], ARN, 'us-east-1'));
    kill = run.kill;
    await expect(run.result).rejects.toThrow(/SIGKILL/);
    expect(pipeline.proxy.hits(crash)).toBe(1);
    // The index moved on (the record is committed) but no feed shows the post yet.
    expect(pipeline.proxy.requests.some((r) => isIndexWrite(r) && r.key.includes('crash.md'))).toBe(true);
    expect((await pipeline.feed('rss.xml')) ?? '').not.toContain('Crash Survivor');

    // Lambda would redeliver the message after its visibility timeout; the retry completes the run.
    await pipeline.poller().drain({ untilEmpty: true, maxBatches: 20 });
    expect(await pipeline.feed('tags/crash/rss.xml')).toContain('Crash Survivor');
    pipeline.proxy.clear();
    await expectSameAsFullRebuild(pipeline);
  });

  it('converges when two handlers race on the same feeds, one overtaking the other mid-commit', async () => {
    const pipeline = aws();
    const other = await startFaultProxy(pipeline.moto.endpoint);
    try {
      await pipeline.put('race-a.md', markdownPost({ title: 'Racer A', tags: ['Race'], date: '2025-04-01T00:00:00Z' }));
      await pipeline.put('race-b.md', markdownPost({ title: 'Racer B', tags: ['Race'], date: '2025-04-02T00:00:00Z' }));
      const messageA = await receiveOne(pipeline);
      const messageB = await receiveOne(pipeline);
      let release = () => {};
      const held = pipeline.proxy.add({
        match: (r) => isIndexWrite(r) && r.key.includes('manifest'),
        action: { hold: new Promise<void>((resolve) => (release = resolve)) },
        times: 1,
      });
      const handlerA = pipeline.regenerateHandler();
      const handlerB = pipeline.regenerateHandler(pipeline.env({ AWS_ENDPOINT_URL_S3: other.endpoint }));
      const runA = handlerA(sqsEvent([messageA], ARN, 'us-east-1'));
      // No deadline: A reaches its manifest write however slow the machine (the test's timeout guards a hang).
      while (pipeline.proxy.hits(held) === 0) await new Promise((r) => setTimeout(r, 10));
      expect(pipeline.proxy.hits(held)).toBe(1);
      // B commits and publishes while A waits with its manifest write in flight.
      expect(await handlerB(sqsEvent([messageB], ARN, 'us-east-1'))).toEqual({ batchItemFailures: [] });
      release();
      expect(await runA).toEqual({ batchItemFailures: [] });
      // A's held write reached S3 after B's and lost its condition there: a real 412, then a retry.
      expect(pipeline.proxy.requests.filter((r) => isIndexWrite(r) && r.status === 412).length).toBeGreaterThan(0);
      for (const message of [messageA, messageB]) {
        await pipeline.moto.sqs.send(new DeleteMessageCommand({ QueueUrl: pipeline.queueUrl, ReceiptHandle: message.ReceiptHandle! }));
      }

      const feed = await pipeline.feed('tags/race/rss.xml');
      expect(feed).toContain('Racer A');
      expect(feed).toContain('Racer B');
      pipeline.proxy.clear();
      await expectSameAsFullRebuild(pipeline);
    } finally {
      await other.close();
    }
  });
});
