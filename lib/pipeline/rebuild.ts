/**
 * Full build: every content key is read, the whole index is recomputed and every feed is rendered.
 * Run locally by `herald build`, on AWS on a schedule (it publishes future-dated posts whose time has
 * come) and after a configuration change.
 *
 * Memory stays flat in the size of the site: only metadata is kept for every post; bodies are read
 * again, and rendered, only for the posts that make some feed's newest `itemsPerFeed`.
 *
 * The index it leaves is the one `regenerate` maintains, so feeds written by any sequence of
 * incremental runs and by a rebuild of the same content are byte-identical. It holds the index lease
 * while it works (incremental runs step aside and are retried); its index writes are still conditional,
 * and on a conflict it re-reads the ETag and writes its own value, which reflects the content it read.
 */
import type { SiteConfig } from '../config.ts';
import { FEED_FILES } from '../feeds/types.ts';
import { catalogOf, summariesOf, type Catalog } from '../index/catalog.ts';
import { entryOf, feedsOf, comparePositions, type Entry } from '../index/entries.ts';
import { SITE_FEED, type FeedId } from '../index/feed-id.ts';
import {
  CATALOG_KEY,
  contentKeyOf,
  FEEDS_PREFIX,
  isPostKey,
  manifestKey,
  parseFeedKey,
  RECORDS_PREFIX,
  recordKey,
  SCHEDULE_KEY,
  shardKey,
} from '../index/layout.ts';
import { acquireLease, releaseLease } from '../index/lease.ts';
import { nextChangeOf, recordOf, type PostRecord } from '../index/records.ts';
import { isCurrent } from '../index/root.ts';
import { sortSchedule, type Schedule } from '../index/schedule.ts';
import { cutList, type Manifest } from '../index/shards.ts';
import { writeJson } from '../index/store.ts';
import { parsePost } from '../post/parse.ts';
import type { FeedItem } from '../post/types.ts';
import { isPublished } from '../post/visibility.ts';
import { PreconditionFailedError, type Storage } from '../storage/storage.ts';
import { mapLimit, IO_CONCURRENCY } from './concurrency.ts';
import { itemFromSource } from './items.ts';
import { countPost, directoryFiles, emptyReport, feedDir, feedFiles, FileLog, finishReport, publish } from './outputs.ts';
import type { PipelineDeps, RunReport } from './types.ts';

/** One content key during a rebuild. */
interface Slot {
  record: PostRecord;
  /** The stored record, when there is one: written over only if the new one differs. */
  stored?: { etag: string; json: string };
  /** The stored item, reusable when the record was reused. */
  storedItem?: FeedItem;
  /** The key could not be read: its stored record stays as it is. */
  keep?: boolean;
}

export async function rebuild(deps: PipelineDeps): Promise<RunReport> {
  const startedAt = performance.now();
  const now = deps.now();
  const report = emptyReport();
  const files = new FileLog();
  const lease = await acquireLease(deps.state, now);
  let completed = false;
  try {
    await new Rebuild(deps, now, report, files, isCurrent(lease.previous, deps.site)).run();
    completed = true;
  } finally {
    await releaseLease(deps.state, lease, completed ? deps.site : null).catch((error: unknown) => {
      // The lease ran out and another rebuild took the index: it will set the root when it is done.
      if (!(error instanceof PreconditionFailedError)) throw error;
    });
  }
  return finishReport(report, files, startedAt);
}

class Rebuild {
  readonly #site: SiteConfig;

  constructor(
    readonly deps: PipelineDeps,
    readonly now: Date,
    readonly report: RunReport,
    readonly files: FileLog,
    /** The stored records were built with this configuration: one whose source is unchanged need not be parsed. */
    readonly reuse: boolean,
  ) {
    this.#site = deps.site;
  }

  async run(): Promise<void> {
    const { state } = this.deps;
    const storedRecords = await listEtags(state, RECORDS_PREFIX);
    const storedFeedObjects = await listEtags(state, FEEDS_PREFIX);
    const slots = await this.readAll(storedRecords);

    const lists = listsOf(slots);
    await this.renderItems(slots, lists);
    await this.writeRecords(slots);
    const manifests = await this.writeLists(lists, storedFeedObjects);
    await this.writeSchedule(slots);
    const catalog = catalogOf(manifests);
    await overwriteIfChanged(state, CATALOG_KEY, catalog);

    await this.publishFeeds(lists, slots);
    await this.publishDirectory(catalog);

    await this.collectGarbage(slots, storedRecords, storedFeedObjects, manifests);
  }

