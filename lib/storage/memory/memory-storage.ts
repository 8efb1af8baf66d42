import {
  PreconditionFailedError,
  type GetOptions,
  type ObjectInfo,
  type OversizedObject,
  type PutOptions,
  type Storage,
  type StoredObject,
} from '../storage.ts';
import { compareKeys, etagOf, validatePutOptions, toBytes } from '../semantics.ts';
import { type Body, type BodyFile, bytesOf, FileBody } from './body-file.ts';

/** One stored object as kept, and as a snapshot (./snapshot.ts) saves it. */
export interface Entry {
  /** In memory, or in a file (`spill`, or the snapshot read): never changed once stored. */
  body: Body;
  /** Hashed on first use (`etagOf`): a build writes 30,000 records whose ETags nobody asks for. */
  etag?: string;
  contentType?: string;
  cacheControl?: string;
  lastModified: Date;
  metadata: Record<string, string>;
}

/**
 * Objects in a Map, with S3's semantics (ETags, conditional writes, byte-ordered listing, metadata rules).
 * Bodies are copied in and out, so a caller mutating a buffer never changes what is stored.
 * For faults and forced interleavings wrap it with `intercept` (../intercept.ts).
 */
export class MemoryStorage implements Storage {
  readonly #objects: Map<string, Entry>;
  readonly #changed = new Set<string>();
  /** Every key in listing order, made again after a key comes or goes: a rebuild lists three prefixes in a row. */
  #sorted: string[] | undefined;

  /** Where the bodies put from now on are kept, when not in memory. */
  readonly #spill: BodyFile | undefined;

  /** `objects` are taken as they are (a snapshot read back), not copied. */
  constructor(objects: Iterable<[string, Entry]> = [], { spill }: { spill?: BodyFile } = {}) {
    this.#objects = new Map(objects);
    this.#spill = spill;
  }

  /** The keys put or deleted since this storage was made, whether or not their bytes changed. */
  changedKeys(): ReadonlySet<string> {
    return this.#changed;
  }

  /** Every object as stored, for a snapshot; the entries must not be changed. */
  entries(): IterableIterator<[string, Readonly<Entry>]> {
    return this.#objects.entries();
  }

  get(key: string): Promise<StoredObject | null>;
  get(key: string, options: GetOptions): Promise<StoredObject | OversizedObject | null>;
  async get(key: string, { maxBytes = Number.POSITIVE_INFINITY }: GetOptions = {}): Promise<StoredObject | OversizedObject | null> {
    const entry = this.#objects.get(key);
    if (!entry) return null;
    const { body } = entry;
    const size = body.byteLength;
    if (size > maxBytes) return { oversized: true, etag: etagOfEntry(entry), size };
    return new Got(entry, body instanceof FileBody ? body.bytes() : body.slice());
  }

  async head(key: string): Promise<(Omit<StoredObject, 'body'> & { size: number }) | null> {
    const entry = this.#objects.get(key);
    return entry ? new Headed(entry) : null;
  }

  async put(key: string, body: Uint8Array | string, options: PutOptions = {}): Promise<{ etag: string }> {
    const metadata = validatePutOptions(options);
    const current = this.#objects.get(key);
    if (options.ifNoneMatch === '*' && current) throw new PreconditionFailedError(key);
    if (options.ifMatch !== undefined && (current && etagOfEntry(current)) !== options.ifMatch) throw new PreconditionFailedError(key);
    // A string is encoded into new bytes; only a caller's buffer needs copying (or is copied into the file).
    const bytes = typeof body === 'string' ? toBytes(body) : this.#spill ? body : body.slice();
    const entry: Entry = {
      body: this.#spill ? this.#spill.append(bytes) : bytes,
      contentType: options.contentType,
      cacheControl: options.cacheControl,
      lastModified: new Date(),
      metadata,
    };
    if (!current) this.#sorted = undefined;
    this.#objects.set(key, entry);
    this.#changed.add(key);
    return new Etagged(entry);
  }

  async delete(key: string): Promise<void> {
    if (!this.#objects.delete(key)) return;
    this.#changed.add(key);
    this.#sorted = undefined;
  }

  async *list(prefix = ''): AsyncIterable<ObjectInfo> {
    this.#sorted ??= [...this.#objects.keys()].sort(compareKeys);
    const keys = this.#sorted;
    // The keys under a prefix are next to each other in byte order: from the first not before it, while they have it.
    // (A prefix ending in half a surrogate pair is no string of whole characters: every key is checked.)
    const scan = SURROGATE.test(prefix);
    let low = 0;
    let high = scan ? 0 : keys.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (compareKeys(keys[mid]!, prefix) < 0) low = mid + 1;
      else high = mid;
    }
    for (let index = low; index < keys.length; index++) {
      const key = keys[index]!;
      if (!key.startsWith(prefix)) {
        if (scan) continue;
        break;
      }
      // Like a paginated S3 listing: an object deleted while the caller iterates is not returned.
      const entry = this.#objects.get(key);
      if (entry) yield new Listed(key, entry);
    }
  }
}

const SURROGATE = /[\uD800-\uDFFF]/;

function etagOfEntry(entry: Entry): string {
  entry.etag ??= etagOf(bytesOf(entry.body));
  return entry.etag;
}

/**
 * An object's ETag, hashed when read (what a put, get, head or listing answers): a rebuild gets every stored record
 * and needs the ETags only of those it rewrites. The getter is the class's: an object literal made a closure for it
 * each time.
 */
class Etagged {
  readonly #entry: Entry;

  constructor(entry: Entry) {
    this.#entry = entry;
  }

  get etag(): string {
    return etagOfEntry(this.#entry);
  }
}

/** What a get or a head answers, but the body or size. */
class Described extends Etagged implements Omit<StoredObject, 'body'> {
  declare readonly contentType?: string;
  declare readonly cacheControl?: string;
  readonly lastModified: Date;
  readonly metadata: Record<string, string>;

  constructor(entry: Entry) {
    super(entry);
    if (entry.contentType !== undefined) this.contentType = entry.contentType;
    if (entry.cacheControl !== undefined) this.cacheControl = entry.cacheControl;
    this.lastModified = entry.lastModified;
    this.metadata = { ...entry.metadata };
  }
}

/** What a get answers: its body is set in the constructor, so every answer has one shape. */
class Got extends Described implements StoredObject {
  constructor(
    entry: Entry,
    readonly body: Uint8Array,
  ) {
    super(entry);
  }
}

/** What a head answers. */
class Headed extends Described {
  readonly size: number;

  constructor(entry: Entry) {
    super(entry);
    this.size = entry.body.byteLength;
  }
}

/** A listed object. */
class Listed extends Etagged implements ObjectInfo {
  readonly size: number;
  readonly lastModified: Date;

  constructor(
    readonly key: string,
    entry: Entry,
  ) {
    super(entry);
    this.size = entry.body.byteLength;
    this.lastModified = entry.lastModified;
  }
}
