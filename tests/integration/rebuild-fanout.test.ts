// Needs a real moto_server (tests/support/moto.ts): S3 for posts, feeds and index, and SQS for the work queue.
// The rebuild handler fans out over it, worker handlers drain it as Lambda's event source would, and the
// result is compared byte for byte with what the single-process rebuild writes into another bucket.
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { CreateQueueCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { createHandler as createRebuild } from '../../functions/rebuild.ts';
import { createHandler as createWorker } from '../../functions/rebuild-worker.ts';
import type { Env } from '../../lib/aws/clients.ts';
import { mapLimit } from '../../lib/pipeline/concurrency.ts';
import { SqsPoller } from '../../scripts/sqs-poller.ts';
import { markdownPost, siteConfigJson } from '../support/markdown-posts.ts';
import { useMoto } from '../support/moto.ts';
import { recordingLog } from '../support/recording-log.ts';

// More posts than one page of S3's listing (1,000 keys), in 8 tasks; 2,000 posts took two minutes of the suite on a
// slower machine for the same checks.
const POSTS = 1_200;
const TASK_KEYS = 150;
const TAGS = ['Rust', 'Go', 'TypeScript', 'Python', 'Zig', 'C#', 'Ada'];

describe('the fanned-out rebuild on moto_server', () => {
  const moto = useMoto();

  async function tree(bucket: string): Promise<Map<string, string>> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await moto().s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
      for (const object of page.Contents ?? []) if (object.Key !== '_herald/index.json') keys.push(object.Key!);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    const bodies = await mapLimit(keys, 16, async (key) => {
      const object = await moto().s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return object.Body!.transformToString();
    });
    return new Map(keys.map((key, i) => [key, bodies[i]!]));
  }

  // The timeout is a hang guard only: uploads and both rebuilds take about a minute here.
  it(`reads ${POSTS} posts in ${POSTS / TASK_KEYS} worker tasks and writes what one process writes`, { timeout: 15 * 60_000 }, async () => {
    process.env.AWS_ACCESS_KEY_ID ??= 'testing';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'testing';
    const { s3, sqs } = moto();
    for (const bucket of ['content', 'single', 'fanned']) await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const { QueueUrl: queueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'rebuild-work' }));
    const put = (key: string, body: string) => s3.send(new PutObjectCommand({ Bucket: 'content', Key: `posts/${key}`, Body: body }));
    await put('herald.config.json', siteConfigJson({ itemsPerFeed: 10 }));
    await mapLimit(
      Array.from({ length: POSTS }, (_, i) => i),
      16,
      (i) =>
        put(
          `${String(i).padStart(4, '0')}.md`,
          markdownPost({
            title: `Post ${i}`,
            // Pairs share a date: the key breaks the tie, across task boundaries too.
            date: new Date(Date.UTC(2024, 0, 1) + Math.floor(i / 2) * 3_600_000).toISOString(),
            tags: [TAGS[i % TAGS.length]!, TAGS[(i * 3) % TAGS.length]!],
            categories: [i % 5 === 0 ? 'Releases' : 'Notes'],
            ...(i % 97 === 0 && { draft: true }),
          }),
        ),
    );
    const env = (bucket: string, extra: Env = {}): Env => ({
      ...moto().env,
      CONTENT_BUCKET: 'content',
      FEEDS_BUCKET: bucket,
      LOG_LEVEL: 'ERROR',
      ...extra,
    });

    await createRebuild({ env: env('single'), log: recordingLog() })({});

    const fannedEnv = env('fanned', { REBUILD_QUEUE_URL: queueUrl!, REBUILD_TASK_KEYS: String(TASK_KEYS) });
    const log = recordingLog();
    const coordinator = createRebuild({ env: fannedEnv, log })({});
    const poller = new SqsPoller({
      sqs,
      queueUrl: queueUrl!,
      handler: createWorker({ env: fannedEnv, log }),
      batchSize: 1,
      concurrency: 2,
    });
    let done = false;
    const finished = coordinator.finally(() => {
      done = true;
    });
    let tasks = 0;
    // Lambda's event source: poll until the coordinator is done (it returns only once every part is merged).
    while (!done) {
      tasks += (await poller.drain()).messages;
      await Promise.race([finished.catch(() => {}), new Promise((resolve) => setTimeout(resolve, 100))]);
    }
    const summary = await finished;
    expect(summary).toMatchObject({ posts: POSTS, rejected: 0 });
    expect(tasks).toBe(POSTS / TASK_KEYS);
    expect(log.at('error')).toEqual([]);

    const [single, fanned] = await Promise.all([tree('single'), tree('fanned')]);
    expect([...fanned.keys()].filter((key) => key.startsWith('_herald/rebuilds/'))).toEqual([]);
    expect(fanned.size).toBe(single.size);
    expect(Object.fromEntries(fanned)).toEqual(Object.fromEntries(single));
  });
});
