// Properties of S3 event decoding (issue 9): any event, body or key is decoded or reported, never thrown,
// except a whole event that is no S3, SQS or SNS event (UnsupportedEventError, as documented); a key encoded
// the way S3 encodes notification keys decodes back to itself; coalescing keeps one entry per bucket and key.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type S3Change, UnsupportedEventError, coalesce, decodeEvent, decodeKey } from '../../../lib/aws/s3-events.ts';
import { compareKeys } from '../../../lib/storage/semantics.ts';
import { encodeS3Key, s3Event, s3Record, sqsEvent } from '../../support/lambda-events.ts';

/** Ill-formed UTF-16 (String.prototype.isWellFormed is ES2024, beyond the project's lib). */
const LONE_SURROGATE = /\p{Cs}/u;
const RUNS = { numRuns: 300, seed: 9 };

/**
 * S3's notification encoding: "URL encoded ... `red flower.jpg` becomes `red+flower.jpg`", as
 * application/x-www-form-urlencoded (Java's URLEncoder: letters, digits and `.-*_` kept, `/` encoded too, as
 * moto_server and S3 send it).
 */
function formEncode(key: string): string {
  let out = '';
  for (const byte of new TextEncoder().encode(key)) {
    const char = String.fromCharCode(byte);
    if (/[A-Za-z0-9.\-*_]/.test(char)) out += char;
    else if (char === ' ') out += '+';
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

const keyChar = fc.oneof(
  fc.constantFrom('+', '%', ' ', '/', '%2B', '%20', '~', '中', '😀', '\u0000', '\u007f'),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
);
const objectKey = fc.string({ unit: keyChar, minLength: 1, maxLength: 30 });
/** Encoded keys as they might arrive, malformed escapes included. */
const rawKey = fc.oneof(
  objectKey.map(formEncode),
  objectKey,
  fc.string({ unit: fc.constantFrom('%', '%E4', '%B8', '%ED%A0%80', '%zz', '%2', '+', 'a', '/', '%C0%AF'), maxLength: 10 }),
);

/** Records with any fields missing or of the wrong type. */
const looseRecord = fc.record(
  {
    eventSource: fc.oneof(fc.constantFrom('aws:s3', 'aws:sqs'), fc.anything()),
    EventSource: fc.oneof(fc.constant('aws:sns'), fc.anything()),
    eventName: fc.oneof(
      fc.constantFrom('ObjectCreated:Put', 's3:ObjectRemoved:Delete', 'LifecycleExpiration:Delete', 'ObjectRestore:Post'),
      fc.anything(),
    ),
    messageId: fc.oneof(fc.string(), fc.anything()),
    body: fc.oneof(fc.string(), fc.json(), fc.anything()),
    Sns: fc.record({ Message: fc.oneof(fc.string(), fc.json(), fc.anything()) }, { requiredKeys: [] }),
    s3: fc.record(
      {
        bucket: fc.record({ name: fc.oneof(fc.string(), fc.anything()) }, { requiredKeys: [] }),
        object: fc.record(
          {
            key: fc.oneof(rawKey, fc.anything()),
            sequencer: fc.oneof(fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF') }), fc.anything()),
          },
          { requiredKeys: [] },
        ),
      },
      { requiredKeys: [] },
    ),
  },
  { requiredKeys: [] },
);

const anyEvent = fc.oneof(
  fc.anything(),
  fc.jsonValue(),
  fc.record({ Records: fc.array(fc.oneof(looseRecord, fc.anything()), { maxLength: 4 }) }),
  fc
    .array(
      fc.oneof(
        looseRecord.map((r) => JSON.stringify(r) ?? ''),
        fc.string(),
        fc.json(),
      ),
      { maxLength: 4 },
    )
    .map((bodies) => sqsEvent(...bodies)),
);

describe('decodeEvent', () => {
  it('never throws on any event but UnsupportedEventError, and only for an event with no Records', () => {
    fc.assert(
      fc.property(anyEvent, (event) => {
        let decoded: ReturnType<typeof decodeEvent>;
        try {
          decoded = decodeEvent(event);
        } catch (error) {
          expect(error).toBeInstanceOf(UnsupportedEventError);
          expect(Array.isArray((event as { Records?: unknown } | null)?.Records)).toBe(false);
          return;
        }
        for (const change of decoded.changes) {
          expect(typeof change.bucket).toBe('string');
          expect(change.key).not.toMatch(LONE_SURROGATE);
          expect(['upsert', 'remove']).toContain(change.kind);
        }
      }),
      RUNS,
    );
  });

  it('gives back any key S3 encodes, directly, through SQS and through an SNS envelope', () => {
    fc.assert(
      fc.property(objectKey, fc.constantFrom(formEncode, encodeS3Key), (key, encode) => {
        const record = s3Record('ObjectCreated:Put', 'content', 'placeholder');
        record.s3.object.key = encode(key);
        const notification = s3Event(record);
        const envelope = JSON.stringify({ Type: 'Notification', Message: JSON.stringify(notification) });
        for (const event of [notification, sqsEvent(notification), sqsEvent(envelope)]) {
          expect(decodeEvent(event).changes.map((change) => change.key)).toEqual([key]);
        }
      }),
      RUNS,
    );
  });
});

describe('decodeKey', () => {
  it('inverts S3’s encoding, and on anything else returns a well-formed string or throws URIError', () => {
    fc.assert(
      fc.property(objectKey, rawKey, (key, raw) => {
        expect(decodeKey(formEncode(key))).toBe(key);
        try {
          expect(decodeKey(raw)).not.toMatch(LONE_SURROGATE);
        } catch (error) {
          expect(error).toBeInstanceOf(URIError);
        }
      }),
      RUNS,
    );
  });
});

describe('coalesce', () => {
  const change: fc.Arbitrary<S3Change> = fc.record(
    {
      // Few characters, NUL among them, so that buckets and keys overlap in every way.
      bucket: fc.string({ unit: fc.constantFrom('a', 'b', '\u0000'), maxLength: 3 }),
      key: fc.string({ unit: fc.constantFrom('a', 'b', '\u0000', '/'), maxLength: 3 }),
      kind: fc.constantFrom('upsert', 'remove'),
      eventName: fc.constantFrom('ObjectCreated:Put', 'ObjectRemoved:Delete'),
      sequencer: fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF'), minLength: 1, maxLength: 20 }),
      messageId: fc.constantFrom('m0', 'm1', 'm2'),
    },
    { requiredKeys: ['bucket', 'key', 'kind', 'eventName'] },
  );

  it('keeps exactly one entry per bucket and key, sorted, each with every message that named it', () => {
    fc.assert(
      fc.property(fc.array(change, { maxLength: 12 }), (changes) => {
        const result = coalesce(changes);
        const pairs = new Set(changes.map((c) => JSON.stringify([c.bucket, c.key])));
        expect(result.map((c) => JSON.stringify([c.bucket, c.key])).sort()).toEqual([...pairs].sort());
        const sorted = [...result].sort((a, b) => compareKeys(a.bucket, b.bucket) || compareKeys(a.key, b.key));
        expect(result).toEqual(sorted);
        for (const entry of result) {
          const ids = changes
            .filter((c) => c.bucket === entry.bucket && c.key === entry.key && c.messageId !== undefined)
            .map((c) => c.messageId);
          expect(new Set(entry.messageIds)).toEqual(new Set(ids));
        }
      }),
      RUNS,
    );
  });

  it('keeps apart a bucket and key that a NUL separator would join (found by the property)', () => {
    const changes: S3Change[] = [
      { bucket: '', key: '\u0000/', kind: 'upsert', eventName: 'ObjectCreated:Put' },
      { bucket: '\u0000', key: '/', kind: 'upsert', eventName: 'ObjectCreated:Put' },
    ];
    expect(coalesce(changes).map((c) => [c.bucket, c.key])).toEqual([
      ['', '\u0000/'],
      ['\u0000', '/'],
    ]);
  });
});
