import { createHash, randomBytes } from 'node:crypto';
import {
  existsSync,
  linkSync,
  mkdirSync,
  openSync,
  closeSync,
  fstatSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmdirSync,
  statSync,
  unlinkSync,
  writeFileSync,
  type BigIntStats,
  type Dirent,
} from 'node:fs';
import path from 'node:path';
import { PreconditionFailedError, type ObjectInfo, type PutOptions, type Storage, type StoredObject } from '../storage.ts';
import { compareKeys, etagOf, normalizeMetadata, toBytes } from '../semantics.ts';

/** Sidecars and temporary files live in this folder at the root; it is not part of the key space. */
export const RESERVED_DIR = '.herald';

export class InvalidKeyError extends Error {
  constructor(
    readonly key: string,
    reason: string,
  ) {
    super(`invalid storage key ${JSON.stringify(key)}: ${reason}`);
    this.name = 'InvalidKeyError';
  }
}

/** What a put stored besides the bytes; `etag` ties it to the bytes it describes. */
interface Sidecar {
  key: string;
  etag: string;
  contentType?: string;
  cacheControl?: string;
  metadata: Record<string, string>;
}

interface CachedEtag {
  stamp: string;
  etag: string;
}

type Head = Omit<StoredObject, 'body'> & { size: number };

/**
 * Objects as files under `root`: key `a/b.xml` is the file `root/a/b.xml`, so the folder is servable as is.
 *
 * - Keys are checked lexically and never escape `root`: empty, absolute, `.`/`..` or empty segments,
 *   backslashes and NUL are refused with `InvalidKeyError`. Files whose names are no valid key are not listed.
 * - Content type, cache control and metadata go to a sidecar under `.herald/meta/`, which records the
 *   ETag of the bytes it describes: a sidecar that does not match its file (the file was edited by hand,
 *   or a crash fell between the two renames) is ignored rather than believed. Files nobody `put`
 *   (hand-written posts) carry no content type; callers derive one from the name.
 * - Writes go to a temporary file under `.herald/tmp/` and are renamed into place: readers see the old
 *   bytes or the new, never a torn file. (A process killed mid-write leaves a stray file there, never in
 *   the key space.) Copying the folder to a web server elsewhere: leave `.herald/` out.
 * - ETags are S3's (quoted MD5). Where an ETag was not needed to answer (listings, plain reads), it is
 *   computed on first access, then cached per file identity (inode, size, times). Our writes always make
 *   a new inode; only an in-place edit keeping the size within one tick of the kernel's file clock
 *   (a few ms) could go unnoticed.
 * - Conditional writes: each `put` runs synchronously from its check to its rename, so in one process
 *   no other call can slip in between. `ifNoneMatch: '*'` is also atomic across processes (it creates the
 *   file with link(2), which fails if the name exists); `ifMatch` is not: two processes may both pass the
 *   check and the last rename wins. Share a folder between processes only for reading.
 *
 * The I/O is synchronous on purpose: a thread-pool round trip costs about 30 µs per call on the 2-core
 * machines here, which made reading the 30,000-post corpus 15 times slower (3.7 s against 0.2 s).
 */
