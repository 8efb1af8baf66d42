// Needs a real moto_server (tests/support/moto.ts): S3 buckets whose notifications land in SQS, CloudFront
// invalidations; plus a WebSub hub of the test's own on 127.0.0.1. The BUNDLED regenerate handler runs on
// real SQS events, and after every scenario the feeds bucket must equal what a full rebuild writes.
import { ReceiveMessageCommand, DeleteMessageCommand } from '@aws-sdk/client-sqs';
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { sqsEvent } from '../../scripts/sqs-poller.ts';
import { invalidatedPaths } from '../support/cloudfront.ts';
import { useAwsPipeline, type AwsPipeline } from '../support/aws-pipeline.ts';
import { markdownPost } from '../support/markdown-posts.ts';

const FEEDS_URL = 'https://feeds.example.org/';

async function expectSameAsFullRebuild(pipeline: AwsPipeline): Promise<void> {
  const incremental = await pipeline.feedTree();
  const rebuilt = await pipeline.freshRebuild();
  expect([...incremental.keys()].sort()).toEqual([...rebuilt.keys()].sort());
  for (const [key, file] of rebuilt) expect(incremental.get(key), key).toEqual(file);
}

/** Invalidations and hub pings from here on. */
async function announcementsSince(pipeline: AwsPipeline, before: number): Promise<{ paths: string[][]; pinged: string[] }> {
  const all = await invalidatedPaths(pipeline.moto.cloudfront, pipeline.distributionId);
  return { paths: all.slice(before), pinged: pipeline.hub.publishedUrls() };
}

async function invalidationCount(pipeline: AwsPipeline): Promise<number> {
  return (await invalidatedPaths(pipeline.moto.cloudfront, pipeline.distributionId)).length;
}

