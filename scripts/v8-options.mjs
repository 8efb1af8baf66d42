// V8's options for `herald build`, which can only be given when a process starts: bin/herald.mjs starts the build
// again with them (bench/build.ts starts its builds with them too).
// - `--v8-pool-size`: the threads V8 gets for its background work (garbage collection, optimizing compilation).
//   Node gives it 4 whatever the machine, and they take turns with the build's own threads (`--jobs`, by default
//   one per core but one): on two cores, a build in one thread took 3.97 s with 4 and 3.77 s with 1 (synthetic
//   10,000-post site, medians of 5), bulwark 3.71 s and 3.43 s, for the same CPU; with 2 helpers it was 3.92 s.
//   Pinned to one core it made no difference. So a build gets the cores its threads leave, at least one, at most 4.
// - `--max-semi-space-size=8`: the calling thread's young generation, as small as its worker threads'
//   (lib/pipeline/threads.ts). Bulwark with archives peaked at 372 MB rather than 401 MB, the synthetic site at
//   329 MB rather than 345 MB, in the same time (medians of 3).
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';

const NODE_POOL = 4;
const SEMI_SPACE_MB = 8;

/** The CLI's options that take a value (lib/cli.ts; a test keeps the two the same): the command is what is left. */
export const VALUE_OPTIONS = ['content', 'out', 'config', 'base-url', 'jobs', 'port', 'host'];

/**
 * The node options for the command `argv` (the CLI's arguments), in a process started with `execArgv` and
 * `nodeOptions`: none where the command builds nothing or its jobs are not a plain count (the CLI says what is wrong
 * with them), nor any someone gave already.
 */
export function v8Options(
  argv,
  { execArgv = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? '', cores = availableParallelism() } = {},
) {
  let parsed;
  try {
    const options = Object.fromEntries(VALUE_OPTIONS.map((name) => [name, { type: 'string' }]));
    parsed = parseArgs({ args: argv, options, strict: false, allowPositionals: true });
  } catch {
    return [];
  }
  const { positionals, values } = parsed;
  if (positionals[0] !== 'build' || 'help' in values || 'h' in values) return [];
  // lib/pipeline/threads.ts's defaultJobs: one core is left.
  let jobs = Math.max(1, cores - 1);
  if (values.jobs !== undefined) {
    if (typeof values.jobs !== 'string' || !/^\d+$/.test(values.jobs)) return [];
    jobs = Number(values.jobs);
  }
  const given = new Set([...execArgv, ...nodeOptions.split(/\s+/)].map((option) => option.split('=', 1)[0]));
  const pool = Math.min(NODE_POOL, Math.max(1, cores - jobs));
  return [
    ...(pool < NODE_POOL && !given.has('--v8-pool-size') ? [`--v8-pool-size=${pool}`] : []),
    ...(given.has('--max-semi-space-size') ? [] : [`--max-semi-space-size=${SEMI_SPACE_MB}`]),
  ];
}

/**
 * Runs this process's script again with `options`, its output and exit status passed through, and resolves with
 * that status. Signals sent to this process go on to the build.
 */
export function runWith(options) {
  const child = spawn(process.execPath, [...options, ...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit' });
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  const forward = (signal) => child.kill(signal);
  for (const signal of signals) process.on(signal, forward);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      for (const name of signals) process.off(name, forward);
      if (signal) process.kill(process.pid, signal);
      resolve(code ?? 1);
    });
  });
}
