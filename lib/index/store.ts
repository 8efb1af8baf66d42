import { etagOf, toBytes } from '../storage/semantics.ts';
import { PreconditionFailedError, type Storage } from '../storage/storage.ts';
import { HeraldError } from '../errors.ts';

/** A JSON object of the index with the ETag it was read at: the condition for writing it back. */
export interface Versioned<T> {
  value: T;
  etag: string;
}

const decoder = new TextDecoder();

export async function readJson<T>(storage: Storage, key: string): Promise<Versioned<T> | null> {
  const object = await storage.get(key);
  return object ? { value: JSON.parse(decoder.decode(object.body)) as T, etag: object.etag } : null;
}

/**
 * Writes only over the version that was read (`etag`), or only where nothing exists (`null`): a concurrent
 * writer makes this throw `PreconditionFailedError` instead of being silently overwritten.
 *
 * A write whose reply was lost (a reset connection, a timeout) is sent again by the SDK, and that second
 * request is refused by the first one's success. Taken for a lost race, it sent runs back to re-read and
 * rewrite forever, and made `regenerate` delete the shards of a manifest that had in fact landed. So a
 * refusal is checked once: if the object now holds exactly these bytes (its ETag is their MD5, as S3 gives
 * for a single-part upload), the write held. Equal bytes from another writer are the same state, so
 * either way the caller's transition is done.
 */
export async function writeJson(storage: Storage, key: string, value: unknown, over: string | null): Promise<string> {
  const condition = over === null ? { ifNoneMatch: '*' as const } : { ifMatch: over };
  const body = toBytes(JSON.stringify(value));
  try {
    return (await storage.put(key, body, { contentType: 'application/json', ...condition })).etag;
  } catch (error) {
    if (!(error instanceof PreconditionFailedError)) throw error;
    const current = await storage.head(key);
    if (current?.etag === etagOf(body)) return current.etag;
    throw error;
  }
}

/** Lost the same conditional write too often: the caller reports its keys as failed, to be retried later. */
export class ContentionError extends HeraldError {
  constructor(
    readonly key: string,
    attempts: number,
  ) {
    super(`${key}: still changing under concurrent writers after ${attempts} attempts`);
    this.name = 'ContentionError';
  }
}

export interface RetryOptions {
  attempts?: number;
  /** First backoff; each retry doubles it, and the wait is drawn uniformly below it ("full jitter"). */
  baseMs?: number;
  maxMs?: number;
}

/**
 * Runs a read-modify-write transaction until its conditional write holds. `attempt` must re-read
 * everything it depends on: a retry starts from the state the winner left. Other errors propagate at once.
 */
export async function retryOnConflict<T>(attempt: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const { attempts = 8, baseMs = 10, maxMs = 1_000 } = options;
  for (let tried = 1; ; tried++) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof PreconditionFailedError) && !(error instanceof StaleReadError)) throw error;
      if (tried >= attempts) throw new ContentionError(error.key, attempts);
      const ceiling = Math.min(maxMs, baseMs * 2 ** (tried - 1));
      await new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
    }
  }
}

/** A transaction read an object that a concurrent writer had already replaced: start it again. */
export class StaleReadError extends HeraldError {
  constructor(readonly key: string) {
    super(`${key} changed while it was being read`);
    this.name = 'StaleReadError';
  }
}
