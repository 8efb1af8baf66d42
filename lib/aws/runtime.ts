/**
 * The Lambda functions' world, built from the environment contract (lib/aws/environment.ts; the README lists
 * it) and the AWS SDK's own variables (lib/aws/clients.ts). Clients are built once per container and reused;
 * stores are made per invocation so each run counts its own S3 requests.
 */
import { errorFields } from '../errors.ts';
import type { Context } from 'aws-lambda';
import type { S3Client } from '@aws-sdk/client-s3';
import { regionalEndpoint, sendSigned } from './signed-request.ts';
import { awsSettings, createS3Client, EnvironmentError, type Env } from './clients.ts';
import { REQUIRED_KEYS, type SiteConfig } from '../config.ts';
import { invalidate, type InvalidationResult } from './invalidation.ts';
import type { PipelineDeps, RunReport } from '../pipeline/types.ts';
import { newRequestCounts, S3Storage, type S3RequestCounts } from '../storage/s3/s3-storage.ts';
import type { Storage } from '../storage/storage.ts';
import { changedFeedUrls, publishToHub } from './websub.ts';
import { readSettings, type RuntimeSettings, siteConfigOf } from './environment.ts';
import { CONFIG_FILE } from '../config.ts';
import { jsonLog, type Log } from './log.ts';

export type StoreRole = 'content' | 'feeds' | 'state';

export interface RuntimeOptions {
  env?: Env;
  log?: Log;
  /** Wraps each store of every invocation: fault injection and forced interleavings in tests. */
  wrapStorage?: (storage: Storage, role: StoreRole) => Storage;
  now?: () => Date;
}

/** One invocation's stores, with the S3 requests they made. */
export interface Stores {
  content: Storage;
  feeds: Storage;
  state: Storage;
  counts: S3RequestCounts;
}

/** What `regenerate` sends the rebuild function: the lease it reserved for it, to take over. */
export interface RebuildEvent {
  source: 'herald.regenerate';
  reason: string;
  lease: string;
}

export interface AfterRun {
  invalidation: InvalidationResult | null;
  hubPings: number;
}

export class Runtime {
  readonly settings: RuntimeSettings;
  readonly log: Log;
  readonly s3: S3Client;
  readonly now: () => Date;
  private readonly env: Env;
  private readonly wrap: (storage: Storage, role: StoreRole) => Storage;

  constructor(options: RuntimeOptions = {}) {
    this.env = options.env ?? process.env;
    this.settings = readSettings(this.env);
    this.log = options.log ?? jsonLog({ service: 'herald', level: this.env.LOG_LEVEL });
    this.s3 = createS3Client(this.env);
    this.now = options.now ?? (() => new Date());
    this.wrap = options.wrapStorage ?? ((storage) => storage);
  }

  stores(): Stores {
    const counts = newRequestCounts();
    const { contentBucket, contentPrefix, feedsBucket, feedsPrefix, statePrefix } = this.settings;
    const store = (bucket: string, prefix: string) => new S3Storage({ client: this.s3, bucket, prefix, counts });
    return {
      content: this.wrap(store(contentBucket, contentPrefix), 'content'),
      feeds: this.wrap(store(feedsBucket, feedsPrefix), 'feeds'),
      state: this.wrap(store(feedsBucket, statePrefix), 'state'),
      counts,
    };
  }

  /** The content-relative key of an event's bucket key; null for another bucket or outside the prefix. */
  contentKey(bucket: string, bucketKey: string): string | null {
    const { contentBucket, contentPrefix } = this.settings;
    if (bucket !== contentBucket || !bucketKey.startsWith(contentPrefix) || bucketKey === contentPrefix) return null;
    return bucketKey.slice(contentPrefix.length);
  }

  /** The site configuration, read fresh on every run: a warm container must not keep an old one. */
  async loadSite(content: Storage): Promise<SiteConfig> {
    const { contentBucket, contentPrefix } = this.settings;
    const source = `s3://${contentBucket}/${contentPrefix}${CONFIG_FILE}`;
    const object = await content.get(CONFIG_FILE);
    if (object === null) {
      // Hugo's configuration is not looked for here: see the README's "From a Hugo site".
      const keys = REQUIRED_KEYS.map((key) => `"${key}"`).join(' and ');
      throw new EnvironmentError(
        `${source}: no site configuration: upload ${CONFIG_FILE}, with at least ${keys} (\`herald init --content <dir>\` writes one)`,
      );
    }
    return siteConfigOf(new TextDecoder().decode(object.body), source, this.settings);
  }

