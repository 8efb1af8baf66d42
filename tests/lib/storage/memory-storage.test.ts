import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { intercept, type StorageCall } from '../../../lib/storage/intercept.ts';
import { MemoryStorage } from '../../../lib/storage/memory/memory-storage.ts';
import { storageContract } from './contract.ts';

const md5Etag = (bytes: Uint8Array | string) => `"${createHash('md5').update(bytes).digest('hex')}"`;

describe('MemoryStorage', () => {
  storageContract(() => new MemoryStorage());

  it('reads back as text what was put as text or as bytes, with the ETag get gives', async () => {
    const storage = new MemoryStorage();
    const text = '{"title":"中文 😀"}';
    await storage.put('a.json', text);
    await storage.put('b.json', new TextEncoder().encode(text));
    for (const key of ['a.json', 'b.json']) {
      expect(await storage.getText(key)).toEqual({ text, etag: md5Etag(text) });
      expect((await storage.get(key))!.etag).toBe(md5Etag(text));
    }
    // A lone surrogate is stored as the encoder writes it (U+FFFD): bytes, size and ETag agree.
    await storage.put('c.txt', 'a\uD800b');
    const bytes = new TextEncoder().encode('a\uD800b');
    expect((await storage.get('c.txt'))!.body).toEqual(bytes);
    expect(await storage.head('c.txt')).toMatchObject({ size: bytes.byteLength, etag: md5Etag(bytes) });
    expect(await storage.getText('missing.json')).toBeNull();
  });

  it('counts a read of text as a get when intercepted', async () => {
    const calls: StorageCall['op'][] = [];
    const storage = intercept(new MemoryStorage(), { before: (call) => void calls.push(call.op) });
    await storage.put('a.json', '{}');
    expect(await storage.getText!('a.json')).toMatchObject({ text: '{}' });
    expect(calls).toEqual(['put', 'get']);
  });
});
