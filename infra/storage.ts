import { Aspects, CfnResource, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { type CfnRole, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership, type BucketProps } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export interface BucketsProps {
  /** Days an overwritten or deleted post version is kept; 0 keeps every version forever. */
  noncurrentVersionDays: number;
  /** Logs of the CDK's bucket-notifications handler. */
  logRetention: RetentionDays;
}

/** How the CDK names the stack-wide construct holding the Lambda behind `Custom::S3BucketNotifications`. */
const NOTIFICATIONS_HANDLER_ID = 'BucketNotificationsHandler';

/** The content bucket (authors write posts here) and the feeds bucket (the pipeline writes feeds and its index). */
export class Buckets extends Construct {
  readonly content: Bucket;
  readonly feeds: Bucket;
  /** Runs the CDK's handler that writes the content bucket's notification configuration. */
  readonly notificationsHandlerRole: Role;
  readonly notificationsHandlerLogs: LogGroup;

  constructor(scope: Construct, id: string, props: BucketsProps) {
    super(scope, id);
    // A notification on the content bucket makes the CDK deploy a function of its own (Python, inline, one per
    // stack). Left alone it runs with AWSLambdaBasicExecutionRole, whose log actions cover every group, and logs
    // to a group Lambda creates on first run, kept forever and left behind by `npm run destroy`.
    this.notificationsHandlerLogs = new LogGroup(this, 'NotificationsHandlerLogs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.notificationsHandlerRole = new Role(this, 'NotificationsHandlerRole', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: 'Herald: the CDK handler that writes the content bucket notification configuration',
    });
    this.notificationsHandlerLogs.grantWrite(this.notificationsHandlerRole);
    // The CDK adds AWSLambdaBasicExecutionRole to the handler's role even when the role is ours, and offers no way
    // to leave it out. What stays is the CDK's own policy: s3:PutBucketNotification on this bucket (no
    // GetBucketNotification: the bucket is ours, so the handler replaces its configuration without reading it).
    (this.notificationsHandlerRole.node.defaultChild as CfnRole).addPropertyDeletionOverride('ManagedPolicyArns');
    this.routeNotificationsHandlerLogs();

    const privateBucket: BucketProps = {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // SSE-S3 needs no key policy and no kms:* grants, so the functions' policies stay S3-only.
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      // `npm run destroy` must never take the authors' posts with it; feeds are rebuilt from them.
      removalPolicy: RemovalPolicy.RETAIN,
    };
    const abortUploads = { abortIncompleteMultipartUploadAfter: Duration.days(7) };
    this.content = new Bucket(this, 'Content', {
      ...privateBucket,
      notificationsHandlerRole: this.notificationsHandlerRole,
      // Versions let an author recover an overwritten or deleted post.
      versioned: true,
      lifecycleRules: [
        props.noncurrentVersionDays > 0
          ? { ...abortUploads, noncurrentVersionExpiration: Duration.days(props.noncurrentVersionDays), expiredObjectDeleteMarker: true }
          : abortUploads,
      ],
    });
    // Not versioned: feeds are rewritten on every change and are derived data; the index uses conditional writes.
    // No event notifications of any kind, so nothing the functions write can trigger them again.
    this.feeds = new Bucket(this, 'Feeds', { ...privateBucket, lifecycleRules: [abortUploads] });
  }

  /**
   * The handler is a raw `AWS::Lambda::Function` (not a `lambda.Function`, so no `logGroup` prop), created by the
   * first `addEventNotification`, in Pipeline: point it at our group once the whole stack exists. Synthesis
   * fails if a CDK upgrade renames it, rather than its logs silently going back to a group without retention.
   */
  private routeNotificationsHandlerLogs(): void {
    const stack = Stack.of(this);
    let routed = 0;
    Aspects.of(stack).add({
      visit: (node) => {
        const holder = node.node.scope;
        if (
          node instanceof CfnResource &&
          node.cfnResourceType === 'AWS::Lambda::Function' &&
          holder?.node.scope === stack &&
          holder.node.id.startsWith(NOTIFICATIONS_HANDLER_ID)
        ) {
          node.addPropertyOverride('LoggingConfig.LogGroup', this.notificationsHandlerLogs.logGroupName);
          routed++;
        }
      },
    });
    const problem = () => `expected one ${NOTIFICATIONS_HANDLER_ID}* function to send to our log group, found ${routed}`;
    this.node.addValidation({ validate: () => (routed === 1 ? [] : [problem()]) });
  }
}
