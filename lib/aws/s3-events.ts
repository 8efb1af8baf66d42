/**
 * S3 event notifications decoded in one place, whatever carried them: a plain S3 event (S3 wired straight to
 * Lambda), an SQS event whose bodies are S3 notifications (the design's path), or SNS in between (an SNS
 * event, or an SNS envelope inside an SQS body when raw delivery is off).
 *
 * Events are hints: the pipeline re-reads every key it is told about, so `kind` only says what the event
 * claimed, and a lost or ignored event is repaired by the scheduled rebuild.
 */
import type { S3Event, SNSEvent, SQSEvent } from 'aws-lambda';
import { compareKeys } from '../storage/semantics.ts';
import { HeraldError } from '../errors.ts';

export type ChangeKind = 'upsert' | 'remove';

export interface S3Change {
  bucket: string;
  /** The object key, URL-decoded (`+` is a space), prefix included. */
  key: string;
  kind: ChangeKind;
  /** Without the `s3:` prefix, e.g. `ObjectCreated:Put`. */
  eventName: string;
  /** Orders events on one key (hex); absent when the sender gives none (moto does not). */
  sequencer?: string;
  /** The SQS message that carried the record, for `batchItemFailures`; absent for direct events. */
  messageId?: string;
}

export interface DecodedEvent {
  changes: S3Change[];
  /**
   * Messages or records that are no S3 notification (not JSON, no key, a key that is not valid URL
   * encoding). The handler logs and drops them rather than reporting them in `batchItemFailures`: the same
   * bytes would fail on every retry, and the scheduled rebuild covers whatever they might have meant.
   */
  malformed: { messageId?: string; reason: string }[];
  /** Understood and irrelevant: `s3:TestEvent`, and event types other than created, removed, expired. */
  ignored: { messageId?: string; eventName: string }[];
}

export class UnsupportedEventError extends HeraldError {
  constructor(reason: string) {
    super(`not an S3, SQS or SNS event: ${reason}`);
    this.name = 'UnsupportedEventError';
  }
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const field = (value: unknown, name: string): unknown => (isObject(value) ? value[name] : undefined);

/** S3 URL-encodes keys in notifications, with `+` for a space (and `%2B` for a plus). */
export function decodeKey(raw: string): string {
  return decodeURIComponent(raw.replace(/\+/g, ' '));
}

export function classify(eventName: string): ChangeKind | null {
  const name = eventName.replace(/^s3:/, '');
  if (name.startsWith('ObjectCreated:')) return 'upsert';
  if (name.startsWith('ObjectRemoved:') || name.startsWith('LifecycleExpiration:')) return 'remove';
  return null;
}

/**
 * Decodes any supported event. Per-message problems land in `malformed`; an event that is none of the
 * supported kinds at all (a schedule event sent to the wrong function) throws `UnsupportedEventError`.
 */
export function decodeEvent(event: S3Event | SQSEvent | SNSEvent | unknown): DecodedEvent {
  const decoded: DecodedEvent = { changes: [], malformed: [], ignored: [] };
  const records = field(event, 'Records');
  if (!Array.isArray(records)) {
    if (field(event, 'Event') === 's3:TestEvent') {
      decoded.ignored.push({ eventName: 's3:TestEvent' });
      return decoded;
    }
    throw new UnsupportedEventError('no Records');
  }
  for (const record of records) {
    if (field(record, 'eventSource') === 'aws:sqs') {
      const messageId = field(record, 'messageId');
      decodeMessage(field(record, 'body'), typeof messageId === 'string' ? messageId : undefined, decoded, true);
    } else if (field(record, 'EventSource') === 'aws:sns') {
      decodeMessage(field(field(record, 'Sns'), 'Message'), undefined, decoded, false);
    } else {
      decodeRecord(record, undefined, decoded);
    }
  }
  return decoded;
}

/** One message body: an S3 notification, S3's test event, or (once) an SNS envelope around either. */
function decodeMessage(body: unknown, messageId: string | undefined, into: DecodedEvent, envelopeAllowed: boolean): void {
  if (typeof body !== 'string') {
    into.malformed.push({ messageId, reason: 'message has no body' });
    return;
  }
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    into.malformed.push({ messageId, reason: `body is not JSON: ${excerpt(body)}` });
    return;
  }
  if (envelopeAllowed && field(value, 'Type') === 'Notification' && typeof field(value, 'Message') === 'string') {
    decodeMessage(field(value, 'Message'), messageId, into, false);
    return;
  }
  if (field(value, 'Event') === 's3:TestEvent') {
    into.ignored.push({ messageId, eventName: 's3:TestEvent' });
    return;
  }
  const records = field(value, 'Records');
  if (!Array.isArray(records)) {
    into.malformed.push({ messageId, reason: `body is not an S3 event notification: ${excerpt(body)}` });
    return;
  }
  for (const record of records) decodeRecord(record, messageId, into);
}

