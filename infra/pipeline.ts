import { existsSync } from 'node:fs';
import path from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { Distribution } from 'aws-cdk-lib/aws-cloudfront';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import {
  ApplicationLogLevel,
  Architecture,
  Code,
  Function as LambdaFn,
  LoggingFormat,
  RecursiveLoop,
  Runtime,
  SystemLogLevel,
} from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { EventType, type Bucket } from 'aws-cdk-lib/aws-s3';
import { SqsDestination } from 'aws-cdk-lib/aws-s3-notifications';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { CONFIG_FILE } from '../lib/config.ts';
import { environmentOf } from '../lib/aws/environment.ts';
import type { Prefixes } from './prefixes.ts';

export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

export interface FunctionSize {
  memorySize: number;
  timeout: Duration;
}

export interface PipelineProps {
  content: Bucket;
  feeds: Bucket;
  distribution: Distribution;
  prefixes: Prefixes;
  /** Folder holding a bundle per function (`FUNCTION_FILES`), each exporting `handler`. */
  codePath: string;
  regenerate: FunctionSize;
  /**
   * Its memory also sets its worker threads, one per vCPU it buys (`lambdaJobs`): 2,048 MB is one, chosen from the
   * measured cost of a rebuild by size (infra/README.md, bench/rebuild-memory.ts).
   */
  rebuild: FunctionSize;
  /** The daily consistency check lists every post: the rebuild's memory and timeout suit it. */
  check: FunctionSize;
  /** Each worker of a fanned-out rebuild reads one task of posts (lib/pipeline/fanout/). */
  rebuildWorker: FunctionSize;
  /** Workers reading at once: S3 takes 5,500 GETs a second per prefix, each worker sends up to 16 at a time. */
  rebuildWorkers: number;
  batchSize: number;
  batchingWindow: Duration;
  /** When the consistency check runs (lib/pipeline/check.ts). */
  checkSchedule: Schedule;
  logRetention: RetentionDays;
  logLevel: LogLevel;
  websubHub?: string;
  /** Cache-Control of every file the functions write (`CACHE_CONTROL`, over the site configuration's). */
  cacheControl: string;
  /** Cache-Control of sealed archive pages (`ARCHIVE_CACHE_CONTROL`, over the site configuration's `archives.cacheControl`). */
  archiveCacheControl: string;
  /** CloudFront invalidations after each run (`DISTRIBUTION_ID` and the permission); off, freshness is the TTL. */
  invalidation: boolean;
}

/** The bundles the stack deploys, one per function (`npm run bundle`). */
export const FUNCTION_FILES = ['regenerate.mjs', 'rebuild.mjs', 'tick.mjs', 'check.mjs', 'rebuild-worker.mjs'] as const;

/**
 * How often scheduled and expiring posts are looked for: a tick reads the index root and the schedule
 * (4 S3 requests with the configuration), so a post appears within a minute of its time for about
 * 175,000 requests and 43,200 short invocations a month, whatever the size of the site.
 */
export const TICK_RATE = Duration.minutes(1);

/** Receives a DLQ message this many times before giving up on it. */
export const MAX_RECEIVE_COUNT = 5;

/**
 * S3 events -> SQS -> `regenerate`; every minute `tick` (due scheduled posts); daily `check` (repairs what
 * events missed); `rebuild` on a configuration change, a missing index, or by hand.
 */
export class Pipeline extends Construct {
  readonly queue: Queue;
  readonly deadLetters: Queue;
  /** Tasks of a fanned-out rebuild, for `rebuildWorker`. */
  readonly rebuildTasks: Queue;
  readonly rebuildTaskDeadLetters: Queue;
  readonly rebuildWorker: LambdaFn;
  readonly regenerate: LambdaFn;
  readonly rebuild: LambdaFn;
  readonly tick: LambdaFn;
  readonly check: LambdaFn;
  readonly tickSchedule: Rule;
  readonly checkSchedule: Rule;

