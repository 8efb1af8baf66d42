import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { BodyFile } from '../../../lib/storage/memory/body-file.ts';
import { MemoryStorage } from '../../../lib/storage/memory/memory-storage.ts';
import { readSnapshot, SnapshotError, writeSnapshot } from '../../../lib/storage/memory/snapshot.ts';
import type { Storage } from '../../../lib/storage/storage.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'herald-snapshot-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function everything(storage: Storage): Promise<unknown[]> {
  const objects: unknown[] = [];
  for await (const { key } of storage.list('')) {
    const { body, ...rest } = (await storage.get(key))!;
    objects.push({ key, ...rest, body: Buffer.from(body).toString('base64') });
  }
  return objects;
}

async function sample(): Promise<MemoryStorage> {
  const storage = new MemoryStorage();
  await storage.put('records/a.json', '{"a":1}', { contentType: 'application/json' });
  await storage.put('feeds/é/rss.xml', '<rss>中文</rss>', {
    contentType: 'application/rss+xml',
    cacheControl: 'max-age=60',
    metadata: { input: 'x' },
  });
  await storage.put('empty', new Uint8Array());
  await storage.put('binary', new Uint8Array([0, 255, 10, 13]));
  // One ETag already computed, the others not: both read back the same.
  await storage.head('records/a.json');
  return storage;
}

describe('MemoryStorage snapshots', () => {
  it('reads back every object with its bytes, ETag, headers, metadata and time, and the label', async () => {
    const storage = await sample();
    const file = path.join(dir, 'deep/er/index');
    writeSnapshot(file, storage, { content: '/site', etags: { 'a.md': ['1:2', '"x"'] } });
    const saved = readSnapshot(file)!;
    expect(saved.label).toEqual({ content: '/site', etags: { 'a.md': ['1:2', '"x"'] } });
    expect(await everything(saved.storage)).toEqual(await everything(storage));
    // The restored storage is a storage like any other: conditional writes see the restored ETags.
    const { etag } = (await saved.storage.head('empty'))!;
    await expect(saved.storage.put('empty', 'now', { ifMatch: etag })).resolves.toBeDefined();
    saved.file.close();
  });

  it('reads objects from the file when asked for, so that a storage read back can be saved over that very file', async () => {
    const file = path.join(dir, 'over-itself');
    writeSnapshot(file, await sample(), { n: 1 });
    const spill = BodyFile.scratch(path.join(dir, 'spill'));
    const saved = readSnapshot(file, spill)!;
    await saved.storage.put('records/b.json', '{"b":2}');
    // Larger than what the scratch file and the snapshot gather before a write: both write it whole.
    await saved.storage.put('large', new Uint8Array(2 ** 21 + 3).fill(7));
    await saved.storage.delete('binary');
    const expected = await everything(saved.storage);
    writeSnapshot(file, saved.storage, { n: 2 });
    // Still read from the replaced file, which the storage holds open.
    expect(await everything(saved.storage)).toEqual(expected);
    saved.file.close();
    spill.close();
    const again = readSnapshot(file)!;
    expect(again.label).toEqual({ n: 2 });
    expect(await everything(again.storage)).toEqual(expected);
    again.file.close();
  });

  it('is null where there is none, and names the file of anything else it cannot read', () => {
    expect(readSnapshot(path.join(dir, 'missing'))).toBeNull();
    const other = path.join(dir, 'other');
    writeFileSync(other, 'herald-snapshot 1\nolder');
    expect(() => readSnapshot(other)).toThrow(new SnapshotError(other, 'not a Herald snapshot (or one of another version)'));
  });

  it('refuses with SnapshotError, when opened, a file cut off or changed anywhere, an object’s bytes too', async () => {
    const file = path.join(dir, 'valid');
    writeSnapshot(file, await sample(), { content: '/site' });
    const bytes = readFileSync(file);
    const broken = path.join(dir, 'broken');
    fc.assert(
      fc.property(
        fc.nat(bytes.length - 1),
        fc.option(fc.integer({ min: 1, max: 255 })),
        fc.integer({ min: 1, max: 4 }),
        (at, change, span) => {
          // Cut short at `at`, or up to four bytes from there changed (a checksum's promise).
          const copy = change === null ? bytes.subarray(0, at) : Buffer.from(bytes);
          if (change !== null) for (let i = at; i < Math.min(at + span, copy.length); i++) copy[i]! ^= change;
          writeFileSync(broken, copy);
          expect(() => readSnapshot(broken)?.file.close()).toThrow(SnapshotError);
        },
      ),
      { numRuns: 300 },
    );
  });
});
