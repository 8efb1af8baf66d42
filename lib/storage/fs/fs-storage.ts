import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  existsSync,
  fstatSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  readdirSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmdirSync,
  statSync,
  unlinkSync,
  writeFile,
  type BigIntStats,
  type Dirent,
} from 'node:fs';
import path from 'node:path';
import {
  InvalidKeyError,
  PreconditionFailedError,
  type GetOptions,
  type ListOptions,
  type ObjectInfo,
  type OversizedObject,
  type PutOptions,
  type Storage,
  type StoredObject,
} from '../storage.ts';
import { compareKeys, etagOf, foldName, validatePutOptions, toBytes } from '../semantics.ts';

/** Sidecars and temporary files live in this folder at the root; it is not part of the key space. */
export const RESERVED_DIR = '.herald';

export { InvalidKeyError };

const FOLDER_IS_OBJECT = 'a folder in its path is already an object (a folder cannot be a file too)';

/** What a put stored besides the bytes; `stamp` (or else `etag`) ties it to the bytes it describes. */
interface Sidecar {
  key: string;
  /**
   * The bytes' ETag, where the put knew it: a put does not hash what it writes (the MD5 of every feed file was 5% of
   * a build's CPU, for an ETag that a build never reads), so a sidecar with a stamp has none, and the file is
   * hashed when its ETag is first asked for. Sidecars written before stamps were have one.
   */
  etag?: string;
  /**
   * The file's identity (inode, size, times) once written: while it has not changed, the sidecar (and its `etag`) is
   * believed without hashing the file (the trust the in-memory cache of ETags gives within a process, across
   * processes). Absent from sidecars written before it: those are checked against the file's hash.
   */
  stamp?: string;
  contentType?: string;
  cacheControl?: string;
  metadata: Record<string, string>;
}

interface CachedEtag {
  stamp: string;
  etag: string;
  /** Checked against its file in this process (`knownEtags` passes on only those). */
  used?: boolean;
  /** Given to the constructor: `knownEtags` is what was given while every such entry is used and nothing else came. */
  given?: boolean;
}

/**
 * ETags of files by key, with the identity (`stamp`) each was computed for: what one process's storage tells the
 * next one over the same folder (`knownEtags`), so that listing an unchanged folder hashes nothing.
 */
export type KnownEtags = Record<string, [stamp: string, etag: string]>;

/**
 * A file changed within a tick of the kernel's file clock after it was hashed keeps its identity (the
 * caveat of the cache below). Passed on to another process, only ETags of files last changed this long before this
 * storage started are: a later change then always moves the change time.
 */
const SETTLED_NS = 2_000_000_000n;

type Head = Omit<StoredObject, 'body'> & { size: number };

/**
 * Objects as files under `root`: key `a/b.xml` is the file `root/a/b.xml`, so the folder is servable as is.
 *
 * - Keys are checked lexically and never escape `root`: empty, absolute, `.`/`..` or empty segments,
 *   backslashes and NUL are refused with `InvalidKeyError`. Files whose names are no valid key are not listed.
 * - Only regular files whose real path lies inside the root are objects, as a bucket holds nothing else:
 *   FIFOs, sockets and devices are never opened in a way that could block (O_NONBLOCK, then fstat), and
 *   symbolic links may point anywhere inside the root but not out of it (so `ln -s /etc out/etc` serves
 *   nothing). The listing skips what it cannot read (links out of the root, link loops, FIFOs) and tells
 *   `onUnreadable` why; it never fails on them.
 * - The reserved folder is recognized in any case and Unicode form (`.HERALD` is the same folder on a
 *   case-insensitive file system).
 * - Content type, cache control and metadata go to a sidecar under `.herald/meta/`, which records the
 *   identity of the file it describes (inode, size, times): a sidecar that does not match its file (the file
 *   was edited by hand, or a crash fell between the two renames) is ignored rather than believed. Files nobody `put`
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
 * Reads are synchronous on purpose: a thread-pool round trip costs about 30 µs per call on the 2-core
 * machines here, which made reading the 30,000-post corpus 15 times slower (3.7 s against 0.2 s). A write makes
 * its new files in the thread pool (`#writeTemp`), which is most of its cost, and renames them in this thread.
 */
