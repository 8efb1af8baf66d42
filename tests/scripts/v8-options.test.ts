import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { OPTIONS } from '../../lib/cli.ts';
import { buildEnvironment, v8Options, VALUE_OPTIONS } from '../../scripts/v8-options.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const temp = mkdtempSync(path.join(os.tmpdir(), 'herald-v8-options-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

const on = (cores: number, more: { execArgv?: string[]; nodeOptions?: string } = {}) => ({ execArgv: [], nodeOptions: '', cores, ...more });

const SEMI = '--max-semi-space-size=8';

describe('v8Options', () => {
  it('gives a build the cores its threads leave for V8, at least one and below Node’s 4, and a young generation of 8 MB', () => {
    expect(v8Options(['build'], on(2))).toEqual(['--v8-pool-size=1', SEMI]);
    expect(v8Options(['build', '--content', 'c'], on(16))).toEqual(['--v8-pool-size=1', SEMI]);
    expect(v8Options(['build', '--jobs', '2'], on(2))).toEqual(['--v8-pool-size=1', SEMI]);
    expect(v8Options(['build', '--jobs=1'], on(4))).toEqual(['--v8-pool-size=3', SEMI]);
    expect(v8Options(['build', '--jobs', '1'], on(8))).toEqual([SEMI]);
    expect(v8Options(['--out', 'public', 'build'], on(1))).toEqual(['--v8-pool-size=1', SEMI]);
  });

  it('knows which of the CLI’s options take a value, so that the command is the first word left', () => {
    const taking = Object.entries(OPTIONS).flatMap(([name, { type }]) => (type === 'string' ? [name] : []));
    expect([...VALUE_OPTIONS].sort()).toEqual(taking.sort());
    expect(v8Options(['--content', 'build', 'serve'], on(2))).toEqual([]);
  });

  it('leaves every other command, and a build whose jobs the CLI is to refuse, as Node starts them', () => {
    for (const argv of [
      [],
      ['serve'],
      ['init', 'site'],
      ['--version'],
      ['build', '--help'],
      ['build', '-h'],
      ['build', '--jobs'],
      ['build', '--jobs', 'two'],
      ['build', '--jobs', '-1'],
    ]) {
      expect(v8Options(argv, on(2)), argv.join(' ')).toEqual([]);
    }
  });

  it('gives none someone gave already, in the node options or in NODE_OPTIONS: the build it starts asks for nothing more', () => {
    expect(v8Options(['build'], on(2, { execArgv: ['--v8-pool-size=2'] }))).toEqual([SEMI]);
    expect(v8Options(['build'], on(2, { nodeOptions: '--max-old-space-size=900 --max-semi-space-size=16' }))).toEqual(['--v8-pool-size=1']);
    expect(v8Options(['build'], on(2, { execArgv: v8Options(['build'], on(2)) }))).toEqual([]);
  });
});

describe('buildEnvironment', () => {
  const tunables = (env: NodeJS.ProcessEnv) => env.GLIBC_TUNABLES!.split(':');

  it("adds the allocator's tunables and keeps the rest of the environment", () => {
    const env = buildEnvironment({ PATH: '/bin' });
    expect(env.PATH).toBe('/bin');
    expect(tunables(env)).toEqual([
      'glibc.malloc.trim_threshold=1073741824',
      'glibc.malloc.mmap_threshold=33554432',
      'glibc.malloc.hugetlb=1',
    ]);
  });

  it('keeps the tunables someone set, their values included', () => {
    const env = buildEnvironment({ GLIBC_TUNABLES: 'glibc.malloc.hugetlb=0:glibc.cpu.x86_rep_movsb_threshold=4096' });
    expect(tunables(env)).toEqual([
      'glibc.malloc.hugetlb=0',
      'glibc.cpu.x86_rep_movsb_threshold=4096',
      'glibc.malloc.trim_threshold=1073741824',
      'glibc.malloc.mmap_threshold=33554432',
    ]);
    expect(buildEnvironment(env)).toEqual(env);
  });
});

describe('runWith', () => {
  // A script that runs itself again with an option, as bin/herald.mjs does, and says what the second process got.
  const script = path.join(temp, 'again.mjs');
  writeFileSync(
    script,
    `import { runWith } from ${JSON.stringify(pathToFileURL(path.join(repo, 'scripts/v8-options.mjs')).href)};
if (process.execArgv.includes('--v8-pool-size=1')) {
  const [mode, ...rest] = process.argv.slice(2);
  if (mode === 'exit') { console.log('again', rest.join(' ')); process.exit(3); }
  if (mode === 'env') console.log(process.env.GLIBC_TUNABLES);
  if (mode === 'signal') process.kill(process.pid, 'SIGTERM');
  if (mode === 'wait') { process.on('SIGTERM', () => { console.log('stopped'); process.exit(0); }); console.log('ready'); setInterval(() => {}, 1000); }
} else process.exitCode = await runWith(['--v8-pool-size=1']);
`,
  );

  it('passes the output and the exit status of the second process through', () => {
    const run = spawnSync(process.execPath, [script, 'exit', 'a b', 'c'], { encoding: 'utf8' });
    expect(run.stdout).toBe('again a b c\n');
    expect(run.status).toBe(3);
  });

  it("gives the second process the build's environment", () => {
    const run = spawnSync(process.execPath, [script, 'env'], { encoding: 'utf8', env: { ...process.env, GLIBC_TUNABLES: '' } });
    expect(run.stdout.trim()).toBe(buildEnvironment({}).GLIBC_TUNABLES);
  });

  it('ends by the signal that ended the second process', () => {
    const run = spawnSync(process.execPath, [script, 'signal'], { encoding: 'utf8' });
    expect(run.signal).toBe('SIGTERM');
  });

  it('passes a signal it gets on to the second process', async () => {
    const child = spawn(process.execPath, [script, 'wait'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    await new Promise<void>((resolve) =>
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('ready')) resolve();
      }),
    );
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(output).toBe('ready\nstopped\n');
    expect(code).toBe(0);
  });
});

describe('bin/herald.mjs build', () => {
  it('builds in a process of its own, its report and exit status passed through', () => {
    const content = path.join(temp, 'content');
    cpSync(path.join(repo, 'content'), content, { recursive: true });
    writeFileSync(path.join(content, 'en', 'blog', 'broken.md'), '---\ntitle: [unclosed\n---\nbody\n');
    const out = path.join(temp, 'public');
    const run = spawnSync(process.execPath, [path.join(repo, 'bin/herald.mjs'), 'build', '--content', content, '--out', out, '--strict'], {
      encoding: 'utf8',
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    expect(run.stdout + run.stderr).toContain('broken.md');
    expect(run.status).toBe(1);
  });
});
