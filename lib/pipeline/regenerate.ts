/**
 * Incremental run: brings the index and the feeds up to date with a few content keys (the keys of S3
 * events, of a watcher, of a retry), plus the posts whose scheduled visibility change has come.
 *
 * Events are hints: each key's object is read again (missing = removed), so duplicates, late and
 * out-of-order deliveries all end in the current content. Work per key does not grow with the site:
 * a record, the newest shard of each of its feeds' lists, each feed's newest items, the catalog.
 *
 * Concurrency (two runs at once, on the same keys or the same feeds) rests on four rules:
 * 1. Every index write is conditional on the version read (If-Match / If-None-Match), and a lost write
 *    re-reads and retries with jittered backoff. A write refused by its own success (its reply was lost
 *    and the SDK sent it again) counts as done (`writeJson`), so retries are spent on real races only.
 * 2. A key's record is committed first, with a `pending` marker naming every place the post may still
 *    occupy. A feed's list is then made to agree with the records as read after its manifest, so the last
 *    committed list reflects the newest record. The marker is cleared only when lists, feeds, schedule and
 *    directory are done: a crash anywhere leaves it, and the retry (a redelivered event) finishes the work.
 * 3. Feeds are rendered from a committed list, and after writing, the run checks that the list's manifest
 *    is still the one it rendered; if another run committed meanwhile, it renders again. So the last
 *    writer of a feed file always rendered the newest list: an older render never stays over a newer
 *    one. Every record change that can alter a feed changes its list (entries carry the source ETag), so
 *    "same manifest" means "same feed". The directory pages do the same against the catalog.
 * 4. A rebuild holds a lease on the index root (short, renewed while it works; lib/index/lease.ts), and
 *    a run that finds no current index reserves it for the rebuild function when there is one, rather
 *    than rebuilding within its own timeout. A run that finds the lease held, or sees the root change under
 *    it, reports its keys as failed so the caller retries them once the rebuild is done. Such a run may
 *    still write a list from its own view after the rebuild has finished (a tag the rebuild never saw),
 *    so the rebuild keeps the pending places of the records it writes over, the ones the run was leaving
 *    and entering; the retry checks them again.
 */
import { randomUUID } from 'node:crypto';
import type { SiteConfig } from '../config.ts';
import { EMPTY_CATALOG, summariesOf, withFeeds, type Catalog } from '../index/catalog.ts';
import { entryOf, feedsOf, type Entry, type Position } from '../index/entries.ts';
import { SITE_FEED, type FeedId } from '../index/feed-id.ts';
import { CATALOG_KEY, isPostKey, manifestKey, recordKey, ROOT_KEY, SCHEDULE_KEY, shardKey } from '../index/layout.ts';
import { IndexBusyError } from '../index/lease.ts';
import { nextChangeOf, pendingAfter, placementsOf, recordOf, sameState, type PostRecord } from '../index/records.ts';
import { isCurrent, leaseHeld, type Root } from '../index/root.ts';
import { dueKeys, EMPTY_SCHEDULE, entryFor, withTimes, type Schedule } from '../index/schedule.ts';
import { applyChange, EMPTY_MANIFEST, newestEntries, shardsToLoad, type ListChange, type Manifest, type Shard } from '../index/shards.ts';
import { readJson, retryOnConflict, StaleReadError, writeJson } from '../index/store.ts';
import type { FeedItem } from '../post/types.ts';
import { PreconditionFailedError } from '../storage/storage.ts';
import { mapLimit, IO_CONCURRENCY, settleAll } from './concurrency.ts';
import { itemFromSource, itemOf } from './items.ts';
import { countPost, directoryFiles, emptyReport, feedDir, feedFiles, FileLog, finishReport, publish, unpublish } from './outputs.ts';
import { rebuild, requestRebuild } from './rebuild.ts';
import { readSource } from './source.ts';
import type { PipelineDeps, RunReport } from './types.ts';

