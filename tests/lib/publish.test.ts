import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { RenderedFile } from '../../lib/feeds/types.ts';
import { HASH_METADATA, writeIfChanged } from '../../lib/publish.ts';
import { intercept, type StorageCall } from '../../lib/storage/intercept.ts';
import { MemoryStorage } from '../../lib/storage/memory/memory-storage.ts';
import { PreconditionFailedError } from '../../lib/storage/storage.ts';

const CACHE = 'public, max-age=300, stale-while-revalidate=60, stale-if-error=86400';
const rss = (body: string): RenderedFile => ({ path: 'tags/科技/rss.xml', body, contentType: 'application/rss+xml; charset=utf-8' });
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function counted() {
  const inner = new MemoryStorage();
  const calls: StorageCall['op'][] = [];
  return { inner, calls, storage: intercept(inner, { before: (call) => void calls.push(call.op) }) };
}

describe('writeIfChanged', () => {
  it('writes a new file with its content type, cache control and the hash of its bytes', async () => {
    const { inner, storage, calls } = counted();
    expect(await writeIfChanged(storage, rss('<rss>中文</rss>'), CACHE)).toBe('written');
    const stored = await inner.get('tags/科技/rss.xml');
    expect(new TextDecoder().decode(stored!.body)).toBe('<rss>中文</rss>');
    expect(stored).toMatchObject({
      contentType: 'application/rss+xml; charset=utf-8',
      cacheControl: CACHE,
      metadata: { [HASH_METADATA]: sha256('<rss>中文</rss>') },
    });
    expect(calls).toEqual(['head', 'put']);
  });

  it('leaves identical bytes alone: one HEAD, same ETag and Last-Modified', async () => {
    const { inner, storage, calls } = counted();
    await writeIfChanged(storage, rss('<rss/>'), CACHE);
    const before = await inner.head('tags/科技/rss.xml');
    calls.length = 0;
    expect(await writeIfChanged(storage, rss('<rss/>'), CACHE)).toBe('unchanged');
    expect(calls).toEqual(['head']);
    const after = await inner.head('tags/科技/rss.xml');
    expect(after!.etag).toBe(before!.etag);
    expect(after!.lastModified).toEqual(before!.lastModified);
  });

  it.each([
    ['the bytes', rss('<rss>v2</rss>'), CACHE],
    ['the content type', { ...rss('<rss/>'), contentType: 'application/xml' }, CACHE],
    ['the cache control', rss('<rss/>'), 'public, max-age=60'],
  ])('rewrites when %s changed', async (_, file, cacheControl) => {
    const { inner, storage } = counted();
    await writeIfChanged(storage, rss('<rss/>'), CACHE);
    expect(await writeIfChanged(storage, file, cacheControl)).toBe('written');
    expect(await inner.head(file.path)).toMatchObject({ contentType: file.contentType, cacheControl });
  });

  it('rewrites an object that carries no hash (written by something else)', async () => {
    const { inner, storage } = counted();
    await inner.put('tags/科技/rss.xml', '<rss/>', { contentType: 'application/rss+xml; charset=utf-8', cacheControl: CACHE });
    expect(await writeIfChanged(storage, rss('<rss/>'), CACHE)).toBe('written');
    expect((await inner.head('tags/科技/rss.xml'))!.metadata[HASH_METADATA]).toBe(sha256('<rss/>'));
  });

  it.each([
    ['replaces', true],
    ['creates', false],
  ])('refuses to overwrite another writer that %s the file between its HEAD and its PUT', async (_, exists) => {
    const inner = new MemoryStorage();
    if (exists) await writeIfChanged(inner, rss('<rss>v1</rss>'), CACHE);
    const racing = intercept(inner, {
      async before(call) {
        if (call.op === 'put') await writeIfChanged(inner, rss('<rss>other</rss>'), CACHE);
      },
    });
    await expect(writeIfChanged(racing, rss('<rss>v2</rss>'), CACHE)).rejects.toBeInstanceOf(PreconditionFailedError);
    expect(new TextDecoder().decode((await inner.get('tags/科技/rss.xml'))!.body)).toBe('<rss>other</rss>');
  });
});
