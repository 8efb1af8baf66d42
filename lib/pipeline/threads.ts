/**
 * A full build's CPU work (lib/pipeline/work.ts) spread over worker threads, one per core by default. The
 * rebuild keeps its storage, its lists and its writes in the calling thread and sends the threads only bytes
 * and plain data: a post's bytes to parse or render, a feed's items to render, encode and hash. Every step is
 * a pure function, so the output is the same bytes whatever the number of threads and the order they finish in.
 *
 * Each thread costs its own heap and a copy of the modules (measured in bench/build.ts); a step in flight
 * holds one post or one feed. A thread that dies fails the steps it held and every later one: the rebuild
 * fails as a whole, as it would on a crash, rather than publish feeds without the posts that thread had.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { SiteConfig } from '../config.ts';
import { HeraldError } from '../errors.ts';
import { type StepReply, type StepRequest, THREAD_MARK, type ThreadData } from './thread-worker.ts';
import { localWork, type Work, type WorkStep } from './work.ts';

/** One thread per core the process may use (a Lambda: its vCPUs). */
export function defaultJobs(): number {
  return availableParallelism();
}

/** Memory that buys a Lambda function one vCPU (AWS: 1,769 MB; 6 vCPUs at the 10,240 MB maximum). */
export const LAMBDA_MB_PER_VCPU = 1769;

/**
 * Threads for a Lambda function of `memoryMb` (`AWS_LAMBDA_FUNCTION_MEMORY_SIZE`): its vCPUs, rounded, at least
 * one. The system reports more cores than a small function's share of them, so one per reported core would
 * only make threads wait for each other.
 */
export function lambdaJobs(memoryMb: number): number {
  return Math.max(1, Math.min(defaultJobs(), Math.round(memoryMb / LAMBDA_MB_PER_VCPU) || 1));
}

/** The steps over `jobs` worker threads; with one job, in the calling thread (a thread would only add copying). */
export function threadedWork(site: SiteConfig, jobs = defaultJobs()): Work {
  return jobs > 1 ? new ThreadPool(site, jobs) : localWork(site);
}

export class WorkerThreadError extends HeraldError {
  constructor(message: string, options?: ErrorOptions) {
    super(`worker thread: ${message}`, options);
    this.name = 'WorkerThreadError';
  }
}

/**
 * The file a worker thread starts from. From the sources (tsx, vitest) a small .mjs loads them through tsx;
 * in a bundle (the Lambda functions, scripts/bundle.ts) this module is part of one file, which is its own
 * entry: loaded in a thread marked `THREAD_MARK`, the bundle serves the steps (lib/pipeline/thread-worker.ts).
 */
export function workerEntry(moduleUrl = import.meta.url): URL {
  const here = new URL(moduleUrl);
  return here.pathname.endsWith('.ts') ? new URL('./thread-entry.mjs', here) : here;
}

interface Thread {
  worker: Worker;
  pending: Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>;
  /** Requests not sent yet: they go together once the calling thread has nothing else to do (`setImmediate`). */
  outbox: StepRequest[];
}

class ThreadPool implements Work {
  readonly #threads: Thread[];
  #nextId = 0;
  #failure: Error | undefined;
  #closing = false;

  constructor(
    site: SiteConfig,
    readonly jobs: number,
  ) {
    const entry = workerEntry();
    const workerData: ThreadData = { [THREAD_MARK]: true, site };
    this.#threads = Array.from({ length: jobs }, () => {
      const thread: Thread = { worker: new Worker(entry, { workerData }), pending: new Map(), outbox: [] };
      thread.worker.on('message', (replies: StepReply[]) => {
        for (const reply of replies) {
          const waiting = thread.pending.get(reply.id);
          thread.pending.delete(reply.id);
          if ('error' in reply) waiting?.reject(new WorkerThreadError(reply.error));
          else waiting?.resolve(reply.value);
        }
      });
      thread.worker.on('error', (error) => this.#fail(thread, new WorkerThreadError(error.message, { cause: error })));
      thread.worker.on('exit', (code) => {
        if (!this.#closing) this.#fail(thread, new WorkerThreadError(`stopped with exit code ${code}`));
      });
      return thread;
    });
  }

  record: Work['record'] = (...args) => this.#run('record', args);
  item: Work['item'] = (...args) => this.#run('item', args);
  feed: Work['feed'] = (...args) => this.#run('feed', args);

  async close(): Promise<void> {
    this.#closing = true;
    await Promise.all(this.#threads.map(({ worker }) => worker.terminate()));
    this.#fail(undefined, new WorkerThreadError('closed'));
  }

  #run<T>(step: WorkStep, args: unknown[]): Promise<T> {
    if (this.#failure) return Promise.reject(this.#failure);
    // The least busy thread: steps differ in cost (a feed of long posts, a tiny post).
    const thread = this.#threads.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      thread.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      if (thread.outbox.push({ id, step, args }) === 1) {
        setImmediate(() => {
          if (!this.#failure) thread.worker.postMessage(thread.outbox);
          thread.outbox = [];
        });
      }
    });
  }

  /** Fails what `thread` (every thread, when undefined) was doing and every later step. */
  #fail(thread: Thread | undefined, error: Error): void {
    this.#failure ??= error;
    for (const { pending } of thread ? [thread] : this.#threads) {
      for (const { reject } of pending.values()) reject(error);
      pending.clear();
    }
  }
}
