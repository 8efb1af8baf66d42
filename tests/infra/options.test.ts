// Stack props and `herald:*` context: what each option changes in the template, and the errors for bad values.
import { Duration } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { Schedule } from 'aws-cdk-lib/aws-events';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { beforeAll, describe, expect, it } from 'vitest';
import { settingsFromContext } from '../../infra/context.ts';
import { resolvePrefixes, type Prefixes } from '../../infra/prefixes.ts';
import { asList, roleStatements, synth, type Statement, type Synthesized } from './synth.ts';

const CERT = 'arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555';
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:herald-alarms';

describe('a customised stack', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synth({
      domainNames: ['feeds.example.org'],
      certificateArn: CERT,
      alarmTopicArn: TOPIC,
      contentPrefix: 'site/posts/',
      feedsPrefix: 'public/',
      statePrefix: 'index/',
      websubHub: 'https://hub.example.org/',
      logLevel: 'DEBUG',
      logRetention: RetentionDays.ONE_WEEK,
      regenerate: { timeout: Duration.seconds(30) },
      rebuild: { memorySize: 3008 },
      batchSize: 500,
      batchingWindow: Duration.seconds(5),
      checkSchedule: Schedule.expression('cron(0 4 * * ? *)'),
      noncurrentVersionDays: 0,
      freshness: Duration.minutes(5),
      invalidation: true,
    });
  });
  const resource = (id: string) => s.template.toJSON().Resources[id];

  it('serves the custom domain with its certificate and TLS 1.2', () => {
    const config = resource(s.id(s.stack.cdn.distribution)).Properties.DistributionConfig;
    expect(config.Aliases).toEqual(['feeds.example.org']);
    expect(config.ViewerCertificate).toEqual({
      AcmCertificateArn: CERT,
      MinimumProtocolVersion: 'TLSv1.2_2021',
      SslSupportMethod: 'sni-only',
    });
    expect(s.template.toJSON().Outputs.RssUrl.Value).toBe('https://feeds.example.org/rss.xml');
  });

  it('maps the feeds prefix to the origin path and keeps state outside it', () => {
    const config = resource(s.id(s.stack.cdn.distribution)).Properties.DistributionConfig;
    expect(config.Origins[0].OriginPath).toBe('/public');
    const feeds = s.id(s.stack.buckets.feeds);
    s.template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'NeverServeState',
            Effect: 'Deny',
            Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [feeds, 'Arn'] }, '/index/*']] },
          }),
        ]),
      },
    });
  });

  it('scopes object access to the content, feeds and state prefixes', () => {
    const objects = (bucket: string, pattern: string) => ({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucket, 'Arn'] }, `/${pattern}`]] });
    const [content, feeds] = [s.id(s.stack.buckets.content), s.id(s.stack.buckets.feeds)];
    for (const fn of [s.stack.pipeline.regenerate, s.stack.pipeline.rebuild, s.stack.pipeline.tick, s.stack.pipeline.check]) {
      const statements = roleStatements(s.template, s.id(fn.role!));
      const bySid = (sid: string) => statements.find((statement: Statement) => statement.Sid === sid);
      expect(bySid('ReadPosts')!.Resource).toEqual(objects(content, 'site/posts/*'));
      expect(bySid('WriteFeedsAndIndex')!.Resource).toEqual([objects(feeds, 'index/*'), objects(feeds, 'public/*')]);
    }
  });

  it('filters notifications on the content prefix and its config key', () => {
    const notifier = Object.values(s.template.findResources('Custom::S3BucketNotifications'))[0]!;
    const prefixes = notifier.Properties.NotificationConfiguration.QueueConfigurations.map(
      (c: { Filter: { Key: { FilterRules: { Name: string; Value: string }[] } } }) =>
        c.Filter.Key.FilterRules.map((r) => r.Value).join(' '),
    );
    expect(new Set(prefixes)).toEqual(new Set(['.md site/posts/', '.json site/posts/herald.config.json']));
  });

  it('passes prefixes, hub and log level to both functions', () => {
    for (const fn of [s.stack.pipeline.regenerate, s.stack.pipeline.rebuild, s.stack.pipeline.tick, s.stack.pipeline.check]) {
      const props = resource(s.id(fn)).Properties;
      expect(props.Environment.Variables).toMatchObject({
        CONTENT_PREFIX: 'site/posts/',
        FEEDS_PREFIX: 'public/',
        STATE_PREFIX: 'index/',
        WEBSUB_HUB: 'https://hub.example.org/',
        LOG_LEVEL: 'DEBUG',
      });
      expect(props.LoggingConfig.ApplicationLogLevel).toBe('DEBUG');
    }
  });

  it('keeps copies for the freshness given, and writes it as max-age', () => {
    s.template.hasResourceProperties('AWS::CloudFront::CachePolicy', {
      CachePolicyConfig: Match.objectLike({ MinTTL: 0, DefaultTTL: 300, MaxTTL: 300 }),
    });
    for (const fn of [s.stack.pipeline.regenerate, s.stack.pipeline.rebuild, s.stack.pipeline.tick, s.stack.pipeline.check]) {
      expect(resource(s.id(fn)).Properties.Environment.Variables.CACHE_CONTROL).toBe('public, max-age=300, stale-if-error=86400');
    }
  });

  it('with invalidation, tells both functions the distribution and lets them invalidate it, and nothing else', () => {
    const distribution = s.id(s.stack.cdn.distribution);
    for (const fn of [s.stack.pipeline.regenerate, s.stack.pipeline.rebuild, s.stack.pipeline.tick, s.stack.pipeline.check]) {
      expect(resource(s.id(fn)).Properties.Environment.Variables.DISTRIBUTION_ID).toEqual({ Ref: distribution });
      const invalidations = roleStatements(s.template, s.id(fn.role!)).filter((st) =>
        asList(st.Action).some((action) => action.startsWith('cloudfront:')),
      );
      expect(invalidations).toEqual([
        {
          Effect: 'Allow',
          Action: 'cloudfront:CreateInvalidation',
          Resource: {
            'Fn::Join': [
              '',
              ['arn:', { Ref: 'AWS::Partition' }, ':cloudfront::', { Ref: 'AWS::AccountId' }, ':distribution/', { Ref: distribution }],
            ],
          },
        },
      ]);
    }
  });

  it('sizes functions, batches and the queue from the props', () => {
    expect(resource(s.id(s.stack.pipeline.regenerate)).Properties).toMatchObject({ Timeout: 30, MemorySize: 1024 });
    expect(resource(s.id(s.stack.pipeline.rebuild)).Properties).toMatchObject({ Timeout: 900, MemorySize: 3008 });
    expect(resource(s.id(s.stack.pipeline.queue)).Properties.VisibilityTimeout).toBe(6 * 30 + 5);
    s.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { BatchSize: 500, MaximumBatchingWindowInSeconds: 5 });
    s.template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'cron(0 4 * * ? *)' });
    s.template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 7 });
    s.template.resourceCountIs('AWS::Logs::LogGroup', 6);
  });

  it('keeps every post version when noncurrentVersionDays is 0', () => {
    expect(resource(s.id(s.stack.buckets.content)).Properties.LifecycleConfiguration.Rules).toEqual([
      { Status: 'Enabled', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } },
    ]);
  });

  it('sends every alarm and its recovery to the topic', () => {
    const alarms = Object.values(s.template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms).toHaveLength(9);
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions).toEqual([TOPIC]);
      expect(alarm.Properties.OKActions).toEqual([TOPIC]);
    }
  });
});

