import path from 'node:path';
import { CONFIG_FILE, loadSiteConfig, type SiteConfig } from '../config.ts';
import { aliasResolver } from '../aliases.ts';
import { SCHEDULE_KEY } from '../index/layout.ts';
import { openLocalIndex, saveLocalIndex } from '../index/local-index.ts';
import { EMPTY_SCHEDULE, nextChangeAfter, type Schedule } from '../index/schedule.ts';
import { readJson } from '../index/store.ts';
import { rebuild } from '../pipeline/rebuild.ts';
import { closeWork, threadedWork } from '../pipeline/threads.ts';
import { regenerate } from '../pipeline/regenerate.ts';
import type { PipelineDeps, RunReport } from '../pipeline/types.ts';
import { FsStorage } from '../storage/fs/fs-storage.ts';
import { type Clock, systemClock } from './clock.ts';
import { createServer } from './server.ts';
import { watchContent } from './watch.ts';
import { HeraldError, messageOf } from '../errors.ts';

/**
 * `herald serve`: build the content folder into the output folder, serve the output the way the CDN
 * does, and push every change of the content through the same incremental regeneration as the Lambda.
 */

export interface PreviewOptions {
  contentDir: string;
  outDir: string;
  /** The configuration as loaded by the CLI; reloaded from `configPath` when it changes. */
  site: SiteConfig;
  port: number;
  host: string;
  /** `--config`; default `<contentDir>/herald.config.json`. */
  configPath?: string;
  /** The Hugo files the configuration was read from (lib/hugo-config.ts): a change to one reloads it, as to herald.config.json. */
  hugoConfigFiles?: string[];
  /** `--base-url`: when given it is kept; otherwise feeds link to the preview server itself. */
  baseUrl?: string;
  log: (line: string) => void;
  /** Why the preview could not start; default `log`. */
  err?: (line: string) => void;
  /** What the pipeline publishes against, and what the schedule, debouncing and retries wait on. */
  clock?: Clock;
  quietMs?: number;
  maxWaitMs?: number;
  /** See WatchOptions.onQueued. */
  onQueued?: (key: string) => void;
  /** Worker threads of a full build (`--jobs`); default one per core. */
  jobs?: number;
}

export interface Preview {
  /** Where the directory page is served, e.g. `http://127.0.0.1:8080/`. */
  url: string;
  /** Stops watching (letting a running regeneration finish) and serving. */
  close(): Promise<void>;
}

/** A reason the preview could not start, worded for the person at the terminal. */
export class PreviewError extends HeraldError {
  override name = 'PreviewError';
}

function listenError(error: NodeJS.ErrnoException, host: string, port: number): Error {
  if (error.code === 'EADDRINUSE') {
    return new PreviewError(
      `port ${port} on ${host} is already in use (another 'herald serve'?). ` +
        'Stop that program or pick another port with --port <n>; --port 0 picks a free one.',
    );
  }
  if (error.code === 'EACCES')
    return new PreviewError(
      `not allowed to listen on port ${port} on ${host}; ports below 1024 need privileges, pick another with --port <n>.`,
    );
  if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND')
    return new PreviewError(`cannot listen on host ${host}: no such local address (try --host 127.0.0.1).`);
  return error;
}

function urlOf(host: string, port: number): string {
  const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return `http://${shown}:${port}/`;
}

const RETRY_DELAY_MS = 500;
/** A far-off scheduled post is checked for again after this long: timers drift, and clocks get set. */
const MAX_SLEEP_MS = 60 * 60 * 1000;

// A draft saved during an edit says why it did not appear; the drafts of a whole site are just noise.
const MAX_SKIPPED_SHOWN = 5;

/** A folder as the user would type it: relative when under the working directory. */
function shown(dir: string): string {
  const relative = path.relative(process.cwd(), dir);
  return relative === '' ? '.' : relative.startsWith('..') || path.isAbsolute(relative) ? dir : relative;
}

function clock(): string {
  return new Date().toTimeString().slice(0, 8);
}

