import type { Person, SiteConfig } from '../config.ts';
import type { FeedItem } from '../post/types.ts';
import { feedUrl, taxonomyUrl } from './descriptor.ts';
import type { FeedFormat, FeedInput } from './types.ts';
import { xmlSafe } from './xml.ts';
import { safeUrl } from '../url.ts';

/**
 * What the three renderers agree on, computed once from a FeedInput: cleaned text (no
 * XML-invalid characters), absolute normalized URLs, parsed dates and the feed-level date.
 * Each renderer only decides how to spell it.
 */
export interface FeedView {
  title: string;
  /** The site's own title (for term feeds `title` names the term too). */
  siteTitle: string;
  /** Empty when the site has none. */
  description: string;
  /** BCP 47 tag, absent when the site's is not one. */
  language?: string;
  homeUrl: string;
  selfUrl: Record<FeedFormat, string>;
  hub?: string;
  image?: string;
  copyright?: string;
  author?: Person;
  /** Newest `updated` of any item; EMPTY_FEED_UPDATED for a feed with no items. */
  updated: Date;
  items: ItemView[];
}

export interface ItemView {
  id: string;
  title: string;
  url: string;
  published: Date;
  /** Never earlier than `published`. */
  updated: Date;
  summary?: string;
  html: string;
  language?: string;
  /** The post's own authors; empty when it names none. */
  authors: Person[];
  /** Categories, then tags, each term once. */
  terms: TermView[];
  image?: { url: string; type?: string };
}

export interface TermView {
  kind: 'category' | 'tag';
  name: string;
  /** The taxonomy's URL (see `taxonomyUrl`). */
  scheme: string;
}

/**
 * A feed with no items has no newest item to date it by. The clock is not an option (output
 * must be a pure function of the input), so it is dated at the Unix epoch: stable, obviously
 * synthetic, and older than anything a reader has seen, so it never floats to the top.
 */
export const EMPTY_FEED_UPDATED = new Date(0);

export function feedView(input: FeedInput): FeedView {
  const { site, feed } = input;
  const items = input.items.map((item) => itemView(item, site));
  const newest = items.reduce((max, item) => Math.max(max, item.updated.getTime()), Number.NEGATIVE_INFINITY);
  return {
    title: xmlSafe(feed.title),
    siteTitle: xmlSafe(site.title),
    description: xmlSafe(site.description),
    language: languageTag(site.language),
    homeUrl: absoluteUrl(site.baseUrl) ?? site.baseUrl,
    selfUrl: {
      rss: feedUrl(site, feed, 'rss'),
      atom: feedUrl(site, feed, 'atom'),
      json: feedUrl(site, feed, 'json'),
    },
    hub: absoluteUrl(site.websubHub),
    image: absoluteUrl(site.image, site.baseUrl),
    copyright: site.copyright === undefined ? undefined : xmlSafe(site.copyright),
    author: site.author && person(site.author, site.baseUrl),
    updated: items.length === 0 ? EMPTY_FEED_UPDATED : new Date(newest),
    items,
  };
}

function itemView(item: FeedItem, site: SiteConfig): ItemView {
  const published = instant(item.date, item.key, 'date');
  const updated = instant(item.updated, item.key, 'updated');
  const url = absoluteUrl(item.url, site.baseUrl);
  if (url === undefined) throw new Error(`${item.key}: item url ${JSON.stringify(item.url)} is not a URL`);
  const imageUrl = item.image && absoluteUrl(item.image.url, url);
  return {
    id: xmlSafe(item.id),
    title: xmlSafe(item.title),
    url,
    published,
    // biome-ignore lint/complexity/useMathMinMax: Dates, not numbers
    updated: updated > published ? updated : published,
    summary: item.summary === undefined ? undefined : xmlSafe(item.summary),
    html: xmlSafe(item.html),
    language: item.lang === undefined ? undefined : languageTag(item.lang),
    authors: item.authors.flatMap((a) => person(a, url) ?? []),
    terms: [...uniqueTerms(item.categories, 'category', site), ...uniqueTerms(item.tags, 'tag', site)],
    image: imageUrl ? { url: imageUrl, type: mediaType(item.image?.type) } : undefined,
  };
}

function uniqueTerms(terms: FeedItem['tags'], kind: TermView['kind'], site: SiteConfig): TermView[] {
  const seen = new Set<string>();
  const scheme = taxonomyUrl(site, kind);
  return terms.flatMap((term) => {
    if (seen.has(term.slug)) return [];
    seen.add(term.slug);
    return [{ kind, name: xmlSafe(term.name), scheme }];
  });
}

function instant(iso: string, key: string, field: string): Date {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) throw new Error(`${key}: ${field} ${JSON.stringify(iso)} is not a date`);
  return date;
}

/**
 * An absolute URL for a feed field, resolved against `base` when relative; undefined when empty, not a URL
 * or of an unsafe scheme (lib/url.ts). Renderers need this because `feed` throws on relative URLs and JSON
 * Feed's schema wants URIs, not IRIs.
 */
export function absoluteUrl(url: string | undefined, base?: string): string | undefined {
  if (url === undefined) return undefined;
  const cleaned = xmlSafe(url).trim();
  return cleaned === '' ? undefined : safeUrl(cleaned, base);
}

/** RFC 4287's (and xml:lang's) language-tag shape; `zh_CN` is repaired to `zh-CN`, anything else dropped. */
export function languageTag(raw: string): string | undefined {
  const tag = raw.trim().replaceAll('_', '-');
  return /^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$/.test(tag) ? tag : undefined;
}

/** A `type/subtype` media type, or undefined: a type we cannot vouch for is left out rather than guessed. */
function mediaType(type: string | undefined): string | undefined {
  return type !== undefined && /^[a-z0-9][\w.+-]*\/[a-z0-9][\w.+-]*$/i.test(type) ? type.toLowerCase() : undefined;
}

function person(p: Person, base: string): Person | undefined {
  const name = xmlSafe(p.name).trim();
  if (name === '') return undefined;
  const email = p.email === undefined ? undefined : xmlSafe(p.email).trim();
  const url = absoluteUrl(p.url, base);
  return {
    name,
    ...(email && /^[^\s@]+@[^\s@]+$/.test(email) ? { email } : {}),
    ...(url ? { url } : {}),
  };
}
