import { type ChildProcess, spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
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
  /** Resolves with the match once the output has a line matching `pattern`; rejects if the process ends first. */
  printed: (pattern: RegExp) => Promise<RegExpExecArray>;
}

/** `herald serve` as a user starts it, in its own process so that signals reach it as they would from a terminal. */
function serve(args: string[]): Run {
  const child = spawn(process.execPath, ['bin/herald.mjs', 'serve', '--content', 'content', ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const grew = new EventEmitter();
  const append = (chunk: Buffer) => {
    output += chunk.toString();
    grew.emit('output');
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const printed = (pattern: RegExp) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const check = () => {
        const match = pattern.exec(output);
        if (match === null) return;
        grew.off('output', check);
        resolve(match);
      };
      grew.on('output', check);
      void exit.then((code) => reject(new Error(`herald serve exited with ${code} before printing ${pattern}:\n${output}`)));
      check();
    });
  return { child, output: () => output, exit, printed };
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
      const url = (await run.printed(/Serving .* at (http:\/\/127\.0\.0\.1:\d+\/)/))[1]!;
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
