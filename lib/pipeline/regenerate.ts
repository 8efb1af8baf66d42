/**
 * Incremental run: brings the index and the feeds up to date with a few content keys (the keys of S3
 * events, of a watcher, of a retry), plus the posts whose scheduled visibility change has come.
 *
 * Events are hints: each key's object is read again (missing = removed), so duplicates, late and
 * out-of-order deliveries all end in the current content. Work per key does not grow with the site, and
 * a batch shares the per-feed work: per key its object, its record (created without a read when new) and
 * one read of the record after the lists; per feed its manifest, the shards a change falls in, and the
 * feed files whose bytes change (docs/architecture.md has the counts).
 *
 * Concurrency (two runs at once, on the same keys or the same feeds) rests on four rules:
 * 1. Every index write is conditional on the version read (If-Match / If-None-Match), and a lost write
 *    re-reads and retries with jittered backoff. A write refused by its own success (its reply was lost
 *    and the SDK sent it again) counts as done (`writeJson`), so retries are spent on real races only.
 *    A record is written from content read after the stored record was (or where none was): never older
 *    than what it replaces.
 * 2. A key's record is committed first, with a `pending` marker naming this run and every place the post
 *    may still occupy. A feed's list is then made to agree with the records as read after its manifest
 *    (all of a run's manifests are read first, then each record once for all of them), so the last
 *    committed list reflects the newest record. The marker is cleared only when lists, feeds, schedule and
 *    directory are done, by one `runs/<id>.json` naming the finished keys (a marker whose run names its key
 *    is clear): a crash anywhere leaves it, and the retry (a redelivered event) finishes the work.
 * 3. Feeds are rendered from a committed list, whose manifest carries the newest items, and after writing,
 *    the run checks that the list's manifest is still the one it rendered; if another run committed
 *    meanwhile, it renders again. So the last writer of a feed file always rendered the newest list: an
 *    older render never stays over a newer one. Every record change that can alter a feed changes its list
 *    (entries carry the source ETag), so "same manifest" means "same feed". A run that changed a list
 *    writes only the files whose bytes differ from the rendering of the manifest it replaced, without a
 *    HEAD, and nothing when the newest items are the same: the files of that manifest were its own
 *    committer's to write, and that run's keys stay pending until it has. A run that finds its change
 *    already made, in whole or in part (another run read its records and listed them), or a key left pending
 *    by another run, may be finishing such work: it compares with the stored files instead (a HEAD each),
 *    and checks the directory. The directory pages do the same against the catalog, which changes only when
 *    a feed appears, disappears or is renamed: the run that makes such a change updates it, reading the
 *    manifests after the catalog.
 * 4. A rebuild holds a lease on the index root (short, renewed while it works; lib/index/lease.ts), and
 *    a run that finds no current index reserves it for the rebuild function when there is one, rather
 *    than rebuilding within its own timeout. A run that finds the lease held, or sees the root change under
 *    it, reports its keys as failed so the caller retries them once the rebuild is done. Such a run may
 *    still write a list from its own view after the rebuild has finished (a tag the rebuild never saw),
 *    so the rebuild keeps the pending places of the records it writes over, the ones the run was leaving
 *    and entering; the retry checks them again.
 */
