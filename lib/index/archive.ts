/**
 * A feed's history (RFC 5005 archived feeds): everything older than its newest `itemsPerFeed` items is cut
 * into archive pages of `pageSize` items, numbered from the oldest. The cuts are stored (`bounds`: each full
 * page's newest position), not recomputed from the list, so a page's URL keeps its meaning: a post dated into
 * the middle of the history joins the page its date falls in (which then holds one more), a deletion leaves
 * its page one short, and no later page moves. A rebuild cuts again only what lies past the last bound, as an
 * incremental run does, so both end with the same pages whatever order the posts came in.
 *
 * The newest page (past the last bound) is open: its items live here, in the manifest, so the upload that
 * moves a post out of the subscription document into it reads nothing more. When it passes `pageSize` its
 * oldest `pageSize` items become a page of their own, with a bound. Pages below the last bound are rendered
 * from the posts' records, read only when one of their items is edited, deleted or added.
 *
 * Deleted or unpublished posts are remembered for `tombstoneDays` (RFC 6721 `at:deleted-entry` in Atom).
 * Everything here is pure.
 */
import type { ArchiveConfig } from '../config.ts';
import type { DeletedEntry, FeedHistory } from '../feeds/types.ts';
import { comparePositions, type Entry, keyOf, type Position } from './entries.ts';
import type { NewestItem } from './newest.ts';

/** A deleted post announced in a feed: when it went (ISO UTC), its item id, and its content key (it may come back). */
export type Tombstone = [when: string, id: string, key: string];

export interface ArchiveState {
  /** The page size the bounds were cut at: another size cuts the history again. */
  size: number;
  /** Each full page's newest position, oldest page first: page i holds the archived entries after bound i-1 up to bound i. */
  bounds: Position[];
  /** The open page: archived entries past the last bound, newest first, with their items. */
  open: NewestItem[];
  /** Deleted posts still announced, newest first. */
  deleted: Tombstone[];
  /**
   * The full pages incremental runs changed last: closed, given or deprived of a newer neighbour (their links change),
   * or with entries of their own come, gone or edited (a post dated into the page, a post pushed down from the newest
   * or drawn up into it); at most `CLOSINGS_KEPT`, oldest first, each with the start of the run that did it. A run that
   * stops before writing such a page leaves it to the run finishing its work, which looks from the top down for what
   * it left; pages as they should be may sit on top of it (closed by others since, or emptied). So the finishing run
   * also checks each page noted since the stopped run started. Absent from a rebuild's lists, whose pages it writes
   * itself.
   */
  closings?: Closing[];
}

/** A page an incremental run closed, and when that run started (ISO). */
export type Closing = [page: number, at: string];

/** Enough for the pages changed while a stopped run's retry comes, on any feed but one written to without pause. */
export const CLOSINGS_KEPT = 32;

export const EMPTY_ARCHIVE: ArchiveState = { size: 0, bounds: [], open: [], deleted: [] };

const DAY_MS = 86_400_000;

/** The page an archived position belongs to (1 = oldest): one more than the bounds it is newer than. */
export function pageOf(bounds: readonly Position[], position: Position): number {
  let low = 0;
  let high = bounds.length;
  // Bounds are oldest first; find how many are older than the position.
  while (low < high) {
    const mid = (low + high) >> 1;
    if (comparePositions(position, bounds[mid]!) < 0) low = mid + 1;
    else high = mid;
  }
  return low + 1;
}

/** Same bounds, open page and announcements: the subscription document and the open page render the same. */
export function sameArchive(a: ArchiveState | undefined, b: ArchiveState | undefined): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** How many archive pages the feed has: its full pages, and the open one if it holds anything. */
export function pageCount(archive: ArchiveState): number {
  return archive.bounds.length + (archive.open.length > 0 ? 1 : 0);
}

/** The bounds kept from a stored state: none when it was cut at another size. */
export function keptBounds(stored: ArchiveState | undefined, config: ArchiveConfig): Position[] {
  return stored && stored.size === config.pageSize ? stored.bounds : [];
}

/**
 * Closes full pages: while the open page holds more than `size` items, its oldest `size` become a page with
 * a bound. With no archived entry left at all, the bounds go too (an emptied feed starts its history again).
 * Returns the new state and the pages it closed, with their items.
 */
