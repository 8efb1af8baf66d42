import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DIRECTORY_CSP } from '../directory/page.ts';
import { FEED_CSS_PATH } from '../feeds/feed-css.ts';
import { FEED_FILES } from '../feeds/types.ts';
import { DIRECTORY_PATH, OPML_PATH } from '../pipeline/outputs.ts';
import { VARIANTS } from '../publish.ts';
import { RESERVED_DIR } from '../storage/fs/fs-storage.ts';
import { foldName } from '../storage/semantics.ts';
import type { Storage } from '../storage/storage.ts';

/**
 * Serves the objects of a Storage over HTTP the way CloudFront in front of a private S3 bucket does,
 * so that what a reader sees on localhost is what it will see in production.
 *
 * CloudFront behaviour reproduced:
 * - Content-Type, Content-Encoding, Cache-Control, ETag and Last-Modified come from the stored object.
 * - Compression is the stored variants' (`rss.xml.br`, `rss.xml.gz`: lib/publish.ts), chosen as the CDN's
 *   viewer-request function does (infra/functions/select-encoding.js): Brotli when the viewer accepts it, else
 *   gzip, else the identity bytes; nothing is compressed on the fly (the distribution's `compress` is off).
 *   Each variant is its own object with its own ETag, and every response of a file that has variants says
 *   `Vary: Accept-Encoding`.
 */

export const STATE_PREFIX = '_herald/';

/** First path segments never served, compared folded: `/_HERALD/` or `/%2eHerald/` name them too on some disks. */
const PRIVATE_FOLDERS: ReadonlySet<string> = new Set([foldName(STATE_PREFIX.slice(0, -1)), foldName(RESERVED_DIR)]);

/** The files published with precompressed variants (lib/publish.ts), as the viewer-request function names them. */
export const VARIANT_NAMES: ReadonlySet<string> = new Set([
  ...Object.values(FEED_FILES).map(({ file }) => file),
  DIRECTORY_PATH,
  OPML_PATH,
  FEED_CSS_PATH,
]);

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

/** The stored variant's key for `key` and `encoding` (the viewer-request function's rewrite), or `key` itself. */
export function variantKey(key: string, encoding: Encoding | undefined): string {
  if (encoding === undefined || !VARIANT_NAMES.has(key.slice(key.lastIndexOf('/') + 1))) return key;
  return key + VARIANTS.find((variant) => variant.encoding === encoding)!.suffix;
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

export interface ServerOptions {
  storage: Storage;
  /** Cache-Control for objects stored without one (the site's `cacheControl`). */
  cacheControl?: string;
  /** Called with every failed storage read; the client gets a 500. */
  onError?: (error: unknown, key: string) => void;
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

function createHandler({ storage, cacheControl }: ServerOptions) {
  return async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const head = req.method === 'HEAD';
    if (req.method !== 'GET' && !head) {
      send(res, 405, 'Method Not Allowed', false, { Allow: 'GET, HEAD' });
      return;
    }
    // The query string is not part of the cache key or the object name, as with a default cache policy.
    const rawPath = (req.url ?? '/').split(/[?#]/, 1)[0]!;
    const requested = keyForPath(rawPath);
    // CloudFront drops Accept-Encoding from HTTP/1.0 requests and answers them uncompressed.
    const accepted = req.httpVersion === '1.0' ? undefined : req.headers['accept-encoding'];
    const key = requested === null || requested === '' ? null : variantKey(requested, chooseEncoding(accepted));
    const object = key === null ? null : await storage.get(key);
    if (!object) {
      send(res, 404, 'Not Found', head);
      return;
    }

    const etag = object.etag;
    const headers: http.OutgoingHttpHeaders = {
      'Content-Type': object.contentType ?? contentTypeFor(requested!),
      ...(etag ? { ETag: etag } : {}),
      ...(object.lastModified ? { 'Last-Modified': object.lastModified.toUTCString() } : {}),
      ...((object.cacheControl ?? cacheControl) ? { 'Cache-Control': object.cacheControl ?? cacheControl } : {}),
      ...(variantKey(requested!, 'br') !== requested ? { Vary: 'Accept-Encoding' } : {}),
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

    res.writeHead(200, {
      ...headers,
      // The directory page's policy (on AWS the response headers policy sends it with every file).
      ...(String(headers['Content-Type']).startsWith('text/html') ? { 'Content-Security-Policy': DIRECTORY_CSP } : {}),
      ...(object.contentEncoding ? { 'Content-Encoding': object.contentEncoding } : {}),
      'Content-Length': object.body.byteLength,
    });
    res.end(head ? undefined : object.body);
  };
}