import { HeraldError, messageOf } from '../errors.ts';
import { randomUUID } from 'node:crypto';
import type { SiteConfig } from '../config.ts';
import type { RenderedFile } from '../feeds/types.ts';
import {
  type ArchiveState,
  EMPTY_ARCHIVE,
  keptBounds,
  keysOf,
  liveTombstones,
  noting,
  notingReshaped,
  pageCount,
  pageOf,
  sameArchive,
  sealOpen,
  tombstoneExpiry,
  type Tombstone,
  withTombstone,
} from '../index/archive.ts';
import { catalogChanged, EMPTY_CATALOG, summariesOf, withFeeds, type Catalog } from '../index/catalog.ts';
import { comparePositions, entryOf, feedsOf, type Entry, type Placement, type Position, keyOf, sourceOf } from '../index/entries.ts';
import { SITE_FEED, type FeedId } from '../index/feed-id.ts';
import { CATALOG_KEY, isPostKey, manifestKey, recordKey, ROOT_KEY, runId, runKey, SCHEDULE_KEY, shardKey } from '../index/layout.ts';
import { IndexBusyError } from '../index/lease.ts';
import { type NewestItem, newestItems, sameNewest, touchesNewest } from '../index/newest.ts';
import {
  cleared,
  markerLapsed,
  MAX_RUN_MS,
  nextChangeOf,
  pendingAfter,
  placementsOf,
  sameState,
  type PostRecord,
  type RunDone,
} from '../index/records.ts';
import { isCurrent, leaseHeld, type Root, siteFingerprint } from '../index/root.ts';
import { dueKeys, EMPTY_SCHEDULE, entryFor, feedOfTombstoneKey, tombstoneKey, withTimes, type Schedule } from '../index/schedule.ts';
import {
  applyChange,
  EMPTY_MANIFEST,
  entriesFromTop,
  entriesBetween,
  newestEntries,
  partlyMade,
  shardsToLoad,
  type ListChange,
  type Manifest,
  type Shard,
  type ShardRef,
} from '../index/shards.ts';
import { readJson, retryOnConflict, StaleReadError, writeJson, type Versioned } from '../index/store.ts';
import { itemId } from '../post/item-id.ts';
import type { FeedItem } from '../post/types.ts';
import { PreconditionFailedError } from '../storage/storage.ts';
import { mapLimit, IO_CONCURRENCY, settleAll } from './concurrency.ts';
import { itemFromSource, recordWithItem } from './items.ts';
import {
  countPost,
  directoryFiles,
  documentInput,
  emptyReport,
  feedDir,
  type FeedDocument,
  feedFiles,
  openPageDocument,
  pageDocument,
  FileLog,
  finishReport,
  publish,
  subscriptionDocument,
  unpublish,
  unpublishPages,
  warnDocument,
} from './outputs.ts';
import { rebuild, requestRebuild } from './rebuild.ts';
import { readSource, type Source } from './source.ts';
import type { PipelineDeps, RunReport } from './types.ts';
import { allStored } from '../publish.ts';

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
      error instanceof IndexBusyError || error instanceof RebuildStartedError ? `${error.message}: retry later` : messageOf(error);
    report.failed = requested.map((key) => ({ key, error: message }));
    return finishReport(report, new FileLog(), startedAt);
  }
}

class RebuildStartedError extends HeraldError {
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

/** A list after this run's change: `replaced` is the manifest it committed over, absent when nothing changed. */
interface ListUpdate {
  list: ListState;
  replaced?: Manifest;
}

/** Every list of a run and then every record of its keys, each read once for all feeds (the first attempt). */
interface Prefetched {
  lists: Map<FeedId, ListState>;
  records: Map<string, Versioned<PostRecord> | null>;
}

const RENDER_ATTEMPTS = 6;

class Run {
  readonly site: SiteConfig;
  /** The configuration's fingerprint, part of every document's input. */
  readonly siteDigest: string;
  readonly id: string;
  readonly files = new FileLog();
  readonly report = emptyReport();
  readonly failures = new Map<string, string>();
  /** Records read or written by this run, to render items without reading them again. */
  readonly records = new Map<string, PostRecord>();
  readonly renderedItems = new Map<string, FeedItem | null>();
  /** Feeds where an earlier run left its work unfinished (a pending marker): rendered in full, directory checked. */
  readonly unfinished = new Set<FeedId>();
  /** When the earliest run whose unfinished work this one finishes in a feed started (its marker's `pendingSince`). */
  readonly unfinishedSince = new Map<FeedId, string>();
  /** Feeds whose line in the catalog may have changed. */
  readonly directory = new Set<FeedId>();
  /** Some feed's work was already done by an earlier run that may not have finished it: the directory pages too. */
  repairDirectory = false;
  readonly finishedRuns = new Map<string, Promise<Set<string>>>();
  /** Archive pages below the open one whose items this run's changes reach, by feed: rendered from records. */
  readonly pages = new Map<FeedId, Set<number>>();
  /** The first page a run's change closed, by feed. */
  readonly closed = new Map<FeedId, number>();
  /** Items seen in manifests this run read, by key and source: a page closed or rendered here reads no record for them. */
  readonly knownItems = new Map<string, FeedItem>();
  /** Feeds whose announced deletions changed, or whose oldest one was due to go: their schedule entry is set again. */
  readonly tombstoneFeeds = new Set<FeedId>();
  /** The keys whose deletion this run announced: retried if its end cannot be scheduled. */
  readonly tombstoneKeys = new Set<string>();

  constructor(
    readonly deps: PipelineDeps,
    readonly now: Date,
    readonly rootEtag: string,
  ) {
    this.site = deps.site;
    this.siteDigest = siteFingerprint(deps.site);
    this.id = runId(now, randomUUID());
  }

  fail(keys: Iterable<string>, error: unknown): void {
    const message = messageOf(error);
    for (const key of keys) if (!this.failures.has(key)) this.failures.set(key, message);
  }

