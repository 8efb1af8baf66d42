/**
 * S3's object semantics, reproduced by the local implementations so that code tested on memory or a folder
 * behaves the same on a bucket: ETags, key order, metadata rules.
 */
import { createHash } from 'node:crypto';

const encoder = new TextEncoder();

export function toBytes(body: Uint8Array | string): Uint8Array {
  return typeof body === 'string' ? encoder.encode(body) : body;
}

/**
 * S3's ETag for a single-part upload: the quoted MD5 of the bytes. Using the same function everywhere means
 * an object has the same ETag on memory, a folder and a bucket. MD5 is only a change detector here.
 */
export function etagOf(bytes: Uint8Array): string {
  return `"${createHash('md5').update(bytes).digest('hex')}"`;
}

/** S3 lists keys in UTF-8 byte order, which differs from JavaScript's UTF-16 order above U+FFFF. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

export class InvalidMetadataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidMetadataError';
  }
}

const METADATA_KEY = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;
const METADATA_VALUE = /^[\x20-\x7e]*$/;
const METADATA_LIMIT = 2048;

/**
 * User metadata travels as `x-amz-meta-*` HTTP headers: S3 lowercases the names, garbles non-ASCII values
 * and refuses more than 2 KB. Every implementation enforces the same rules so none of them hides a bug.
 */
export function normalizeMetadata(metadata: Record<string, string> | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  let size = 0;
  for (const [rawKey, value] of Object.entries(metadata ?? {})) {
    const key = rawKey.toLowerCase();
    if (!METADATA_KEY.test(key)) throw new InvalidMetadataError(`metadata name ${JSON.stringify(rawKey)} is not an HTTP token`);
    if (!METADATA_VALUE.test(value)) {
      throw new InvalidMetadataError(`metadata ${key} must be printable ASCII, got ${JSON.stringify(value)}`);
    }
    size += key.length + value.length;
    result[key] = value;
  }
  if (size > METADATA_LIMIT) throw new InvalidMetadataError(`metadata is ${size} bytes; S3 allows ${METADATA_LIMIT}`);
  return result;
}
