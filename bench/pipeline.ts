// The AWS pipeline: bundle sizes, cold import time of each bundle (median of 10 fresh node processes), and
// against moto_server, with the index seeded from 1,000 and from 30,000 bulwark posts, the time and S3
// requests of the bundled regenerate for one new post, one edit moving it to another tag, a second post in the
// same feeds and its deletion, and one deletion.
// Prints figures only. Goals (issue 3): bundles < 700 KB, import < 150 ms; identical request counts at both
// sizes and < 1 s per update at 30,000 posts. Then a first deployment on a bucket of 30,000 posts: the
// inline rebuild against regenerate's 120 s timeout, and the hand-over to the rebuild function (issue 9).
// The corpus part is skipped when ../shared is absent.
// Issue 15: for each update, the CloudFront paths it would invalidate with herald:invalidation enabled (and
// their list price), and its PUTs of the directory page and OPML; by default nothing is invalidated.
// Issue 15 (requests): S3 requests per update counted at the HTTP level by a proxy between the SDK and moto
// (by method), next to Herald's own counter; and a batch of ten new posts in the same feeds in one event, and
// their deletion. Goals: one new post in one category and one tag <= 50 requests; the batch <= 2x one post.
// Issue 14: the same updates again with every kind of feed on (sections, languages, authors: each post in three
// more feeds); the lines say `every kind on`. HERALD_BENCH_KINDS=default or =all runs one of the two.
// Issue 11: each with archives on (the default) and off, and whether each update's requests are the same at both
// sizes. HERALD_BENCH_ARCHIVES=on or =off runs one of the two; HERALD_BENCH_FIRST_BUILD= (empty) skips the first build.
import { dollars, perMillionUploads, type RunFigures } from './cost-model.ts';
import { environmentOf } from '../lib/aws/environment.ts';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CreateBucketCommand, DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { SQSEvent } from 'aws-lambda';
import { parseConfig } from '../lib/config.ts';
import { invalidationPaths } from '../lib/aws/invalidation.ts';
import { mapLimit } from '../lib/pipeline/concurrency.ts';
import { DIRECTORY_PATH, OPML_PATH } from '../lib/pipeline/outputs.ts';
import { rebuild } from '../lib/pipeline/rebuild.ts';
import { SqsPoller } from '../scripts/sqs-poller.ts';
import { FsStorage } from '../lib/storage/fs/fs-storage.ts';
import { intercept } from '../lib/storage/intercept.ts';
import { MemoryStorage } from '../lib/storage/memory/memory-storage.ts';
import { S3Storage } from '../lib/storage/s3/s3-storage.ts';
import type { ObjectInfo, Storage } from '../lib/storage/storage.ts';
import { bundleFunctions, FUNCTIONS } from '../scripts/bundle.ts';
import { createLocalAws, localEnv, type LocalAwsNames } from '../scripts/dev-aws.ts';
import { s3Event, s3Record, sqsEvent } from '../tests/support/lambda-events.ts';
import { startMoto, type Moto } from '../tests/support/moto.ts';
import { startFaultProxy, type S3Request } from '../tests/support/s3-fault-proxy.ts';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const corpus = path.resolve(repo, '../shared/corpus/bulwark/content');

const now = () => new Date('2026-01-01T00:00:00Z');
/** CloudFront's list price per invalidation path beyond the 1,000 free each month; the stack's default TTL. */
const INVALIDATION_PATH_USD = 0.005;
const DEFAULT_FRESHNESS_S = 60;
const BATCH = 'batch of 10 new posts in the same feeds, one event';
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const BENCH_CONFIG = JSON.stringify({
  title: 'Bench',
  description: 'bench',
  baseUrl: 'https://bench.invalid/',
  language: 'en',
  // The corpus's Hugo site runs on Asia/Shanghai time.
  timeZone: 'Asia/Shanghai',
});

/** Sections, languages and authors on as well: bulwark's posts are in section news and three languages. */
const ALL_KINDS_CONFIG = JSON.stringify({ ...JSON.parse(BENCH_CONFIG), feeds: { sections: true, languages: true, authors: true } });

/** Archives are on by default (issue 11); this is the same site keeping only each feed's newest items. */
const withoutArchives = (config: string) => JSON.stringify({ ...JSON.parse(config), archives: false });

