/**
 * One storage interface for content, feeds and state. Keys are `/`-separated, never start with `/`.
 * Implementations: `fs/` (a folder), `s3/` (a bucket and prefix), `memory/` (tests).
 */
import { HeraldError } from '../errors.ts';
export interface StoredObject {
  body: Uint8Array;
  etag: string;
  contentType?: string;
  cacheControl?: string;
  lastModified?: Date;
  metadata: Record<string, string>;
}

export interface ObjectInfo {
  key: string;
  etag: string;
  size: number;
  lastModified?: Date;
}

export interface GetOptions {
  /** Larger objects are answered as an `OversizedObject`: their size is checked before any byte is read. */
  maxBytes?: number;
}

/** What `get` answers for an object larger than its `maxBytes`: enough to name and track it, never its bytes. */
export interface OversizedObject {
  oversized: true;
  etag: string;
  size: number;
}

export interface ListOptions {
  /**
   * Told about each name the listing skips because no object can be read under it (a symbolic link loop, a
   * link leading out of the storage): bad input to report, not a reason to stop.
   */
  onUnreadable?: (key: string, reason: string) => void;
}

export interface PutOptions {
  contentType?: string;
  cacheControl?: string;
  metadata?: Record<string, string>;
  /** Write only if the current object has this ETag. */
  ifMatch?: string;
  /** Write only if no object exists under the key. */
  ifNoneMatch?: '*';
}

export interface Storage {
  /** `null` when the key does not exist. */
  get(key: string): Promise<StoredObject | null>;
  get(key: string, options: GetOptions): Promise<StoredObject | OversizedObject | null>;
  /** Metadata only; `null` when the key does not exist. */
  head(key: string): Promise<(Omit<StoredObject, 'body'> & { size: number }) | null>;
  /** Returns the new ETag. Throws `PreconditionFailedError` when a condition does not hold. */
  put(key: string, body: Uint8Array | string, options?: PutOptions): Promise<{ etag: string }>;
  /** Deleting a missing key is not an error. */
  delete(key: string): Promise<void>;
  /** Every key under `prefix`, in ascending key order. */
  list(prefix?: string, options?: ListOptions): AsyncIterable<ObjectInfo>;
}

/** The keys under `prefix`, without their ETags: a listing's may cost a hash each (`MemoryStorage`, a folder). */
export async function listKeys(storage: Storage, prefix: string): Promise<Set<string>> {
  const keys = new Set<string>();
  for await (const { key } of storage.list(prefix)) keys.add(key);
  return keys;
}

/** A conditional write lost: re-read and retry. S3 answers 412 (or 409 for a concurrent conditional write). */
export class PreconditionFailedError extends HeraldError {
  constructor(readonly key: string) {
    super(`precondition failed for ${key}`);
    this.name = 'PreconditionFailedError';
  }
}

/** A key this storage cannot hold (a folder refuses `..` segments, for one): bad input, not a fault. */
export class InvalidKeyError extends HeraldError {
  constructor(
    readonly key: string,
    reason: string,
  ) {
    super(`invalid storage key ${JSON.stringify(key)}: ${reason}`);
    this.name = 'InvalidKeyError';
  }
}
