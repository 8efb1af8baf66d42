// One measured build, in a process of its own (bench/build.ts starts it): a cold `herald build` of a content
// folder into an empty one, as lib/cli.ts runs it, then, with --unchanged, a rebuild over the same index and
// output with nothing to write (a new content storage, so listing computes every ETag again, as a new process
// would). Prints one JSON line: wall and CPU seconds of each (CPU of every thread), and the process's peak RSS
// after the cold build.
// Usage: tsx bench/build-run.ts <contentDir> <config file|-> <jobs> [--unchanged]
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadSiteConfig } from '../lib/config.ts';
import { rebuild } from '../lib/pipeline/rebuild.ts';
import { threadedWork } from '../lib/pipeline/threads.ts';
import type { PipelineDeps } from '../lib/pipeline/types.ts';
import { FsStorage } from '../lib/storage/fs/fs-storage.ts';
import { MemoryStorage } from '../lib/storage/memory/memory-storage.ts';

export interface BuildRun {
  posts: number;
  published: number;
  jobs: number;
  /** `written` counts files; `pages` the archive pages among them (a page is three files, one per format). */
  cold: { wallS: number; cpuS: number; written: number; pages: number };
  peakRssMb: number;
  unchanged?: { wallS: number; cpuS: number; written: number };
}

const [contentDir = '', configArg = '-', jobsArg = '1', mode] = process.argv.slice(2);
const site = await loadSiteConfig(contentDir, configArg === '-' ? undefined : configArg);
const out = await mkdtemp(path.join(os.tmpdir(), 'herald-bench-build-'));
const state = new MemoryStorage();
const deps = (): PipelineDeps => ({
  content: new FsStorage(contentDir),
  feeds: new FsStorage(out),
  state,
  site,
  now: () => new Date(),
});

async function timed(): Promise<{
  wallS: number;
  cpuS: number;
  written: number;
  pages: number;
  posts: number;
  published: number;
  jobs: number;
}> {
  const started = performance.now();
  const cpu = process.cpuUsage();
  // The threads start inside the timing, as in herald build.
  const work = threadedWork(site, Number(jobsArg), { content: contentDir });
  const report = await rebuild(deps(), { work }).finally(() => work.close());
  const used = process.cpuUsage(cpu);
  return {
    wallS: (performance.now() - started) / 1000,
    cpuS: (used.user + used.system) / 1e6,
    written: report.feeds.written.length,
    pages: new Set(report.feeds.written.flatMap((key) => /^(.*archive\/\d+\/)[^/]+$/.exec(key)?.[1] ?? [])).size,
    posts: report.posts.read,
    published: report.posts.published,
    jobs: work.jobs,
  };
}

try {
  const { posts, published, jobs, ...cold } = await timed();
  const result: BuildRun = { posts, published, jobs, cold, peakRssMb: process.resourceUsage().maxRSS / 1024 };
  if (mode === '--unchanged') {
    const { wallS, cpuS, written } = await timed();
    result.unchanged = { wallS, cpuS, written };
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  await rm(out, { recursive: true, force: true });
}
