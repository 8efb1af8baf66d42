import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../../../lib/storage/memory/memory-storage.ts';
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
});
