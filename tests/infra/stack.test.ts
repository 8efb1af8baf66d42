// The default Herald stack, asserted on its synthesized CloudFormation template (no AWS, no bundling).
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import type { HeraldStack } from '../../infra/stack.ts';
import { readSettings, VARIABLES } from '../../lib/aws/environment.ts';
import { asList, roleStatements, synth, type Statement, type Synthesized } from './synth.ts';

let s: Synthesized;
let t: Template;
let stack: HeraldStack;
let ids: Record<
  'content' | 'feeds' | 'distribution' | 'queue' | 'dlq' | 'tasks' | 'taskDlq' | FunctionName | 'tickSchedule' | 'checkSchedule',
  string
>;

beforeAll(() => {
  s = synth();
  t = s.template;
  stack = s.stack;
  ids = {
    content: s.id(stack.buckets.content),
    feeds: s.id(stack.buckets.feeds),
    distribution: s.id(stack.cdn.distribution),
    queue: s.id(stack.pipeline.queue),
    dlq: s.id(stack.pipeline.deadLetters),
    regenerate: s.id(stack.pipeline.regenerate),
    rebuild: s.id(stack.pipeline.rebuild),
    tick: s.id(stack.pipeline.tick),
    rebuildWorker: s.id(stack.pipeline.rebuildWorker),
    tasks: s.id(stack.pipeline.rebuildTasks),
    taskDlq: s.id(stack.pipeline.rebuildTaskDeadLetters),
    check: s.id(stack.pipeline.check),
    tickSchedule: s.id(stack.pipeline.tickSchedule),
    checkSchedule: s.id(stack.pipeline.checkSchedule),
  };
});

const FUNCTIONS = ['regenerate', 'rebuild', 'tick', 'check', 'rebuildWorker'] as const;
type FunctionName = (typeof FUNCTIONS)[number];
const arnOf = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
const logsOf = (name: FunctionName) => stack.node.findChild('Pipeline').node.findChild(`${name[0]!.toUpperCase()}${name.slice(1)}Logs`);
const HANDLERS: Record<FunctionName, string> = {
  regenerate: 'regenerate',
  rebuild: 'rebuild',
  tick: 'tick',
  check: 'check',
  rebuildWorker: 'rebuild-worker',
};
const objectsUnder = (bucketId: string, pattern: string) => ({ 'Fn::Join': ['', [arnOf(bucketId), `/${pattern}`]] });
const distributionArn = () => ({
  'Fn::Join': [
    '',
    ['arn:', { Ref: 'AWS::Partition' }, ':cloudfront::', { Ref: 'AWS::AccountId' }, ':distribution/', { Ref: ids.distribution }],
  ],
});
const resource = (id: string) => t.toJSON().Resources[id];
const policyStatements = (type: string, refKey: string, targetId: string): Statement[] =>
  Object.values(t.findResources(type))
    .filter((policy) => JSON.stringify(policy.Properties[refKey]).includes(`"${targetId}"`))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]);

