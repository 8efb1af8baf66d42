/**
 * Where the index lives inside the state storage. Keys are relative, so the state can be its own bucket,
 * a folder, memory, or the feeds bucket under a private prefix (the storage adds the prefix).
 *
 *   index.json                          root: format, configuration fingerprint, rebuild lease
 *   catalog.json                        every feed that has posts, by name (directory, OPML)
 *   schedule.json                       when hidden or expiring posts change visibility
 *   records/<content key>.json          one record per content object
 *   feeds/<feed id>/manifest.json       a feed's ordered list: its shards, newest first, and newest items
 *   feeds/<feed id>/shards/<id>.json    a slice of the list; immutable, replaced by a new id on change
 *   runs/<start ms>-<id>.json           the keys an incremental run finished: their pending markers are clear
 */
import type { FeedId } from './feed-id.ts';

export const ROOT_KEY = 'index.json';
export const CATALOG_KEY = 'catalog.json';
export const SCHEDULE_KEY = 'schedule.json';
export const RECORDS_PREFIX = 'records/';
export const FEEDS_PREFIX = 'feeds/';
export const RUNS_PREFIX = 'runs/';

export function recordKey(contentKey: string): string {
  return `${RECORDS_PREFIX}${contentKey}.json`;
}

/** The content key a record key belongs to, or null for anything else under the prefix. */
export function contentKeyOf(key: string): string | null {
  return key.startsWith(RECORDS_PREFIX) && key.endsWith('.json') ? key.slice(RECORDS_PREFIX.length, -'.json'.length) : null;
}

export function manifestKey(feed: FeedId): string {
  return `${FEEDS_PREFIX}${feed}/manifest.json`;
}

export function shardKey(feed: FeedId, shard: string): string {
  return `${FEEDS_PREFIX}${feed}/shards/${shard}.json`;
}

/** A run's id starts with its start time, so a rebuild can tell old markers from their key alone. */
export function runId(startedAt: Date, unique: string): string {
  return `${startedAt.getTime()}-${unique}`;
}

export function runKey(id: string): string {
  return `${RUNS_PREFIX}${id}.json`;
}

/** When the run of a `runs/` key started; null for anything else under the prefix. */
export function runStartOf(key: string): Date | null {
  const match = /^runs\/(\d+)-[^/]+\.json$/.exec(key);
  return match ? new Date(Number(match[1])) : null;
}

/** Which feed an object under `feeds/` belongs to, and whether it is the manifest or which shard. */
export function parseFeedKey(key: string): { feed: FeedId; shard?: string } | null {
  if (!key.startsWith(FEEDS_PREFIX)) return null;
  const rest = key.slice(FEEDS_PREFIX.length);
  if (rest.endsWith('/manifest.json')) return { feed: rest.slice(0, -'/manifest.json'.length) };
  const match = /^(.*)\/shards\/([^/]+)\.json$/.exec(rest);
  return match ? { feed: match[1]!, shard: match[2]! } : null;
}

/** Post files; `herald.config.json` and anything else in the content root are not posts. */
export function isPostKey(key: string): boolean {
  return key.endsWith('.md');
}