const outDir = await mkdtemp(path.join(os.tmpdir(), 'herald-bench-bundle-'));
try {
  const bundle = await bundleFunctions(outDir);
  for (const name of FUNCTIONS) {
    const url = pathToFileURL(bundle.files[name]).href;
    const times: number[] = [];
    for (let i = 0; i < 10; i++) {
      const probe = `const t = performance.now(); await import(${JSON.stringify(url)}); console.log(performance.now() - t);`;
      const run = spawnSync(process.execPath, ['--input-type=module', '-e', probe], { encoding: 'utf8' });
      if (run.status !== 0) throw new Error(`importing ${name}.mjs failed:\n${run.stderr}`);
      times.push(Number(run.stdout.trim()));
    }
    console.log(
      `pipeline bundle ${name}.mjs: ${(bundle.sizes[name] / 1024).toFixed(0)} KB, cold import ${median(times).toFixed(0)} ms median of 10 ` +
        `(goal: < 700 KB, < 150 ms)`,
    );
  }

  if (!existsSync(corpus)) {
    console.log(`pipeline updates: skipped (${corpus} is absent)`);
  } else {
    const kinds = process.env.HERALD_BENCH_KINDS;
    const archives = process.env.HERALD_BENCH_ARCHIVES;
    for (const [config, label] of [
      [BENCH_CONFIG, ''],
      [ALL_KINDS_CONFIG, ', every kind on'],
    ] as const) {
      if (kinds === (label ? 'default' : 'all')) continue;
      const on = archives === 'off' ? undefined : await benchUpdates(bundle.files.regenerate, config, `${label}, archives on`);
      const off =
        archives === 'on' ? undefined : await benchUpdates(bundle.files.regenerate, withoutArchives(config), `${label}, archives off`);
      sameAtBothSizes(`${label}, archives on`, on);
      sameAtBothSizes(`${label}, archives off`, off);
    }
    await benchFirstBuild(bundle.files.regenerate);
  }
} finally {
  await rm(outDir, { recursive: true, force: true });
}

/** Warm S3 requests at the HTTP level of each update, by site size. */
type RequestCounts = Map<number, Record<string, number>>;

/** The goal of issues 3 and 11: an update costs as many requests at 1,000 posts as at 30,000. */
function sameAtBothSizes(label: string, counts: RequestCounts | undefined): void {
  if (!counts) return;
  const [small, large] = [...counts.keys()].sort((a, b) => a - b).map((size) => counts.get(size)!);
  const updates = Object.keys(small!).map(
    (update) => `${update} ${small![update]}/${large![update]}${small![update] === large![update] ? '' : ' DIFFERENT'}`,
  );
  const same = Object.keys(small!).every((update) => small![update] === large![update]);
  console.log(
    `pipeline${label}, S3 requests (warm) at ${[...counts.keys()].join(' / ')} posts: ${same ? 'the same' : 'NOT the same'} for every update ` +
      `(goal: the same): ${updates.join('; ')}`,
  );
}

/** Only `keys` of a storage are listed: a site of that size, read from the corpus. */
function subset(storage: Storage, keys: Set<string>): Storage {
  return {
    get: (key) => storage.get(key),
    head: (key) => storage.head(key),
    put: (key, body, options) => storage.put(key, body, options),
    delete: (key) => storage.delete(key),
    async *list(prefix = ''): AsyncIterable<ObjectInfo> {
      for await (const info of storage.list(prefix)) if (keys.has(info.key)) yield info;
    },
  };
}

async function copy(from: Storage, to: Storage): Promise<number> {
  const keys: string[] = [];
  for await (const { key } of from.list()) keys.push(key);
  await mapLimit(keys, 32, async (key) => {
    const object = (await from.get(key))!;
    await to.put(key, object.body, { contentType: object.contentType, cacheControl: object.cacheControl, metadata: object.metadata });
  });
  return keys.length;
}

/**
 * A first deployment on a bucket that already holds the whole corpus (no index yet): the first batch's
 * regenerate either rebuilds inline (no REBUILD_FUNCTION_NAME: the time against regenerate's 120 s timeout)
 * or hands the build to the rebuild function (its own cost). Sizes: HERALD_BENCH_FIRST_BUILD (default 30000).
 */
