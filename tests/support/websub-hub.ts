import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HubPing {
  mode: string | null;
  urls: string[];
  contentType: string | undefined;
}

export interface TestHub {
  url: string;
  pings: HubPing[];
  /** Every `hub.url` published so far, sorted. */
  publishedUrls(): string[];
  /** What the hub answers next: a status, or 'hang' to never answer. */
  respondWith(answer: number | 'hang'): void;
  close(): Promise<void>;
}

/** A WebSub hub on 127.0.0.1 that records publish pings (form posts) and answers 204 unless told otherwise. */
export async function startTestHub(): Promise<TestHub> {
  const pings: HubPing[] = [];
  let answer: number | 'hang' = 204;
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      pings.push({ mode: form.get('hub.mode'), urls: form.getAll('hub.url'), contentType: request.headers['content-type'] });
      if (answer === 'hang') return;
      response.statusCode = answer;
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hub`,
    pings,
    publishedUrls: () => pings.flatMap((ping) => ping.urls).sort(),
    respondWith(next) {
      answer = next;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
