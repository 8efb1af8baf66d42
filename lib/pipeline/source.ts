import type { SiteConfig } from '../config.ts';
import { parsePost, tooLargeError } from '../post/parse.ts';
import { PostError, type ParseResult } from '../post/types.ts';
import { InvalidKeyError, type Storage } from '../storage/storage.ts';

/** A content object as the pipeline sees it: the ETag it was read at and what its bytes make. */
export interface Source {
  etag: string;
  parsed: ParseResult;
}

/** A content object's bytes and the ETag they were read at, still to be parsed; or what its key or size alone decide. */
export type Fetched = { etag: string; body: Uint8Array } | Source;

/**
 * Reads and parses the post under `key`; `null` when there is none. A post larger than `maxPostBytes` is
 * rejected from its size alone: its bytes are never read, so one huge upload cannot exhaust a Lambda's memory
 * and fail the batch it came in. A key a folder cannot hold (`..` segments, from an S3 event) is rejected too.
 */
export async function readSource(content: Storage, key: string, site: SiteConfig): Promise<Source | null> {
  const fetched = await fetchSource(content, key, site);
  return fetched && 'body' in fetched ? { etag: fetched.etag, parsed: parsePost(key, fetched.body, site) } : fetched;
}

/** `readSource` without the parsing, for a caller that parses elsewhere (a full build's worker threads). */
export async function fetchSource(content: Storage, key: string, site: SiteConfig): Promise<Fetched | null> {
  let object: Awaited<ReturnType<Storage['get']>>;
  try {
    object = await content.get(key, { maxBytes: site.maxPostBytes });
  } catch (error) {
    if (!(error instanceof InvalidKeyError)) throw error;
    return { etag: '', parsed: { status: 'rejected', error: new PostError(key, error.message) } };
  }
  if (object === null) return null;
  if ('oversized' in object) return { etag: object.etag, parsed: { status: 'rejected', error: tooLargeError(key, object.size, site) } };
  return { etag: object.etag, body: object.body };
}
