/**
 * The daily consistency check: the content as listed against a compact view of the index, so what an event
 * never delivered (or a run that gave up) is repaired without reading every post.
 *
 * The view costs a few objects per thousand posts, and nothing new to write:
 * - the site feed's list (manifest and shards, 256 entries each) carries `[date, key, sourceETag]` for every
 *   listed post: those are compared by ETag;
 * - every other post (scheduled, expired, draft, skipped, rejected) has a record, whose listing (1,000 keys
 *   a request) gives its last write: a record written after the content's last change was built from that
 *   change or a later event is on its way (an upload always sends one). Otherwise the key differs.
 * - keys the site feed or the schedule name but the content no longer holds differ too (a lost deletion).
 * Only the differing keys go to `regenerate`, which reads each one again; a false alarm costs it a record and
 * an object read (an unlisted post uploaded again with the same bytes keeps its older record, and is such a
 * false alarm every day). Too many differences (a restored bucket) are a rebuild's job instead.
 */
import { keyOf, sourceOf } from '../index/entries.ts';
import { SITE_FEED } from '../index/feed-id.ts';
import { contentKeyOf, isPostKey, manifestKey, RECORDS_PREFIX, ROOT_KEY, SCHEDULE_KEY, shardKey } from '../index/layout.ts';
import { isCurrent, leaseHeld, type Root } from '../index/root.ts';
import type { Schedule } from '../index/schedule.ts';
import type { Manifest, Shard } from '../index/shards.ts';
import { readJson, retryOnConflict, StaleReadError } from '../index/store.ts';
import type { Storage } from '../storage/storage.ts';
import { IO_CONCURRENCY, mapLimit } from './concurrency.ts';
import { emptyReport } from './outputs.ts';
import { requestRebuild } from './rebuild.ts';
import { regenerate } from './regenerate.ts';
import type { PipelineDeps, RunReport } from './types.ts';

/** Above this many differing keys one rebuild is cheaper and safer than a regenerate run of them all. */
export const MAX_REPAIR_KEYS = 2_000;

export interface CheckReport {
  /** Post keys in the content. */
  posts: number;
  /** Keys whose content the index does not reflect, sorted. */
  differing: string[];
  /** The differences went to the rebuild function rather than to `regenerate`. */
  rebuildStarted: boolean;
  /** `regenerate`'s report on the differing keys (empty when it did not run). */
  repair: RunReport;
}

interface Listed {
  etag: string;
  lastModified?: Date;
}

/** Content keys whose state the index does not reflect; null when there is no current index to compare with. */
export async function findDifferences(deps: PipelineDeps): Promise<{ posts: number; differing: string[] } | null> {
  const { content, state } = deps;
  const root = await readJson<Root>(state, ROOT_KEY);
  if (!isCurrent(root?.value, deps.site) || leaseHeld(root?.value, deps.now())) return null;
  const [posts, listed, schedule, records] = await Promise.all([
    listPosts(content),
    readSiteList(state),
    readJson<Schedule>(state, SCHEDULE_KEY),
    listRecords(state),
  ]);
  const differing = new Set<string>();
  for (const [key, { etag, lastModified }] of posts) {
    const source = listed.get(key);
    if (source !== undefined) {
      if (source !== etag) differing.add(key);
      continue;
    }
    const written = records.get(key);
    if (!written || !lastModified || written <= lastModified) differing.add(key);
  }
  // The schedule also names feeds whose announced deletions run out: those are no posts.
  const named = [...listed.keys(), ...(schedule?.value.entries ?? []).map(([, key]) => key).filter(isPostKey)];
  for (const key of named) if (!posts.has(key)) differing.add(key);
  return { posts: posts.size, differing: [...differing].sort() };
}

/** Finds the differences and repairs them: `regenerate` for a few, the rebuild function (when there is one) for many. */
export async function check(deps: PipelineDeps, maxRepair = MAX_REPAIR_KEYS): Promise<CheckReport> {
  const found = await findDifferences(deps);
  // No current index: regenerate starts (or runs) the rebuild, or steps aside while one holds the lease.
  if (!found) return { posts: 0, differing: [], rebuildStarted: false, repair: await regenerate(deps, []) };
  const { posts, differing } = found;
  if (differing.length > maxRepair && deps.startRebuild) {
    const rebuildStarted = await requestRebuild(deps, deps.startRebuild, true);
    return { posts, differing, rebuildStarted, repair: emptyReport() };
  }
  const repair = differing.length > 0 ? await regenerate(deps, differing) : emptyReport();
  return { posts, differing, rebuildStarted: false, repair };
}

async function listPosts(content: Storage): Promise<Map<string, Listed>> {
  const posts = new Map<string, Listed>();
  for await (const { key, etag, lastModified } of content.list('')) {
    if (isPostKey(key)) posts.set(key, lastModified ? { etag, lastModified } : { etag });
  }
  return posts;
}

/** When each record was last written, by content key. */
async function listRecords(state: Storage): Promise<Map<string, Date>> {
  const written = new Map<string, Date>();
  for await (const { key, lastModified } of state.list(RECORDS_PREFIX)) {
    const contentKey = contentKeyOf(key);
    if (contentKey !== null && lastModified) written.set(contentKey, lastModified);
  }
  return written;
}

/** The site feed's whole list as content key -> source ETag; read again if a run replaces a shard meanwhile. */
function readSiteList(state: Storage): Promise<Map<string, string>> {
  return retryOnConflict(async () => {
    const manifest = await readJson<Manifest>(state, manifestKey(SITE_FEED));
    const shards = await mapLimit(manifest?.value.shards ?? [], IO_CONCURRENCY, async (ref) => {
      const shard = await readJson<Shard>(state, shardKey(SITE_FEED, ref.id));
      if (!shard) throw new StaleReadError(manifestKey(SITE_FEED));
      return shard.value.entries;
    });
    const entries = shards.flat();
    return new Map(entries.map((entry) => [keyOf(entry), sourceOf(entry)]));
  });
}
