/**
 * A full build's CPU work (lib/pipeline/work.ts) spread over threads, one per core by default: the calling thread
 * and worker threads take steps from one queue. The rebuild keeps its storage, its lists and its writes in the
 * calling thread and sends the workers only bytes and plain data: a post's bytes to parse or render (or its key,
 * when the threads read the content folder themselves), a feed's items to render, encode and hash. Every step is
 * a pure function, so the output is the same bytes whatever the number of threads and the order they finish in.
 * Each thread keeps the listed posts it parsed, and renders the item of each one some feed shows (`kept`): a shown
 * post is neither read nor parsed twice, nor its text copied to another thread.
 *
 * Each thread costs its own heap and a copy of the modules (measured in bench/build.ts); a step in flight
 * holds one post or one feed. A thread that dies fails the steps it held and every later one: the rebuild
 * fails as a whole, as it would on a crash, rather than publish feeds without the posts that thread had.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { SiteConfig } from '../config.ts';
import { messageOf } from '../errors.ts';
import { type StepReply, type StepRequest, THREAD_MARK, type ThreadData } from './thread-worker.ts';
import type { FsStorage, KnownEtags } from '../storage/fs/fs-storage.ts';
import type { FeedItem, Post } from '../post/types.ts';
import { toFeedItem } from '../post/render.ts';
import type { SourceOf } from './items.ts';
import { keepForRecord, localWork, type Work, type WorkStep, type WorkSteps, workSteps, WorkUnavailableError } from './work.ts';

/**
 * A thread per core but one, the calling thread included: it also lists, takes records in and writes, and V8 compiles
 * and collects beside it (a build in one thread keeps about 1.4 cores busy). On two cores two threads save 2 to 7% of
 * the wall time for 1.2 to 1.4 s more CPU and 50 to 90 MB more memory (docs/architecture.md), so a two-core machine
 * builds in one thread. A Lambda function counts its vCPUs with `lambdaJobs`.
 */
export function defaultJobs(): number {
  return Math.max(1, availableParallelism() - 1);
}

/** Memory that buys a Lambda function one vCPU (AWS: 1,769 MB; 6 vCPUs at the 10,240 MB maximum). */
export const LAMBDA_MB_PER_VCPU = 1769;

/**
 * Threads for a Lambda function of `memoryMb` (`AWS_LAMBDA_FUNCTION_MEMORY_SIZE`): its vCPUs, rounded, at least
 * one. The system reports more cores than a small function's share of them, so one per reported core would
 * only make threads wait for each other.
 */
export function lambdaJobs(memoryMb: number): number {
  return Math.max(1, Math.min(availableParallelism(), Math.round(memoryMb / LAMBDA_MB_PER_VCPU) || 1));
}

export interface ThreadOptions {
  /**
   * The folder the rebuild reads its posts from: the threads then read each post themselves (the `read` step,
   * worker threads through their own `FsStorage` of its root), so its bytes are opened, hashed and decoded where
   * they are parsed, and only its record comes back. The calling thread's steps read through this one, so the
   * ETags they compute are the ones it passes on (`FsStorage.knownEtags`).
   */
  content?: FsStorage;
  /** The file the threads start from (`workerEntry`). */
  entry?: () => Promise<WorkerEntry>;
}

/** The steps over `jobs` worker threads; with one job, in the calling thread (a thread would only add copying). */
export function threadedWork(site: SiteConfig, jobs = defaultJobs(), { content, entry = workerEntry }: ThreadOptions = {}): Work {
  return jobs > 1 ? new ThreadPool(site, jobs, entry, content) : localWork(site);
}

/**
 * Stops `work`'s threads, the content folder's storage first taking the ETags they computed (`FsStorage.adopt`): the
 * posts worker threads read are then kept as hashed, as the calling thread's are. An optimization: a thread that cannot
 * answer costs only that.
 */