export class FsStorage implements Storage {
  readonly root: string;
  readonly #etags = new Map<string, CachedEtag>();
  /**
   * Folders this storage made or found, so that a build's thousands of writes do not ask for them again.
   * Another process may remove one meanwhile: the write that misses it makes it again (`#inFolder`).
   */
  readonly #folders = new Set<string>();
  /** Each key's writes in flight (`#oneAtATime`). */
  readonly #writes = new Map<string, Promise<unknown>>();
  /**
   * Temporary files' names: this storage's own random part, then a count. A random part for each file cost a
   * system call each (`getrandom`, 18 µs on this machine; 57 ms of the synthetic site's build).
   */
  readonly #tempPrefix = `${process.pid}-${randomBytes(8).toString('hex')}-`;
  #temps = 0;
  #realRoot: string | undefined;
  readonly #started: bigint;
  /** Entries given to the constructor, and how many of them were used since. */
  #given = 0;
  #givenUsed = 0;
  /** An ETag was computed, adopted or forgotten: `knownEtags` may differ from what was given. */
  #changed = false;
  /** An ETag was computed, adopted or forgotten at all, its file settled or not (`etagsAsGiven`). */
  #departed = false;

  /**
   * `knownEtags`: what another storage over this folder computed (`knownEtags()`), believed while the files keep
   * their identity. `now` (ms) dates this storage's start.
   */
  constructor(root: string, { knownEtags = {}, now = Date.now }: { knownEtags?: KnownEtags; now?: () => number } = {}) {
    this.root = path.resolve(root);
    this.#started = BigInt(Math.floor(now())) * 1_000_000n;
    this.#take(knownEtags, false);
  }

  /**
   * Takes the ETags another storage over this folder computed in this same build (a worker thread's): they are
   * passed on (`knownEtags`) as if computed here, the files still checked against this storage's start.
   */
  adopt(known: KnownEtags): void {
    this.#take(known, true);
  }