describe('buckets', () => {
  it.each(['content', 'feeds'] as const)('the %s bucket is private, owner-enforced, encrypted and retained', (name) => {
    const bucket = resource(ids[name]);
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(bucket.Properties.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
    expect(bucket.Properties.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
    });
    expect(bucket.DeletionPolicy).toBe('Retain');
    expect(bucket.UpdateReplacePolicy).toBe('Retain');
  });

  it.each(['content', 'feeds'] as const)('the %s bucket policy refuses plain HTTP and TLS below 1.2', (name) => {
    const statements = policyStatements('AWS::S3::BucketPolicy', 'Bucket', ids[name]);
    const everything = [arnOf(ids[name]), objectsUnder(ids[name], '*')];
    expect(statements).toContainEqual({
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 's3:*',
      Resource: everything,
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    });
    expect(statements).toContainEqual({
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 's3:*',
      Resource: everything,
      Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } },
    });
  });

  it('versions posts and expires old versions after 90 days', () => {
    const content = resource(ids.content).Properties;
    expect(content.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(content.LifecycleConfiguration.Rules).toEqual([
      {
        Status: 'Enabled',
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
        NoncurrentVersionExpiration: { NoncurrentDays: 90 },
        ExpiredObjectDeleteMarker: true,
      },
    ]);
  });

  it('does not version the feeds bucket (derived data, rewritten constantly)', () => {
    expect(resource(ids.feeds).Properties.VersioningConfiguration).toBeUndefined();
  });

  it('gives the feeds bucket no event notifications of any kind', () => {
    const feeds = resource(ids.feeds).Properties;
    expect(feeds.NotificationConfiguration).toBeUndefined();
    const notifiers = Object.values(t.findResources('Custom::S3BucketNotifications'));
    expect(notifiers).toHaveLength(1);
    expect(notifiers[0]!.Properties.BucketName).toEqual({ Ref: ids.content });
  });

  it('lets only this distribution read the feeds bucket, and never the state prefix', () => {
    const statements = policyStatements('AWS::S3::BucketPolicy', 'Bucket', ids.feeds);
    const allows = statements.filter((statement) => statement.Effect === 'Allow');
    expect(allows).toEqual([
      {
        Effect: 'Allow',
        Principal: { Service: 'cloudfront.amazonaws.com' },
        Action: ['s3:GetObject', 's3:ListBucket'],
        Resource: [arnOf(ids.feeds), objectsUnder(ids.feeds, '*')],
        Condition: { StringEquals: { 'AWS:SourceArn': distributionArn() } },
      },
    ]);
    expect(statements).toContainEqual({
      Sid: 'NeverServeState',
      Effect: 'Deny',
      Principal: { Service: 'cloudfront.amazonaws.com' },
      Action: 's3:GetObject',
      Resource: objectsUnder(ids.feeds, '_herald/*'),
    });
  });

  it('grants nothing on the content bucket to anyone but the functions (no Allow in its policy)', () => {
    const statements = policyStatements('AWS::S3::BucketPolicy', 'Bucket', ids.content);
    expect(statements.filter((statement) => statement.Effect === 'Allow')).toEqual([]);
  });
});

describe('CloudFront', () => {
  it('reaches the feeds bucket through Origin Access Control only', () => {
    const config = resource(ids.distribution).Properties.DistributionConfig;
    expect(config.Origins).toEqual([
      {
        Id: expect.any(String),
        DomainName: { 'Fn::GetAtt': [ids.feeds, 'RegionalDomainName'] },
        S3OriginConfig: { OriginAccessIdentity: '' },
        OriginAccessControlId: { 'Fn::GetAtt': [expect.stringMatching(/OriginAccessControl/), 'Id'] },
      },
    ]);
    t.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: { OriginAccessControlOriginType: 's3', SigningBehavior: 'always', SigningProtocol: 'sigv4' },
    });
  });

  it('redirects to HTTPS, speaks HTTP/2 and HTTP/3, compresses and serves index.html at the root', () => {
    const config = resource(ids.distribution).Properties.DistributionConfig;
    expect(config).toMatchObject({
      Enabled: true,
      DefaultRootObject: 'index.html',
      HttpVersion: 'http2and3',
      IPV6Enabled: true,
      PriceClass: 'PriceClass_100',
    });
    expect(config.DefaultCacheBehavior).toMatchObject({
      ViewerProtocolPolicy: 'redirect-to-https',
      Compress: true,
      AllowedMethods: ['GET', 'HEAD'],
      CachedMethods: ['GET', 'HEAD'],
      CachePolicyId: { Ref: expect.stringMatching(/FeedCache/) },
      ResponseHeadersPolicyId: { Ref: expect.stringMatching(/FeedHeaders/) },
    });
    expect(config.DefaultCacheBehavior.OriginRequestPolicyId).toBeUndefined();
    // The archive pages' behaviors (tests/infra/cdn.test.ts): nothing else leaves the default.
    expect(config.CacheBehaviors.map((behavior: { PathPattern: string }) => behavior.PathPattern)).toEqual(['archive/*', '*/archive/*']);
    expect(config.Aliases).toBeUndefined();
  });

  it('caches by path alone, and outside the archive pages revalidates every copy after 60 s at most, whatever its Cache-Control', () => {
    t.hasResourceProperties('AWS::CloudFront::CachePolicy', {
      CachePolicyConfig: {
        MinTTL: 0,
        DefaultTTL: 60,
        MaxTTL: 60,
        ParametersInCacheKeyAndForwardedToOrigin: {
          CookiesConfig: { CookieBehavior: 'none' },
          HeadersConfig: { HeaderBehavior: 'none' },
          QueryStringsConfig: { QueryStringBehavior: 'none' },
          EnableAcceptEncodingGzip: true,
          EnableAcceptEncodingBrotli: true,
        },
      },
    });
  });

  it('adds nosniff and CORS GET from any origin', () => {
    t.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: {
        SecurityHeadersConfig: Match.objectLike({ ContentTypeOptions: { Override: true } }),
        CorsConfig: {
          AccessControlAllowOrigins: { Items: ['*'] },
          AccessControlAllowMethods: { Items: ['GET', 'HEAD'] },
          AccessControlAllowHeaders: { Items: ['*'] },
          AccessControlExposeHeaders: { Items: ['ETag', 'Last-Modified'] },
          AccessControlAllowCredentials: false,
          AccessControlMaxAgeSec: 86_400,
          OriginOverride: true,
        },
      },
    });
  });
});

