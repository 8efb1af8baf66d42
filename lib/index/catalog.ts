import type { SiteConfig } from '../config.ts';
import type { FeedSummary } from '../feeds/types.ts';
import type { Entry } from './entries.ts';
import { descriptorOf, SITE_FEED, type FeedId } from './feed-id.ts';
import type { Manifest } from './shards.ts';

/**
 * Every feed that exists: the site feed always, each category and tag while it has published posts.
 * What the directory page and the OPML list; its size grows with the number of terms, not of posts.
 */
export interface Catalog {
  /** Sorted by id. */
  feeds: CatalogEntry[];
}

export interface CatalogEntry {
  id: FeedId;
  total: number;
  /** The feed's newest post: its date, and the term's display name. */
  newest?: Entry;
}

export const EMPTY_CATALOG: Catalog = { feeds: [{ id: SITE_FEED, total: 0 }] };

export function catalogEntry(id: FeedId, manifest: Manifest): CatalogEntry {
  const newest = manifest.shards[0]?.first;
  return newest ? { id, total: manifest.total, newest } : { id, total: manifest.total };
}

/** A catalog from every feed's manifest (a rebuild). */
export function catalogOf(manifests: ReadonlyMap<FeedId, Manifest>): Catalog {
  return withFeeds(EMPTY_CATALOG, manifests) ?? EMPTY_CATALOG;
}

/** The catalog with these feeds' entries replaced (an empty term feed leaves it); null when nothing changes. */
export function withFeeds(catalog: Catalog, manifests: ReadonlyMap<FeedId, Manifest>): Catalog | null {
  const byId = new Map(catalog.feeds.map((entry) => [entry.id, entry]));
  for (const [id, manifest] of manifests) {
    if (manifest.total === 0 && id !== SITE_FEED) byId.delete(id);
    else byId.set(id, catalogEntry(id, manifest));
  }
  const feeds = [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return JSON.stringify(feeds) === JSON.stringify(catalog.feeds) ? null : { feeds };
}

export function summariesOf(catalog: Catalog, site: SiteConfig): FeedSummary[] {
  return catalog.feeds.map((entry) => {
    const summary: FeedSummary = {
      feed: descriptorOf(entry.id, entry.newest?.[3], site),
      count: Math.min(entry.total, site.itemsPerFeed),
      total: entry.total,
    };
    if (entry.newest) summary.newest = entry.newest[0];
    return summary;
  });
}
