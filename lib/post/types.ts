import type { Person } from '../config.ts';
import { HeraldError } from '../errors.ts';

/** A category or tag as written by the author, with the slug that names its feed. */
export interface Term {
  /** Display name: trimmed, NFC, no-break and repeated spaces folded to one space. */
  name: string;
  /** Feed folder name: see `lib/post/terms.ts`. Terms with the same slug share a feed. */
  slug: string;
}

export interface Image {
  url: string;
  /** Real MIME type when it can be known (from the URL's extension); undefined otherwise. */
  type?: string;
}

/**
 * A post's normalized metadata: JSON-serializable, stored as-is in the index.
 * Everything a feed item needs except the body HTML.
 */
export interface PostMeta {
  /** Content key, relative to the content root: `zh-CN/news/qq/20250212A0916H.zh-CN.md`. */
  key: string;
  /** Stable item id derived from the key only (`urn:uuid:...`). */
  id: string;
  title: string;
  /** Absolute URL of the post page. */
  url: string;
  /** Publication instant, ISO 8601 UTC with milliseconds (`toISOString()`). */
  date: string;
  /** Last modification instant (lastmod/updated), ISO UTC; equals `date` when absent. */
  updated: string;
  /** publishDate, when later than `date` (the post is hidden until then). ISO UTC. */
  publishDate?: string;
  expiryDate?: string;
  draft: boolean;
  summary?: string;
  categories: Term[];
  tags: Term[];
  /** First language of `lang`, else undefined (the site language applies). */
  lang?: string;
  image?: Image;
  authors: Person[];
}

/** A parsed post: metadata plus its Markdown body. */
export interface Post extends PostMeta {
  /** Markdown source of the body (front matter removed). */
  body: string;
}

/** A post's metadata plus rendered, sanitized, absolutized body HTML: what a feed item is made of. */
export interface FeedItem extends PostMeta {
  html: string;
}

/** A named, per-file problem. Never thrown past the build: collected and reported. */
export class PostError extends HeraldError {
  constructor(
    readonly key: string,
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`${key}: ${reason}`, options);
    this.name = 'PostError';
  }
}

/** What reading one content file gives. `skipped` is not an error: section pages, files with no title. */
export type ParseResult =
  | { status: 'post'; post: Post }
  | { status: 'skipped'; key: string; reason: string }
  | { status: 'rejected'; error: PostError };
