import type { SiteConfig } from '../config.ts';
import { recordOf, type PostRecord } from '../index/records.ts';
import { parsePost } from '../post/parse.ts';
import { toFeedItem } from '../post/render.ts';
import type { FeedItem, ParseResult } from '../post/types.ts';
import type { Storage } from '../storage/storage.ts';
import { fetchSource } from './source.ts';

/** A content object's record with the item of a listed post: where archives are kept, every such record has it. */
export function recordWithItem(
  key: string,
  source: string | undefined,
  parsed: ParseResult | null,
  now: Date,
  site: SiteConfig,
): PostRecord {
  const record = recordOf(key, source, parsed, now);
  if (record.listed && parsed?.status === 'post') record.item = toFeedItem(parsed.post, site);
  return record;
}

/** The item a content object's bytes make; `null` when they make no post. */
export function itemOfBytes(key: string, body: Uint8Array, site: SiteConfig): FeedItem | null {
  const parsed = parsePost(key, body, site);
  return parsed.status === 'post' ? toFeedItem(parsed.post, site) : null;
}

/** What reading a post's source again needs of its record. */
export type SourceOf = Pick<PostRecord, 'key' | 'source'>;

/**
 * The item of a listed post whose record keeps none (it was not among any feed's newest when indexed):
 * rendered from its source, read again, by `render` (a full build's worker threads). `null` when the source
 * no longer matches the record (it changed or went away since): its own event is on its way and will render
 * the feeds again.
 */
export async function itemFromSource(
  content: Storage,
  record: SourceOf,
  site: SiteConfig,
  render: (key: string, body: Uint8Array) => FeedItem | null | Promise<FeedItem | null> = (key, body) => itemOfBytes(key, body, site),
): Promise<FeedItem | null> {
  const fetched = await fetchSource(content, record.key, site);
  if (!fetched || fetched.etag !== record.source || !('body' in fetched)) return null;
  return render(record.key, fetched.body);
}
