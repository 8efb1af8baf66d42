// Needs no external server: the handler runs the real pipeline over in-memory stores (the S3 path is
// covered against moto_server by tests/integration/pipeline-*.test.ts).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { beforeEach, describe, expect, it } from 'vitest';
import { createHandler as createRebuildHandler } from '../../functions/rebuild.ts';
import { createHandler } from '../../functions/regenerate.ts';
import type { RuntimeOptions, StoreRole } from '../../lib/aws/runtime.ts';
import { intercept } from '../../lib/storage/intercept.ts';
import { MemoryStorage } from '../../lib/storage/memory/memory-storage.ts';
import type { Storage } from '../../lib/storage/storage.ts';
import { s3Event, s3Record, sqsEvent, TEST_EVENT } from '../support/lambda-events.ts';
import { markdownPost, siteConfigJson } from '../support/markdown-posts.ts';
import { recordingLog } from '../support/recording-log.ts';

const ENV = { CONTENT_BUCKET: 'content', FEEDS_BUCKET: 'feeds', AWS_REGION: 'us-east-1' };
const text = new TextDecoder();

describe('regenerate handler', () => {
  let stores: Record<StoreRole, MemoryStorage>;
  let log: ReturnType<typeof recordingLog>;

  beforeEach(async () => {
    stores = { content: new MemoryStorage(), feeds: new MemoryStorage(), state: new MemoryStorage() };
    log = recordingLog();
    await stores.content.put('herald.config.json', siteConfigJson());
  });

  function handlerWith(options: Partial<RuntimeOptions> = {}, wrap: (storage: Storage, role: StoreRole) => Storage = (s) => s) {
    return createHandler({ env: ENV, log, wrapStorage: (_s3, role) => wrap(stores[role], role), ...options });
  }

  async function feed(key: string): Promise<string | null> {
    const object = await stores.feeds.get(key);
    return object ? text.decode(object.body) : null;
  }

  it('regenerates the feeds of posts named by S3 notifications in SQS messages', async () => {
    await stores.content.put('hello world.md', markdownPost({ title: 'Hello', tags: ['News'] }));
    const response = await handlerWith()(sqsEvent(s3Event(s3Record('ObjectCreated:Put', 'content', 'posts/hello world.md'))));
    expect(response).toEqual({ batchItemFailures: [] });
    expect(await feed('rss.xml')).toContain('<title>Hello</title>');
    expect(await feed('tags/news/rss.xml')).toContain('<title>Hello</title>');
    const summary = log.at('info').find((line) => line.message === 'regenerate finished');
    expect(summary?.extra).toMatchObject({ keys: 1, failedMessages: 0, rebuildStarted: false });
    expect(summary?.extra.feedsWritten).toBeGreaterThan(0);
  });

  it('ignores the test event, other buckets, keys outside the prefix and non-posts', async () => {
    const response = await handlerWith()(
      sqsEvent(
        TEST_EVENT,
        s3Event(s3Record('ObjectCreated:Put', 'elsewhere', 'posts/a.md')),
        s3Event(s3Record('ObjectCreated:Put', 'content', 'drafts/a.md')),
        s3Event(s3Record('ObjectCreated:Put', 'content', 'posts/image.png')),
        'not json',
      ),
    );
    expect(response).toEqual({ batchItemFailures: [] });
    expect([...(await collect(stores.feeds))]).toEqual([]);
    expect(log.at('warn').map((line) => line.message)).toEqual(['dropped a message that is no S3 notification']);
  });

  it('refuses, and logs, an event that is neither S3 nor SQS', async () => {
    await expect(handlerWith()({ source: 'aws.events' })).rejects.toThrow(/not an S3, SQS or SNS event/);
    expect(log.at('error').map((line) => line.message)).toEqual(['regenerate received an event it cannot read']);
  });

  it('reports only the messages whose keys failed, then succeeds on their retry', async () => {
    await stores.content.put('good.md', markdownPost({ title: 'Good', tags: ['x'] }));
    await stores.content.put('flaky.md', markdownPost({ title: 'Flaky', tags: ['x'] }));
    let fail = true;
    const faulty = (storage: Storage, role: StoreRole) =>
      role === 'content'
        ? intercept(storage, {
            before(call) {
              if (fail && call.op === 'get' && call.key === 'flaky.md')
                throw Object.assign(new Error('InternalError'), { $metadata: { httpStatusCode: 500 } });
            },
          })
        : storage;
    const handler = handlerWith({}, faulty);
    const event = sqsEvent(
      s3Event(s3Record('ObjectCreated:Put', 'content', 'posts/good.md')),
      s3Event(s3Record('ObjectCreated:Put', 'content', 'posts/flaky.md'), s3Record('ObjectCreated:Put', 'content', 'posts/flaky.md')),
    );
    expect(await handler(event)).toEqual({ batchItemFailures: [{ itemIdentifier: 'm1' }] });
    expect(await feed('rss.xml')).toContain('<title>Good</title>');
    expect(await feed('rss.xml')).not.toContain('<title>Flaky</title>');
    fail = false;
    expect(await handler(sqsEvent(s3Event(s3Record('ObjectCreated:Put', 'content', 'posts/flaky.md'))))).toEqual({ batchItemFailures: [] });
    expect(await feed('tags/x/rss.xml')).toContain('<title>Flaky</title>');
  });

  it('throws for a plain S3 event whose keys failed, so Lambda retries it', async () => {
    await stores.content.put('a.md', markdownPost({ title: 'A' }));
    const failing = (storage: Storage, role: StoreRole) =>
      role === 'content'
        ? intercept(storage, {
            before: (call) => {
              if (call.op === 'get' && call.key === 'a.md') throw new Error('boom');
            },
          })
        : storage;
    await expect(handlerWith({}, failing)(s3Event(s3Record('ObjectCreated:Put', 'content', 'posts/a.md')))).rejects.toThrow(
      /1 changes failed/,
    );
    expect(await handlerWith()(s3Event(s3Record('ObjectCreated:Put', 'content', 'posts/a.md')))).toBeUndefined();
  });

  it('logs a bad post with its key and reason and still publishes the rest', async () => {
    await stores.content.put('bad.md', '---\ntitle: [unclosed\n---\nbody');
    await stores.content.put('fine.md', markdownPost({ title: 'Fine' }));
    const response = await handlerWith()(
      sqsEvent(
        s3Event(s3Record('ObjectCreated:Put', 'content', 'posts/bad.md'), s3Record('ObjectCreated:Put', 'content', 'posts/fine.md')),
      ),
    );
    expect(response).toEqual({ batchItemFailures: [] });
    expect(await feed('rss.xml')).toContain('<title>Fine</title>');
    const warning = log.at('warn').find((line) => line.message === 'post rejected');
    expect(warning?.extra).toMatchObject({ key: 'bad.md' });
    expect(String(warning?.extra.reason)).not.toBe('');
  });

  it('logs a post published with a warning, with its key and reason, and counts it in the summary line', async () => {
    await stores.content.put('odd.md', `---\ntitle: Odd\ndate: 2025-01-01\nguid: "p=7"\n---\nbody`);
    await handlerWith()(sqsEvent(s3Event(s3Record('ObjectCreated:Put', 'content', 'posts/odd.md'))));
    expect(await feed('rss.xml')).toContain('<title>Odd</title>');
    const warning = log.at('warn').find((line) => line.message === 'post published with a warning');
    expect(warning?.extra).toMatchObject({ key: 'odd.md' });
    expect(String(warning?.extra.reason)).toContain('guid: "p=7" is not an absolute IRI');
    expect(log.at('info').find((line) => line.message === 'regenerate finished')?.extra).toMatchObject({ warned: 1 });
  });

  it('rebuilds in place when the configuration changes and no rebuild function is named', async () => {
    await stores.content.put('a.md', markdownPost({ title: 'A' }));
    const handler = handlerWith();
    await handler(sqsEvent(s3Event(s3Record('ObjectCreated:Put', 'content', 'posts/a.md'))));
    await stores.content.put('herald.config.json', siteConfigJson({ title: 'Renamed Site' }));
    expect(await handler(sqsEvent(s3Event(s3Record('ObjectCreated:Put', 'content', 'posts/herald.config.json'))))).toEqual({
      batchItemFailures: [],
    });
    expect(await feed('rss.xml')).toContain('Renamed Site');
  });

  it('starts the rebuild function asynchronously when REBUILD_FUNCTION_NAME is set', async () => {
    const invocations: string[] = [];
    const lambda = createServer((request, response) => {
      invocations.push(`${request.method} ${request.url} ${request.headers['x-amz-invocation-type']}`);
      request.resume();
      response.statusCode = 202;
      response.end();
    });
    await new Promise<void>((resolve) => lambda.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(lambda.address() as AddressInfo).port}`;
    process.env.AWS_ACCESS_KEY_ID ??= 'testing';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'testing';
    try {
      const handler = handlerWith({ env: { ...ENV, REBUILD_FUNCTION_NAME: 'herald-rebuild', AWS_ENDPOINT_URL_LAMBDA: endpoint } });
      const response = await handler(sqsEvent(s3Event(s3Record('ObjectCreated:Put', 'content', 'posts/herald.config.json'))));
      expect(response).toEqual({ batchItemFailures: [] });
      expect(invocations).toEqual(['POST /2015-03-31/functions/herald-rebuild/invocations Event']);
      // The rebuild is the other function's work: nothing was built here.
      expect(await stores.feeds.head('rss.xml')).toBeNull();
      expect(log.at('info').at(-1)?.extra).toMatchObject({ configChanged: true, rebuildStarted: true });
    } finally {
      lambda.close();
    }
  });

  it('has the rebuild function build a missing index, once, and reports the posts for a later retry', async () => {
    const payloads: unknown[] = [];
    const lambda = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        payloads.push(JSON.parse(body));
        response.statusCode = 202;
        response.end();
      });
    });
    await new Promise<void>((resolve) => lambda.listen(0, '127.0.0.1', resolve));
    const env = {
      ...ENV,
      REBUILD_FUNCTION_NAME: 'herald-rebuild',
      AWS_ENDPOINT_URL_LAMBDA: `http://127.0.0.1:${(lambda.address() as AddressInfo).port}`,
    };
    process.env.AWS_ACCESS_KEY_ID ??= 'testing';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'testing';
    try {
      // A first deployment on a bucket that already holds posts: no index yet.
      await stores.content.put('a.md', markdownPost({ title: 'A' }));
      await stores.content.put('b.md', markdownPost({ title: 'B' }));
      const handler = handlerWith({ env });
      const event = sqsEvent(s3Event(s3Record('ObjectCreated:Put', 'content', 'posts/a.md')));
      for (let delivery = 0; delivery < 3; delivery++) {
        expect(await handler(event)).toEqual({ batchItemFailures: [{ itemIdentifier: 'm0' }] });
      }
      expect(payloads).toEqual([{ source: 'herald.regenerate', reason: 'the index is missing or outdated', lease: expect.any(String) }]);
      expect(await feed('rss.xml')).toBeNull();
      // The rebuild function runs with that event: it takes over the reserved lease, and the retry goes through.
      const rebuildHandler = createRebuildHandler({ env, log: recordingLog(), wrapStorage: (_s3, role) => stores[role] });
      expect(await rebuildHandler(payloads[0])).toMatchObject({ posts: 2, published: 2 });
      expect(await handler(event)).toEqual({ batchItemFailures: [] });
      expect(await feed('rss.xml')).toContain('<title>B</title>');
      // A redelivered notification of the configuration finds the index built with it: nothing more to start.
      const config = sqsEvent(s3Event(s3Record('ObjectCreated:Put', 'content', 'posts/herald.config.json')));
      expect(await handler(config)).toEqual({ batchItemFailures: [] });
      expect(payloads).toHaveLength(1);
    } finally {
      lambda.close();
    }
  });

  it('fails the config message when the rebuild function cannot be started', async () => {
    const handler = handlerWith({
      env: { ...ENV, REBUILD_FUNCTION_NAME: 'herald-rebuild', AWS_ENDPOINT_URL_LAMBDA: 'http://127.0.0.1:9' },
    });
    process.env.AWS_ACCESS_KEY_ID ??= 'testing';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'testing';
    const response = await handler(sqsEvent(s3Event(s3Record('ObjectCreated:Put', 'content', 'posts/herald.config.json'))));
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'm0' }] });
    expect(log.at('error').map((line) => line.message)).toContain('could not start the rebuild function');
  });

  it('fails the whole batch, naming the object, when the site configuration is missing', async () => {
    await stores.content.delete('herald.config.json');
    await expect(handlerWith()(sqsEvent(s3Event(s3Record('ObjectCreated:Put', 'content', 'posts/a.md'))))).rejects.toThrow(
      's3://content/posts/herald.config.json: no site configuration',
    );
  });

  it('sets the hub from WEBSUB_HUB, so feeds carry rel="hub"', async () => {
    await stores.content.put('a.md', markdownPost({ title: 'A' }));
    // The hub is not running: a failed ping is logged, never thrown.
    const handler = handlerWith({ env: { ...ENV, WEBSUB_HUB: 'http://127.0.0.1:9/hub' } });
    expect(await handler(sqsEvent(s3Event(s3Record('ObjectCreated:Put', 'content', 'posts/a.md'))))).toEqual({ batchItemFailures: [] });
    expect(await feed('atom.xml')).toMatch(
      /<link[^>]*rel="hub"[^>]*href="http:\/\/127.0.0.1:9\/hub"|<link[^>]*href="http:\/\/127.0.0.1:9\/hub"[^>]*rel="hub"/,
    );
    expect(log.at('warn').some((line) => line.message === 'WebSub publish failed')).toBe(true);
  });
});

async function collect(storage: Storage): Promise<string[]> {
  const keys: string[] = [];
  for await (const { key } of storage.list()) keys.push(key);
  return keys;
}