export async function regenerate(deps: PipelineDeps, keys: string[]): Promise<RunReport> {
  const startedAt = performance.now();
  const now = deps.now();
  const requested = [...new Set(keys.filter(isPostKey))].sort();
  try {
    const root = await readJson<Root>(deps.state, ROOT_KEY);
    if (leaseHeld(root?.value, now)) throw new IndexBusyError(root!.value.lease!.until);
    // No index yet, or one built with another configuration or left half-done: only a rebuild can tell.
    // A large site takes longer than this run may: the rebuild function does it when there is one.
    if (!root || !isCurrent(root.value, deps.site)) {
      if (!deps.startRebuild) return await rebuild(deps);
      await requestRebuild(deps, deps.startRebuild);
      throw new RebuildStartedError();
    }
    return await new Run(deps, now, root.etag).execute(requested, startedAt);
  } catch (error) {
    // Nothing could be done for any key (the index root, the schedule or a rebuild failed): retry them all.
    const report = emptyReport();
    const message =
      error instanceof IndexBusyError || error instanceof RebuildStartedError ? `${error.message}: retry later` : (error as Error).message;
    report.failed = requested.map((key) => ({ key, error: message }));
    return finishReport(report, new FileLog(), startedAt);
  }
}

class RebuildStartedError extends Error {
  constructor() {
    super('the index is missing or outdated: the rebuild function was started to build it');
    this.name = 'RebuildStartedError';
  }
}

/** An index object as this run last saw it; `etag` null when it does not exist. */
interface Held<T> {
  value: T;
  etag: string | null;
}

/** A key after its record was brought up to date. */
interface Committed {
  key: string;
  record: PostRecord;
  /** ETag of the stored record; null when there is none (a key never seen, removed). */
  etag: string | null;
}

/** A feed's list as committed (or read), with the shards this run holds in hand. */
interface ListState {
  manifest: Manifest;
  etag: string | null;
  shards: Map<string, Entry[]>;
}

const RENDER_ATTEMPTS = 6;

class Run {
  readonly site: SiteConfig;
  readonly files = new FileLog();
  readonly report = emptyReport();
  readonly failures = new Map<string, string>();
  /** Records read or written by this run, to render items without reading them again. */
  readonly records = new Map<string, PostRecord>();
  readonly renderedItems = new Map<string, FeedItem | null>();

  constructor(
    readonly deps: PipelineDeps,
    readonly now: Date,
    readonly rootEtag: string,
  ) {
    this.site = deps.site;
  }

  fail(keys: Iterable<string>, error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    for (const key of keys) if (!this.failures.has(key)) this.failures.set(key, message);
  }

  async execute(requested: string[], startedAt: number): Promise<RunReport> {
    const { state } = this.deps;
    const schedule = (await readJson<Schedule>(state, SCHEDULE_KEY))?.value ?? EMPTY_SCHEDULE;
    const work = [...new Set([...requested, ...dueKeys(schedule, this.now)])];
    let done = 0;
    this.deps.onProgress?.(0, work.length);
    const committed: Committed[] = [];
    await mapLimit(work, IO_CONCURRENCY, async (key) => {
      try {
        committed.push(await retryOnConflict(() => this.commit(key)));
      } catch (error) {
        this.fail([key], error);
      }
      this.deps.onProgress?.(++done, work.length);
    });

    const dirty = committed.filter(({ record }) => record.pending !== undefined);
    const feedKeys = new Map<FeedId, Set<string>>();
    for (const { key, record } of dirty) {
      for (const placement of placementsOf(record)) {
        for (const feed of placement.feeds) {
          const keys = feedKeys.get(feed) ?? new Set();
          feedKeys.set(feed, keys.add(key));
        }
      }
    }
    const synced: FeedId[] = [];
    await mapLimit([...feedKeys], IO_CONCURRENCY, async ([feed, keys]) => {
      try {
        await this.syncFeed(feed, [...keys]);
        synced.push(feed);
      } catch (error) {
        this.fail(keys, error);
      }
    });

    await this.updateSchedule(schedule, committed);
    if (synced.length > 0) {
      try {
        await this.updateDirectory(synced);
      } catch (error) {
        this.fail(
          dirty.map(({ key }) => key),
          error,
        );
      }
    }
    // A rebuild took the index while this run worked: what it wrote may predate the rebuild's view, so
    // its keys keep their pending markers and are retried.
    try {
      if ((await state.head(ROOT_KEY))?.etag !== this.rootEtag) throw new Error('the index was rebuilt during this run: retry');
    } catch (error) {
      this.fail(work, error);
    }
    await this.clearPending(dirty);

    this.report.posts.read = work.length;
    for (const { key, record } of committed) if (!this.failures.has(key)) countPost(this.report, record, this.now);
    this.report.failed = [...this.failures].map(([key, error]) => ({ key, error }));
    return finishReport(this.report, this.files, startedAt);
  }