describe('S3 events to SQS', () => {
  it('notifies the queue of created, removed and expired posts and of the site config', () => {
    const queue = arnOf(ids.queue);
    const config = (events: string, prefix: string, suffix: string) => ({
      Events: [events],
      QueueArn: queue,
      Filter: {
        Key: {
          FilterRules: [
            { Name: 'suffix', Value: suffix },
            { Name: 'prefix', Value: prefix },
          ],
        },
      },
    });
    const notifier = Object.values(t.findResources('Custom::S3BucketNotifications'))[0]!;
    expect(notifier.Properties.NotificationConfiguration).toEqual({
      QueueConfigurations: ['s3:ObjectCreated:*', 's3:ObjectRemoved:*', 's3:LifecycleExpiration:*'].flatMap((event) => [
        config(event, 'posts/', '.md'),
        config(event, 'posts/herald.config.json', '.json'),
      ]),
    });
  });

  it('lets only the content bucket send to the queue', () => {
    const allows = policyStatements('AWS::SQS::QueuePolicy', 'Queues', ids.queue).filter((statement) => statement.Effect === 'Allow');
    expect(allows).toEqual([
      {
        Effect: 'Allow',
        Principal: { Service: 's3.amazonaws.com' },
        Action: ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'],
        Resource: arnOf(ids.queue),
        Condition: { ArnLike: { 'aws:SourceArn': arnOf(ids.content) } },
      },
    ]);
  });

  it('dead-letters a message after 5 receives, and hides it for 6 function timeouts plus the batching window', () => {
    const queue = resource(ids.queue).Properties;
    const timeout = resource(ids.regenerate).Properties.Timeout as number;
    expect(queue.RedrivePolicy).toEqual({ deadLetterTargetArn: arnOf(ids.dlq), maxReceiveCount: 5 });
    expect(queue.VisibilityTimeout).toBeGreaterThanOrEqual(6 * timeout);
    expect(queue.VisibilityTimeout).toBe(6 * 120 + 20);
    expect(queue.SqsManagedSseEnabled).toBe(true);
    expect(resource(ids.dlq).Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 86_400 });
  });

  it('refuses plain HTTP on every queue', () => {
    for (const id of [ids.queue, ids.dlq, ids.tasks, ids.taskDlq]) {
      expect(policyStatements('AWS::SQS::QueuePolicy', 'Queues', id)).toContainEqual({
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 'sqs:*',
        Resource: arnOf(id),
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      });
    }
  });

  it('maps the queue to regenerate: 20 s window, batches of 100, 2 at a time, partial batch failures', () => {
    t.resourceCountIs('AWS::Lambda::EventSourceMapping', 2);
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: arnOf(ids.queue),
      FunctionName: { Ref: ids.regenerate },
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 20,
      ScalingConfig: { MaximumConcurrency: 2 },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });
});

