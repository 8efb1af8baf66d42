import { createHash } from 'node:crypto';
import zlib from 'node:zlib';
import type { RenderedFile } from './feeds/types.ts';
import { toBytes } from './storage/semantics.ts';
import type { Storage } from './storage/storage.ts';

/** Object metadata holding the SHA-256 of the bytes (`x-amz-meta-sha256` on S3). */
export const HASH_METADATA = 'sha256';

/**
 * The precompressed variants stored beside every published file (`rss.xml.br`, `rss.xml.gz`), with the file's
 * Content-Type and their own Content-Encoding: the CDN's viewer-request function (`infra/functions/`) and
 * `herald serve` answer a viewer that accepts them with these bytes, so every format is compressed (CloudFront
 * compresses none of Atom, JSON Feed or OPML itself) and at Brotli's best level, paid once per change.
 */
export const VARIANTS = [
  { suffix: '.br', encoding: 'br' },
  { suffix: '.gz', encoding: 'gzip' },
] as const;

/** A stored variant's key, not a published file's. */
export function isVariant(key: string): boolean {
  return VARIANTS.some(({ suffix }) => key.endsWith(suffix));
}

/** Brotli at quality 11 in text mode and gzip -9: deterministic bytes, so equal input keeps equal ETags. */
export function compressVariant(bytes: Uint8Array, encoding: 'br' | 'gzip'): Buffer {
  if (encoding === 'gzip') return zlib.gzipSync(bytes, { level: 9 });
  return zlib.brotliCompressSync(bytes, {
    params: {
      [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT,
      [zlib.constants.BROTLI_PARAM_QUALITY]: zlib.constants.BROTLI_MAX_QUALITY,
      [zlib.constants.BROTLI_PARAM_SIZE_HINT]: bytes.byteLength,
    },
  });
}

/**
 * Writes the variants of `path`, before the file itself, so a reader that sees its new bytes finds the matching
 * variants too. Each carries the hash of the file's bytes (not its own), which is how `writeIfChanged` knows
 * it belongs to the stored file.
 */
async function writeVariants(storage: Storage, path: string, bytes: Uint8Array, contentType: string, cacheControl: string, hash: string) {
  await Promise.all(
    VARIANTS.map(({ suffix, encoding }) =>
      storage.put(path + suffix, compressVariant(bytes, encoding), {
        contentType,
        cacheControl,
        contentEncoding: encoding,
        metadata: { [HASH_METADATA]: hash },
      }),
    ),
  );
}

/** Deletes a published file and its variants (the file last: while it exists, a retry deletes them again). */
export async function deleteFile(storage: Storage, path: string): Promise<void> {
  await Promise.all(VARIANTS.map(({ suffix }) => storage.delete(path + suffix)));
  await storage.delete(path);
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Writes `file` and its variants unless the stored objects already have these bytes and headers, so unchanged
 * feeds keep their ETag and Last-Modified and pollers keep getting 304s. Three HEADs decide: the file and each
 * variant, whose hash must be the file's (two writers racing can leave one's variants beside the other's file,
 * and a file stored before variants existed has none). The hash lives in metadata because
 * an S3 ETag is the MD5 of the bytes only for single-part uploads without SSE-KMS or SSE-C encryption.
 *
 * The variants are written first, unconditionally; should the file's own write then lose, the caller's retry
 * compares again and rewrites whatever does not match what it renders.
 *
 * The write is conditional on what the HEAD saw (`ifMatch` its ETag, or `ifNoneMatch: '*'` when absent): if
 * another writer got in between, this throws `PreconditionFailedError` instead of silently replacing its
 * bytes; re-render and call again.
 */
export async function writeIfChanged(storage: Storage, file: RenderedFile, cacheControl: string): Promise<'written' | 'unchanged'> {
  const bytes = toBytes(file.body);
  const hash = sha256Hex(bytes);
  const [current, variants] = await Promise.all([
    storage.head(file.path),
    Promise.all(VARIANTS.map(({ suffix }) => storage.head(file.path + suffix))),
  ]);
  const describes = (object: Awaited<ReturnType<Storage['head']>>) =>
    object !== null &&
    object.metadata[HASH_METADATA] === hash &&
    object.contentType === file.contentType &&
    object.cacheControl === cacheControl;
  if (describes(current) && variants.every(describes)) return 'unchanged';
  await writeVariants(storage, file.path, bytes, file.contentType, cacheControl, hash);
  await storage.put(file.path, bytes, {
    contentType: file.contentType,
    cacheControl,
    metadata: { [HASH_METADATA]: hash },
    ...(current === null ? { ifNoneMatch: '*' as const } : { ifMatch: current.etag }),
  });
  return 'written';
}

/**
 * Writes `file` without looking first: for a caller that knows its bytes differ from what was there (an
 * incremental run whose feed's newest items changed), so a HEAD would only confirm it. Should the bytes be
 * equal after all, S3 keeps the ETag (the MD5 of the bytes), so pollers still get their 304s. Unconditional:
 * the caller checks afterwards that what it rendered is still current, and renders again if not.
 */
export async function writeFile(storage: Storage, file: RenderedFile, cacheControl: string): Promise<'written'> {
  const bytes = toBytes(file.body);
  const hash = sha256Hex(bytes);
  await writeVariants(storage, file.path, bytes, file.contentType, cacheControl, hash);
  await storage.put(file.path, bytes, {
    contentType: file.contentType,
    cacheControl,
    metadata: { [HASH_METADATA]: hash },
  });
  return 'written';
}
