/**
 * S3's object semantics, reproduced by the local implementations so that code tested on memory or a folder
 * behaves the same on a bucket: ETags, key order, metadata rules.
 */
import { hash } from 'node:crypto';
import type { PutOptions } from './storage.ts';
import { HeraldError } from '../errors.ts';

const encoder = new TextEncoder();

export function toBytes(body: Uint8Array | string): Uint8Array {
  return typeof body === 'string' ? encoder.encode(body) : body;
}

/**
 * S3's ETag for a single-part upload: the quoted MD5 of the bytes. Using the same function everywhere means
 * an object has the same ETag on memory, a folder and a bucket. MD5 is only a change detector here.
 */
export function etagOf(bytes: Uint8Array): string {
  // One call rather than a Hash object: a tenth less per post over a folder of 30,000 (Node 20.12 and later).
  return `"${hash('md5', bytes, 'hex')}"`;
}

/**
 * A name as case- and normalization-insensitive file systems (APFS, NTFS) compare it, or stricter (NFKC also
 * maps compatibility forms such as fullwidth letters): what a guard compares reserved names with.
 */
export function foldName(name: string): string {
  return name.normalize('NFKC').toUpperCase().toLowerCase();
}

/**
 * S3 lists keys in UTF-8 byte order, which is UTF-16's (JavaScript's) but where a surrogate (half of a code point
 * above U+FFFF) meets U+E000 to U+FFFF: only there are the keys encoded. Encoding both at every comparison made a
 * listing of 30,000 keys allocate a million buffers.
 */
export function compareKeys(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let index = 0; index < length; index++) {
    const x = a.charCodeAt(index);
    const y = b.charCodeAt(index);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
    return x < y ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

export class InvalidMetadataError extends HeraldError {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidMetadataError';
  }
}

const METADATA_KEY = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;
const METADATA_LIMIT = 2048;

/**
 * Printable ASCII. Node refuses to send a header value outside Latin-1 (`http.validateHeaderValue`: a 500 on
 * every response of `herald serve`), and S3 refuses or garbles anything beyond ASCII: one rule satisfies both.
 */
const HEADER_VALUE = /^[\x20-\x7e]*$/;

/** Why `value` cannot travel as an HTTP header value, or null. */
export function headerValueProblem(value: unknown): string | null {
  if (typeof value !== 'string') return 'must be a string';
  return HEADER_VALUE.test(value) ? null : 'must be printable ASCII (an HTTP header value)';
}

/**
 * Content type, cache control and user metadata travel as HTTP headers (metadata as `x-amz-meta-*`): S3
 * lowercases the names, refuses values beyond ASCII and more than 2 KB of metadata. Every implementation
 * enforces the same rules at `put`, so none of them stores what a bucket, or a server, would fail on later.
 * Returns the normalized metadata.
 */
export function validatePutOptions(options: PutOptions): Record<string, string> {
  for (const name of ['contentType', 'cacheControl'] as const) {
    const value = options[name];
    const problem = value === undefined ? null : headerValueProblem(value);
    if (problem !== null) throw new InvalidMetadataError(`${name} ${problem}, got ${JSON.stringify(value)}`);
  }
  const result: Record<string, string> = {};
  let size = 0;
  for (const [rawKey, value] of Object.entries(options.metadata ?? {})) {
    const key = rawKey.toLowerCase();
    if (!METADATA_KEY.test(key)) throw new InvalidMetadataError(`metadata name ${JSON.stringify(rawKey)} is not an HTTP token`);
    const problem = headerValueProblem(value);
    if (problem !== null) throw new InvalidMetadataError(`metadata ${key} ${problem}, got ${JSON.stringify(value)}`);
    size += key.length + value.length;
    result[key] = value;
  }
  if (size > METADATA_LIMIT) throw new InvalidMetadataError(`metadata is ${size} bytes; S3 allows ${METADATA_LIMIT}`);
  return result;
}