export class FsStorage implements Storage {
  readonly root: string;
  readonly #etags = new Map<string, CachedEtag>();

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  async get(key: string): Promise<StoredObject | null> {
    const file = this.#file(key);
    if (file === null) return null;
    let fd: number;
    try {
      fd = openSync(file, 'r');
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
    try {
      const stats = fstatSync(fd, { bigint: true });
      if (!stats.isFile()) return null;
      const body = readFileSync(fd);
      const etag = () => this.#cached(file, stats) ?? this.#remember(file, stats, etagOf(body));
      const sidecar = this.#sidecar(key, etag);
      return lazyEtag({ body, ...describe(sidecar, stats), etag: '' }, etag);
    } finally {
      closeSync(fd);
    }
  }

  async head(key: string): Promise<Head | null> {
    const file = this.#file(key);
    if (file === null) return null;
    const stats = statOrNull(file);
    if (!stats?.isFile()) return null;
    const etag = () => this.#etagOfFile(file, stats);
    const sidecar = this.#sidecar(key, etag);
    return lazyEtag({ ...describe(sidecar, stats), etag: '', size: Number(stats.size) }, etag);
  }

  async put(key: string, body: Uint8Array | string, options: PutOptions = {}): Promise<{ etag: string }> {
    const file = this.#writableFile(key);
    const metadata = normalizeMetadata(options.metadata);
    const bytes = toBytes(body);
    const etag = etagOf(bytes);

    // From here to the end nothing awaits: the check and the rename are one step for this process.
    if (options.ifMatch !== undefined || options.ifNoneMatch !== undefined) {
      const stats = statOrNull(file);
      const current = stats?.isFile() ? this.#etagOfFile(file, stats) : null;
      if (options.ifNoneMatch === '*' && current !== null) throw new PreconditionFailedError(key);
      if (options.ifMatch !== undefined && current !== options.ifMatch) throw new PreconditionFailedError(key);
    }
    this.#mkdirFor(key, file);
    const temp = this.#writeTemp(bytes);
    try {
      if (options.ifNoneMatch === '*') {
        linkSync(temp, file);
        unlinkSync(temp);
      } else {
        renameSync(temp, file);
      }
    } catch (error) {
      unlinkQuietly(temp);
      if (statOrNull(file)?.isDirectory()) throw new InvalidKeyError(key, 'it names a folder of other objects');
      // link(2) refuses an existing name: another process created the object since the check.
      if (errorCode(error) === 'EEXIST') throw new PreconditionFailedError(key);
      throw error;
    }
    const sidecar: Sidecar = {
      key,
      etag,
      ...(options.contentType !== undefined && { contentType: options.contentType }),
      ...(options.cacheControl !== undefined && { cacheControl: options.cacheControl }),
      metadata,
    };
    const sidecarFile = this.#sidecarFile(key);
    mkdirSync(path.dirname(sidecarFile), { recursive: true });
    renameSync(this.#writeTemp(JSON.stringify(sidecar)), sidecarFile);
    const stats = statOrNull(file);
    if (stats) this.#remember(file, stats, etag);
    return { etag };
  }

  async delete(key: string): Promise<void> {
    const file = this.#writableFile(key);
    try {
      unlinkSync(file);
    } catch (error) {
      // A key naming a folder is no object either.
      if (!isMissing(error) && errorCode(error) !== 'EISDIR') throw error;
    }
    this.#etags.delete(file);
    unlinkQuietly(this.#sidecarFile(key));
    this.#pruneEmptyFolders(path.dirname(file));
  }

  async *list(prefix = ''): AsyncIterable<ObjectInfo> {
    // Start in the deepest folder the prefix names; a prefix that could name no valid key lists nothing.
    const slash = prefix.lastIndexOf('/');
    const folderKey = slash === -1 ? '' : prefix.slice(0, slash);
    if (folderKey !== '' && (keyProblem(folderKey) !== null || isReserved(folderKey))) return;
    yield* this.#walk(folderKey, prefix);
  }

  *#walk(folderKey: string, prefix: string): Generator<ObjectInfo> {
    let entries: Dirent[];
    try {
      entries = readdirSync(path.join(this.root, folderKey), { withFileTypes: true });
    } catch (error) {
      if (isMissing(error)) return;
      throw error;
    }
    const children: { key: string; folder: boolean; sortKey: string }[] = [];
    for (const entry of entries) {
      const key = folderKey === '' ? entry.name : `${folderKey}/${entry.name}`;
      if (keyProblem(key) !== null || isReserved(key)) continue;
      let folder = entry.isDirectory();
      if (entry.isSymbolicLink()) folder = statOrNull(path.join(this.root, key))?.isDirectory() ?? false;
      // A folder's keys all start with `name/`, so sorting folders as `name/` yields global key order.
      const sortKey = folder ? `${key}/` : key;
      const reachable = folder ? sortKey.startsWith(prefix) || prefix.startsWith(sortKey) : key.startsWith(prefix);
      if (reachable) children.push({ key, folder, sortKey });
    }
    children.sort((a, b) => compareKeys(a.sortKey, b.sortKey));
    for (const child of children) {
      if (child.folder) {
        yield* this.#walk(child.key, prefix);
        continue;
      }
      const file = path.join(this.root, child.key);
      const stats = statOrNull(file);
      if (!stats?.isFile()) continue;
      const info: ObjectInfo = {
        key: child.key,
        etag: '',
        size: Number(stats.size),
        lastModified: new Date(Number(stats.mtimeMs)),
      };
      yield lazyEtag(info, () => this.#etagOfFile(file, stats));
    }
  }

  /** The file for a readable key; `null` for keys inside the reserved folder, which hold no objects. */
  #file(key: string): string | null {
    const problem = keyProblem(key);
    if (problem !== null) throw new InvalidKeyError(key, problem);
    return isReserved(key) ? null : path.join(this.root, key);
  }

  #writableFile(key: string): string {
    const file = this.#file(key);
    if (file === null) throw new InvalidKeyError(key, `${RESERVED_DIR}/ is reserved for the storage's own files`);
    return file;
  }

  #sidecarFile(key: string): string {
    const hash = createHash('sha256').update(key).digest('hex');
    return path.join(this.root, RESERVED_DIR, 'meta', hash.slice(0, 2), `${hash}.json`);
  }