export async function closeWork(work: Work, content: FsStorage): Promise<void> {
  try {
    for (const known of await (work.contentEtags?.() ?? Promise.resolve([])).catch(() => [])) content.adopt(known);
  } finally {
    await work.close();
  }
}

/** The file a worker thread starts from, and what to remove once the threads are done. */
export interface WorkerEntry {
  url: URL;
  dispose(): Promise<void>;
}

/**
 * In a bundle (the Lambda functions, scripts/bundle.ts) this module is part of one file, which is the worker's
 * entry: loaded in a thread marked `THREAD_MARK`, it serves the steps (lib/pipeline/thread-worker.ts). From the
 * sources (tsx, vitest) the worker side is bundled the same way into a temporary file first: a thread that
 * loaded the sources through tsx would cost ten times as much to start (measured: 0.5 s of CPU and 48 MB each,
 * against 0.05 s and 15 MB), every build. esbuild is tsx's own dependency.
 */
export function workerEntry(moduleUrl = import.meta.url): Promise<WorkerEntry> {
  const here = new URL(moduleUrl);
  if (!here.pathname.endsWith('.ts')) return Promise.resolve({ url: here, dispose: async () => {} });
  const made = bundling.then(() => bundleWorkerSide(here));
  bundling = made.catch(() => {});
  return made;
}

/**
 * One bundling at a time: each stops esbuild's service once done, and a build in flight when another stops it never
 * settles (seen as a pool whose `close` waited for ever).
 */
let bundling: Promise<unknown> = Promise.resolve();

async function bundleWorkerSide(here: URL): Promise<WorkerEntry> {
  // Not a literal: a bundle of this module must not take esbuild in (it never runs this branch).
  const { build, stop } = (await import(ESBUILD)) as typeof import('esbuild');
  const dir = await mkdtemp(path.join(tmpdir(), 'herald-threads-'));
  const dispose = () => rm(dir, { recursive: true, force: true });
  const outfile = path.join(dir, 'thread-worker.mjs');
  try {
    await build({
      entryPoints: [fileURLToPath(new URL('./thread-worker.ts', here))],
      outfile,
      ...NODE_ESM_BUNDLE,
      logLevel: 'error',
    });
  } catch (error) {
    await dispose();
    throw error;
  } finally {
    // esbuild's service process would otherwise live (and hold 60 MB) as long as this one.
    await stop();
  }
  return { url: pathToFileURL(outfile), dispose };
}

const ESBUILD = 'esbuild';

/** CommonJS dependencies call `require` for Node built-ins, which ESM lacks (scripts/bundle.ts uses it too). */
export const CREATE_REQUIRE_BANNER = "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";

/** esbuild's options for one ES module that Node 20 runs with its dependencies inside (the worker side, benches, tests). */
export const NODE_ESM_BUNDLE = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  banner: { js: CREATE_REQUIRE_BANNER },
} as const;

const YOUNG_GENERATION_MB = 8;

/**
 * The calling process's options a worker thread takes too: profiling and warnings, which Node applies in each thread.
 * No others: a thread refuses V8's options (`--max-old-space-size`, `--max-semi-space-size`) and the process's own
 * (`--v8-pool-size`, which bin/herald.mjs gives a build), which apply to it anyway, and loaders would load tsx again
 * in every thread, whose entry is one bundled file.
 */
const THREAD_OPTIONS = new Set([
  '--cpu-prof',
  '--cpu-prof-dir',
  '--cpu-prof-name',
  '--cpu-prof-interval',
  '--heap-prof',
  '--heap-prof-dir',
  '--heap-prof-name',
  '--heap-prof-interval',
  '--enable-source-maps',
  '--no-warnings',
  '--no-deprecation',
  '--trace-warnings',
  '--trace-deprecation',
  '--throw-deprecation',
  '--trace-uncaught',
]);

/**
 * `execArgv` (node's options: the script and its arguments come after them) kept for a worker thread, which would
 * otherwise inherit them all, and refuse to start with some.
 */
