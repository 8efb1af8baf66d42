import { createHash } from 'node:crypto';
import { joinChunks } from './feeds/document.ts';
import type { RenderedFile } from './feeds/types.ts';
import { toBytes } from './storage/semantics.ts';
import type { Storage } from './storage/storage.ts';

/** Object metadata holding the SHA-256 of the bytes (`x-amz-meta-sha256` on S3). */
export const HASH_METADATA = 'sha256';

/**
 * Object metadata naming what a feed file was rendered from (`documentInput`, lib/pipeline/outputs.ts): a rebuild
 * that finds it on every file of a document, with the headers it would write, need not render the document.
 */
export const INPUT_METADATA = 'input';

/** What `head` answers. */
export type StoredHead = Awaited<ReturnType<Storage['head']>>;

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A file as written: its bytes and their SHA-256, computed once (in a full build, by the worker thread that rendered it). */
export interface EncodedFile {
  path: string;
  contentType: string;
  bytes: Uint8Array;
  sha256: string;
  /** When not the site's: a sealed archive page's. */
  cacheControl?: string;
  /** What the file was rendered from (`INPUT_METADATA`), when the writer knows it. */
  input?: string;
}

export function encodeFile(file: RenderedFile | EncodedFile): EncodedFile {
  if ('bytes' in file) return file;
  const bytes = file.chunks ? joinChunks(file.chunks) : toBytes(file.body);
  const encoded: EncodedFile = { path: file.path, contentType: file.contentType, bytes, sha256: sha256Hex(bytes) };
  if (file.cacheControl !== undefined) encoded.cacheControl = file.cacheControl;
  if (file.input !== undefined) encoded.input = file.input;
  return encoded;
}

/**
 * Writes `file` unless the stored object already has these bytes and headers, so unchanged feeds keep their
 * ETag and Last-Modified and pollers keep getting 304s. One HEAD decides. The hash lives in metadata because
 * an S3 ETag is the MD5 of the bytes only for single-part uploads without SSE-KMS or SSE-C encryption.
 *
 * The write is conditional on what the HEAD saw (`ifMatch` its ETag, or `ifNoneMatch: '*'` when absent): if
 * another writer got in between, this throws `PreconditionFailedError` instead of silently replacing its
 * bytes; re-render and call again.
 */
export async function writeIfChanged(
  storage: Storage,
  rendered: RenderedFile | EncodedFile,
  cacheControl: string,
  /** What a HEAD of the file answered already. */
  head?: StoredHead,
): Promise<'written' | 'unchanged'> {
  const file = encodeFile(rendered);
  const current = head === undefined ? await storage.head(file.path) : head;
  // Equal bytes and headers: not written again for its input alone, which would change its Last-Modified.
  if (isStored(current, file, cacheControl)) return 'unchanged';
  await storage.put(file.path, file.bytes, {
    contentType: file.contentType,
    cacheControl,
    metadata: metadataOf(file),
    ...(current === null ? { ifNoneMatch: '*' as const } : { ifMatch: current.etag }),
  });
  return 'written';
}

function metadataOf({ sha256, input }: EncodedFile): Record<string, string> {
  return input === undefined ? { [HASH_METADATA]: sha256 } : { [HASH_METADATA]: sha256, [INPUT_METADATA]: input };
}

/** The stored file (a HEAD) was rendered from `input` and has the headers it would be written with now. */
export function renderedFrom(current: StoredHead, input: string, contentType: string, cacheControl: string): boolean {
  return storedAs(current, INPUT_METADATA, input, contentType, cacheControl);
}

/** The stored object (a HEAD) holds these bytes with these headers. */
function isStored(current: StoredHead, file: EncodedFile, cacheControl: string): boolean {
  return storedAs(current, HASH_METADATA, file.sha256, file.contentType, cacheControl);
}

/** The stored object (a HEAD) carries `value` in metadata `name`, and these headers. */
function storedAs(current: StoredHead, name: string, value: string, contentType: string, cacheControl: string): boolean {
  return (
    current !== null && current.metadata[name] === value && current.contentType === contentType && current.cacheControl === cacheControl
  );
}

/** Whether every file is stored as it is, with its own Cache-Control or else `cacheControl`: a HEAD each, no write. */
export async function allStored(storage: Storage, files: (RenderedFile | EncodedFile)[], cacheControl: string): Promise<boolean> {
  const found = await Promise.all(
    files.map(async (rendered) => {
      const file = encodeFile(rendered);
      return isStored(await storage.head(file.path), file, file.cacheControl ?? cacheControl);
    }),
  );
  return found.every(Boolean);
}

/**
 * Writes `file` without looking first: for a caller that knows its bytes differ from what was there (an
 * incremental run whose feed's newest items changed), so a HEAD would only confirm it. Should the bytes be
 * equal after all, S3 keeps the ETag (the MD5 of the bytes), so pollers still get their 304s. Unconditional:
 * the caller checks afterwards that what it rendered is still current, and renders again if not.
 */
export async function writeFile(storage: Storage, rendered: RenderedFile | EncodedFile, cacheControl: string): Promise<'written'> {
  const file = encodeFile(rendered);
  await storage.put(file.path, file.bytes, { contentType: file.contentType, cacheControl, metadata: metadataOf(file) });
  return 'written';
}
