// Issue 15: the plan of a fanned-out rebuild of a large site, simulated in memory with synthetic posts.
// Usage: tsx bench/fanout.ts [posts=1000000] [taskKeys=5000]
// Runs the real coordinator and workers (lib/pipeline/fanout/) over MemoryStorage, counting requests as S3
// would bill them (a LIST per 1,000 keys), for a first build (no index) and for a rebuild of the same,
// unchanged content (records reused). Prints requests, workers and a wall-time estimate on AWS from the
// counts, the CPU time measured here, and the latencies assumed below; then the periodic work on the same
// unchanged site: a tick and the daily consistency check. Prints figures only.
import { dollars, idleMonth, type RunFigures } from './cost-model.ts';
import { parseConfig } from '../lib/config.ts';
import { findDifferences } from '../lib/pipeline/check.ts';
import { fanOutRead, TASK_SIZE } from '../lib/pipeline/fanout/coordinator.ts';
import type { TaskMessage } from '../lib/pipeline/fanout/tasks.ts';
import { runTask } from '../lib/pipeline/fanout/worker.ts';
import { rebuild } from '../lib/pipeline/rebuild.ts';
import { regenerate } from '../lib/pipeline/regenerate.ts';
import type { PipelineDeps } from '../lib/pipeline/types.ts';
import { MemoryStorage } from '../lib/storage/memory/memory-storage.ts';
import type { ListOptions, ObjectInfo, Storage } from '../lib/storage/storage.ts';

const POSTS = Number(process.argv[2] ?? 1_000_000);
const TASK_KEYS = Number(process.argv[3] ?? TASK_SIZE);
/** Assumed S3 latencies from a Lambda in the bucket's region, and the stack's worker concurrency. */
const GET_MS = 15;
const PUT_MS = 30;
const LIST_PAGE_MS = 50;
const IN_FLIGHT = 16;
const WORKERS_AT_ONCE = 50;

type Op = 'get' | 'head' | 'put' | 'delete' | 'list';
type Counts = Record<Op, number>;
const zero = (): Counts => ({ get: 0, head: 0, put: 0, delete: 0, list: 0 });
const total = (counts: Counts) => Object.values(counts).reduce((a, b) => a + b, 0);

/** Counts calls as S3 requests: a listing costs one request per page of 1,000 keys. */
function counted(storage: Storage, counts: Counts): Storage {
  return {
    get: ((key: string, options?: object) => {
      counts.get++;
      return storage.get(key, options ?? {});
    }) as Storage['get'],
    head: (key) => {
      counts.head++;
      return storage.head(key);
    },
    put: (key, body, options) => {
      counts.put++;
      return storage.put(key, body, options);
    },
    delete: (key) => {
      counts.delete++;
      return storage.delete(key);
    },
    async *list(prefix?: string, options?: ListOptions): AsyncIterable<ObjectInfo> {
      let n = 0;
      counts.list++;
      for await (const info of storage.list(prefix, options)) {
        if (++n > 1 && n % 1000 === 1) counts.list++;
        yield info;
      }
    },
  };
}

const TAGS = Array.from({ length: 500 }, (_, i) => `tag${i}`);
const CATEGORIES = Array.from({ length: 20 }, (_, i) => `section${i}`);
function post(i: number): string {
  const date = new Date(Date.UTC(2015, 0, 1) + i * 300_000).toISOString();
  return [
    '---',
    `title: "Post ${i}"`,
    `date: "${date}"`,
    `categories: ["${CATEGORIES[i % CATEGORIES.length]}"]`,
    `tags: ["${TAGS[i % TAGS.length]}", "${TAGS[(i * 7) % TAGS.length]}"]`,
    ...(i % 200 === 0 ? ['draft: true'] : []),
    '---',
    '',
    `Post number ${i}, with a [link](https://example.org/${i}) and *some* words to render.`,
    '',
  ].join('\n');
}

const site = parseConfig(
  JSON.stringify({
    title: 'Bench',
    description: 'bench',
    baseUrl: 'https://bench.invalid/',
    language: 'en',
    timeZone: 'UTC',
    itemsPerFeed: 20,
  }),
  'bench',
);
const content = new MemoryStorage();
const feeds = new MemoryStorage();
const state = new MemoryStorage();
const generated = performance.now();
for (let i = 0; i < POSTS; i++) await content.put(`posts/${String(i).padStart(7, '0')}.md`, post(i));
console.log(
  `${POSTS.toLocaleString('en')} synthetic posts in memory (${((performance.now() - generated) / 1000).toFixed(0)} s to generate)`,
);

