// Needs a real moto_server (Python moto 5.2.1 on PATH): S3Storage against real S3 semantics, and the S3 -> SQS
// notifications the pipeline decodes.
import { CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { ListDistributionsCommand } from '@aws-sdk/client-cloudfront';
import { ListQueuesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { writeIfChanged } from '../../lib/publish.ts';
import { coalesce, decodeEvent } from '../../lib/aws/s3-events.ts';
import { S3Storage, newRequestCounts } from '../../lib/storage/s3/s3-storage.ts';
import { storageContract } from '../lib/storage/contract.ts';
import { connectBucketToQueue, startMoto, useMoto } from '../support/moto.ts';

const moto = useMoto();
const BUCKET = 'storage-contract';
let next = 0;

beforeAll(async () => {
  await moto().s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
});

describe('S3Storage on moto: the storage contract', () => {
  // A fresh prefix per test isolates tests sharing the bucket, and proves prefixes are stripped.
  storageContract(() => new S3Storage({ client: moto().s3, bucket: BUCKET, prefix: `contract-${next++}/` }));
});

describe('S3Storage on moto', () => {
  it('works on the whole bucket or under a prefix given with or without its slash', async () => {
    const { s3 } = moto();
    await s3.send(new CreateBucketCommand({ Bucket: 'prefixes' }));
    const whole = new S3Storage({ client: s3, bucket: 'prefixes' });
    const feeds = new S3Storage({ client: s3, bucket: 'prefixes', prefix: 'feeds' });
    expect(feeds.prefix).toBe('feeds/');
    await feeds.put('rss.xml', 'site');
    await whole.put('feedsx/other', 'not under feeds/');
    expect((await whole.get('feeds/rss.xml'))?.etag).toBe((await feeds.head('rss.xml'))?.etag);
    const listed: string[] = [];
    for await (const info of feeds.list()) listed.push(info.key);
    expect(listed).toEqual(['rss.xml']);
    expect(feeds.relativeKey('feeds/tags/a/rss.xml')).toBe('tags/a/rss.xml');
    expect(feeds.relativeKey('feedsx/other')).toBeNull();
    expect(feeds.relativeKey('feeds/')).toBeNull();
  });

  it('pages through listings longer than S3 returns at once (1,000 keys)', async () => {
    const { s3 } = moto();
    await s3.send(new CreateBucketCommand({ Bucket: 'many' }));
    const keys = Array.from({ length: 1_005 }, (_, i) => `posts/${String(i).padStart(4, '0')}.md`);
    for (let i = 0; i < keys.length; i += 25) {
      await Promise.all(keys.slice(i, i + 25).map((Key) => s3.send(new PutObjectCommand({ Bucket: 'many', Key, Body: Key }))));
    }
    const counts = newRequestCounts();
    const storage = new S3Storage({ client: s3, bucket: 'many', prefix: 'posts/', counts });
    const listed: string[] = [];
    for await (const info of storage.list()) listed.push(info.key);
    expect(listed).toEqual(keys.map((key) => key.slice('posts/'.length)));
    expect(counts).toEqual({ get: 0, head: 0, put: 0, delete: 0, list: 2 });
  });

  it('counts requests by kind, shared across storages', async () => {
    const counts = newRequestCounts();
    const content = new S3Storage({ client: moto().s3, bucket: BUCKET, prefix: 'counted-content/', counts });
    const feeds = new S3Storage({ client: moto().s3, bucket: BUCKET, prefix: 'counted-feeds/', counts });
    await content.put('a.md', 'a');
    await content.get('a.md');
    await feeds.head('rss.xml');
    await feeds.put('rss.xml', 'x', { ifNoneMatch: '*' });
    await feeds.put('rss.xml', 'y', { ifNoneMatch: '*' }).catch(() => undefined);
    await feeds.delete('rss.xml');
    for await (const _ of feeds.list()) void _;
    expect(counts).toEqual({ get: 1, head: 1, put: 3, delete: 1, list: 1 });
  });
});

describe('writeIfChanged on moto', () => {
  it('publishes headers S3 serves, then leaves the object alone so conditional GETs get 304', async () => {
    const { s3 } = moto();
    const counts = newRequestCounts();
    const feeds = new S3Storage({ client: s3, bucket: BUCKET, prefix: 'published/', counts });
    const file = { path: 'tags/c#/atom.xml', body: '<feed>中文</feed>', contentType: 'application/atom+xml; charset=utf-8' };
    const cache = 'public, max-age=300, stale-while-revalidate=60, stale-if-error=86400';
    expect(await writeIfChanged(feeds, file, cache)).toBe('written');
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'published/tags/c#/atom.xml' }));
    expect(head).toMatchObject({ ContentType: file.contentType, CacheControl: cache });
    expect(head.Metadata).toEqual({ sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });

    expect(await writeIfChanged(feeds, file, cache)).toBe('unchanged');
    expect(counts).toMatchObject({ head: 2, put: 1 });
    const conditional = await s3
      .send(new GetObjectCommand({ Bucket: BUCKET, Key: 'published/tags/c#/atom.xml', IfNoneMatch: head.ETag }))
      .catch((error: { $metadata: { httpStatusCode: number } }) => error);
    expect(conditional.$metadata.httpStatusCode).toBe(304);
  });
});

