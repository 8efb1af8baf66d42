// How many threads V8 gets for its background work (garbage collection, optimizing compilation) in `herald build`.
// Node gives it 4 whatever the machine. A build's own threads (`--jobs`, by default one per core but one) keep their
// cores busy, and 4 more threads then take turns with them: on two cores, a build in one thread took 3.97 s with 4 and
// 3.77 s with 1 (synthetic 10,000-post site, medians of 5), bulwark 3.71 s and 3.43 s, for the same CPU; with
// 2 helpers it was 3.92 s. Pinned to one core it made no difference. So a build gets the cores its threads leave,
// at least one, and at most Node's 4. The pool's size is fixed when the process starts: bin/herald.mjs starts the
// build again with it (bench/build.ts starts its builds with it too).
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';

const NODE_DEFAULT = 4;
const OPTION = '--v8-pool-size';

/** The CLI's options that take a value (lib/cli.ts; a test keeps the two the same): the command is what is left. */
export const VALUE_OPTIONS = ['content', 'out', 'config', 'base-url', 'jobs', 'port', 'host'];

/**
 * The node options that size V8's pool for the command `argv` (the CLI's arguments), in a process started with
 * `execArgv` and `nodeOptions`: none where the command builds nothing, its jobs are not a plain count (the CLI says
 * what is wrong with them), or someone sized the pool already.
 */
export function poolOptions(
  argv,
  { execArgv = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? '', cores = availableParallelism() } = {},
) {
  if ([...execArgv, ...nodeOptions.split(/\s+/)].some((option) => option.split('=', 1)[0] === OPTION)) return [];
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
  const size = Math.min(NODE_DEFAULT, Math.max(1, cores - jobs));
  return size < NODE_DEFAULT ? [`${OPTION}=${size}`] : [];
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
