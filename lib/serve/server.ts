import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { REDIRECT_CACHE_CONTROL } from '../aliases.ts';
import { DIRECTORY_CSP } from '../directory/page.ts';
import { FEED_FILES } from '../feeds/types.ts';
import { RESERVED_DIR } from '../storage/fs/fs-storage.ts';
import { foldName } from '../storage/semantics.ts';
import type { Storage, StoredObject } from '../storage/storage.ts';

/**
 * Serves the objects of a Storage over HTTP the way CloudFront in front of a private S3 bucket does,
 * so that what a reader sees on localhost is what it will see in production.
 *
 * CloudFront behaviour reproduced (Developer Guide, "Serve compressed files"):
 * - Content-Type, Cache-Control, ETag and Last-Modified come from the stored object.
 * - Compression happens at the edge: Brotli when the viewer accepts both, else gzip; only for the media
 *   types CloudFront compresses and bodies of 1,000 to 10,000,000 bytes. Every file Herald publishes has such a
 *   type (lib/feeds/types.ts: RSS, Atom and the OPML as `application/xml`, JSON Feed as `application/json`);
 *   objects stored under the old `+xml`/`+json` feed types stay uncompressed until a rebuild rewrites them.
 * - A compressed response carries the origin's strong ETag turned weak (`W/"..."`): the compressed and
 *   uncompressed representations are semantically equivalent, and If-None-Match compares weakly, so a
 *   validator from either one gives a 304.
 */

export const STATE_PREFIX = '_herald/';

/** First path segments never served, compared folded: `/_HERALD/` or `/%2eHerald/` name them too on some disks. */
const PRIVATE_FOLDERS: ReadonlySet<string> = new Set([foldName(STATE_PREFIX.slice(0, -1)), foldName(RESERVED_DIR)]);

/** Media types CloudFront compresses (parameters such as charset are ignored). */
export const COMPRESSIBLE_TYPES: ReadonlySet<string> = new Set([
  'application/dash+xml',
  'application/eot',
  'application/font',
  'application/font-sfnt',
  'application/javascript',
  'application/json',
  'application/opentype',
  'application/otf',
  'application/pkcs7-mime',
  'application/protobuf',
  'application/rss+xml',
  'application/truetype',
  'application/ttf',
  'application/vnd.apple.mpegurl',
  'application/vnd.ms-fontobject',
  'application/xhtml+xml',
  'application/xml',
  'application/x-font-opentype',
  'application/x-font-truetype',
  'application/x-font-ttf',
  'application/x-httpd-cgi',
  'application/x-javascript',
  'application/x-mpegurl',
  'application/x-opentype',
  'application/x-otf',
  'application/x-perl',
  'application/x-ttf',
  'font/eot',
  'font/opentype',
  'font/otf',
  'font/ttf',
  'image/svg+xml',
  'text/css',
  'text/csv',
  'text/html',
  'text/javascript',
  'text/js',
  'text/plain',
  'text/richtext',
  'text/tab-separated-values',
  'text/xml',
  'text/x-component',
  'text/x-java-source',
  'text/x-script',
  'vnd.apple.mpegurl',
]);
export const MIN_COMPRESS_BYTES = 1_000;
export const MAX_COMPRESS_BYTES = 10_000_000;

const TYPES_BY_NAME: Record<string, string> = Object.fromEntries(
  Object.values(FEED_FILES).map(({ file, contentType }) => [file, contentType]),
);
const TYPES_BY_EXTENSION: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  htm: 'text/html; charset=utf-8',
  opml: 'text/x-opml; charset=utf-8',
  xml: 'application/xml; charset=utf-8',
  json: 'application/json; charset=utf-8',
  txt: 'text/plain; charset=utf-8',
  css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  ico: 'image/x-icon',
};

/** The Content-Type for a key whose object carries none: feed files by name, the rest by extension. */
export function contentTypeFor(key: string): string {
  const name = key.slice(key.lastIndexOf('/') + 1);
  const byName = TYPES_BY_NAME[name];
  if (byName) return byName;
  const dot = name.lastIndexOf('.');
  return (dot > 0 && TYPES_BY_EXTENSION[name.slice(dot + 1).toLowerCase()]) || 'application/octet-stream';
}

/**
 * The storage key a request path names, or null when it names nothing that may be served.
 * Each segment is percent-decoded on its own, so an encoded `/` (`..%2f`) cannot forge a separator;
 * `.`/`..` segments, backslashes, NUL and the private folders (the state prefix, a folder storage's own
 * files) in any case, Unicode form or percent-encoding are refused rather than normalized.
 */
