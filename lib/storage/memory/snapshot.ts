/**
 * A `MemoryStorage` saved to one file and read back: how `herald build` keeps its index between runs (S3 keeps it
 * on AWS). One file rather than a folder of objects, as the index of 30,000 posts is 30,000 small records: creating
 * as many files (and their sidecars) would cost a build more than the index saves.
 *
 * Layout: the line `herald-snapshot 2`, the length of the header (4 bytes, big-endian), the header (a JSON text:
 * the caller's label and each object's key, size and metadata), then the objects' bytes one after the other. It is
 * written to a temporary file and renamed, so a reader finds the previous snapshot or the new one, never a torn one.
 */
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { HeraldError } from '../../errors.ts';
import { type Entry, MemoryStorage } from './memory-storage.ts';

const MAGIC = 'herald-snapshot 2\n';

/** One object without its bytes: key, size, last modified (ms), then its ETag when known, content type, cache control and metadata. */
type ObjectHeader = [key: string, size: number, lastModified: number, rest: Omit<Entry, 'body' | 'lastModified'>];

interface Header {
  label: Record<string, unknown>;
  objects: ObjectHeader[];
}

/** A snapshot file that is not one, or is cut short: it is named, and the caller starts without it. */
export class SnapshotError extends HeraldError {
  constructor(file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = 'SnapshotError';
  }
}

/** Saves every object of `storage`, with `label` (what the caller needs to know the snapshot is its own). */
export function writeSnapshot(file: string, storage: MemoryStorage, label: Record<string, unknown>): void {
  const objects: ObjectHeader[] = [];
  const bodies: Uint8Array[] = [];
  for (const [key, { body, lastModified, ...rest }] of storage.entries()) {
    objects.push([key, body.byteLength, lastModified.getTime(), rest]);
    bodies.push(body);
  }
  const header = Buffer.from(JSON.stringify({ label, objects } satisfies Header));
  const length = Buffer.allocUnsafe(4);
  length.writeUInt32BE(header.byteLength);
  mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  const fd = openSync(temp, 'w');
  try {
    writeSync(fd, Buffer.from(MAGIC));
    writeSync(fd, length);
    writeSync(fd, header);
    // A piece at a time: the snapshot of a large site's index with its feed history is hundreds of MB.
    for (let at = 0; at < bodies.length; ) {
      let size = 0;
      const from = at;
      while (at < bodies.length && size < 1 << 20) size += bodies[at++]!.byteLength;
      writeSync(fd, from + 1 === at ? bodies[from]! : Buffer.concat(bodies.slice(from, at), size));
    }
  } catch (error) {
    closeSync(fd);
    rmSync(temp, { force: true });
    throw error;
  }
  closeSync(fd);
  renameSync(temp, file);
}

/** The storage and label saved in `file`; `null` when there is none. */
export function readSnapshot(file: string): { storage: MemoryStorage; label: Record<string, unknown> } | null {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  if (bytes.toString('latin1', 0, MAGIC.length) !== MAGIC)
    throw new SnapshotError(file, 'not a Herald snapshot (or one of another version)');
  const start = MAGIC.length + 4;
  if (start > bytes.length) throw new SnapshotError(file, 'cut short');
  let at = start + bytes.readUInt32BE(MAGIC.length);
  if (at > bytes.length) throw new SnapshotError(file, 'cut short');
  let header: Header;
  try {
    header = JSON.parse(bytes.toString('utf8', start, at)) as Header;
  } catch {
    throw new SnapshotError(file, 'an unreadable header');
  }
  if (!isHeader(header)) throw new SnapshotError(file, 'an unreadable header');
  const entries: [string, Entry][] = [];
  for (const [key, size, lastModified, rest] of header.objects) {
    if (at + size > bytes.length) throw new SnapshotError(file, 'cut short');
    // Copied out, so that the file's buffer goes once read rather than living as long as any one object.
    entries.push([key, { ...rest, body: bytes.subarray(at, at + size).slice(), lastModified: new Date(lastModified) }]);
    at += size;
  }
  if (at !== bytes.length) throw new SnapshotError(file, `${bytes.length - at} bytes more than its header describes`);
  return { storage: new MemoryStorage(entries), label: header.label };
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
