import type { SiteConfig } from '../config.ts';
import { renderDirectory } from '../directory/page.ts';
import { renderFeed } from '../feeds/feeds.ts';
import { FEED_FILES, type FeedSummary, type RenderedFile } from '../feeds/types.ts';
import { OPML_FILE, renderOpml } from '../directory/opml.ts';
import { FEED_CSS, FEED_CSS_PATH } from '../feeds/feed-css.ts';
import { PostError, type FeedItem } from '../post/types.ts';
import { type EncodedFile, writeFile, writeIfChanged } from '../publish.ts';
import type { Storage } from '../storage/storage.ts';
import { descriptorOf, type FeedId } from '../index/feed-id.ts';
import { hiddenReason, type PostRecord } from '../index/records.ts';
import { settleAll } from './concurrency.ts';
import type { RunReport } from './types.ts';

export const DIRECTORY_PATH = 'index.html';
export const OPML_PATH = OPML_FILE;

export function emptyReport(): RunReport {
  return {
    posts: { read: 0, published: 0, skipped: [], rejected: [] },
    feeds: { written: [], unchanged: 0, deleted: [] },
    failed: [],
    durationMs: 0,
  };
}

/** Counts a post in the report: published, skipped with its reason, or rejected. */
export function countPost(report: RunReport, record: PostRecord, now: Date): void {
  const { posts } = report;
  if (record.status === 'post' && record.meta) {
    if (record.listed) posts.published++;
    else posts.skipped.push({ key: record.key, reason: hiddenReason(record.meta, now) });
  } else if (record.status === 'skipped') posts.skipped.push({ key: record.key, reason: record.reason ?? 'skipped' });
  else if (record.status === 'rejected') posts.rejected.push(new PostError(record.key, record.reason ?? 'rejected'));
}

/**
 * What happened to each output file in a run. A feed may be rendered more than once in a run (after a
 * conflict): the file counts once, as written or deleted if any attempt did so.
 */
export class FileLog {
  readonly #outcomes = new Map<string, 'written' | 'unchanged' | 'deleted'>();

  note(path: string, outcome: 'written' | 'unchanged' | 'deleted'): void {
    if (outcome !== 'unchanged' || !this.#outcomes.has(path)) this.#outcomes.set(path, outcome);
  }

  /** Files whose bytes changed so far: what a CDN must invalidate. */
  changed(): string[] {
    return [...this.#outcomes].filter(([, outcome]) => outcome !== 'unchanged').map(([path]) => path);
  }

  fill(report: RunReport): void {
    for (const [path, outcome] of this.#outcomes) {
      if (outcome === 'written') report.feeds.written.push(path);
      else if (outcome === 'deleted') report.feeds.deleted.push(path);
      else report.feeds.unchanged++;
    }
  }
}

/** Fills in the files and sorts every list, so that two runs doing the same work report it identically. */
export function finishReport(report: RunReport, files: FileLog, startedAt: number): RunReport {
  files.fill(report);
  const byKey = (a: { key: string }, b: { key: string }) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
  report.posts.skipped.sort(byKey);
  report.posts.rejected.sort(byKey);
  report.failed.sort(byKey);
  report.feeds.written.sort();
  report.feeds.deleted.sort();
  report.durationMs = Math.round(performance.now() - startedAt);
  return report;
}

/** One feed in its three formats. Items are newest first, at most `itemsPerFeed`. */
export function feedFiles(site: SiteConfig, id: FeedId, name: string | undefined, items: FeedItem[]): RenderedFile[] {
  return renderFeed({ site, feed: descriptorOf(id, name, site), items });
}

/** The files at the feeds root: the directory page, the OPML (as XML, so browsers apply the feeds' stylesheet) and that stylesheet. */
export function directoryFiles(site: SiteConfig, summaries: FeedSummary[]): RenderedFile[] {
  return [
    { path: DIRECTORY_PATH, body: renderDirectory(site, summaries), contentType: 'text/html; charset=utf-8' },
    { path: OPML_PATH, body: renderOpml(site, summaries), contentType: 'application/xml; charset=utf-8' },
    { path: FEED_CSS_PATH, body: FEED_CSS, contentType: 'text/css; charset=utf-8' },
  ];
}

/**
 * Writes the files whose bytes changed: compared with `previous` when given (the same files as rendered
 * from the list this one replaced, whose writing was its own run's job), else with what is stored (a HEAD each).
 */
export async function publish(
  storage: Storage,
  files: (RenderedFile | EncodedFile)[],
  site: SiteConfig,
  log: FileLog,
  previous?: RenderedFile[],
): Promise<void> {
  if (!previous) {
    await settleAll(files.map(async (file) => log.note(file.path, await writeIfChanged(storage, file, site.cacheControl))));
    return;
  }
  const before = new Map(previous.map((file) => [file.path, file.body]));
  await settleAll(
    files.map(async (file) =>
      log.note(
        file.path,
        'body' in file && before.get(file.path) === file.body ? 'unchanged' : await writeFile(storage, file, site.cacheControl),
      ),
    ),
  );
}

/** Deletes the feed files of a term that has no published posts left; only files that exist are reported. */
export async function unpublish(storage: Storage, dir: string, log: FileLog): Promise<void> {
  await settleAll(
    Object.values(FEED_FILES).map(async ({ file }) => {
      const key = dir + file;
      if ((await storage.head(key)) === null) return;
      await storage.delete(key);
      log.note(key, 'deleted');
    }),
  );
}

/** A feed's output folder: '' for the site, `tags/<slug>/` for a term. */
export function feedDir(id: FeedId): string {
  return id === 'site' ? '' : `${id}/`;
}
