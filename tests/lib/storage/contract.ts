/**
 * The Storage contract, run against every implementation (memory, folder, S3 on moto_server): code that
 * passes its tests on memory or a folder may rely on the same behaviour from a bucket.
 * Call inside a describe; `fresh()` gives an empty storage for each test.
 */
import { createHash } from 'node:crypto';
import { expect, it } from 'vitest';
import { InvalidMetadataError } from '../../../lib/storage/semantics.ts';
import { PreconditionFailedError, type ObjectInfo, type Storage } from '../../../lib/storage/storage.ts';

const md5Etag = (bytes: Uint8Array | string) => `"${createHash('md5').update(bytes).digest('hex')}"`;
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

async function collect(iterable: AsyncIterable<ObjectInfo>): Promise<ObjectInfo[]> {
  const result: ObjectInfo[] = [];
  for await (const info of iterable) result.push(info);
  return result;
}

async function keys(storage: Storage, prefix?: string): Promise<string[]> {
  return (await collect(storage.list(prefix))).map((info) => info.key);
}

export function storageContract(fresh: () => Promise<Storage> | Storage): void {
  it('answers null for a missing key and deletes missing keys quietly', async () => {
    const storage = await fresh();
    expect(await storage.get('nothing/here.xml')).toBeNull();
    expect(await storage.head('nothing/here.xml')).toBeNull();
    await storage.delete('nothing/here.xml');
    expect(await keys(storage)).toEqual([]);
  });

  it('returns what was put: bytes, S3-style ETag, content type, cache control, metadata', async () => {
    const storage = await fresh();
    const body = '<rss>中文 ]]> &amp;</rss>';
    const { etag } = await storage.put('tags/科技/rss.xml', body, {
      contentType: 'application/rss+xml; charset=utf-8',
      cacheControl: 'public, max-age=300',
      metadata: { sha256: 'abc123', Source: 'posts/a.md' },
    });
    expect(etag).toBe(md5Etag(body));

    const object = await storage.get('tags/科技/rss.xml');
    expect(object).not.toBeNull();
    expect(text(object!.body)).toBe(body);
    expect(object!.etag).toBe(etag);
    expect(object!.contentType).toBe('application/rss+xml; charset=utf-8');
    expect(object!.cacheControl).toBe('public, max-age=300');
    // Metadata names are case-insensitive HTTP headers: S3 lowercases them, so everyone does.
    expect(object!.metadata).toEqual({ sha256: 'abc123', source: 'posts/a.md' });
    expect(object!.lastModified).toBeInstanceOf(Date);

    const head = await storage.head('tags/科技/rss.xml');
    expect(head).toMatchObject({
      etag,
      size: Buffer.byteLength(body),
      contentType: 'application/rss+xml; charset=utf-8',
      cacheControl: 'public, max-age=300',
      metadata: { sha256: 'abc123', source: 'posts/a.md' },
    });
  });

  it('keeps binary bytes exactly, including an empty body', async () => {
    const storage = await fresh();
    const bytes = Uint8Array.from({ length: 256 * 4 }, (_, i) => i % 256);
    await storage.put('bin/all-bytes', bytes);
    expect(Buffer.from((await storage.get('bin/all-bytes'))!.body).equals(Buffer.from(bytes))).toBe(true);
    await storage.put('bin/empty', new Uint8Array());
    const empty = await storage.get('bin/empty');
    expect(empty!.body.byteLength).toBe(0);
    expect(empty!.etag).toBe(md5Etag(''));
    expect((await storage.head('bin/empty'))!.size).toBe(0);
  });

  it('replaces bytes and metadata on overwrite, keeping nothing of the old object', async () => {
    const storage = await fresh();
    await storage.put('a.json', '{"v":1}', { contentType: 'application/json', metadata: { old: 'yes' } });
    await storage.put('a.json', '{"v":2}');
    const object = await storage.get('a.json');
    expect(text(object!.body)).toBe('{"v":2}');
    expect(object!.etag).toBe(md5Etag('{"v":2}'));
    expect(object!.metadata).toEqual({});
    expect(object!.cacheControl).toBeUndefined();
  });

  it('is not changed by callers mutating buffers they passed in or got back', async () => {
    const storage = await fresh();
    const bytes = new TextEncoder().encode('hello');
    await storage.put('m', bytes);
    bytes[0] = 0x4a;
    const first = await storage.get('m');
    first!.body[1] = 0x45;
    expect(text((await storage.get('m'))!.body)).toBe('hello');
  });

  it('refuses metadata S3 would garble: non-ASCII values, non-token names', async () => {
    const storage = await fresh();
    await expect(storage.put('x', 'x', { metadata: { title: '中文' } })).rejects.toThrow(InvalidMetadataError);
    await expect(storage.put('x', 'x', { metadata: { 'bad name': 'v' } })).rejects.toThrow(InvalidMetadataError);
    expect(await storage.get('x')).toBeNull();
  });

  it('refuses a content type or cache control that cannot travel as an HTTP header', async () => {
    const storage = await fresh();
    await expect(storage.put('x', 'x', { cacheControl: 'max-age=300 — five minutes' })).rejects.toThrow(
      /cacheControl must be printable ASCII/,
    );
    await expect(storage.put('x', 'x', { contentType: 'text/plain\r\nX-Injected: 1' })).rejects.toThrow(InvalidMetadataError);
    expect(await storage.get('x')).toBeNull();
  });

  it('answers an object larger than maxBytes with its size and ETag, never its bytes', async () => {
    const storage = await fresh();
    const body = 'x'.repeat(1_000);
    const { etag } = await storage.put('posts/big.md', body);
    const big = await storage.get('posts/big.md', { maxBytes: 999 });
    expect(big).toEqual({ oversized: true, etag, size: 1_000 });
    const fits = await storage.get('posts/big.md', { maxBytes: 1_000 });
    expect(fits && 'body' in fits && text(fits.body)).toBe(body);
    expect(await storage.get('posts/none.md', { maxBytes: 1 })).toBeNull();
  });

  it('lists every key under a prefix, recursively, in UTF-8 byte order, with size and ETag', async () => {
    const storage = await fresh();
    // UTF-16 order would put 😀 (U+1F600) before ｚ (U+FF5A); S3's byte order puts it after.
    // Folders sort as `name/`: 'a.b/c' < 'a.md' < 'a/b' although the folder 'a' is named before 'a.md'.
    const all = ['a b+c.md', 'a%20d', 'a-b', 'a.b/c', 'a.md', 'a/b', 'a/c/d.md', 'b', 'tags/科技/rss.xml', 'ｚ', '😀'];
    for (const key of [...all].reverse()) await storage.put(key, `body of ${key}`);
    const listed = await collect(storage.list());
    expect(listed.map((info) => info.key)).toEqual(all);
    for (const info of listed) {
      expect(info.size).toBe(Buffer.byteLength(`body of ${info.key}`));
      expect(info.etag).toBe(md5Etag(`body of ${info.key}`));
    }
  });

  it('filters by any string prefix, not only by folder', async () => {
    const storage = await fresh();
    for (const key of ['tags/a/rss.xml', 'tags/ab/rss.xml', 'tags/b/rss.xml', 'tagsx', 'categories/a/rss.xml']) {
      await storage.put(key, key);
    }
    expect(await keys(storage, 'tags/')).toEqual(['tags/a/rss.xml', 'tags/ab/rss.xml', 'tags/b/rss.xml']);
    expect(await keys(storage, 'tags/a')).toEqual(['tags/a/rss.xml', 'tags/ab/rss.xml']);
    expect(await keys(storage, 'tags/a/')).toEqual(['tags/a/rss.xml']);
    expect(await keys(storage, 'tags')).toEqual(['tags/a/rss.xml', 'tags/ab/rss.xml', 'tags/b/rss.xml', 'tagsx']);
    expect(await keys(storage, 'nothing/')).toEqual([]);
  });

  it('deletes: the key is gone from get, head and list', async () => {
    const storage = await fresh();
    await storage.put('tags/a/rss.xml', 'a');
    await storage.put('tags/b/rss.xml', 'b');
    await storage.delete('tags/a/rss.xml');
    expect(await storage.get('tags/a/rss.xml')).toBeNull();
    expect(await storage.head('tags/a/rss.xml')).toBeNull();
    expect(await keys(storage)).toEqual(['tags/b/rss.xml']);
    await storage.put('tags/a/rss.xml', 'again');
    expect(text((await storage.get('tags/a/rss.xml'))!.body)).toBe('again');
  });

  it('ifNoneMatch "*" creates only when the key is absent', async () => {
    const storage = await fresh();
    const { etag } = await storage.put('index/post.json', 'first', { ifNoneMatch: '*' });
    expect(etag).toBe(md5Etag('first'));
    await expect(storage.put('index/post.json', 'second', { ifNoneMatch: '*' })).rejects.toBeInstanceOf(PreconditionFailedError);
    expect(text((await storage.get('index/post.json'))!.body)).toBe('first');
  });

  it('ifMatch replaces only the version it names; a missing key fails the precondition', async () => {
    const storage = await fresh();
    const first = await storage.put('index/feed.json', 'v1');
    const second = await storage.put('index/feed.json', 'v2', { ifMatch: first.etag });
    const error = await storage.put('index/feed.json', 'v3', { ifMatch: first.etag }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PreconditionFailedError);
    expect((error as PreconditionFailedError).key).toBe('index/feed.json');
    expect(text((await storage.get('index/feed.json'))!.body)).toBe('v2');
    await storage.put('index/feed.json', 'v3', { ifMatch: second.etag });
    await expect(storage.put('index/none.json', 'x', { ifMatch: first.etag })).rejects.toBeInstanceOf(PreconditionFailedError);
    expect(await storage.get('index/none.json')).toBeNull();
  });

  it('lets exactly one of several racing conditional writers win', async () => {
    const storage = await fresh();
    const creates = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => storage.put('race/new.json', `writer ${i}`, { ifNoneMatch: '*' })),
    );
    expect(creates.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of creates) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(PreconditionFailedError);

    const { etag } = await storage.put('race/update.json', 'base');
    const updates = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => storage.put('race/update.json', `writer ${i}`, { ifMatch: etag })),
    );
    const winners = updates.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
    expect(winners).toHaveLength(1);
    expect(text((await storage.get('race/update.json'))!.body)).toBe(`writer ${winners[0]}`);
  });
}