  /**
   * Caches `known`, `used` (passed on) or only believed. Not checked as keys: an entry is only ever looked up for a
   * file this storage lists or reads. A pair that is not two strings (an edited snapshot) is left out, and its file
   * hashed.
   */
  #take(known: KnownEtags, used: boolean): void {
    // Joined as strings rather than by path.join (a sixth of the cost of an unchanged build's 30,000 keys): a key
    // that is not in normal form then names no file this storage looks up, which only makes its file hashed again.
    const under = this.root.endsWith(path.sep) ? this.root : this.root + path.sep;
    for (const [key, pair] of Object.entries(known)) {
      const [stamp, etag] = Array.isArray(pair) ? pair : [];
      if (typeof stamp !== 'string' || typeof etag !== 'string') continue;
      const file = under + (path.sep === '/' ? key : key.split('/').join(path.sep));
      if (used) this.#set(file, { stamp, etag, used });
      else {
        if (this.#etags.get(file)?.given !== true) this.#given++;
        this.#etags.set(file, { stamp, etag, used, given: true });
        // Passed on, it had settled; one that has not (another clock) is left out of `knownEtags`.
        if (!this.#settled(stamp)) this.#changed = true;
      }
    }
  }

  /**
   * Whether `knownEtags()` may say anything but what the constructor was given: an ETag was computed, adopted or
   * forgotten since, or one given was never used (its file is gone, or was not listed). Cheaper than comparing the two.
   */
  knownEtagsChanged(): boolean {
    return this.#changed || this.#givenUsed !== this.#given;
  }

  /**
   * Whether every ETag this storage answered was one the constructor was given, still true of its file, and every
   * one given was answered: the folder holds exactly the files, with the bytes, that the storage which computed them
   * saw (`herald build` then knows that nothing changed since the last build; lib/pipeline/folder-build.ts).
   */
  etagsAsGiven(): boolean {
    return !this.#departed && this.#givenUsed === this.#given;
  }

  /**
   * The ETags this storage checked or computed, of files that had settled when it started (`SETTLED_NS`); with
   * `settled` false, all of them, for another storage of this build to `adopt` (it checks them against its own start).
   */
  knownEtags(settled = true): KnownEtags {
    const known: KnownEtags = {};
    const under = this.root.endsWith(path.sep) ? this.root.length : this.root.length + 1;
    for (const [file, { stamp, etag, used }] of this.#etags) {
      if (!used || (settled && !this.#settled(stamp))) continue;
      const relative = file.slice(under);
      known[path.sep === '/' ? relative : relative.split(path.sep).join('/')] = [stamp, etag];
    }
    return known;
  }

  get(key: string): Promise<StoredObject | null>;
  get(key: string, options: GetOptions): Promise<StoredObject | OversizedObject | null>;
  async get(key: string, { maxBytes = Number.POSITIVE_INFINITY }: GetOptions = {}): Promise<StoredObject | OversizedObject | null> {
    const file = this.#file(key);
    if (file === null) return null;
    const writing = this.#written(key);
    if (writing) await writing;
    const opened = this.#openObject(file);
    if (opened === null) return null;
    const { fd, stats } = opened;
    try {
      if (stats.size > maxBytes) {
        return lazyEtag<OversizedObject>({ oversized: true, etag: '', size: Number(stats.size) }, () => this.#etagOfFile(file, stats));
      }
      const body = readOpen(fd, Number(stats.size));
      const etag = () => this.#cached(file, stats) ?? this.#remember(file, stats, etagOf(body));
      return Object.assign(this.#described(key, file, stats, etag), { body });
    } finally {
      closeSync(fd);
    }
  }

  async head(key: string): Promise<Head | null> {
    const file = this.#file(key);
    if (file === null) return null;
    const writing = this.#written(key);
    if (writing) await writing;
    const stats = readableStats(file);
    if (!stats?.isFile() || !this.#inside(file)) return null;
    const etag = () => this.#etagOfFile(file, stats);
    // Looked up now: a sidecar written with this very file gives the ETag without reading the file.
    return Object.assign(this.#described(key, file, stats, etag, true), { size: Number(stats.size) });
  }

  async put(key: string, body: Uint8Array | string, options: PutOptions = {}): Promise<{ etag: string }> {
    const file = this.#writableFile(key);
    const metadata = validatePutOptions(options);
    const bytes = toBytes(body);
    return this.#oneAtATime(key, async () => {
      const temp = await this.#writeTemp(bytes);
      // From here to the rename nothing awaits: the check and the rename are one step for this process.
      const folder = path.dirname(file);
      const makeFolder = () => this.#mkdirFor(key, folder);
      try {
        if (options.ifMatch !== undefined || options.ifNoneMatch !== undefined) {
          const stats = statOrNull(file);
          const current = stats?.isFile() ? this.#etagOfFile(file, stats) : null;
          if (options.ifNoneMatch === '*' && current !== null) throw new PreconditionFailedError(key);
          if (options.ifMatch !== undefined && current !== options.ifMatch) throw new PreconditionFailedError(key);
        }
        await this.#inFolder(folder, () => (options.ifNoneMatch === '*' ? linkSync(temp, file) : renameSync(temp, file)), makeFolder);
        if (options.ifNoneMatch === '*') unlinkSync(temp);
      } catch (error) {
        unlinkQuietly(temp);
        if (error instanceof PreconditionFailedError || error instanceof InvalidKeyError) throw error;
        if (statOrNull(file)?.isDirectory()) throw new InvalidKeyError(key, 'it names a folder of other objects');
        // link(2) refuses an existing name: another process created the object since the check.
        if (errorCode(error) === 'EEXIST') throw new PreconditionFailedError(key);
        // A folder this storage made was replaced by a file since (`#mkdirFor` only checks folders it has not seen).
        if (errorCode(error) === 'ENOTDIR') throw new InvalidKeyError(key, FOLDER_IS_OBJECT);
        throw error;
      }
      // The file's identity now that it is in place (the link or rename above changed its times).
      const stats = statOrNull(file);
      const sidecar: Sidecar = {
        key,
        // Without a stamp only the ETag can tie the sidecar to the bytes (the file went at once).
        ...(stats ? { stamp: stamp(stats) } : { etag: etagOf(bytes) }),
        ...(options.contentType !== undefined && { contentType: options.contentType }),
        ...(options.cacheControl !== undefined && { cacheControl: options.cacheControl }),
        metadata,
      };
      const sidecarFile = this.#sidecarFile(key);
      const sidecarTemp = await this.#writeTemp(JSON.stringify(sidecar));
      await this.#inFolder(path.dirname(sidecarFile), () => renameSync(sidecarTemp, sidecarFile));
      return lazyEtag({ etag: '' }, () => {
        const etag = etagOf(bytes);
        if (stats) this.#remember(file, stats, etag);
        return etag;
      });
    });
  }

  async delete(key: string): Promise<void> {
    const file = this.#writableFile(key);
    await this.#oneAtATime(key, async () => {
      try {
        unlinkSync(file);
      } catch (error) {
        // A key naming a folder is no object either.
        if (!isMissing(error) && errorCode(error) !== 'EISDIR') throw error;
      }
      const known = this.#etags.get(file);
      if (known?.used && this.#settled(known.stamp)) this.#changed = true;
      if (this.#etags.delete(file)) this.#departed = true;
      unlinkQuietly(this.#sidecarFile(key));
      this.#pruneEmptyFolders(path.dirname(file));
    });
  }

  async *list(prefix = '', { onUnreadable = () => {} }: ListOptions = {}): AsyncIterable<ObjectInfo> {
    // Start in the deepest folder the prefix names; a prefix that could name no valid key lists nothing.
    const slash = prefix.lastIndexOf('/');
    const folderKey = slash === -1 ? '' : prefix.slice(0, slash);
    if (folderKey !== '' && (keyProblem(folderKey) !== null || isReserved(folderKey))) return;
    const folder = path.join(this.root, folderKey);
    const real = realpathOrNull(folder);
    if (real === null || !this.#inside(folder, real)) return;
    yield* this.#walk(folderKey, real, prefix, onUnreadable);
  }

  /** `realFolder` is the real path of the folder, to recognize links back to it or to one of its parents. */
  *#walk(folderKey: string, realFolder: string, prefix: string, onUnreadable: ListOptions['onUnreadable'] & {}): Generator<ObjectInfo> {
    let entries: Dirent[];
    try {
      entries = readdirSync(path.join(this.root, folderKey), { withFileTypes: true });
    } catch (error) {
      if (isMissing(error)) return;
      throw error;
    }
    const children: { key: string; folder: string | null; sortKey: string; file: boolean }[] = [];
    for (const entry of entries) {
      const key = folderKey === '' ? entry.name : `${folderKey}/${entry.name}`;
      // The folder's key is a valid one (or the root): only the name is checked, and only at the root can it be ours.
      if (nameProblem(entry.name) || (folderKey === '' && isReserved(key))) continue;
      let folder = entry.isDirectory() ? path.join(realFolder, entry.name) : null;
      if (entry.isSymbolicLink()) {
        const target = this.#linkTarget(key, realFolder);
        if (typeof target === 'string') {
          onUnreadable(key, target);
          continue;
        }
        folder = target?.folder ?? null;
        // A broken link names nothing, as an object deleted since: not bad input.
        if (target === null) continue;
      }
      // A folder's keys all start with `name/`, so sorting folders as `name/` yields global key order.
      const sortKey = folder !== null ? `${key}/` : key;
      const reachable = folder !== null ? sortKey.startsWith(prefix) || prefix.startsWith(sortKey) : key.startsWith(prefix);
      if (reachable) children.push({ key, folder, sortKey, file: entry.isFile() });
    }
    children.sort((a, b) => compareKeys(a.sortKey, b.sortKey));
    for (const child of children) {
      if (child.folder !== null) {
        yield* this.#walk(child.key, child.folder, prefix, onUnreadable);
        continue;
      }
      const file = this.#fileOf(child.key);
      // The listing already says a regular file (not a link): its size and times wait until asked for, as its
      // ETag does (listing 30,000 posts for their keys stats none).
      if (child.file) {
        yield this.#lazyInfo(child.key, file);
        continue;
      }
      const stats = readableStats(file);
      if (stats !== null && !stats.isFile() && !stats.isDirectory())
        onUnreadable(child.key, 'not a regular file (a FIFO, socket or device)');
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

  /** A listed regular file whose size, times and ETag are read on first access; gone or replaced by then, they throw. */
  #lazyInfo(key: string, file: string): ObjectInfo {
    return new FsStorage.#Listed(key, file, this);
  }

  /**
   * What `#lazyInfo` makes. The getters are the class's: a listing of 30,000 posts makes one small object for each,
   * where an object literal made five closures and their context (and `Object.defineProperties`, before that, a
   * slow object each).
   */
  static readonly #Listed = class implements ObjectInfo {
    readonly key: string;
    readonly #file: string;
    readonly #storage: FsStorage;
    #known: BigIntStats | undefined;
    #etag: string | undefined;

    constructor(key: string, file: string, storage: FsStorage) {
      this.key = key;
      this.#file = file;
      this.#storage = storage;
    }

    get etag(): string {
      this.#etag ??= this.#etagOfOpen();
      return this.#etag;
    }

    get size(): number {
      return Number(this.#stats().size);
    }

    get lastModified(): Date {
      return new Date(Number(this.#stats().mtimeMs));
    }

    #stats(): BigIntStats {
      this.#known ??= readableStats(this.#file) ?? undefined;
      if (!this.#known?.isFile()) throw noLongerAFile(this.#file);
      return this.#known;
    }

    /**
     * The ETag alone (what a rebuild compares) opens the file once: the open's fstat checks the cache, and a miss
     * hashes through the same descriptor (a stat first cost a sixth of an unchanged rebuild of 30,000 posts).
     */
    #etagOfOpen(): string {
      const storage = this.#storage;
      const file = this.#file;
      // A file whose ETag is cached (computed here or passed on by another process) is only stat'ed: unchanged, it is not opened.
      if (this.#known === undefined && storage.#etags.has(file)) this.#stats();
      if (this.#known !== undefined) return storage.#etagOfFile(file, this.#known);
      const opened = openRegular(file);
      if (opened === null) throw noLongerAFile(file);
      this.#known = opened.stats;
      try {
        return storage.#cached(file, opened.stats) ?? storage.#remember(file, opened.stats, md5OfOpen(opened.fd));
      } finally {
        closeSync(opened.fd);
      }
    }
  };

  /**
   * Where the symbolic link `key` leads: `{ folder }` with the folder's real path, `{ folder: null }` for a
   * file, `null` when it leads nowhere (broken), or why it cannot be followed.
   */
  #linkTarget(key: string, realFolder: string): { folder: string | null } | string | null {
    const link = path.join(this.root, key);
    let real: string;
    try {
      real = realpathSync.native(link);
    } catch (error) {
      if (errorCode(error) === 'ELOOP') return 'symbolic link loop';
      if (isMissing(error)) return null;
      throw error;
    }
    if (!this.#inside(link, real)) return `symbolic link to ${real}, outside ${this.root}`;
    const stats = readableStats(real);
    if (!stats?.isDirectory()) return { folder: null };
    // Following a link to the folder itself or to one of its parents would list the same files forever.
    if (realFolder === real || realFolder.startsWith(real + path.sep)) return `symbolic link loop (to ${real}, which contains it)`;
    return { folder: real };
  }

  /** Whether `file` (its real path, if already known) lies inside the root once every link is followed. */
  #inside(file: string, real: string | null = realpathOrNull(file)): boolean {
    this.#realRoot ??= realpathOrNull(this.root) ?? undefined;
    const root = this.#realRoot;
    return root !== undefined && real !== null && (real === root || real.startsWith(root.endsWith(path.sep) ? root : root + path.sep));
  }

  /** The open file when `file` is a regular file inside the root; `null` for anything else, without blocking. */
  #openObject(file: string): { fd: number; stats: BigIntStats } | null {
    const opened = openRegular(file);
    if (opened !== null && !this.#inside(file, realpathOfOpen(opened.fd) ?? realpathOrNull(file))) {
      closeSync(opened.fd);
      return null;
    }
    return opened;
  }

  /** The file of a valid key (`path.join`, which also normalizes, is needed only where the separator is not `/`). */
  #fileOf(key: string): string {
    return path.sep === '/' && this.root !== '/' ? `${this.root}/${key}` : path.join(this.root, key);
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

  /**
   * The sidecar for `key` if there is one and it describes the bytes of `file` (`stats`): written with this very
   * file, or naming the ETag `etag()` gives.
   */
  #sidecar(key: string, file: string, stats: BigIntStats, etag: () => string): Sidecar | null {
    const sidecarFile = this.#sidecarFile(key);
    // Most files (hand-written posts) have none; a thrown ENOENT costs more than reading a small post.
    if (!existsSync(sidecarFile)) return null;
    const opened = openRegular(sidecarFile);
    if (opened === null) return null;
    let sidecar: Sidecar;
    try {
      sidecar = JSON.parse(readFileSync(opened.fd, 'utf8')) as Sidecar;
    } catch (error) {
      if (error instanceof SyntaxError) return null;
      throw error;
    } finally {
      closeSync(opened.fd);
    }
    if (sidecar.key !== key) return null;
    if (sidecar.stamp === stamp(stats)) {
      if (sidecar.etag !== undefined) this.#remember(file, stats, sidecar.etag);
      return sidecar;
    }
    return sidecar.etag !== undefined && sidecar.etag === etag() ? sidecar : null;
  }

  /**
   * What `key`'s sidecar says of `file` (`stats`), looked up on first access unless `now`: most reads (a build
   * reading its posts) ask only for the bytes and their ETag, and most files (hand-written posts) have no
   * sidecar, which still cost a hash of the key and a failed lookup each. Read later than the bytes, a sidecar
   * written since describes other bytes and is ignored.
   */
  #described(key: string, file: string, stats: BigIntStats, etag: () => string, now = false): Omit<StoredObject, 'body'> {
    return new FsStorage.#Described(key, file, stats, etag, this, now);
  }

  /**
   * What `#described` makes: each getter computed when first read (the ETag hashes, the rest reads the sidecar). The
   * getters are the class's, as for `#Listed`: an object literal made a closure for each, on every post read.
   */
  static readonly #Described = class implements Omit<StoredObject, 'body'> {
    readonly lastModified: Date;
    readonly #key: string;
    readonly #file: string;
    readonly #stats: BigIntStats;
    readonly #etagOf: () => string;
    readonly #storage: FsStorage;
    #etag: string | undefined;
    #found: { sidecar: Sidecar | null } | undefined;
    #metadata: Record<string, string> | undefined;

    constructor(key: string, file: string, stats: BigIntStats, etag: () => string, storage: FsStorage, now: boolean) {
      this.lastModified = new Date(Number(stats.mtimeMs));
      this.#key = key;
      this.#file = file;
      this.#stats = stats;
      this.#etagOf = etag;
      this.#storage = storage;
      if (now) this.#sidecarOnce();
    }

    #sidecarOnce(): Sidecar | null {
      this.#found ??= { sidecar: this.#storage.#sidecar(this.#key, this.#file, this.#stats, this.#etagOf) };
      return this.#found.sidecar;
    }

    get etag(): string {
      this.#etag ??= this.#etagOf();
      return this.#etag;
    }

    get contentType(): string | undefined {
      return this.#sidecarOnce()?.contentType;
    }

    get cacheControl(): string | undefined {
      return this.#sidecarOnce()?.cacheControl;
    }

    get metadata(): Record<string, string> {
      this.#metadata ??= { ...this.#sidecarOnce()?.metadata };
      return this.#metadata;
    }
  };

  /**
   * A new file holding `bytes`, in the thread pool: making a file is most of a write's cost (on ext4, finding a free
   * inode; 0.1 to 1 ms each after a large folder was removed), and the caller renders the next feed meanwhile.
   */
  async #writeTemp(bytes: Uint8Array | string): Promise<string> {
    const folder = path.join(this.root, RESERVED_DIR, 'tmp');
    const temp = path.join(folder, `${this.#tempPrefix}${this.#temps++}`);
    await this.#inFolder(folder, () => writeNew(temp, bytes));
    return temp;
  }

  /**
   * Runs the writes of one key one after another: a put's file and sidecar are renamed into place with a write of
   * its temporary sidecar between them, and another write of the key must not land there.
   */
  #oneAtATime<T>(key: string, write: () => Promise<T>): Promise<T> {
    const before = this.#writes.get(key);
    const done = before ? before.then(write, write) : write();
    this.#writes.set(key, done);
    const forget = () => {
      if (this.#writes.get(key) === done) this.#writes.delete(key);
    };
    done.then(forget, forget);
    return done;
  }

  /**
   * Settles once the key's writes in flight are done, so that a read in this process never sees a file without its
   * sidecar; `undefined` when there are none (nearly always: a read then does not wait for a turn of the event loop).
   */
  #written(key: string): Promise<unknown> | undefined {
    return this.#writes.get(key)?.catch(() => {});
  }

  /** Creates the folder `key`'s file goes in (`folder`), unless this storage already made or found it. */
  #mkdirFor(key: string, folder: string): void {
    try {
      this.#makeFolder(folder);
    } catch (error) {
      const code = errorCode(error);
      if (code === 'EEXIST' || code === 'ENOTDIR') {
        throw new InvalidKeyError(key, FOLDER_IS_OBJECT);
      }
      throw error;
    }
  }

  #makeFolder(folder: string): void {
    if (this.#folders.has(folder)) return;
    mkdirSync(folder, { recursive: true });
    this.#folders.add(folder);
  }

  /**
   * Runs `write`, which creates a file in `folder`, creating the folder first (`makeFolder`) unless this storage
   * already made or found it. One removed since (by another process, or by hand) is made again, and `write` run
   * once more. The first `write` starts before anything is awaited: a rename stays one step with the check before it.
   */
  async #inFolder(folder: string, write: () => unknown, makeFolder = () => this.#makeFolder(folder)): Promise<void> {
    makeFolder();
    try {
      await write();
    } catch (error) {
      if (errorCode(error) !== 'ENOENT') throw error;
      this.#folders.delete(folder);
      makeFolder();
      await write();
    }
  }

