import { describe, expect, it } from 'vitest';
import { intercept, type StorageCall, WRITES } from '../../../lib/storage/intercept.ts';
import { MemoryStorage } from '../../../lib/storage/memory/memory-storage.ts';
import { PreconditionFailedError } from '../../../lib/storage/storage.ts';

const text = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes);

describe('intercept', () => {
  it('sees every call with its arguments, a listing once', async () => {
    const calls: string[] = [];
    const storage = intercept(new MemoryStorage(), {
      before: (call) => void calls.push(`before ${call.op} ${'key' in call ? call.key : call.prefix}`),
      after: (call) => void calls.push(`after ${call.op}`),
    });
    await storage.put('a', 'x', { contentType: 'text/plain' });
    await storage.get('a');
    await storage.head('a');
    for await (const _ of storage.list('a')) void _;
    await storage.delete('a');
    expect(calls).toEqual([
      'before put a',
      'after put',
      'before get a',
      'after get',
      'before head a',
      'after head',
      'before list a',
      'after list',
      'before delete a',
      'after delete',
    ]);
  });

  it('hooks only the operations it is given (WRITES: puts and deletes), the others reaching the storage as they are', async () => {
    const calls: string[] = [];
    const inner = new MemoryStorage();
    const storage = intercept(inner, { ops: WRITES, before: (call) => void calls.push(call.op) });
    await storage.put('a', 'x');
    expect(text((await storage.get('a'))?.body)).toBe('x');
    expect((await storage.head('a'))?.size).toBe(1);
    const keys: string[] = [];
    for await (const { key } of storage.list('')) keys.push(key);
    await storage.delete('a');
    expect(keys).toEqual(['a']);
    expect(calls).toEqual(['put', 'delete']);
    expect(await inner.head('a')).toBeNull();
  });

  it('fails a call before it lands: storage untouched', async () => {
    const inner = new MemoryStorage();
    const storage = intercept(inner, {
      before(call) {
        if (call.op === 'put' && call.key.startsWith('feeds/')) throw new Error('InternalError: 500');
      },
    });
    await storage.put('index/a.json', '{}');
    await expect(storage.put('feeds/rss.xml', '<rss/>')).rejects.toThrow('500');
    expect(await inner.get('index/a.json')).not.toBeNull();
    expect(await inner.get('feeds/rss.xml')).toBeNull();
  });

  it('loses the answer of a call that landed: the caller sees an error, the write happened', async () => {
    const inner = new MemoryStorage();
    const storage = intercept(inner, {
      after(call) {
        if (call.op === 'put') throw new Error('socket hang up');
      },
    });
    await expect(storage.put('index/a.json', 'v1')).rejects.toThrow('socket hang up');
    expect(text((await inner.get('index/a.json'))?.body)).toBe('v1');
  });

  it('forces an interleaving: a writer paused between its read and its write loses its conditional write', async () => {
    const inner = new MemoryStorage();
    const { etag } = await inner.put('index/tag.json', 'v0');
    let release!: () => void;
    const paused = new Promise<void>((resolve) => (release = resolve));
    const slow = intercept(inner, {
      async before(call: StorageCall) {
        if (call.op === 'put') await paused;
      },
    });
    const slowWrite = slow.put('index/tag.json', 'slow', { ifMatch: etag });
    await inner.put('index/tag.json', 'fast', { ifMatch: etag });
    release();
    await expect(slowWrite).rejects.toBeInstanceOf(PreconditionFailedError);
    expect(text((await inner.get('index/tag.json'))?.body)).toBe('fast');
  });

  it('counts calls by kind', async () => {
    const counts: Record<string, number> = {};
    const storage = intercept(new MemoryStorage(), {
      before: (call) => {
        counts[call.op] = (counts[call.op] ?? 0) + 1;
      },
    });
    await storage.head('a');
    await storage.put('a', 'x');
    await storage.put('b', 'x');
    expect(counts).toEqual({ head: 1, put: 2 });
  });
});
