import { createHash } from 'node:crypto';
import type { SiteConfig } from '../config.ts';
import { renderDirectory } from '../directory/page.ts';
import { archiveDir, documentPath } from '../feeds/descriptor.ts';
import { renderFeed } from '../feeds/feeds.ts';
import { FEED_FILE_NAMES, FEED_FILES, FEED_FORMATS, type FeedHistory, type FeedSummary, type RenderedFile } from '../feeds/types.ts';
import { EMPTY_ARCHIVE, pageCount, subscriptionHistory } from '../index/archive.ts';
import { type Entry, nameOf } from '../index/entries.ts';
import { shownItems } from '../index/newest.ts';
import type { Manifest } from '../index/shards.ts';
import { OPML_FILE, renderOpml } from '../directory/opml.ts';
import { FEED_CSS, FEED_CSS_PATH } from '../feeds/feed-css.ts';
import { PostError, type FeedItem } from '../post/types.ts';
import { type EncodedFile, type StoredHead, writeFile, writeIfChanged } from '../publish.ts';
import type { Storage } from '../storage/storage.ts';
import { descriptorOf, type FeedId } from '../index/feed-id.ts';
import { hiddenReason, type PostRecord } from '../index/records.ts';
import { settleAll } from './concurrency.ts';
import type { RunReport } from './types.ts';

export const DIRECTORY_PATH = 'index.html';
export const OPML_PATH = OPML_FILE;

export function emptyReport(): RunReport {
  return {
    posts: { read: 0, unchanged: 0, published: 0, skipped: [], rejected: [], warned: [] },
    feeds: { written: [], unchanged: 0, deleted: [] },
    failed: [],
    durationMs: 0,
  };
}

/** Counts a post in the report: published, skipped with its reason, or rejected; and what it warns of. */
export function countPost(report: RunReport, record: PostRecord, now: Date): void {
  const { posts } = report;
  for (const reason of record.warnings ?? []) posts.warned.push({ key: record.key, reason });
  if (record.status === 'post' && record.meta) {
    if (record.listed) posts.published++;
    else posts.skipped.push({ key: record.key, reason: hiddenReason(record.meta, now) });
  } else if (record.status === 'skipped') posts.skipped.push({ key: record.key, reason: record.reason ?? 'skipped' });
  else if (record.status === 'rejected') posts.rejected.push(new PostError(record.key, record.reason ?? 'rejected'));
}

/**
 * Warns of what the items of one feed document warn of (`FeedItem.warnings`), and of those that share an id: feed
 * readers take them for one item and show only one. Two posts declaring the same `guid` (a post copied as a
 * template), or, with `itemIds: "url"`, the same URL.
 */
export function warnDocument(report: RunReport, items: readonly FeedItem[]): void {
  const keysById = new Map<string, string[]>();
  for (const { id, key, warnings } of items) {
    for (const reason of warnings ?? []) report.posts.warned.push({ key, reason });
    const keys = keysById.get(id);
    if (keys) keys.push(key);
    else keysById.set(id, [key]);
  }
  for (const [id, keys] of keysById) {
    if (keys.length < 2) continue;
    for (const key of keys) {
      const others = keys.filter((other) => other !== key).join(', ');
      report.posts.warned.push({ key, reason: `its item id ${id} is also the id of ${others}: feed readers show only one of them` });
    }
  }
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
  // A warning of a document (a shared id) comes again from every feed the two posts are in: it is said once.
  const warned = new Map(report.posts.warned.map((warning) => [`${warning.key}\n${warning.reason}`, warning]));
  report.posts.warned = [...warned.values()].sort((a, b) => byKey(a, b) || (a.reason < b.reason ? -1 : a.reason > b.reason ? 1 : 0));
  report.failed.sort(byKey);
  report.feeds.written.sort();
  report.feeds.deleted.sort();
  report.durationMs = Math.round(performance.now() - startedAt);
  return report;
}

/** One document of a feed as the renderers take it: the term's display name, its items, its place in the history. */
export interface FeedDocument {
  name: string | undefined;
  /** Newest first. */
  items: FeedItem[];
  history?: FeedHistory;
}

/**
 * One feed document in its three formats: the subscription document (at most `itemsPerFeed` items) or, with
 * `history.page`, an archive page. A page with a newer one after it is sealed and carries the archives' long
 * Cache-Control; the others the site's.
 */
export function feedFiles(site: SiteConfig, id: FeedId, { name, items, history }: FeedDocument): RenderedFile[] {
  const files = renderFeed({ site, feed: descriptorOf(id, name, site), items, ...(history && { history }) });
  const sealed = sealedCacheControl(site, history);
  if (sealed !== undefined) for (const file of files) file.cacheControl = sealed;
  return files;
}

/** The Cache-Control of a page with a newer one after it, which never changes but for an edit of its posts. */
function sealedCacheControl(site: SiteConfig, history: FeedHistory | undefined): string | undefined {
  return history?.page !== undefined && history.page < history.pages && site.archives ? site.archives.cacheControl : undefined;
}

/** Where a feed document's files go (as `feedFiles` names them), with the headers they are written with. */
export function documentFiles(site: SiteConfig, id: FeedId, history: FeedHistory | undefined): StoredFeedFile[] {
  const feed = { dir: feedDir(id) };
  const cacheControl = sealedCacheControl(site, history) ?? site.cacheControl;
  return FEED_FORMATS.map((format) => ({
    path: documentPath(feed, history?.page, format),
    contentType: FEED_FILES[format].contentType,
    cacheControl,
  }));
}