describe('prop errors', () => {
  it.each<[Partial<Prefixes>, string]>([
    [{ content: '/posts/' }, 'contentPrefix "/posts/" must not start with "/"'],
    [{ content: 'posts' }, 'contentPrefix "posts" must end with "/"'],
    [{ feeds: 'a*/' }, 'feedsPrefix "a*/" must not contain "*"'],
    [{ state: '' }, 'statePrefix "" must not be empty'],
    [{ state: '../x/' }, 'must not contain "." or ".." segments'],
    [{ feeds: 'site/', state: 'site/_herald/' }, 'must not contain one another'],
    [{ state: 'tags/_herald/' }, 'lies inside the feed tree'],
  ])('%j', (given, message) => {
    expect(() => resolvePrefixes(given)).toThrow(message);
  });

  it('refuses a domain without a certificate, and a certificate without a domain', () => {
    expect(() => synth({ domainNames: ['feeds.example.org'] })).toThrow('domainNames and certificateArn go together');
    expect(() => synth({ certificateArn: CERT })).toThrow('domainNames and certificateArn go together');
  });

  it('asks for the bundle when the code folder lacks it', () => {
    expect(() => synth({ codePath: '/nonexistent/functions' })).toThrow(
      'no regenerate.mjs or rebuild.mjs or tick.mjs or check.mjs or rebuild-worker.mjs in /nonexistent/functions: run "npm run bundle" first',
    );
  });

  it('refuses a batch size SQS would refuse', () => {
    expect(() => synth({ batchSize: 0 })).toThrow('batchSize 0 must be an integer from 1 to 10000');
  });

  it('refuses a freshness under a second or over a day', () => {
    expect(() => synth({ freshness: Duration.seconds(0) })).toThrow('freshness 0 s must be from 1 s to 1 day');
    expect(() => synth({ freshness: Duration.days(2) })).toThrow('freshness 172800 s must be from 1 s to 1 day');
  });
});

