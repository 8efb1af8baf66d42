// Full builds (issue 13), for the synthetic site (10,000 posts from ../shared/tools/gen_corpus.py, seed 1) and
// bulwark (30,197 posts) when ../shared is present, else for the example site in content/:
// - `herald build` in fresh processes (bench/build-run.mjs), one thread per core: wall time, CPU time (every
//   thread), peak RSS, median of the rounds; and an unchanged rebuild (the same index, nothing to write) against
//   the cold build. Goal: at most 0.3x.
// - peak RSS with 1 thread and with 4: what a thread costs. Goal: bulwark under 400 MB.
// - with Hugo installed, ../shared/peers/hugo-3formats/run.sh: Hugo writing the three formats, Hugo writing RSS
//   only and `herald build` (default jobs) alternating in each round, ratios taken within a round. Goals: wall
//   time at most 0.4x Hugo's three formats and 0.6x Hugo's RSS, doing the same work: Hugo writes each feed's
//   newest 20 items, so Herald runs with archives off; then again as configured (archives on, far more output).
// - bulwark again with archives off (issue 11): the cold build with archives on (the default) beside it.
// Figures only, never pass/fail. The load average is printed with each: other work on the machine moves wall times.
// Environment: HERALD_BENCH_ROUNDS (default 3), HERALD_BENCH_JOBS (default: one per core).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultJobs } from '../lib/pipeline/threads.ts';
import { buildEnvironment, v8Options } from '../scripts/v8-options.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..');
const shared = path.resolve(repo, '../shared');
const rounds = Number(process.env.HERALD_BENCH_ROUNDS ?? 3);
const jobs = Number(process.env.HERALD_BENCH_JOBS ?? defaultJobs());

const load = () => os.loadavg()[0]!.toFixed(1);
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const range = (values: number[], digits = 2) =>
  `median ${median(values).toFixed(digits)} (${values.map((value) => value.toFixed(digits)).join(' ')})`;

/** What bench/build-run.mjs prints. */
interface BuildRun {
  posts: number;
  published: number;
  jobs: number;
  /** `written` counts files; `pages` the archive pages among them (a page is three files, one per format). */
  cold: { wallS: number; cpuS: number; written: number; pages: number };
  peakRssMb: number;
  unchanged?: { wallS: number; cpuS: number; written: number };
}

