/**
 * Full build: every content key is read, the whole index is recomputed and every feed is rendered.
 * Run locally by `herald build`, on AWS on a schedule (it publishes future-dated posts whose time has
 * come) and after a configuration change.
 *
 * Memory grows with the size of the site only by the feed lists (a date, key and ETag per post and
 * feed): each record is written as soon as the post can no longer be among any feed's newest
 * `itemsPerFeed`, and only the posts some feed shows are read again and rendered.
 *
 * The index it leaves is the one `regenerate` maintains, so feeds written by any sequence of
 * incremental runs and by a rebuild of the same content are byte-identical. It holds the index lease,
 * renewed while it works (incremental runs step aside and are retried); its index writes are still conditional,
 * and on a conflict it re-reads the ETag and writes its own value, which reflects the content it read.
 */
import { messageOf } from '../errors.ts';
import type { ArchiveConfig, SiteConfig } from '../config.ts';
import { TERM_KINDS } from '../feeds/descriptor.ts';
import { FEED_FILE_NAMES } from '../feeds/types.ts';
import { catalogOf, summariesOf, type Catalog } from '../index/catalog.ts';
import { comparePositions, type Entry, keyOf } from '../index/entries.ts';
import { type FeedId, SITE_FEED } from '../index/feed-id.ts';
import {
  CATALOG_KEY,
  contentKeyOf,
  FEEDS_PREFIX,
  isPostKey,
  manifestKey,
  parseFeedKey,
  RECORDS_PREFIX,
  recordKey,
  RUNS_PREFIX,
  runStartOf,
  ROOT_KEY,
  SCHEDULE_KEY,
  shardKey,
} from '../index/layout.ts';
import { acquireLease, assertLeaseHeld, keepLease, releaseLease } from '../index/lease.ts';
import { type ArchiveState, cutHistory, keptBounds, liveTombstones, tombstoneExpiry } from '../index/archive.ts';
import { isVisible, keepingPending, MAX_RUN_MS, nextChangeOf, unfinished, type PostRecord } from '../index/records.ts';
import { isCurrent, leaseHeld, type Root, siteFingerprint } from '../index/root.ts';
import { sortSchedule, tombstoneKey, type Schedule } from '../index/schedule.ts';
import { cutList, type Manifest, type Shard } from '../index/shards.ts';
import { readJson, retryOnConflict, writeJson } from '../index/store.ts';
import { PostError, type FeedItem } from '../post/types.ts';
import { intercept, WRITES } from '../storage/intercept.ts';
import { listKeys, PreconditionFailedError, type Storage } from '../storage/storage.ts';
import { type Candidate, Collected, type Listed, type Read, type StoredRecord } from './collected.ts';
import { IO_CONCURRENCY, mapLimit, settleAll } from './concurrency.ts';
import { itemFromSource } from './items.ts';
import { Lru } from '../lru.ts';
import { renderedFrom } from '../publish.ts';
import type { FeedHistory } from '../feeds/types.ts';
import {
  countPost,
  directoryFiles,
  documentFiles,
  documentInput,
  emptyReport,
  type FeedDocument,
  FileLog,
  finishReport,
  openPageDocument,
  pageDocument,
  publish,
  subscriptionDocument,
  warnDocument,
} from './outputs.ts';
import { localWork, postOf, readRecord, type Work, WorkUnavailableError } from './work.ts';
import type { PipelineDeps, RunReport } from './types.ts';
import { ItemJson, jsonBytes } from '../index/json-bytes.ts';
import { toBytes } from '../storage/semantics.ts';

const UTF8 = new TextDecoder();

export interface RebuildOptions {
  /** The lease `regenerate` reserved for this rebuild when it started the rebuild function (its `build`). */
  takeOver?: string;
  /**
   * How the posts are read, given the rebuild (holding the lease) and the stored records' ETags: by default
   * all in this process (`Rebuild.readAll`); the fanned-out rebuild spreads them over workers (lib/pipeline/fanout/).
   */
  read?: ReadPhase;
  /**
   * Where posts are parsed and rendered and feeds serialized: by default in this thread (`localWork`); `herald
   * build` and the `rebuild` function spread them over worker threads (`threadedWork`, lib/pipeline/threads.ts).
   */
  work?: Work;
  /** What the caller knows of the content since the last rebuild (`herald build`): see `Rebuild.publishAsStored`. */
  known?: KnownContent;
}