describe('S3 -> SQS notifications on moto', () => {
  it('delivers filtered, URL-encoded notifications that decodeEvent turns back into keys', async () => {
    const { s3, sqs } = moto();
    const queueUrl = await connectBucketToQueue(moto(), { bucket: 'notified', queue: 'posts', prefix: 'posts/', suffix: '.md' });
    const put = (Key: string) => s3.send(new PutObjectCommand({ Bucket: 'notified', Key, Body: '# post' }));
    await put('posts/a b+c/中文.md');
    await put('posts/ignored.txt');
    await put('drafts/ignored.md');
    await s3.send(new DeleteObjectCommand({ Bucket: 'notified', Key: 'posts/a b+c/中文.md' }));

    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    // The shape the regenerate handler receives: S3 notification JSON as each SQS body, one record per
    // message, the key URL-encoded (moto encodes '/' too; S3 leaves it), no sequencer from moto.
    const record = JSON.parse(Messages.find((m) => m.Body!.includes('ObjectCreated'))!.Body!).Records[0];
    expect(record).toMatchObject({
      eventSource: 'aws:s3',
      eventName: 'ObjectCreated:Put',
      s3: { bucket: { name: 'notified' }, object: { key: expect.stringMatching(/^posts%2Fa\+b%2Bc%2F%E4%B8%AD%E6%96%87\.md$/) } },
    });

    const event = {
      Records: Messages.map((m) => ({ messageId: m.MessageId!, body: m.Body!, eventSource: 'aws:sqs' })),
    };
    const decoded = decodeEvent(event);
    // Setting up the notification made S3 send its test event first.
    expect(decoded.ignored).toEqual([expect.objectContaining({ eventName: 's3:TestEvent' })]);
    expect(decoded.malformed).toEqual([]);
    expect(decoded.changes.map((c) => [c.key, c.kind])).toEqual([
      ['posts/a b+c/中文.md', 'upsert'],
      ['posts/a b+c/中文.md', 'remove'],
    ]);
    expect(coalesce(decoded.changes)).toMatchObject([{ key: 'posts/a b+c/中文.md', kind: 'remove' }]);
  });
});

describe('the moto support helper', () => {
  it('hands out clients for every service it serves', async () => {
    const { cloudfront, sqs, env, endpoint } = moto();
    expect(env).toMatchObject({ AWS_ENDPOINT_URL: endpoint, AWS_REGION: 'us-east-1', S3_FORCE_PATH_STYLE: 'true' });
    expect((await cloudfront.send(new ListDistributionsCommand({}))).DistributionList?.Quantity).toBe(0);
    expect((await sqs.send(new ListQueuesCommand({}))).$metadata.httpStatusCode).toBe(200);
  });

  it('says how to install moto_server when it is missing', async () => {
    vi.stubEnv('PATH', '/nonexistent');
    try {
      await expect(startMoto()).rejects.toThrow('moto_server is not on PATH. Install it with: pip install "moto[server]==5.2.1"');
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
