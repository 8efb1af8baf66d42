/**
 * The CPU-bound steps of a full build: a post parsed into its record, a shown post rendered into its item,
 * a feed rendered into its three files, encoded and hashed. They are pure functions of their arguments and
 * the site configuration, so they give the same bytes wherever they run: in this thread (`localWork`) or
 * spread over worker threads (`threadedWork`, lib/pipeline/threads.ts). Storage stays with the caller:
 * only bytes and plain data cross to a worker, whatever storage the rebuild reads and writes; except that
 * threads given a content folder read its posts themselves (`read`), the folder being readable from any thread.
 */
import type { SiteConfig } from '../config.ts';
import { HeraldError } from '../errors.ts';
import { recordOf, type PostRecord } from '../index/records.ts';
import type { FeedId } from '../index/feed-id.ts';
import { parsePost } from '../post/parse.ts';
import type { FeedItem, Post } from '../post/types.ts';
import { type EncodedFile, encodeFile } from '../publish.ts';
import type { KnownEtags } from '../storage/fs/fs-storage.ts';
import type { Storage } from '../storage/storage.ts';
import { toFeedItem } from '../post/render.ts';
import { itemFromSource, itemOfBytes, recordWithItem, type SourceOf } from './items.ts';
import { type FeedDocument, feedFiles } from './outputs.ts';
import { fetchSource } from './source.ts';

/** The steps themselves, run where they are called. */
export interface WorkSteps {
  /** The record of a content object read just now at `etag`. */
  record(key: string, etag: string, body: Uint8Array, now: Date): PostRecord;
  /** The feed item of a content object's bytes; `null` when they make no post. */
  item(key: string, body: Uint8Array): FeedItem | null;
  /** One feed document's files (`feedFiles`), each encoded and hashed once. */
  feed(id: FeedId, document: FeedDocument): EncodedFile[];
  /**
   * The record of the post under `key` in the content the steps were given (`readRecord`); `null` when there
   * is none. Only where they were given one: threads given the content folder read its posts where they parse them.
   */
  read?(key: string, now: Date): Promise<PostRecord | null>;
  /**
   * The item of a shown post (`itemFromSource`), read from the same content where `read` is: the thread that renders
   * it reads it. `null` when its bytes no longer have the record's ETag.
   */
  shown?(record: SourceOf): Promise<FeedItem | null>;
}

export type WorkStep = keyof WorkSteps;

/** Steps only threads given the content can take. */
type ContentStep = 'read' | 'shown';

/** The steps as a rebuild calls them: asynchronous, since a worker thread may run them. */
export type Work = {
  [step in Exclude<WorkStep, ContentStep>]: (...args: Parameters<WorkSteps[step]>) => Promise<ReturnType<WorkSteps[step]>>;
} & Pick<WorkSteps, ContentStep> & {
    /** Threads that run the steps (1: the calling one). */
    readonly jobs: number;
    /**
     * The item of a shown post from the post as this build parsed it: `post`, where the calling thread kept it, else
     * the post the worker thread that parsed it kept (its `record` or `read` step), rendered there. `undefined` when
     * no thread kept it with this source: it is to be read again.
     */
    kept(source: SourceOf, post?: Post): Promise<FeedItem | undefined>;
    /** The post under `key` will not be shown: a thread that kept it lets it go. */
    forget?(key: string): void;
    /**
     * What the worker threads' own storages of the content folder computed (`FsStorage.knownEtags`), for the calling
     * thread's to `adopt`: where threads read the posts.
     */
    contentEtags?(): Promise<KnownEtags[]>;
    /** Stops the worker threads, if any; pending steps fail. */
    close(): Promise<void>;
  };

/**
 * The post each listed record came from, where the steps keep them (`localWork`, without archives): a rebuild renders
 * a shown post from it rather than reading and parsing the post again.
 */
const posts = new WeakMap<PostRecord, Post>();

/** The post `record` was made from in this thread, if the steps kept it. */
export function postOf(record: PostRecord): Post | undefined {
  return posts.get(record);
}

/** Where the steps keep each listed post they parse, to render it from if some feed shows it. */
export type KeepPost = (record: PostRecord, post: Post) => void;

/** Keeps a post for `postOf`, as long as its record lives. */
export const keepForRecord: KeepPost = (record, post) => posts.set(record, post);

/**
 * The steps; with `content`, also reading its posts (`read`, `shown`); with `keep`, keeping the listed posts they
 * parse (without archives: with them every listed record carries its item already).
 */
export function workSteps(site: SiteConfig, content?: Storage, keep?: KeepPost): WorkSteps {
  // Archive pages are rendered from records, so with archives every listed post's record carries its item.
  const record: WorkSteps['record'] = (key, etag, body, now) => {
    const parsed = parsePost(key, body, site);
    if (site.archives) return recordWithItem(key, etag, parsed, now, site);
    const made = recordOf(key, etag, parsed, now);
    if (keep && made.listed && parsed.status === 'post') keep(made, parsed.post);
    return made;
  };
  return {
    record,
    item: (key, body) => itemOfBytes(key, body, site),
    feed: (id, document) => feedFiles(site, id, document).map(encodeFile),
    ...(content && {
      read: (key: string, now: Date) => readRecord(content, key, site, now, record),
      shown: (source: SourceOf) => itemFromSource(content, source, site),
    }),
  };
}

/**
 * The record of the post under `key`, read from `content` (at most `maxPostBytes`) and parsed by `parse`; `null`
 * when there is none.
 */
export async function readRecord(
  content: Storage,
  key: string,
  site: SiteConfig,
  now: Date,
  parse: (key: string, etag: string, body: Uint8Array, now: Date) => PostRecord | Promise<PostRecord>,
): Promise<PostRecord | null> {
  const fetched = await fetchSource(content, key, site);
  if (!fetched) return null;
  return 'body' in fetched ? parse(key, fetched.etag, fetched.body, now) : recordOf(key, fetched.etag, fetched.parsed, now);
}

/**
 * Every step in the calling thread: `herald build --jobs 1`, a one-core machine, a small Lambda. Its records keep
 * their posts (`postOf`) unless `keepPosts` is false.
 */
export function localWork(site: SiteConfig, keepPosts = true): Work {
  const steps = workSteps(site, undefined, keepPosts ? keepForRecord : undefined);
  return {
    jobs: 1,
    record: async (...args) => steps.record(...args),
    item: async (...args) => steps.item(...args),
    feed: async (...args) => steps.feed(...args),
    kept: async (_source, post) => post && toFeedItem(post, site),
    close: async () => {},
  };
}

/**
 * The threads that run the steps are gone (one stopped, or they were closed): no step can run any more. Unlike a
 * step that fails on its input (one post reported, the others published), this fails the rebuild as a whole, which
 * then releases the index as incomplete: going on would publish feeds without every post the lost steps held.
 */
export class WorkUnavailableError extends HeraldError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'WorkUnavailableError';
  }
}
