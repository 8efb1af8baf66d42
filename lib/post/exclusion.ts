/**
 * Leaving a valid post out of feeds. The front-matter forms, combined when several are present:
 *
 * - Herald's `feeds`: `false` keeps the post out of every feed; a mapping of feed kinds to booleans keeps it out
 *   of the kinds set to false (`feeds: { tag: false }`: in every feed but its tags'). Kinds are `site`,
 *   `category`, `tag`, `section`, `language` and `author` (the plural folder names are read as well).
 * - Hugo's build options, `build` or `_build` (its older name): `list: never` (or `false`, Hugo's value before
 *   0.57.2) and `render: never` (or `false`) keep the page out of every page collection, so out of every feed;
 *   `list: local` keeps it in its section's collections only, so out of every feed but its section's; `always`
 *   (or `true`) is the default. `render: link` still lists the page.
 * - Hugo's `headless: true` (a leaf bundle's), which sets both to never.
 *
 * A value of another shape rejects the post with the key and the problem: publishing a post whose author meant
 * to keep it out of feeds would be the one mistake a reader cannot unsee. Out of every feed is decided with
 * drafts (`isPublished`); a per-kind exclusion by the code that lists a post in its feeds (`listedIn`).
 */
import { booleanOf, describeValue, isMapping } from './text.ts';
import { FEED_KINDS, type FeedKind, type PostMeta } from './types.ts';

/** What a front-matter exclusion says, or what is wrong with it. */
export type Exclusion = { excludeFrom?: 'all' | FeedKind[] } | { problem: string };

const KIND_NAMES = new Map<string, FeedKind>([
  ...FEED_KINDS.map((kind) => [kind, kind] as const),
  ['categories', 'category'],
  ['tags', 'tag'],
  ['sections', 'section'],
  ['languages', 'language'],
  ['authors', 'author'],
]);

/** What one key says: out of every feed, out of some kinds, or what is wrong with it. */
type Reading = 'all' | readonly FeedKind[] | { problem: string };

/** Hugo's `list: local`: in its section's collections only. */
const LOCAL: readonly FeedKind[] = FEED_KINDS.filter((kind) => kind !== 'section');

/** The exclusion declared by a post's (lower-cased) front-matter fields. */
export function exclusionOf(fields: ReadonlyMap<string, unknown>): Exclusion {
  const kinds = new Set<FeedKind>();
  for (const [name, read] of [
    ['feeds', heraldFeeds],
    ['build', hugoBuild],
    ['_build', hugoBuild],
    ['headless', hugoHeadless],
  ] as const) {
    const value = fields.get(name);
    if (value === undefined) continue;
    const result = read(value);
    if (typeof result === 'object' && 'problem' in result) return { problem: `${name}: ${result.problem}` };
    if (result === 'all') return { excludeFrom: 'all' };
    for (const kind of result) kinds.add(kind);
  }
  if (kinds.size === 0) return {};
  if (kinds.size === FEED_KINDS.length) return { excludeFrom: 'all' };
  // In FEED_KINDS order, so one exclusion is stored (and compared) one way whatever order it was written in.
  return { excludeFrom: FEED_KINDS.filter((kind) => kinds.has(kind)) };
}

/** Whether a post is listed in the feeds of `kind`, by its exclusion alone (visibility is `isPublished`'s). */
export function listedIn(meta: Pick<PostMeta, 'excludeFrom'>, kind: FeedKind): boolean {
  const excluded = meta.excludeFrom;
  return excluded === undefined || (excluded !== 'all' && !excluded.includes(kind));
}

/** `feeds`: a boolean, or a mapping of kinds to booleans. */
function heraldFeeds(value: unknown): Reading {
  const flag = booleanOf(value);
  if (flag !== undefined) return flag ? [] : 'all';
  if (!isMapping(value)) return { problem: `expected false or a mapping such as { tag: false }, found ${describeValue(value)}` };
  const kinds: FeedKind[] = [];
  for (const [name, setting] of Object.entries(value)) {
    const kind = KIND_NAMES.get(name.toLowerCase());
    if (kind === undefined) return { problem: `unknown feed kind ${JSON.stringify(name)} (expected ${FEED_KINDS.join(', ')})` };
    const on = booleanOf(setting);
    if (on === undefined) return { problem: `${name}: expected true or false, found ${describeValue(setting)}` };
    if (!on) kinds.push(kind);
  }
  return kinds;
}

/** Hugo's build options; keys other than `list` and `render` (publishResources) say nothing about feeds. */
function hugoBuild(value: unknown): Reading {
  if (!isMapping(value)) return { problem: `expected a mapping such as { list: never }, found ${describeValue(value)}` };
  let result: 'all' | readonly FeedKind[] = [];
  for (const [name, setting] of Object.entries(value)) {
    const option = name.toLowerCase();
    if (option !== 'list' && option !== 'render') continue;
    const flag = booleanOf(setting);
    const word = flag === undefined ? (typeof setting === 'string' ? setting.trim().toLowerCase() : undefined) : flag ? 'always' : 'never';
    const allowed = option === 'list' ? ['always', 'local', 'never'] : ['always', 'link', 'never'];
    if (word === undefined || !allowed.includes(word))
      return { problem: `${name}: expected ${allowed.join(', ')}, found ${describeValue(setting)}` };
    if (word === 'never') return 'all';
    if (word === 'local') result = LOCAL;
  }
  return result;
}

function hugoHeadless(value: unknown): Reading {
  const flag = booleanOf(value);
  if (flag === undefined) return { problem: `expected true or false, found ${describeValue(value)}` };
  return flag ? 'all' : [];
}
