/**
 * What a rebuild gathers while it reads, in one pass and bounded memory: each feed's list (a date, key and
 * ETag per post and feed), and the posts some feed shows. A post is held only while it is among the newest
 * `itemsPerFeed` of at least one of its feeds (a reference count); once it drops out of every one, it is
 * final and its record can be written at once. The single-process rebuild and the fanned-out workers share it.
 */
import type { SiteConfig } from '../config.ts';
import { comparePositions, type Entry, entryOf, feedsOf, keyOf } from '../index/entries.ts';
import { type FeedId, SITE_FEED } from '../index/feed-id.ts';
import type { PostRecord } from '../index/records.ts';
import type { FeedItem, Post } from '../post/types.ts';

/** A content key as listed; its ETag only when stored records may be reused. */
export interface Listed {
  key: string;
  etag?: string;
}

/** A record as stored before this run: written over only if the new one differs. */
export interface StoredRecord {
  etag: string;
  json: string;
}

/** One content key as read by a rebuild. */
export interface Read {
  record: PostRecord;
  stored?: StoredRecord;
  /** The stored item, valid when the stored record was reused. */
  storedItem?: FeedItem;
  /** The key could not be read: its stored record stays as it is. */
  keep?: boolean;
  /** The post the record was made from, where the steps keep it (`postOf`): rendered from it if shown. */
  post?: Post;
}

/**
 * A post that is, so far, among the newest of some feed. Only these records are held until the end;
 * the others are written as soon as they are read, without an item. The thread that parsed such a post holds it too
 * (the calling thread here, as `post`; a worker thread in its own memory, `Work.kept`), and renders its item from it
 * if some feed shows it.
 */
export interface Candidate extends Read {
  /** How many feeds it is among the newest of: at 0 it can never be shown again. */
  refs: number;
}

/** The newest `size` entries of one feed seen so far. */
class Newest {
  readonly entries: Entry[] = [];

  constructor(readonly size: number) {}

  /** false: not among the newest; otherwise in, pushing out the returned entry (if the list was full). */
  admit(entry: Entry): Entry | undefined | false {
    const { entries } = this;
    if (entries.length === this.size && comparePositions(entry, entries[entries.length - 1]!) >= 0) return false;
    let low = 0;
    let high = entries.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (comparePositions(entries[mid]!, entry) < 0) low = mid + 1;
      else high = mid;
    }
    entries.splice(low, 0, entry);
    return entries.length > this.size ? entries.pop() : undefined;
  }
}

/** What a rebuild gathers while it reads. */
export class Collected {
  readonly seen = new Set<string>();
  /** Each feed's entries (sorted once all are read); the site feed exists even when empty. */
  readonly lists = new Map<FeedId, Entry[]>([[SITE_FEED, []]]);
  readonly newest = new Map<FeedId, Newest>();
  /** Posts among the newest of some feed so far; once everything is read, the posts some feed shows. */
  readonly shown = new Map<string, Candidate>();
  readonly schedule: [string, string][] = [];

  constructor(readonly site: SiteConfig) {}

  /**
   * Places a post in its feeds' lists. Synchronous, so concurrent reads never see a half-placed post.
   * Returns the posts now final: out of every feed's newest (this one, or ones it pushed out).
   */
  add(read: Read): Read[] {
    const { record } = read;
    this.seen.add(record.key);
    const final: Read[] = [];
    let refs = 0;
    if (record.listed && record.meta && record.source !== undefined) {
      for (const [feed, name] of feedsOf(record.meta, this.site)) {
        const entry = entryOf(record.key, record.meta.date, record.source, name);
        let list = this.lists.get(feed);
        if (!list) {
          list = [];
          this.lists.set(feed, list);
        }
        list.push(entry);
        let top = this.newest.get(feed);
        if (!top) {
          top = new Newest(this.site.itemsPerFeed);
          this.newest.set(feed, top);
        }
        const admitted = top.admit(entry);
        if (admitted === false) continue;
        refs++;
        const evicted = admitted && this.shown.get(keyOf(admitted));
        if (evicted && --evicted.refs === 0) {
          this.shown.delete(keyOf(admitted));
          final.push(evicted);
        }
      }
    }
    if (refs > 0) this.shown.set(record.key, { ...read, refs });
    else final.push(read);
    return final;
  }
}
