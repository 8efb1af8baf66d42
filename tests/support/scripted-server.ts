import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as the server received it. */
export interface SeenRequest {
  method?: string;
  url?: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface ScriptedReply {
  status: number;
  body?: string;
}

export interface ScriptedServer {
  /** Base URL, ending in `path`. */
  endpoint: string;
  seen: SeenRequest[];
  close(): Promise<void>;
}

/**
 * An HTTP server on 127.0.0.1 standing in for an AWS API: it records every request and answers each with
 * the next of `replies` (the last one repeats).
 */
export async function startScriptedServer(replies: ScriptedReply[], path = ''): Promise<ScriptedServer> {
  const seen: SeenRequest[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      seen.push({ method: request.method, url: request.url, headers: request.headers, body });
      const reply = replies[Math.min(seen.length, replies.length) - 1]!;
      response.statusCode = reply.status;
      response.end(reply.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`,
    seen,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
