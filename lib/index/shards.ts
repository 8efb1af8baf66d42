/**
 * A feed's list of posts, newest first, cut into shards of bounded size. The manifest names the shards in
 * order with their bounds, so a change reads and writes only the shards its positions fall in (an upload:
 * the newest), and the newest N items are in the first shard or two, however long the list.
 *
 * Shards are immutable: a changed shard gets a new id and the manifest, written conditionally, is the one
 * commit point. A reader holding an older manifest either finds the shards it names or learns it is stale.
 * Everything here is pure; storage round trips are the caller's.
 */
import { createHash } from 'node:crypto';
import { comparePositions, sameEntry, type Entry, type ListChange, type Position, keyOf } from './entries.ts';
import type { ArchiveState } from './archive.ts';
import type { NewestItem } from './newest.ts';

/** A shard past this size is split. */
export const SHARD_MAX = 512;
/** Size of the shards a rebuild cuts and a split makes: room to grow before the next split. */
export const SHARD_FILL = 256;

export interface ShardRef {
  id: string;
  count: number;
  /** Newest entry in full: the feed's newest post is `shards[0].first`. */
  first: Entry;
  last: Position;
}

export interface Manifest {
  /** Posts in the list: every one is published (hidden posts are not listed). */
  total: number;
  shards: ShardRef[];
  /**
   * The list's first `itemsPerFeed` entries with their rendered items: exactly what the feed files show, so
   * rendering them reads no record and no shard, and a change that leaves them alone renders nothing.
   */
  newest: NewestItem[];
  /**
   * Raised by a run whose change to this list turned out to be made already, or to have nothing to remove:
   * equal bytes would keep the manifest's ETag, and a concurrent run that read this version (and a record
   * older than that run's) could then still commit over it. Absent until the first such run.
   */
  version?: number;
  /** The feed's history past its newest (lib/index/archive.ts), when the site keeps archives. */
  archive?: ArchiveState;
}

export const EMPTY_MANIFEST: Manifest = { total: 0, shards: [], newest: [] };

export interface Shard {
  entries: Entry[];
}

export type { ListChange };

export interface ListUpdate {
  manifest: Manifest;
  /** New shards to store before the manifest. */
  written: { id: string; entries: Entry[] }[];
  /** Shards the new manifest no longer names: garbage once it is committed. */
  obsolete: string[];
}

/** The shard a position belongs in: the first whose last entry is not newer than it, else the oldest. -1: no shards. */
export function locate(shards: readonly ShardRef[], position: Position): number {
  for (let i = 0; i < shards.length; i++) {
    if (comparePositions(position, shards[i]!.last) <= 0) return i;
  }
  return shards.length - 1;
}

/** Indices of the shards a change must read. */
export function shardsToLoad(manifest: Manifest, change: ListChange): number[] {
  const indices = new Set<number>();
  for (const position of [...change.remove, ...change.insert]) {
    const index = locate(manifest.shards, position);
    if (index >= 0) indices.add(index);
  }
  return [...indices].sort((a, b) => a - b);
}

/**
 * Whether the list holds part of a change already: an entry to insert is there as it is, or a position to remove holds
 * no entry of its key (`loaded` covering `shardsToLoad`). Another run read the same records and listed them, and may
 * not have written what its list changed.
 */
export function partlyMade(manifest: Manifest, loaded: ReadonlyMap<string, Entry[]>, change: ListChange): boolean {
  const around = (position: Position): readonly Entry[] => {
    const ref = manifest.shards[locate(manifest.shards, position)];
    return (ref && loaded.get(ref.id)) ?? [];
  };
  return (
    change.insert.some((entry) => around(entry).some((listed) => sameEntry(listed, entry))) ||
    change.remove.some((position) => !around(position).some((listed) => comparePositions(listed, position) === 0))
  );
}

/**
 * Applies a change to the loaded shards (`loaded` maps shard ids to entries, covering `shardsToLoad`).
 * Every entry of a changed key is dropped from the shards read, so a post is never listed twice even if
 * an earlier position was lost. Returns null when the list does not change.
 */