export function keyForPath(rawPath: string): string | null {
  if (!rawPath.startsWith('/')) return null;
  const segments = rawPath.slice(1).split('/');
  const decoded: string[] = [];
  for (const [index, segment] of segments.entries()) {
    const last = index === segments.length - 1;
    let value: string;
    try {
      value = decodeURIComponent(segment);
    } catch {
      return null;
    }
    if (value === '') {
      if (last) break;
      return null;
    }
    if (value === '.' || value === '..' || /[/\\\0]/.test(value)) return null;
    decoded.push(value);
  }
  if (decoded.length > 0 && PRIVATE_FOLDERS.has(foldName(decoded[0]!))) return null;
  const key = decoded.join('/');
  // A trailing slash names the folder's index page; there are no directory listings.
  return rawPath.endsWith('/') ? `${key}${key === '' ? '' : '/'}index.html` : key;
}

type Encoding = 'br' | 'gzip';

/** CloudFront's choice: Brotli when accepted, else gzip, else none. `q=0` means "not acceptable". */
export function chooseEncoding(acceptEncoding: string | undefined): Encoding | undefined {
  if (!acceptEncoding) return undefined;
  const accepted = new Set<string>();
  for (const part of acceptEncoding.split(',')) {
    const [token = '', ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    if (q !== undefined && !(Number(q.slice(2)) > 0)) continue;
    accepted.add(token.trim());
  }
  if (accepted.has('br')) return 'br';
  if (accepted.has('gzip')) return 'gzip';
  return undefined;
}

function isCompressible(contentType: string, size: number): boolean {
  const mediaType = contentType.split(';')[0]!.trim().toLowerCase();
  return COMPRESSIBLE_TYPES.has(mediaType) && size >= MIN_COMPRESS_BYTES && size <= MAX_COMPRESS_BYTES;
}

/** CloudFront turns a valid strong ETag weak on compressed responses, keeps weak ones, drops invalid ones. */
function compressedEtag(etag: string): string | undefined {
  if (etag.startsWith('W/')) return etag;
  if (etag.startsWith('"')) return `W/${etag}`;
  return undefined;
}

function opaqueTag(etag: string): string {
  return etag.startsWith('W/') ? etag.slice(2) : etag;
}

/** If-None-Match uses the weak comparison (RFC 9110 13.1.2). */
function noneMatch(header: string, etag: string | undefined): boolean {
  if (header.trim() === '*') return true;
  if (etag === undefined) return false;
  const tag = opaqueTag(etag);
  return header.split(',').some((candidate) => opaqueTag(candidate.trim()) === tag);
}

function notModifiedSince(header: string, lastModified: Date | undefined): boolean {
  if (!lastModified) return false;
  const since = Date.parse(header);
  // HTTP dates have whole seconds; the stored instant may not.
  return !Number.isNaN(since) && Math.floor(lastModified.getTime() / 1000) * 1000 <= since;
}

/** Quality 11 takes seconds on a megabyte feed; 5 is close in size at a fraction of the time (bench/compression.ts). */
export const ON_THE_FLY_BROTLI_QUALITY = 5;

export function brotliOptions(quality: number, size: number): zlib.BrotliOptions {
  return {
    params: {
      [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT,
      [zlib.constants.BROTLI_PARAM_QUALITY]: quality,
      [zlib.constants.BROTLI_PARAM_SIZE_HINT]: size,
    },
  };
}

function compress(body: Uint8Array, encoding: Encoding): Promise<Buffer> {
  if (encoding === 'gzip') return promisify(zlib.gzip)(body);
  return promisify(zlib.brotliCompress)(body, brotliOptions(ON_THE_FLY_BROTLI_QUALITY, body.byteLength));
}

export interface ServerOptions {
  storage: Storage;
  /** Cache-Control for objects stored without one (the site's `cacheControl`). */
  cacheControl?: string;
  /** Called with every failed storage read; the client gets a 500. */
  onError?: (error: unknown, key: string) => void;
  /** The redirect target of a request path (the site's `aliases`, lib/aliases.ts), or null; asked on every request. */
  redirect?: (path: string) => string | null;
}

export interface HeraldServer {
  readonly server: http.Server;
  /** Resolves with the bound address; rejects with the listen error (EADDRINUSE...). */
  listen(port: number, host: string): Promise<AddressInfo>;
  /** Stops accepting connections and drops idle keep-alive ones. */
  close(): Promise<void>;
}

export function createServer(options: ServerOptions): HeraldServer {
  const handler = createHandler(options);
  const server = http.createServer((req, res) => {
    handler(req, res).catch((error: unknown) => {
      options.onError?.(error, req.url ?? '');
      if (!res.headersSent) send(res, 500, 'Internal Server Error', req.method === 'HEAD');
      else res.destroy();
    });
  });
  return {
    server,
    listen(port, host) {
      return new Promise((resolve, reject) => {
        const onError = (error: Error) => reject(error);
        server.once('error', onError);
        server.listen(port, host, () => {
          server.off('error', onError);
          resolve(server.address() as AddressInfo);
        });
      });
    },
    close() {
      return new Promise((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeIdleConnections();
      });
    },
  };
}

function send(res: http.ServerResponse, status: number, text: string, head: boolean, headers: http.OutgoingHttpHeaders = {}): void {
  const body = `${text}\n`;
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(head ? undefined : body);
}

/** Compressed bodies per key and encoding, reused while the stored ETag is unchanged. */
type CompressedCache = Map<string, { etag: string; body: Promise<Buffer> }>;

function createHandler({ storage, cacheControl, redirect }: ServerOptions) {
  const compressed: CompressedCache = new Map();

  function compressedBody(key: string, object: StoredObject, encoding: Encoding): Promise<Buffer> {
    const cacheKey = `${encoding}:${key}`;
    const cached = compressed.get(cacheKey);
    if (cached && cached.etag === object.etag) return cached.body;
    const body = compress(object.body, encoding);
    compressed.set(cacheKey, { etag: object.etag, body });
    body.catch(() => compressed.delete(cacheKey));
    return body;
  }

  return async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const head = req.method === 'HEAD';
    if (req.method !== 'GET' && !head) {
      send(res, 405, 'Method Not Allowed', false, { Allow: 'GET, HEAD' });
      return;
    }
    // The query string is not part of the cache key or the object name, as with a default cache policy.
    const rawPath = (req.url ?? '/').split(/[?#]/, 1)[0]!;
    // As the aliases' CloudFront Function does, before anything is looked up, without a body.
    const location = redirect?.(rawPath);
    if (location) {
      res.writeHead(301, { Location: location, 'Cache-Control': REDIRECT_CACHE_CONTROL, 'Content-Length': 0 });
      res.end();
      return;
    }
    const key = keyForPath(rawPath);
    const object = key === null || key === '' ? null : await storage.get(key);
    if (!object) {
      send(res, 404, 'Not Found', head);
      return;
    }

    const contentType = object.contentType ?? contentTypeFor(key!);
    // CloudFront drops Accept-Encoding from HTTP/1.0 requests and answers them uncompressed.
    const accepted = req.httpVersion === '1.0' ? undefined : req.headers['accept-encoding'];
    const encoding = isCompressible(contentType, object.body.byteLength) ? chooseEncoding(accepted) : undefined;
    const etag = encoding ? compressedEtag(object.etag) : object.etag;
    const headers: http.OutgoingHttpHeaders = {
      'Content-Type': contentType,
      ...(etag ? { ETag: etag } : {}),
      ...(object.lastModified ? { 'Last-Modified': object.lastModified.toUTCString() } : {}),
      ...((object.cacheControl ?? cacheControl) ? { 'Cache-Control': object.cacheControl ?? cacheControl } : {}),
      ...(isCompressible(contentType, object.body.byteLength) ? { Vary: 'Accept-Encoding' } : {}),
    };

    const ifNoneMatch = req.headers['if-none-match'];
    const ifModifiedSince = req.headers['if-modified-since'];
    // If-None-Match takes precedence: If-Modified-Since is ignored whenever it is present (RFC 9110 13.1.3).
    const notModified =
      ifNoneMatch !== undefined
        ? noneMatch(ifNoneMatch, etag)
        : ifModifiedSince !== undefined && notModifiedSince(ifModifiedSince, object.lastModified);
    if (notModified) {
      res.writeHead(304, headers);
      res.end();
      return;
    }

    const body = encoding ? await compressedBody(key!, object, encoding) : object.body;
    res.writeHead(200, {
      ...headers,
      // The directory page's policy (on AWS the response headers policy sends it with every file).
      ...(String(headers['Content-Type']).startsWith('text/html') ? { 'Content-Security-Policy': DIRECTORY_CSP } : {}),
      ...(encoding ? { 'Content-Encoding': encoding } : {}),
      'Content-Length': body.byteLength,
    });
    res.end(head ? undefined : body);
  };
}
