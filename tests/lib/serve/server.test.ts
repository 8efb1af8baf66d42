import http from 'node:http';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { chooseEncoding, contentTypeFor, createServer, keyForPath, type HeraldServer } from '../../../lib/serve/server.ts';
import type { PutOptions, Storage, StoredObject } from '../../../lib/storage/storage.ts';

/** Just enough of the Storage contract for the server, which only reads. */
class ObjectMap implements Storage {
  readonly objects = new Map<string, StoredObject>();
  async get(key: string) {
    return this.objects.get(key) ?? null;
  }
  async head(key: string) {
    const object = this.objects.get(key);
    if (!object) return null;
    const { body, ...rest } = object;
    return { ...rest, size: body.byteLength };
  }
  async put(key: string, body: Uint8Array | string, options: PutOptions = {}) {
    const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
    const etag = `"${key.length}-${bytes.byteLength}-${this.objects.size}"`;
    this.objects.set(key, {
      body: bytes,
      etag,
      contentType: options.contentType,
      cacheControl: options.cacheControl,
      lastModified: new Date('2025-02-12T13:15:03.250Z'),
      metadata: options.metadata ?? {},
    });
    return { etag };
  }
  async delete(key: string) {
    this.objects.delete(key);
  }
  async *list(prefix = '') {
    for (const key of [...this.objects.keys()].sort()) {
      if (key.startsWith(prefix)) yield { key, etag: this.objects.get(key)!.etag, size: this.objects.get(key)!.body.byteLength };
    }
  }
}

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** Raw requests: fetch would normalize `/../` away before it reaches the server. */
function request(port: number, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

const CACHE = 'public, max-age=300, stale-while-revalidate=60, stale-if-error=86400';
const rss = `<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel><title>科技</title>${'<item><title>post</title></item>'.repeat(100)}</channel></rss>\n`;
const atom = `<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">${'<entry/>'.repeat(300)}</feed>\n`;

describe('createServer', () => {
  const storage = new ObjectMap();
  let server: HeraldServer;
  let port: number;
  const get = (path: string, headers?: Record<string, string>, method?: string) => request(port, path, headers, method);

  beforeAll(async () => {
    await storage.put('rss.xml', rss, { contentType: 'application/rss+xml; charset=utf-8', cacheControl: CACHE });
    await storage.put('atom.xml', atom, { contentType: 'application/atom+xml; charset=utf-8', cacheControl: CACHE });
    await storage.put('index.html', '<!doctype html><title>feeds</title>', { contentType: 'text/html; charset=utf-8' });
    await storage.put('tags/科技/rss.xml', rss, { contentType: 'application/rss+xml; charset=utf-8' });
    await storage.put('tags/c#/index.html', '<p>c sharp</p>');
    await storage.put('tags/c#/feed.json', '{"version":"https://jsonfeed.org/version/1.1"}');
    await storage.put('feeds.opml', '<opml version="2.0"/>');
    await storage.put('_herald/index/site.json', '{"secret":true}');
    server = createServer({ storage, cacheControl: 'max-age=60' });
    port = (await server.listen(0, '127.0.0.1')).port;
  });
  afterAll(() => server.close());

  it('serves stored objects with their content type, cache control, strong ETag and Last-Modified', async () => {
    const reply = await get('/rss.xml');
    const stored = storage.objects.get('rss.xml')!;
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('application/rss+xml; charset=utf-8');
    expect(reply.headers['cache-control']).toBe(CACHE);
    expect(reply.headers.etag).toBe(stored.etag);
    expect(reply.headers['last-modified']).toBe('Wed, 12 Feb 2025 13:15:03 GMT');
    expect(reply.headers['content-length']).toBe(String(Buffer.byteLength(rss)));
    expect(reply.headers['content-encoding']).toBeUndefined();
    expect(reply.body.toString('utf8')).toBe(rss);
  });

  it('falls back to a type by file name and the configured Cache-Control', async () => {
    const json = await get('/tags/c%23/feed.json');
    expect(json.headers['content-type']).toBe('application/feed+json; charset=utf-8');
    expect(json.headers['cache-control']).toBe('max-age=60');
    expect((await get('/feeds.opml')).headers['content-type']).toBe('text/x-opml; charset=utf-8');
  });

  it('serves index.html at / and at a folder path only when it exists', async () => {
    const root = await get('/');
    expect(root.status).toBe(200);
    expect(root.body.toString()).toContain('<title>feeds</title>');
    expect((await get('/tags/c%23/')).body.toString()).toBe('<p>c sharp</p>');
    expect((await get('/tags/')).status).toBe(404);
    expect((await get('/tags/%E7%A7%91%E6%8A%80/')).status).toBe(404);
  });

  it('decodes percent-encoded Unicode paths to the Unicode storage key', async () => {
    const reply = await get('/tags/%E7%A7%91%E6%8A%80/rss.xml');
    expect(reply.status).toBe(200);
    expect(reply.body.toString('utf8')).toBe(rss);
  });

  it('ignores the query string', async () => {
    expect((await get('/rss.xml?utm_source=reader')).status).toBe(200);
  });

  it('answers 304 to a matching If-None-Match, weak or strong, and to a list containing it', async () => {
    const { etag } = storage.objects.get('rss.xml')!;
    for (const validator of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      const reply = await get('/rss.xml', { 'If-None-Match': validator });
      expect(reply.status, validator).toBe(304);
      expect(reply.body.byteLength).toBe(0);
      expect(reply.headers.etag).toBe(etag);
      expect(reply.headers['cache-control']).toBe(CACHE);
    }
    expect((await get('/rss.xml', { 'If-None-Match': '"stale"' })).status).toBe(200);
  });

  it('answers 304 to If-Modified-Since at or after Last-Modified, and If-None-Match takes precedence', async () => {
    expect((await get('/rss.xml', { 'If-Modified-Since': 'Wed, 12 Feb 2025 13:15:03 GMT' })).status).toBe(304);
    expect((await get('/rss.xml', { 'If-Modified-Since': 'Thu, 13 Feb 2025 00:00:00 GMT' })).status).toBe(304);
    expect((await get('/rss.xml', { 'If-Modified-Since': 'Wed, 12 Feb 2025 13:15:02 GMT' })).status).toBe(200);
    expect((await get('/rss.xml', { 'If-Modified-Since': 'not a date' })).status).toBe(200);
    const mismatch = await get('/rss.xml', { 'If-None-Match': '"stale"', 'If-Modified-Since': 'Thu, 13 Feb 2025 00:00:00 GMT' });
    expect(mismatch.status).toBe(200);
  });

  it('compresses with Brotli when accepted, else gzip, with a weak ETag and Vary', async () => {
    const { etag } = storage.objects.get('rss.xml')!;
    const br = await get('/rss.xml', { 'Accept-Encoding': 'gzip, deflate, br' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers.vary).toBe('Accept-Encoding');
    expect(br.headers.etag).toBe(`W/${etag}`);
    expect(Number(br.headers['content-length'])).toBe(br.body.byteLength);
    expect(br.body.byteLength).toBeLessThan(Buffer.byteLength(rss) / 4);
    expect(zlib.brotliDecompressSync(br.body).toString('utf8')).toBe(rss);

    const gz = await get('/rss.xml', { 'Accept-Encoding': 'gzip' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.headers.etag).toBe(`W/${etag}`);
    expect(zlib.gunzipSync(gz.body).toString('utf8')).toBe(rss);

    expect((await get('/rss.xml', { 'Accept-Encoding': 'br;q=0, gzip' })).headers['content-encoding']).toBe('gzip');
    expect((await get('/rss.xml', { 'Accept-Encoding': 'identity' })).headers['content-encoding']).toBeUndefined();
    const plain = await get('/rss.xml');
    expect(plain.headers.vary).toBe('Accept-Encoding');
    expect(plain.headers.etag).toBe(etag);
  });

  it('treats the weak ETag of a compressed response as a validator for either representation', async () => {
    const { etag } = storage.objects.get('rss.xml')!;
    expect((await get('/rss.xml', { 'Accept-Encoding': 'br', 'If-None-Match': etag })).status).toBe(304);
    const reply = await get('/rss.xml', { 'If-None-Match': `W/${etag}` });
    expect(reply.status).toBe(304);
    expect(reply.headers.etag).toBe(etag);
  });

  it('leaves uncompressed what CloudFront leaves uncompressed: Atom, small bodies', async () => {
    const reply = await get('/atom.xml', { 'Accept-Encoding': 'br, gzip' });
    expect(reply.headers['content-encoding']).toBeUndefined();
    expect(reply.headers.etag).toBe(storage.objects.get('atom.xml')!.etag);
    expect(reply.headers.vary).toBeUndefined();
    expect(reply.body.toString('utf8')).toBe(atom);
    expect((await get('/', { 'Accept-Encoding': 'br, gzip' })).headers['content-encoding']).toBeUndefined();
  });

  it('compresses once per stored ETag and recompresses when the object changes', async () => {
    const gzip = vi.spyOn(zlib, 'gzip');
    try {
      await storage.put('big.txt', 'a'.repeat(5000), { contentType: 'text/plain; charset=utf-8' });
      const first = await get('/big.txt', { 'Accept-Encoding': 'gzip' });
      const second = await get('/big.txt', { 'Accept-Encoding': 'gzip' });
      expect(second.body.equals(first.body)).toBe(true);
      expect(gzip).toHaveBeenCalledTimes(1);
      await storage.put('big.txt', 'b'.repeat(6000), { contentType: 'text/plain; charset=utf-8' });
      const third = await get('/big.txt', { 'Accept-Encoding': 'gzip' });
      expect(zlib.gunzipSync(third.body).toString()).toBe('b'.repeat(6000));
      expect(third.headers.etag).not.toBe(first.headers.etag);
      expect(gzip).toHaveBeenCalledTimes(2);
    } finally {
      gzip.mockRestore();
    }
  });

  it('answers HEAD with the headers of GET and no body', async () => {
    const getReply = await get('/rss.xml', { 'Accept-Encoding': 'br' });
    const headReply = await get('/rss.xml', { 'Accept-Encoding': 'br' }, 'HEAD');
    expect(headReply.status).toBe(200);
    expect(headReply.body.byteLength).toBe(0);
    for (const name of ['content-type', 'content-length', 'content-encoding', 'etag', 'last-modified', 'cache-control', 'vary']) {
      expect(headReply.headers[name], name).toBe(getReply.headers[name]);
    }
    expect((await get('/missing.xml', {}, 'HEAD')).status).toBe(404);
  });

  it('answers 405 with Allow to other methods', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH']) {
      const reply = await get('/rss.xml', {}, method);
      expect(reply.status, method).toBe(405);
      expect(reply.headers.allow).toBe('GET, HEAD');
    }
  });

  it('answers 404 to unknown paths, traversal attempts and the private state prefix', async () => {
    const paths = [
      '/missing.xml',
      '/tags',
      '/../rss.xml',
      '/tags/../rss.xml',
      '/%2e%2e/rss.xml',
      '/%2E%2E/%2e%2e/etc/passwd',
      '/..%2frss.xml',
      '/tags/..%2f..%2frss.xml',
      '/tags%2f%E7%A7%91%E6%8A%80%2frss.xml',
      '/..\\rss.xml',
      '/tags\\..\\rss.xml',
      '/%5c..%5crss.xml',
      '/rss.xml%00',
      '/./rss.xml',
      '//rss.xml',
      '/%ZZ',
      '/_herald/index/site.json',
      '/_HERALD/index/site.json',
      '/%5fherald/index/site.json',
      '/_herald/',
    ];
    for (const path of paths) {
      const reply = await get(path);
      expect(reply.status, path).toBe(404);
      expect(reply.body.toString(), path).not.toContain('secret');
    }
    const state = await get('/_herald/index/site.json');
    expect(state.headers['cache-control']).toBe('no-store');
  });

  it('answers 500, not a crash, when the storage fails', async () => {
    const errors: unknown[] = [];
    const broken = new ObjectMap();
    broken.get = () => Promise.reject(new Error('disk on fire'));
    const failing = createServer({ storage: broken, onError: (error) => errors.push(error) });
    const { port: failingPort } = await failing.listen(0, '127.0.0.1');
    try {
      expect((await request(failingPort, '/rss.xml')).status).toBe(500);
      expect(errors).toHaveLength(1);
    } finally {
      await failing.close();
    }
  });

  it('rejects listen with EADDRINUSE when the port is taken', async () => {
    const other = createServer({ storage });
    await expect(other.listen(port, '127.0.0.1')).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });
});

describe('keyForPath', () => {
  it('maps paths to keys', () => {
    expect(keyForPath('/')).toBe('index.html');
    expect(keyForPath('/rss.xml')).toBe('rss.xml');
    expect(keyForPath('/tags/x/')).toBe('tags/x/index.html');
    expect(keyForPath('/tags/%E7%A7%91%E6%8A%80/rss.xml')).toBe('tags/科技/rss.xml');
    expect(keyForPath('/tags/r%26d/atom.xml')).toBe('tags/r&d/atom.xml');
    expect(keyForPath('/tags/100%25/rss.xml')).toBe('tags/100%/rss.xml');
    expect(keyForPath('/tags/a+b/rss.xml')).toBe('tags/a+b/rss.xml');
  });
  it('refuses what could escape or reach the state', () => {
    for (const path of ['/..', '/%2e%2E', '/a/%2e/b', '/..%2f', '/a%5cb', '/a%00', '//', 'rss.xml', '/_herald/x']) {
      expect(keyForPath(path), path).toBeNull();
    }
  });
});

describe('chooseEncoding', () => {
  it('prefers Brotli like CloudFront and honours q=0', () => {
    expect(chooseEncoding('gzip, br')).toBe('br');
    expect(chooseEncoding('gzip;q=1.0, br;q=0.1')).toBe('br');
    expect(chooseEncoding('br;q=0, gzip')).toBe('gzip');
    expect(chooseEncoding('deflate')).toBeUndefined();
    expect(chooseEncoding(undefined)).toBeUndefined();
  });
});

describe('contentTypeFor', () => {
  it('knows the feed files and common extensions', () => {
    expect(contentTypeFor('tags/x/rss.xml')).toBe('application/rss+xml; charset=utf-8');
    expect(contentTypeFor('atom.xml')).toBe('application/atom+xml; charset=utf-8');
    expect(contentTypeFor('index.html')).toBe('text/html; charset=utf-8');
    expect(contentTypeFor('sitemap.xml')).toBe('application/xml; charset=utf-8');
    expect(contentTypeFor('blob')).toBe('application/octet-stream');
  });
});
