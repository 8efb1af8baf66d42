import { describe, expect, it } from 'vitest';
import { UnsupportedEventError, classify, coalesce, compareSequencers, decodeEvent, type S3Change } from '../../../lib/aws/s3-events.ts';

/** An S3 event record as S3 writes it (notification structure 2.1); `key` already URL-encoded. */
function s3Record(eventName: string, key: string, extra: { bucket?: string; sequencer?: string } = {}) {
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: 'us-east-1',
    eventTime: '2025-02-12T13:15:03.000Z',
    eventName,
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 'posts',
      bucket: { name: extra.bucket ?? 'content', arn: `arn:aws:s3:::${extra.bucket ?? 'content'}` },
      object: { key, size: 10, eTag: 'abc', ...(extra.sequencer && { sequencer: extra.sequencer }) },
    },
  };
}

function sqsRecord(messageId: string, body: string) {
  return {
    messageId,
    receiptHandle: `handle-${messageId}`,
    body,
    attributes: {},
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:herald',
    awsRegion: 'us-east-1',
  };
}

const sqsEvent = (...records: ReturnType<typeof sqsRecord>[]) => ({ Records: records });
const notification = (...records: ReturnType<typeof s3Record>[]) => JSON.stringify({ Records: records });

describe('decodeEvent', () => {
  it('decodes a plain S3 event: keys URL-decoded with + as a space and %2B as a plus', () => {
    const sequencer = '0055AED6DCD90281E5';
    const decoded = decodeEvent({
      Records: [s3Record('ObjectCreated:Put', 'posts/hello+world%2B1/%E4%B8%AD%E6%96%87.md', { sequencer })],
    });
    expect(decoded).toEqual({
      changes: [{ bucket: 'content', key: 'posts/hello world+1/中文.md', kind: 'upsert', eventName: 'ObjectCreated:Put', sequencer }],
      malformed: [],
      ignored: [],
    });
  });

  it('decodes SQS bodies, keeping each record’s messageId', () => {
    const decoded = decodeEvent(
      sqsEvent(
        sqsRecord('m1', notification(s3Record('ObjectCreated:Put', 'posts/a.md'), s3Record('ObjectRemoved:Delete', 'posts/b.md'))),
        sqsRecord('m2', notification(s3Record('LifecycleExpiration:Delete', 'posts/c.md'))),
      ),
    );
    expect(decoded.changes.map((c) => [c.messageId, c.key, c.kind])).toEqual([
      ['m1', 'posts/a.md', 'upsert'],
      ['m1', 'posts/b.md', 'remove'],
      ['m2', 'posts/c.md', 'remove'],
    ]);
  });

  it('decodes the body moto_server (and S3) puts on the queue: slashes encoded too', () => {
    // Captured from moto 5.2.1 for the key `posts/a b+c/中文.md`.
    const body =
      '{"Records": [{"eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1", "eventTime": "2026-11-29T04:59:58.617344", "eventName": "ObjectCreated:Put", "s3": {"s3SchemaVersion": "1.0", "configurationId": "vbH562pHBnuxpXEziZP6yjELBdlDHABcOrOWH5c1m15l4NXIIM", "bucket": {"name": "content", "arn": "arn:aws:s3:::content"}, "object": {"key": "posts%2Fa+b%2Bc%2F%E4%B8%AD%E6%96%87.md", "size": 1, "eTag": "9dd4e461268c8034f5c8564e155c67a6"}}}]}';
    expect(decodeEvent(sqsEvent(sqsRecord('m1', body))).changes).toEqual([
      { bucket: 'content', key: 'posts/a b+c/中文.md', kind: 'upsert', eventName: 'ObjectCreated:Put', messageId: 'm1' },
    ]);
  });

  it('ignores s3:TestEvent, in a queue message or on its own', () => {
    const test = JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent', Time: '2025-02-12T13:15:03.000Z', Bucket: 'content' });
    expect(decodeEvent(sqsEvent(sqsRecord('m1', test)))).toEqual({
      changes: [],
      malformed: [],
      ignored: [{ messageId: 'm1', eventName: 's3:TestEvent' }],
    });
    expect(decodeEvent(JSON.parse(test)).ignored).toEqual([{ eventName: 's3:TestEvent' }]);
  });

  it('unwraps SNS: an SNS event, and an SNS envelope in an SQS body (raw delivery off)', () => {
    const inner = notification(s3Record('ObjectCreated:Copy', 'posts/x%20y.md'));
    const envelope = JSON.stringify({ Type: 'Notification', MessageId: 'sns-1', TopicArn: 'arn:aws:sns:us-east-1:1:t', Message: inner });
    expect(decodeEvent(sqsEvent(sqsRecord('m1', envelope))).changes).toMatchObject([{ key: 'posts/x y.md', messageId: 'm1' }]);
    const snsEvent = { Records: [{ EventSource: 'aws:sns', EventVersion: '1.0', Sns: { Type: 'Notification', Message: inner } }] };
    expect(decodeEvent(snsEvent).changes).toMatchObject([{ key: 'posts/x y.md', kind: 'upsert' }]);
  });

  it('reports malformed messages and records by messageId and still decodes the rest', () => {
    const decoded = decodeEvent(
      sqsEvent(
        sqsRecord('not-json', 'hello'),
        sqsRecord('not-s3', '{"detail-type":"Scheduled Event"}'),
        sqsRecord('no-key', notification({ ...s3Record('ObjectCreated:Put', 'x'), s3: { bucket: { name: 'content' } } } as never)),
        sqsRecord('bad-escape', notification(s3Record('ObjectCreated:Put', 'posts/100%.md'), s3Record('ObjectCreated:Put', 'posts/ok.md'))),
        sqsRecord('good', notification(s3Record('ObjectRemoved:DeleteMarkerCreated', 'posts/gone.md'))),
      ),
    );
    expect(decoded.malformed.map((m) => m.messageId)).toEqual(['not-json', 'not-s3', 'no-key', 'bad-escape']);
    expect(decoded.malformed[0]!.reason).toMatch(/not JSON: "hello"/);
    expect(decoded.malformed[3]!.reason).toMatch(/not valid URL encoding: "posts\/100%.md"/);
    expect(decoded.changes.map((c) => [c.messageId, c.key, c.kind])).toEqual([
      ['bad-escape', 'posts/ok.md', 'upsert'],
      ['good', 'posts/gone.md', 'remove'],
    ]);
  });

  it('throws on an event that is none of S3, SQS or SNS (a schedule event sent to the wrong function)', () => {
    expect(() => decodeEvent({ 'detail-type': 'Scheduled Event', source: 'aws.events' })).toThrow(UnsupportedEventError);
    expect(() => decodeEvent({})).toThrow(UnsupportedEventError);
    expect(() => decodeEvent(null)).toThrow(UnsupportedEventError);
  });
});

