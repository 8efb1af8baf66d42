import type { SiteConfig } from '../config.ts';
import type { FeedItem, FeedKind, Term } from '../post/types.ts';

export type { FeedKind } from '../post/types.ts';
export type TermKind = Exclude<FeedKind, 'site'>;
export type FeedFormat = 'rss' | 'atom' | 'json';

/** One feed of the site (the whole site, or one category, tag, section, language or author), rendered in three formats. */
export interface FeedDescriptor {
  kind: FeedKind;
  /** Absent for the site feed. */
  term?: Term;
  /** Storage folder under the feeds root: '' for the site, `categories/<slug>/`, `tags/<slug>/`, `languages/<slug>/`... */
  dir: string;
  /** Human title, e.g. `Herald Example — Tag: 科技`. */
  title: string;
  description: string;
  /** The page the feed stands for: the site's home, or the term's page (`feeds.<kind>.link`). */
  link: string;
  /** The feed's own language, when it has one whatever its items say: a language feed's tag. */
  language?: string;
}

/** Everything a renderer needs; renderers are pure functions of this. */
export interface FeedInput {
  site: SiteConfig;
  feed: FeedDescriptor;
  /** Newest first: at most `site.itemsPerFeed` in the subscription document, an archive page's items on a page. */
  items: FeedItem[];
  history?: FeedHistory;
}

/** Where a document stands in its feed's history (RFC 5005). Absent from FeedInput: archives are off, output unchanged from today. */
export interface FeedHistory {
  /** How many archive pages the feed has. 0: the subscription document holds its whole history (fh:complete). */
  pages: number;
  /** This document's archive page, 1 = oldest; absent for the subscription document. */
  page?: number;
  /** Posts deleted from the feed to announce (RFC 6721, Atom only; subscription document only), newest first. */
  deleted?: DeletedEntry[];
}

export interface DeletedEntry {
  id: string;
  /** ISO UTC */
  when: string;
}

export interface RenderedFile {
  /** Storage key under the feeds root (`tags/<slug>/rss.xml`); its URL percent-encodes each segment. */
  path: string;
  body: string;
  /**
   * `body`'s UTF-8 bytes in pieces, when its renderer has them (feed documents: lib/feeds/document.ts, whose `body`
   * is decoded from them when first read): `encodeFile` joins them rather than encoding `body`, which a build then
   * never makes. Copying such a file with a spread reads `body`; a copy with another `body` drops them.
   */
  chunks?: readonly Uint8Array[];
  contentType: string;
  /** Set by the pipeline (archive pages are cached longer than subscription documents); renderers leave it unset. */
  cacheControl?: string;
  /** Set by the pipeline when it knows what the document was rendered from (lib/publish.ts, `INPUT_METADATA`). */
  input?: string;
}

/**
 * RSS and Atom go out as `application/xml`: Chromium shows `application/rss+xml` and `application/atom+xml` as plain
 * text, without the stylesheet (lib/feeds/feed-css.ts), while readers look at the bytes, not the type (the W3C feed
 * validator accepts `application/xml` too). JSON Feed goes out as `application/json`, the type of JSON Feed 1.0, because
 * CloudFront compresses it and not `application/feed+json` (readers go by the `version` field). Autodiscovery links keep
 * the specific types: that is where readers read them.
 */
export const FEED_FILES: Record<FeedFormat, { file: string; contentType: string }> = {
  rss: { file: 'rss.xml', contentType: 'application/xml; charset=utf-8' },
  atom: { file: 'atom.xml', contentType: 'application/xml; charset=utf-8' },
  json: { file: 'feed.json', contentType: 'application/json; charset=utf-8' },
};

/** The formats in the order a document's files are rendered and listed. */
export const FEED_FORMATS = Object.keys(FEED_FILES) as FeedFormat[];

/** The file names of every feed document: what marks a key under a feed's folder as one of its documents. */
export const FEED_FILE_NAMES: ReadonlySet<string> = new Set(Object.values(FEED_FILES).map(({ file }) => file));

/** What the directory page and OPML list about one feed. */
export interface FeedSummary {
  feed: FeedDescriptor;
  /** Items currently in the feed (at most `itemsPerFeed`); the index's catalog keeps names only, not counts. */
  count?: number;
  /** Total published posts carrying the term (or in the site). */
  total?: number;
  /** Date of the newest item, ISO UTC; absent for an empty feed. */
  newest?: string;
}
