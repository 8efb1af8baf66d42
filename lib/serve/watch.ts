import type { Stats } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { watch as chokidarWatch } from 'chokidar';
import { CONFIG_FILE } from '../config.ts';
import { type Clock, systemClock } from './clock.ts';

export interface WatchOptions {
  /** Content folder; keys are relative to it, `/`-separated. */
  dir: string;
  /** The configuration file when it is not `<dir>/<CONFIG_FILE>`; its changes are reported as CONFIG_FILE, wherever it lives. */
  configFile?: string;
  /** Hugo's configuration files when the configuration is read from them: reported as CONFIG_FILE too, wherever they live. */
  hugoConfigFiles?: string[];
  /**
   * Called with the sorted, de-duplicated keys that were added, changed or removed (a rename is both).
   * Never called again before the previous call settles; changes arriving meanwhile make the next call.
   */
  onChange: (keys: string[]) => Promise<void> | void;
  /** A failed onChange or a watcher error. The watcher carries on. */
  onError?: (error: unknown) => void;
  /**
   * Quiet time that ends a burst. Keep it above chokidar's ~100 ms hold on deletions (it waits to tell an
   * editor's atomic save from a delete).
   */
  quietMs?: number;
  /** Longest a change waits while a burst goes on. */
  maxWaitMs?: number;
  /** What quietMs and maxWaitMs are measured on. */
  clock?: Clock;
  /**
   * Called with each key as it is taken in, before its quiet time starts: a caller that moves the clock
   * itself learns when a change has reached the watcher, which no amount of waiting could tell it.
   */
  onQueued?: (key: string) => void;
}

export interface Watcher {
  /** Resolves once the initial scan is done: changes after this are reported. */
  readonly ready: Promise<void>;
  /** Stops watching, drops pending changes and waits for a running onChange to settle. */
  close(): Promise<void>;
}

