import type { SiteConfig } from '../config.ts';
import { TERM_KINDS } from '../feeds/descriptor.ts';
import type { TermKind } from '../feeds/types.ts';
import { listedIn } from '../post/exclusion.ts';
import { canonicalLanguage } from '../post/language.ts';
import { compareNewestFirst } from '../post/order.ts';
import { makeTerm } from '../post/terms.ts';
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

/** A listed post's feeds (the site, its terms of every kind the site has) at its date: what must be undone when it changes. */
export interface Placement {
  date: string;
  feeds: FeedId[];
  /** The post's item id, when its record has its item: what a feed announces if the post leaves it unpublished. */
  id?: string;
}

/** What decides a post's feeds. */
export type FeedFacts = Pick<PostMeta, 'categories' | 'tags' | 'section' | 'lang' | 'excludeFrom'> & Partial<Pick<PostMeta, 'authors'>>;

/**
 * Each feed a post belongs to, with the term name it gives that feed (the first spelling wins within a post): the
 * site's, and its terms of each kind the site has (`feeds` in the configuration) and the post is not excluded from.
 * Its language is its own or else the site's; its authors its own or else the site's (whom its items credit).
 */
export function feedsOf(meta: FeedFacts, site: SiteConfig): Map<FeedId, string | undefined> {
  const feeds = new Map<FeedId, string | undefined>();
  if (listedIn(meta, 'site')) feeds.set(SITE_FEED, undefined);
  const add = (kind: TermKind, terms: () => readonly (Term | null | undefined)[]) => {
    if (!site.feeds[TERM_KINDS[kind].folder].enabled || !listedIn(meta, kind)) return;
    for (const term of terms()) {
      if (!term) continue;
      const id = termFeedId(kind, term.slug);
      if (!feeds.has(id)) feeds.set(id, term.name);
    }
  };
  add('category', () => meta.categories);
  add('tag', () => meta.tags);
  add('section', () => [meta.section]);
  add('language', () => [makeTerm(meta.lang ?? canonicalLanguage(site.language) ?? site.language)]);
  add('author', () => (meta.authors?.length ? meta.authors : site.author ? [site.author] : []).map((author) => makeTerm(author.name)));
  return feeds;
}

export function placementOf(meta: FeedFacts & Pick<PostMeta, 'date'>, site: SiteConfig): Placement {
  return { date: meta.date, feeds: [...feedsOf(meta, site).keys()] };
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
