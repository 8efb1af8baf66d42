import type { FeedKindKey, SiteConfig } from '../config.ts';
import type { Term } from '../post/types.ts';
import { termPageUrl } from './term-page.ts';
import { FEED_FILES, type FeedDescriptor, type FeedFormat, type TermKind } from './types.ts';

/**
 * Every kind of feed beside the site's: its output folder (also its key under `feeds` in the configuration),
 * the label in its title and the phrase of its description. Adding a kind is adding a line here and where a
 * post names its terms of that kind (lib/index/entries.ts `feedsOf`).
 */
export const TERM_KINDS: Record<TermKind, { folder: FeedKindKey; label: string; about: (name: string) => string }> = {
  category: { folder: 'categories', label: 'Category', about: (name) => `posts in the category ${name}` },
  tag: { folder: 'tags', label: 'Tag', about: (name) => `posts tagged ${name}` },
  section: { folder: 'sections', label: 'Section', about: (name) => `posts in the section ${name}` },
  language: { folder: 'languages', label: 'Language', about: (name) => `posts in ${name}` },
  author: { folder: 'authors', label: 'Author', about: (name) => `posts by ${name}` },
};

export function siteFeed(site: SiteConfig): FeedDescriptor {
  return { kind: 'site', dir: '', title: site.title, description: site.description, link: site.baseUrl };
}

/**
 * The feed of one term (a category, tag, section, language or author), linking the term's page on the site
 * (`feeds.<kind>.link`). A language feed's language is its own tag; others take theirs from their items
 * (lib/feeds/model.ts). `term.slug` comes from lib/post/terms.ts and is used as one opaque
 * path segment; a slug that could address anything but its own folder is a bug upstream, and
 * writing it to storage could overwrite other feeds, so it is refused here.
 */
export function termFeed(kind: TermKind, term: Term, site: SiteConfig): FeedDescriptor {
  const { slug } = term;
  if (slug === '' || slug === '.' || slug === '..' || /[/\\]/.test(slug)) {
    throw new Error(`unsafe ${kind} slug ${JSON.stringify(slug)} for ${JSON.stringify(term.name)}`);
  }
  const { folder, label, about } = TERM_KINDS[kind];
  return {
    kind,
    term,
    dir: `${folder}/${slug}/`,
    title: `${site.title} — ${label}: ${term.name}`,
    description: `${site.title}: ${about(term.name)}`,
    link: termPageUrl(site.feeds[folder].link, term.name, site.baseUrl),
    ...(kind === 'language' ? { language: term.name } : {}),
  };
}

/** Storage key of one format of a feed, e.g. `tags/科技/rss.xml` (not encoded: keys are raw). */
export function feedPath(feed: Pick<FeedDescriptor, 'dir'>, format: FeedFormat): string {
  return feed.dir + FEED_FILES[format].file;
}

/** Public URL of one format of a feed, every path segment percent-encoded. */
export function feedUrl(site: SiteConfig, feed: FeedDescriptor, format: FeedFormat): string {
  return publicUrl(site, feedPath(feed, format));
}

/**
 * Folder of a feed's archive page (RFC 5005), e.g. `tags/科技/archive/3/`. Pages are numbered from the oldest, so a
 * page's URL keeps its meaning as the feed grows.
 */
export function archiveDir(feed: Pick<FeedDescriptor, 'dir'>, page: number): string {
  return `${feed.dir}archive/${page}/`;
}

/** Storage key of one format of an archive page, e.g. `tags/科技/archive/3/rss.xml` (not encoded). */
export function archivePath(feed: Pick<FeedDescriptor, 'dir'>, page: number, format: FeedFormat): string {
  return archiveDir(feed, page) + FEED_FILES[format].file;
}

/** Storage key of one format of a feed document: the subscription document, or archive page `page`. */
export function documentPath(feed: Pick<FeedDescriptor, 'dir'>, page: number | undefined, format: FeedFormat): string {
  return page === undefined ? feedPath(feed, format) : archivePath(feed, page, format);
}

/** Public URL of one format of an archive page, encoded as `feedUrl` is. */
export function archiveUrl(site: SiteConfig, feed: FeedDescriptor, page: number, format: FeedFormat): string {
  return publicUrl(site, archivePath(feed, page, format));
}

function publicUrl(site: SiteConfig, path: string): string {
  return site.feedsUrl + path.split('/').map(encodeURIComponent).join('/');
}

/**
 * Identifies the taxonomy a term belongs to (Atom category `scheme`, RSS category `domain`):
 * the folder holding that taxonomy's feeds.
 */
export function taxonomyUrl(site: SiteConfig, kind: 'category' | 'tag'): string {
  return `${site.feedsUrl}${TERM_KINDS[kind].folder}/`;
}
