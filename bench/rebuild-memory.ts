// The rebuild Lambda's memory (issue 13): its memory buys its vCPUs (1,769 MB a vCPU), and the rebuild runs one
// worker thread per vCPU (lib/pipeline/threads.ts `lambdaJobs`). A cold rebuild of the first 5,000 bulwark posts (the
// example site without ../shared) against memory storage that waits a simulated S3 round trip before each request,
// with one thread and with two (all this machine can show), alternating; then the cost of one rebuild at each size:
// wall time x memory x Lambda's price per GB-second. Prints the curve; infra/README.md says what was chosen from it.
// Environment: HERALD_BENCH_ROUNDS (default 3), HERALD_BENCH_S3_MS (default 15: a small object's round trip within a region).
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSiteConfig } from '../lib/config.ts';
import { rebuild } from '../lib/pipeline/rebuild.ts';
import { LAMBDA_MB_PER_VCPU, threadedWork } from '../lib/pipeline/threads.ts';
import { FsStorage } from '../lib/storage/fs/fs-storage.ts';
import { intercept } from '../lib/storage/intercept.ts';
import { MemoryStorage } from '../lib/storage/memory/memory-storage.ts';
import type { Storage } from '../lib/storage/storage.ts';
import { PRICES } from './cost-model.ts';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const shared = path.resolve(repo, '../shared');
const rounds = Number(process.env.HERALD_BENCH_ROUNDS ?? 3);
const latencyMs = Number(process.env.HERALD_BENCH_S3_MS ?? 15);
const POSTS = 5_000;

const bulwark = path.join(shared, 'corpus/bulwark/content');
const fromShared = existsSync(bulwark);
const contentDir = fromShared ? bulwark : path.join(repo, 'content');
const site = await loadSiteConfig(contentDir, fromShared ? path.join(shared, 'tools/bulwark.json') : undefined);

const content = new MemoryStorage();
const files = new FsStorage(contentDir);
let posts = 0;
for await (const { key } of files.list('')) {
  if (!key.endsWith('.md') || posts >= POSTS) continue;
  await content.put(key, await readFile(path.join(contentDir, key)));
  posts++;
}

const s3 = (storage: Storage) => intercept(storage, { before: () => new Promise((resolve) => setTimeout(resolve, latencyMs)) });

async function coldRebuild(jobs: number): Promise<number> {
  const work = threadedWork(site, jobs);
  const started = performance.now();
  await rebuild(
    { content: s3(content), feeds: s3(new MemoryStorage()), state: s3(new MemoryStorage()), site, now: () => new Date() },
    { work },
  ).finally(() => work.close());
  return (performance.now() - started) / 1000;
}

const sizes = [1, 2].filter((jobs) => jobs <= os.availableParallelism());
const walls = new Map<number, number[]>(sizes.map((jobs) => [jobs, []]));
const loads: string[] = [];
for (let round = 0; round < rounds; round++) {
  loads.push(os.loadavg()[0]!.toFixed(1));
  for (const jobs of round % 2 ? [...sizes].reverse() : sizes) walls.get(jobs)!.push(await coldRebuild(jobs));
}
console.log(
  `rebuild memory: cold rebuild of ${posts} posts${fromShared ? ' (bulwark)' : ''}, ${latencyMs} ms before each storage request, ` +
    `${rounds} alternating rounds, load ${loads.join(' ')}`,
);
for (const [jobs, seconds] of walls) {
  const median = [...seconds].sort((a, b) => a - b)[seconds.length >> 1]!;
  const memoryMb = jobs * LAMBDA_MB_PER_VCPU;
  const cost = median * (memoryMb / 1024) * PRICES.lambdaGbSecond;
  console.log(
    `  ${jobs} thread${jobs > 1 ? 's' : ''} = ${memoryMb} MB: wall s median ${median.toFixed(1)} (${seconds.map((s) => s.toFixed(1)).join(' ')}); ` +
      `$${(cost * 1000).toFixed(3)} per 1,000 rebuilds of this size`,
  );
}