async function plan(label: string): Promise<void> {
  const coordinator = zero();
  const workers: { counts: Counts; cpuMs: number }[] = [];
  const stores = { content: counted(content, coordinator), feeds: counted(feeds, coordinator), state: counted(state, coordinator) };
  const deps: PipelineDeps = { ...stores, site, now: () => new Date('2026-01-01T00:00:00Z') };
  let workersMs = 0;
  const started = performance.now();
  const report = await rebuild(deps, {
    read: fanOutRead({
      taskSize: TASK_KEYS,
      dispatch: async (messages: TaskMessage[]) => {
        const begun = performance.now();
        for (const message of messages) {
          const counts = zero();
          const t0 = performance.now();
          const worker = { content: counted(content, counts), feeds: counted(feeds, counts), state: counted(state, counts) };
          await runTask({ ...deps, ...worker }, message);
          workers.push({ counts, cpuMs: performance.now() - t0 });
        }
        workersMs = performance.now() - begun;
      },
      pause: () => Promise.reject(new Error('in memory, every part is written before the coordinator looks')),
    }),
  });
  const coordinatorCpuMs = performance.now() - started - workersMs;
  if (report.failed.length > 0) throw new Error(`${report.failed.length} keys failed`);
  const perWorker = workers.map(({ counts }) => total(counts));
  const slowest = workers.reduce((a, b) => (b.cpuMs > a.cpuMs ? b : a));
  const ioMs = (counts: Counts) => ((counts.get + counts.head) * GET_MS + (counts.put + counts.delete) * PUT_MS) / IN_FLIGHT;
  const workerMs = slowest.cpuMs + ioMs(slowest.counts);
  const waves = Math.ceil(workers.length / WORKERS_AT_ONCE);
  // Listings are sequential pages; the rest of the coordinator's requests go 16 at a time.
  const coordinatorMs = coordinator.list * LIST_PAGE_MS + ioMs(coordinator) + coordinatorCpuMs;
  const sum = workers.reduce((all, { counts }) => {
    for (const op of Object.keys(all) as Op[]) all[op] += counts[op];
    return all;
  }, zero());
  console.log(`\n${label}: ${report.posts.read.toLocaleString('en')} posts, ${report.posts.published.toLocaleString('en')} published`);
  console.log(`  workers: ${workers.length} tasks of ${TASK_KEYS}, ${WORKERS_AT_ONCE} at once (${waves} waves)`);
  console.log(
    `  requests, workers:     ${total(sum).toLocaleString('en')} ${JSON.stringify(sum)}; per worker at most ${Math.max(...perWorker)}`,
  );
  console.log(`  requests, coordinator: ${total(coordinator).toLocaleString('en')} ${JSON.stringify(coordinator)}`);
  console.log(`  CPU here: slowest worker ${(slowest.cpuMs / 1000).toFixed(1)} s, coordinator ${(coordinatorCpuMs / 1000).toFixed(0)} s`);
  console.log(
    `  estimate on AWS (GET ${GET_MS} ms, PUT ${PUT_MS} ms, LIST page ${LIST_PAGE_MS} ms, ${IN_FLIGHT} in flight): a worker ${(workerMs / 1000).toFixed(0)} s ` +
      `(timeout 300 s), the coordinator ${(coordinatorMs / 1000).toFixed(0)} s of its own + ${waves} × ${(workerMs / 1000).toFixed(0)} s waiting = ` +
      `${((coordinatorMs + waves * workerMs) / 60_000).toFixed(1)} min (timeout 15 min)`,
  );
  console.log(`  peak RSS of this process (coordinator and workers together): ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
}

await plan('first build (no index: every post parsed, every record written)');
await plan('rebuild of unchanged content (records reused, sources not read)');

async function periodic(label: string, run: (deps: PipelineDeps) => Promise<unknown>): Promise<{ counts: Counts; estimateMs: number }> {
  const counts = zero();
  const deps: PipelineDeps = {
    content: counted(content, counts),
    feeds: counted(feeds, counts),
    state: counted(state, counts),
    site,
    now: () => new Date('2026-01-01T00:00:30Z'),
  };
  const started = performance.now();
  await run(deps);
  const ms = performance.now() - started;
  const estimate = counts.list * LIST_PAGE_MS + ((counts.get + counts.head) * GET_MS) / IN_FLIGHT;
  console.log(
    `  ${label}: ${total(counts).toLocaleString('en')} requests ${JSON.stringify(counts)}, ${(ms / 1000).toFixed(1)} s here, about ${(estimate / 1000).toFixed(0)} s on AWS`,
  );
  return { counts, estimateMs: estimate };
}

/** A periodic run as the cost model prices it: its requests by price class, its estimated time on AWS (infra/stack.ts sizes). */
function priced({ counts, estimateMs }: { counts: Counts; estimateMs: number }, memoryMb: number): RunFigures {
  return { s3: { reads: counts.get + counts.head, writes: counts.put + counts.list }, durationMs: Math.max(estimateMs, 100), memoryMb };
}

console.log('\nperiodic work on the unchanged site');
const tick = await periodic('tick (regenerate with no keys)', (deps) => regenerate(deps, []));
const check = await periodic('consistency check', async (deps) => {
  const found = await findDifferences(deps);
  if (found?.differing.length !== 0) throw new Error(`the check found differences on an unchanged site: ${found?.differing.length}`);
});
const month = idleMonth([
  { run: priced(tick, 1024), perDay: 24 * 60, scheduled: true },
  { run: priced(check, 2048), perDay: 1, scheduled: true },
]);
console.log(
  `  idle month at ${POSTS.toLocaleString('en')} posts: ${dollars(month)} (a tick a minute, a check a day; bench/cost-model.ts, list prices, ` +
    'no free tier; storage and reader traffic not included)',
);
