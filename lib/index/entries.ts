import { compareNewestFirst } from '../post/order.ts';
import type { PostMeta, Term } from '../post/types.ts';
import { SITE_FEED, termFeedId, type FeedId } from './feed-id.ts';

/** Where a post sits in a feed's order: its date and key (the tie-breaker). */
export type Position = readonly [date: string, key: string, ...rest: unknown[]];

/**
 * One post in one feed's list: position, the ETag of the source the post's record was built from (so a
 * title edit changes the list too, and a render can tell a record newer than the list it read), and the
 * term's display name as this post writes it (term feeds take their name from their newest post).
 */
export type Entry = [date: string, key: string, source: string, name?: string];

// The stored JSON keeps entries as compact tuples (a list holds one per post); code reads them by name.
export const keyOf = (position: Position): string => position[1];
export const sourceOf = (entry: Entry): string => entry[2];
/** The term's display name as this entry's post writes it; absent in the site feed. */
export const nameOf = (entry: Entry | undefined): string | undefined => entry?.[3];

/**
 * The feeds' order, newest first. It delegates to `compareNewestFirst` so that the index and anything
 * sorting posts agree by construction; that order depends on the date and the key only.
 */
export function comparePositions(a: Position, b: Position): number {
  return compareNewestFirst({ date: a[0], key: a[1] } as PostMeta, { date: b[0], key: b[1] } as PostMeta);
}

/** A listed post's feeds (the site, its categories and tags) at its date: what must be undone when it changes. */
export interface Placement {
  date: string;
  feeds: FeedId[];
}

/** Each feed a post belongs to, with the term name it gives that feed (the first spelling wins within a post). */
export function feedsOf(meta: Pick<PostMeta, 'categories' | 'tags'>): Map<FeedId, string | undefined> {
  const feeds = new Map<FeedId, string | undefined>([[SITE_FEED, undefined]]);
  const add = (kind: 'category' | 'tag', terms: Term[]) => {
    for (const term of terms) {
      const id = termFeedId(kind, term.slug);
      if (!feeds.has(id)) feeds.set(id, term.name);
    }
  };
  add('category', meta.categories);
  add('tag', meta.tags);
  return feeds;
}

export function placementOf(meta: Pick<PostMeta, 'date' | 'categories' | 'tags'>): Placement {
  return { date: meta.date, feeds: [...feedsOf(meta).keys()] };
}

export function entryOf(key: string, date: string, source: string, name: string | undefined): Entry {
  return name === undefined ? [date, key, source] : [date, key, source, name];
}

export function sameEntry(a: Entry, b: Entry): boolean {
  return a[0] === b[0] && a[1] === b[1] && a[2] === b[2] && a[3] === b[3];
}

/** A batch of changes to one list: positions whose post leaves, and entries to place (one per key). */
export interface ListChange {
  remove: Position[];
  insert: Entry[];
}
