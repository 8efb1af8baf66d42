/**
 * Objects' bytes kept in a file rather than in memory, for `MemoryStorage` holding `herald build`'s index: each read
 * takes them from the file again, which the system keeps in its cache, not in this process. Bulwark's index with
 * archives is 174 MB of bodies, read back once each at most; held in memory they were a third of the build's peak.
 */
import { closeSync, fstatSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs';

/** What is gathered before a write: 1 MB. */
const PIECE = 1 << 20;

export class BodyFile {
  readonly #fd: number;
  #end: number;
  /** The name of a scratch file the system would not remove while open, removed on `close`. */
  #leftover: string | undefined;
  /**
   * Small bodies gathered into writes of `PIECE` bytes: a write each cost bulwark's build 30,000 system calls. The
   * last `#filled` bytes before `#end` are there, not yet in the file.
   */
  #pending: Uint8Array | undefined;
  #filled = 0;

  private constructor(fd: number) {
    this.#fd = fd;
    this.#end = fstatSync(fd).size;
  }

  /** A new file for bodies written from now on, gone from its folder at once (and so after a crash too). */
  static scratch(file: string): BodyFile {
    const scratch = new BodyFile(openSync(file, 'wx+'));
    try {
      unlinkSync(file);
    } catch {
      scratch.#leftover = file;
    }
    return scratch;
  }

  /** An existing file whose bytes are read (a snapshot: ./snapshot.ts), never written. */
  static reading(file: string): BodyFile {
    return new BodyFile(openSync(file, 'r'));
  }

  get size(): number {
    return this.#end;
  }

  /** `bytes` added at the file's end; they stay there, whatever replaces them. */
  append(bytes: Uint8Array): FileBody {
    const at = this.#end;
    const size = bytes.byteLength;
    if (size > PIECE - this.#filled) this.#flush();
    if (size >= PIECE) {
      this.#write(bytes, at);
    } else {
      this.#pending ??= new Uint8Array(PIECE);
      this.#pending.set(bytes, this.#filled);
      this.#filled += size;
    }
    this.#end += size;
    return new FileBody(this, at, size);
  }

  /** A new array of the `size` bytes at `at`. */
  read(at: number, size: number): Uint8Array {
    const bytes = new Uint8Array(size);
    this.readInto(bytes, 0, at, size);
    return bytes;
  }

  /** The `size` bytes at `at`, copied into `target` from `offset`. */
  readInto(target: Uint8Array, offset: number, at: number, size: number): void {
    if (size === 0) return;
    const waiting = at - (this.#end - this.#filled);
    if (waiting >= 0) {
      target.set(this.#pending!.subarray(waiting, waiting + size), offset);
      return;
    }
    for (let read = 0; read < size; ) {
      const got = readSync(this.#fd, target, offset + read, size - read, at + read);
      if (got === 0) throw new Error(`an object's bytes are cut short in the index's file (${read} of ${size} bytes)`);
      read += got;
    }
  }

  /** The bytes appended since the last write, written. */
  #flush(): void {
    if (this.#filled === 0) return;
    this.#write(this.#pending!.subarray(0, this.#filled), this.#end - this.#filled);
    this.#filled = 0;
  }

  #write(bytes: Uint8Array, at: number): void {
    for (let written = 0; written < bytes.byteLength; )
      written += writeSync(this.#fd, bytes, written, bytes.byteLength - written, at + written);
  }

  close(): void {
    closeSync(this.#fd);
    if (this.#leftover !== undefined) unlinkSync(this.#leftover);
  }
}

/** An object's bytes where a `BodyFile` keeps them. */
export class FileBody {
  constructor(
    readonly file: BodyFile,
    readonly at: number,
    readonly byteLength: number,
  ) {}

  bytes(): Uint8Array {
    return this.file.read(this.at, this.byteLength);
  }

  copyTo(target: Uint8Array, offset: number): void {
    this.file.readInto(target, offset, this.at, this.byteLength);
  }
}

/** An object's bytes, in memory or in a file: both tell their `byteLength` without reading. */
export type Body = Uint8Array | FileBody;

/** The bytes of `body`: for one in memory, that very array (not to be changed). */
export function bytesOf(body: Body): Uint8Array {
  return body instanceof FileBody ? body.bytes() : body;
}