  #pruneEmptyFolders(folder: string): void {
    while (folder !== this.root && folder.startsWith(this.root + path.sep)) {
      try {
        rmdirSync(folder);
      } catch {
        return;
      }
      this.#folders.delete(folder);
      folder = path.dirname(folder);
    }
  }

  /** Whether the file of this stamp had last changed `SETTLED_NS` before this storage started. */
  #settled(fileStamp: string): boolean {
    return changedAt(fileStamp) < this.#started - SETTLED_NS;
  }

  /** Caches an ETag computed or adopted here, noting whether `knownEtags` changes by it. */
  #set(file: string, entry: CachedEtag): void {
    this.#etags.set(file, entry);
    this.#departed = true;
    if (this.#settled(entry.stamp)) this.#changed = true;
  }

  #cached(file: string, stats: BigIntStats): string | undefined {
    const cached = this.#etags.get(file);
    if (cached?.stamp !== stamp(stats)) return undefined;
    if (cached.given && !cached.used) this.#givenUsed++;
    cached.used = true;
    return cached.etag;
  }

  #remember(file: string, stats: BigIntStats, etag: string): string {
    this.#set(file, { stamp: stamp(stats), etag, used: true });
    return etag;
  }

  #etagOfFile(file: string, stats: BigIntStats): string {
    return this.#cached(file, stats) ?? this.#remember(file, stats, md5OfFile(file));
  }
}

