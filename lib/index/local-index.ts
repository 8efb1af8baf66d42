/**
 * The index `herald build` keeps between runs, in its output folder (`.herald/index`, never served): a build
 * over it reads again only the posts whose bytes changed, and keeps the archive pages as cut, as the AWS functions
 * do with the index in S3. With it go the content folder's ETags, so that listing unchanged posts hashes none
 * (S3 lists its ETags). Delete the file to start afresh.
 */
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { messageOf } from '../errors.ts';
import { type KnownEtags, RESERVED_DIR } from '../storage/fs/fs-storage.ts';
import { MemoryStorage } from '../storage/memory/memory-storage.ts';
import { readSnapshot, writeSnapshot } from '../storage/memory/snapshot.ts';

export interface LocalIndex {
  index: MemoryStorage;
  /** For the content folder's storage (`FsStorage`'s `knownEtags`). */
  contentEtags: KnownEtags;
}

export function localIndexFile(outDir: string): string {
  return path.join(outDir, RESERVED_DIR, 'index');
}

/**
 * The index last saved into `outDir` by a build of `contentDir`; an empty one when there is none, when it was
 * built from another content folder (its records would all turn into deletions), or when it cannot be read
 * (`warn` says why: the build goes on from nothing, as the first did).
 */
export function openLocalIndex(outDir: string, contentDir: string, warn: (line: string) => void): LocalIndex {
  const file = localIndexFile(outDir);
  try {
    const saved = readSnapshot(file);
    if (saved && saved.label.content === contentOf(contentDir)) return { index: saved.storage, contentEtags: etagsOf(saved.label.etags) };
  } catch (error) {
    warn(`herald build: ignoring the index kept from the last build (${messageOf(error)}); every post is read again`);
  }
  return { index: new MemoryStorage(), contentEtags: {} };
}

/** Keeps `index` for the next build; called only after a build that finished, so it never holds a half-made index. */
export function saveLocalIndex(outDir: string, contentDir: string, { index, contentEtags }: LocalIndex): void {
  writeSnapshot(localIndexFile(outDir), index, { content: contentOf(contentDir), etags: contentEtags });
}

function contentOf(contentDir: string): string {
  try {
    return realpathSync.native(contentDir);
  } catch {
    return path.resolve(contentDir);
  }
}

/** The saved ETags, less anything that is not a pair of strings (an edited file): those posts are hashed again. */
function etagsOf(saved: unknown): KnownEtags {
  const etags: KnownEtags = {};
  if (saved === null || typeof saved !== 'object') return etags;
  for (const [key, pair] of Object.entries(saved)) {
    if (Array.isArray(pair) && pair.length === 2 && pair.every((part) => typeof part === 'string')) etags[key] = pair as [string, string];
  }
  return etags;
}