export function applyChange(
  manifest: Manifest,
  loaded: ReadonlyMap<string, Entry[]>,
  change: ListChange,
  newId: () => string,
): ListUpdate | null {
  const keys = new Set([...change.remove, ...change.insert].map(keyOf));
  const groups = new Map<number, Entry[]>();
  const touch = (index: number): Entry[] => {
    let group = groups.get(index);
    if (!group) {
      const ref = manifest.shards[index];
      const entries = ref ? loaded.get(ref.id) : [];
      if (!entries) throw new Error(`shard ${ref!.id} was not loaded`);
      group = entries.filter((entry) => !keys.has(keyOf(entry)));
      groups.set(index, group);
    }
    return group;
  };
  for (const position of change.remove) touch(Math.max(0, locate(manifest.shards, position)));
  for (const entry of change.insert) touch(Math.max(0, locate(manifest.shards, entry))).push(entry);

  const shards: ShardRef[] = [];
  const written: ListUpdate['written'] = [];
  const obsolete: string[] = [];
  const count = Math.max(manifest.shards.length, 1);
  for (let index = 0; index < count; index++) {
    const ref = manifest.shards[index];
    const group = groups.get(index);
    if (!group) {
      if (ref) shards.push(ref);
      continue;
    }
    group.sort(comparePositions);
    const before = ref ? loaded.get(ref.id)! : [];
    if (ref && group.length === before.length && group.every((entry, i) => sameEntry(entry, before[i]!))) {
      shards.push(ref);
      continue;
    }
    if (ref) obsolete.push(ref.id);
    for (const entries of split(group)) {
      const id = newId();
      written.push({ id, entries });
      shards.push(refOf(id, entries));
    }
  }
  if (written.length === 0 && obsolete.length === 0) return null;
  // `newest` is the caller's to fill: it needs items, which come from records.
  return { manifest: { total: shards.reduce((sum, ref) => sum + ref.count, 0), shards, newest: manifest.newest }, written, obsolete };
}

/** Cuts an oversized shard into near-equal pieces; an empty one disappears. */
function split(entries: Entry[]): Entry[][] {
  if (entries.length === 0) return [];
  if (entries.length <= SHARD_MAX) return [entries];
  const pieces = Math.ceil(entries.length / SHARD_FILL);
  const size = Math.ceil(entries.length / pieces);
  const result: Entry[][] = [];
  for (let start = 0; start < entries.length; start += size) result.push(entries.slice(start, start + size));
  return result;
}

function refOf(id: string, entries: Entry[]): ShardRef {
  const last = entries[entries.length - 1]!;
  return { id, count: entries.length, first: entries[0]!, last: [last[0], last[1]] };
}

/**
 * A whole list, sorted newest first, cut the way a rebuild does, with its `newest` items. Ids are content
 * hashes, so rebuilding an unchanged list names the same shards and writes nothing.
 */
export function cutList(entries: Entry[], newest: NewestItem[] = []): { manifest: Manifest; shards: { id: string; entries: Entry[] }[] } {
  const shards: { id: string; entries: Entry[] }[] = [];
  for (let start = 0; start < entries.length; start += SHARD_FILL) {
    const slice = entries.slice(start, start + SHARD_FILL);
    shards.push({ id: createHash('sha256').update(JSON.stringify(slice)).digest('hex').slice(0, 24), entries: slice });
  }
  return { manifest: { total: entries.length, shards: shards.map(({ id, entries: slice }) => refOf(id, slice)), newest }, shards };
}

/** The newest `n` entries, reading shards in order only as far as needed. */
export async function newestEntries(manifest: Manifest, n: number, load: (ref: ShardRef) => Promise<Entry[]>): Promise<Entry[]> {
  const result: Entry[] = [];
  for (const ref of manifest.shards) {
    if (result.length >= n) break;
    result.push(...(await load(ref)).slice(0, n - result.length));
  }
  return result;
}

/** The list's entries from the newest on, as long as `take` accepts them (given each entry and its index). */
export async function entriesFromTop(
  manifest: Manifest,
  take: (entry: Entry, index: number) => boolean,
  load: (ref: ShardRef) => Promise<Entry[]>,
): Promise<Entry[]> {
  const result: Entry[] = [];
  for (const ref of manifest.shards) {
    for (const entry of await load(ref)) {
      if (!take(entry, result.length)) return result;
      result.push(entry);
    }
  }
  return result;
}

/**
 * The entries newer than `lower` (none: from the oldest) and not newer than `upper`, newest first, reading only
 * the shards that can hold them: an archive page's entries, between its bounds.
 */
export async function entriesBetween(
  manifest: Manifest,
  lower: Position | undefined,
  upper: Position,
  load: (ref: ShardRef) => Promise<Entry[]>,
): Promise<Entry[]> {
  const inRange = (position: Position) =>
    comparePositions(position, upper) >= 0 && (lower === undefined || comparePositions(position, lower) < 0);
  const shards = manifest.shards.filter(
    (ref) => comparePositions(ref.last, upper) >= 0 && (lower === undefined || comparePositions(ref.first, lower) < 0),
  );
  const loaded = await Promise.all(shards.map(load));
  return loaded.flat().filter(inRange);
}