// Dotfiles and folders (.git, .DS_Store, editor locks like .#post.md) and editor backups/swap files.
function isNoise(key: string): boolean {
  return key
    .split('/')
    .some((segment) => segment.startsWith('.') || segment.endsWith('~') || /^#.*#$/.test(segment) || /\.(swp|swx|tmp)$/.test(segment));
}

/** A FIFO, socket or device: no post, and handing it on would only have it read. */
function isSpecial(stats: Stats | undefined): boolean {
  return stats !== undefined && (stats.isFIFO() || stats.isSocket() || stats.isCharacterDevice() || stats.isBlockDevice());
}

/** How long a burst filling a new folder must be quiet before the folder is read again, and when once more after. */
const REREAD_QUIET_MS = 100;
const REREAD_AGAIN_MS = 1000;

export function watchContent(options: WatchOptions): Watcher {
  const { dir, onChange, onError = () => {}, quietMs = 200, maxWaitMs = 2000, clock = systemClock, onQueued = () => {} } = options;
  const root = path.resolve(dir);
  const configFile = options.configFile === undefined ? undefined : path.resolve(options.configFile);
  const defaultConfig = path.join(root, CONFIG_FILE);
  const hugoFiles = (options.hugoConfigFiles ?? []).map((file) => path.resolve(file));

  const keyOf = (file: string): string | null => {
    const absolute = path.resolve(file);
    if (absolute === configFile || hugoFiles.includes(absolute)) return CONFIG_FILE;
    // With --config elsewhere, the folder's own CONFIG_FILE is not the configuration: ignore it.
    if (configFile !== undefined && absolute === defaultConfig) return null;
    const relative = path.relative(root, absolute);
    if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) return null;
    const key = relative.split(path.sep).join('/');
    return isNoise(key) ? null : key;
  };

  // Files seen so far: a removed folder is reported as the removal of each file it held.
  const known = new Set<string>();
  const pending = new Set<string>();
  let firstAt = 0;
  let lastAt = 0;
  let cancelTimer = () => {};
  let running: Promise<void> | undefined;
  let closed = false;
  let isReady = false;

  const schedule = () => {
    cancelTimer();
    if (closed || running || pending.size === 0) return;
    const due = Math.min(lastAt + quietMs, firstAt + maxWaitMs);
    cancelTimer = clock.after(Math.max(0, due - clock.now()), flush);
  };

  const flush = () => {
    if (closed || running || pending.size === 0) return;
    const keys = [...pending].sort();
    pending.clear();
    running = (async () => {
      try {
        await onChange(keys);
      } catch (error) {
        onError(error);
      }
    })().finally(() => {
      running = undefined;
      schedule();
    });
  };

  const changed = (key: string) => {
    if (!isReady) return;
    const now = clock.now();
    if (pending.size === 0) firstAt = now;
    lastAt = now;
    pending.add(key);
    schedule();
    onQueued(key);
  };

  // A folder written at once with its files (a checkout, an unpacked archive): chokidar reads a new folder and only
  // then watches it, so a file that appears between the two is never reported (under load, one in a few hundred).
  // The folder is read when it is reported, and again once its burst has been quiet for a moment and a second
  // later, by then watched; a file already taken in is not reported twice. On the system's time, not `clock`:
  // what chokidar missed is missed in real time.
  const readFolder = (folder: string) => {
    readdir(folder, { recursive: true, withFileTypes: true }).then(
      (entries) => {
        if (closed) return;
        for (const entry of entries) {
          const key = entry.isFile() ? keyOf(path.join(entry.parentPath, entry.name)) : null;
          if (key === null || known.has(key)) continue;
          known.add(key);
          changed(key);
        }
      },
      // The folder went again before it was read: its removal is reported on its own.
      () => {},
    );
  };
  const fresh = new Set<string>();
  let rereads: NodeJS.Timeout | undefined;
  const rereadFresh = () => {
    clearTimeout(rereads);
    rereads = setTimeout(() => {
      for (const folder of fresh) readFolder(folder);
      rereads = setTimeout(() => {
        for (const folder of fresh) readFolder(folder);
        fresh.clear();
      }, REREAD_AGAIN_MS);
      rereads.unref();
    }, REREAD_QUIET_MS);
    rereads.unref();
  };
  // Links are reported, not followed: a link to a parent folder would be walked until ELOOP (one error per
  // level), and a link out of the folder names nothing the storage serves. Reading the key decides what it is.
  const watcher = chokidarWatch([root, ...(configFile ? [configFile] : []), ...hugoFiles], {
    ignoreInitial: false,
    persistent: true,
    followSymlinks: false,
  });
  watcher.on('add', (file, stats) => {
    // The burst that fills a new folder is not over yet: it is read again once it is.
    if (fresh.size > 0) rereadFresh();
    const key = keyOf(file);
    if (key === null || isSpecial(stats)) return;
    known.add(key);
    changed(key);
  });
  watcher.on('change', (file, stats) => {
    const key = keyOf(file);
    if (key !== null && !isSpecial(stats)) changed(key);
  });
  watcher.on('unlink', (file) => {
    const key = keyOf(file);
    if (key === null) return;
    known.delete(key);
    changed(key);
  });
  watcher.on('addDir', (folder) => {
    if (!isReady || keyOf(folder) === null) return;
    readFolder(folder);
    // A folder inside one read again already is read with it (the reading is recursive).
    if (![...fresh].some((outer) => folder.startsWith(`${outer}${path.sep}`))) fresh.add(folder);
    rereadFresh();
  });
  watcher.on('unlinkDir', (folder) => {
    const relative = path.relative(root, path.resolve(folder)).split(path.sep).join('/');
    for (const key of known) {
      if (key.startsWith(`${relative}/`)) {
        known.delete(key);
        changed(key);
      }
    }
  });
  watcher.on('error', onError);

  const ready = new Promise<void>((resolve) => {
    watcher.once('ready', () => {
      isReady = true;
      resolve();
    });
  });

  return {
    ready,
    async close() {
      closed = true;
      cancelTimer();
      clearTimeout(rereads);
      pending.clear();
      await watcher.close();
      await running;
    },
  };
}
