import type { SiteConfig } from '../config.ts';
import { siteFeed, TERM_KINDS, termFeed } from '../feeds/descriptor.ts';
import type { FeedDescriptor, TermKind } from '../feeds/types.ts';

/** Names a feed in the index: `site`, or `<folder>/<slug>` for a term (`tags/rust`, `languages/zh-cn`): its output folder without the slash. */
export type FeedId = string;

export const SITE_FEED: FeedId = 'site';

const KIND_OF_FOLDER = new Map<string, TermKind>(Object.entries(TERM_KINDS).map(([kind, { folder }]) => [folder, kind as TermKind]));

export function termFeedId(kind: TermKind, slug: string): FeedId {
  return `${TERM_KINDS[kind].folder}/${slug}`;
}

export function parseFeedId(id: FeedId): { kind: 'site' } | { kind: TermKind; slug: string } {
  if (id === SITE_FEED) return { kind: 'site' };
  const slash = id.indexOf('/');
  const kind = slash === -1 ? undefined : KIND_OF_FOLDER.get(id.slice(0, slash));
  if (kind === undefined) throw new Error(`not a feed id: ${JSON.stringify(id)}`);
  return { kind, slug: id.slice(slash + 1) };
}

/**
 * The descriptor a feed is rendered with. A term feed takes its display name from its newest post (terms
 * that differ only in case or spacing share a slug, so several names may exist): a function of the
 * feed's list, hence identical after a full rebuild and after any sequence of incremental updates.
 */
export function descriptorOf(id: FeedId, name: string | undefined, site: SiteConfig): FeedDescriptor {
  const parsed = parseFeedId(id);
  if (parsed.kind === 'site') return siteFeed(site);
  return termFeed(parsed.kind, { name: name ?? parsed.slug, slug: parsed.slug }, site);
}
