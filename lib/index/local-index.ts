/**
 * The index `herald build` keeps between runs, in its output folder (`.herald/index`, never served): a build
 * over it reads again only the posts whose bytes changed, and keeps the archive pages as cut, as the AWS functions
 * do with the index in S3. With it go the content folder's ETags, so that listing unchanged posts hashes none
 * (S3 lists its ETags). Delete the file to start afresh.
 */
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { messageOf } from '../errors.ts';
import { ROOT_KEY } from './layout.ts';
import { type FsStorage, type KnownEtags, RESERVED_DIR } from '../storage/fs/fs-storage.ts';
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
    if (saved && saved.label.content === contentOf(contentDir)) {
      // Each pair is checked where it is used (FsStorage leaves out what is not two strings).
      const etags = saved.label.etags;
      return { index: saved.storage, contentEtags: etags !== null && typeof etags === 'object' ? (etags as KnownEtags) : {} };
    }
  } catch (error) {
    warn(`herald build: ignoring the index kept from the last build (${messageOf(error)}); every post is read again`);
  }
  return { index: new MemoryStorage(), contentEtags: {} };
}

/**
 * Keeps the index `opened` for the next build, with the content folder's ETags as they are now; called only after a
 * build that finished, so it never holds a half-made index. A build that changed nothing wrote only the root (its
 * lease taken and given back) and used every ETag it was given: the file kept already says all, and is not written
 * again. The feeds are written by then: a file that cannot be saved (`warn` says why) only costs the next build its
 * head start.
 */
export function saveLocalIndex(
  outDir: string,
  contentDir: string,
  opened: LocalIndex,
  content: FsStorage,
  warn: (line: string) => void,
): void {
  const { index } = opened;
  if ([...index.changedKeys()].every((key) => key === ROOT_KEY) && !content.knownEtagsChanged()) return;
  try {
    writeSnapshot(localIndexFile(outDir), index, { content: contentOf(contentDir), etags: content.knownEtags() });
  } catch (error) {
    warn(`herald build: could not keep the index for the next build (${messageOf(error)}); it will read every post`);
  }
}

function contentOf(contentDir: string): string {
  try {
    return realpathSync.native(contentDir);
  } catch {
    return path.resolve(contentDir);
  }
}