const HASH_CHUNK = 1 << 20;

/**
 * One chunk for every file: the hashing is synchronous, so no two calls share it at once. A chunk per call
 * made listing 30,000 posts allocate 30 GB, and garbage collection was 40% of an unchanged rebuild.
 */
let hashChunk: Buffer | undefined;

/** The S3 ETag of a file, read a chunk at a time: an oversized post costs no more memory than a small one. */
function md5OfFile(file: string): string {
  const opened = openRegular(file);
  if (opened === null) throw noLongerAFile(file);
  try {
    return md5OfOpen(opened.fd);
  } finally {
    closeSync(opened.fd);
  }
}

function md5OfOpen(fd: number): string {
  const hash = createHash('md5');
  hashChunk ??= Buffer.allocUnsafe(HASH_CHUNK);
  const chunk = hashChunk;
  for (let read = readSync(fd, chunk); read > 0; read = readSync(fd, chunk)) hash.update(chunk.subarray(0, read));
  return `"${hash.digest('hex')}"`;
}

function noLongerAFile(file: string): Error {
  return Object.assign(new Error(`${file} is no longer a regular file`), { code: 'ENOENT' });
}

/**
 * The `size` bytes fstat counted when `fd` was opened (fewer if the file shrank meanwhile, no more if it grew):
 * `readFileSync` would fstat the file again to learn the size.
 */