/** What `herald build` knows of its content folder (lib/pipeline/folder-build.ts). */
export interface KnownContent {
  /**
   * Asked once the posts are listed with their ETags: whether the folder holds exactly the posts, with the bytes, that
   * the last rebuild read (which made every stored record, and failed on none).
   */
  unchanged(): boolean;
  /** The posts that rebuild counted as more than published: skipped, rejected or warned of (`notableKeys`). */
  notable: ReadonlySet<string>;
}

export type ReadPhase = (rebuild: Rebuild, storedRecords: ReadonlySet<string>) => Promise<Collected>;

export async function rebuild(deps: PipelineDeps, options: RebuildOptions = {}): Promise<RunReport> {
  const startedAt = performance.now();
  const now = deps.now();
  const report = emptyReport();
  const files = new FileLog();
  const lease = await acquireLease(deps.state, now, options.takeOver);
  const kept = keepLease(deps.state, lease, deps.now);
  // Once the lease is gone another rebuild may be writing a newer view: this one stops before any write. Writes
  // also renew it when due, as a build that never waits on I/O gives the renewal timer no turn.
  const fence = (storage: Storage) =>
    intercept(storage, {
      ops: WRITES,
      before: () => {
        const renewing = kept.due();
        if (!renewing) return assertLeaseHeld(lease, deps.now());
        return renewing.then(() => assertLeaseHeld(lease, deps.now()));
      },
    });
  const fenced: PipelineDeps = { ...deps, state: fence(deps.state), feeds: fence(deps.feeds) };
  let completed = false;
  try {
    const work = options.work ?? localWork(deps.site);
    await new Rebuild(fenced, now, report, files, isCurrent(lease.previous, deps.site), lease.build, work).run(options.read, options.known);
    completed = true;
  } finally {
    await kept.stop();
    await releaseLease(deps.state, lease, completed ? deps.site : null).catch((error: unknown) => {
      // The lease ran out and another rebuild took the index: it will set the root when it is done.
      if (!(error instanceof PreconditionFailedError)) throw error;
    });
  }
  return finishReport(report, files, startedAt);
}

/**
 * Reserves the index for a rebuild and starts it elsewhere (`start`, given the reservation): a missing or
 * outdated index is handed over once, however many runs find it so (the others find the lease held). If
 * the start fails, the reservation goes, so the next run tries again. Returns false, starting nothing, when
 * the index is already built with this configuration (a retried configuration change whose rebuild is
 * done); throws `IndexBusyError` when a rebuild holds the index.
 */
export async function requestRebuild(
  deps: PipelineDeps,
  start: (build: string) => Promise<void>,
  /** Even over a current index: the consistency check found it too far from the content. */
  force = false,
): Promise<boolean> {
  const root = await readJson<Root>(deps.state, ROOT_KEY);
  if (!force && isCurrent(root?.value, deps.site) && !leaseHeld(root?.value, deps.now())) return false;
  const lease = await acquireLease(deps.state, deps.now());
  try {
    await start(lease.build);
  } catch (error) {
    await releaseLease(deps.state, lease, null).catch(() => {});
    throw error;
  }
  return true;
}

/**
 * About 32 MB of two-byte strings: a few hundred posts, more than the span of most pages. Bulwark with archives,
 * while its index's bytes were still held in memory: 19.6 s of CPU and 780 MB peak RSS with 2^24 here and in the
 * render cache, 21.4 s and 700 MB with 2^22 each. In session 12, 2^22 here took the synthetic site with archives
 * from 9.6 to 10.2 s, and bulwark from 413 to 373 MB in a time within noise.
 */
const STORED_ITEMS_BUDGET_CHARS = 2 ** 24;

