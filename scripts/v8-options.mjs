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
// And the C library's allocator settings (`buildEnvironment`): the memory Node allocates outside V8's heap (the bytes
// of encoded strings, files read and written) taken from memory it already has, and as 2 MB pages where the system
// gives them on request. A page's first use costs a fault, about 12 µs on this virtual machine (PVM): the synthetic
// site's build took 106,000 of them, 1.7 s of system time; with these 62,000, 6.6 to 6.1 s wall (medians of 3), and
// bulwark with archives 167,000 to 116,000, 20.0 to 18.8 s, for 5 MB more peak RSS (memory freed is kept; the
// synthetic site with archives 34 MB more). docs/architecture.md has the variants measured.
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';

const NODE_POOL = 4;
const SEMI_SPACE_MB = 8;
/**
 * glibc's malloc tunables (elsewhere the variable does nothing): freed memory kept rather than given back (`trim`),
 * blocks up to 32 MB from the heap rather than from a mapping of their own, unmapped when freed (`mmap`; 32 MB is
 * its most), and huge pages asked for (`hugetlb`, which only counts where transparent huge pages are `madvise`).
 */
const TUNABLES = {
  'glibc.malloc.trim_threshold': String(1 << 30),
  'glibc.malloc.mmap_threshold': String(32 << 20),
  'glibc.malloc.hugetlb': '1',
};

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

/** `env` for a build's process: `GLIBC_TUNABLES` with the allocator's settings above, any given there kept. */
export function buildEnvironment(env = process.env) {
  const given = (env.GLIBC_TUNABLES ?? '').split(':').filter((tunable) => tunable !== '');
  const named = new Set(given.map((tunable) => tunable.split('=', 1)[0]));
  const added = Object.entries(TUNABLES)
    .filter(([name]) => !named.has(name))
    .map(([name, value]) => `${name}=${value}`);
  return { ...env, GLIBC_TUNABLES: [...given, ...added].join(':') };
}

/**
 * Runs this process's script again with `options` and the build's environment, its output and exit status passed
 * through, and resolves with that status. Signals sent to this process go on to the build.
 */
export function runWith(options) {
  const child = spawn(process.execPath, [...options, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: buildEnvironment(),
  });
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