  /** The sidecar for `key` if there is one and it describes the bytes whose ETag `etag()` gives. */
  #sidecar(key: string, etag: () => string): Sidecar | null {
    const file = this.#sidecarFile(key);
    // Most files (hand-written posts) have none; a thrown ENOENT costs more than reading a small post.
    if (!existsSync(file)) return null;
    let sidecar: Sidecar;
    try {
      sidecar = JSON.parse(readFileSync(file, 'utf8')) as Sidecar;
    } catch (error) {
      if (isMissing(error) || error instanceof SyntaxError) return null;
      throw error;
    }
    return sidecar.key === key && sidecar.etag === etag() ? sidecar : null;
  }

  #writeTemp(bytes: Uint8Array | string): string {
    const folder = path.join(this.root, RESERVED_DIR, 'tmp');
    mkdirSync(folder, { recursive: true });
    const temp = path.join(folder, `${process.pid}-${randomBytes(8).toString('hex')}`);
    writeFileSync(temp, bytes);
    return temp;
  }

  #mkdirFor(key: string, file: string): void {
    try {
      mkdirSync(path.dirname(file), { recursive: true });
    } catch (error) {
      const code = errorCode(error);
      if (code === 'EEXIST' || code === 'ENOTDIR') {
        throw new InvalidKeyError(key, 'a folder in its path is already an object (a folder cannot be a file too)');
      }
      throw error;
    }
  }

  #pruneEmptyFolders(folder: string): void {
    while (folder !== this.root && folder.startsWith(this.root + path.sep)) {
      try {
        rmdirSync(folder);
      } catch {
        return;
      }
      folder = path.dirname(folder);
    }
  }

  #cached(file: string, stats: BigIntStats): string | undefined {
    const cached = this.#etags.get(file);
    return cached?.stamp === stamp(stats) ? cached.etag : undefined;
  }

  #remember(file: string, stats: BigIntStats, etag: string): string {
    this.#etags.set(file, { stamp: stamp(stats), etag });
    return etag;
  }

  #etagOfFile(file: string, stats: BigIntStats): string {
    return this.#cached(file, stats) ?? this.#remember(file, stats, etagOf(readFileSync(file)));
  }
}

/** What identifies one version of a file without reading it: every write changes the inode or the times. */
function stamp(stats: BigIntStats): string {
  return `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeNs}:${stats.ctimeNs}`;
}

function describe(sidecar: Sidecar | null, stats: BigIntStats): Omit<StoredObject, 'body' | 'etag'> {
  return {
    ...(sidecar?.contentType !== undefined && { contentType: sidecar.contentType }),
    ...(sidecar?.cacheControl !== undefined && { cacheControl: sidecar.cacheControl }),
    lastModified: new Date(Number(stats.mtimeMs)),
    metadata: { ...sidecar?.metadata },
  };
}

/** Replaces `etag` by an enumerable getter that hashes on first access (listing 30,000 posts reads none). */
function lazyEtag<T extends { etag: string }>(object: T, compute: () => string): T {
  let etag: string | undefined;
  Object.defineProperty(object, 'etag', {
    enumerable: true,
    configurable: true,
    get: () => (etag ??= compute()),
  });
  return object;
}

/** Why `key` is no valid key, or null. Lexical only: nothing here touches the file system. */
function keyProblem(key: string): string | null {
  if (typeof key !== 'string' || key === '') return 'empty';
  if (key.startsWith('/')) return 'absolute';
  if (key.includes('\\')) return 'contains a backslash';
  if (key.includes('\0')) return 'contains NUL';
  for (const segment of key.split('/')) {
    if (segment === '') return 'has an empty path segment';
    if (segment === '.' || segment === '..') return `has a "${segment}" segment`;
  }
  return null;
}

function isReserved(key: string): boolean {
  return key === RESERVED_DIR || key.startsWith(`${RESERVED_DIR}/`);
}

function statOrNull(file: string): BigIntStats | null {
  try {
    return statSync(file, { bigint: true });
  } catch (error) {
    if (isMissing(error)) return null;
    throw error;
  }
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

function isMissing(error: unknown): boolean {
  const code = errorCode(error);
  return code === 'ENOENT' || code === 'ENOTDIR';
}

function unlinkQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch (error) {
    if (!isMissing(error)) throw error;
  }
}
