import type { FeedId } from './feed-id.ts';

/**
 * Posts whose visibility flips later (future-dated, scheduled, expiring), with when. A regenerate run
 * takes the due ones along with its own keys, so feeds follow the clock between rebuilds, exactly as a
 * rebuild at the same instant would have them. An entry that turns out stale only costs a re-check; a
 * missing one delays a post until the next rebuild, which recomputes the whole schedule.
 */
export interface Schedule {
  /** `[instant ISO UTC, content key]`, earliest first. */
  entries: [at: string, key: string][];
}

export const EMPTY_SCHEDULE: Schedule = { entries: [] };

export function dueKeys(schedule: Schedule, now: Date): string[] {
  const limit = now.toISOString();
  return schedule.entries.filter(([at]) => at <= limit).map(([, key]) => key);
}

/** When the next visibility change after `now` comes, if any: the moment a running preview wakes for it. */
export function nextChangeAfter(schedule: Schedule, now: Date): Date | null {
  const limit = now.toISOString();
  const next = schedule.entries.find(([at]) => at > limit);
  return next ? new Date(next[0]) : null;
}

export function entryFor(schedule: Schedule, key: string): string | undefined {
  return schedule.entries.find(([, entryKey]) => entryKey === key)?.[0];
}

/** The schedule with each key set to its instant (undefined: removed); null when that changes nothing. */
export function withTimes(schedule: Schedule, times: ReadonlyMap<string, string | undefined>): Schedule | null {
  if ([...times].every(([key, at]) => entryFor(schedule, key) === at)) return null;
  const entries = schedule.entries.filter(([, key]) => !times.has(key));
  for (const [key, at] of times) if (at !== undefined) entries.push([at, key]);
  return { entries: sortSchedule(entries) };
}

export function sortSchedule(entries: [string, string][]): [string, string][] {
  return entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
}

/**
 * The schedule also says when a feed's oldest announced deletion runs its time (lib/index/archive.ts), under a
 * key no post has (post keys end in `.md`, this one in `/`), so the feed is rendered without it exactly when a
 * rebuild would be.
 */
const TOMBSTONES = 'tombstones:';

export function tombstoneKey(feed: FeedId): string {
  return `${TOMBSTONES}${feed}/`;
}

/** The feed a schedule key stands for; null for a post's key. */
export function feedOfTombstoneKey(key: string): FeedId | null {
  return key.startsWith(TOMBSTONES) && key.endsWith('/') ? key.slice(TOMBSTONES.length, -1) : null;
}
