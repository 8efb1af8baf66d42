import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CfnOutput, Duration, Stack, Tags, type StackProps } from 'aws-cdk-lib';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import { PriceClass } from 'aws-cdk-lib/aws-cloudfront';
import { Schedule } from 'aws-cdk-lib/aws-events';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { Alarms } from './alarms.ts';
import { archiveCacheControlFor, Cdn, cacheControlFor } from './cdn.ts';
import { Pipeline, type FunctionSize, type LogLevel } from './pipeline.ts';
import type { FeedAlias } from '../lib/aliases.ts';
import { CONFIG_FILE } from '../lib/config.ts';
import { resolvePrefixes } from './prefixes.ts';
import { Buckets } from './storage.ts';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Where `npm run bundle` writes the functions' bundles (`regenerate.mjs`, `rebuild.mjs`, `tick.mjs`, `check.mjs`). */
export const DEFAULT_CODE_PATH = path.join(REPO_ROOT, 'dist', 'functions');

export interface HeraldStackProps extends StackProps {
  /** Folder with the prebuilt bundles (`npm run bundle`). Default `dist/functions`. */
  codePath?: string;
  /** Posts and `herald.config.json` in the content bucket. Default `posts/`. */
  contentPrefix?: string;
  /** Where feeds are written in the feeds bucket, and CloudFront's origin path. Default '' (bucket root). */
  feedsPrefix?: string;
  /** Where the index lives in the feeds bucket; never served. Default `_herald/`. */
  statePrefix?: string;
  /** Default 1024 MB, 2 minutes. */
  regenerate?: Partial<FunctionSize>;
  /** Default 2048 MB, 15 minutes (a full rebuild reads every post). */
  rebuild?: Partial<FunctionSize>;
  /** SQS messages per regenerate invocation. Default 100. */
  batchSize?: number;
  /** How long SQS gathers a batch. Default 20 s: one run for a burst of uploads. */
  batchingWindow?: Duration;
  /**
   * When the consistency check lists the content against the index and repairs what events missed. Default
   * daily. Scheduled posts do not wait for it: a tick every minute publishes them.
   */
  checkSchedule?: Schedule;
  /** Our functions' logs and those of the CDK's bucket-notifications handler. Default one month. */
  logRetention?: RetentionDays;
  /** Default INFO. */
  logLevel?: LogLevel;
  /**
   * How soon a written file reaches readers: CloudFront's TTL and the files' `max-age`. Default 60 s. Without
   * invalidations, the only freshness mechanism; it costs S3 revalidations, bounded by time, not by uploads.
   */
  freshness?: Duration;
  /**
   * How long sealed archive pages (those with a newer page) are kept: the archive paths' CloudFront TTL and their
   * `max-age, immutable` (`ARCHIVE_CACHE_CONTROL`). Default 1 year, at least `freshness`. An edit of a post on a sealed
   * page reaches readers within this, unless `invalidation` is on (CloudFront) and readers revalidate (their own copy).
   */
  archiveFreshness?: Duration;
  /**
   * CloudFront invalidation of each run's changed files, for changes visible at once rather than within
   * `freshness`. Default off: $0.005 per path beyond 1,000 a month, 9 paths for a post with one category
   * and one tag, is some $45 per 1,000 uploads.
   */
  invalidation?: boolean;
  /** WebSub hub pinged after each run (`WEBSUB_HUB`). */
  websubHub?: string;
  /** Custom domain names for the distribution; requires `certificateArn`. */
  domainNames?: string[];
  /** ACM certificate in us-east-1 covering `domainNames`. */
  certificateArn?: string;
  /** Default PriceClass_100 (North America and Europe edges). */
  priceClass?: PriceClass;
  /** SNS topic for alarm and OK notifications. */
  alarmTopicArn?: string;
  /** Days old post versions are kept in the content bucket; 0 keeps them forever. Default 90. */
  noncurrentVersionDays?: number;
  /** Old feed paths redirected by CloudFront (the site configuration's `aliases`; context `herald:siteConfig`). */
  aliases?: readonly FeedAlias[];
}

/** Herald on AWS: content bucket -> SQS -> Lambda -> feeds bucket -> CloudFront. */
export class HeraldStack extends Stack {
  readonly buckets: Buckets;
  readonly cdn: Cdn;
  readonly pipeline: Pipeline;
  readonly alarms: Alarms;