  /** Step 1 for one key: its record, from the object as it is now. */
  async commit(key: string): Promise<Committed> {
    const { content, state } = this.deps;
    const [source, stored] = await Promise.all([readSource(content, key, this.site), readJson<PostRecord>(state, recordKey(key))]);
    const parsed = source?.parsed ?? null;
    const next = recordOf(key, source?.etag, parsed, this.now);
    const previous = stored?.value;
    if (previous && sameState(previous, next)) {
      // Nothing new; a pending marker means an earlier run did not finish, and this one will.
      this.records.set(key, previous);
      return { key, record: previous, etag: stored!.etag };
    }
    if (!previous && next.status === 'removed') return { key, record: next, etag: null };
    if (next.listed && parsed?.status === 'post') next.item = itemOf(parsed.post, this.site);
    const pending = pendingAfter(previous);
    if (pending.length > 0 || next.listed) {
      next.pending = pending;
      next.pendingSince = this.now.toISOString();
    }
    const etag = await writeJson(state, recordKey(key), next, stored?.etag ?? null);
    this.records.set(key, next);
    return { key, record: next, etag };
  }

  /** Steps 2 and 3 for one feed: its list agrees with the records of `keys`, then its files with its list. */
  async syncFeed(feed: FeedId, keys: string[]): Promise<void> {
    let list: ListState | undefined = await retryOnConflict(() => this.updateList(feed, keys));
    await retryOnConflict(
      async () => {
        const current = list ?? (await this.readList(feed));
        list = undefined;
        await this.render(feed, current);
        const after = await this.deps.state.head(manifestKey(feed));
        if ((after?.etag ?? null) !== current.etag) throw new StaleReadError(manifestKey(feed));
      },
      { attempts: RENDER_ATTEMPTS },
    );
  }

  async readList(feed: FeedId): Promise<ListState> {
    const stored = await readJson<Manifest>(this.deps.state, manifestKey(feed));
    return { manifest: stored?.value ?? EMPTY_MANIFEST, etag: stored?.etag ?? null, shards: new Map() };
  }

  async updateList(feed: FeedId, keys: string[]): Promise<ListState> {
    const { state } = this.deps;
    const list = await this.readList(feed);
    // Read after the manifest: a record committed later comes with its own list update, which will
    // conflict with this one or follow it.
    const records = await mapLimit(keys, IO_CONCURRENCY, (key) => readJson<PostRecord>(state, recordKey(key)));
    const change: ListChange = { remove: [], insert: [] };
    records.forEach((stored, i) => {
      const key = keys[i]!;
      if (!stored) return;
      const record = stored.value;
      this.records.set(key, record);
      for (const placement of record.pending ?? []) {
        if (placement.feeds.includes(feed)) change.remove.push([placement.date, key] as Position);
      }
      if (record.listed && record.meta && record.source !== undefined) {
        const feeds = feedsOf(record.meta);
        if (feeds.has(feed)) change.insert.push(entryOf(key, record.meta.date, record.source, feeds.get(feed)));
      }
    });
    const { manifest } = list;
    await settleAll(
      shardsToLoad(manifest, change).map(async (index) => {
        const ref = manifest.shards[index]!;
        list.shards.set(ref.id, await this.readShard(feed, ref.id));
      }),
    );
    const update = applyChange(manifest, list.shards, change, randomUUID);
    if (!update) return list;
    await settleAll(update.written.map(({ id, entries }) => writeJson(state, shardKey(feed, id), { entries } satisfies Shard, null)));
    // A failed manifest write leaves its new shards: even a refusal may follow a write of ours that landed
    // (its reply lost) and that another run has since built on. A rebuild collects the true orphans.
    const etag = await writeJson(state, manifestKey(feed), update.manifest, list.etag);
    // Readers still holding the previous manifest find these gone and start again from the new one.
    await Promise.allSettled(update.obsolete.map((id) => state.delete(shardKey(feed, id))));
    const shards = new Map(update.written.map(({ id, entries }) => [id, entries]));
    return { manifest: update.manifest, etag, shards };
  }

  async readShard(feed: FeedId, id: string): Promise<Entry[]> {
    const shard = await readJson<Shard>(this.deps.state, shardKey(feed, id));
    // Replaced by a concurrent run after the manifest was read.
    if (!shard) throw new StaleReadError(manifestKey(feed));
    return shard.value.entries;
  }

