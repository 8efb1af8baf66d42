// One measured build, in a process of its own (bench/build.ts starts it): a cold `herald build` of a content
// folder into an empty one, as lib/cli.ts runs it (lib/pipeline/folder-build.ts), then, with --unchanged, the same
// build again in a new process (as the next `herald build` runs), over the index and content ETags the first one
// kept: nothing to write, and every post the same. Prints one JSON line (`BuildRun`, bench/build.ts): wall and CPU
// seconds of each (CPU of every thread, the kept index read and saved included; node's own start not), and the peak
// RSS of the cold build.
// JavaScript, and the CLI's bundle (scripts/cli-module.mjs), so that the process is the one users run: tsx in it
// added 35 to 50 MB to the peak RSS measured, which no `herald build` has.
// Usage: node bench/build-run.mjs <contentDir> <config file|-> <jobs> [--unchanged | --into <outDir>]
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cliModule } from '../scripts/cli-module.mjs';

const { buildFolder, loadSiteConfig } = await cliModule();
const [contentDir = '', configArg = '-', jobsArg = '1', mode, into] = process.argv.slice(2);
const site = await loadSiteConfig(contentDir, configArg === '-' ? undefined : configArg);
const out = mode === '--into' ? into : await mkdtemp(path.join(os.tmpdir(), 'herald-bench-build-'));

async function timed() {
  const started = performance.now();
  const cpu = process.cpuUsage();
  // The threads start inside the timing, as in herald build.
  const { report, jobs } = await buildFolder(contentDir, out, site, { jobs: Number(jobsArg), warn: (line) => console.error(line) });
  const used = process.cpuUsage(cpu);
  return {
    wallS: (performance.now() - started) / 1000,
    cpuS: (used.user + used.system) / 1e6,
    written: report.feeds.written.length,
    pages: new Set(report.feeds.written.flatMap((key) => /^(.*archive\/\d+\/)[^/]+$/.exec(key)?.[1] ?? [])).size,
    posts: report.posts.read,
    published: report.posts.published,
    jobs,
  };
}

if (mode === '--into') {
  process.stdout.write(`${JSON.stringify(await timed())}\n`);
} else {
  try {
    const { posts, published, jobs, ...cold } = await timed();
    const result = { posts, published, jobs, cold, peakRssMb: process.resourceUsage().maxRSS / 1024 };
    if (mode === '--unchanged') {
      const again = spawnSync(
        process.execPath,
        [...process.execArgv, fileURLToPath(import.meta.url), contentDir, configArg, jobsArg, '--into', out],
        {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      if (again.status !== 0) throw new Error(`the unchanged build failed (exit ${again.status})`);
      const { wallS, cpuS, written } = JSON.parse(again.stdout.trim().split('\n').pop());
      result.unchanged = { wallS, cpuS, written };
    }
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}