  constructor(scope: Construct, id: string, props: HeraldStackProps = {}) {
    super(scope, id, { description: 'Herald: RSS, Atom and JSON Feed publisher (S3, SQS, Lambda, CloudFront)', ...props });
    const prefixes = resolvePrefixes({ content: props.contentPrefix, feeds: props.feedsPrefix, state: props.statePrefix });
    const domainNames = props.domainNames ?? [];
    if (domainNames.length > 0 !== (props.certificateArn !== undefined)) {
      throw new Error('domainNames and certificateArn go together: CloudFront serves a custom domain only with its certificate');
    }
    const freshness = props.freshness ?? Duration.seconds(60);
    if (freshness.toSeconds() < 1 || freshness.toSeconds() > 86_400) {
      throw new Error(`freshness ${freshness.toSeconds()} s must be from 1 s to 1 day`);
    }
    const archiveFreshness = props.archiveFreshness ?? Duration.days(365);
    if (archiveFreshness.toSeconds() < freshness.toSeconds() || archiveFreshness.toSeconds() > Duration.days(365).toSeconds()) {
      throw new Error(`archiveFreshness ${archiveFreshness.toSeconds()} s must be from freshness (${freshness.toSeconds()} s) to 1 year`);
    }
    const batchSize = props.batchSize ?? 100;
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
      throw new Error(`batchSize ${batchSize} must be an integer from 1 to 10000`);
    }

    const logRetention = props.logRetention ?? RetentionDays.ONE_MONTH;
    this.buckets = new Buckets(this, 'Buckets', { noncurrentVersionDays: props.noncurrentVersionDays ?? 90, logRetention });
    this.cdn = new Cdn(this, 'Cdn', {
      feeds: this.buckets.feeds,
      prefixes,
      freshness,
      archiveFreshness,
      domainNames: domainNames.length > 0 ? domainNames : undefined,
      certificate: props.certificateArn ? Certificate.fromCertificateArn(this, 'Certificate', props.certificateArn) : undefined,
      priceClass: props.priceClass ?? PriceClass.PRICE_CLASS_100,
      aliases: props.aliases,
    });
    this.pipeline = new Pipeline(this, 'Pipeline', {
      content: this.buckets.content,
      feeds: this.buckets.feeds,
      distribution: this.cdn.distribution,
      prefixes,
      codePath: props.codePath ?? DEFAULT_CODE_PATH,
      regenerate: { memorySize: 1024, timeout: Duration.minutes(2), ...props.regenerate },
      rebuild: { memorySize: 2048, timeout: Duration.minutes(15), ...props.rebuild },
      check: { memorySize: 2048, timeout: Duration.minutes(15) },
      rebuildWorker: { memorySize: 1024, timeout: Duration.minutes(5) },
      rebuildWorkers: 50,
      batchSize,
      batchingWindow: props.batchingWindow ?? Duration.seconds(20),
      checkSchedule: props.checkSchedule ?? Schedule.rate(Duration.days(1)),
      logRetention,
      logLevel: props.logLevel ?? 'INFO',
      websubHub: props.websubHub,
      cacheControl: cacheControlFor(freshness),
      archiveCacheControl: archiveCacheControlFor(archiveFreshness),
      invalidation: props.invalidation ?? false,
    });
    this.alarms = new Alarms(this, 'Alarms', {
      pipeline: this.pipeline,
      topic: props.alarmTopicArn ? Topic.fromTopicArn(this, 'AlarmTopic', props.alarmTopicArn) : undefined,
    });
    Tags.of(this).add('app', 'herald');

    const siteHost = domainNames[0] ?? this.cdn.distribution.distributionDomainName;
    const site = `https://${siteHost}/`;
    const output = (id: string, value: string, description: string) => new CfnOutput(this, id, { value, description });
    output('DistributionDomainName', this.cdn.distribution.distributionDomainName, 'CloudFront domain (point a CNAME here)');
    output('DistributionId', this.cdn.distribution.distributionId, 'CloudFront distribution id');
    output('SiteUrl', site, 'Feed directory (index.html); set feedsUrl in herald.config.json to this');
    output('RssUrl', `${site}rss.xml`, 'Site feed, RSS 2.0');
    output('AtomUrl', `${site}atom.xml`, 'Site feed, Atom 1.0');
    output('JsonFeedUrl', `${site}feed.json`, 'Site feed, JSON Feed 1.1');
    output('OpmlUrl', `${site}feeds.opml`, 'Every feed, as OPML');
    output('ContentBucketName', this.buckets.content.bucketName, `Upload posts under ${prefixes.content || '(bucket root)'}`);
    output('ConfigObject', `s3://${this.buckets.content.bucketName}/${prefixes.content}${CONFIG_FILE}`, 'Site configuration');
    output('FeedsBucketName', this.buckets.feeds.bucketName, 'Feeds and the index (served through CloudFront only)');
    output('RebuildFunctionName', this.pipeline.rebuild.functionName, 'Invoke by hand for a full rebuild');
    output('DeadLetterQueueUrl', this.pipeline.deadLetters.queueUrl, 'S3 events that could not be processed');
  }
}
