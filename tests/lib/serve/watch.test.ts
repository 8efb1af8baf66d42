import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CONFIG_KEY, watchContent, type WatchOptions, type Watcher } from '../../../lib/serve/watch.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe('watchContent', () => {
  let dir: string;
  let watcher: Watcher | undefined;
  let calls: string[][];

  async function start(options: Partial<WatchOptions> = {}): Promise<void> {
    watcher = watchContent({ dir, quietMs: 200, maxWaitMs: 1000, onChange: (keys) => void calls.push(keys), ...options });
    await watcher.ready;
  }

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'herald-watch-'));
    await mkdir(path.join(dir, 'posts/old'), { recursive: true });
    await writeFile(path.join(dir, 'posts/old/a.md'), 'a');
    await writeFile(path.join(dir, 'posts/old/b.md'), 'b');
    await writeFile(path.join(dir, CONFIG_KEY), '{}');
    calls = [];
  });
  afterEach(async () => {
    await watcher?.close();
    watcher = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it('reports nothing for the files already there', async () => {
    await start();
    await sleep(300);
    expect(calls).toEqual([]);
  });

  it('debounces a burst of adds, edits and deletes into one sorted call', async () => {
    await start();
    await writeFile(path.join(dir, 'posts/new.md'), 'new');
    await writeFile(path.join(dir, 'posts/old/a.md'), 'edited');
    await rm(path.join(dir, 'posts/old/b.md'));
    await until(() => calls.length > 0, 'a call');
    await sleep(350);
    expect(calls).toEqual([['posts/new.md', 'posts/old/a.md', 'posts/old/b.md']]);
  });

  it('reports a rename as both keys, and a removed folder as each file it held', async () => {
    await start();
    await rename(path.join(dir, 'posts/old/a.md'), path.join(dir, 'posts/a-renamed.md'));
    await until(() => calls.length === 1, 'the rename');
    expect(calls[0]).toEqual(['posts/a-renamed.md', 'posts/old/a.md']);
    await rm(path.join(dir, 'posts/old'), { recursive: true });
    await until(() => calls.length === 2, 'the folder removal');
    expect(calls[1]).toEqual(['posts/old/b.md']);
  });

  it('reports files of a folder moved in', async () => {
    const outside = await mkdtemp(path.join(os.tmpdir(), 'herald-watch-src-'));
    try {
      await writeFile(path.join(outside, 'x.md'), 'x');
      await start();
      await rename(outside, path.join(dir, 'posts/moved'));
      await until(() => calls.flat().includes('posts/moved/x.md'), 'the moved file');
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });

  it('reports only regular files: a FIFO named like a post is never handed on to be read', async () => {
    await start();
    execFileSync('mkfifo', [path.join(dir, 'posts/pipe.md')]);
    await sleep(100);
    await writeFile(path.join(dir, 'posts/real.md'), 'real');
    await until(() => calls.length > 0, 'a call');
    await sleep(350);
    expect(calls).toEqual([['posts/real.md']]);
  });

  it('reports links without following them: a link loop raises no error and the watcher carries on', async () => {
    await symlink('.', path.join(dir, 'posts/self'));
    await symlink('loop-b.md', path.join(dir, 'posts/loop-a.md'));
    await symlink('loop-a.md', path.join(dir, 'posts/loop-b.md'));
    const errors: unknown[] = [];
    await start({ onError: (error) => errors.push(error) });
    await symlink('old/a.md', path.join(dir, 'posts/linked.md'));
    await writeFile(path.join(dir, 'posts/real.md'), 'real');
    await until(() => calls.length > 0, 'a call');
    await sleep(350);
    expect(errors).toEqual([]);
    expect(calls).toEqual([['posts/linked.md', 'posts/real.md']]);
  });

  it('ignores dotfiles, VCS folders and editor swap files', async () => {
    await start();
    await mkdir(path.join(dir, '.git'));
    await writeFile(path.join(dir, '.git/index'), 'x');
    await writeFile(path.join(dir, 'posts/.a.md.swp'), 'x');
    await writeFile(path.join(dir, 'posts/a.md~'), 'x');
    await writeFile(path.join(dir, 'posts/.DS_Store'), 'x');
    await writeFile(path.join(dir, 'posts/real.md'), 'x');
    await until(() => calls.length > 0, 'a call');
    await sleep(350);
    expect(calls).toEqual([['posts/real.md']]);
  });

  it('reports a configuration change, also from a config file outside the folder', async () => {
    await start();
    await writeFile(path.join(dir, CONFIG_KEY), '{"title":"x"}');
    await until(() => calls.length === 1, 'the config change');
    expect(calls[0]).toEqual([CONFIG_KEY]);
    await watcher!.close();

    const elsewhere = await mkdtemp(path.join(os.tmpdir(), 'herald-watch-config-'));
    try {
      const configFile = path.join(elsewhere, 'site.json');
      await writeFile(configFile, '{}');
      calls = [];
      await start({ configFile });
      await writeFile(path.join(dir, CONFIG_KEY), '{"title":"ignored"}');
      await writeFile(configFile, '{"title":"y"}');
      await until(() => calls.length === 1, 'the outside config change');
      await sleep(350);
      expect(calls).toEqual([[CONFIG_KEY]]);
    } finally {
      await rm(elsewhere, { recursive: true, force: true });
    }
  });

  it('runs one call at a time and queues what changes meanwhile', async () => {
    let active = 0;
    let overlapped = false;
    await start({
      onChange: async (keys) => {
        active++;
        overlapped ||= active > 1;
        calls.push(keys);
        await sleep(400);
        active--;
      },
    });
    await writeFile(path.join(dir, 'posts/one.md'), '1');
    await until(() => calls.length === 1, 'the first call');
    await writeFile(path.join(dir, 'posts/two.md'), '2');
    await writeFile(path.join(dir, 'posts/three.md'), '3');
    await until(() => calls.length === 2, 'the queued call');
    expect(overlapped).toBe(false);
    expect(calls).toEqual([['posts/one.md'], ['posts/three.md', 'posts/two.md']]);
  });

  it('does not let a steady stream of changes postpone a run past the max wait', async () => {
    await start({ quietMs: 150, maxWaitMs: 400 });
    const started = Date.now();
    for (let i = 0; i < 12; i++) {
      await writeFile(path.join(dir, `posts/stream-${i}.md`), String(i));
      await sleep(60);
    }
    expect(calls.length).toBeGreaterThan(0);
    await until(() => calls.flat().length === 12, 'every streamed file');
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('keeps going after onChange fails, reporting the error', async () => {
    const errors: unknown[] = [];
    await start({
      onError: (error) => errors.push(error),
      onChange: (keys) => {
        calls.push(keys);
        if (calls.length === 1) throw new Error('regenerate failed');
      },
    });
    await writeFile(path.join(dir, 'posts/x.md'), 'x');
    await until(() => errors.length === 1, 'the error');
    await writeFile(path.join(dir, 'posts/y.md'), 'y');
    await until(() => calls.length === 2, 'the next call');
    expect(calls[1]).toEqual(['posts/y.md']);
  });
});