export function workerExecArgv(execArgv: readonly string[]): string[] {
  const kept: string[] = [];
  for (let index = 0; index < execArgv.length; index++) {
    const option = execArgv[index]!;
    // `--import tsx`: a value in the next argument, which is then no option.
    const value = !option.includes('=') && execArgv[index + 1] !== undefined && !execArgv[index + 1]!.startsWith('-');
    if (THREAD_OPTIONS.has(option.split('=', 1)[0]!)) kept.push(...execArgv.slice(index, value ? index + 2 : index + 1));
    if (value) index++;
  }
  return kept;
}

interface Thread {
  worker: Worker;
  /** What waits for each request sent to the thread (and which step it is, for the steps of the queues). */
  pending: Map<number, Pick<Queued, 'resolve' | 'reject'> & Partial<Pick<Queued, 'step'>>>;
  /** Steps only this thread can take (the items of posts it kept), handed out before the shared queue's. */
  queue: Queued[];
  /** Posts it kept that will not be shown, to tell it with its next steps. */
  forgotten: string[];
  /** Feed documents among its pending steps. */
  feeds: number;
}

/** A step waiting for a thread, or running in one. */
interface Queued {
  step: WorkStep | 'kept';
  args: unknown[];
  /** A step only the calling thread can take: rendering a post it kept. */
  local?: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

/**
 * Steps a worker thread holds at once. Enough that it never waits for the calling thread, which hands out more only
 * between its own turns; few enough that at the end of a phase no thread sits idle while another still holds a queue
 * (feed documents, much longer steps, have a lower bound: `FEEDS_PER_THREAD`).
 */
const STEPS_PER_THREAD = 32;

/**
 * Steps a message carries: a worker holding several messages starts on the next while the calling thread takes the
 * replies to the last (in one message of 16, a worker waited for the calling thread's turn to end about half the time
 * it read posts).
 */
const STEPS_PER_MESSAGE = 8;

/**
 * Feed documents a worker holds at once, of its `STEPS_PER_THREAD`: a document takes milliseconds where a post takes
 * a tenth of one, and a worker holding every document in flight left the calling thread none to render.
 */
const FEEDS_PER_THREAD = 8;

/** How long the calling thread takes steps before it looks at the workers again: less than a worker's steps last. */
const TURN_MS = 2;

/** Forgotten posts a thread is told of without waiting for a step to go with them. */
const FORGOTTEN_PER_MESSAGE = 256;

/**
 * `jobs - 1` worker threads and the calling thread, all taking steps from one queue, and each from a queue of its own
 * (the items of the posts it kept). The calling thread also lists, takes records in and writes, and takes steps of its
 * own whenever the workers hold as many as they may, for up to `TURN_MS` a turn of its event loop, so replies are taken
 * and new steps handed out between its turns.
 */
class ThreadPool implements Work {
  readonly #threads: Thread[] = [];
  /** The file the workers started from, once made: closing does not wait for one still being made. */
  #entry: WorkerEntry | undefined;
  readonly #local: WorkSteps;
  readonly #queue: Queued[] = [];
  /** Steps only the calling thread takes, in its turns like the others: not all at once while the workers wait. */
  readonly #localQueue: Queued[] = [];
  /** The worker thread that parsed each post, which keeps it if it is listed (`kept`). */
  readonly #parsedBy = new Map<string, Thread>();
  #nextId = 0;
  #localTurn = false;
  #failure: Error | undefined;
  #closing = false;

  readonly read: Work['read'];
  readonly shown: Work['shown'];

