import { execFileSync, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { aliasResolver, REDIRECT_CACHE_CONTROL } from '../../../lib/aliases.ts';
import { loadSiteConfig } from '../../../lib/config.ts';
import { rebuild } from '../../../lib/pipeline/rebuild.ts';
import {
  chooseEncoding,
  contentTypeFor,
  createServer,
  keyForPath,
  MIN_COMPRESS_BYTES,
  type HeraldServer,
} from '../../../lib/serve/server.ts';
import { FsStorage, RESERVED_DIR } from '../../../lib/storage/fs/fs-storage.ts';
import { MemoryStorage } from '../../../lib/storage/memory/memory-storage.ts';

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
  const storage = new MemoryStorage();
  const stored = async (key: string) => (await storage.head(key))!;
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
    const object = await stored('rss.xml');
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('application/rss+xml; charset=utf-8');
    expect(reply.headers['cache-control']).toBe(CACHE);
    expect(reply.headers.etag).toBe(object.etag);
    expect(reply.headers.etag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(reply.headers['last-modified']).toBe(object.lastModified!.toUTCString());
    expect(reply.headers['content-length']).toBe(String(Buffer.byteLength(rss)));
    expect(reply.headers['content-encoding']).toBeUndefined();
    expect(reply.body.toString('utf8')).toBe(rss);
  });

  it('falls back to a type by file name and the configured Cache-Control', async () => {
    const json = await get('/tags/c%23/feed.json');
    expect(json.headers['content-type']).toBe('application/json; charset=utf-8');
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
    const { etag } = await stored('rss.xml');
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
    const lastModified = (await stored('rss.xml')).lastModified!.getTime();
    const at = (ms: number) => new Date(lastModified + ms).toUTCString();
    // The header has whole seconds: the stored instant's own second counts as not modified.
    expect((await get('/rss.xml', { 'If-Modified-Since': at(0) })).status).toBe(304);
    expect((await get('/rss.xml', { 'If-Modified-Since': at(86_400_000) })).status).toBe(304);
    expect((await get('/rss.xml', { 'If-Modified-Since': at(-2000) })).status).toBe(200);
    expect((await get('/rss.xml', { 'If-Modified-Since': 'not a date' })).status).toBe(200);
    const mismatch = await get('/rss.xml', { 'If-None-Match': '"stale"', 'If-Modified-Since': at(86_400_000) });
    expect(mismatch.status).toBe(200);
  });

  it('compresses with Brotli when accepted, else gzip, with a weak ETag and Vary', async () => {
    const { etag } = await stored('rss.xml');
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

  it('answers HTTP/1.0 requests uncompressed, as CloudFront does', async () => {
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => socket.end('GET /rss.xml HTTP/1.0\r\nAccept-Encoding: br, gzip\r\n\r\n'));
      let data = '';
      socket.on('data', (chunk: Buffer) => (data += chunk.toString('utf8')));
      socket.on('end', () => resolve(data));
      socket.on('error', reject);
    });
    expect(raw).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(raw).not.toMatch(/content-encoding/i);
    expect(raw.endsWith(rss)).toBe(true);
  });

  it('treats the weak ETag of a compressed response as a validator for either representation', async () => {
    const { etag } = await stored('rss.xml');
    expect((await get('/rss.xml', { 'Accept-Encoding': 'br', 'If-None-Match': etag })).status).toBe(304);
    const reply = await get('/rss.xml', { 'If-None-Match': `W/${etag}` });
    expect(reply.status).toBe(304);
    expect(reply.headers.etag).toBe(etag);
  });

  it('leaves uncompressed what CloudFront leaves uncompressed: the +xml and +json feed types, small bodies', async () => {
    // As files written before the feeds went out as application/xml and application/json are stored until a rebuild.
    await storage.put('legacy/feed.json', JSON.stringify({ items: Array(300).fill({ id: 'x' }) }), {
      contentType: 'application/feed+json; charset=utf-8',
    });
    for (const key of ['atom.xml', 'legacy/feed.json']) {
      const reply = await get(`/${key}`, { 'Accept-Encoding': 'br, gzip' });
      expect(reply.headers['content-encoding'], key).toBeUndefined();
      expect(reply.headers.etag, key).toBe((await stored(key)).etag);
      expect(reply.headers.vary, key).toBeUndefined();
    }
    expect((await get('/atom.xml', { 'Accept-Encoding': 'br, gzip' })).body.toString('utf8')).toBe(atom);
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

  it('answers an alias with 301 and its Location before looking anything up, without the query string', async () => {
    const seen: string[] = [];
    const resolve = aliasResolver([{ from: '/tags/:slug/index.xml', to: '/tags/:slug/rss.xml' }]);
    const redirect = (path: string) => {
      seen.push(path);
      return resolve(path);
    };
    const redirecting = createServer({ storage, redirect });
    const { port: redirectingPort } = await redirecting.listen(0, '127.0.0.1');
    try {
      for (const method of ['GET', 'HEAD']) {
        const reply = await request(redirectingPort, '/tags/%E7%A7%91%E6%8A%80/index.xml?utm_source=x', {}, method);
        expect(reply.status, method).toBe(301);
        expect(reply.headers.location).toBe('/tags/%E7%A7%91%E6%8A%80/rss.xml');
        expect(reply.headers['cache-control']).toBe(REDIRECT_CACHE_CONTROL);
        expect(reply.body.byteLength).toBe(0);
      }
      expect(seen).toEqual(['/tags/%E7%A7%91%E6%8A%80/index.xml', '/tags/%E7%A7%91%E6%8A%80/index.xml']);
      expect((await request(redirectingPort, '/tags/%E7%A7%91%E6%8A%80/rss.xml')).status).toBe(200);
      expect((await request(redirectingPort, '/index.xml')).status).toBe(404);
      expect((await request(redirectingPort, '/tags/x/index.xml', {}, 'POST')).status).toBe(405);
    } finally {
      await redirecting.close();
    }
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
    const broken = new MemoryStorage();
    broken.get = (() => Promise.reject(new Error('disk on fire'))) as MemoryStorage['get'];
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

describe('createServer with every file type the pipeline publishes (the example site in content/)', () => {
  const storage = new MemoryStorage();
  let server: HeraldServer;
  let port: number;
  const files = ['rss.xml', 'atom.xml', 'feed.json', 'feeds.opml', 'index.html', 'feed.css', 'tags/rss-阅读器/feed.json'];
  /** Accept-Encoding values and what CloudFront answers to each: Brotli over gzip, `q=0` refusing one. */
  const accepts: [header: string | undefined, encoding: 'br' | 'gzip' | undefined][] = [
    [undefined, undefined],
    ['br', 'br'],
    ['gzip', 'gzip'],
    ['gzip, deflate, br, zstd', 'br'],
    ['br;q=0, gzip', 'gzip'],
    ['br;q=0, gzip;q=0', undefined],
    ['identity', undefined],
  ];
  const get = (file: string, headers: Record<string, string | undefined>) =>
    request(
      port,
      `/${encodeURI(file)}`,
      Object.fromEntries(Object.entries(headers).filter(([, value]) => value !== undefined)) as Record<string, string>,
    );

  beforeAll(async () => {
    const contentDir = path.resolve(import.meta.dirname, '../../../content');
    const site = await loadSiteConfig(contentDir);
    await rebuild({ content: new FsStorage(contentDir), feeds: storage, state: new MemoryStorage(), site, now: () => new Date() });
    server = createServer({ storage, cacheControl: site.cacheControl });
    port = (await server.listen(0, '127.0.0.1')).port;
  });
  afterAll(() => server.close());

  it.each(files)('%s: compressed as accepted, Vary, a weak ETag for compressed bytes, and 304 for either ETag', async (file) => {
    const object = (await storage.get(file))!;
    // Large enough for CloudFront to compress, so every row below tests the compressed path.
    expect(object.body.byteLength).toBeGreaterThanOrEqual(MIN_COMPRESS_BYTES);
    const identityEtag = object.etag;
    const compressedEtag = `W/${object.etag}`;
    expect(compressedEtag).not.toBe(identityEtag);

    for (const [accept, encoding] of accepts) {
      const label = `${file}, Accept-Encoding: ${accept}`;
      const reply = await get(file, { 'Accept-Encoding': accept });
      expect(reply.status, label).toBe(200);
      expect(reply.headers['content-type'], label).toBe(object.contentType);
      expect(reply.headers['content-encoding'], label).toBe(encoding);
      expect(reply.headers.vary, label).toBe('Accept-Encoding');
      expect(reply.headers.etag, label).toBe(encoding ? compressedEtag : identityEtag);
      const body =
        encoding === 'br' ? zlib.brotliDecompressSync(reply.body) : encoding === 'gzip' ? zlib.gunzipSync(reply.body) : reply.body;
      expect(body.equals(Buffer.from(object.body)), label).toBe(true);
      if (encoding) expect(reply.body.byteLength, label).toBeLessThan(object.body.byteLength);

      // A reader revalidates with whichever ETag it got, and may have got the other one before: both are the same resource.
      for (const validator of [identityEtag, compressedEtag]) {
        const revalidated = await get(file, { 'Accept-Encoding': accept, 'If-None-Match': validator });
        expect(revalidated.status, `${label}, If-None-Match: ${validator}`).toBe(304);
        expect(revalidated.body.byteLength).toBe(0);
        expect(revalidated.headers.etag, label).toBe(encoding ? compressedEtag : identityEtag);
        expect(revalidated.headers.vary, label).toBe('Accept-Encoding');
        expect(revalidated.headers['cache-control'], label).toBe(object.cacheControl);
      }
      for (const validator of ['"0123456789abcdef0123456789abcdef"', 'W/"0123456789abcdef0123456789abcdef"']) {
        expect((await get(file, { 'Accept-Encoding': accept, 'If-None-Match': validator })).status, label).toBe(200);
      }
    }
  });
});

describe('createServer over a folder (FsStorage, as `herald serve` uses it)', () => {
  let root: string;
  let server: HeraldServer;
  let port: number;

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'herald-serve-fs-'));
    const storage = new FsStorage(root);
    await storage.put('tags/科技/rss.xml', rss, { contentType: 'application/rss+xml; charset=utf-8', cacheControl: CACHE });
    await mkdir(path.join(root, 'notes'), { recursive: true });
    await writeFile(path.join(root, 'notes/hand-written.html'), '<p>not put through the storage</p>');
    server = createServer({ storage, cacheControl: 'max-age=60' });
    port = (await server.listen(0, '127.0.0.1')).port;
  });
  afterAll(async () => {
    await server.close();
    await rm(root, { recursive: true, force: true });
  });

  it('serves what was put with its stored headers, and a hand-written file with headers from its name and mtime', async () => {
    const feed = await request(port, '/tags/%E7%A7%91%E6%8A%80/rss.xml', { 'Accept-Encoding': 'gzip' });
    expect(feed.status).toBe(200);
    expect(feed.headers['content-type']).toBe('application/rss+xml; charset=utf-8');
    expect(feed.headers['cache-control']).toBe(CACHE);
    expect(zlib.gunzipSync(feed.body).toString('utf8')).toBe(rss);
    expect((await request(port, '/tags/%E7%A7%91%E6%8A%80/rss.xml', { 'If-None-Match': feed.headers.etag! })).status).toBe(304);

    const page = await request(port, '/notes/hand-written.html');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['cache-control']).toBe('max-age=60');
    expect(page.headers['last-modified']).toBe((await stat(path.join(root, 'notes/hand-written.html'))).mtime.toUTCString());
  });

  it('never serves the storage’s own sidecars or anything outside the folder', async () => {
    const sidecars = await readdir(path.join(root, RESERVED_DIR), { recursive: true });
    expect(sidecars.length).toBeGreaterThan(0);
    for (const file of sidecars) {
      expect((await request(port, `/${RESERVED_DIR}/${file}`)).status, file).toBe(404);
    }
    expect((await request(port, `/${RESERVED_DIR}/`)).status).toBe(404);
    expect((await request(port, '/notes/')).status).toBe(404);
    expect((await request(port, `/..%2f${path.basename(root)}/notes/hand-written.html`)).status).toBe(404);
  });

  it('serves links that stay inside the folder, and nothing through a link out of it (`ln -s /etc out/etc`)', async () => {
    const outside = await mkdtemp(path.join(os.tmpdir(), 'herald-serve-outside-'));
    try {
      await writeFile(path.join(outside, 'passwd'), 'root:x:0:0');
      await symlink(outside, path.join(root, 'etc'));
      await symlink(path.join(outside, 'passwd'), path.join(root, 'passwd.txt'));
      await symlink(path.join(root, 'notes'), path.join(root, 'alias'));
      expect((await request(port, '/etc/passwd')).status).toBe(404);
      expect((await request(port, '/passwd.txt')).status).toBe(404);
      expect((await request(port, '/alias/hand-written.html')).status).toBe(200);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });

  it('answers 404 at once for a FIFO named like a feed, instead of waiting for a writer for ever', async () => {
    const fifo = path.join(root, 'pipe.xml');
    execFileSync('mkfifo', [fifo]);
    // A reader blocked on the FIFO would hold this process for good, so another process opens the write end,
    // which only succeeds (and says so) if some reader is waiting: when told to (the answer came), or else
    // after a hang guard well inside the test's timeout (never a race with a slow but correct answer).
    const rescuer = spawn(process.execPath, [
      '-e',
      `const fs = require('fs');
      const rescue = () => { try { fs.closeSync(fs.openSync(${JSON.stringify(fifo)}, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK)); console.log('rescued'); } catch {} process.exit(); };
      process.stdin.on('end', rescue).resume();
      setTimeout(rescue, 60_000);`,
    ]);
    let output = '';
    rescuer.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise((resolve) => rescuer.on('close', resolve));
    expect((await request(port, '/pipe.xml')).status).toBe(404);
    rescuer.stdin.end();
    await exited;
    expect(output, 'the server blocked on the FIFO until another process opened it').toBe('');
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
  it('refuses the private folders in any case, Unicode form or percent-encoding', () => {
    const forms = ['/_HERALD/x', '/_Herald/index.json', '/%5Fherald/x', '/%5fHERALD/', '/＿ｈｅｒａｌｄ/x', '/_herald/'];
    const local = ['/.herald/meta/x.json', '/.HERALD/meta/x.json', '/%2eherald/tmp', '/%2EHerald/', '/．ｈｅｒａｌｄ/x'];
    for (const path of [...forms, ...local]) expect(keyForPath(path), path).toBeNull();
    // Names that merely contain the word are ordinary.
    expect(keyForPath('/_heralds/x')).toBe('_heralds/x');
    expect(keyForPath('/tags/_herald/rss.xml')).toBe('tags/_herald/rss.xml');
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
    // As XML, so that browsers apply the feeds' stylesheet (lib/feeds/types.ts).
    expect(contentTypeFor('tags/x/rss.xml')).toBe('application/xml; charset=utf-8');
    expect(contentTypeFor('atom.xml')).toBe('application/xml; charset=utf-8');
    expect(contentTypeFor('index.html')).toBe('text/html; charset=utf-8');
    expect(contentTypeFor('sitemap.xml')).toBe('application/xml; charset=utf-8');
    expect(contentTypeFor('blob')).toBe('application/octet-stream');
  });
});
