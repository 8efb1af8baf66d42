import type { SiteConfig } from '../config.ts';
import { siteFeed, termFeed } from '../feeds/feeds.ts';
import type { FeedDescriptor } from '../feeds/types.ts';

/** Names a feed in the index: `site`, `categories/<slug>` or `tags/<slug>` (its output folder without the slash). */
export type FeedId = string;

export const SITE_FEED: FeedId = 'site';

const FOLDERS = { category: 'categories', tag: 'tags' } as const;

export function termFeedId(kind: 'category' | 'tag', slug: string): FeedId {
  return `${FOLDERS[kind]}/${slug}`;
}

export function parseFeedId(id: FeedId): { kind: 'site' } | { kind: 'category' | 'tag'; slug: string } {
  if (id === SITE_FEED) return { kind: 'site' };
  const slash = id.indexOf('/');
  const folder = id.slice(0, slash);
  const slug = id.slice(slash + 1);
  if (folder === FOLDERS.category) return { kind: 'category', slug };
  if (folder === FOLDERS.tag) return { kind: 'tag', slug };
  throw new Error(`not a feed id: ${JSON.stringify(id)}`);
}

/**
 * The descriptor a feed is rendered with. A term feed takes its display name from its newest post (terms
 * that differ only in case or spacing share a slug, so several names may exist): a function of the
 * feed's list, hence identical after a full rebuild and after any sequence of incremental updates.
 */
export function descriptorOf(id: FeedId, name: string | undefined, site: SiteConfig): FeedDescriptor {
  const parsed = parseFeedId(id);
  if (parsed.kind === 'site') return siteFeed(site);
  return termFeed(parsed.kind, { name: name ?? parsed.slug, slug: parsed.slug }, site);
}
