/**
 * Whether a post is in the feeds at a given instant. Hidden: drafts, posts kept out of every feed
 * (`excludeFrom: 'all'`, lib/post/exclusion.ts), posts whose date or publishDate is still to come, and
 * posts whose expiryDate has passed (at expiryDate itself the post is gone). Dates are ISO strings in
 * UTC (PostMeta), compared as instants.
 */
import type { PostMeta } from './types.ts';

/** The instant the post becomes visible: the later of date and publishDate. */
function publishedAt(meta: PostMeta): number {
  const date = Date.parse(meta.date);
  return meta.publishDate === undefined ? date : Math.max(date, Date.parse(meta.publishDate));
}

/** Hidden whatever the time: a draft, or a post kept out of every feed. */
export function isWithheld(meta: Pick<PostMeta, 'draft' | 'excludeFrom'>): boolean {
  return meta.draft || meta.excludeFrom === 'all';
}

export function isPublished(meta: PostMeta, now: Date): boolean {
  if (isWithheld(meta)) return false;
  const time = now.getTime();
  if (publishedAt(meta) > time) return false;
  return meta.expiryDate === undefined || Date.parse(meta.expiryDate) > time;
}

/**
 * When the post's visibility next flips after `now`: its publication time while it is still to
 * come, else its expiry while it is visible. Undefined when nothing will change (drafts, posts kept out of every feed, expired
 * posts, posts that expire before they would appear), so a scheduler knows when to rebuild.
 */
export function nextChange(meta: PostMeta, now: Date): Date | undefined {
  if (isWithheld(meta)) return undefined;
  const time = now.getTime();
  const start = publishedAt(meta);
  const end = meta.expiryDate === undefined ? Number.POSITIVE_INFINITY : Date.parse(meta.expiryDate);
  if (end <= start || end <= time) return undefined;
  if (start > time) return new Date(start);
  return Number.isFinite(end) ? new Date(end) : undefined;
}