export class Rebuild {
  readonly #site: SiteConfig;
  readonly #renderConcurrency: number;
  readonly #itemConcurrency: number;
  readonly #readConcurrency: number;
  /** Each feed's archive pages, oldest first, when the site keeps archives. */
  readonly #pages = new Map<FeedId, Entry[][]>();
  /**
   * Items read back from records for archive pages, the most recently used kept: a post is on a page of each of its
   * feeds, and `publishFeeds` renders the pages in date order, so it is read (and rendered) about once.
   */
  readonly #storedItems = new Lru<string, FeedItem | null>(STORED_ITEMS_BUDGET_CHARS);
  /** The configuration's fingerprint, part of every document's input. */
  readonly #siteDigest: string;
  /** Records made from their stored JSON with nothing changed (`readOne`), which `writeRecord` need not serialize to compare. */
  readonly #asStored = new WeakSet<PostRecord>();
  /** The shown items' JSON, each in its record and in the manifests of the feeds showing it, until those are written. */
  readonly #itemJson = new ItemJson();
  /** The posts as listed, once (`publishAsStored` lists them before the rebuild knows whether it goes the whole way). */
  #listed: Listed[] | undefined;

  constructor(
    readonly deps: PipelineDeps,
    readonly now: Date,
    readonly report: RunReport,
    readonly files: FileLog,
    /** The stored records were built with this configuration: one whose source is unchanged need not be parsed. */
    readonly reuse: boolean,
    /** The lease this rebuild holds (its `build`), which workers of a fanned-out rebuild check before they write. */
    readonly build = '',
    readonly work: Work = localWork(deps.site),
  ) {
    this.#site = deps.site;
    this.#siteDigest = siteFingerprint(deps.site);
    // Enough steps in flight to keep every worker thread busy (each holds a few) while this one takes its own, and in
    // one thread enough to hide S3's round trips: each item is written to its record, each document HEADed and written
    // (bench/rebuild-memory.ts, 5,000 bulwark posts at 15 ms a request, one thread: 7.5 s with 4 of each in flight,
    // 5.1 s with 16).
    this.#renderConcurrency = Math.max(IO_CONCURRENCY, 24 * (work.jobs - 1));
    // Items are steps as small as reads, and a worker thread holds many (lib/pipeline/threads.ts).
    this.#itemConcurrency = Math.max(IO_CONCURRENCY, 64 * (work.jobs - 1));
    this.#readConcurrency = Math.max(IO_CONCURRENCY, 64 * work.jobs);
  }

  async run(read: ReadPhase = (rebuild, storedRecords) => rebuild.readAll(storedRecords), known?: KnownContent): Promise<void> {
    const { state } = this.deps;
    if (known && this.reuse && (await this.publishAsStored(known))) return;
    const storedRecords = await listKeys(state, RECORDS_PREFIX);
    const storedFeedObjects = await listKeys(state, FEEDS_PREFIX);
    const storedRuns = await listKeys(state, RUNS_PREFIX);
    const collected = await read(this, storedRecords);
    const { lists, shown } = collected;

    // What is left among the newest are the posts some feed shows: they get their item.
    await mapLimit([...shown.values()], this.#itemConcurrency, async (candidate) => {
      const item = candidate.record.item ?? candidate.storedItem ?? (await this.itemOfShown(candidate));
      if (item) {
        candidate.record.item = item;
        this.#itemJson.keep(item);
        await this.writeRecord(candidate);
        return;
      }
      // Its feeds go without it, and the retry of its key must bring it back. A record that agrees with the
      // content gives that retry nothing to do, so this one stays pending (even one kept as the index knew it).
      await this.writeRecord({ ...candidate, record: unfinished(candidate.record, this.now), keep: false });
    });

    const manifests = await this.writeLists(lists, shown, storedFeedObjects);
    this.#itemJson.clear();
    const days = this.#site.archives?.tombstoneDays ?? 0;
    for (const [feed, { archive }] of manifests) {
      const expiry = archive && tombstoneExpiry(archive.deleted, days);
      if (expiry) collected.schedule.push([expiry, tombstoneKey(feed)]);
    }
    await overwriteIfChanged(state, SCHEDULE_KEY, { entries: sortSchedule(collected.schedule) } satisfies Schedule);
    const catalog = catalogOf(manifests);
    await overwriteIfChanged(state, CATALOG_KEY, catalog);

    await this.publishFeeds(manifests);
    await this.publishDirectory(catalog);