  constructor(scope: Construct, id: string, props: PipelineProps) {
    super(scope, id);
    const { content, feeds, distribution, prefixes } = props;

    this.deadLetters = new Queue(this, 'DeadLetters', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new Queue(this, 'Events', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(4),
      // AWS's rule for SQS event sources: six function timeouts, plus the time a message waits in a batch,
      // so a message is never redelivered while a first invocation may still be working on it.
      visibilityTimeout: Duration.seconds(props.regenerate.timeout.toSeconds() * 6 + props.batchingWindow.toSeconds()),
      deadLetterQueue: { queue: this.deadLetters, maxReceiveCount: MAX_RECEIVE_COUNT },
    });

    // Posts (prefix + `.md`) and the site config. The two filters overlap on the prefix but not on the
    // suffix, which is what S3 requires of two configurations sharing an event type.
    const destination = new SqsDestination(this.queue);
    for (const event of [EventType.OBJECT_CREATED, EventType.OBJECT_REMOVED, EventType.LIFECYCLE_EXPIRATION]) {
      content.addEventNotification(event, destination, { prefix: prefixes.content, suffix: '.md' });
      content.addEventNotification(event, destination, { prefix: prefixes.content + CONFIG_FILE, suffix: '.json' });
    }

    const missing = FUNCTION_FILES.filter((file) => !existsSync(path.join(props.codePath, file)));
    if (missing.length > 0) {
      throw new Error(`no ${missing.join(' or ')} in ${props.codePath}: run "npm run bundle" first (or set -c herald:code=<folder>)`);
    }
    const code = Code.fromAsset(props.codePath);
    // Every function, the worker too, loads the site configuration with the same Cache-Control values over it: a
    // fanned-out rebuild's tasks carry the configuration's fingerprint, and a worker with another one would refuse them.
    const environment: Record<string, string> = {
      ...environmentOf({
        contentBucket: content.bucketName,
        contentPrefix: prefixes.content,
        feedsBucket: feeds.bucketName,
        feedsPrefix: prefixes.feeds,
        statePrefix: prefixes.state,
        cacheControl: props.cacheControl,
        archiveCacheControl: props.archiveCacheControl,
        ...(props.websubHub ? { websubHub: props.websubHub } : {}),
        ...(props.invalidation ? { distributionId: distribution.distributionId } : {}),
      }),
      LOG_LEVEL: props.logLevel,
      NODE_OPTIONS: '--enable-source-maps',
    };
    const makeFunction = (
      name: 'regenerate' | 'rebuild' | 'tick' | 'check' | 'rebuild-worker',
      size: FunctionSize,
      description: string,
      extra = {},
    ) => {
      const id = name.replace(/(^|-)(.)/g, (_, _dash, letter: string) => letter.toUpperCase());
      const logGroup = new LogGroup(this, `${id}Logs`, { retention: props.logRetention, removalPolicy: RemovalPolicy.DESTROY });
      // Our own role: the default one carries AWSLambdaBasicExecutionRole, whose log actions cover every group.
      const role = new Role(this, `${id}Role`, { assumedBy: new ServicePrincipal('lambda.amazonaws.com'), description });
      logGroup.grantWrite(role);
      return new LambdaFn(this, id, {
        description,
        runtime: Runtime.NODEJS_22_X,
        architecture: Architecture.ARM_64,
        code,
        handler: `${name}.handler`,
        memorySize: size.memorySize,
        timeout: size.timeout,
        role,
        logGroup,
        // The functions write JSON lines with a `level` (lib/aws/log.ts); with a JSON format Lambda's own START/REPORT
        // lines are JSON too, and Lambda filters application lines at the level LOG_LEVEL gives (they disagree otherwise).
        loggingFormat: LoggingFormat.JSON,
        applicationLogLevelV2: ApplicationLogLevel[props.logLevel],
        systemLogLevelV2: SystemLogLevel.INFO,
        recursiveLoop: RecursiveLoop.TERMINATE,
        environment: { ...environment, ...extra },
      });
    };
    this.rebuildTaskDeadLetters = new Queue(this, 'RebuildTaskDeadLetters', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.rebuildTasks = new Queue(this, 'RebuildTasks', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // A task is worth nothing once its rebuild's coordinator has given up (15 minutes at most).
      retentionPeriod: Duration.hours(1),
      visibilityTimeout: Duration.seconds(props.rebuildWorker.timeout.toSeconds() * 6),
      deadLetterQueue: { queue: this.rebuildTaskDeadLetters, maxReceiveCount: 3 },
    });
    this.rebuild = makeFunction(
      'rebuild',
      props.rebuild,
      'Herald: rebuild the index and every feed from all posts',
      environmentOf({ rebuildQueueUrl: this.rebuildTasks.queueUrl }),
    );
    this.rebuildWorker = makeFunction('rebuild-worker', props.rebuildWorker, 'Herald: read one task of posts for a fanned-out rebuild');
    const startsRebuild = environmentOf({ rebuildFunctionName: this.rebuild.functionName });
    this.regenerate = makeFunction('regenerate', props.regenerate, 'Herald: regenerate the feeds of changed posts', startsRebuild);
    this.tick = makeFunction('tick', props.regenerate, 'Herald: publish and withdraw scheduled posts when their time comes', startsRebuild);
    this.check = makeFunction(
      'check',
      props.check,
      'Herald: repair what S3 events missed (content listing against the index)',
      startsRebuild,
    );

    // The worker writes records and its part only: no feed file, so no invalidation.
    grantStores(this.rebuildWorker, props);
    for (const fn of [this.regenerate, this.rebuild, this.tick, this.check]) {
      grantStores(fn, props);
      if (props.invalidation) distribution.grantCreateInvalidation(fn);
    }
    // A new herald.config.json or a missing index changes every feed, and so do many differences found by the
    // check: each hands that to rebuild (asynchronously).
    for (const fn of [this.regenerate, this.tick, this.check]) {
      fn.addToRolePolicy(
        new PolicyStatement({ sid: 'StartRebuild', actions: ['lambda:InvokeFunction'], resources: [this.rebuild.functionArn] }),
      );
    }

    // The coordinator sends the tasks; nothing else may, and the worker sends nothing, so no loop is possible.
    this.rebuild.addToRolePolicy(
      new PolicyStatement({ sid: 'SendRebuildTasks', actions: ['sqs:SendMessage'], resources: [this.rebuildTasks.queueArn] }),
    );
    this.rebuildWorker.addEventSource(
      new SqsEventSource(this.rebuildTasks, { batchSize: 1, maxConcurrency: props.rebuildWorkers, reportBatchItemFailures: true }),
    );

    this.regenerate.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: props.batchSize,
        maxBatchingWindow: props.batchingWindow,
        // Two at most: a burst is absorbed by bigger batches, not by racing invocations on the same terms.
        maxConcurrency: 2,
        reportBatchItemFailures: true,
      }),
    );

    this.tickSchedule = new Rule(this, 'TickSchedule', {
      description: 'Herald: every minute, publishes and withdraws the scheduled posts whose time has come',
      schedule: Schedule.rate(TICK_RATE),
      // The next tick is the retry: a late one only duplicates it.
      targets: [new LambdaFunction(this.tick, { retryAttempts: 0, maxEventAge: TICK_RATE })],
    });
    this.checkSchedule = new Rule(this, 'CheckSchedule', {
      description: 'Herald: daily consistency check, repairs what S3 events missed',
      schedule: props.checkSchedule,
      targets: [new LambdaFunction(this.check, { retryAttempts: 2, maxEventAge: Duration.hours(6) })],
    });
  }
}

