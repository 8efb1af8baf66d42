import { createHash } from 'node:crypto';
import type { RenderedFile } from './feeds/types.ts';
import { toBytes } from './storage/semantics.ts';
import type { Storage } from './storage/storage.ts';

/** Object metadata holding the SHA-256 of the bytes (`x-amz-meta-sha256` on S3). */
export const HASH_METADATA = 'sha256';

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
}

export function encodeFile(file: RenderedFile | EncodedFile): EncodedFile {
  if ('bytes' in file) return file;
  const bytes = toBytes(file.body);
  const encoded: EncodedFile = { path: file.path, contentType: file.contentType, bytes, sha256: sha256Hex(bytes) };
  if (file.cacheControl !== undefined) encoded.cacheControl = file.cacheControl;
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
): Promise<'written' | 'unchanged'> {
  const file = encodeFile(rendered);
  const { bytes, sha256: hash } = file;
  const current = await storage.head(file.path);
  if (isStored(current, file, cacheControl)) return 'unchanged';
  await storage.put(file.path, bytes, {
    contentType: file.contentType,
    cacheControl,
    metadata: { [HASH_METADATA]: hash },
    ...(current === null ? { ifNoneMatch: '*' as const } : { ifMatch: current.etag }),
  });
  return 'written';
}

/** The stored object (a HEAD) holds these bytes with these headers. */
function isStored(current: Awaited<ReturnType<Storage['head']>>, file: EncodedFile, cacheControl: string): boolean {
  return (
    current !== null &&
    current.metadata[HASH_METADATA] === file.sha256 &&
    current.contentType === file.contentType &&
    current.cacheControl === cacheControl
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
  const { path, contentType, bytes, sha256 } = encodeFile(rendered);
  await storage.put(path, bytes, { contentType, cacheControl, metadata: { [HASH_METADATA]: sha256 } });
  return 'written';
}