describe('the fanned-out rebuild', () => {
  it('feeds rebuild-worker one task at a time, 50 at once, from a queue that hides a task for six worker timeouts', () => {
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: arnOf(ids.tasks),
      FunctionName: { Ref: ids.rebuildWorker },
      BatchSize: 1,
      ScalingConfig: { MaximumConcurrency: 50 },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    expect(resource(ids.tasks).Properties).toMatchObject({
      VisibilityTimeout: 6 * 300,
      MessageRetentionPeriod: 3600,
      RedrivePolicy: { deadLetterTargetArn: arnOf(ids.taskDlq), maxReceiveCount: 3 },
    });
  });

  it('tells rebuild the task queue, and only rebuild may send to it', () => {
    expect(resource(ids.rebuild).Properties.Environment.Variables.REBUILD_QUEUE_URL).toEqual({ Ref: ids.tasks });
    const senders = FUNCTIONS.filter((name) =>
      roleStatements(t, s.id(stack.pipeline[name].role!)).some((statement) => asList(statement.Action).includes('sqs:SendMessage')),
    );
    expect(senders).toEqual(['rebuild']);
  });

  it('alarms when a task was dead-lettered', () => {
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [ids.taskDlq, 'QueueName'] } }],
      Threshold: 1,
    });
  });
});

