import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repoRoot = path.resolve(import.meta.dirname, '../../..');

interface Run {
  child: ChildProcess;
  output: () => string;
  exit: Promise<number | null>;
}

/** `herald serve` as a user starts it, in its own process so that signals reach it as they would from a terminal. */
function serve(args: string[]): Run {
  const child = spawn(process.execPath, ['bin/herald.mjs', 'serve', '--content', 'content', ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exit };
}

async function until(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('herald serve (the CLI process)', () => {
  let out: string;
  beforeAll(async () => {
    out = await mkdtemp(path.join(os.tmpdir(), 'herald-serve-cli-'));
  });
  afterAll(() => rm(out, { recursive: true, force: true }));

  it('prints the URL, serves, and exits 0 on Ctrl-C', async () => {
    const run = serve(['--out', out, '--port', '0']);
    try {
      await until(() => /Serving .* at http:\/\/127\.0\.0\.1:\d+\//.test(run.output()), 'the URL');
      const url = /at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(run.output())![1]!;
      expect((await fetch(url)).status).toBe(200);
      run.child.kill('SIGINT');
      expect(await run.exit).toBe(0);
      expect(run.output()).toContain('Stopping');
    } finally {
      run.child.kill('SIGKILL');
    }
  });

  it('exits 2 with a clear message when the port is taken', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as net.AddressInfo;
    try {
      const run = serve(['--out', out, '--port', String(port)]);
      expect(await run.exit).toBe(2);
      expect(run.output()).toContain(`port ${port} on 127.0.0.1 is already in use`);
    } finally {
      blocker.close();
    }
  });
});
