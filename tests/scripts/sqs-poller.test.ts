// Needs a real moto_server (tests/support/moto.ts): S3 notifications delivered into an SQS queue.
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { SQSEvent } from 'aws-lambda';
import { beforeEach, describe, expect, it } from 'vitest';
import { decodeEvent } from '../../lib/aws/s3-events.ts';
import { SqsPoller } from '../../scripts/sqs-poller.ts';
import { connectBucketToQueue, useMoto } from '../support/moto.ts';

describe('SqsPoller', () => {
  const moto = useMoto();
  let queueUrl: string;

  beforeEach(async () => {
    await moto().reset();
    queueUrl = await connectBucketToQueue(moto(), { bucket: 'content', queue: 'events', prefix: 'posts/', suffix: '.md' });
  });

  async function upload(count: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      await moto().s3.send(new PutObjectCommand({ Bucket: 'content', Key: `posts/p${i}.md`, Body: `# ${i}` }));
    }
  }

  it('hands real S3 notifications to the handler in batches of at most 10 and deletes what succeeded', async () => {
    await upload(23);
    const events: SQSEvent[] = [];
    const poller = new SqsPoller({ sqs: moto().sqs, queueUrl, handler: async (event) => void events.push(event) });
    const result = await poller.drain();
    // S3 (and moto) sends an s3:TestEvent when the notification is configured. SQS delivers at least once: two
    // workers polling at once sometimes both receive a message (seen with moto on a loaded machine), which the
    // pipeline tolerates, so a message is counted once.
    const delivered = new Set(events.flatMap((event) => event.Records.map((record) => record.messageId)));
    expect(delivered.size).toBe(24);
    expect(result.messages).toBeGreaterThanOrEqual(24);
    expect(new Set(events.flatMap((event) => decodeEvent(event).ignored.map((ignored) => ignored.eventName)))).toEqual(
      new Set(['s3:TestEvent']),
    );
    expect(Math.max(...events.map((event) => event.Records.length))).toBeLessThanOrEqual(10);
    const record = events[0]!.Records[0]!;
    expect(record.eventSource).toBe('aws:sqs');
    expect(record.eventSourceARN).toMatch(/^arn:aws:sqs:us-east-1:\d+:events$/);
    const keys = [...new Set(events.flatMap((event) => decodeEvent(event).changes.map((change) => change.key)))].sort();
    expect(keys).toEqual(Array.from({ length: 23 }, (_, i) => `posts/p${i}.md`).sort());
    expect(await poller.pending()).toBe(0);
  });

  it('keeps only the reported failures, and all of a batch whose handler threw, for another delivery', async () => {
    await upload(3);
    let calls = 0;
    const deliveries = new Map<string, number[]>();
    const retriedAfter: string[][] = [];
    const poller = new SqsPoller({
      sqs: moto().sqs,
      queueUrl,
      concurrency: 1,
      retryDelaySeconds: 0,
      handler: async (event) => {
        calls++;
        const ids = event.Records.map((record) => record.messageId);
        for (const record of event.Records) {
          deliveries.set(record.messageId, [
            ...(deliveries.get(record.messageId) ?? []),
            Number(record.attributes.ApproximateReceiveCount),
          ]);
        }
        if (calls === 1) {
          retriedAfter.push([ids[0]!]);
          return { batchItemFailures: [{ itemIdentifier: ids[0]! }] };
        }
        if (calls === 2) {
          retriedAfter.push(ids);
          throw new Error('crashed');
        }
        return { batchItemFailures: [] };
      },
    });
    const result = await poller.drain({ untilEmpty: true, maxBatches: 10 });
    expect(result.failedBatches).toBe(2);
    expect(deliveries.size).toBe(4);
    for (const id of retriedAfter.flat()) expect(deliveries.get(id)!.length).toBeGreaterThan(1);
    const neverFailed = [...deliveries.keys()].filter((id) => !retriedAfter.flat().includes(id));
    for (const id of neverFailed) expect(deliveries.get(id)).toEqual([1]);
    expect(await poller.pending()).toBe(0);
  });
});