function readOpen(fd: number, size: number): Buffer {
  const body = Buffer.allocUnsafe(size);
  let filled = 0;
  for (let read = -1; filled < size && read !== 0; filled += read) read = readSync(fd, body, filled, size - filled, null);
  return filled < size ? body.subarray(0, filled) : body;
}

/**
 * Opens `file` only if it is a regular file. O_NONBLOCK makes opening a FIFO return at once (a plain open
 * waits for a writer, for ever, and holds the event loop so that not even Ctrl-C gets through); it changes
 * nothing for regular files. `null` when missing or not a regular file.
 */
function openRegular(file: string): { fd: number; stats: BigIntStats } | null {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    if (isUnreadable(error)) return null;
    throw error;
  }
  try {
    const stats = fstatSync(fd, { bigint: true });
    if (stats.isFile()) return { fd, stats };
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  closeSync(fd);
  return null;
}

/** What identifies one version of a file without reading it: every write changes the inode or the times. */
function stamp(stats: BigIntStats): string {
  return `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeNs}:${stats.ctimeNs}`;
}

/** The change time (ns) a `stamp` holds. */
function changedAt(fileStamp: string): bigint {
  return BigInt(fileStamp.slice(fileStamp.lastIndexOf(':') + 1));
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
  const characters = characterProblem(key);
  if (characters !== null) return characters;
  for (const segment of key.split('/')) {
    const problem = segmentProblem(segment);
    if (problem !== null) return problem;
  }
  return null;
}

