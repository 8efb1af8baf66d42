import type { FeedItem, ParseResult, PostMeta } from '../post/types.ts';
import { isPublished, nextChange } from '../post/visibility.ts';
import type { SiteConfig } from '../config.ts';
import { placementOf, type Placement } from './entries.ts';

/**
 * What the index knows about one content object. Every content key that was ever seen has one, until a
 * rebuild forgets the keys that no longer exist (removed posts leave a `removed` record behind, so a late
 * duplicate of the deletion finds nothing to do).
 */
export interface PostRecord {
  key: string;
  /** ETag of the content object the record was built from; absent once it is removed. */
  source?: string;
  status: 'post' | 'skipped' | 'rejected' | 'removed';
  /** Why a file is skipped or rejected. */
  reason?: string;
  /** What the author should fix in a published post (status `post`): reported by every run that counts it. */
  warnings?: string[];
  /** What the index needs of the metadata (status `post`); the rest is in `item`, or in the source. */
  meta?: IndexedMeta;
  /** In the lists of its feeds: published when the record was written. */
  listed: boolean;
  /**
   * The rendered item: of every listed post when the site keeps archives (their pages are rendered from records),
   * otherwise of the posts that are (or were, when written) among some feed's newest.
   */
  item?: FeedItem;
  /**
   * Present while the change this record holds is not yet carried into every list and feed file: earlier
   * places of the post that may still be listed. A run that finds it (a retry after a crash, a concurrent
   * run) finishes the work; the run that did the work clears it (its own markers by naming the key in
   * its `RunDone`, another run's by writing the record without it).
   */
  pending?: Placement[];
  /** When the run that set `pending` started (ISO UTC). */
  pendingSince?: string;
  /**
   * The run that set `pending`. A run that finishes names its keys in one object (`runs/<id>.json`) instead
   * of writing every record again: a marker whose run lists the key is as good as cleared.
   */
  pendingRun?: string;
}

/** `runs/<id>.json`: the keys whose work a run finished (the pending markers it set on them are cleared). */
export interface RunDone {
  keys: string[];
}

/** The record with its pending marker cleared. */
export function cleared(record: PostRecord): PostRecord {
  const { pending: _pending, pendingSince: _since, pendingRun: _run, ...clean } = record;
  return clean;
}

/**
 * The longest a run can go on writing: AWS Lambda's 15-minute limit. A pending marker older than this has
 * no run behind it any more (it crashed, and its retries may have run out).
 */
export const MAX_RUN_MS = 15 * 60 * 1000;

/** A pending marker set at `since` has no run behind it any more: that run has stopped, one way or another. */
export function markerLapsed(since: string, now: Date): boolean {
  return now.getTime() - Date.parse(since) >= MAX_RUN_MS;
}

/**
 * The part of a post's metadata that decides where it is listed and when it is visible. Keeping only
 * this for the posts no feed shows keeps the index small (a third of the full metadata on real sites);
 * a shown post's record carries its whole item.
 */
export type IndexedMeta = Pick<
  PostMeta,
  'date' | 'publishDate' | 'expiryDate' | 'draft' | 'categories' | 'tags' | 'section' | 'lang' | 'excludeFrom'
> &
  Partial<Pick<PostMeta, 'authors'>>;

export function indexedMeta(meta: PostMeta): IndexedMeta {
  const indexed: IndexedMeta = { date: meta.date, draft: meta.draft, categories: meta.categories, tags: meta.tags };
  if (meta.publishDate !== undefined) indexed.publishDate = meta.publishDate;
  if (meta.expiryDate !== undefined) indexed.expiryDate = meta.expiryDate;
  if (meta.section !== undefined) indexed.section = meta.section;
  if (meta.lang !== undefined) indexed.lang = meta.lang;
  // Their names are what places a post in author feeds; the rest of a person is in the item.
  if (meta.authors.length > 0) indexed.authors = meta.authors.map(({ name }) => ({ name }));
  if (meta.excludeFrom !== undefined) indexed.excludeFrom = meta.excludeFrom;
  return indexed;
}

// Visibility depends on `draft` and the dates only (lib/post/visibility.ts; a test holds it to that),
// so the indexed subset decides exactly as the full metadata would.
export function isVisible(meta: IndexedMeta, now: Date): boolean {
  return isPublished(meta as PostMeta, now);
}

