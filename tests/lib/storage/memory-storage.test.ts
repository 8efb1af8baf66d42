import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../../../lib/storage/memory/memory-storage.ts';
import { compareKeys } from '../../../lib/storage/semantics.ts';
import { storageContract } from './contract.ts';

describe('MemoryStorage', () => {
  storageContract(() => new MemoryStorage());

  it('names the keys put or deleted since it was made (what a kept index must save)', async () => {
    const storage = new MemoryStorage([['kept', { body: new Uint8Array([1]), lastModified: new Date(0), metadata: {} }]]);
    expect([...storage.changedKeys()]).toEqual([]);
    await storage.put('new', 'x');
    await storage.delete('kept');
    await storage.delete('never-there');
    expect([...storage.changedKeys()].sort()).toEqual(['kept', 'new']);
  });

  it('lists every key under a prefix in byte order, through any puts and deletes (its sorted keys made again)', async () => {
    const key = fc
      .array(fc.constantFrom('a', 'b', '/', 'ｚ', '😀', '\uD83D', '\uDE00', '\uE000', '\uFFFF'), { minLength: 1, maxLength: 4 })
      .map((parts) => parts.join(''));
    const step = fc.oneof(
      fc.record({ put: key }),
      fc.record({ del: key }),
      fc.record({
        // Half a surrogate pair too: the keys under it are not next to each other in byte order.
        list: fc.oneof(
          fc.constant(''),
          fc.constant('\uD83D'),
          key.map((k) => k.slice(0, 2)),
          key,
        ),
      }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 30 }), async (steps) => {
        const storage = new MemoryStorage();
        const model = new Set<string>();
        for (const action of steps) {
          if ('put' in action) {
            await storage.put(action.put, 'x');
            model.add(action.put);
          } else if ('del' in action) {
            await storage.delete(action.del);
            model.delete(action.del);
          } else {
            const listed: string[] = [];
            for await (const { key: listedKey } of storage.list(action.list)) listed.push(listedKey);
            expect(listed).toEqual([...model].filter((k) => k.startsWith(action.list)).sort(compareKeys));
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});