function characterProblem(text: string): string | null {
  if (text.includes('\\')) return 'contains a backslash';
  if (text.includes('\0')) return 'contains NUL';
  return null;
}

function segmentProblem(segment: string): string | null {
  if (segment === '') return 'has an empty path segment';
  if (segment === '.' || segment === '..') return `has a "${segment}" segment`;
  return null;
}

/** Whether `keyProblem` finds one in a key made of a valid folder's key and this file name. */
function nameProblem(name: string): boolean {
  return segmentProblem(name) !== null || characterProblem(name) !== null;
}

/** In any case and Unicode form: on a case-insensitive file system `.HERALD/meta` is the reserved folder. */
function isReserved(key: string): boolean {
  return foldName(key.split('/', 1)[0]!) === RESERVED_DIR;
}

// Linux names the file behind a descriptor in /proc: one readlink, where realpath walks every component.
const FD_PATHS = existsSync('/proc/self/fd') ? '/proc/self/fd/' : null;

/** The real path of the file open as `fd`, where the system tells it cheaply; null elsewhere. */
function realpathOfOpen(fd: number): string | null {
  if (FD_PATHS === null) return null;
  try {
    return readlinkSync(FD_PATHS + fd);
  } catch {
    return null;
  }
}

function realpathOrNull(file: string): string | null {
  try {
    return realpathSync.native(file);
  } catch (error) {
    if (isUnreadable(error)) return null;
    throw error;
  }
}