function nextFlip(meta: IndexedMeta, now: Date): Date | undefined {
  return nextChange(meta as PostMeta, now);
}

/** What a content object is now, as a record (without `item` and `pending`, which the caller decides). */
export function recordOf(key: string, source: string | undefined, parsed: ParseResult | null, now: Date): PostRecord {
  if (parsed === null || source === undefined) return { key, status: 'removed', listed: false };
  switch (parsed.status) {
    case 'skipped':
      return { key, source, status: 'skipped', reason: parsed.reason, listed: false };
    case 'rejected':
      return { key, source, status: 'rejected', reason: parsed.error.reason, listed: false };
    case 'post': {
      const meta = indexedMeta(parsed.post);
      const record: PostRecord = { key, source, status: 'post', meta, listed: isVisible(meta, now) };
      if (parsed.warnings) record.warnings = parsed.warnings;
      return record;
    }
  }
}

/** The same content object, in the same state of visibility: nothing to do for it. */
export function sameState(a: PostRecord, b: PostRecord): boolean {
  return a.source === b.source && a.status === b.status && a.listed === b.listed;
}

/** Where the post stands in lists according to this record: its own place when listed, and any pending ones. */
export function placementsOf(record: PostRecord, site: SiteConfig): Placement[] {
  const own = record.listed && record.meta ? [withId(placementOf(record.meta, site), site.archives && record.item?.id)] : [];
  return [...(record.pending ?? []), ...own];
}

function withId(placement: Placement, id: string | undefined): Placement {
  return id ? { ...placement, id } : placement;
}

/** Pending places for a record replacing `previous`: everything the previous one may still occupy. */
export function pendingAfter(previous: PostRecord | undefined, site: SiteConfig): Placement[] {
  return previous ? unique(placementsOf(previous, site)) : [];
}

function unique(placements: Placement[]): Placement[] {
  const seen = new Set<string>();
  return placements.filter((placement) => {
    const id = JSON.stringify(placement);
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/**
 * `record` rebuilt from its content, still carrying the pending places of `stored` (what the index held).
 * A rebuild writes every record afresh, but a regenerate that committed `stored` may not have finished: it
 * can still write lists from its own view after the rebuild has gone: to the places it was leaving and to
 * the one it was entering. Those stay marked until a run for this key (its retry) has checked them again.
 * A marker older than MAX_RUN_MS has no run behind it, and the rebuild's own view is complete: it goes.
 */
export function keepingPending(record: PostRecord, stored: PostRecord | undefined, now: Date, site: SiteConfig): PostRecord {
  const since = stored?.pending && stored.pendingSince;
  if (!since || markerLapsed(since, now)) return record;
  const kept: PostRecord = { ...record, pending: unique([...(record.pending ?? []), ...placementsOf(stored, site)]), pendingSince: since };
  if (stored.pendingRun !== undefined) kept.pendingRun = stored.pendingRun;
  return kept;
}

/**
 * `record` with a pending marker that no run's `RunDone` clears: its feeds are left unfinished by the
 * writer (a rebuild that could not render its item), so the next run on its key redoes all its places and
 * clears the marker in the record itself. A run named by a marker it carried may have finished already,
 * and would clear it.
 */
export function unfinished(record: PostRecord, now: Date): PostRecord {
  const { pendingRun: _run, ...rest } = record;
  return { ...rest, pending: record.pending ?? [], pendingSince: now.toISOString() };
}

/** Why a parsed post is not in any feed right now. Agrees with `isPublished`, which decides. */
export function hiddenReason(meta: IndexedMeta, now: Date): string {
  if (meta.draft) return 'draft';
  if (meta.excludeFrom === 'all') return 'kept out of every feed (front matter)';
  const next = nextFlip(meta, now);
  return next ? `scheduled: published from ${next.toISOString()}` : 'expired';
}

/** The schedule time of a record: when its visibility flips next, if ever. */
export function nextChangeOf(record: PostRecord, now: Date): string | undefined {
  return record.status === 'post' && record.meta ? nextFlip(record.meta, now)?.toISOString() : undefined;
}
