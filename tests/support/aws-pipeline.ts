/**
 * The deployed pipeline, locally: moto_server with a content bucket whose notifications (posts under
 * `posts/` ending `.md`, plus the site config) go to an SQS queue, set up as `npm run dev:aws` does it, a feeds bucket, a CloudFront
 * distribution, a WebSub hub of the test's own, an S3 fault proxy, and the BUNDLED functions
 * (`dist/functions/*.mjs`, built once per test file) called by the SQS poller with real SQS events.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll } from 'vitest';
import type { createHandler as createRebuild } from '../../functions/rebuild.ts';
import type { createHandler as createRegenerate } from '../../functions/regenerate.ts';
import type { Env } from '../../lib/aws/clients.ts';
import { Runtime } from '../../lib/aws/runtime.ts';
import { SqsPoller } from '../../scripts/sqs-poller.ts';
import { bundleFunctions, type BundleResult } from '../../scripts/bundle.ts';
import { createLocalAws } from '../../scripts/dev-aws.ts';
import { createTestDistribution } from './cloudfront.ts';
import { startMoto, type Moto } from './moto.ts';
import { recordingLog } from './recording-log.ts';
import { startFaultProxy, type FaultProxy } from './s3-fault-proxy.ts';
import { siteConfigJson } from './markdown-posts.ts';
import { startTestHub, type TestHub } from './websub-hub.ts';
import { copyManifests } from './pipeline-harness.ts';

export const CONTENT_BUCKET = 'content';
export const FEEDS_BUCKET = 'feeds';
export const CONTENT_PREFIX = 'posts/';
export const STATE_PREFIX = '_herald/';

export interface BundledFunctions {
  regenerate: { createHandler: typeof createRegenerate; handler: ReturnType<typeof createRegenerate> };
  rebuild: { createHandler: typeof createRebuild; handler: ReturnType<typeof createRebuild> };
}

export interface StoredFile {
  body: string;
  contentType: string | undefined;
  cacheControl: string | undefined;
}

export class AwsPipeline {
  /** Log of the main regenerate handler. */
  readonly log = recordingLog();
  private rebuilds = 0;

  constructor(
    readonly moto: Moto,
    readonly proxy: FaultProxy,
    readonly hub: TestHub,
    readonly bundle: BundleResult,
    readonly functions: BundledFunctions,
    readonly queueUrl: string,
    readonly distributionId: string,
  ) {}

  /** The environment contract of the deployed functions; S3 goes through the fault proxy. */
  env(overrides: Env = {}): Env {
    return {
      ...this.moto.env,
      AWS_ENDPOINT_URL_S3: this.proxy.endpoint,
      CONTENT_BUCKET,
      CONTENT_PREFIX,
      FEEDS_BUCKET,
      STATE_PREFIX,
      DISTRIBUTION_ID: this.distributionId,
      WEBSUB_HUB: this.hub.url,
      LOG_LEVEL: 'ERROR',
      ...overrides,
    };
  }

  regenerateHandler(env: Env = this.env(), log = this.log): (event: SQSEvent) => ReturnType<ReturnType<typeof createRegenerate>> {
    return this.functions.regenerate.createHandler({ env, log });
  }

  poller(handler: (event: SQSEvent) => Promise<unknown> = this.regenerateHandler()): SqsPoller {
    return new SqsPoller({
      sqs: this.moto.sqs,
      queueUrl: this.queueUrl,
      handler: handler as never,
      batchSize: 10,
      concurrency: 2,
      retryDelaySeconds: 0,
    });
  }

  async put(key: string, body: string): Promise<void> {
    await this.moto.s3.send(new PutObjectCommand({ Bucket: CONTENT_BUCKET, Key: CONTENT_PREFIX + key, Body: body }));
  }

  async remove(key: string): Promise<void> {
    await this.moto.s3.send(new DeleteObjectCommand({ Bucket: CONTENT_BUCKET, Key: CONTENT_PREFIX + key }));
  }

  /** The feed tree of a bucket (the index under STATE_PREFIX left out): key -> bytes and headers. */
  async feedTree(bucket = FEEDS_BUCKET): Promise<Map<string, StoredFile>> {
    const tree = new Map<string, StoredFile>();
    let token: string | undefined;
    const keys: string[] = [];
    do {
      const page = await this.moto.s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
      for (const object of page.Contents ?? []) if (!object.Key!.startsWith(STATE_PREFIX)) keys.push(object.Key!);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    for (const key of keys) {
      const object = await this.moto.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      tree.set(key, { body: await object.Body!.transformToString(), contentType: object.ContentType, cacheControl: object.CacheControl });
    }
    return tree;
  }

  async feed(key: string): Promise<string | null> {
    return (await this.feedTree()).get(key)?.body ?? null;
  }

  /** What a full rebuild of the current content writes into an empty bucket (the bundled `rebuild`), given the feeds' history. */
  async freshRebuild(): Promise<Map<string, StoredFile>> {
    const bucket = `fresh-${++this.rebuilds}`;
    await this.moto.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await copyFeedHistory(this.env({ AWS_ENDPOINT_URL_S3: this.moto.endpoint }), bucket);
    const handler = this.functions.rebuild.createHandler({
      env: this.env({ FEEDS_BUCKET: bucket, DISTRIBUTION_ID: '', AWS_ENDPOINT_URL_S3: this.moto.endpoint }),
      log: recordingLog(),
    });
    // Same configuration, hub included (feeds carry rel="hub"), but its pings are not the scenario's.
    const pings = this.hub.pings.length;
    await handler({});
    this.hub.pings.length = pings;
    return this.feedTree(bucket);
  }

  /**
   * Runs the bundled regenerate handler in its own Node process, which the test may kill mid-run: a crash,
   * not an error the handler could catch. Resolves with the handler's response, rejects if the process dies.
   */
  regenerateInChild(event: SQSEvent, env: Env = this.env()): { result: Promise<unknown>; kill: () => void } {
    const script = `
      const { handler } = await import(${JSON.stringify(pathToFileURL(this.bundle.files.regenerate).href)});
      let input = '';
      for await (const chunk of process.stdin) input += chunk;
      process.stdout.write(JSON.stringify(await handler(JSON.parse(input))));`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (err += chunk));
    child.stdin.end(JSON.stringify(event));
    const result = new Promise<unknown>((resolve, reject) => {
      child.on('exit', (code, signal) => {
        if (code === 0) resolve(JSON.parse(out));
        else reject(new Error(`regenerate process ended (${signal ?? code}): ${err.slice(-2_000)}`));
      });
    });
    return { result, kill: () => child.kill('SIGKILL') };
  }
}