/** `stat` for reading: a link loop or a missing file is `null`, as nothing can be read there. */
function readableStats(file: string): BigIntStats | null {
  return statUnless(file, isUnreadable);
}

function statOrNull(file: string): BigIntStats | null {
  return statUnless(file, isMissing);
}

/** `stat`, or `null` for the errors `expected` accepts. */
function statUnless(file: string, expected: (error: unknown) => boolean): BigIntStats | null {
  try {
    return statSync(file, { bigint: true });
  } catch (error) {
    if (expected(error)) return null;
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

/** Missing, or nothing a read could reach: a link loop, a socket (which open refuses with ENXIO). */
function isUnreadable(error: unknown): boolean {
  const code = errorCode(error);
  return isMissing(error) || code === 'ELOOP' || code === 'ENXIO';
}

/**
 * `fs.writeFile` with a callback: the calling thread spends a third of the time `fs/promises`' `writeFile` takes on
 * it (measured: 45 against 130 ms for 3,000 files), since it writes the bytes in one request rather than through a
 * `FileHandle`.
 */
function writeNew(file: string, bytes: Uint8Array | string): Promise<void> {
  return new Promise((resolve, reject) => writeFile(file, bytes, { flag: 'wx' }, (error) => (error ? reject(error) : resolve())));
}

function unlinkQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch (error) {
    if (!isMissing(error)) throw error;
  }
}
