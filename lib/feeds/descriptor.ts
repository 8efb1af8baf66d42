import type { SiteConfig } from '../config.ts';
import type { Term } from '../post/types.ts';
import { FEED_FILES, type FeedDescriptor, type FeedFormat } from './types.ts';

const TERM_FOLDERS = { category: 'categories', tag: 'tags' } as const;
const TERM_LABELS = { category: 'Category', tag: 'Tag' } as const;

export function siteFeed(site: SiteConfig): FeedDescriptor {
  return { kind: 'site', dir: '', title: site.title };
}

/**
 * The feed of one category or tag. `term.slug` comes from lib/post/terms.ts and is used as one opaque
 * path segment; a slug that could address anything but its own folder is a bug upstream, and
 * writing it to storage could overwrite other feeds, so it is refused here.
 */
export function termFeed(kind: 'category' | 'tag', term: Term, site: SiteConfig): FeedDescriptor {
  const { slug } = term;
  if (slug === '' || slug === '.' || slug === '..' || /[/\\]/.test(slug)) {
    throw new Error(`unsafe ${kind} slug ${JSON.stringify(slug)} for ${JSON.stringify(term.name)}`);
  }
  return {
    kind,
    term,
    dir: `${TERM_FOLDERS[kind]}/${slug}/`,
    title: `${site.title} — ${TERM_LABELS[kind]}: ${term.name}`,
  };
}

/** Storage key of one format of a feed, e.g. `tags/科技/rss.xml` (not encoded: keys are raw). */
export function feedPath(feed: FeedDescriptor, format: FeedFormat): string {
  return feed.dir + FEED_FILES[format].file;
}

/** Public URL of one format of a feed, every path segment percent-encoded. */
export function feedUrl(site: SiteConfig, feed: FeedDescriptor, format: FeedFormat): string {
  return site.feedsUrl + feedPath(feed, format).split('/').map(encodeURIComponent).join('/');
}

/**
 * Identifies the taxonomy a term belongs to (Atom category `scheme`, RSS category `domain`):
 * the folder holding that taxonomy's feeds.
 */
export function taxonomyUrl(site: SiteConfig, kind: 'category' | 'tag'): string {
  return `${site.feedsUrl}${TERM_FOLDERS[kind]}/`;
}