describe('classify', () => {
  it.each([
    ['ObjectCreated:Put', 'upsert'],
    ['ObjectCreated:Post', 'upsert'],
    ['ObjectCreated:Copy', 'upsert'],
    ['ObjectCreated:CompleteMultipartUpload', 'upsert'],
    ['s3:ObjectCreated:Put', 'upsert'],
    ['ObjectRemoved:Delete', 'remove'],
    ['ObjectRemoved:DeleteMarkerCreated', 'remove'],
    ['LifecycleExpiration:Delete', 'remove'],
    ['LifecycleExpiration:DeleteMarkerCreated', 'remove'],
    ['ObjectRestore:Completed', null],
    ['ObjectTagging:Put', null],
    ['ObjectAcl:Put', null],
    ['LifecycleTransition', null],
    ['Replication:OperationFailedReplication', null],
    ['ReducedRedundancyLostObject', null],
  ])('%s => %s', (eventName, kind) => {
    expect(classify(eventName)).toBe(kind);
  });

  it('reports ignored event types without failing the message', () => {
    const decoded = decodeEvent(sqsEvent(sqsRecord('m1', notification(s3Record('ObjectTagging:Put', 'posts/a.md')))));
    expect(decoded).toEqual({ changes: [], malformed: [], ignored: [{ messageId: 'm1', eventName: 'ObjectTagging:Put' }] });
  });
});

describe('compareSequencers', () => {
  it('compares hex values of different lengths as numbers', () => {
    expect(compareSequencers('0055AED6DCD90281E5', '0055AED6DCD90281E6')).toBe(-1);
    expect(compareSequencers('FF', '0100')).toBe(-1);
    expect(compareSequencers('0100', 'FF')).toBe(1);
    expect(compareSequencers('00ff', 'FF')).toBe(0);
  });
});

describe('coalesce', () => {
  const change = (key: string, kind: S3Change['kind'], messageId: string, sequencer?: string): S3Change => ({
    bucket: 'content',
    key,
    kind,
    eventName: kind === 'upsert' ? 'ObjectCreated:Put' : 'ObjectRemoved:Delete',
    messageId,
    ...(sequencer && { sequencer }),
  });

  it('keeps one entry per key with the messageIds of all its records, duplicates included once', () => {
    const changes = [
      change('posts/a.md', 'upsert', 'm1'),
      change('posts/b.md', 'upsert', 'm1'),
      change('posts/a.md', 'upsert', 'm2'),
      change('posts/a.md', 'upsert', 'm2'),
    ];
    expect(coalesce(changes)).toEqual([
      { bucket: 'content', key: 'posts/a.md', kind: 'upsert', eventName: 'ObjectCreated:Put', messageIds: ['m1', 'm2'] },
      { bucket: 'content', key: 'posts/b.md', kind: 'upsert', eventName: 'ObjectCreated:Put', messageIds: ['m1'] },
    ]);
  });

  it('takes the latest record by sequencer, whatever order they arrived in', () => {
    const created = change('posts/a.md', 'upsert', 'm1', '0055AED6DCD90281E5');
    const removed = change('posts/a.md', 'remove', 'm2', '0055AED6DCD90281F0');
    const inOrder = coalesce([created, removed]);
    expect(inOrder).toMatchObject([{ kind: 'remove', sequencer: '0055AED6DCD90281F0' }]);
    expect(coalesce([removed, created])).toMatchObject([{ kind: 'remove', messageIds: ['m2', 'm1'] }]);
  });

  it('takes the later record in the batch when sequencers are missing (moto sends none)', () => {
    const changes = [change('posts/a.md', 'upsert', 'm1'), change('posts/a.md', 'remove', 'm2')];
    expect(coalesce(changes)).toMatchObject([{ kind: 'remove', messageIds: ['m1', 'm2'] }]);
  });

  it('keeps equal keys in different buckets apart and sorts by bucket, then key bytes', () => {
    const other = { ...change('posts/a.md', 'upsert', 'm3'), bucket: 'archive' };
    const coalesced = coalesce([change('posts/😀.md', 'upsert', 'm1'), change('posts/ｚ.md', 'upsert', 'm2'), other]);
    expect(coalesced.map((c) => `${c.bucket}:${c.key}`)).toEqual(['archive:posts/a.md', 'content:posts/ｚ.md', 'content:posts/😀.md']);
  });
});
