/**
 * One storage interface for content, feeds and state. Keys are `/`-separated, never start with `/`.
 * Implementations: `fs/` (a folder), `s3/` (a bucket and prefix), `memory/` (tests).
 */
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
  /** Metadata only; `null` when the key does not exist. */
  head(key: string): Promise<(Omit<StoredObject, 'body'> & { size: number }) | null>;
  /** Returns the new ETag. Throws `PreconditionFailedError` when a condition does not hold. */
  put(key: string, body: Uint8Array | string, options?: PutOptions): Promise<{ etag: string }>;
  /** Deleting a missing key is not an error. */
  delete(key: string): Promise<void>;
  /** Every key under `prefix`, in ascending key order. */
  list(prefix?: string): AsyncIterable<ObjectInfo>;
}

/** A conditional write lost: re-read and retry. S3 answers 412 (or 409 for a concurrent conditional write). */
export class PreconditionFailedError extends Error {
  constructor(readonly key: string) {
    super(`precondition failed for ${key}`);
    this.name = 'PreconditionFailedError';
  }
}