describe('functions', () => {
  const environment = (extra: Record<string, unknown> = {}) => ({
    CONTENT_BUCKET: { Ref: ids.content },
    CONTENT_PREFIX: 'posts/',
    FEEDS_BUCKET: { Ref: ids.feeds },
    FEEDS_PREFIX: '',
    STATE_PREFIX: '_herald/',
    // As long as CloudFront's TTL, and no stale-while-revalidate: no cache keeps a copy over 60 s old.
    CACHE_CONTROL: 'public, max-age=60, stale-if-error=86400',
    // Sealed archive pages: as long as the archive behaviors' maximum TTL, a year.
    ARCHIVE_CACHE_CONTROL: 'public, max-age=31536000, immutable',
    LOG_LEVEL: 'INFO',
    NODE_OPTIONS: '--enable-source-maps',
    ...extra,
  });

  it.each([
    ['regenerate', 1024, 120],
    ['rebuild', 2048, 900],
    ['tick', 1024, 120],
    ['check', 2048, 900],
    ['rebuildWorker', 1024, 300],
  ] as const)('%s runs nodejs22.x on arm64 from the prebuilt bundle', (name, memory, timeout) => {
    const fn = resource(ids[name]).Properties;
    expect(fn).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: `${HANDLERS[name]}.handler`,
      MemorySize: memory,
      Timeout: timeout,
      RecursiveLoop: 'Terminate',
      Role: arnOf(s.id(stack.pipeline[name].role!)),
      Code: { S3Bucket: expect.anything(), S3Key: expect.stringMatching(/\.zip$/) },
      LoggingConfig: {
        LogFormat: 'JSON',
        ApplicationLogLevel: 'INFO',
        SystemLogLevel: 'INFO',
        LogGroup: { Ref: s.id(logsOf(name)) },
      },
    });
  });

  it('the functions share one code asset, with no Docker image anywhere', () => {
    const keys = FUNCTIONS.map((name) => resource(ids[name]).Properties.Code.S3Key);
    expect(new Set(keys).size).toBe(1);
    expect(JSON.stringify(t.toJSON())).not.toMatch(/ImageUri|ecr/i);
  });

  it('passes the pipeline environment contract', () => {
    expect(resource(ids.rebuild).Properties.Environment.Variables).toEqual(environment({ REBUILD_QUEUE_URL: { Ref: ids.tasks } }));
    expect(resource(ids.rebuildWorker).Properties.Environment.Variables).toEqual(environment());
    for (const name of ['regenerate', 'tick', 'check'] as const) {
      expect(resource(ids[name]).Properties.Environment.Variables).toEqual(environment({ REBUILD_FUNCTION_NAME: { Ref: ids.rebuild } }));
    }
  });

  it('sets no variable the functions do not read, and every function reads its environment back', () => {
    const known = new Set<string>([...Object.values(VARIABLES), 'LOG_LEVEL', 'NODE_OPTIONS']);
    for (const name of FUNCTIONS) {
      const variables = resource(ids[name]).Properties.Environment.Variables as Record<string, unknown>;
      expect(
        Object.keys(variables).filter((variable) => !known.has(variable)),
        name,
      ).toEqual([]);
      // References to other resources are resolved at deployment: here any non-empty text stands for them.
      const env = Object.fromEntries(
        Object.entries(variables).map(([key, value]) => [key, typeof value === 'string' ? value : 'https://resolved.invalid/']),
      );
      expect(() => readSettings(env), name).not.toThrow();
    }
  });

  it("keeps logs in their own groups for a month (each function's and the notifications handler's)", () => {
    const groups = Object.values(t.findResources('AWS::Logs::LogGroup'));
    expect(groups).toHaveLength(6);
    for (const group of groups) {
      expect(group.Properties.RetentionInDays).toBe(30);
      expect(group.DeletionPolicy).toBe('Delete');
    }
  });

  it('ticks every minute and checks daily through EventBridge; no periodic full rebuild', () => {
    const rules = t.findResources('AWS::Events::Rule');
    expect(Object.keys(rules).sort()).toEqual([ids.tickSchedule, ids.checkSchedule].sort());
    expect(resource(ids.tickSchedule).Properties).toMatchObject({
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
      // The next tick is the retry.
      Targets: [{ Arn: arnOf(ids.tick), Id: expect.any(String), RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 } }],
    });
    expect(resource(ids.checkSchedule).Properties).toMatchObject({
      ScheduleExpression: 'rate(1 day)',
      State: 'ENABLED',
      Targets: [
        { Arn: arnOf(ids.check), Id: expect.any(String), RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 21600 } },
      ],
    });
    for (const [fn, rule] of [
      [ids.tick, ids.tickSchedule],
      [ids.check, ids.checkSchedule],
    ]) {
      t.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        FunctionName: arnOf(fn!),
        Principal: 'events.amazonaws.com',
        SourceArn: arnOf(rule!),
      });
    }
  });
});

