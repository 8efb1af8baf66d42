import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CONFIG_FILE } from '../../../lib/config.ts';
import { type Watcher, type WatchOptions, watchContent } from '../../../lib/serve/watch.ts';
import { until } from '../../support/eventually.ts';
import { ManualClock } from '../../support/manual-clock.ts';

const QUIET_MS = 200;
const MAX_WAIT_MS = 1000;

// The watcher's time is a ManualClock: a burst ends when the test says so, not when a loaded machine
// happens to leave a gap between two writes. Real time only passes while chokidar notices a change.
describe('watchContent', () => {
  let dir: string;
  let watcher: Watcher | undefined;
  let calls: string[][];
  let clock: ManualClock;
  let queued: Set<string>;

  async function start(options: Partial<WatchOptions> = {}): Promise<void> {
    queued = new Set();
    watcher = watchContent({
      dir,
      quietMs: QUIET_MS,
      maxWaitMs: MAX_WAIT_MS,
      clock,
      onQueued: (key) => queued.add(key),
      onChange: (keys) => void calls.push(keys),
      ...options,
    });
    await watcher.ready;
  }

  /** Waits until the watcher has taken in every key, then moves the clock by `ms` (the quiet time unless told). */
  async function takenIn(keys: string[], ms = QUIET_MS): Promise<void> {
    await until(() => keys.every((key) => queued.has(key)), `the watcher to take in ${keys.join(', ')}`);
    queued.clear();
    clock.advance(ms);
  }

  /**
   * Waits for `condition` on the calls, letting the quiet time pass meanwhile: a write that a loaded machine reports
   * late (an add, then a change) starts it again, on a clock only the test moves.
   */
  async function settled(condition: () => boolean, what: string): Promise<void> {
    await until(() => {
      if (!condition()) clock.advance(QUIET_MS);
      return condition();
    }, what);
  }

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'herald-watch-'));
    await mkdir(path.join(dir, 'posts/old'), { recursive: true });
    await writeFile(path.join(dir, 'posts/old/a.md'), 'a');
    await writeFile(path.join(dir, 'posts/old/b.md'), 'b');
    await writeFile(path.join(dir, CONFIG_FILE), '{}');
    calls = [];
    clock = new ManualClock();
  });
  afterEach(async () => {
    await watcher?.close();
    watcher = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it('reports nothing for the files already there', async () => {
    await start();
    // Whatever the initial scan wrongly queued would be reported with this later change, or before it.
    await writeFile(path.join(dir, 'posts/after.md'), 'after');
    await takenIn(['posts/after.md']);
    expect(calls).toEqual([['posts/after.md']]);
  });

  it('debounces a burst of adds, edits and deletes into one sorted call', async () => {
    await start();
    await writeFile(path.join(dir, 'posts/new.md'), 'new');
    await takenIn(['posts/new.md'], QUIET_MS - 1);
    await writeFile(path.join(dir, 'posts/old/a.md'), 'edited');
    await takenIn(['posts/old/a.md'], QUIET_MS - 1);
    await rm(path.join(dir, 'posts/old/b.md'));
    await takenIn(['posts/old/b.md'], QUIET_MS - 1);
    expect(calls, 'each change restarts the quiet time').toEqual([]);
    clock.advance(1);
    expect(calls).toEqual([['posts/new.md', 'posts/old/a.md', 'posts/old/b.md']]);
  });

  it('reports a rename as both keys, and a removed folder as each file it held', async () => {
    await start();
    await rename(path.join(dir, 'posts/old/a.md'), path.join(dir, 'posts/a-renamed.md'));
    await takenIn(['posts/a-renamed.md', 'posts/old/a.md']);
    expect(calls).toEqual([['posts/a-renamed.md', 'posts/old/a.md']]);
    await rm(path.join(dir, 'posts/old'), { recursive: true });
    await takenIn(['posts/old/b.md']);
    expect(calls[1]).toEqual(['posts/old/b.md']);
  });

  it('reports files of a folder moved in', async () => {
    const outside = await mkdtemp(path.join(os.tmpdir(), 'herald-watch-src-'));
    try {
      await writeFile(path.join(outside, 'x.md'), 'x');
      await start();
      await rename(outside, path.join(dir, 'posts/moved'));
      await takenIn(['posts/moved/x.md']);
      expect(calls.flat()).toContain('posts/moved/x.md');
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });

  it('reports only regular files: a FIFO named like a post is never handed on to be read', async () => {
    await start();
    execFileSync('mkfifo', [path.join(dir, 'posts/pipe.md')]);
    await writeFile(path.join(dir, 'posts/real.md'), 'real');
    await takenIn(['posts/real.md']);
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
    await takenIn(['posts/linked.md', 'posts/real.md']);
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
    await takenIn(['posts/real.md']);
    expect(calls).toEqual([['posts/real.md']]);
  });

  it('reports a configuration change, also from a config file outside the folder', async () => {
    await start();
    await writeFile(path.join(dir, CONFIG_FILE), '{"title":"x"}');
    await takenIn([CONFIG_FILE]);
    expect(calls).toEqual([[CONFIG_FILE]]);
    await watcher!.close();

    const elsewhere = await mkdtemp(path.join(os.tmpdir(), 'herald-watch-config-'));
    try {
      const configFile = path.join(elsewhere, 'site.json');
      await writeFile(configFile, '{}');
      calls = [];
      await start({ configFile });
      // Taken for the configuration, the folder's own file would be queued by the time this later post is.
      await writeFile(path.join(dir, CONFIG_FILE), '{"title":"ignored"}');
      await writeFile(path.join(dir, 'posts/after.md'), 'after');
      await until(() => queued.has('posts/after.md'), 'the post written after the ignored file');
      expect(queued.has(CONFIG_FILE)).toBe(false);
      await writeFile(configFile, '{"title":"y"}');
      await takenIn([CONFIG_FILE]);
      expect(calls).toEqual([[CONFIG_FILE, 'posts/after.md']]);
    } finally {
      await rm(elsewhere, { recursive: true, force: true });
    }
  });

  it("reports a change of Hugo's configuration files, beside the folder or in it, as a configuration change", async () => {
    const site = await mkdtemp(path.join(os.tmpdir(), 'herald-watch-hugo-'));
    try {
      const beside = path.join(site, 'hugo.toml');
      const inside = path.join(dir, 'config.toml');
      await writeFile(beside, 'title = "a"');
      await writeFile(inside, 'title = "a"');
      await start({ hugoConfigFiles: [beside, inside] });
      await writeFile(beside, 'title = "b"');
      await takenIn([CONFIG_FILE]);
      await writeFile(inside, 'title = "b"');
      await takenIn([CONFIG_FILE]);
      expect(calls).toEqual([[CONFIG_FILE], [CONFIG_FILE]]);
    } finally {
      await rm(site, { recursive: true, force: true });
    }
  });

  it('runs one call at a time and queues what changes meanwhile', async () => {
    let active = 0;
    let overlapped = false;
    let finishFirst!: () => void;
    const firstHeld = new Promise<void>((resolve) => (finishFirst = resolve));
    await start({
      onChange: async (keys) => {
        active++;
        overlapped ||= active > 1;
        calls.push(keys);
        await firstHeld;
        active--;
      },
    });
    await writeFile(path.join(dir, 'posts/one.md'), '1');
    await takenIn(['posts/one.md']);
    expect(calls).toEqual([['posts/one.md']]);
    await writeFile(path.join(dir, 'posts/two.md'), '2');
    await writeFile(path.join(dir, 'posts/three.md'), '3');
    await takenIn(['posts/two.md', 'posts/three.md']);
    expect(calls, 'quiet time passed, but the first call is still running').toHaveLength(1);
    // A change after the quiet time, while the first call still runs (as a loaded machine may report a write late:
    // an add, then a change), starts the quiet time again: the queued call waits for it to pass.
    await writeFile(path.join(dir, 'posts/four.md'), '4');
    await until(() => queued.has('posts/four.md'), 'the watcher to take in the later change');
    finishFirst();
    await settled(() => calls.length >= 2, 'the queued call');
    expect(overlapped).toBe(false);
    expect(calls[0]).toEqual(['posts/one.md']);
    // one.md's write may also arrive as a late change event; two, three and four are what must follow.
    expect(calls[1]).toEqual(expect.arrayContaining(['posts/four.md', 'posts/three.md', 'posts/two.md']));
  });

  it('does not let a steady stream of changes postpone a run past the max wait', async () => {
    const calledAt: number[] = [];
    await start({
      quietMs: 150,
      maxWaitMs: 400,
      onChange: (keys) => {
        calls.push(keys);
        calledAt.push(clock.now());
      },
    });
    const started = clock.now();
    const names = Array.from({ length: 12 }, (_, i) => `posts/stream-${String(i).padStart(2, '0')}.md`);
    // One change every 60 ms: never 150 ms of quiet while the stream lasts.
    for (const name of names) {
      await writeFile(path.join(dir, name), name);
      await takenIn([name], 60);
    }
    expect(calledAt[0]).toBe(started + 400);
    clock.advance(150);
    // A loaded machine may see a write as an add and a later change: a file can come twice, each must come.
    await settled(() => new Set(calls.flat()).size === names.length, 'every streamed file');
    expect([...new Set(calls.flat())].sort()).toEqual(names);
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
    await takenIn(['posts/x.md']);
    await until(() => errors.length === 1, 'the error');
    await writeFile(path.join(dir, 'posts/y.md'), 'y');
    await takenIn(['posts/y.md']);
    await settled(() => calls.length >= 2, 'the next call');
    // A loaded machine may see x's write as an add and a later change: x can come again, y must.
    expect(calls[1]).toContain('posts/y.md');
  });
});
