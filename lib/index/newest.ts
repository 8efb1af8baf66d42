/**
 * A feed's newest items, kept in its manifest: the first `itemsPerFeed` entries of its list, each with the
 * item it shows. They are all that a feed's files are rendered from, so a render reads no record, and a
 * list change that leaves them as they were needs no render at all.
 */
import type { FeedItem } from '../post/types.ts';
import { comparePositions, sameEntry, type Entry, type ListChange, keyOf } from './entries.ts';

/** An entry among a feed's newest, and its item (null: its record shows nothing, pending a newer change of it). */
export interface NewestItem {
  entry: Entry;
  item: FeedItem | null;
}

/** The items a feed's files show, newest first. */
export function shownItems(newest: readonly NewestItem[]): FeedItem[] {
  return newest.flatMap(({ item }) => (item ? [item] : []));
}

/**
 * Whether `change` may alter the newest `n` entries: it names one of their keys, or falls before the last
 * of them, or there are fewer than `n` (so anything may join).
 */
export function touchesNewest(newest: readonly NewestItem[], change: ListChange, n: number): boolean {
  if (newest.length < n) return true;
  const last = newest[newest.length - 1]!.entry;
  const keys = new Set(newest.map(({ entry }) => keyOf(entry)));
  return [...change.remove, ...change.insert].some((position) => keys.has(keyOf(position)) || comparePositions(position, last) < 0);
}

/**
 * The newest items for `entries` (a list's first entries): an entry already among `previous` keeps its
 * item, the others get theirs from `itemFor`.
 */
export async function newestItems(
  entries: readonly Entry[],
  previous: readonly NewestItem[],
  itemFor: (entry: Entry) => Promise<FeedItem | null>,
): Promise<NewestItem[]> {
  const kept = new Map(previous.map((newest) => [keyOf(newest.entry), newest]));
  return Promise.all(
    entries.map(async (entry) => {
      const known = kept.get(keyOf(entry));
      return { entry, item: known && sameEntry(known.entry, entry) ? known.item : await itemFor(entry) };
    }),
  );
}

/** Same entries and same items: the feed's files render to the same bytes. */
export function sameNewest(a: readonly NewestItem[], b: readonly NewestItem[]): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