  /** With a rebuild function, a missing or outdated index is built there, not inline within regenerate's timeout. */
  deps(stores: Stores, site: SiteConfig): PipelineDeps {
    const deps: PipelineDeps = { content: stores.content, feeds: stores.feeds, state: stores.state, site, now: this.now };
    if (this.settings.rebuildFunctionName) deps.startRebuild = (lease) => this.startRebuild('the index is missing or outdated', lease);
    return deps;
  }

  /**
   * Tells the CDN and the hub about a run's changes. Neither can undo the run, and a retry would find the
   * feeds unchanged and tell no one, so failures are logged, never thrown.
   */
  async announce(report: RunReport, site: SiteConfig): Promise<AfterRun> {
    const changed = [...report.feeds.written, ...report.feeds.deleted];
    let invalidation: InvalidationResult | null = null;
    if (this.settings.distributionId && changed.length > 0) {
      try {
        invalidation = await invalidate(changed, {
          credentials: this.s3.config.credentials,
          region: await this.s3.config.region(),
          endpoint: awsSettings(this.env).endpoints.cloudfront,
          distributionId: this.settings.distributionId,
          wildcardThreshold: this.settings.wildcardThreshold,
        });
      } catch (error) {
        this.log.error('CloudFront invalidation failed', { error: errorFields(error), paths: changed.length });
      }
    }
    let hubPings = 0;
    const hub = site.websubHub;
    const urls = hub ? changedFeedUrls(site.feedsUrl, report.feeds.written) : [];
    if (hub && urls.length > 0) {
      const result = await publishToHub(hub, urls, {
        onFailure: (url, reason) => this.log.warn('WebSub publish failed', { hub, url, reason }),
      });
      hubPings = result.published.length;
    }
    return { invalidation, hubPings };
  }

  /**
   * The run's log: each bad post, and each published one with a warning, naming its key and reason, then one summary
   * line (the line dashboards and alarms read), with the S3 requests of this invocation.
   */
  logRun(name: string, report: RunReport, stores: Stores, extra: Record<string, unknown> = {}): void {
    for (const rejected of report.posts.rejected) {
      this.log.warn('post rejected', { key: rejected.key, reason: rejected.reason });
    }
    for (const { key, reason } of report.posts.warned) this.log.warn('post published with a warning', { key, reason });
    for (const failed of report.failed) this.log.error('key failed: will be retried', { key: failed.key, reason: failed.error });
    const { counts } = stores;
    this.log.info(`${name} finished`, {
      processed: report.posts.read,
      unchanged: report.posts.unchanged,
      published: report.posts.published,
      skipped: report.posts.skipped.length,
      rejected: report.posts.rejected.length,
      warned: report.posts.warned.length,
      failed: report.failed.length,
      feedsWritten: report.feeds.written.length,
      feedsUnchanged: report.feeds.unchanged,
      feedsDeleted: report.feeds.deleted.length,
      s3Requests: counts.get + counts.head + counts.put + counts.delete + counts.list,
      s3: { ...counts },
      durationMs: Math.round(report.durationMs),
      ...extra,
    });
  }

  /** Hands the tasks of a fanned-out rebuild to its workers, through the work queue (REBUILD_QUEUE_URL). */
  async sendRebuildTasks(messages: unknown[]): Promise<void> {
    const url = this.settings.rebuildQueueUrl;
    if (!url) throw new EnvironmentError('REBUILD_QUEUE_URL is not set');
    await sendMessages(
      this.s3,
      this.env,
      url,
      messages.map((message) => JSON.stringify(message)),
    );
  }

  /**
   * Starts the rebuild function without waiting for it (Lambda's asynchronous `Event` invocation); `lease`
   * names the index lease reserved for it (`RebuildEvent`).
   */
  async startRebuild(reason: string, lease: string): Promise<void> {
    const name = this.settings.rebuildFunctionName;
    if (!name) throw new EnvironmentError('REBUILD_FUNCTION_NAME is not set');
    await invokeAsync(this.s3, this.env, name, { source: 'herald.regenerate', reason, lease } satisfies RebuildEvent);
  }
}

