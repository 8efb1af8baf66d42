import type { Person, SiteConfig } from '../config.ts';
import { itemTerms } from '../post/terms.ts';
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
  /** BCP 47 tag (see `feedLanguage`), absent when it is not one. */
  language?: string;
  /** The page the feed stands for: the site's home, or its term's page. */
  homeUrl: string;
  /** Minutes between polls readers are asked to keep. */
  pollMinutes: number;
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
    description: xmlSafe(feed.description),
    language: feedLanguage(input, items),
    homeUrl: absoluteUrl(feed.link) ?? absoluteUrl(site.baseUrl) ?? site.baseUrl,
    pollMinutes: site.pollMinutes,
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

/**
 * A feed's language: a language feed's own tag; for another term feed, the language all its items share (a
 * post's own, else the site's), else the site's; for the site feed, the site's. A function of the items, so of
 * the feed's list: identical after a rebuild and after any sequence of incremental runs.
 */
function feedLanguage({ site, feed }: FeedInput, items: ItemView[]): string | undefined {
  const siteLanguage = languageTag(site.language);
  if (feed.language !== undefined) return languageTag(feed.language);
  if (feed.kind === 'site' || items.length === 0) return siteLanguage;
  const languages = new Set(items.map((item) => (item.language ?? siteLanguage)?.toLowerCase()));
  return languages.size === 1 ? (items[0]!.language ?? siteLanguage) : siteLanguage;
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
    terms: itemTerms(item).map(({ kind, term }) => ({ kind, name: xmlSafe(term.name), scheme: taxonomyUrl(site, kind) })),
    image: imageUrl ? { url: imageUrl, type: mediaType(item.image?.type) } : undefined,
  };
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