function buildRun(contentDir: string, config: string | undefined, threads: number, unchanged: boolean): BuildRun {
  // V8's options and the environment as bin/herald.mjs gives them to a build.
  const v8 = v8Options(['build', '--jobs', String(threads)], { execArgv: [], nodeOptions: '' });
  const args = [...v8, path.join(here, 'build-run.mjs'), contentDir, config ?? '-', String(threads)];
  const run = spawnSync(process.execPath, unchanged ? [...args, '--unchanged'] : args, {
    env: buildEnvironment(),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (run.status !== 0) throw new Error(`bench/build-run.mjs failed (exit ${run.status})`);
  return JSON.parse(run.stdout.trim().split('\n').pop()!) as BuildRun;
}

function herald(name: string, contentDir: string, config: string | undefined): BuildRun[] {
  const runs: BuildRun[] = [];
  const loads: string[] = [];
  for (let round = 0; round < rounds; round++) {
    loads.push(load());
    runs.push(buildRun(contentDir, config, jobs, true));
  }
  const [first] = runs;
  console.log(
    `build ${name}: ${first!.posts} posts read, ${first!.published} published; jobs ${first!.jobs}; ${rounds} rounds, load ${loads.join(' ')}`,
  );
  console.log(
    `  cold build: wall s ${range(runs.map((run) => run.cold.wallS))}; CPU s ${range(runs.map((run) => run.cold.cpuS))}; ` +
      `peak RSS MB ${range(
        runs.map((run) => run.peakRssMb),
        0,
      )}; ${first!.cold.written} files written, ${first!.cold.pages} of them archive pages (3 files each)`,
  );
  const unchanged = runs.map((run) => run.unchanged!);
  console.log(
    `  unchanged rebuild: wall s ${range(unchanged.map((run) => run.wallS))}; CPU s ${range(unchanged.map((run) => run.cpuS))}; ` +
      `${unchanged[0]!.written} files written; wall against the cold build ${range(runs.map((run) => run.unchanged!.wallS / run.cold.wallS))} (goal <= 0.3)`,
  );
  const rss = [1, 4].map((threads) => [threads, buildRun(contentDir, config, threads, false).peakRssMb] as const);
  // One job runs in the calling thread; four start four worker threads.
  const perThread = (rss[1]![1] - rss[0]![1]) / 4;
  console.log(
    `  peak RSS by jobs: ${rss.map(([threads, mb]) => `${threads}: ${mb.toFixed(0)} MB`).join(', ')}; about ${perThread.toFixed(0)} MB a thread ` +
      `(load ${load()}; goal for bulwark: under 400 MB)`,
  );
  return runs;
}

/** The feed history's cost (issue 11): the same cold build with archives on (the default) and off, medians side by side. */
function archivesBeside(name: string, on: BuildRun[], off: BuildRun[]): void {
  const of = (runs: BuildRun[], value: (run: BuildRun) => number) => median(runs.map(value));
  const figures = (runs: BuildRun[]) =>
    `wall ${of(runs, (run) => run.cold.wallS).toFixed(2)} s, CPU ${of(runs, (run) => run.cold.cpuS).toFixed(2)} s, ` +
    `peak RSS ${of(runs, (run) => run.peakRssMb).toFixed(0)} MB, ${runs[0]!.cold.written} files, ${runs[0]!.cold.pages} archive pages`;
  console.log(`build ${name}, archives on against off (cold build, medians of ${rounds}):`);
  console.log(`  on:  ${figures(on)}`);
  console.log(`  off: ${figures(off)}`);
  console.log(
    `  on/off: wall ${(of(on, (run) => run.cold.wallS) / of(off, (run) => run.cold.wallS)).toFixed(2)}x, CPU ${(of(on, (run) => run.cold.cpuS) / of(off, (run) => run.cold.cpuS)).toFixed(2)}x`,
  );
}

/** Hugo against herald build, alternating, through the peers' own script; its per-round ratios are taken from runs.tsv. */
async function againstHugo(contentDir: string, config: string, what: string): Promise<void> {
  const script = path.join(shared, 'peers/hugo-3formats/run.sh');
  if (!existsSync(script) || spawnSync('hugo', ['version']).status !== 0) {
    console.log(`  against Hugo: skipped (${existsSync(script) ? 'hugo is not installed' : `${script} is absent`})`);
    return;
  }
  const work = await mkdtemp(path.join(os.tmpdir(), 'herald-bench-hugo-'));
  try {
    const before = load();
    const run = spawnSync(script, [contentDir, String(rounds), config], {
      cwd: repo,
      env: { ...process.env, WORK: work, CHECK: '0', HERALD: repo },
      encoding: 'utf8',
    });
    if (run.status !== 0) {
      console.log(`  against Hugo: run.sh failed (exit ${run.status}): ${run.stderr.trim().split('\n').slice(-3).join(' / ')}`);
      return;
    }
    const rows = readFileSync(path.join(work, 'runs.tsv'), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.split('\t'));
    const get = (round: string, tool: string, column: number) => Number(rows.find((row) => row[0] === round && row[1] === tool)![column]);
    const roundIds = [...new Set(rows.map((row) => row[0]!))];
    const tools = ['hugo-3f', 'hugo-rss', 'herald'];
    console.log(
      `  against Hugo, ${what} (run.sh, ${rounds} alternating rounds, herald build with jobs ${jobs}; load ${before} before, ${load()} after):`,
    );
    for (const tool of tools) {
      const wall = roundIds.map((round) => get(round, tool, 2));
      const cpu = roundIds.map((round) => get(round, tool, 3));
      const rss = roundIds.map((round) => get(round, tool, 4) / 1024);
      console.log(`    ${tool.padEnd(8)} wall s ${range(wall)}; CPU s ${range(cpu)}; peak RSS MB ${range(rss, 0)}`);
    }
    for (const [peer, goal] of [
      ['hugo-3f', 0.4],
      ['hugo-rss', 0.6],
    ] as const) {
      const ratio = (column: number) => roundIds.map((round) => get(round, 'herald', column) / get(round, peer, column));
      console.log(`    herald/${peer}: wall ${range(ratio(2))} (goal <= ${goal}); CPU ${range(ratio(3))}; peak RSS ${range(ratio(4))}`);
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

console.log(
  `build: ${os.availableParallelism()} cores, load ${os
    .loadavg()
    .map((value) => value.toFixed(1))
    .join(' ')}`,
);
if (!existsSync(shared)) {
  console.log(`build: ${shared} is absent, so the example site in content/ stands in for the corpora`);
  herald('example site', path.join(repo, 'content'), undefined);
} else {
  const generated = await mkdtemp(path.join(os.tmpdir(), 'herald-bench-synthetic-'));
  try {
    const run = spawnSync('python3', [path.join(shared, 'tools/gen_corpus.py'), '--n', '10000', '--seed', '1', '--out', generated], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    if (run.status !== 0) throw new Error(`gen_corpus.py failed (exit ${run.status})`);
    // A build trusts, in the next one, only the ETags of files that last changed 2 s before it started (FsStorage's
    // SETTLED_NS): posts written just now would be hashed again by the unchanged build, as edits it cannot rule out.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const sites: [string, string, string][] = [
      ['synthetic site (10,000 posts, seed 1)', generated, path.join(shared, 'tools/synthetic.json')],
      ['bulwark', path.join(shared, 'corpus/bulwark/content'), path.join(shared, 'tools/bulwark.json')],
    ];
    for (const [name, contentDir, config] of sites) {
      // Hugo writes each feed's newest 20 items; Herald by default also every feed's history (issue 11).
      const withoutArchives = path.join(generated, `${path.basename(config, '.json')}-no-archives.json`);
      writeFileSync(withoutArchives, JSON.stringify({ ...JSON.parse(readFileSync(config, 'utf8')), archives: false }));
      const on = herald(name, contentDir, config);
      await againstHugo(contentDir, withoutArchives, 'the same work (archives off: the newest 20 items of each feed)');
      await againstHugo(contentDir, config, 'as configured (archives on, the default: Herald also writes every feed history)');
      if (name !== 'bulwark') continue;
      archivesBeside(name, on, herald(`${name}, archives off`, contentDir, withoutArchives));
    }
  } finally {
    await rm(generated, { recursive: true, force: true });
  }
}
