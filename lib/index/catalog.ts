import type { SiteConfig } from '../config.ts';
import type { FeedSummary } from '../feeds/types.ts';
import { nameOf } from './entries.ts';
import { descriptorOf, SITE_FEED, type FeedId } from './feed-id.ts';
import type { Manifest } from './shards.ts';

/**
 * Every feed that exists, by name: the site feed always, each category and tag while it has published
 * posts. What the directory page and the OPML list, and all they list: so it changes only when a feed
 * appears, disappears or is renamed (its newest post spells the term otherwise), never with an upload
 * within existing feeds. Its size grows with the number of terms, not of posts.
 */
export interface Catalog {
  /** Sorted by id. */
  feeds: CatalogEntry[];
}

export interface CatalogEntry {
  id: FeedId;
  /** The term's display name, as the feed's newest post writes it. */
  name?: string;
}

export const EMPTY_CATALOG: Catalog = { feeds: [{ id: SITE_FEED }] };

/** The feed's line in the catalog; null for a term feed without posts, which is not listed. */
export function catalogEntry(id: FeedId, manifest: Manifest): CatalogEntry | null {
  if (manifest.total === 0 && id !== SITE_FEED) return null;
  const name = nameOf(manifest.shards[0]?.first);
  return name === undefined ? { id } : { id, name };
}

/** The catalog's view of a feed is not the same in both lists: the directory may have to change. */
export function catalogChanged(id: FeedId, before: Manifest, after: Manifest): boolean {
  return JSON.stringify(catalogEntry(id, before)) !== JSON.stringify(catalogEntry(id, after));
}

/** A catalog from every feed's manifest (a rebuild). */
export function catalogOf(manifests: ReadonlyMap<FeedId, Manifest>): Catalog {
  return withFeeds(EMPTY_CATALOG, manifests) ?? EMPTY_CATALOG;
}

/** The catalog with these feeds' entries replaced (an empty term feed leaves it); null when nothing changes. */
export function withFeeds(catalog: Catalog, manifests: ReadonlyMap<FeedId, Manifest>): Catalog | null {
  const byId = new Map(catalog.feeds.map((entry) => [entry.id, entry]));
  for (const [id, manifest] of manifests) {
    const entry = catalogEntry(id, manifest);
    if (entry) byId.set(id, entry);
    else byId.delete(id);
  }
  const feeds = [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return JSON.stringify(feeds) === JSON.stringify(catalog.feeds) ? null : { feeds };
}

export function summariesOf(catalog: Catalog, site: SiteConfig): FeedSummary[] {
  return catalog.feeds.map((entry) => ({ feed: descriptorOf(entry.id, entry.name, site) }));
}
