/**
 * The worker side of `threadedWork` (lib/pipeline/threads.ts): runs the steps it is sent, one at a time, and
 * sends each result back (a feed's encoded bytes are transferred, not copied). It starts by itself when this
 * module is loaded in a worker thread started with `THREAD_MARK`: bundled alone from the sources, or as part
 * of a Lambda function's bundle (`workerEntry`).
 */
import { isMainThread, type MessagePort, parentPort, workerData } from 'node:worker_threads';
import type { SiteConfig } from '../config.ts';
import { messageOf } from '../errors.ts';
import type { EncodedFile } from '../publish.ts';
import { FsStorage } from '../storage/fs/fs-storage.ts';
import { type WorkStep, workSteps } from './work.ts';

/** Marks the data of a worker thread that serves the steps, so the bundle file knows what it is started as. */
export const THREAD_MARK = 'heraldWorkSteps';

export interface ThreadData {
  [THREAD_MARK]: true;
  site: SiteConfig;
  /** The content folder the `read` step reads posts from, if the rebuild reads one. */
  content?: string;
}

export interface StepRequest {
  id: number;
  /** A step, or `knownEtags`: the ETags the thread's `FsStorage` computed, asked of each thread once a build is done. */
  step: WorkStep | 'knownEtags';
  args: unknown[];
}

export type StepReply = { id: number; value: unknown } | { id: number; error: string };

/** Requests come and replies go in batches: a message costs a wake-up of the other thread, whatever it carries. */
export function serveSteps(port: MessagePort, site: SiteConfig, content?: string): void {
  const folder = content === undefined ? undefined : new FsStorage(content);
  const steps = workSteps(site, folder);
  port.on('message', async (requests: StepRequest[]) => {
    const replies: StepReply[] = [];
    const transfer: ArrayBuffer[] = [];
    for (const { id, step, args } of requests) {
      try {
        // `read` answers a promise (a folder's reads are synchronous, so it settles before the next message).
        const value =
          step === 'knownEtags' ? (folder?.knownEtags(false) ?? {}) : await (steps[step] as (...args: unknown[]) => unknown)(...args);
        if (step === 'feed') for (const { bytes } of value as EncodedFile[]) transfer.push(bytes.buffer as ArrayBuffer);
        replies.push({ id, value });
      } catch (error) {
        replies.push({ id, error: messageOf(error) });
      }
    }
    port.postMessage(replies, transfer);
  });
}

if (!isMainThread && parentPort && (workerData as Partial<ThreadData> | null)?.[THREAD_MARK]) {
  const { site, content } = workerData as ThreadData;
  serveSteps(parentPort, site, content);
}