/** One line per run, then one per rejected post or failed key (and the skipped ones, when few): what an author needs to know. */
export function describeRun(what: string, report: RunReport): string[] {
  const { posts, feeds } = report;
  const parts: string[] = [];
  if (posts.unchanged > 0) parts.push(`${posts.unchanged} unchanged since the last build`);
  if (posts.published > 0) parts.push(`${posts.published} published`);
  if (posts.skipped.length > 0) parts.push(`${posts.skipped.length} skipped`);
  if (posts.rejected.length > 0) parts.push(`${posts.rejected.length} rejected`);
  if (posts.warned.length > 0) parts.push(`${posts.warned.length} warning${posts.warned.length === 1 ? '' : 's'}`);
  parts.push(`${feeds.written.length} file${feeds.written.length === 1 ? '' : 's'} written`);
  if (feeds.deleted.length > 0) parts.push(`${feeds.deleted.length} deleted`);
  if (report.failed.length > 0) parts.push(`${report.failed.length} failed`);
  return [
    `[${clock()}] ${what}: ${parts.join(', ')} in ${Math.round(report.durationMs)} ms`,
    ...(posts.skipped.length <= MAX_SKIPPED_SHOWN ? posts.skipped.map(({ key, reason }) => `  skipped ${key}: ${reason}`) : []),
    ...posts.rejected.map((error) => `  rejected ${error.key}: ${error.reason}`),
    ...posts.warned.map(({ key, reason }) => `  warning ${key}: ${reason}`),
    ...report.failed.map((failure) => `  failed ${failure.key}: ${failure.error}`),
  ];
}

function describeKeys(keys: string[]): string {
  const shown = keys.slice(0, 3).join(', ');
  return keys.length > 3
    ? `${keys.length} changes (${shown}, +${keys.length - 3} more)`
    : `${keys.length === 1 ? '' : `${keys.length} changes: `}${shown}`;
}