/**
 * Read the posts and config, read and write feeds and index: one statement per action group and store.
 * Nothing here may write to the content bucket: that is what makes a notification loop impossible.
 */
function grantStores(fn: LambdaFn, { content, feeds, prefixes }: PipelineProps): void {
  fn.addToRolePolicy(
    new PolicyStatement({ sid: 'ReadPosts', actions: ['s3:GetObject'], resources: [content.arnForObjects(`${prefixes.content}*`)] }),
  );
  // Unconditioned ListBucket: S3 answers 404 (not 403) for a deleted post only to a caller allowed to list,
  // and the pipeline reads a 404 as "removed". It reveals key names only; reading stays under the prefix.
  fn.addToRolePolicy(new PolicyStatement({ sid: 'ListPosts', actions: ['s3:ListBucket'], resources: [content.bucketArn] }));
  const feedObjects =
    prefixes.feeds === ''
      ? [feeds.arnForObjects('*')]
      : [feeds.arnForObjects(`${prefixes.feeds}*`), feeds.arnForObjects(`${prefixes.state}*`)];
  fn.addToRolePolicy(
    new PolicyStatement({
      sid: 'WriteFeedsAndIndex',
      actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
      resources: feedObjects,
    }),
  );
  fn.addToRolePolicy(new PolicyStatement({ sid: 'ListFeedsAndIndex', actions: ['s3:ListBucket'], resources: [feeds.bucketArn] }));
}