/** What a run of `runHandler` hands back: its report, fields for the summary log line, and the function's answer. */
export interface HandledRun<S> {
  report: RunReport;
  log?: Record<string, unknown>;
  summary: S;
}

/**
 * The handler of a function that runs the pipeline once per invocation (`rebuild`, `tick`, `check`): the runtime
 * built on first use, the configuration read fresh, the run's changes announced and logged in one summary line.
 * With `failOnKeys`, keys that failed make it throw after the log, so Lambda's retry runs it again.
 */
export function runHandler<S>(
  name: string,
  options: RuntimeOptions,
  failOnKeys: boolean,
  run: (runtime: Runtime, deps: PipelineDeps, event: unknown, context: Context | undefined) => Promise<HandledRun<S>>,
): (event?: unknown, context?: Context) => Promise<S> {
  let runtime: Runtime | undefined;
  return async (event, context) => {
    const started = performance.now();
    runtime ??= new Runtime(options);
    const stores = runtime.stores();
    try {
      const site = await runtime.loadSite(stores.content);
      const { report, log, summary } = await run(runtime, runtime.deps(stores, site), event, context);
      const announced = await runtime.announce(report, site);
      runtime.logRun(name, report, stores, {
        ...log,
        invalidatedPaths: announced.invalidation?.paths.length ?? 0,
        hubPings: announced.hubPings,
        durationMs: Math.round(performance.now() - started),
        ...(context && { requestId: context.awsRequestId }),
      });
      const [first] = report.failed;
      if (failOnKeys && first) throw new Error(`${name}: ${report.failed.length} keys failed; first: ${first.key}: ${first.error}`);
      return summary;
    } catch (error) {
      runtime.log.error(`${name} failed`, { error: errorFields(error) });
      throw error;
    }
  };
}

/**
 * Lambda `Invoke` with `X-Amz-Invocation-Type: Event`: one signed POST, answered 202 once queued, with the
 * credentials and region of the S3 client. A repeated delivery at worst starts a second rebuild, which is
 * idempotent.
 */
export async function invokeAsync(s3: S3Client, env: Env, functionName: string, payload: unknown): Promise<void> {
  const region = await s3.config.region();
  const response = await sendSigned(s3.config.credentials, {
    service: 'lambda',
    region,
    endpoint: awsSettings(env).endpoints.lambda ?? regionalEndpoint('lambda', region),
    method: 'POST',
    path: `/2015-03-31/functions/${encodeURIComponent(functionName)}/invocations`,
    headers: { 'content-type': 'application/json', 'x-amz-invocation-type': 'Event' },
    body: JSON.stringify(payload),
  });
  if (response.status !== 202) {
    throw new Error(`invoking ${functionName} failed: ${response.status} ${response.body.slice(0, 300)}`);
  }
}

/**
 * SQS `SendMessageBatch` (the JSON protocol), ten messages a request, as one signed POST each: the SQS client
 * would add tens of KB to the bundles for one call per task. Entries SQS refuses are sent again once.
 */
export async function sendMessages(s3: S3Client, env: Env, queueUrl: string, bodies: string[]): Promise<void> {
  const region = await s3.config.region();
  const endpoint = awsSettings(env).endpoints.sqs ?? regionalEndpoint('sqs', region);
  const send = async (batch: string[], attempt: number): Promise<void> => {
    const response = await sendSigned(s3.config.credentials, {
      service: 'sqs',
      region,
      endpoint,
      method: 'POST',
      path: '/',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.SendMessageBatch' },
      body: JSON.stringify({ QueueUrl: queueUrl, Entries: batch.map((MessageBody, i) => ({ Id: String(i), MessageBody })) }),
    });
    if (response.status !== 200) throw new Error(`sending to ${queueUrl} failed: ${response.status} ${response.body.slice(0, 300)}`);
    const failed = ((JSON.parse(response.body) as { Failed?: { Id: string; Message?: string }[] }).Failed ?? []).map(
      ({ Id }) => batch[Number(Id)]!,
    );
    if (failed.length === 0) return;
    if (attempt >= 2) throw new Error(`sending to ${queueUrl}: ${failed.length} messages refused`);
    await send(failed, attempt + 1);
  };
  const batches: string[][] = [];
  for (let start = 0; start < bodies.length; start += 10) batches.push(bodies.slice(start, start + 10));
  for (const batch of batches) await send(batch, 1);
}