describe('the bundled pipeline on moto', () => {
  const aws = useAwsPipeline();

  it('runs from one minified ESM file per function, each exporting handler, with a source map', async () => {
    const { bundle, functions } = aws();
    for (const name of ['regenerate', 'rebuild'] as const) {
      const code = await readFile(bundle.files[name], 'utf8');
      expect(code.startsWith("import { createRequire } from 'module'; const require = createRequire(import.meta.url);")).toBe(true);
      expect(code).toMatch(/\/\/# sourceMappingURL=\w+\.mjs\.map\s*$/);
      const map = JSON.parse(await readFile(`${bundle.files[name]}.map`, 'utf8')) as { sources: string[] };
      expect(map.sources.some((source) => source.endsWith(`functions/${name}.ts`))).toBe(true);
      expect(typeof functions[name].handler).toBe('function');
    }
  });

  it('publishes an upload, invalidates exactly its feeds in one call, and pings the hub', async () => {
    const pipeline = aws();
    const before = await invalidationCount(pipeline);
    pipeline.hub.pings.length = 0;
    await pipeline.put('2025/first.md', markdownPost({ title: 'First', tags: ['Alpha'], categories: ['News'] }));
    const drained = await pipeline.poller().drain({ untilEmpty: true });
    expect(drained.failedBatches).toBe(0);

    expect(await pipeline.feed('rss.xml')).toContain('<title>First</title>');
    expect(await pipeline.feed('tags/alpha/atom.xml')).toContain('First');
    expect(await pipeline.feed('categories/news/feed.json')).toContain('First');
    const tree = await pipeline.feedTree();
    expect(tree.get('rss.xml')?.contentType).toBe('application/xml; charset=utf-8');
    expect(tree.get('tags/alpha/feed.json')?.contentType).toBe('application/json; charset=utf-8');
    expect(tree.get('rss.xml')?.cacheControl).toBe('public, max-age=300, stale-while-revalidate=60, stale-if-error=86400');
    expect(await pipeline.feed('atom.xml')).toContain(pipeline.hub.url);

    const { paths, pinged } = await announcementsSince(pipeline, before);
    expect(paths).toHaveLength(1);
    const feedPaths = ['', 'tags/alpha/', 'categories/news/'].flatMap((dir) =>
      ['rss.xml', 'atom.xml', 'feed.json'].map((f) => `/${dir}${f}`),
    );
    expect(paths[0]).toEqual(expect.arrayContaining(feedPaths));
    for (const path of paths[0]!) expect(['/', '/index.html', '/feeds.opml', ...feedPaths]).toContain(path);
    expect(pinged).toEqual(feedPaths.map((path) => FEEDS_URL + path.slice(1)).sort());
    await expectSameAsFullRebuild(pipeline);
  });

  it('re-uploading the same bytes writes, invalidates and pings nothing', async () => {
    const pipeline = aws();
    const source = markdownPost({ title: 'Stable', tags: ['Alpha'] });
    await pipeline.put('stable.md', source);
    await pipeline.poller().drain({ untilEmpty: true });
    const before = await invalidationCount(pipeline);
    pipeline.hub.pings.length = 0;
    const putsBefore = pipeline.proxy.requests.filter(
      (r) => r.method === 'PUT' && r.bucket === 'feeds' && !r.key.startsWith('_herald/'),
    ).length;
    await pipeline.put('stable.md', source);
    await pipeline.poller().drain({ untilEmpty: true });
    const putsAfter = pipeline.proxy.requests.filter(
      (r) => r.method === 'PUT' && r.bucket === 'feeds' && !r.key.startsWith('_herald/'),
    ).length;
    expect(putsAfter).toBe(putsBefore);
    expect(await invalidationCount(pipeline)).toBe(before);
    expect(pipeline.hub.pings).toEqual([]);
  });

  it('follows an edit that moves a post between tags and categories: it leaves the old feeds and enters the new', async () => {
    const pipeline = aws();
    await pipeline.put('mover.md', markdownPost({ title: 'Mover', tags: ['Old Tag'], categories: ['Before'] }));
    await pipeline.poller().drain({ untilEmpty: true });
    expect(await pipeline.feed('tags/old-tag/rss.xml')).toContain('Mover');
    const before = await invalidationCount(pipeline);

    await pipeline.put('mover.md', markdownPost({ title: 'Mover', tags: ['New Tag'], categories: ['After'] }));
    await pipeline.poller().drain({ untilEmpty: true });
    expect(await pipeline.feed('tags/new-tag/rss.xml')).toContain('Mover');
    expect(await pipeline.feed('categories/after/rss.xml')).toContain('Mover');
    // The old terms have no posts left: their feeds are gone, and the CDN is told.
    expect(await pipeline.feed('tags/old-tag/rss.xml')).toBeNull();
    expect(await pipeline.feed('categories/before/rss.xml')).toBeNull();
    const { paths } = await announcementsSince(pipeline, before);
    // Site, two tags and two categories in three formats, plus the directory: past the threshold of 15.
    expect(paths).toEqual([['/*']]);
    await expectSameAsFullRebuild(pipeline);
  });

  it('removes a deleted post from every feed', async () => {
    const pipeline = aws();
    await pipeline.put('doomed.md', markdownPost({ title: 'Doomed', tags: ['Gone Soon'] }));
    await pipeline.poller().drain({ untilEmpty: true });
    expect(await pipeline.feed('rss.xml')).toContain('Doomed');
    const id = /<id>([^<]+)<\/id>\s*<title>Doomed<\/title>/.exec((await pipeline.feed('atom.xml')) ?? '')?.[1];
    expect(id).toBeDefined();
    await pipeline.remove('doomed.md');
    await pipeline.poller().drain({ untilEmpty: true });
    expect(await pipeline.feed('rss.xml')).not.toContain('Doomed');
    // Atom subscribers are told (RFC 6721); the tag's feed had nothing else and is gone.
    const atom = await pipeline.feed('atom.xml');
    expect(atom).not.toContain('Doomed');
    expect(atom).toContain(`<at:deleted-entry ref="${id}" when="`);
    expect(await pipeline.feed('tags/gone-soon/rss.xml')).toBeNull();
    await expectSameAsFullRebuild(pipeline);
  });

  it('handles a key with spaces, a plus and Chinese characters, and a Chinese tag', async () => {
    const pipeline = aws();
    const before = await invalidationCount(pipeline);
    await pipeline.put('新 文章 a+b.md', markdownPost({ title: '你好 Herald', tags: ['科技'] }));
    await pipeline.poller().drain({ untilEmpty: true });
    expect(await pipeline.feed('tags/科技/rss.xml')).toContain('你好 Herald');
    const { paths } = await announcementsSince(pipeline, before);
    expect(paths[0]).toContain('/tags/%E7%A7%91%E6%8A%80/rss.xml');
    expect(pipeline.hub.publishedUrls()).toContain(`${FEEDS_URL}tags/%E7%A7%91%E6%8A%80/atom.xml`);
    await pipeline.remove('新 文章 a+b.md');
    await pipeline.poller().drain({ untilEmpty: true });
    expect(await pipeline.feed('rss.xml')).not.toContain('你好 Herald');
    await expectSameAsFullRebuild(pipeline);
  });

  it('converges under duplicated and reordered deliveries of real notifications', async () => {
    const pipeline = aws();
    // Upload, edit, delete, re-upload: four real notifications for one key, plus two for another.
    await pipeline.put('churn.md', markdownPost({ title: 'Churn v1', tags: ['Churn'] }));
    await pipeline.put('churn.md', markdownPost({ title: 'Churn v2', tags: ['Churn', 'Other'] }));
    await pipeline.put('steady.md', markdownPost({ title: 'Steady', tags: ['Churn'] }));
    await pipeline.remove('churn.md');
    await pipeline.put('churn.md', markdownPost({ title: 'Churn v3', tags: ['Other'] }));
    await pipeline.remove('steady.md');
    const messages = [];
    for (;;) {
      const { Messages = [] } = await pipeline.moto.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: pipeline.queueUrl, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['All'] }),
      );
      if (Messages.length === 0) break;
      messages.push(...Messages);
    }
    expect(messages).toHaveLength(6);
    for (const message of messages) {
      await pipeline.moto.sqs.send(new DeleteMessageCommand({ QueueUrl: pipeline.queueUrl, ReceiptHandle: message.ReceiptHandle! }));
    }
    const handler = pipeline.regenerateHandler();
    const arn = `arn:aws:sqs:us-east-1:123456789012:herald-events`;
    // Newest first, one at a time, then everything again in one batch, then the oldest alone (late).
    for (const message of [...messages].reverse())
      expect(await handler(sqsEvent([message], arn, 'us-east-1'))).toEqual({ batchItemFailures: [] });
    expect(await handler(sqsEvent([...messages, ...messages.slice(0, 2)], arn, 'us-east-1'))).toEqual({ batchItemFailures: [] });
    expect(await handler(sqsEvent([messages[0]!], arn, 'us-east-1'))).toEqual({ batchItemFailures: [] });

    const rss = await pipeline.feed('rss.xml');
    expect(rss).toContain('Churn v3');
    expect(rss).not.toContain('Churn v2');
    expect(rss).not.toContain('Steady');
    expect(await pipeline.feed('tags/churn/rss.xml')).toBeNull();
    await expectSameAsFullRebuild(pipeline);
  });

  it('rebuilds every feed when the site configuration changes', async () => {
    const pipeline = aws();
    await pipeline.put(
      'herald.config.json',
      JSON.stringify({ title: 'Renamed', baseUrl: 'https://example.org/', feedsUrl: FEEDS_URL, itemsPerFeed: 5 }),
    );
    await pipeline.poller().drain({ untilEmpty: true });
    expect(await pipeline.feed('rss.xml')).toContain('<title>Renamed</title>');
    await expectSameAsFullRebuild(pipeline);
  });
});