function decodeRecord(record: unknown, messageId: string | undefined, into: DecodedEvent): void {
  const s3 = field(record, 's3');
  const eventName = field(record, 'eventName');
  const bucket = field(field(s3, 'bucket'), 'name');
  const rawKey = field(field(s3, 'object'), 'key');
  if (field(record, 'eventSource') !== 'aws:s3' || typeof eventName !== 'string') {
    into.malformed.push({ messageId, reason: 'record is not an S3 event record' });
    return;
  }
  const kind = classify(eventName);
  if (kind === null) {
    into.ignored.push({ messageId, eventName });
    return;
  }
  if (typeof bucket !== 'string' || typeof rawKey !== 'string' || rawKey === '') {
    into.malformed.push({ messageId, reason: `${eventName} record without bucket name or object key` });
    return;
  }
  let key: string;
  try {
    key = decodeKey(rawKey);
  } catch {
    into.malformed.push({ messageId, reason: `object key is not valid URL encoding: ${excerpt(rawKey)}` });
    return;
  }
  const sequencer = field(field(s3, 'object'), 'sequencer');
  into.changes.push({
    bucket,
    key,
    kind,
    eventName: eventName.replace(/^s3:/, ''),
    ...(typeof sequencer === 'string' && /^[0-9a-f]+$/i.test(sequencer) && { sequencer }),
    ...(messageId !== undefined && { messageId }),
  });
}

function excerpt(text: string): string {
  return JSON.stringify(text.length > 200 ? `${text.slice(0, 200)}…` : text);
}

/** Orders two sequencers of one key: they are hex numbers of varying length. */
export function compareSequencers(a: string, b: string): number {
  const x = BigInt(`0x${a}`);
  const y = BigInt(`0x${b}`);
  return x < y ? -1 : x > y ? 1 : 0;
}

export interface CoalescedChange extends Omit<S3Change, 'messageId'> {
  /** Every SQS message with a record for this key: all of them fail or succeed with it. */
  messageIds: string[];
}

/**
 * One entry per bucket and key, as its latest record says: by sequencer where both records have one, else
 * the one later in the batch. Sorted by bucket and key, so reordered deliveries coalesce identically.
 */
export function coalesce(changes: readonly S3Change[]): CoalescedChange[] {
  const byKey = new Map<string, CoalescedChange>();
  for (const { messageId, ...change } of changes) {
    // Unambiguous for any strings: a decoded key may contain NUL, and a message may name any bucket.
    const id = JSON.stringify([change.bucket, change.key]);
    const current = byKey.get(id);
    const messageIds = [...(current?.messageIds ?? [])];
    if (messageId !== undefined && !messageIds.includes(messageId)) messageIds.push(messageId);
    const newer =
      current === undefined ||
      current.sequencer === undefined ||
      change.sequencer === undefined ||
      compareSequencers(change.sequencer, current.sequencer) >= 0;
    byKey.set(id, newer ? { ...change, messageIds } : { ...current, messageIds });
  }
  return [...byKey.values()].sort((a, b) => compareKeys(a.bucket, b.bucket) || compareKeys(a.key, b.key));
}