  async execute(requested: string[], startedAt: number): Promise<RunReport> {
    const { state } = this.deps;
    const schedule = (await readJson<Schedule>(state, SCHEDULE_KEY))?.value ?? EMPTY_SCHEDULE;
    const due = dueKeys(schedule, this.now);
    const work = [...new Set([...requested, ...due.filter(isPostKey)])];
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
      for (const placement of placementsOf(record, this.site)) {
        for (const feed of placement.feeds) {
          const keys = feedKeys.get(feed) ?? new Set();
          feedKeys.set(feed, keys.add(key));
        }
      }
    }
    // A feed whose oldest announced deletion has run its time is rendered without it.
    for (const key of due) {
      const feed = feedOfTombstoneKey(key);
      if (feed === null) continue;
      this.tombstoneFeeds.add(feed);
      if (!feedKeys.has(feed)) feedKeys.set(feed, new Set());
    }
    const prefetched = await this.prefetch(
      [...feedKeys.keys()],
      dirty.map(({ key }) => key),
    ).catch(() => undefined);
    await mapLimit([...feedKeys], IO_CONCURRENCY, async ([feed, keys]) => {
      try {
        await this.syncFeed(feed, [...keys], prefetched);
      } catch (error) {
        this.fail(keys, error);
        // With no key to retry, the schedule keeps its entry as due: the next run (a tick) does the feed again.
        this.tombstoneFeeds.delete(feed);
      }
    });