  constructor(
    readonly site: SiteConfig,
    readonly jobs: number,
    entry: () => Promise<WorkerEntry>,
    content: FsStorage | undefined,
  ) {
    const workerData: ThreadData = { [THREAD_MARK]: true, site, ...(content !== undefined && { content: content.root }) };
    this.#local = workSteps(site, content, keepForRecord);
    this.read = content === undefined ? undefined : (...args) => this.#run('read', args);
    this.shown = content === undefined ? undefined : (...args) => this.#run('shown', args);
    this.#startThreads = () =>
      void entry().then(
        (made) => {
          // Closed meanwhile: the steps were all taken here, and nobody waits for this entry.
          if (this.#closing) return void made.dispose();
          this.#entry = made;
          for (let n = 1; n < jobs; n++) this.#threads.push(this.#start(made.url, workerData));
          this.#dispatch();
        },
        (error: unknown) =>
          // No thread can run a step: the rebuild must fail, not report every post as failed.
          this.#fail(new WorkUnavailableError(`the worker threads could not start: ${messageOf(error)}`, { cause: error })),
      );
  }

  /**
   * Starts the worker threads, at the first step: a build that finds nothing changed takes none, and a thread costs
   * its start and 12 to 110 MB (bulwark unchanged with 4 threads on 2 cores: 1.07 s and 320 MB against 0.80 s and
   * 250 MB with one). Until they are up, the calling thread takes the steps.
   */
  #startThreads: (() => void) | undefined;

  record: Work['record'] = (...args) => this.#run('record', args);
  item: Work['item'] = (...args) => this.#run('item', args);
  feed: Work['feed'] = (...args) => this.#run('feed', args);

  kept(source: SourceOf, post?: Post): Promise<FeedItem | undefined> {
    if (post) return this.#run('kept', [], this.#localQueue, () => toFeedItem(post, this.site));
    const thread = this.#parsedBy.get(source.key);
    if (!thread) return Promise.resolve(undefined);
    this.#parsedBy.delete(source.key);
    return this.#run('kept', [source.key, source.source], thread.queue);
  }

  forget(key: string): void {
    const thread = this.#parsedBy.get(key);
    if (!thread) return;
    this.#parsedBy.delete(key);
    thread.forgotten.push(key);
    if (thread.forgotten.length >= FORGOTTEN_PER_MESSAGE) this.#dispatch();
  }

  /** Asked of each worker thread directly, not through the queue: each has its own storage of the folder. */
  async contentEtags(): Promise<KnownEtags[]> {
    return Promise.all(
      this.#threads.map(
        (thread) =>
          new Promise<KnownEtags>((resolve, reject) => {
            if (this.#failure) return reject(this.#failure);
            const id = this.#nextId++;
            thread.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
            thread.worker.postMessage([{ id, step: 'knownEtags', args: [] } satisfies StepRequest]);
          }),
      ),
    );
  }

  async close(): Promise<void> {
    this.#closing = true;
    await Promise.all(this.#threads.map(({ worker }) => worker.terminate()));
    this.#fail(new WorkUnavailableError('the worker threads were closed'));
    await this.#entry?.dispose();
  }

  #start(url: URL, workerData: ThreadData): Thread {
    // A small young generation: each thread's heap is mostly short-lived garbage, collected as cheaply in 8 MB (measured
    // on the synthetic site: the same CPU time, 70 MB less peak RSS with two threads than V8's default).
    const worker = new Worker(url, {
      workerData,
      execArgv: workerExecArgv(process.execArgv),
      resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
    });
    const thread: Thread = { worker, pending: new Map(), queue: [], forgotten: [], feeds: 0 };
    worker.on('message', (replies: StepReply[]) => {
      for (const reply of replies) {
        const waiting = thread.pending.get(reply.id);
        thread.pending.delete(reply.id);
        if (waiting?.step === 'feed') thread.feeds--;
        // A step that throws on its input fails that step only, as it would in the calling thread.
        if ('error' in reply) waiting?.reject(new Error(reply.error));
        else waiting?.resolve(reply.value);
      }
      this.#dispatch();
    });
    worker.on('error', (error) => this.#fail(new WorkUnavailableError(`a worker thread failed: ${error.message}`, { cause: error })));
    worker.on('exit', (code) => {
      if (!this.#closing) this.#fail(new WorkUnavailableError(`a worker thread stopped (exit code ${code})`));
    });
    return thread;
  }

  /** Queues a step for any thread, or on the queue of one. */
  #run<T>(step: Queued['step'], args: unknown[], queue = this.#queue, local?: () => unknown): Promise<T> {
    if (this.#startThreads) {
      this.#startThreads();
      this.#startThreads = undefined;
    }
    return new Promise<T>((resolve, reject) => {
      if (this.#failure) return reject(this.#failure);
      queue.push({ step, args, resolve: resolve as (value: unknown) => void, reject, ...(local && { local }) });
      // Steps asked for together go to the workers together: a message costs a wake-up of the other thread.
      if (queue.length === 1) setImmediate(() => this.#dispatch());
    });
  }

  /** Hands queued steps to the workers up to `STEPS_PER_THREAD` each, and keeps the calling thread's turn coming. */
  #dispatch(): void {
    if (this.#failure) return;
    for (const thread of this.#threads) {
      let requests: StepRequest[];
      do {
        requests = [];
        while (requests.length < STEPS_PER_MESSAGE) {
          const queued = this.#nextFor(thread);
          if (!queued) break;
          const id = this.#nextId++;
          thread.pending.set(id, queued);
          requests.push({ id, step: queued.step, args: queued.args });
          if (queued.step === 'feed') thread.feeds++;
          if (queued.step === 'record' || queued.step === 'read') this.#parsedBy.set(queued.args[0] as string, thread);
        }
        if (requests.length > 0 || thread.forgotten.length >= FORGOTTEN_PER_MESSAGE) {
          // Before the steps: a post forgotten and then parsed again by the same steps is kept again.
          if (thread.forgotten.length > 0) requests.unshift({ id: -1, step: 'forget', args: thread.forgotten.splice(0) });
          thread.worker.postMessage(requests);
        }
      } while (requests.length >= STEPS_PER_MESSAGE);
    }
    if ((this.#queue.length > 0 || this.#localQueue.length > 0) && !this.#localTurn) {
      this.#localTurn = true;
      setImmediate(() => void this.#takeTurn());
    }
  }

  /** The next step `thread` may take now, taken off its queue or the shared one. */
  #nextFor(thread: Thread): Queued | undefined {
    if (thread.pending.size >= STEPS_PER_THREAD) return undefined;
    if (thread.queue.length > 0) return thread.queue.shift();
    if (this.#queue[0]?.step === 'feed' && thread.feeds >= FEEDS_PER_THREAD) return undefined;
    return this.#queue.shift();
  }

  /**
   * Steps in the calling thread for up to `TURN_MS`, then the workers' replies and the thread's own work get their
   * turn. One step a turn cost more than the step itself: a turn of the event loop for each post read.
   */
  async #takeTurn(): Promise<void> {
    const until = performance.now() + TURN_MS;
    while (!this.#failure && (this.#localQueue.length > 0 || this.#queue.length > 0) && performance.now() < until) {
      const queued = this.#localQueue.shift() ?? this.#queue.shift()!;
      try {
        // Awaited here, so that a step answering a promise (a post read) is done within the turn.
        const step = queued.local ?? (() => (this.#local[queued.step as WorkStep] as (...args: unknown[]) => unknown)(...queued.args));
        queued.resolve(await step());
      } catch (error) {
        queued.reject(error as Error);
      }
    }
    this.#localTurn = false;
    this.#dispatch();
  }

  /** Fails what the threads were doing, what waits for them, and every later step. */
  #fail(error: Error): void {
    this.#failure ??= error;
    for (const { pending, queue } of this.#threads) {
      for (const { reject } of [...pending.values(), ...queue.splice(0)]) reject(error);
      pending.clear();
    }
    for (const { reject } of [...this.#queue.splice(0), ...this.#localQueue.splice(0)]) reject(error);
  }
}