  /** Reads and parses every post, keeping metadata only. */
  async readAll(storedRecords: Map<string, string>): Promise<Map<string, Slot>> {
    const { content, state, onProgress } = this.deps;
    const keys: { key: string; etag: string }[] = [];
    for await (const info of content.list()) if (isPostKey(info.key)) keys.push({ key: info.key, etag: info.etag });
    const slots = new Map<string, Slot>();
    let done = 0;
    onProgress?.(0, keys.length);
    await mapLimit(keys, IO_CONCURRENCY, async ({ key, etag }) => {
      const slot = await this.readOne(key, etag, storedRecords.has(recordKey(key)) ? state : undefined);
      if (slot) slots.set(key, slot);
      onProgress?.(++done, keys.length);
    });
    this.report.posts.read = keys.length;
    for (const slot of slots.values()) if (!slot.keep) countPost(this.report, slot.record, this.now);
    return slots;
  }

  async readOne(key: string, listedEtag: string, state: Storage | undefined): Promise<Slot | undefined> {
    let stored: Slot['stored'];
    let previous: PostRecord | undefined;
    try {
      const object = state ? await state.get(recordKey(key)) : null;
      if (object) {
        const json = new TextDecoder().decode(object.body);
        stored = { etag: object.etag, json };
        previous = JSON.parse(json) as PostRecord;
      }
      if (this.reuse && previous && previous.source === listedEtag && previous.pending === undefined) {
        const { item, pending: _pending, ...record } = previous;
        // Same bytes, same configuration: the same metadata. Only visibility moves with the clock.
        record.listed = record.status === 'post' && record.meta !== undefined && isPublished(record.meta, this.now);
        return { record, stored, ...(item && { storedItem: item }) };
      }
      const source = await this.deps.content.get(key);
      if (!source) return undefined;
      const record = recordOf(key, source.etag, parsePost(key, source.body, this.#site), this.now);
      return stored ? { record, stored } : { record };
    } catch (error) {
      this.report.failed.push({ key, error: (error as Error).message });
      // Unreadable now: what the index knew stays, rather than unpublishing the post.
      return previous && stored ? { record: previous, stored, keep: true } : undefined;
    }
  }

  /** Renders the posts that some feed shows; the others keep no item. */
  async renderItems(slots: Map<string, Slot>, lists: Map<FeedId, Entry[]>): Promise<void> {
    const shown = new Set<string>();
    for (const entries of lists.values()) for (const entry of entries.slice(0, this.#site.itemsPerFeed)) shown.add(entry[1]);
    await mapLimit([...shown], IO_CONCURRENCY, async (key) => {
      const slot = slots.get(key)!;
      if (slot.storedItem) {
        slot.record.item = slot.storedItem;
        return;
      }
      slot.record.item = await this.itemFromSource(slot.record);
    });
  }

  /** Renders from the source (read again: bodies are not kept); one that changed meanwhile gets an empty body for now. */
  async itemFromSource(record: PostRecord): Promise<FeedItem> {
    const item = await itemFromSource(this.deps.content, record, this.#site).catch(() => null);
    if (item) return item;
    this.report.failed.push({ key: record.key, error: 'changed or unreadable while the rebuild read it' });
    return JSON.parse(JSON.stringify({ ...record.meta!, html: '' })) as FeedItem;
  }

  async writeRecords(slots: Map<string, Slot>): Promise<void> {
    await mapLimit([...slots.values()], IO_CONCURRENCY, async (slot) => {
      if (slot.keep) return;
      const json = JSON.stringify(slot.record);
      if (slot.stored?.json === json) return;
      await overwrite(this.deps.state, recordKey(slot.record.key), json, slot.stored?.etag ?? null);
    });
  }

  /** Writes each feed's list, cut into shards; unchanged shards and manifests are not written again. */
  async writeLists(lists: Map<FeedId, Entry[]>, stored: Map<string, string>): Promise<Map<FeedId, Manifest>> {
    const { state } = this.deps;
    const manifests = new Map<FeedId, Manifest>();
    await mapLimit([...lists], IO_CONCURRENCY, async ([feed, entries]) => {
      const { manifest, shards } = cutList(entries);
      manifests.set(feed, manifest);
      const key = manifestKey(feed);
      await Promise.all(
        shards
          .filter(({ id }) => !stored.has(shardKey(feed, id)))
          .map(({ id, entries: slice }) =>
            // Ids are content hashes: a shard that exists already holds these very entries.
            writeJson(state, shardKey(feed, id), { entries: slice }, null).catch(ignoreExisting),
          ),
      );
      await overwriteIfChanged(state, key, manifest, stored.has(key));
    });
    return manifests;
  }

  async writeSchedule(slots: Map<string, Slot>): Promise<void> {
    const entries: [string, string][] = [];
    for (const { record } of slots.values()) {
      const at = nextChangeOf(record, this.now);
      if (at !== undefined) entries.push([at, record.key]);
    }
    const schedule: Schedule = { entries: sortSchedule(entries) };
    await overwriteIfChanged(this.deps.state, SCHEDULE_KEY, schedule);
  }

  async publishFeeds(lists: Map<FeedId, Entry[]>, slots: Map<string, Slot>): Promise<void> {
    const { feeds } = this.deps;
    const site = this.#site;
    await mapLimit([...lists], IO_CONCURRENCY, async ([feed, entries]) => {
      const newest = entries.slice(0, site.itemsPerFeed);
      const items = newest.map((entry) => slots.get(entry[1])!.record.item!);
      await publish(feeds, feedFiles(site, feed, newest[0]?.[3], items), site, this.files);
    });
    // Terms that no longer have published posts lose their feed files.
    const live = new Set([...lists.keys()].map(feedDir));
    const names = new Set(Object.values(FEED_FILES).map(({ file }) => file));
    const stale: string[] = [];
    for (const folder of ['categories/', 'tags/']) {
      for await (const { key } of feeds.list(folder)) {
        const slash = key.lastIndexOf('/');
        if (names.has(key.slice(slash + 1)) && !live.has(key.slice(0, slash + 1))) stale.push(key);
      }
    }
    await mapLimit(stale, IO_CONCURRENCY, async (key) => {
      await feeds.delete(key);
      this.files.note(key, 'deleted');
    });
  }

  async publishDirectory(catalog: Catalog): Promise<void> {
    await publish(this.deps.feeds, directoryFiles(this.#site, summariesOf(catalog, this.#site)), this.#site, this.files);
  }

  /** Forgets removed keys, and the shards and lists nothing refers to any more (left by crashed or replaced runs). */
  async collectGarbage(slots: Map<string, Slot>, storedRecords: Map<string, string>, storedFeedObjects: Map<string, string>, manifests: Map<FeedId, Manifest>): Promise<void> {
    const { state } = this.deps;
    const garbage: string[] = [];
    for (const key of storedRecords.keys()) {
      const contentKey = contentKeyOf(key);
      if (contentKey === null || !slots.has(contentKey)) garbage.push(key);
    }
    for (const key of storedFeedObjects.keys()) {
      const parsed = parseFeedKey(key);
      const manifest = parsed && manifests.get(parsed.feed);
      const live = manifest && (parsed.shard === undefined || manifest.shards.some((ref) => ref.id === parsed.shard));
      if (!live) garbage.push(key);
    }
    await mapLimit(garbage, IO_CONCURRENCY, (key) => state.delete(key));
  }
}

/** Each feed's list of published posts, newest first; the site feed exists even when it is empty. */
function listsOf(slots: Map<string, Slot>): Map<FeedId, Entry[]> {
  const lists = new Map<FeedId, Entry[]>([[SITE_FEED, []]]);
  for (const { record } of slots.values()) {
    if (!record.listed || !record.meta || record.source === undefined) continue;
    for (const [feed, name] of feedsOf(record.meta)) {
      let list = lists.get(feed);
      if (!list) lists.set(feed, (list = []));
      list.push(entryOf(record.meta, record.source, name));
    }
  }
  for (const list of lists.values()) list.sort(comparePositions);
  return lists;
}

async function listEtags(storage: Storage, prefix: string): Promise<Map<string, string>> {
  const etags = new Map<string, string>();
  for await (const { key, etag } of storage.list(prefix)) etags.set(key, etag);
  return etags;
}

function ignoreExisting(error: unknown): void {
  if (!(error instanceof PreconditionFailedError)) throw error;
}

/** Writes over whatever is there, still conditionally: a concurrent write makes it re-read the ETag and try again. */
async function overwrite(state: Storage, key: string, json: string, etag: string | null): Promise<void> {
  let over = etag;
  for (let attempt = 1; ; attempt++) {
    try {
      await state.put(key, json, { contentType: 'application/json', ...(over === null ? { ifNoneMatch: '*' as const } : { ifMatch: over }) });
      return;
    } catch (error) {
      if (!(error instanceof PreconditionFailedError) || attempt >= 8) throw error;
      over = (await state.head(key))?.etag ?? null;
    }
  }
}

/** Writes a JSON object unless the stored one holds the same bytes; `exists: false` saves reading a missing one. */
async function overwriteIfChanged(state: Storage, key: string, value: unknown, exists = true): Promise<void> {
  const json = JSON.stringify(value);
  const stored = exists ? await state.get(key) : null;
  if (stored && new TextDecoder().decode(stored.body) === json) return;
  await overwrite(state, key, json, stored?.etag ?? null);
}