    await this.updateSchedule(schedule, committed);
    if (this.directory.size > 0) {
      try {
        await this.updateDirectory([...this.directory].sort());
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

  /** Rule 2's first half for one key: its record, from the object as it is now, committed with its pending marker. */
  async commit(key: string): Promise<Committed> {
    const { state } = this.deps;
    let source = await readSource(this.deps.content, key, this.site);
    // A key seen for the first time (most uploads) is written where nothing is, without a read first.
    if (source) {
      const created = await this.create(key, this.marked(this.recordFrom(key, source), []));
      if (created) return created;
    }
    const stored = await readJson<PostRecord>(state, recordKey(key));
    // A record built from other bytes than those read may come from a newer upload than that read saw: the
    // content is read again after the record, so what is written is never older than what it replaces.
    if ((stored?.value.source ?? '') !== (source?.etag ?? '')) source = await readSource(this.deps.content, key, this.site);
    const next = this.recordFrom(key, source);
    const previous = stored ? await this.resolved(stored.value) : undefined;
    // An earlier run's work on this key is unfinished: its feeds may hold any older render, so this run
    // writes them in full and checks the directory.
    if (previous?.pending !== undefined)
      for (const placement of placementsOf(previous, this.site))
        for (const feed of placement.feeds) {
          this.unfinished.add(feed);
          if (previous.pendingSince !== undefined)
            this.unfinishedSince.set(feed, earliest(this.unfinishedSince.get(feed), previous.pendingSince));
        }
    // With archives every listed record keeps its item; one without (a rebuild could not render it) is made again.
    const incomplete = this.site.archives !== undefined && previous?.listed === true && previous.item === undefined;
    // A rebuild that could not read the post kept its record as the index knew it (`unfinished`: a marker naming no
    // run), made under the configuration before, perhaps: its feeds (the site author's, a term spelt otherwise) are
    // what that configuration said. So it is made again from the content, even with the same bytes.
    const kept = previous?.pending !== undefined && previous.pendingRun === undefined;
    if (previous && sameState(previous, next) && !incomplete && !kept) {
      // Nothing new; a pending marker means an earlier run did not finish, and this one will.
      this.records.set(key, previous);
      return { key, record: previous, etag: stored!.etag };
    }
    if (!previous && next.status === 'removed') return { key, record: next, etag: null };
    const record = this.marked(next, pendingAfter(previous, this.site));
    const etag = await writeJson(state, recordKey(key), record, stored?.etag ?? null);
    this.records.set(key, record);
    return { key, record, etag };
  }

  recordFrom(key: string, source: Source | null): PostRecord {
    return recordWithItem(key, source?.etag, source?.parsed ?? null, this.now, this.site);
  }

  /** `record` with this run's pending marker when it has places to update (or to leave); as it is otherwise. */
  marked(record: PostRecord, pending: Placement[]): PostRecord {
    const { pending: _pending, pendingSince: _since, pendingRun: _run, ...clean } = record;
    if (pending.length === 0 && !record.listed) return clean;
    return { ...clean, pending, pendingSince: this.now.toISOString(), pendingRun: this.id };
  }

  /** Writes a record where none is; null when one exists. */
  async create(key: string, record: PostRecord): Promise<Committed | null> {
    try {
      const { etag } = await this.deps.state.put(recordKey(key), JSON.stringify(record), {
        contentType: 'application/json',
        ifNoneMatch: '*',
      });
      this.records.set(key, record);
      return { key, record, etag };
    } catch (error) {
      // One exists, or this very write landed and its reply was lost: the read that follows finds it with
      // this run's marker, still pending, and carries on as for any unfinished record.
      if (error instanceof PreconditionFailedError) return null;
      throw error;
    }
  }

  /** The record as it stands: a pending marker whose run has finished this key counts as cleared. */
  async resolved(record: PostRecord): Promise<PostRecord> {
    const run = record.pendingRun;
    if (record.pending === undefined || run === undefined || run === this.id) return record;
    let finished = this.finishedRuns.get(run);
    if (!finished) {
      finished = readJson<RunDone>(this.deps.state, runKey(run)).then((stored) => new Set(stored?.value.keys));
      this.finishedRuns.set(run, finished);
    }
    return (await finished).has(record.key) ? cleared(record) : record;
  }

  async prefetch(feeds: FeedId[], keys: string[]): Promise<Prefetched> {
    const lists = await mapLimit(feeds, IO_CONCURRENCY, (feed) => this.readList(feed));
    // After every manifest, as rule 2 asks of each list.
    const records = await mapLimit(keys, IO_CONCURRENCY, (key) => readJson<PostRecord>(this.deps.state, recordKey(key)));
    return { lists: new Map(feeds.map((feed, i) => [feed, lists[i]!])), records: new Map(keys.map((key, i) => [key, records[i]!])) };
  }

  /** Rules 2 and 3 for one feed: its list agrees with the records of `keys`, then its files with its list. */
  async syncFeed(feed: FeedId, keys: string[], prefetched: Prefetched | undefined): Promise<void> {
    let first = prefetched;
    const update = await retryOnConflict(() => {
      const given = first;
      first = undefined;
      return this.updateList(feed, keys, given);
    });
    // A change that made no difference here was already made by an earlier run, which may not have finished
    // (a retry): this run writes the files in full, as that run would have. Otherwise it writes the files
    // whose bytes its change altered, which its pending marker guards until they are written.
    let replaced = this.unfinished.has(feed) ? undefined : update.replaced;
    if (!replaced) this.repairDirectory = true;
    if (!replaced || catalogChanged(feed, replaced, update.list.manifest)) this.directory.add(feed);
    const current = update.list.manifest;
    if (
      replaced &&
      sameNewest(replaced.newest, current.newest) &&
      sameArchive(replaced.archive, current.archive) &&
      !this.pages.get(feed)?.size
    )
      return;
    let list: ListState | undefined = update.list;
    await retryOnConflict(
      async () => {
        const current = list ?? (await this.readList(feed));
        const previous = replaced;
        list = undefined;
        // Another run's list came in between: what stands in the files is unknown, so in full from now on.
        replaced = undefined;
        await this.render(feed, current.manifest, previous);
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

  async updateList(feed: FeedId, keys: string[], prefetched: Prefetched | undefined): Promise<ListUpdate> {
    const { state } = this.deps;
    const list = prefetched?.lists.get(feed) ?? (await this.readList(feed));
    // Read after the manifest: a record committed later comes with its own list update, which will
    // conflict with this one or follow it.
    const records = prefetched
      ? keys.map((key) => prefetched.records.get(key) ?? null)
      : await mapLimit(keys, IO_CONCURRENCY, (key) => readJson<PostRecord>(state, recordKey(key)));
    const change: ListChange = { remove: [], insert: [] };
    const leaving: Tombstone[] = [];
    const nowIso = this.now.toISOString();
    records.forEach((stored, i) => {
      const key = keys[i]!;
      if (!stored) return;
      const record = stored.value;
      this.records.set(key, record);
      for (const placement of record.pending ?? []) {
        if (!placement.feeds.includes(feed)) continue;
        change.remove.push([placement.date, key] as Position);
        // Deleted or unpublished (not moved elsewhere): announced where it was.
        // Only an id made from the key: a declared id or a URL may come back under another file (a move), and
        // a reader told it was deleted would drop the entry that still stands.
        if (!record.listed && placement.id === itemId(key)) leaving.push([nowIso, placement.id, key]);
      }
      if (record.listed && record.meta && record.source !== undefined) {
        const feeds = feedsOf(record.meta, this.site);
        if (feeds.has(feed)) change.insert.push(entryOf(key, record.meta.date, record.source, feeds.get(feed)));
      }
    });
    const { manifest } = list;
    // A newest entry without its item, of a key this run is on, is filled in again: a rebuild that could not
    // read the post for its item leaves it so, with the record pending, for the retry of its key.
    const touched = new Set([...change.remove, ...change.insert].map(keyOf));
    const known = manifest.newest.filter(({ entry, item }) => item !== null || !touched.has(keyOf(entry)));
    await settleAll(
      shardsToLoad(manifest, change).map(async (index) => {
        const ref = manifest.shards[index]!;
        list.shards.set(ref.id, await this.readShard(feed, ref.id));
      }),
    );
    const update = applyChange(manifest, list.shards, change, randomUUID);
    const madeElsewhere = update !== null && partlyMade(manifest, list.shards, change);
    const { itemsPerFeed } = this.site;
    const loaded = new Map([...list.shards, ...(update?.written ?? []).map(({ id, entries }) => [id, entries] as const)]);
    const load = async (ref: ShardRef) => loaded.get(ref.id) ?? (await this.readShard(feed, ref.id));
    if (update && touchesNewest(manifest.newest, change, itemsPerFeed)) {
      const entries = await newestEntries(update.manifest, itemsPerFeed, load);
      update.manifest.newest = await newestItems(entries, known, (entry) => this.itemFor(entry));
    }
    const next: Manifest = update?.manifest ?? manifest;
    const archive = this.site.archives && (await this.updateHistory(feed, manifest, next, change, leaving, load));
    const archiveChanged = archive !== undefined && !sameArchive(archive, manifest.archive);
    // The list read stays as it was read: it is what this run's files are compared with.
    if (archive && update) update.manifest.archive = archive;
    if (!update) {
      if (touched.size === 0 && !archiveChanged) return { list };
      // Nothing to change, but an older view of these keys may be on its way to this list: a new version
      // makes its conditional write fail, and its retry reads the records as they are now.
      const fenced: Manifest = {
        ...manifest,
        ...(archive && { archive }),
        ...(touched.size > 0 && { version: (manifest.version ?? 0) + 1 }),
      };
      if (known.length < manifest.newest.length)
        fenced.newest = await newestItems(
          manifest.newest.map(({ entry }) => entry),
          known,
          (entry) => this.itemFor(entry),
        );
      const etag = await writeJson(state, manifestKey(feed), fenced, list.etag);
      // Only announced deletions changed (one ran its time): this run's own change, rendered against the manifest it replaced.
      return touched.size === 0
        ? { list: { manifest: fenced, etag, shards: list.shards }, replaced: manifest }
        : { list: { manifest: fenced, etag, shards: list.shards } };
    }
    await settleAll(update.written.map(({ id, entries }) => writeJson(state, shardKey(feed, id), { entries } satisfies Shard, null)));
    // A failed manifest write leaves its new shards: even a refusal may follow a write of ours that landed
    // (its reply lost) and that another run has since built on. A rebuild collects the true orphans.
    const etag = await writeJson(state, manifestKey(feed), update.manifest, list.etag);
    // Readers still holding the previous manifest find these gone and start again from the new one.
    await Promise.allSettled(update.obsolete.map((id) => state.delete(shardKey(feed, id))));
    const shards = new Map(update.written.map(({ id, entries }) => [id, entries]));
    const updated: ListState = { manifest: update.manifest, etag, shards };
    // Part of this change was made by another run that read these records, whose files (a page it closed) this
    // run's markers guard: what stands in them is unknown, as when the whole change was made already.
    return madeElsewhere ? { list: updated } : { list: updated, replaced: manifest };
  }

  /**
   * The feed's history after this change (`next`: the list as changed, with its newest): the open page follows the
   * top of the list, full pages close, deletions are announced, and the pages below the open one that the change
   * reaches are noted for rendering from records.
   */
  async updateHistory(
    feed: FeedId,
    manifest: Manifest,
    next: Manifest,
    change: ListChange,
    leaving: Tombstone[],
    load: (ref: ShardRef) => Promise<Entry[]>,
  ): Promise<ArchiveState> {
    const config = this.site.archives!;
    const before = manifest.archive ?? EMPTY_ARCHIVE;
    for (const { entry, item } of [...manifest.newest, ...before.open]) if (item) this.knownItems.set(itemKey(entry), item);
    const bounds = keptBounds(before, config);
    const last = bounds.at(-1);
    const { itemsPerFeed } = this.site;
    const positions = [...change.remove, ...change.insert];
    const touched = new Set(positions.map(keyOf));
    // An item found missing (its record, newer, was not listed then) is looked for again when its key comes by: the
    // post may be back with the very same bytes, when its entry, unchanged, changes no list.
    const known = [...before.open, ...manifest.newest].filter(({ entry, item }) => item !== null || !touched.has(keyOf(entry)));
    const missing = before.open.some(({ entry, item }) => item === null && touched.has(keyOf(entry)));
    let open = before.open;
    // The open page lies right under the newest: a change at the top, or past the last bound, may move it.
    if (
      missing ||
      (next !== manifest &&
        (last === undefined ||
          touchesNewest(manifest.newest, change, itemsPerFeed) ||
          positions.some((p) => comparePositions(p, last) < 0)))
    ) {
      const top = await entriesFromTop(
        next,
        (entry, index) => index < itemsPerFeed || last === undefined || comparePositions(entry, last) < 0,
        load,
      );
      open = await newestItems(top.slice(itemsPerFeed), known, (entry) => this.itemFor(entry));
    }
    const archived = next.total - next.newest.length;
    const at = this.now.toISOString();
    const sealed = sealOpen({ ...before, bounds, open }, config.pageSize, archived, at);
    const archive = notingReshaped(sealed.archive, pageCount(before), at);
    const { closed } = sealed;

    let deleted = before.deleted;
    for (const tombstone of leaving) deleted = withTombstone(deleted, tombstone);
    const inserted = new Set(change.insert.map(keyOf));
    deleted = liveTombstones(deleted, this.now, config.tombstoneDays, (key) => inserted.has(key));
    // Also when the deletion was announced already (by this key's earlier run, which may not have scheduled its end).
    if (leaving.length > 0 || JSON.stringify(deleted) !== JSON.stringify(before.deleted)) this.tombstoneFeeds.add(feed);
    for (const [, , key] of leaving) this.tombstoneKeys.add(key);
    archive.deleted = deleted;

    // Pages below the open one whose items change: where this change's posts were and are, where posts crossed
    // the newest's edge (either way), and the pages that just closed.
    const pages = this.pages.get(feed) ?? new Set<number>();
    const crossed = [...symmetricDifference(manifest.newest, next.newest)];
    for (const position of [...positions, ...crossed]) {
      const page = pageOf(archive.bounds, position);
      if (page <= archive.bounds.length) pages.add(page);
    }
    for (const { page, items } of closed) {
      this.closed.set(feed, Math.min(page, this.closed.get(feed) ?? page));
      for (const { entry, item } of items) if (item) this.knownItems.set(itemKey(entry), item);
    }
    this.pages.set(feed, pages);
    // A run finishing this one, should it stop before writing them, learns them from the list: its own change may
    // no longer reach them (a post pushed down from the newest is no key of its).
    return noting(archive, pages, at);
  }

  async readShard(feed: FeedId, id: string): Promise<Entry[]> {
    const shard = await readJson<Shard>(this.deps.state, shardKey(feed, id));
    // Replaced by a concurrent run after the manifest was read.
    if (!shard) throw new StaleReadError(manifestKey(feed));
    return shard.value.entries;
  }

  /**
   * A feed's files from its list: the subscription document and the open archive page from the manifest, compared
   * with their rendering from `previous` when given, else with what is stored; then the pages below the open one
   * that this run's changes reached, rendered from records and compared with what is stored.
   */
  async render(feed: FeedId, manifest: Manifest, previous: Manifest | undefined): Promise<void> {
    const { feeds } = this.deps;
    const dir = feedDir(feed);
    if (feed !== SITE_FEED && manifest.total === 0) {
      await unpublish(feeds, dir, this.files);
      if (this.site.archives) await unpublishPages(feeds, dir, 1, this.files);
      return;
    }
    // Rendered as the stored files were, to tell which changed: no input, and nothing of it reported.
    const before =
      previous &&
      (feed !== SITE_FEED && previous.total === 0
        ? []
        : documentsOf(this.site, previous).flatMap(({ document }) => feedFiles(this.site, feed, document)));
    const files = documentsOf(this.site, manifest).flatMap(({ document, entries }) => this.documentFiles(feed, document, entries));
    await publish(feeds, files, this.site, this.files, { previous: before });
    if (!this.site.archives) return;
    const archive = manifest.archive ?? EMPTY_ARCHIVE;
    const pages = pageCount(archive);
    const earlier = previous ? pageCount(previous.archive ?? EMPTY_ARCHIVE) : undefined;
    const full = archive.bounds.length;
    // The newest full pages from the first this run closed, or from the newest before if that gained or lost a newer
    // neighbour (its links change), are written oldest first, one page at a time, after every other page: a run that
    // stops part-way leaves the ones it did not write on top, where the run finishing its work looks for them.
    let top = Math.min(
      this.closed.get(feed) ?? Number.POSITIVE_INFINITY,
      earlier !== undefined && earlier !== pages ? Math.min(earlier, pages) : Number.POSITIVE_INFINITY,
    );
    top = Math.max(1, top);
    const reached = [...(this.pages.get(feed) ?? [])].filter((page) => page < top && page <= full);
    if (earlier === undefined || earlier > pages) await unpublishPages(feeds, dir, pages + 1, this.files, earlier);
    const pageFiles = async (page: number) => {
      const { entries, items } = await this.pageItems(feed, manifest, page);
      return this.documentFiles(feed, pageDocument(entries, items, page, pages), entries);
    };
    const write = (files: RenderedFile[]) => publish(feeds, files, this.site, this.files);
    await mapLimit(reached, IO_CONCURRENCY, async (page) => write(await pageFiles(page)));
    for (let page = top; page <= full; page++) await write(await pageFiles(page));
    if (earlier !== undefined) return;
    // Finishing a run whose replaced manifest is unknown: what it left unwritten is on top (it wrote them oldest
    // first), down to the first page that is as it should be. They are found first, then written oldest first in turn,
    // so that a run stopping here too leaves them on top for the next.
    const stale = new Map<number, RenderedFile[]>();
    const looked = new Set(reached);
    for (let page = Math.min(top - 1, full); page >= 1; page--) {
      if (looked.has(page)) continue;
      looked.add(page);
      const files = await pageFiles(page);
      if (await allStored(feeds, files, this.site.cacheControl)) break;
      stale.set(page, files);
    }
    // Pages closed since the run whose work this one finishes started, which pages others closed later may hide from
    // the look above; and since any run still writing can have started (another run listed part of this one's change).
    const since = earliest(this.unfinishedSince.get(feed), new Date(this.now.getTime() - MAX_RUN_MS).toISOString());
    for (const [page, at] of archive.closings ?? []) {
      if (at < since || page >= top || looked.has(page)) continue;
      looked.add(page);
      const files = await pageFiles(page);
      if (!(await allStored(feeds, files, this.site.cacheControl))) stale.set(page, files);
    }
    for (const page of [...stale.keys()].sort((a, b) => a - b)) await write(stale.get(page)!);
  }

  /**
   * A document's files, what its items warn of reported (`warnDocument`). When it shows an item for each of its
   * `entries`, they name the input they were rendered from (`documentInput`), as a rebuild's do: the next rebuild
   * then need not render them again.
   */
  documentFiles(feed: FeedId, document: FeedDocument, entries: readonly Entry[]): RenderedFile[] {
    warnDocument(this.report, document.items);
    const files = feedFiles(this.site, feed, document);
    if (document.items.length === entries.length) {
      const input = documentInput(this.siteDigest, feed, entries, document.history);
      for (const file of files) file.input = input;
    }
    return files;
  }

  /** The items of a page below the open one: its entries from the list's shards, their items from records. */
  async pageItems(feed: FeedId, manifest: Manifest, page: number): Promise<{ entries: Entry[]; items: FeedItem[] }> {
    const { bounds } = manifest.archive!;
    const newest = keysOf(manifest.newest);
    const between = await entriesBetween(manifest, bounds[page - 2], bounds[page - 1]!, (ref) => this.readShard(feed, ref.id));
    const entries = between.filter((entry) => !newest.has(keyOf(entry)));
    const items = await mapLimit(entries, IO_CONCURRENCY, (entry) => this.itemFor(entry));
    return { entries, items: items.flatMap((item) => (item ? [item] : [])) };
  }

  /**
   * The item of an entry joining a feed's newest. A record newer than the entry (its run has not updated
   * this list yet) still gives an item; that run will update the list, and with it the item.
   */
  async itemFor(entry: Entry): Promise<FeedItem | null> {
    const key = keyOf(entry);
    const source = sourceOf(entry);
    const seen = this.knownItems.get(itemKey(entry));
    if (seen) return seen;
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
    const feeds = [...this.tombstoneFeeds].sort();
    if (keys.length === 0 && feeds.length === 0) return;
    const { state } = this.deps;
    const days = this.site.archives?.tombstoneDays ?? 0;
    try {
      await retryOnConflict(async () => {
        const stored = await readJson<Schedule>(state, SCHEDULE_KEY);
        // Read after the schedule, as the records are: the last schedule written reflects the newest of each.
        const records = await mapLimit(keys, IO_CONCURRENCY, (key) => readJson<PostRecord>(state, recordKey(key)));
        const manifests = await mapLimit(feeds, IO_CONCURRENCY, (feed) => readJson<Manifest>(state, manifestKey(feed)));
        const times = new Map(keys.map((key, i) => [key, records[i] ? nextChangeOf(records[i]!.value, this.now) : undefined]));
        for (const [i, feed] of feeds.entries())
          times.set(tombstoneKey(feed), tombstoneExpiry(manifests[i]?.value.archive?.deleted ?? [], days));
        const updated = withTimes(stored?.value ?? EMPTY_SCHEDULE, times);
        if (updated) await writeJson(state, SCHEDULE_KEY, updated, stored?.etag ?? null);
      });
    } catch (error) {
      this.fail([...keys, ...this.tombstoneKeys], error);
    }
  }

  /**
   * The directory (rule 3's last sentence), for the feeds whose line in the catalog may have changed: the catalog follows their lists, and
   * the directory pages follow the catalog. A catalog that already agrees was written by a run that
   * publishes the pages from it (and keeps its keys pending until it has), unless this run is finishing
   * such work (`repairDirectory`).
   */
  async updateDirectory(feeds: FeedId[]): Promise<void> {
    const { state } = this.deps;
    let current: Held<Catalog> | null | undefined = await retryOnConflict(async (): Promise<Held<Catalog> | null> => {
      const stored = await readJson<Catalog>(state, CATALOG_KEY);
      // Manifests read after the catalog: the last catalog commit reflects the newest lists.
      const manifests = await mapLimit(feeds, IO_CONCURRENCY, (feed) => readJson<Manifest>(state, manifestKey(feed)));
      const catalog = stored?.value ?? EMPTY_CATALOG;
      const updated = withFeeds(catalog, new Map(feeds.map((feed, i) => [feed, manifests[i]?.value ?? EMPTY_MANIFEST])));
      if (!updated) return this.repairDirectory ? (stored ?? { value: catalog, etag: null }) : null;
      return { value: updated, etag: await writeJson(state, CATALOG_KEY, updated, stored?.etag ?? null) };
    });
    if (current === null) return;
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

  /**
   * The work of these keys is done. Those this run marked are named in one object for the run, which
   * clears their markers for every later reader; a marker of an earlier run this one finished is cleared
   * in its record (unless a newer change replaced it).
   */
  async clearPending(dirty: Committed[]): Promise<void> {
    const finished = dirty.filter(({ key }) => !this.failures.has(key));
    const mine = finished.filter(({ record }) => record.pendingRun === this.id).map(({ key }) => key);
    if (mine.length > 0) {
      try {
        await writeJson(this.deps.state, runKey(this.id), { keys: mine.sort() } satisfies RunDone, null);
      } catch (error) {
        this.fail(mine, error);
      }
    }
    // Another run's marker is cleared only once that run can no longer be writing (or when no run set it: a rebuild's):
    // a run that finds its render outdated renders again, and if that fails, its retry must still find the marker,
    // or an older render it wrote after this run's would stay.
    const over = (record: PostRecord) => record.pendingRun === undefined || markerLapsed(record.pendingSince ?? '', this.now);
    await mapLimit(
      finished.filter(({ record }) => record.pendingRun !== this.id && over(record)),
      IO_CONCURRENCY,
      async ({ key, record, etag }) => {
        try {
          await writeJson(this.deps.state, recordKey(key), cleared(record), etag);
        } catch (error) {
          // A newer change holds the record now, and its run carries the work on.
          if (!(error instanceof PreconditionFailedError)) this.fail([key], error);
        }
      },
    );
  }
}

/** The earlier of two instants (ISO UTC, which sort as text); `b` when `a` is absent. */
function earliest(a: string | undefined, b: string): string {
  return a !== undefined && a < b ? a : b;
}

/** An item's identity in a run: its post and the source it was rendered from. */
function itemKey(entry: Entry): string {
  return `${keyOf(entry)}\n${sourceOf(entry)}`;
}

/** Entries in one of two newest lists and not the other: they crossed the newest's edge. */
function symmetricDifference(a: readonly NewestItem[], b: readonly NewestItem[]): Entry[] {
  const inA = keysOf(a);
  const inB = keysOf(b);
  return [...a.filter(({ entry }) => !inB.has(keyOf(entry))), ...b.filter(({ entry }) => !inA.has(keyOf(entry)))].map(({ entry }) => entry);
}

/**
 * The documents a manifest holds, each with its entries: the subscription document and, when it holds anything, the
 * open archive page.
 */
function documentsOf(site: SiteConfig, manifest: Manifest): { document: FeedDocument; entries: Entry[] }[] {
  const entries = (shown: readonly NewestItem[]) => shown.map(({ entry }) => entry);
  const subscription = { document: subscriptionDocument(site, manifest), entries: entries(manifest.newest) };
  const open = openPageDocument(site, manifest);
  return open ? [subscription, { document: open, entries: entries(manifest.archive!.open) }] : [subscription];
}
