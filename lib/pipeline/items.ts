import type { SiteConfig } from '../config.ts';
import type { PostRecord } from '../index/records.ts';
import { toFeedItem } from '../post/render.ts';
import type { FeedItem, Post } from '../post/types.ts';
import type { Storage } from '../storage/storage.ts';
import { readSource } from './source.ts';

/**
 * A post's feed item. Items always go through JSON, whether they were stored in a record or rendered
 * just now, so a feed's bytes never depend on which path produced them.
 */
export function itemOf(post: Post, site: SiteConfig): FeedItem {
  return JSON.parse(JSON.stringify(toFeedItem(post, site))) as FeedItem;
}

/**
 * The item of a listed post whose record keeps none (it was not among any feed's newest when indexed):
 * rendered from its source, read again. `null` when the source no longer matches the record (it changed
 * or went away since): its own event is on its way and will render the feeds again.
 */
export async function itemFromSource(content: Storage, record: PostRecord, site: SiteConfig): Promise<FeedItem | null> {
  const source = await readSource(content, record.key, site);
  if (!source || source.etag !== record.source) return null;
  return source.parsed.status === 'post' ? itemOf(source.parsed.post, site) : null;
}