describe('IAM: least privilege, action by action and resource by resource', () => {
  const common = (name: FunctionName): Statement[] => [
    {
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: arnOf(s.id(logsOf(name))),
    },
    { Sid: 'ReadPosts', Effect: 'Allow', Action: 's3:GetObject', Resource: objectsUnder(ids.content, 'posts/*') },
    { Sid: 'ListPosts', Effect: 'Allow', Action: 's3:ListBucket', Resource: arnOf(ids.content) },
    {
      Sid: 'WriteFeedsAndIndex',
      Effect: 'Allow',
      Action: ['s3:DeleteObject', 's3:GetObject', 's3:PutObject'],
      Resource: objectsUnder(ids.feeds, '*'),
    },
    { Sid: 'ListFeedsAndIndex', Effect: 'Allow', Action: 's3:ListBucket', Resource: arnOf(ids.feeds) },
  ];

  it('regenerate: its logs, read posts, write feeds and index, start rebuild, consume the queue; no invalidation', () => {
    expect(roleStatements(t, s.id(stack.pipeline.regenerate.role!))).toEqual([
      ...common('regenerate'),
      { Sid: 'StartRebuild', Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: arnOf(ids.rebuild) },
      {
        Effect: 'Allow',
        Action: ['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage'],
        Resource: arnOf(ids.queue),
      },
    ]);
  });

  it('grants no CloudFront action at all while invalidation is not enabled', () => {
    const policies = Object.values(t.findResources('AWS::IAM::Policy'));
    const actions = policies.flatMap((policy) =>
      (policy.Properties.PolicyDocument.Statement as Statement[]).flatMap((st) => asList(st.Action)),
    );
    expect(actions.filter((action) => action.startsWith('cloudfront:'))).toEqual([]);
  });

  it('rebuild: the same stores, and sending tasks to its workers', () => {
    expect(roleStatements(t, s.id(stack.pipeline.rebuild.role!))).toEqual([
      ...common('rebuild'),
      { Sid: 'SendRebuildTasks', Effect: 'Allow', Action: 'sqs:SendMessage', Resource: arnOf(ids.tasks) },
    ]);
  });

  it('rebuild-worker: the same stores, and consuming its queue', () => {
    expect(roleStatements(t, s.id(stack.pipeline.rebuildWorker.role!))).toEqual([
      ...common('rebuildWorker'),
      {
        Effect: 'Allow',
        Action: ['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage'],
        Resource: arnOf(ids.tasks),
      },
    ]);
  });

  it.each(['tick', 'check'] as const)('%s: the same stores, and starting rebuild', (name) => {
    expect(roleStatements(t, s.id(stack.pipeline[name].role!))).toEqual([
      ...common(name),
      { Sid: 'StartRebuild', Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: arnOf(ids.rebuild) },
    ]);
  });

  it('every role is ours: the functions and the notifications handler, trusting Lambda only, no managed policies', () => {
    const roles = t.findResources('AWS::IAM::Role');
    expect(Object.keys(roles).sort()).toEqual(
      [...FUNCTIONS.map((name) => stack.pipeline[name].role!), stack.buckets.notificationsHandlerRole].map(s.id).sort(),
    );
    for (const role of Object.values(roles)) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
        { Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'lambda.amazonaws.com' } },
      ]);
    }
  });

  it('log actions are granted on log groups of this stack only', () => {
    const groups = Object.keys(t.findResources('AWS::Logs::LogGroup'));
    const policies = Object.values(t.findResources('AWS::IAM::Policy'));
    const statements = policies.flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]);
    const logs = statements.filter((statement) => asList(statement.Action).some((action) => action.startsWith('logs:')));
    expect(logs).toHaveLength(6);
    for (const statement of logs) {
      expect(asList(statement.Action).sort()).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
      expect(groups.map(arnOf)).toContainEqual(statement.Resource);
    }
  });

  it('no Allow anywhere has a wildcard action, and no IAM policy has a "*" resource', () => {
    const documents = [
      ...Object.values(t.findResources('AWS::IAM::Policy')).map((r) => r.Properties.PolicyDocument),
      ...Object.values(t.findResources('AWS::S3::BucketPolicy')).map((r) => r.Properties.PolicyDocument),
      ...Object.values(t.findResources('AWS::SQS::QueuePolicy')).map((r) => r.Properties.PolicyDocument),
    ];
    const allows = documents.flatMap((d) => d.Statement as Statement[]).filter((statement) => statement.Effect === 'Allow');
    expect(allows.length).toBeGreaterThan(10);
    for (const statement of allows) {
      for (const action of asList(statement.Action)) expect(action).toMatch(/^[a-z0-9-]+:[A-Za-z]+$/);
      expect(asList(statement.Resource)).not.toContain('*');
    }
  });

  it('the notifications helper CDK deploys may only configure the content bucket', () => {
    const helperPolicy = Object.values(t.findResources('AWS::IAM::Policy')).find((policy) =>
      JSON.stringify(policy.Properties.PolicyDocument).includes('s3:PutBucketNotification'),
    );
    expect(helperPolicy!.Properties.PolicyDocument.Statement).toEqual([
      { Effect: 'Allow', Action: 's3:PutBucketNotification', Resource: arnOf(ids.content) },
    ]);
  });
});