/**
 * Gives an empty feeds bucket the history of `env`'s feeds, for a reference rebuild into it. Where the site keeps
 * archives, a feed's history is what the index remembers, not what the content says (where pages were cut before a
 * post was dated into the middle, which deletions are still announced): the rebuild starts from the feeds' manifests,
 * as tests/support/pipeline-harness.ts's freshTree does.
 */
export async function copyFeedHistory(env: Env, bucket: string): Promise<void> {
  const source = new Runtime({ env, log: recordingLog() });
  const { content, state } = source.stores();
  if (!(await source.loadSite(content)).archives) return;
  const fresh = new Runtime({ env: { ...env, FEEDS_BUCKET: bucket }, log: recordingLog() }).stores().state;
  await copyManifests(state, fresh);
}

/**
 * Starts everything for the enclosing test file and stops it afterwards. Uploads the site configuration
 * (and drains its notification) so each test starts from a configured, empty site.
 */
export function useAwsPipeline(config: Record<string, unknown> = {}): () => AwsPipeline {
  let pipeline: AwsPipeline | undefined;
  let outDir: string | undefined;
  beforeAll(async () => {
    process.env.AWS_ACCESS_KEY_ID ??= 'testing';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'testing';
    outDir = await mkdtemp(path.join(os.tmpdir(), 'herald-bundle-'));
    const [moto, bundle, hub] = await Promise.all([startMoto(), bundleFunctions(outDir), startTestHub()]);
    const proxy = await startFaultProxy(moto.endpoint);
    const functions: BundledFunctions = {
      regenerate: await import(pathToFileURL(bundle.files.regenerate).href),
      rebuild: await import(pathToFileURL(bundle.files.rebuild).href),
    };
    const queueUrl = await createLocalAws(moto, {
      contentBucket: CONTENT_BUCKET,
      feedsBucket: FEEDS_BUCKET,
      queue: 'herald-events',
      contentPrefix: CONTENT_PREFIX,
    });
    const distributionId = await createTestDistribution(moto.cloudfront);
    pipeline = new AwsPipeline(moto, proxy, hub, bundle, functions, queueUrl, distributionId);
    await pipeline.put('herald.config.json', siteConfigJson(config));
    await pipeline.poller().drain({ untilEmpty: true });
    hub.pings.length = 0;
  });
  afterAll(async () => {
    await pipeline?.proxy.close();
    await pipeline?.hub.close();
    await pipeline?.moto.stop();
    if (outDir) await rm(outDir, { recursive: true, force: true });
  });
  return () => {
    if (!pipeline) throw new Error('the pipeline is not running: call useAwsPipeline() at file level');
    return pipeline;
  };
}
