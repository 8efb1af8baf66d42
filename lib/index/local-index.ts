/**
 * The index `herald build` keeps between runs, in its output folder (`.herald/index`, never served): a build
 * over it reads again only the posts whose bytes changed, and keeps the archive pages as cut, as the AWS functions
 * do with the index in S3. With it go the content folder's ETags, so that listing unchanged posts hashes none
 * (S3 lists its ETags). Delete the file to start afresh.
 *
 * The objects' bytes stay in files while a build runs (lib/storage/memory/body-file.ts): those read back in the
 * snapshot, those put since in a scratch file beside the output's temporary ones. Held in memory, bulwark's index
 * with archives (174 MB) took its build to 611 MB at its peak, against 427 MB, in the same time.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { messageOf } from '../errors.ts';
import { ROOT_KEY } from './layout.ts';
import { type FsStorage, type KnownEtags, RESERVED_DIR } from '../storage/fs/fs-storage.ts';
import { BodyFile } from '../storage/memory/body-file.ts';
import { MemoryStorage } from '../storage/memory/memory-storage.ts';
import { readSnapshot, writeSnapshot } from '../storage/memory/snapshot.ts';
import type { RunReport } from '../pipeline/types.ts';

export interface LocalIndex {
  /** Its objects' bytes stay in files (the snapshot read, and one for those put since): `close` it when done. */
  index: MemoryStorage;
  /** For the content folder's storage (`FsStorage`'s `knownEtags`). */
  contentEtags: KnownEtags;
  /**
   * The posts the build that kept the index counted as more than published (`notableKeys`); absent when that build
   * had failures, or was made by a version that did not keep them: the next build then reads every record it has.
   */
  notable?: ReadonlySet<string>;
  /** When the build that kept the index started (ISO UTC), with `notable`. */
  builtAt?: string;
  /** Lets go of the index's files, once it is saved or given up. */
  close(): void;
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
  const spill = spillFile(outDir);
  try {
    const saved = readSnapshot(file, spill);
    if (saved && saved.label.content === contentOf(contentDir)) {
      // Each pair is checked where it is used (FsStorage leaves out what is not two strings).
      const { etags, notable, builtAt } = saved.label;
      const kept = Array.isArray(notable) && notable.every((key) => typeof key === 'string') && typeof builtAt === 'string';
      return {
        index: saved.storage,
        contentEtags: etags !== null && typeof etags === 'object' ? (etags as KnownEtags) : {},
        ...(kept && { notable: new Set(notable), builtAt }),
        close: closing(saved.file, spill),
      };
    }
    saved?.file.close();
  } catch (error) {
    warn(`ignoring the index kept from the last build (${messageOf(error)}); every post is read again`);
  }
  return { index: new MemoryStorage([], { spill }), contentEtags: {}, close: closing(spill) };
}

function closing(...files: (BodyFile | undefined)[]): () => void {
  return () => {
    for (const file of files) file?.close();
  };
}

/**
 * Where the index keeps the bytes of the objects put during a build: a file of its own beside the output's
 * temporary files, rather than memory (bulwark's index with archives: 174 MB). None where it cannot be made: the
 * bytes then stay in memory.
 */
function spillFile(outDir: string): BodyFile | undefined {
  const folder = path.join(outDir, RESERVED_DIR, 'tmp');
  try {
    mkdirSync(folder, { recursive: true });
    return BodyFile.scratch(path.join(folder, `index-${process.pid}-${randomBytes(6).toString('hex')}`));
  } catch {
    return undefined;
  }
}

/**
 * Keeps the index `opened` for the next build, with the content folder's ETags as they are now and what the build
 * `built` (its notable posts and start; undefined after a build with failures); called only after a build that
 * finished, so it never holds a half-made index. A build that changed nothing wrote only the root (its lease taken
 * and given back), used every ETag it was given and found the same notable posts: the file kept already says all,
 * and is not written again. The feeds are written by then: a file that cannot be saved (`warn` says why) only costs
 * the next build its head start.
 */
export function saveLocalIndex(
  outDir: string,
  contentDir: string,
  opened: LocalIndex,
  content: FsStorage,
  built: { notable: readonly string[]; builtAt: string } | undefined,
  warn: (line: string) => void,
): void {
  const { index } = opened;
  const notable = built?.notable;
  // A build that changed nothing keeps the start of the one that made the index: no visibility change fell between.
  const same = notable === undefined ? opened.notable === undefined : opened.notable !== undefined && sameKeys(opened.notable, notable);
  if ([...index.changedKeys()].every((key) => key === ROOT_KEY) && !content.knownEtagsChanged() && same) return;
  try {
    writeSnapshot(localIndexFile(outDir), index, {
      content: contentOf(contentDir),
      etags: content.knownEtags(),
      ...built,
    });
  } catch (error) {
    warn(`could not keep the index for the next build (${messageOf(error)}); it will read every post`);
  }
}

/**
 * The posts a build's report names (skipped, rejected or warned of), sorted: what the next build, finding nothing
 * changed, counts from their records, every other post being published as it was.
 */
export function notableKeys(report: RunReport): string[] {
  const { skipped, rejected, warned } = report.posts;
  return [...new Set([...skipped, ...rejected, ...warned].map(({ key }) => key))].sort();
}

function sameKeys(a: ReadonlySet<string>, b: readonly string[]): boolean {
  return a.size === b.length && b.every((key) => a.has(key));
}

function contentOf(contentDir: string): string {
  try {
    return realpathSync.native(contentDir);
  } catch {
    return path.resolve(contentDir);
  }
}
