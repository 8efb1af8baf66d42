import {
  PreconditionFailedError,
  type GetOptions,
  type ObjectInfo,
  type OversizedObject,
  type PutOptions,
  type Storage,
  type StoredObject,
  type TextObject,
} from '../storage.ts';
import { compareKeys, etagOf, validatePutOptions, toBytes } from '../semantics.ts';

interface Entry {
  /**
   * A string as it was given: strings cannot be mutated, so holding one needs no copy, and the JSON a build
   * writes (30,000 records, most never read again) is encoded only if read as bytes.
   */
  body: Uint8Array | string;
  /** Hashed on first use (`etagOf`): a build writes 30,000 records whose ETags nobody asks for. */
  etag?: string;
  size?: number;
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
  readonly #objects = new Map<string, Entry>();

  get(key: string): Promise<StoredObject | null>;
  get(key: string, options: GetOptions): Promise<StoredObject | OversizedObject | null>;
  async get(key: string, { maxBytes = Number.POSITIVE_INFINITY }: GetOptions = {}): Promise<StoredObject | OversizedObject | null> {
    const entry = this.#objects.get(key);
    if (!entry) return null;
    const size = sizeOf(entry);
    if (size > maxBytes) return withEtag({ oversized: true, etag: '', size } as OversizedObject, entry);
    // Encoding a string makes new bytes; only stored bytes need copying.
    const body = typeof entry.body === 'string' ? toBytes(entry.body) : entry.body.slice();
    return Object.assign(describe(entry), { body });
  }

  /** The body as the text it was put as: reading JSON back costs neither an encode nor a decode. */
  async getText(key: string): Promise<TextObject | null> {
    const entry = this.#objects.get(key);
    if (!entry) return null;
    const text = typeof entry.body === 'string' ? entry.body : decoder.decode(entry.body);
    return withEtag({ text, etag: '' }, entry);
  }

  async head(key: string): Promise<(Omit<StoredObject, 'body'> & { size: number }) | null> {
    const entry = this.#objects.get(key);
    return entry ? Object.assign(describe(entry), { size: sizeOf(entry) }) : null;
  }

  async put(key: string, body: Uint8Array | string, options: PutOptions = {}): Promise<{ etag: string }> {
    const metadata = validatePutOptions(options);
    const current = this.#objects.get(key);
    if (options.ifNoneMatch === '*' && current) throw new PreconditionFailedError(key);
    if (options.ifMatch !== undefined && (current && etagOfEntry(current)) !== options.ifMatch) throw new PreconditionFailedError(key);
    const entry: Entry = {
      // Only a caller's buffer needs copying.
      body: typeof body === 'string' ? body : body.slice(),
      contentType: options.contentType,
      cacheControl: options.cacheControl,
      lastModified: new Date(),
      metadata,
    };
    this.#objects.set(key, entry);
    return withEtag({ etag: '' }, entry);
  }

  async delete(key: string): Promise<void> {
    this.#objects.delete(key);
  }

  async *list(prefix = ''): AsyncIterable<ObjectInfo> {
    const keys = [...this.#objects.keys()].filter((key) => key.startsWith(prefix)).sort(compareKeys);
    for (const key of keys) {
      // Like a paginated S3 listing: an object deleted while the caller iterates is not returned.
      const entry = this.#objects.get(key);
      if (entry) yield withEtag({ key, etag: '', size: sizeOf(entry), lastModified: entry.lastModified }, entry);
    }
  }
}

const decoder = new TextDecoder();

function etagOfEntry(entry: Entry): string {
  entry.etag ??= etagOf(toBytes(entry.body));
  return entry.etag;
}

function sizeOf(entry: Entry): number {
  // Counted as the encoder would write it (a lone surrogate as the 3 bytes of U+FFFD), without encoding.
  entry.size ??= typeof entry.body === 'string' ? Buffer.byteLength(entry.body, 'utf8') : entry.body.byteLength;
  return entry.size;
}

/** Replaces `etag` by an enumerable getter: the entry is hashed only when someone reads it. */
function withEtag<T extends { etag: string }>(object: T, entry: Entry): T {
  return Object.defineProperty(object, 'etag', { enumerable: true, configurable: true, get: () => etagOfEntry(entry) });
}

function describe(entry: Entry): Omit<StoredObject, 'body'> {
  return withEtag(
    {
      etag: '',
      ...(entry.contentType !== undefined && { contentType: entry.contentType }),
      ...(entry.cacheControl !== undefined && { cacheControl: entry.cacheControl }),
      lastModified: entry.lastModified,
      metadata: { ...entry.metadata },
    },
    entry,
  );
}