async function benchFirstBuild(regenerateBundle: string): Promise<void> {
  const sizes = (process.env.HERALD_BENCH_FIRST_BUILD ?? '30000').split(',').filter(Boolean).map(Number);
  process.env.AWS_ACCESS_KEY_ID ??= 'testing';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'testing';
  const content = new FsStorage(corpus);
  const allKeys: string[] = [];
  for await (const { key } of content.list()) if (key.endsWith('.md')) allKeys.push(key);
  const { createHandler } = (await import(pathToFileURL(regenerateBundle).href)) as typeof import('../functions/regenerate.ts');
  const lambda = createServer((request, response) => {
    request.resume();
    response.statusCode = 202;
    response.end();
  });
  await new Promise<void>((resolve) => lambda.listen(0, '127.0.0.1', resolve));
  const lambdaEndpoint = `http://127.0.0.1:${(lambda.address() as AddressInfo).port}`;
  try {
    for (const size of sizes) {
      const moto = await startMoto();
      try {
        const names: LocalAwsNames = { contentBucket: 'content', feedsBucket: 'feeds', queue: 'events', contentPrefix: 'posts/' };
        // Plain buckets: a notification per uploaded post would only fill a queue nobody reads (and slow moto down).
        for (const bucket of [names.contentBucket, names.feedsBucket]) await moto.s3.send(new CreateBucketCommand({ Bucket: bucket }));
        const uploaded = performance.now();
        const keys = new Set(allKeys.slice(0, size));
        const posts = await copy(subset(content, keys), new S3Storage({ client: moto.s3, bucket: names.contentBucket, prefix: 'posts/' }));
        await moto.s3.send(new PutObjectCommand({ Bucket: names.contentBucket, Key: 'posts/herald.config.json', Body: BENCH_CONFIG }));
        console.log(`pipeline first build: ${posts} posts uploaded to moto in ${((performance.now() - uploaded) / 1000).toFixed(1)} s`);
        const event = s3Event(s3Record('ObjectCreated:Put', names.contentBucket, `posts/${[...keys][0]}`));
        for (const [label, extra] of [
          [
            'handed to the rebuild function',
            { ...environmentOf({ rebuildFunctionName: 'herald-rebuild' }), AWS_ENDPOINT_URL_LAMBDA: lambdaEndpoint },
          ],
          ['inline rebuild', {}],
        ] as const) {
          const summaries: Record<string, unknown>[] = [];
          const log = {
            debug() {},
            warn() {},
            error() {},
            info: (message: string, fields?: Record<string, unknown>) =>
              void (message === 'regenerate finished' && summaries.push(fields ?? {})),
          };
          const handler = createHandler({ env: { ...localEnv(moto.env, names), ...extra }, log: log as never, now });
          const started = performance.now();
          // A direct S3 event whose keys wait for the rebuild throws, for Lambda to retry it.
          await handler(event).catch(() => undefined);
          const summary = summaries.at(-1) ?? {};
          console.log(
            `pipeline first build at ${posts} posts, ${label}: ${((performance.now() - started) / 1000).toFixed(1)} s, ` +
              `${summary.s3Requests} S3 requests, ${summary.failed} keys left for retry (regenerate's timeout: 120 s)`,
          );
          // The reservation would otherwise keep the inline run out for a minute.
          await moto.s3.send(new DeleteObjectCommand({ Bucket: names.feedsBucket, Key: '_herald/index.json' }));
        }
      } finally {
        await moto.stop();
      }
    }
  } finally {
    lambda.close();
  }
}

