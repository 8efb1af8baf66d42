/**
 * The worker side of `threadedWork` (lib/pipeline/threads.ts): runs the steps it is sent, one at a time, and
 * sends each result back (a feed's encoded bytes are transferred, not copied). It keeps the listed posts it parses
 * until the calling thread asks for their items or lets them go. It starts by itself when this
 * module is loaded in a worker thread started with `THREAD_MARK`: bundled alone from the sources, or as part
 * of a Lambda function's bundle (`workerEntry`).
 */
import { isMainThread, type MessagePort, parentPort, workerData } from 'node:worker_threads';
import type { SiteConfig } from '../config.ts';
import { messageOf } from '../errors.ts';
import type { EncodedFile } from '../publish.ts';
import { FsStorage } from '../storage/fs/fs-storage.ts';
import type { FeedItem, Post } from '../post/types.ts';
import { toFeedItem } from '../post/render.ts';
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
  /**
   * A step, or what the thread does beside them: `knownEtags`, the ETags its `FsStorage` computed (asked of each thread
   * once a build is done); `kept`, the item of a post it parsed and kept (`Work.kept`); `forget`, posts it may let go
   * (no reply).
   */
  step: WorkStep | 'knownEtags' | 'kept' | 'forget';
  args: unknown[];
}

export type StepReply = { id: number; value: unknown } | { id: number; error: string };

/** Requests come and replies go in batches: a message costs a wake-up of the other thread, whatever it carries. */
export function serveSteps(port: MessagePort, site: SiteConfig, content?: string): void {
  const folder = content === undefined ? undefined : new FsStorage(content);
  // The listed posts this thread parsed, until their items are asked for or they are forgotten: a shown post is
  // rendered where it was parsed, rather than read and parsed again.
  const kept = new Map<string, { source: string | undefined; post: Post }>();
  const steps = workSteps(site, folder, (record, post) => kept.set(record.key, { source: record.source, post }));
  const keptItem = (key: string, source: string | undefined): FeedItem | undefined => {
    const held = kept.get(key);
    kept.delete(key);
    return held && held.source === source ? toFeedItem(held.post, site) : undefined;
  };
  port.on('message', async (requests: StepRequest[]) => {
    const replies: StepReply[] = [];
    const transfer: ArrayBuffer[] = [];
    for (const { id, step, args } of requests) {
      if (step === 'forget') {
        for (const key of args as string[]) kept.delete(key);
        continue;
      }
      try {
        // `read` answers a promise (a folder's reads are synchronous, so it settles before the next message).
        const value =
          step === 'knownEtags'
            ? (folder?.knownEtags(false) ?? {})
            : step === 'kept'
              ? keptItem(...(args as [string, string | undefined]))
              : await (steps[step] as (...args: unknown[]) => unknown)(...args);
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
