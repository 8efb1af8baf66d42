import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { BodyFile, bytesOf } from '../../../lib/storage/memory/body-file.ts';
import { MemoryStorage } from '../../../lib/storage/memory/memory-storage.ts';
import { storageContract } from './contract.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'herald-body-file-'));
const opened: BodyFile[] = [];
afterAll(() => {
  for (const file of opened) file.close();
  rmSync(dir, { recursive: true, force: true });
});

let made = 0;
function scratch(): BodyFile {
  const file = BodyFile.scratch(path.join(dir, `scratch-${made++}`));
  opened.push(file);
  return file;
}

const MB = 1 << 20;

describe('BodyFile', () => {
  it('gives back every body appended, small ones gathered before they are written and large ones written at once', () => {
    fc.assert(
      fc.property(
        // Sizes around the 1 MB a write gathers, as sizes: a counterexample of megabytes would fill the log.
        fc.array(fc.oneof(fc.nat(64), fc.integer({ min: MB - 8, max: MB + 8 })), { maxLength: 12 }),
        (sizes) => {
          const bodies = sizes.map((size, index) => new Uint8Array(size).fill((size + index) % 251));
          const file = scratch();
          const stored = bodies.map((bytes) => file.append(bytes));
          // Read back in the order written and in reverse, so that both the written bytes and the gathered ones are read.
          for (const [index, body] of [...stored.entries(), ...[...stored.entries()].reverse()]) {
            expect(body.byteLength).toBe(bodies[index]!.byteLength);
            expect(Buffer.from(body.bytes()).equals(Buffer.from(bodies[index]!))).toBe(true);
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('gives each read an array of its own', () => {
    const body = scratch().append(new Uint8Array([1, 2, 3]));
    const first = body.bytes();
    first[0] = 9;
    expect([...body.bytes()]).toEqual([1, 2, 3]);
  });

  it('leaves no scratch file behind in its folder, even before it is closed', () => {
    const folder = mkdtempSync(path.join(dir, 'scratch-'));
    const file = BodyFile.scratch(path.join(folder, 'index'));
    file.append(new Uint8Array(10));
    expect(readdirSync(folder)).toEqual([]);
    file.close();
  });

  it('reads an existing file as it is', () => {
    const name = path.join(dir, 'existing');
    writeFileSync(name, 'abcdef');
    const file = BodyFile.reading(name);
    opened.push(file);
    expect(file.size).toBe(6);
    expect(Buffer.from(file.read(2, 3)).toString()).toBe('cde');
    expect(() => file.read(4, 4)).toThrow(/cut short/);
    expect(existsSync(name)).toBe(true);
  });

  it('leaves bytes in memory as they are', () => {
    const bytes = new Uint8Array([7]);
    expect(bytesOf(bytes)).toBe(bytes);
  });
});

describe('MemoryStorage with its bodies in a file', () => {
  storageContract(() => new MemoryStorage([], { spill: scratch() }));
});