  async render(feed: FeedId, list: ListState): Promise<void> {
    const { feeds } = this.deps;
    if (feed !== SITE_FEED && list.manifest.total === 0) {
      await unpublish(feeds, feedDir(feed), this.files);
      return;
    }
    const entries = await newestEntries(
      list.manifest,
      this.site.itemsPerFeed,
      async (ref) => list.shards.get(ref.id) ?? (await this.readShard(feed, ref.id)),
    );
    const items = await mapLimit(entries, IO_CONCURRENCY, (entry) => this.itemFor(entry));
    const shown = items.filter((item): item is FeedItem => item !== null);
    await publish(feeds, feedFiles(this.site, feed, entries[0]?.[3], shown), this.site, this.files);
  }

  /**
   * The item of a listed entry. A record newer than the entry (its run has not updated this list yet)
   * still gives an item; that run will update the list and render the feed again.
   */
  async itemFor(entry: Entry): Promise<FeedItem | null> {
    const [, key, source] = entry;
    let record = this.records.get(key);
    if (!record || record.source !== source || !record.listed) {
      record = (await readJson<PostRecord>(this.deps.state, recordKey(key)))?.value;
      if (!record) return null;
      this.records.set(key, record);
    }
    if (!record.listed || !record.meta) return null;
    if (record.item) return record.item;
    const id = `${key}\n${record.source}`;
    if (!this.renderedItems.has(id)) this.renderedItems.set(id, await itemFromSource(this.deps.content, record, this.site));
    return this.renderedItems.get(id)!;
  }

  /** Keeps the schedule of visibility changes in step with the records of this run's keys. */
  async updateSchedule(schedule: Schedule, committed: Committed[]): Promise<void> {
    const keys = committed.filter(({ key, record }) => entryFor(schedule, key) !== nextChangeOf(record, this.now)).map(({ key }) => key);
    if (keys.length === 0) return;
    const { state } = this.deps;
    try {
      await retryOnConflict(async () => {
        const stored = await readJson<Schedule>(state, SCHEDULE_KEY);
        const records = await mapLimit(keys, IO_CONCURRENCY, (key) => readJson<PostRecord>(state, recordKey(key)));
        const times = new Map(keys.map((key, i) => [key, records[i] ? nextChangeOf(records[i]!.value, this.now) : undefined]));
        const updated = withTimes(stored?.value ?? EMPTY_SCHEDULE, times);
        if (updated) await writeJson(state, SCHEDULE_KEY, updated, stored?.etag ?? null);
      });
    } catch (error) {
      this.fail(keys, error);
    }
  }

  /** Step 4: the catalog follows the changed feeds, and the directory pages follow the catalog. */
  async updateDirectory(feeds: FeedId[]): Promise<void> {
    const { state } = this.deps;
    let current: Held<Catalog> | undefined = await retryOnConflict(async (): Promise<Held<Catalog>> => {
      const stored = await readJson<Catalog>(state, CATALOG_KEY);
      // Manifests read after the catalog: the last catalog commit reflects the newest lists.
      const manifests = await mapLimit(feeds, IO_CONCURRENCY, (feed) => readJson<Manifest>(state, manifestKey(feed)));
      const catalog = stored?.value ?? EMPTY_CATALOG;
      const updated = withFeeds(catalog, new Map(feeds.map((feed, i) => [feed, manifests[i]?.value ?? EMPTY_MANIFEST])));
      if (!updated) return stored ?? { value: catalog, etag: null };
      return { value: updated, etag: await writeJson(state, CATALOG_KEY, updated, stored?.etag ?? null) };
    });
    await retryOnConflict(
      async () => {
        const catalog = current ?? (await readJson<Catalog>(state, CATALOG_KEY)) ?? { value: EMPTY_CATALOG, etag: null };
        current = undefined;
        await publish(this.deps.feeds, directoryFiles(this.site, summariesOf(catalog.value, this.site)), this.site, this.files);
        if (((await state.head(CATALOG_KEY))?.etag ?? null) !== catalog.etag) throw new StaleReadError(CATALOG_KEY);
      },
      { attempts: RENDER_ATTEMPTS },
    );
  }

  /** The work of these keys is done: their records lose the pending marker (unless a newer change replaced them). */
  async clearPending(dirty: Committed[]): Promise<void> {
    await mapLimit(
      dirty.filter(({ key }) => !this.failures.has(key)),
      IO_CONCURRENCY,
      async ({ key, record, etag }) => {
        const { pending: _pending, pendingSince: _since, ...clean } = record;
        try {
          await writeJson(this.deps.state, recordKey(key), clean, etag);
        } catch (error) {
          // A newer change holds the record now, and its run carries the work on.
          if (!(error instanceof PreconditionFailedError)) this.fail([key], error);
        }
      },
    );
  }
}