export async function openPreview(options: PreviewOptions): Promise<Preview> {
  const { contentDir, outDir, host, log } = options;
  const time = options.clock ?? systemClock;
  const now = () => new Date(time.now());
  // The index the last build or preview into --out kept (lib/index/local-index.ts), saved again on close: a restart
  // reads only the posts that changed meanwhile. One kept under another configuration (`herald build`'s, whose feeds
  // point elsewhere) only passes on the content's ETags, as every record is made again.
  const said = (line: string) => log(`herald serve: ${line}`);
  const kept = openLocalIndex(outDir, contentDir, said);
  const content = new FsStorage(contentDir, { knownEtags: kept.contentEtags });
  const feeds = new FsStorage(outDir);
  let redirect = aliasResolver(options.site.aliases ?? []);
  const server = createServer({
    storage: feeds,
    cacheControl: options.site.cacheControl,
    onError: (error, url) => log(`[${clock()}] error serving ${url}: ${messageOf(error)}`),
    redirect: (path) => redirect(path),
  });

  let port: number;
  try {
    port = (await server.listen(options.port, host)).port;
  } catch (error) {
    kept.close();
    throw listenError(error as NodeJS.ErrnoException, host, options.port);
  }
  const url = urlOf(host, port);
  // Feeds, OPML and self links point at the preview unless --base-url says where they belong.
  const localize = (site: SiteConfig): SiteConfig => (options.baseUrl === undefined ? { ...site, feedsUrl: url } : site);

  let deps: PipelineDeps = { content, feeds, state: kept.index, site: localize(options.site), now };

  // Future-dated and expiring posts change the feeds when their time comes, as the per-minute tick does on
  // AWS: after every run a timer is set for the next change in the index's schedule, and regenerating
  // then publishes (or withdraws) what is due.
  let cancelWake = () => {};
  let closed = false;
  const armSchedule = async (since: Date) => {
    cancelWake();
    const schedule = (await readJson<Schedule>(deps.state, SCHEDULE_KEY))?.value ?? EMPTY_SCHEDULE;
    // Changes due by `since` were the finished run's; one that came due while it ran wakes the timer at once.
    const next = nextChangeAfter(schedule, since);
    if (next === null || closed) return;
    const delay = Math.min(Math.max(next.getTime() - now().getTime(), 0), MAX_SLEEP_MS);
    cancelWake = time.after(delay, () => void exclusive(runDue).catch(() => {}));
  };

  // One run at a time, whether a file change or the clock started it: runs share the index.
  let queue: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(run: () => Promise<T>): Promise<T> => {
    const result = queue.then(async () => {
      const since = now();
      try {
        return await run();
      } finally {
        await armSchedule(since).catch((error: unknown) => log(`[${clock()}] could not read the schedule: ${messageOf(error)}`));
      }
    });
    queue = result.catch(() => {});
    return result;
  };

  const runDue = async () => {
    if (closed) return;
    try {
      const report = await regenerate(deps, []);
      if (report.posts.read > 0 || report.feeds.written.length > 0)
        for (const line of describeRun('scheduled posts due', report)) log(line);
    } catch (error) {
      log(`[${clock()}] scheduled regeneration failed: ${(error as Error).stack ?? String(error)}`);
    }
  };

  const build = async (what: string) => {
    const work = threadedWork(deps.site, options.jobs, { content });
    let report: RunReport;
    try {
      report = await rebuild(deps, { work });
    } finally {
      await closeWork(work, content);
    }
    for (const line of describeRun(what, report)) log(line);
  };

  const onChange = (keys: string[]) => exclusive(() => applyChange(keys));
  const applyChange = async (keys: string[]) => {
    if (keys.includes(CONFIG_FILE)) {
      let site: SiteConfig;
      try {
        site = await loadSiteConfig(contentDir, options.configPath, options.baseUrl);
      } catch (error) {
        log(`[${clock()}] configuration not applied, still serving the previous one: ${messageOf(error)}`);
        return;
      }
      // The index remembers the configuration it was built with: rebuild re-parses what depends on it.
      deps = { ...deps, site: localize(site) };
      redirect = aliasResolver(site.aliases ?? []);
      await build('configuration changed, rebuilt');
      return;
    }
    const report = await regenerate(deps, keys);
    for (const line of describeRun(describeKeys(keys), report)) log(line);
    // Failed keys are the caller's to retry (a file caught mid-write, a passing I/O error): once, after a pause.
    if (report.failed.length > 0) {
      const retry = report.failed.map((failure) => failure.key);
      await new Promise<void>((resolve) => time.after(RETRY_DELAY_MS, resolve));
      for (const line of describeRun(`retried ${describeKeys(retry)}`, await regenerate(deps, retry))) log(line);
    }
  };

  const watcher = watchContent({
    dir: contentDir,
    configFile: options.configPath === undefined ? undefined : path.resolve(options.configPath),
    hugoConfigFiles: options.hugoConfigFiles,
    onChange,
    onError: (error) => log(`[${clock()}] regeneration failed: ${(error as Error).stack ?? String(error)}`),
    quietMs: options.quietMs,
    maxWaitMs: options.maxWaitMs,
    clock: time,
    onQueued: options.onQueued,
  });
  // Watch before building so that nothing saved during the first build is missed; runs queue behind it.
  const initial = watcher.ready.then(() => exclusive(() => build(`built ${shown(contentDir)}`)));
  try {
    await initial;
  } catch (error) {
    closed = true;
    cancelWake();
    await Promise.allSettled([watcher.close(), server.close()]);
    kept.close();
    throw error;
  }
  log(`Serving ${shown(outDir)} at ${url} (feed directory), watching ${shown(contentDir)} for changes. Ctrl-C to stop.`);

  return {
    url,
    async close() {
      closed = true;
      cancelWake();
      await watcher.close();
      await queue;
      try {
        saveLocalIndex(outDir, contentDir, kept, content, undefined, said);
      } finally {
        kept.close();
      }
      await server.close();
    },
  };
}

/** The CLI entry: runs until SIGINT/SIGTERM, then shuts down cleanly. Resolves with the exit status. */
export async function startPreview(options: PreviewOptions): Promise<number> {
  let preview: Preview;
  try {
    preview = await openPreview(options);
  } catch (error) {
    (options.err ?? options.log)(
      `herald serve: ${error instanceof PreviewError ? error.message : ((error as Error).stack ?? String(error))}`,
    );
    return error instanceof PreviewError ? 2 : 1;
  }
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    const stop = (received: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(received);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  options.log(`${signal === 'SIGINT' ? '\n' : ''}Stopping (waiting for a running regeneration; Ctrl-C again to force).`);
  const force = () => process.exit(130);
  process.once('SIGINT', force);
  await preview.close();
  process.off('SIGINT', force);
  return 0;
}
