import type { Person, SiteConfig } from '../config.ts';
import { itemTerms } from '../post/terms.ts';
import type { FeedItem } from '../post/types.ts';
import { archiveDir, archiveUrl, feedUrl, taxonomyUrl } from './descriptor.ts';
import type { FeedDescriptor, FeedFormat, FeedHistory, FeedInput } from './types.ts';
import { xmlSafe } from './xml.ts';
import { safeUrl } from '../url.ts';
import { RENDER_BUDGET_CHARS, RenderedItems } from './rendered-items.ts';

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
  /** This document's own URLs: an archive page's on an archive page. */
  selfUrl: Record<FeedFormat, string>;
  /** The subscription document's URLs, which identify the feed on every page of its history. */
  subscriptionUrl: Record<FeedFormat, string>;
  /** This document's folder under the feeds root, for the relative links of the browser view. */
  dir: string;
  /** Absent when archives are off. */
  history?: HistoryView;
  hub?: string;
  image?: string;
  copyright?: string;
  author?: Person;
  /** Newest `updated` of any item; EMPTY_FEED_UPDATED for a feed with no items. */
  updated: Date;
  items: ItemView[];
}

export const HISTORY_NS = 'http://purl.org/syndication/history/1.0';
export const TOMBSTONES_NS = 'http://purl.org/atompub/tombstones/1.0';

/**
 * A document's RFC 5005 links, in the spec's direction: `prev-archive` goes to older items, which is the way a
 * reader walks (from the subscription document to page 1) and what JSON Feed calls `next_url`.
 */
export interface HistoryView {
  /** `fh:complete`: the subscription document holds the feed's whole history; `fh:archive`: this is an archive page. */
  marker?: 'complete' | 'archive';
  prevArchive?: Record<FeedFormat, string>;
  nextArchive?: Record<FeedFormat, string>;
  /** RFC 6721 tombstones, newest first: only ever on the subscription document. */
  deleted: { ref: string; when: Date }[];
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
  const items = input.items.map((item) => renderedItems.view(item, site));
  const newest = items.reduce((max, item) => Math.max(max, item.updated.getTime()), Number.NEGATIVE_INFINITY);
  const page = input.history?.page;
  const subscriptionUrl = urls((format) => feedUrl(site, feed, format));
  return {
    title: xmlSafe(feed.title),
    siteTitle: xmlSafe(site.title),
    description: xmlSafe(feed.description),
    language: feedLanguage(input, items),
    homeUrl: absoluteUrl(feed.link) ?? absoluteUrl(site.baseUrl) ?? site.baseUrl,
    pollMinutes: site.pollMinutes,
    selfUrl: page === undefined ? subscriptionUrl : urls((format) => archiveUrl(site, feed, page, format)),
    subscriptionUrl,
    dir: page === undefined ? feed.dir : archiveDir(feed, page),
    history: input.history && historyView(input.history, input),
    hub: absoluteUrl(site.websubHub),
    image: absoluteUrl(site.image, site.baseUrl),
    copyright: site.copyright === undefined ? undefined : xmlSafe(site.copyright),
    author: site.author && person(site.author, site.baseUrl),
    updated: items.length === 0 ? EMPTY_FEED_UPDATED : new Date(newest),
    items,
  };
}

/** The RFC 5005 links of a document in one format: `current` from an archive page, then its neighbours. */
export function historyLinks({ history, subscriptionUrl }: FeedView, format: FeedFormat): { rel: string; href: string }[] {
  if (!history) return [];
  const links: [string, string | undefined][] = [
    ['current', history.marker === 'archive' ? subscriptionUrl[format] : undefined],
    ['prev-archive', history.prevArchive?.[format]],
    ['next-archive', history.nextArchive?.[format]],
  ];
  return links.flatMap(([rel, href]) => (href === undefined ? [] : [{ rel, href }]));
}

function urls(url: (format: FeedFormat) => string): Record<FeedFormat, string> {
  return { rss: url('rss'), atom: url('atom'), json: url('json') };
}

/**
 * The subscription document links the newest archive page (or says it is complete) and each page its neighbours.
 * A history that cannot exist is a bug upstream: rendering it would publish a broken chain, so it is refused.
 */
function historyView({ pages, page, deleted = [] }: FeedHistory, { site, feed }: { site: SiteConfig; feed: FeedDescriptor }): HistoryView {
  const where = feed.dir === '' ? 'the site feed' : feed.dir;
  if (!Number.isSafeInteger(pages) || pages < 0) throw new Error(`${where}: ${pages} archive pages`);
  if (page !== undefined && (!Number.isSafeInteger(page) || page < 1 || page > pages)) {
    throw new Error(`${where}: archive page ${page} of ${pages}`);
  }
  if (page !== undefined && deleted.length > 0) throw new Error(`${where}: deleted entries on archive page ${page}`);
  const archive = (k: number) => (k >= 1 && k <= pages ? urls((format) => archiveUrl(site, feed, k, format)) : undefined);
  return {
    marker: page !== undefined ? 'archive' : pages === 0 ? 'complete' : undefined,
    prevArchive: archive(page === undefined ? pages : page - 1),
    nextArchive: page === undefined ? undefined : archive(page + 1),
    deleted: deleted.map(({ id, when }) => ({ ref: xmlSafe(id), when: instant(when, `deleted entry ${JSON.stringify(id)}`, 'when') })),
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

/** The items every renderer shares, each made once (lib/feeds/rendered-items.ts). */
export const renderedItems = new RenderedItems((item, site) => itemView(item, site), RENDER_BUDGET_CHARS);

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