export function sealOpen(
  archive: ArchiveState,
  size: number,
  archivedTotal: number,
  /** When the run closing them started (ISO), noted in `closings`. */
  at: string,
): { archive: ArchiveState; closed: { page: number; items: NewestItem[] }[] } {
  const { closings: _closings, ...rest } = archive;
  if (archivedTotal === 0) return { archive: { ...rest, size, bounds: [], open: [] }, closed: [] };
  const bounds = [...archive.bounds];
  // Those of pages cut again (another size) are gone with them.
  const closings = (archive.closings ?? []).filter(([page]) => page <= bounds.length);
  let open = archive.open;
  const closed: { page: number; items: NewestItem[] }[] = [];
  while (open.length > size) {
    const items = open.slice(open.length - size);
    bounds.push(position(items[0]!.entry));
    closed.push({ page: bounds.length, items });
    closings.push([bounds.length, at]);
    open = open.slice(0, open.length - size);
  }
  const kept = closings.slice(-CLOSINGS_KEPT);
  return { archive: { ...rest, size, bounds, open, ...(kept.length > 0 && { closings: kept }) }, closed };
}

/** `archive` noting, in `closings`, these of its full pages as changed by the run started `at` (each once). */
export function noting(archive: ArchiveState, pages: Iterable<number>, at: string): ArchiveState {
  const before = archive.closings ?? [];
  const closings = [...before];
  for (const page of pages) {
    if (page >= 1 && page <= archive.bounds.length && !closings.some(([p, t]) => p === page && t === at)) closings.push([page, at]);
  }
  return closings.length === before.length ? archive : { ...archive, closings: closings.slice(-CLOSINGS_KEPT) };
}

/**
 * `archive` noting, in `closings`, the full page whose newer neighbour came or went with this change (the feed had
 * `pagesBefore` pages): its links change, as a closed page's content does.
 */
export function notingReshaped(archive: ArchiveState, pagesBefore: number, at: string): ArchiveState {
  const pages = pageCount(archive);
  return pages === pagesBefore ? archive : noting(archive, [Math.min(pagesBefore, pages)], at);
}

/**
 * A whole list's history as a rebuild finds it: the archived entries (the list past its newest), with the bounds
 * kept from before and new ones cut past the last. Pages are oldest first, each newest first; the open page, if
 * any, is the last.
 */
export function cutHistory(archived: readonly Entry[], kept: readonly Position[], size: number): { bounds: Position[]; pages: Entry[][] } {
  if (archived.length === 0) return { bounds: [], pages: [] };
  const bounds = [...kept];
  const pages: Entry[][] = Array.from({ length: bounds.length }, () => []);
  const open: Entry[] = [];
  for (const entry of archived) {
    const page = pageOf(bounds, entry);
    if (page > bounds.length) open.push(entry);
    else pages[page - 1]!.push(entry);
  }
  let rest = open;
  while (rest.length > size) {
    const full = rest.slice(rest.length - size);
    bounds.push(position(full[0]!));
    pages.push(full);
    rest = rest.slice(0, rest.length - size);
  }
  if (rest.length > 0) pages.push(rest);
  return { bounds, pages };
}

function position(entry: Entry): Position {
  return [entry[0], entry[1]];
}

/** The tombstones still announced at `now`, without those of posts listed again, newest first. */
export function liveTombstones(deleted: readonly Tombstone[], now: Date, days: number, listed: (key: string) => boolean): Tombstone[] {
  const since = new Date(now.getTime() - days * DAY_MS).toISOString();
  return deleted.filter(([when, , key]) => when > since && !listed(key)).sort(compareTombstones);
}

/** Adds a tombstone for a post leaving the feed unpublished; a post already announced keeps its first one. */
export function withTombstone(deleted: readonly Tombstone[], tombstone: Tombstone): Tombstone[] {
  if (deleted.some(([, , key]) => key === tombstone[2])) return [...deleted];
  return [...deleted, tombstone].sort(compareTombstones);
}

function compareTombstones(a: Tombstone, b: Tombstone): number {
  if (a[0] !== b[0]) return a[0] > b[0] ? -1 : 1;
  return a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0;
}

/** When the oldest tombstone stops being announced: the moment the feed must be rendered again. */
export function tombstoneExpiry(deleted: readonly Tombstone[], days: number): string | undefined {
  const oldest = deleted.reduce<string | undefined>((min, [when]) => (min === undefined || when < min ? when : min), undefined);
  return oldest === undefined ? undefined : new Date(Date.parse(oldest) + days * DAY_MS).toISOString();
}

/** What the subscription document says of the history. */
export function subscriptionHistory(archive: ArchiveState): FeedHistory {
  const deleted: DeletedEntry[] = archive.deleted.map(([when, id]) => ({ id, when }));
  return deleted.length > 0 ? { pages: pageCount(archive), deleted } : { pages: pageCount(archive) };
}

/** Keys of entries, for membership tests. */
export function keysOf(items: readonly { entry: Entry }[]): Set<string> {
  return new Set(items.map(({ entry }) => keyOf(entry)));
}
