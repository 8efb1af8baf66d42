import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership, type BucketProps } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export interface BucketsProps {
  /** Days an overwritten or deleted post version is kept; 0 keeps every version forever. */
  noncurrentVersionDays: number;
}

/** The content bucket (authors write posts here) and the feeds bucket (the pipeline writes feeds and its index). */
export class Buckets extends Construct {
  readonly content: Bucket;
  readonly feeds: Bucket;

  constructor(scope: Construct, id: string, props: BucketsProps) {
    super(scope, id);
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
}