    await this.collectGarbage(collected.seen, storedRecords, storedFeedObjects, manifests, storedRuns);
  }

  /** Reads every post; lists, schedule and report grow as it goes, and only the newest posts stay in memory. */
  async readAll(storedRecords: ReadonlySet<string>): Promise<Collected> {
    return this.readKeys(await this.listPosts(storedRecords.size > 0), storedRecords);
  }

  /**
   * Nothing changed since the last rebuild: the same posts with the same bytes (`known`), under the same configuration,
   * and no post's visibility nor announced deletion due since (the schedule). The stored lists are then the ones this
   * rebuild would make, so the feeds are published from the stored manifests (their documents checked, and rendered
   * only where a file is missing or stale) without reading a record but the notable posts' to count them, every
   * other post being published as it was. False, with the posts listed (`listPosts` answers that listing again), when
   * anything differs or is missing: the rebuild then goes the whole way.
   */
  async publishAsStored(known: KnownContent): Promise<boolean> {
    const { state } = this.deps;
    const listed = await this.listPosts(true);
    if (!known.unchanged()) return false;
    // A post whose ETag was not passed on (written just before the last build) and deleted since leaves no trace in
    // the ETags: its record does.
    const records = await listKeys(state, RECORDS_PREFIX);
    if (records.size !== listed.length || listed.some(({ key }) => !records.has(recordKey(key)))) return false;
    const schedule = (await readJson<Schedule>(state, SCHEDULE_KEY))?.value;
    const now = this.now.toISOString();
    if (!schedule || schedule.entries.some(([at]) => at <= now)) return false;
    const catalog = (await readJson<Catalog>(state, CATALOG_KEY))?.value;
    if (!catalog) return false;
    const counted: PostRecord[] = [];
    for (const { key } of listed) {
      if (!known.notable.has(key)) continue;
      const record = (await readJson<PostRecord>(state, recordKey(key)))?.value;
      if (!record) return false;
      counted.push(record);
    }
    const manifests = new Map<FeedId, Manifest>();
    const pages = new Map<FeedId, Entry[][]>();
    const archives = this.#site.archives;
    for (const key of await listKeys(state, FEEDS_PREFIX)) {
      const feed = parseFeedKey(key);
      if (!feed || feed.shard !== undefined) continue;
      const manifest = (await readJson<Manifest>(state, key))?.value;
      if (!manifest) return false;
      manifests.set(feed.feed, manifest);
      if (!archives) continue;
      // The stored list, cut into pages as `writeLists` cuts it.
      const shards = await mapLimit(
        manifest.shards,
        IO_CONCURRENCY,
        async ({ id }) => (await readJson<Shard>(state, shardKey(feed.feed, id)))?.value,
      );
      if (shards.some((shard) => shard === undefined)) return false;
      pages.set(
        feed.feed,
        this.history(
          shards.flatMap((shard) => shard!.entries),
          manifest.archive,
          archives,
        ).pages,
      );
    }
    if (!manifests.has(SITE_FEED)) return false;
    for (const [feed, cut] of pages) this.#pages.set(feed, cut);
    const { posts } = this.report;
    posts.read = listed.length;
    posts.unchanged = listed.length;
    posts.published = listed.length - counted.length;
    for (const record of counted) countPost(this.report, record, this.now);
    await this.publishFeeds(manifests);
    await this.publishDirectory(catalog);
    return true;
  }

  /** Every post key; with its ETag when stored records may be reused (`anyStored`: there are some). */
  async listPosts(anyStored: boolean): Promise<Listed[]> {
    if (this.#listed) return this.#listed;
    // Listed ETags are only compared with reusable records; some storages compute them on demand
    // (a folder hashes each file), which reading every post computes anyway.
    const compare = this.reuse && anyStored;
    const keys: Listed[] = [];
    // What the listing cannot read (a link loop, a FIFO) is reported with the rejected posts, and the rest goes on.
    const onUnreadable = (key: string, reason: string) => this.report.posts.rejected.push(new PostError(key, reason));
    for await (const info of this.deps.content.list('', { onUnreadable }))
      if (isPostKey(info.key)) keys.push(compare ? { key: info.key, etag: info.etag } : { key: info.key });
    this.#listed = keys;
    return keys;
  }

  /**
   * Reads these posts (`storedRecords`: the record keys that exist). Records of posts that can no longer be
   * among any feed's newest are written as they are read; the others stay in `shown`.
   */
  async readKeys(keys: Listed[], storedRecords: ReadonlySet<string>): Promise<Collected> {
    const { state, onProgress } = this.deps;
    const collected = new Collected(this.#site);
    let done = 0;
    onProgress?.(0, keys.length);
    // Last listed first: names sort oldest first where they hold the date (Hugo's and Jekyll's 2025-02-12-slug.md,
    // numbered posts, MongoDB ids), and read newest first, most posts are at once outside every feed's newest rather
    // than placed there and pushed out later (placing the synthetic site's posts: 0.18 to 0.09 s of CPU).
    await mapLimit(keys.toReversed(), this.#readConcurrency, async (info) => {
      const { key } = info;
      const read = await this.readOne(info, storedRecords.has(recordKey(key)) ? state : undefined);
      if (read) {
        if (!read.keep) countPost(this.report, read.record, this.now);
        const at = nextChangeOf(read.record, this.now);
        if (at !== undefined) collected.schedule.push([at, key]);
        // Posts that can no longer be among any feed's newest are final: their records are written now, and a worker
        // thread that parsed one need not keep it.
        const finals = collected.add(read);
        for (const { record } of finals) this.work.forget?.(record.key);
        await settleAll(finals.map((final) => this.writeRecord(final)));
      }
      onProgress?.(++done, keys.length);
    });
    this.report.posts.read = keys.length;
    for (const list of collected.lists.values()) list.sort(comparePositions);
    return collected;
  }

  async writeRecord({ record, stored, keep }: Read): Promise<void> {
    if (keep) return;
    // Its JSON would be the stored one: only an item can have been added since.
    if (record.item === undefined && this.#asStored.has(record)) return;
    // A record whose item no manifest holds is serialized as it is (a serializer that looks for items is slower), and
    // compared as text.
    let body: Uint8Array | string;
    if (record.item && this.#itemJson.bytesOf(record.item)) {
      body = jsonBytes(record, this.#itemJson);
      if (stored && sameBytes(toBytes(stored.json), body)) return;
    } else {
      body = JSON.stringify(record);
      if (stored?.json === body) return;
    }
    // A regenerate that wrote this record meanwhile loses to this rebuild's view, but its pending places stay.
    const merge = (current: string) => JSON.stringify(keepingPending(record, JSON.parse(current) as PostRecord, this.now, this.#site));
    await overwrite(this.deps.state, recordKey(record.key), body, stored?.etag ?? null, merge);
  }

  async readOne(info: Listed, state: Storage | undefined): Promise<Read | undefined> {
    const { key } = info;
    let stored: StoredRecord | undefined;
    let previous: PostRecord | undefined;
    try {
      const object = state ? await state.get(recordKey(key)) : null;
      if (object) {
        const json = UTF8.decode(object.body);
        // Its ETag only matters to a rewrite, and may cost a hash (`MemoryStorage`, herald build's index).
        stored = {
          json,
          get etag() {
            return object.etag;
          },
        };
        previous = JSON.parse(json) as PostRecord;
      }
      if (this.reuse && previous && info.etag !== undefined && previous.source === info.etag && previous.pending === undefined) {
        const { item, pending, ...record } = previous;
        // Same bytes, same configuration: the same metadata. Only visibility moves with the clock.
        record.listed = record.status === 'post' && record.meta !== undefined && isVisible(record.meta, this.now);
        if (item === undefined && pending === undefined && record.listed === previous.listed) this.#asStored.add(record);
        // With archives a listed record keeps its item; one that was hidden has none, and is read again below.
        let kept: Read | undefined;
        if (!this.#site.archives) kept = { record, stored, ...(item && { storedItem: item }) };
        else if (!record.listed) kept = { record, stored };
        else if (item) kept = { record: { ...record, item }, stored, storedItem: item };
        if (kept) {
          this.report.posts.unchanged++;
          return kept;
        }
      }
      // Threads given the content folder read the post where they parse it; otherwise this thread reads it.
      const fresh = this.work.read
        ? await this.work.read(key, this.now)
        : await readRecord(this.deps.content, key, this.#site, this.now, this.work.record);
      if (!fresh) return undefined;
      const record = keepingPending(fresh, previous, this.now, this.#site);
      const post = postOf(fresh);
      return { record, ...(stored && { stored }), ...(post && { post }) };
    } catch (error) {
      if (error instanceof WorkUnavailableError) throw error;
      this.report.failed.push({ key, error: messageOf(error) });
      // Unreadable now: what the index knew stays, rather than unpublishing the post.
      if (!previous || !stored) return undefined;
      const { item, ...record } = previous;
      // Its item was rendered with another configuration: the post stays listed without it, and pending, so that
      // the retry of its key renders it again.
      if (!this.reuse) return { record: unfinished(record, this.now), stored };
      return { record, stored, keep: true, ...(item && { storedItem: item }) };
    }
  }

  /**
   * The item of a shown post: from the post it was read as, where the steps kept it (this thread, or the worker thread
   * that parsed it), else from its source.
   */
  async itemOfShown(candidate: Candidate): Promise<FeedItem | undefined> {
    const { post } = candidate;
    // Rendered once: the post's text is not held any longer than that.
    delete candidate.post;
    try {
      const item = await this.work.kept(candidate.record, post);
      if (item) return item;
    } catch (error) {
      if (error instanceof WorkUnavailableError) throw error;
      // Reported as a post read again that fails to render would be.
    }
    return this.itemFromSource(candidate.record);
  }

  /**
   * The item of a shown post, from its source read again. A source that changed or went away since
   * it was read gives none: the feed goes without it, and its own event (or the next run) brings it back.
   */
  async itemFromSource(record: PostRecord): Promise<FeedItem | undefined> {
    // Threads given the content folder read the post where they render it; otherwise this thread reads it.
    const rendered = this.work.shown
      ? this.work.shown({ key: record.key, source: record.source })
      : itemFromSource(this.deps.content, record, this.#site, this.work.item);
    const item = await rendered.catch((error: unknown) => {
      if (error instanceof WorkUnavailableError) throw error;
      return null;
    });
    // A post this rebuild could not read in the first place (its record kept as the index knew it) is reported once.
    if (!item && !this.report.failed.some(({ key }) => key === record.key))
      this.report.failed.push({ key: record.key, error: 'changed or unreadable while the rebuild read it' });
    return item ?? undefined;
  }

  /** Writes each feed's list, cut into shards, with its newest items; unchanged shards and manifests are not written again. */
  async writeLists(
    lists: Map<FeedId, Entry[]>,
    shown: Map<string, Candidate>,
    stored: ReadonlySet<string>,
  ): Promise<Map<FeedId, Manifest>> {
    const { state } = this.deps;
    const manifests = new Map<FeedId, Manifest>();
    const archives = this.#site.archives;
    await mapLimit([...lists], IO_CONCURRENCY, async ([feed, entries]) => {
      const { itemsPerFeed } = this.#site;
      const newest = entries.slice(0, itemsPerFeed).map((entry) => ({ entry, item: shown.get(keyOf(entry))?.record.item ?? null }));
      const { manifest, shards } = cutList(entries, newest);
      manifests.set(feed, manifest);
      const key = manifestKey(feed);
      const current = stored.has(key) ? await state.get(key) : null;
      if (archives) {
        // The history as stored: its bounds (cut before, kept) and the deletions still announced.
        const before = current ? (JSON.parse(UTF8.decode(current.body)) as Manifest).archive : undefined;
        const { bounds, pages } = this.history(entries, before, archives);
        const open = pages.length > bounds.length ? pages[pages.length - 1]! : [];
        const listed = new Set(entries.map(keyOf));
        manifest.archive = {
          size: archives.pageSize,
          bounds,
          open: await mapLimit(open, IO_CONCURRENCY, async (entry) => ({ entry, item: await this.storedItem(entry) })),
          deleted: liveTombstones(before?.deleted ?? [], this.now, archives.tombstoneDays, (k) => listed.has(k)),
        };
        this.#pages.set(feed, pages);
      }
      await settleAll(
        shards
          .filter(({ id }) => !stored.has(shardKey(feed, id)))
          .map(({ id, entries: slice }) =>
            // Ids are content hashes: a shard that exists already holds these very entries.
            writeJson(state, shardKey(feed, id), { entries: slice }, null).catch(ignoreExisting),
          ),
      );
      const body = jsonBytes(manifest, this.#itemJson);
      if (!current || !sameBytes(current.body, body)) await overwrite(state, key, body, current?.etag ?? null);
    });
    return manifests;
  }

  async publishFeeds(manifests: Map<FeedId, Manifest>): Promise<void> {
    const { feeds } = this.deps;
    const site = this.#site;
    const live = new Set<string>();
    // Each feed's subscription document, then the archive pages of every feed by the date of their newest post,
    // oldest first (so each feed's in order): the pages showing a post are rendered near each other, and find it
    // read and rendered already (`storedItem`, lib/feeds/rendered-items.ts). One step each. The manifest holds
    // the items of the subscription document and of the open page; the full pages' come from records.
    const subscriptions = [...manifests].map(([feed, manifest]) => {
      const document = subscriptionDocument(site, manifest);
      // Every feed's newest are looked at, rendered or not, so that each build says it again.
      warnDocument(this.report, document.items);
      return { feed, entries: manifest.newest.map(({ entry }) => entry), history: document.history, document: async () => document };
    });
    const pages = [...manifests].flatMap(([feed, manifest]) => {
      const entries = this.#pages.get(feed) ?? [];
      const open = openPageDocument(site, manifest);
      if (open) warnDocument(this.report, open.items);
      const full = entries.length - (open ? 1 : 0);
      const pageAt = async (page: Entry[], i: number): Promise<FeedDocument> => {
        const items = await mapLimit(page, IO_CONCURRENCY, (entry) => this.storedItem(entry));
        const document = pageDocument(
          page,
          items.flatMap((item) => (item ? [item] : [])),
          i + 1,
          entries.length,
        );
        warnDocument(this.report, document.items);
        return document;
      };
      // A page that deletions emptied sorts with the page before it.
      let newest: Entry | undefined;
      return entries.map((page, i) => {
        newest = page[0] ?? newest;
        const history: FeedHistory = { pages: entries.length, page: i + 1 };
        return { feed, newest, entries: page, history, document: i < full ? () => pageAt(page, i) : async () => open! };
      });
    });
    const older = (a: Entry | undefined, b: Entry | undefined) => (a === undefined ? -1 : b === undefined ? 1 : comparePositions(b, a));
    pages.sort((a, b) => older(a.newest, b.newest));
    // A document whose files all name the input it has now is not rendered again (`documentInput`), unless some
    // listed post could not be rendered: its documents go without it, which their entries do not say. Every
    // document's files are looked at first, and the stale ones rendered after: rendering each right after its own
    // HEADs held many documents' bytes at once (bulwark with archives: 1.0 GB peak RSS instead of 0.6 GB).
    const trusted = this.report.failed.length === 0;
    const found = await mapLimit([...subscriptions, ...pages], IO_CONCURRENCY, async (document) => {
      const input = trusted ? documentInput(this.#siteDigest, document.feed, document.entries, document.history) : undefined;
      const stored = documentFiles(site, document.feed, document.history);
      for (const { path } of stored) live.add(path);
      const heads = new Map(await Promise.all(stored.map(async ({ path }) => [path, await feeds.head(path)] as const)));
      if (input !== undefined && stored.every((file) => renderedFrom(heads.get(file.path)!, input, file.contentType, file.cacheControl))) {
        for (const { path } of stored) this.files.note(path, 'unchanged');
        return undefined;
      }
      return { ...document, input, heads };
    });
    const outdated = found.flatMap((document) => (document ? [document] : []));
    await mapLimit(outdated, this.#renderConcurrency, async ({ feed, document, input, heads }) => {
      const files = (await this.work.feed(feed, await document())).map((file) => ({ ...file, input }));
      // A run that started before the lease may write the same file: this rebuild's view wins. A retry looks again.
      let known: typeof heads | undefined = heads;
      await retryOnConflict(async () => {
        const current = known;
        known = undefined;
        await publish(feeds, files, site, this.files, { heads: current });
      });
    });
    // Terms that no longer have published posts, or whose kind the site no longer has, lose their feed files, and
    // feeds their archive pages past the last.
    const stale: string[] = [];
    for (const folder of [...Object.values(TERM_KINDS).map(({ folder }) => folder), 'archive']) {
      for await (const { key } of feeds.list(`${folder}/`)) {
        if (FEED_FILE_NAMES.has(key.slice(key.lastIndexOf('/') + 1)) && !live.has(key)) stale.push(key);
      }
    }
    await mapLimit(stale, IO_CONCURRENCY, async (key) => {
      await feeds.delete(key);
      this.files.note(key, 'deleted');
    });
  }

  /** A feed's list past its newest, in archive pages: cut at the bounds `stored` (the manifest's history) kept. */
  history(entries: readonly Entry[], stored: ArchiveState | undefined, archives: ArchiveConfig): ReturnType<typeof cutHistory> {
    return cutHistory(entries.slice(this.#site.itemsPerFeed), keptBounds(stored, archives), archives.pageSize);
  }

  /** The item of a listed entry as its record keeps it (null: it has none, and the page goes without it). */
  async storedItem(entry: Entry): Promise<FeedItem | null> {
    const key = keyOf(entry);
    const cached = this.#storedItems.get(key);
    if (cached !== undefined) return cached;
    const item = (await readJson<PostRecord>(this.deps.state, recordKey(key)))?.value.item ?? null;
    this.#storedItems.set(key, item, 1 + (item?.html.length ?? 0));
    return item;
  }

  async publishDirectory(catalog: Catalog): Promise<void> {
    const files = directoryFiles(this.#site, summariesOf(catalog, this.#site));
    await retryOnConflict(() => publish(this.deps.feeds, files, this.#site, this.files));
  }

  /**
   * Forgets removed keys, the shards and lists nothing refers to any more (left by crashed or replaced runs),
   * and the markers of runs older than any marker this rebuild kept in a record (`keepingPending`).
   */
  async collectGarbage(
    seen: Set<string>,
    storedRecords: ReadonlySet<string>,
    storedFeedObjects: ReadonlySet<string>,
    manifests: Map<FeedId, Manifest>,
    storedRuns: ReadonlySet<string>,
  ): Promise<void> {
    const { state } = this.deps;
    const garbage: string[] = [];
    for (const key of storedRecords) {
      const contentKey = contentKeyOf(key);
      if (contentKey === null || !seen.has(contentKey)) garbage.push(key);
    }
    for (const key of storedFeedObjects) {
      const parsed = parseFeedKey(key);
      const manifest = parsed && manifests.get(parsed.feed);
      const live = manifest && (parsed.shard === undefined || manifest.shards.some((ref) => ref.id === parsed.shard));
      if (!live) garbage.push(key);
    }
    for (const key of storedRuns) {
      const start = runStartOf(key);
      if (!start || this.now.getTime() - start.getTime() >= MAX_RUN_MS) garbage.push(key);
    }
    await mapLimit(garbage, IO_CONCURRENCY, (key) => state.delete(key));
  }
}

function ignoreExisting(error: unknown): void {
  if (!(error instanceof PreconditionFailedError)) throw error;
}

/**
 * Writes over whatever is there, still conditionally: a concurrent write makes it re-read the ETag and try
 * again, with `merge` of what that write left when given.
 */
async function overwrite(
  state: Storage,
  key: string,
  json: Uint8Array | string,
  etag: string | null,
  merge?: (current: string) => string,
): Promise<void> {
  let over = etag;
  let body = json;
  let conflicted = false;
  await retryOnConflict(async () => {
    // After a refused write: the ETag to write over, and with `merge` what that other write left.
    if (conflicted && merge) {
      const current = await state.get(key);
      over = current?.etag ?? null;
      body = current ? merge(UTF8.decode(current.body)) : json;
    } else if (conflicted) over = (await state.head(key))?.etag ?? null;
    conflicted = true;
    await state.put(key, body, {
      contentType: 'application/json',
      ...(over === null ? { ifNoneMatch: '*' as const } : { ifMatch: over }),
    });
  });
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(a, b) === 0;
}

/** Writes a JSON object unless the stored one holds the same bytes; `exists: false` saves reading a missing one. */
async function overwriteIfChanged(state: Storage, key: string, value: unknown, exists = true): Promise<void> {
  const json = JSON.stringify(value);
  const stored = exists ? await state.get(key) : null;
  if (stored && UTF8.decode(stored.body) === json) return;
  await overwrite(state, key, json, stored?.etag ?? null);
}
