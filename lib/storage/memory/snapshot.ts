/**
 * A `MemoryStorage` saved to one file and read back: how `herald build` keeps its index between runs (S3 keeps it
 * on AWS). One file rather than a folder of objects, as the index of 30,000 posts is 30,000 small records: creating
 * as many files (and their sidecars) would cost a build more than the index saves.
 *
 * Layout: the line `herald-snapshot 4`, the objects' bytes one after the other, the header (a JSON text: the
 * caller's label and each object's key, size and metadata), the header's length (4 bytes, big-endian), then the
 * CRC-32 of all that (4 bytes, big-endian). The header comes last so that both are written a piece at a time, in two
 * passes over the objects: the snapshot of a large site's index is 50 to 200 MB, its header 9 MB for bulwark's, and a
 * build's memory peaks as it ends. It is written to a temporary file and renamed, so a reader finds the previous
 * snapshot or the new one, never a torn one.
 *
 * The checksum is read through when the snapshot is opened, before any object is: an object is read only when a
 * build needs it, and a damaged one (a disk's fault, a hand's edit) then crashed the build half done, or, where it
 * still parsed, put wrong records into feeds that no later build would read again. CRC-32 finds any change of up to
 * four bytes in a row; it takes zlib 40 ms for 200 MB here, besides reading them (from the system's cache, mostly).
 */
import { closeSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { HeraldError } from '../../errors.ts';
import { type Body, BodyFile, bytesOf, FileBody } from './body-file.ts';
import { type Entry, MemoryStorage } from './memory-storage.ts';

const MAGIC = 'herald-snapshot 4\n';
/** What is gathered before a write: 1 MB. */
const PIECE = 1 << 20;

/** One object without its bytes: key, size, last modified (ms), then its ETag when known, content type, cache control and metadata. */
type ObjectHeader = [key: string, size: number, lastModified: number, rest: Omit<Entry, 'body' | 'lastModified'>];

interface Header {
  label: Record<string, unknown>;
  objects: ObjectHeader[];
}

/** A snapshot file that is not one, is cut short or damaged: it is named, and the caller starts without it. */
export class SnapshotError extends HeraldError {
  constructor(file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = 'SnapshotError';
  }
}

/** Saves every object of `storage`, with `label` (what the caller needs to know the snapshot is its own). */
export function writeSnapshot(file: string, storage: MemoryStorage, label: Record<string, unknown>): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  const fd = openSync(temp, 'w');
  try {
    const pieces = new Pieces(fd);
    pieces.add(Buffer.from(MAGIC));
    for (const [, { body }] of storage.entries()) pieces.add(body);
    pieces.flush();
    // The header's JSON text, object by object: `{"label":…,"objects":[[…],[…]]}`. The label's objects (a folder's
    // ETags: 30,000 entries for bulwark) an entry at a time too.
    let headerBytes = 0;
    const text = (json: string) => {
      headerBytes += pieces.addText(json);
    };
    /** `open`, each item as `write` writes it, comma-separated, then `close`. */
    const list = <T>(open: string, items: Iterable<T>, close: string, write: (item: T) => void) => {
      text(open);
      let first = true;
      for (const item of items) {
        if (!first) text(',');
        first = false;
        write(item);
      }
      text(close);
    };
    text('{"label":');
    list('{', Object.entries(label), '}', ([name, value]) => {
      text(`${JSON.stringify(name)}:`);
      if (value === null || typeof value !== 'object' || Array.isArray(value)) text(JSON.stringify(value) ?? 'null');
      else list('{', Object.entries(value), '}', ([key, entry]) => text(`${JSON.stringify(key)}:${JSON.stringify(entry) ?? 'null'}`));
    });
    text(',"objects":');
    list('[', storage.entries(), ']', ([key, { body, lastModified, ...rest }]) =>
      text(JSON.stringify([key, body.byteLength, lastModified.getTime(), rest] satisfies ObjectHeader)),
    );
    text('}');
    pieces.add(uint32(headerBytes));
    pieces.flush();
    pieces.add(uint32(pieces.crc));
    pieces.flush();
  } catch (error) {
    closeSync(fd);
    rmSync(temp, { force: true });
    throw error;
  }
  closeSync(fd);
  try {
    renameSync(temp, file);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

/**
 * Small buffers gathered into writes of `PIECE` bytes through one buffer, reused: a new one per write (`concat`) held
 * 30 MB more at the end of bulwark's build, until garbage collection came for them.
 */
class Pieces {
  readonly #buffer = Buffer.allocUnsafe(PIECE);
  #filled = 0;
  /** The CRC-32 of the bytes written so far. */
  crc = 0;

  constructor(readonly fd: number) {}

  /** `body`'s bytes; one in a file is read into the buffer, not into an array of its own first. */
  add(body: Body): void {
    const size = body.byteLength;
    if (size > PIECE - this.#filled) {
      this.flush();
      if (size >= PIECE) {
        this.#write(bytesOf(body), size);
        return;
      }
    }
    if (body instanceof FileBody) body.copyTo(this.#buffer, this.#filled);
    else this.#buffer.set(body, this.#filled);
    this.#filled += size;
  }

  /** `text` as UTF-8, written into the buffer rather than encoded into a new one; returns its length in bytes. */
  addText(text: string): number {
    const length = Buffer.byteLength(text);
    if (length > PIECE - this.#filled) {
      this.flush();
      if (length >= PIECE) {
        this.#write(Buffer.from(text), length);
        return length;
      }
    }
    this.#filled += this.#buffer.write(text, this.#filled);
    return length;
  }

  flush(): void {
    this.#write(this.#buffer, this.#filled);
    this.#filled = 0;
  }

  /** The first `length` bytes, all of them: a write may take fewer (as `writeFileSync`, which loops the same way). */
  #write(bytes: Uint8Array, length: number): void {
    this.crc = crc32(bytes.subarray(0, length), this.crc);
    for (let written = 0; written < length; ) written += writeSync(this.fd, bytes, written, length - written);
  }
}

/** A snapshot read back. */
export interface Snapshot {
  storage: MemoryStorage;
  label: Record<string, unknown>;
  /** The snapshot's file, from which the storage reads the objects' bytes when asked for them: close it after. */
  file: BodyFile;
}

/**
 * The storage and label saved in `file`; `null` when there is none. Only the header is read: each object's bytes
 * stay in the file until asked for (`BodyFile`), and objects put since go to `spill` when given.
 */
export function readSnapshot(file: string, spill?: BodyFile): Snapshot | null {
  let bodies: BodyFile;
  try {
    bodies = BodyFile.reading(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  try {
    const size = bodies.size;
    if (size < MAGIC.length || asBuffer(bodies.read(0, MAGIC.length)).toString('latin1') !== MAGIC)
      throw new SnapshotError(file, 'not a Herald snapshot (or one of another version)');
    if (size < MAGIC.length + 8) throw new SnapshotError(file, 'cut short');
    const end = size - 8;
    if (checksum(bodies, end + 4) !== asBuffer(bodies.read(end + 4, 4)).readUInt32BE(0))
      throw new SnapshotError(file, 'damaged or cut short: its bytes do not match their checksum');
    const start = end - asBuffer(bodies.read(end, 4)).readUInt32BE(0);
    if (start < MAGIC.length) throw new SnapshotError(file, 'cut short');
    let header: Header;
    try {
      header = JSON.parse(asBuffer(bodies.read(start, end - start)).toString('utf8')) as Header;
    } catch {
      throw new SnapshotError(file, 'an unreadable header');
    }
    if (!isHeader(header)) throw new SnapshotError(file, 'an unreadable header');
    const entries: [string, Entry][] = [];
    let at = MAGIC.length;
    for (const [key, size, lastModified, rest] of header.objects) {
      if (at + size > start) throw new SnapshotError(file, 'its objects overrun its header');
      entries.push([key, { ...rest, body: new FileBody(bodies, at, size), lastModified: new Date(lastModified) }]);
      at += size;
    }
    if (at !== start) throw new SnapshotError(file, `${start - at} bytes more than its header describes`);
    return { storage: new MemoryStorage(entries, { spill }), label: header.label, file: bodies };
  } catch (error) {
    bodies.close();
    throw error;
  }
}

/** The CRC-32 of the file's first `size` bytes, read a piece at a time. */
function checksum(bodies: BodyFile, size: number): number {
  const piece = new Uint8Array(Math.min(PIECE, size));
  let crc = 0;
  for (let at = 0; at < size; at += piece.length) {
    const length = Math.min(piece.length, size - at);
    bodies.readInto(piece, 0, at, length);
    crc = crc32(piece.subarray(0, length), crc);
  }
  return crc;
}

function uint32(value: number): Buffer {
  const bytes = Buffer.allocUnsafe(4);
  bytes.writeUInt32BE(value);
  return bytes;
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function isHeader(header: unknown): header is Header {
  if (header === null || typeof header !== 'object') return false;
  const { label, objects } = header as Partial<Header>;
  return (
    label !== null &&
    typeof label === 'object' &&
    Array.isArray(objects) &&
    objects.every(
      (object) =>
        Array.isArray(object) &&
        typeof object[0] === 'string' &&
        Number.isSafeInteger(object[1]) &&
        object[1] >= 0 &&
        Number.isFinite(object[2]) &&
        object[3] !== null &&
        typeof object[3] === 'object' &&
        (object[3].metadata === undefined || (object[3].metadata !== null && typeof object[3].metadata === 'object')),
    )
  );
}