describe("the CDK's bucket-notifications handler", () => {
  // The function the custom resource calls: a raw AWS::Lambda::Function the CDK adds once per stack.
  const handler = () => {
    const notifier = Object.values(t.findResources('Custom::S3BucketNotifications'))[0]!;
    const [id] = notifier.Properties.ServiceToken['Fn::GetAtt'] as [string, string];
    return { id, fn: resource(id), notifier };
  };
  const roleId = () => s.id(stack.buckets.notificationsHandlerRole);
  const logsId = () => s.id(stack.buckets.notificationsHandlerLogs);

  it('is the only function besides ours', () => {
    expect(Object.keys(t.findResources('AWS::Lambda::Function')).sort()).toEqual(
      [handler().id, ...FUNCTIONS.map((name) => ids[name])].sort(),
    );
    expect(handler().fn.Properties.Description).toContain('Custom::S3BucketNotifications');
  });

  it('runs as our role, which may write its own logs and configure the content bucket, nothing else', () => {
    expect(handler().fn.Properties.Role).toEqual(arnOf(roleId()));
    expect(resource(roleId()).Properties.ManagedPolicyArns).toBeUndefined();
    expect(roleStatements(t, roleId())).toEqual([
      { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: arnOf(logsId()) },
      { Effect: 'Allow', Action: 's3:PutBucketNotification', Resource: arnOf(ids.content) },
    ]);
  });

  it('logs to a group of ours, kept for a month and deleted with the stack', () => {
    expect(handler().fn.Properties.LoggingConfig).toEqual({ LogGroup: { Ref: logsId() } });
    const group = resource(logsId());
    expect(group.Properties.RetentionInDays).toBe(30);
    expect(group.DeletionPolicy).toBe('Delete');
  });

  it('has every permission of its role in place before CloudFormation first calls it', () => {
    const { fn, notifier } = handler();
    const policies = Object.entries(t.findResources('AWS::IAM::Policy'))
      .filter(([, policy]) => JSON.stringify(policy.Properties.Roles).includes(`"${roleId()}"`))
      .map(([id]) => id);
    expect(policies).toHaveLength(2);
    for (const policy of policies) expect([...fn.DependsOn, ...notifier.DependsOn]).toContain(policy);
  });
});

describe('recursive invocation is impossible by construction', () => {
  const isWrite = (action: string) => /^s3:(Put|Delete|Restore|Replicate|Abort|Create)/.test(action) || action === 's3:*';
  const functionStatements = () => FUNCTIONS.flatMap((name) => roleStatements(t, s.id(stack.pipeline[name].role!)));

  it('no function may write to the content bucket, the only bucket that notifies', () => {
    const writes = functionStatements().filter((statement) => asList(statement.Action).some(isWrite));
    expect(writes.length).toBeGreaterThan(0);
    for (const statement of writes) expect(JSON.stringify(statement.Resource)).not.toContain(`"${ids.content}"`);
  });

  it('no function may publish to a topic or put events, and only rebuild may send, to its task queue alone', () => {
    const statements = functionStatements();
    const actions = statements.flatMap((statement) => asList(statement.Action));
    expect(actions.filter((action) => /^(sns:|events:|scheduler:)/.test(action))).toEqual([]);
    const sends = statements.filter((statement) => asList(statement.Action).includes('sqs:SendMessage'));
    expect(sends.map((statement) => statement.Resource)).toEqual([arnOf(ids.tasks)]);
  });

  it('regenerate is triggered by the queue alone, rebuild only by the functions that hand it work, tick and check by their schedules', () => {
    const permissions = Object.values(t.findResources('AWS::Lambda::Permission')).map((p) => p.Properties);
    const permitted = (id: string) => permissions.filter((p) => JSON.stringify(p.FunctionName).includes(`"${id}"`));
    expect(permitted(ids.regenerate)).toEqual([]);
    expect(permitted(ids.rebuild)).toEqual([]);
    expect(permitted(ids.tick)).toHaveLength(1);
    expect(permitted(ids.check)).toHaveLength(1);
    expect(permitted(ids.rebuildWorker)).toEqual([]);
    const invokers = functionStatements().filter((statement) => asList(statement.Action).includes('lambda:InvokeFunction'));
    expect(invokers.map((statement) => statement.Resource)).toEqual([arnOf(ids.rebuild), arnOf(ids.rebuild), arnOf(ids.rebuild)]);
    const mappings = Object.values(t.findResources('AWS::Lambda::EventSourceMapping')).map((mapping) => mapping.Properties);
    expect(mappings.map(({ EventSourceArn, FunctionName }) => [EventSourceArn, FunctionName])).toEqual([
      [arnOf(ids.tasks), { Ref: ids.rebuildWorker }],
      [arnOf(ids.queue), { Ref: ids.regenerate }],
    ]);
  });
});

