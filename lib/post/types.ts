import type { Person } from '../config.ts';
import { HeraldError } from '../errors.ts';

/** A category or tag as written by the author, with the slug that names its feed. */
export interface Term {
  /** Display name: trimmed, NFC, no-break and repeated spaces folded to one space. */
  name: string;
  /** Feed folder name: see `lib/post/terms.ts`. Terms with the same slug share a feed. */
  slug: string;
}

/**
 * The kinds of feed a post is listed in: the site's, and one per category, tag, section, language and author.
 * A per-kind exclusion (`excludeFrom`) names some of them.
 */
export const FEED_KINDS = ['site', 'category', 'tag', 'section', 'language', 'author'] as const;
export type FeedKind = (typeof FEED_KINDS)[number];

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
  /**
   * Item id: front-matter `guid` or `id` when it is a valid one (kept across edits and moves: `lib/post/item-id.ts`),
   * else derived from the key only (`urn:uuid:...`).
   */
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
  /**
   * The post's language, canonical BCP 47 (`zh-CN`): front-matter `lang` (its first entry) or `language`, else
   * the language suffix of the file name (`x.zh-HK.md`), else its language folder (`zh-HK/news/...`); undefined
   * when none says (the site language applies). See `lib/post/language.ts`.
   */
  lang?: string;
  /**
   * Hugo's section: the first folder of the key after its language folder (`news` for `en/news/x.md`); the
   * display name is the folder name. Undefined for a post at the content root (or its language folder's root).
   */
  section?: Term;
  /**
   * Feeds the post is kept out of while it stays a valid post (`lib/post/exclusion.ts`): `all` (then it is in
   * no feed, as a draft) or some kinds. Absent: in every feed it belongs to.
   */
  excludeFrom?: 'all' | FeedKind[];
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
  /** What rendering could not do (a body past a limit, shown as plain text): warned of by every document it is in. */
  warnings?: string[];
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
  | {
      status: 'post';
      post: Post;
      /** What the author should fix though the post is published: a declared id that cannot be used. */
      warnings?: string[];
    }
  | { status: 'skipped'; key: string; reason: string }
  | { status: 'rejected'; error: PostError };
