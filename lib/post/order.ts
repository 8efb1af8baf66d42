/**
 * Feed order: newest first, ties broken by content key. Thousands of bulwark posts share a
 * timestamp, so without the tie-breaker a rebuild could reorder them and rewrite unchanged feeds.
 * `date` is always `toISOString()` output (fixed width, UTC, years 0000-9999), so comparing the
 * strings compares the instants without parsing; keys compare by UTF-16 code units, the same
 * on every machine and locale.
 */
import type { PostMeta } from './types.ts';

export function compareNewestFirst(a: PostMeta, b: PostMeta): number {
  if (a.date !== b.date) return a.date > b.date ? -1 : 1;
  if (a.key === b.key) return 0;
  return a.key < b.key ? -1 : 1;
}
