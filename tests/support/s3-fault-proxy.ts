/**
 * An HTTP proxy on 127.0.0.1 in front of moto's S3 (path-style) that fails, holds or reports chosen
 * requests: real 500s and 503 SlowDowns that the SDK retries, lost conditional writes (412), reset
 * connections, writes that land but whose reply is lost, delays, and a hook to crash the caller at an
 * exact point; `seededFaults` spreads them at random, reproducibly. Point `AWS_ENDPOINT_URL_S3` of the
 * code under test at it.
 */
import { createHash } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface S3Request {
  method: string;
  bucket: string;
  /** Decoded object key; '' for bucket-level requests (listings). */
  key: string;
  headers: IncomingMessage['headers'];
  /** The status the caller got, once answered. */
  status?: number;
  /** The fault the proxy applied, if any. */
  fault?: string;
}

export type FaultAction =
  | { status: number; code: string; message?: string }
  /** Keeps the request until `release()` is called, then forwards it. */
  | { hold: Promise<void> }
  /** Calls `run` (e.g. to kill the caller) and never answers. */
  | { crash: () => void }
  /** Drops the connection before S3 sees the request. */
  | { reset: true }
  /** Forwards the request (S3 acts on it) and drops the connection instead of answering. */
  | { loseReply: true }
  /** Forwards the request after `delayMs`. */
  | { delayMs: number };

export interface FaultRule {
  match: (request: S3Request) => boolean;
  /** A fixed action, or one chosen per request (none: forwarded untouched, and not counted as a hit). */
  action: FaultAction | ((request: S3Request) => FaultAction | undefined);
  /** How many matching requests it applies to; default: all until removed. */
  times?: number;
}

export interface FaultProxy {
  endpoint: string;
  /** Every request that reached the proxy, in order. */
  requests: S3Request[];
  add(rule: FaultRule): FaultRule;
  remove(rule: FaultRule): void;
  /** How many requests a rule has hit. */
  hits(rule: FaultRule): number;
  clear(): void;
  close(): Promise<void>;
}

export function s3Error(status: number, code: string, message = code): FaultAction {
  return { status, code, message };
}

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const upstream = new URL(target);
  const rules: FaultRule[] = [];
  const hitCounts = new Map<FaultRule, number>();
  const requests: S3Request[] = [];

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://proxy');
    const [, bucket = '', ...rest] = url.pathname.split('/');
    const s3Request: S3Request = {
      method: req.method ?? 'GET',
      bucket: decodeURIComponent(bucket),
      key: decodeURIComponent(rest.join('/')),
      headers: req.headers,
    };
    requests.push(s3Request);
    res.on('finish', () => (s3Request.status = res.statusCode));
    const rule = rules.find((candidate) => {
      const used = hitCounts.get(candidate) ?? 0;
      return (candidate.times === undefined || used < candidate.times) && candidate.match(s3Request);
    });
    const forward = () => {
      const proxied = httpRequest(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
        (upstreamResponse) => {
          res.writeHead(upstreamResponse.statusCode ?? 502, upstreamResponse.headers);
          upstreamResponse.pipe(res);
        },
      );
      proxied.on('error', () => res.destroy());
      req.pipe(proxied);
    };
    const action = rule && (typeof rule.action === 'function' ? rule.action(s3Request) : rule.action);
    if (!rule || !action) return forward();
    hitCounts.set(rule, (hitCounts.get(rule) ?? 0) + 1);
    s3Request.fault = Object.keys(action)[0];
    if ('reset' in action) {
      req.socket.destroy();
      return;
    }
    if ('delayMs' in action) {
      setTimeout(forward, action.delayMs);
      return;
    }
    if ('loseReply' in action) {
      const proxied = httpRequest(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
        (upstreamResponse) => {
          upstreamResponse.resume();
          upstreamResponse.on('end', () => req.socket.destroy());
        },
      );
      proxied.on('error', () => req.socket.destroy());
      req.pipe(proxied);
      return;
    }
    if ('hold' in action) {
      action.hold.then(forward, forward);
      return;
    }
    if ('crash' in action) {
      req.resume();
      action.crash();
      return;
    }
    req.resume();
    req.on('end', () => {
      const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${action.code}</Code><Message>${action.message ?? action.code}</Message><RequestId>fault</RequestId></Error>`;
      res.writeHead(action.status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    add(rule) {
      rules.push(rule);
      return rule;
    },
    remove(rule) {
      const index = rules.indexOf(rule);
      if (index >= 0) rules.splice(index, 1);
    },
    hits: (rule) => hitCounts.get(rule) ?? 0,
    clear() {
      rules.length = 0;
      requests.length = 0;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface SeededFaults {
  seed: number;
  /** Share of matching requests that get a fault. */
  rate: number;
  /** Which requests may get one; default all. */
  match?: (request: S3Request) => boolean;
  /** Delay of a delayed request; default 1.5 s. */
  delayMs?: number;
}

/**
 * A rule that gives `rate` of the requests one of: 503 SlowDown, 500, a reset connection, a lost reply,
 * a delay. The draw hashes the seed with the request's method, bucket, key and how many times that
 * request was seen, so a seed picks the same faults however concurrent callers interleave (as far as
 * they make the same requests).
 */
export function seededFaults({ seed, rate, match = () => true, delayMs = 1_500 }: SeededFaults): FaultRule {
  const seen = new Map<string, number>();
  const actions: FaultAction[] = [
    s3Error(503, 'SlowDown', 'Please reduce your request rate.'),
    s3Error(500, 'InternalError', 'We encountered an internal error. Please try again.'),
    { reset: true },
    { loseReply: true },
    { delayMs },
  ];
  return {
    match,
    action: (request) => {
      const id = `${request.method} ${request.bucket}/${request.key}`;
      const n = (seen.get(id) ?? 0) + 1;
      seen.set(id, n);
      const digest = createHash('sha256').update(`${seed}\n${id}\n${n}`).digest();
      if (digest.readUInt32BE(0) / 2 ** 32 >= rate) return undefined;
      return actions[digest.readUInt32BE(4) % actions.length];
    },
  };
}
