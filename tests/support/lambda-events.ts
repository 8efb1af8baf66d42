/**
 * Lambda events shaped as AWS sends them, for unit tests of the handlers (integration tests get theirs from
 * moto). Keys are URL-encoded the way S3 encodes them in notifications: `+` for a space.
 */
import type { S3Event, S3EventRecord, SQSEvent } from 'aws-lambda';

export function encodeS3Key(key: string): string {
  return encodeURIComponent(key).replace(/%20/g, '+').replace(/%2F/g, '/');
}

export function s3Record(eventName: string, bucket: string, key: string, sequencer?: string): S3EventRecord {
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: 'us-east-1',
    eventTime: '2025-01-01T00:00:00.000Z',
    eventName: eventName as S3EventRecord['eventName'],
    userIdentity: { principalId: 'test' },
    requestParameters: { sourceIPAddress: '127.0.0.1' },
    responseElements: { 'x-amz-request-id': 'test', 'x-amz-id-2': 'test' },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 'test',
      bucket: { name: bucket, ownerIdentity: { principalId: 'test' }, arn: `arn:aws:s3:::${bucket}` },
      object: { key: encodeS3Key(key), size: 1, eTag: 'x', sequencer: sequencer ?? '0' },
    },
  };
}

export function s3Event(...records: S3EventRecord[]): S3Event {
  return { Records: records };
}

/** One SQS message per body (an S3 event, or any string), with ids `m0`, `m1`, ... */
export function sqsEvent(...bodies: (S3Event | string)[]): SQSEvent {
  return {
    Records: bodies.map((body, i) => ({
      messageId: `m${i}`,
      receiptHandle: `r${i}`,
      body: typeof body === 'string' ? body : JSON.stringify(body),
      attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 'test', ApproximateFirstReceiveTimestamp: '0' },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:events',
      awsRegion: 'us-east-1',
    })),
  };
}

export const TEST_EVENT = JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: 'content', RequestId: 'x' });