export interface StoredFeedFile {
  path: string;
  contentType: string;
  cacheControl: string;
}

/**
 * Bumped whenever the bytes of a feed document change for the same input (a renderer, the item HTML, the feed
 * files' headers): a rebuild then renders every document again instead of trusting the files that name their
 * input (`documentInput`). tests/lib/pipeline/rendered-input.test.ts pins the renderer snapshots against it.
 */
export const RENDERING = 1;

/**
 * What a feed document is made of, as a digest: the rendering, the configuration (`siteFingerprint`), the feed,
 * its place in the history and its entries, each naming its post's source: an item is a function of its
 * source and the configuration, so equal digests render equal bytes (`INPUT_METADATA`). Computed without reading
 * an item. Not for a run that could not render some listed post (its document goes without that item).
 */
export function documentInput(site: string, id: FeedId, entries: readonly Entry[], history: FeedHistory | undefined): string {
  const json = JSON.stringify([
    RENDERING,
    site,
    id,
    history ?? null,
    entries.map(([date, key, source, name]) => [date, key, source, name ?? null]),
  ]);
  return createHash('sha256').update(json).digest('hex');
}

/** A feed's subscription document, from its manifest: saying what its history holds when the site keeps archives. */
export function subscriptionDocument(site: SiteConfig, manifest: Manifest): FeedDocument {
  const history = site.archives && subscriptionHistory(manifest.archive ?? EMPTY_ARCHIVE);
  return { name: nameOf(manifest.newest[0]?.entry), items: shownItems(manifest.newest), ...(history && { history }) };
}

/**
 * Archive page `page` of a feed with `pages` of them, `entries` being the page's own (newest first): a term feed's
 * page takes the term's name from its own newest post, so it changes only with its own items.
 */
export function pageDocument(entries: readonly Entry[], items: FeedItem[], page: number, pages: number): FeedDocument {
  return { name: nameOf(entries[0]), items, history: { pages, page } };
}

/** The open (newest) archive page, from the manifest that keeps its items; none when it holds nothing. */
export function openPageDocument(site: SiteConfig, manifest: Manifest): FeedDocument | undefined {
  const archive = manifest.archive;
  if (!site.archives || !archive || archive.open.length === 0) return undefined;
  const pages = pageCount(archive);
  return pageDocument(
    archive.open.map(({ entry }) => entry),
    shownItems(archive.open),
    pages,
    pages,
  );
}

/**
 * Deletes a feed's archive pages numbered `from` to `to`; without `to`, every one from `from` on that a listing finds
 * (a run that does not know how many there were).
 */
export async function unpublishPages(storage: Storage, dir: string, from: number, log: FileLog, to?: number): Promise<void> {
  const stale: string[] = [];
  if (to !== undefined) {
    for (let page = from; page <= to; page++) for (const file of FEED_FILE_NAMES) stale.push(archiveDir({ dir }, page) + file);
  } else {
    for await (const { key } of storage.list(`${dir}archive/`)) {
      const match = /^archive\/(\d+)\/([^/]+)$/.exec(key.slice(dir.length));
      if (match && Number(match[1]) >= from && FEED_FILE_NAMES.has(match[2]!)) stale.push(key);
    }
  }
  await settleAll(
    stale.map(async (key) => {
      await storage.delete(key);
      log.note(key, 'deleted');
    }),
  );
}

/** The files at the feeds root: the directory page, the OPML (as XML, so browsers apply the feeds' stylesheet) and that stylesheet. */
export function directoryFiles(site: SiteConfig, summaries: FeedSummary[]): RenderedFile[] {
  return [
    { path: DIRECTORY_PATH, body: renderDirectory(site, summaries), contentType: 'text/html; charset=utf-8' },
    { path: OPML_PATH, body: renderOpml(site, summaries), contentType: 'application/xml; charset=utf-8' },
    { path: FEED_CSS_PATH, body: FEED_CSS, contentType: 'text/css; charset=utf-8' },
  ];
}

/** What `publish` knows already of the files it writes. */
export interface Known {
  /** The same files as rendered from the list this one replaced, whose writing was its own run's job. */
  previous?: RenderedFile[];
  /** What HEADs of the files answered (by path), so that they are not asked again. */
  heads?: ReadonlyMap<string, StoredHead>;
}

/**
 * Writes the files whose bytes changed: compared with `previous` when given, else with what is stored (a HEAD each,
 * unless `heads` has it). Returns whether it wrote any.
 */
export async function publish(
  storage: Storage,
  files: (RenderedFile | EncodedFile)[],
  site: SiteConfig,
  log: FileLog,
  { previous, heads }: Known = {},
): Promise<boolean> {
  const cacheControl = (file: RenderedFile | EncodedFile) => file.cacheControl ?? site.cacheControl;
  let wrote = false;
  const note = (path: string, outcome: 'written' | 'unchanged') => {
    log.note(path, outcome);
    wrote ||= outcome === 'written';
  };
  if (!previous) {
    await settleAll(
      files.map(async (file) => note(file.path, await writeIfChanged(storage, file, cacheControl(file), heads?.get(file.path)))),
    );
    return wrote;
  }
  const before = new Map(previous.map((file) => [file.path, file]));
  const same = (file: RenderedFile | EncodedFile, old: RenderedFile | undefined) =>
    'body' in file && old !== undefined && old.body === file.body && cacheControl(old) === cacheControl(file);
  await settleAll(
    files.map(async (file) =>
      note(file.path, same(file, before.get(file.path)) ? 'unchanged' : await writeFile(storage, file, cacheControl(file))),
    ),
  );
  return wrote;
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