describe('herald:* context', () => {
  const from = (context: Record<string, unknown>) => settingsFromContext((key) => context[key], Object.keys(context), '/work/site');

  it('defaults to the stack name Herald and no props', () => {
    expect(from({})).toEqual({ stackName: 'Herald', props: { regenerate: {}, rebuild: {} } });
  });

  it('reads -c strings and cdk.json values alike', () => {
    const { stackName, props } = from({
      'herald:stackName': 'Blog',
      'herald:code': 'build/functions',
      'herald:domainNames': 'feeds.example.org, www.example.org',
      'herald:certificateArn': CERT,
      'herald:logLevel': 'debug',
      'herald:logRetentionDays': '14',
      'herald:regenerateMemory': 512,
      'herald:rebuildTimeoutSeconds': '600',
      'herald:batchingWindowSeconds': '0',
      'herald:checkSchedule': 'rate(12 hours)',
      'herald:priceClass': 'PriceClass_All',
      'herald:noncurrentVersionDays': 0,
      'herald:freshnessSeconds': '30',
      'herald:archiveFreshnessSeconds': 86_400,
      'herald:invalidation': 'true',
    });
    expect(stackName).toBe('Blog');
    expect(props).toMatchObject({
      codePath: '/work/site/build/functions',
      domainNames: ['feeds.example.org', 'www.example.org'],
      certificateArn: CERT,
      logLevel: 'DEBUG',
      logRetention: 14,
      regenerate: { memorySize: 512 },
      priceClass: 'PriceClass_All',
      noncurrentVersionDays: 0,
      invalidation: true,
    });
    expect(props.freshness!.toSeconds()).toBe(30);
    expect(props.archiveFreshness!.toSeconds()).toBe(86_400);
    expect(from({ 'herald:invalidation': false }).props.invalidation).toBe(false);
    expect(from({ 'herald:invalidation': 'false' }).props.invalidation).toBe(false);
    expect(props.rebuild!.timeout!.toSeconds()).toBe(600);
    expect(props.batchingWindow!.toSeconds()).toBe(0);
    expect(props.checkSchedule!.expressionString).toBe('rate(12 hours)');
    expect(from({ 'herald:domainNames': ['a.example', 'b.example'] }).props.domainNames).toEqual(['a.example', 'b.example']);
  });

  it.each([
    [{ 'herald:logLevel': 'LOUD' }, 'herald:logLevel="LOUD": must be one of DEBUG, INFO, WARN, ERROR'],
    [{ 'herald:logRetentionDays': '10' }, 'herald:logRetentionDays="10": must be one of'],
    [{ 'herald:batchSize': '1.5' }, 'herald:batchSize="1.5": must be an integer from 1 to 10000'],
    [{ 'herald:rebuildTimeoutSeconds': 901 }, 'herald:rebuildTimeoutSeconds=901: must be an integer from 1 to 900'],
    [{ 'herald:checkSchedule': 'daily' }, 'must be an EventBridge expression'],
    [{ 'herald:rebuildSchedule': 'rate(1 hour)' }, 'unknown context herald:rebuildSchedule'],
    [{ 'herald:priceClass': 'cheap' }, 'herald:priceClass="cheap": must be one of PriceClass_100'],
    [{ 'herald:domainNames': 3 }, 'herald:domainNames=3: must be a list of names'],
    [{ 'herald:contentPrefix': 7 }, 'herald:contentPrefix=7: must be a string'],
    [{ 'herald:invalidation': 'yes' }, 'herald:invalidation="yes": must be true or false'],
    [{ 'herald:freshnessSeconds': '0' }, 'herald:freshnessSeconds="0": must be an integer from 1 to 86400'],
    [{ 'herald:archiveFreshnessSeconds': '31536001' }, 'herald:archiveFreshnessSeconds="31536001": must be an integer from 1 to 31536000'],
    [{ 'herald:contentprefix': 'posts/' }, 'unknown context herald:contentprefix'],
  ])('%j is refused with a clear error', (context, message) => {
    expect(() => from(context)).toThrow(message);
  });

  it('leaves the CDK feature flags of cdk.json alone', () => {
    expect(() => from({ '@aws-cdk/core:checkSecretUsage': true, 'herald:batchSize': 10 })).not.toThrow();
  });
});