async function benchUpdates(regenerateBundle: string, configText: string, kindsLabel: string): Promise<RequestCounts> {
  const site = parseConfig(configText, 'bench');
  const content = new FsStorage(corpus);
  const allKeys: string[] = [];
  for await (const { key } of content.list()) if (key.endsWith('.md')) allKeys.push(key);

  /**
   * The index and feeds of a site of `size` posts, built in memory from the corpus and copied into moto:
   * the objects a rebuild on S3 would leave, in a fraction of the time. Its memory is released on return,
   * so the measured runs do not pay for its garbage.
   */
  async function seed(moto: Moto, names: LocalAwsNames, size: number): Promise<{ posts: number; objects: number }> {
    const state = new MemoryStorage();
    const feeds = new MemoryStorage();
    const report = await rebuild({ content: subset(content, new Set(allKeys.slice(0, size))), feeds, state, site, now });
    const s3 = (bucket: string, prefix: string) => new S3Storage({ client: moto.s3, bucket, prefix });
    const objects = (await copy(state, s3(names.feedsBucket, '_herald/'))) + (await copy(feeds, s3(names.feedsBucket, '')));
    return { posts: report.posts.read, objects };
  }

  process.env.AWS_ACCESS_KEY_ID ??= 'testing';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'testing';
  const { createHandler } = (await import(pathToFileURL(regenerateBundle).href)) as typeof import('../functions/regenerate.ts');

  const bySize: RequestCounts = new Map();
  for (const size of [1_000, 30_000]) {
    const moto = await startMoto();
    try {
      const names: LocalAwsNames = { contentBucket: 'content', feedsBucket: 'feeds', queue: 'events', contentPrefix: 'posts/' };
      const queueUrl = await createLocalAws(moto, names);
      const seeded = performance.now();
      const { posts, objects } = await seed(moto, names, size);
      await moto.s3.send(new PutObjectCommand({ Bucket: names.contentBucket, Key: 'posts/herald.config.json', Body: configText }));
      await new SqsPoller({ sqs: moto.sqs, queueUrl, handler: async () => undefined }).drain();
      console.log(
        `pipeline index seeded from ${posts} posts${kindsLabel}: ${objects} objects in ${((performance.now() - seeded) / 1000).toFixed(1)} s`,
      );

      const summaries: Record<string, unknown>[] = [];
      const log = {
        debug() {},
        warn() {},
        error(message: string, extra?: unknown) {
          console.error(`  ${message} ${JSON.stringify(extra)}`);
        },
        info(message: string, extra?: Record<string, unknown>) {
          if (message === 'regenerate finished') summaries.push(extra ?? {});
        },
      };
      // Feed-bucket writes and deletions by key: what a CDN would have to be told about.
      const changedKeys: string[] = [];
      const directoryPuts: string[] = [];
      const wrapStorage = (storage: Storage, role: string) =>
        role !== 'feeds'
          ? storage
          : intercept(storage, {
              before: (call) => {
                if (call.op !== 'put' && call.op !== 'delete') return;
                changedKeys.push(call.key);
                if (call.op === 'put' && (call.key === DIRECTORY_PATH || call.key === OPML_PATH)) directoryPuts.push(call.key);
              },
            });
      // Every S3 request of the function goes through this proxy (no faults): the requests S3 would bill.
      const proxy = await startFaultProxy(moto.endpoint);
      const handler = createHandler({
        env: { ...localEnv(moto.env, names), AWS_ENDPOINT_URL_S3: proxy.endpoint },
        log: log as never,
        now,
        wrapStorage,
      });
      let elapsed = 0;
      const poller = new SqsPoller({
        sqs: moto.sqs,
        queueUrl,
        handler: async (event: SQSEvent) => {
          const started = performance.now();
          const response = await handler(event);
          elapsed = performance.now() - started;
          return response;
        },
      });
      const post = (tag: string) =>
        `---\ntitle: "A new post"\ndate: "2025-12-31 12:00:00"\ncategories: ["bench"]\ntags: ["${tag}"]\nauthor: "Bench Writer"\n---\n\nFresh words.\n`;
      const put = (key: string, tag: string) =>
        moto.s3.send(new PutObjectCommand({ Bucket: names.contentBucket, Key: key, Body: post(tag) }));
      const remove = (key: string) => moto.s3.send(new DeleteObjectCommand({ Bucket: names.contentBucket, Key: key }));
      // A batch arrives as one event (one SQS message per key would let the poller split it).
      const inOneEvent = async (keys: string[], eventName: string, write: (key: string) => Promise<unknown>) => {
        for (const batchKey of keys) await write(batchKey);
        await new SqsPoller({ sqs: moto.sqs, queueUrl, handler: async () => undefined }).drain();
        const started = performance.now();
        await handler(sqsEvent(s3Event(...keys.map((batchKey) => s3Record(eventName, names.contentBucket, batchKey)))));
        elapsed = performance.now() - started;
      };
      // Keys of their own each round: a new post is one the index has never seen (a deleted key keeps a record).
      const stepsOf = (round: string): [string, () => Promise<unknown>][] => {
        const key = `posts/bench/${round}/new-post.md`;
        const secondKey = `posts/bench/${round}/second-post.md`;
        const batchKeys = Array.from({ length: 10 }, (_, i) => `posts/bench/${round}/batch-${i}.md`);
        return [
          ['new post', () => put(key, 'first-tag')],
          ['edit to another tag', () => put(key, 'second-tag')],
          // Within feeds that exist: the directory page and OPML stay as they are.
          ['second post in the same feeds', () => put(secondKey, 'second-tag')],
          ['deletion of the second post', () => remove(secondKey)],
          [BATCH, () => inOneEvent(batchKeys, 'ObjectCreated:Put', (batchKey) => put(batchKey, 'second-tag'))],
          ['deletion of the 10, one event', () => inOneEvent(batchKeys, 'ObjectRemoved:Delete', remove)],
          ['deletion', () => remove(key)],
        ];
      };
      const byMethod = (requests: S3Request[]) => {
        const counts: Record<string, number> = {};
        for (const { method } of requests) counts[method] = (counts[method] ?? 0) + 1;
        return counts;
      };
      const warm: Record<string, number> = {};
      bySize.set(size, warm);
      const priced: Record<string, RunFigures> = {};
      // Twice: the first round pays for the container's first connections, as a cold Lambda would.
      for (const round of ['first', 'warm']) {
        for (const [label, step] of stepsOf(round)) {
          summaries.length = 0;
          changedKeys.length = 0;
          directoryPuts.length = 0;
          proxy.clear();
          await step();
          await poller.drain();
          const summary = summaries.at(-1) ?? {};
          const http = proxy.requests.filter(({ bucket }) => bucket === names.contentBucket || bucket === names.feedsBucket);
          if (round === 'warm') {
            warm[label] = http.length;
            const methods = byMethod(http);
            // DELETE is free; PUT and LIST (a GET of the bucket) are writes by price class, the rest reads.
            const writes =
              (methods.PUT ?? 0) + (methods.POST ?? 0) + http.filter(({ method, key }) => method === 'GET' && key === '').length;
            priced[label] = { s3: { reads: http.length - writes - (methods.DELETE ?? 0), writes }, durationMs: elapsed, memoryMb: 1024 };
          }
          console.log(
            `pipeline ${size} posts${kindsLabel}, ${label} (${round}): ${elapsed.toFixed(0)} ms, ${http.length} S3 requests at the HTTP level ` +
              `${JSON.stringify(byMethod(http))} (Herald's counter: ${summary.s3Requests}), ${summary.feedsWritten} files written`,
          );
          const paths = invalidationPaths(changedKeys).length;
          console.log(
            `  CDN: 0 paths invalidated (default: ${DEFAULT_FRESHNESS_S} s TTL); with herald:invalidation ${paths} paths ` +
              `= $${(paths * INVALIDATION_PATH_USD * 1e6).toLocaleString('en-US')} per million such updates; ` +
              `directory/OPML PUTs: ${directoryPuts.length}`,
          );
        }
      }
      const one = warm['second post in the same feeds']!;
      const batch = warm[BATCH]!;
      console.log(
        `pipeline ${size} posts${kindsLabel}, requests (warm): one new post ${warm['new post']} in a new category and tag, ${one} in existing ` +
          `feeds (goal: <= 50); a batch of 10 in existing feeds ${batch} = ${(batch / one).toFixed(2)}x one post (goal: <= 2x), ` +
          `${(batch / 10).toFixed(1)} per post`,
      );
      console.log(
        `pipeline ${size} posts${kindsLabel}, cost per million uploads (bench/cost-model.ts, list prices, no free tier): ` +
          `${dollars(perMillionUploads(priced['second post in the same feeds']!))} one at a time, ` +
          `${dollars(perMillionUploads(priced[BATCH]!, { batchSize: 10 }))} in batches of 10 ` +
          `(S3, Lambda at 1,024 MB for the measured time, SQS; no invalidation by default)`,
      );
      await proxy.close();
    } finally {
      await moto.stop();
    }
  }
  return bySize;
}