describe('alarms', () => {
  const alarmOn = (namespace: string, metric: string, dimension: Record<string, unknown>, threshold: number) =>
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: namespace,
      MetricName: metric,
      Dimensions: [dimension],
      Threshold: threshold,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
    });

  it('fires when the dead-letter queue is not empty or the queue is stuck', () => {
    alarmOn('AWS/SQS', 'ApproximateNumberOfMessagesVisible', { Name: 'QueueName', Value: { 'Fn::GetAtt': [ids.dlq, 'QueueName'] } }, 1);
    alarmOn('AWS/SQS', 'ApproximateAgeOfOldestMessage', { Name: 'QueueName', Value: { 'Fn::GetAtt': [ids.queue, 'QueueName'] } }, 900);
  });

  it.each(['regenerate', 'rebuild'] as const)('fires on %s errors and throttles', (name) => {
    for (const metric of ['Errors', 'Throttles']) {
      alarmOn('AWS/Lambda', metric, { Name: 'FunctionName', Value: { Ref: ids[name] } }, 1);
    }
  });

  it('fires on five tick errors in five minutes (one is repaired by the next tick), and on any check error', () => {
    alarmOn('AWS/Lambda', 'Errors', { Name: 'FunctionName', Value: { Ref: ids.tick } }, 5);
    alarmOn('AWS/Lambda', 'Errors', { Name: 'FunctionName', Value: { Ref: ids.check } }, 1);
  });

  it('notifies nobody unless a topic is given', () => {
    t.resourceCountIs('AWS::CloudWatch::Alarm', 9);
    for (const alarm of Object.values(t.findResources('AWS::CloudWatch::Alarm'))) expect(alarm.Properties.AlarmActions).toBeUndefined();
  });
});

describe('outputs', () => {
  it('names the distribution, the site feeds and the buckets', () => {
    const outputs = t.toJSON().Outputs as Record<string, { Value: unknown }>;
    const site = (file: string) => ({ 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [ids.distribution, 'DomainName'] }, `/${file}`]] });
    expect(outputs.DistributionDomainName!.Value).toEqual({ 'Fn::GetAtt': [ids.distribution, 'DomainName'] });
    expect(outputs.DistributionId!.Value).toEqual({ Ref: ids.distribution });
    expect(outputs.SiteUrl!.Value).toEqual(site(''));
    expect(outputs.RssUrl!.Value).toEqual(site('rss.xml'));
    expect(outputs.AtomUrl!.Value).toEqual(site('atom.xml'));
    expect(outputs.JsonFeedUrl!.Value).toEqual(site('feed.json'));
    expect(outputs.OpmlUrl!.Value).toEqual(site('feeds.opml'));
    expect(outputs.ContentBucketName!.Value).toEqual({ Ref: ids.content });
    expect(outputs.FeedsBucketName!.Value).toEqual({ Ref: ids.feeds });
    expect(outputs.ConfigObject!.Value).toEqual({ 'Fn::Join': ['', ['s3://', { Ref: ids.content }, '/posts/herald.config.json']] });
    expect(outputs.RebuildFunctionName!.Value).toEqual({ Ref: ids.rebuild });
    expect(outputs.DeadLetterQueueUrl!.Value).toEqual({ Ref: ids.dlq });
  });
});
