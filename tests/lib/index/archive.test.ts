import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type ArchiveState,
  CLOSINGS_KEPT,
  type Closing,
  cutHistory,
  EMPTY_ARCHIVE,
  liveTombstones,
  noting,
  notingReshaped,
  pageOf,
  sealOpen,
  tombstoneExpiry,
  withTombstone,
} from '../../../lib/index/archive.ts';
import type { Entry } from '../../../lib/index/entries.ts';

const entry = (n: number): Entry => [
  new Date(Date.UTC(2025, 0, 1) + n * 60_000).toISOString(),
  `p${String(n).padStart(4, '0')}.md`,
  'etag',
];
/** Newest first, as lists are. */
const list = (count: number): Entry[] => Array.from({ length: count }, (_, i) => entry(count - 1 - i));

describe('archive pages', () => {
  it('pageOf counts the bounds a position is newer than', () => {
    const bounds = [entry(2), entry(5)];
    expect([0, 2, 3, 5, 6, 9].map((n) => pageOf(bounds, entry(n)))).toEqual([1, 1, 2, 2, 3, 3]);
    expect(pageOf([], entry(1))).toBe(1);
  });

  it('a rebuild cuts the history as posts arriving one by one close pages (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 1, max: 7 }), (count, size) => {
        let archive = EMPTY_ARCHIVE;
        for (let n = 0; n < count; n++) {
          const open = [{ entry: entry(n), item: null }, ...archive.open];
          archive = sealOpen({ ...archive, open }, size, n + 1, entry(n)[0]).archive;
        }
        const { bounds, pages } = cutHistory(list(count), [], size);
        expect(archive.bounds).toEqual(bounds);
        // The pages closed last, each when: the newest `CLOSINGS_KEPT` of them.
        const closings = bounds.map((_, i): Closing => [i + 1, entry(size * (i + 1))[0]]).slice(-CLOSINGS_KEPT);
        expect(archive.closings ?? []).toEqual(closings);
        expect(archive.open.map(({ entry }) => entry)).toEqual(pages.length > bounds.length ? pages.at(-1) : []);
        // Every page but the newest is full; the newest holds 1 to `size`.
        for (const page of pages.slice(0, bounds.length)) expect(page).toHaveLength(size);
      }),
    );
  });

  it('notes the full page whose newer neighbour comes or goes, once, and no other', () => {
    const full = { ...EMPTY_ARCHIVE, size: 2, bounds: [entry(1), entry(3)] };
    const open = [{ entry: entry(4), item: null }];
    const at = entry(9)[0];
    // The open page fills again (2 pages, then 3), or empties (3, then 2): page 2's links change.
    expect(notingReshaped({ ...full, open }, 2, at).closings).toEqual([[2, at]]);
    expect(notingReshaped(full, 3, at).closings).toEqual([[2, at]]);
    expect(notingReshaped(notingReshaped(full, 3, at), 3, at).closings).toEqual([[2, at]]);
    // The same number of pages; or none full.
    expect(notingReshaped({ ...full, open }, 3, at).closings).toBeUndefined();
    expect(notingReshaped({ ...EMPTY_ARCHIVE, size: 2, open }, 0, at).closings).toBeUndefined();
  });

  it('notes the full pages a run changed, each once a run, the newest CLOSINGS_KEPT, and no open page', () => {
    const full = { ...EMPTY_ARCHIVE, size: 2, bounds: [entry(1), entry(3)], open: [{ entry: entry(4), item: null }] };
    const [at, later] = [entry(9)[0], entry(10)[0]];
    expect(noting(full, [2, 1, 3, 0], at).closings).toEqual([
      [2, at],
      [1, at],
    ]);
    expect(noting(noting(full, [2], at), [2], at).closings).toEqual([[2, at]]);
    expect(noting(noting(full, [2], at), [2], later).closings).toEqual([
      [2, at],
      [2, later],
    ]);
    expect(noting(full, [], at)).toBe(full);
    let many: ArchiveState = full;
    for (let i = 0; i < CLOSINGS_KEPT + 5; i++) many = noting(many, [1], entry(100 + i)[0]);
    expect(many.closings).toHaveLength(CLOSINGS_KEPT);
    expect(many.closings?.at(-1)).toEqual([1, entry(100 + CLOSINGS_KEPT + 4)[0]]);
  });

  it('keeps stored bounds: a back-dated entry joins its page, which grows, and later pages stay', () => {
    const { bounds } = cutHistory(list(9), [], 3);
    const withOld = [...list(9)];
    withOld.splice(7, 0, ['2025-01-01T00:01:30.000Z', 'old.md', 'etag']);
    const { pages } = cutHistory(withOld, bounds, 3);
    expect(pages.map((page) => page.map(([, key]) => key))).toEqual([
      ['p0002.md', 'old.md', 'p0001.md', 'p0000.md'],
      ['p0005.md', 'p0004.md', 'p0003.md'],
      ['p0008.md', 'p0007.md', 'p0006.md'],
    ]);
    // An emptied history starts again.
    expect(cutHistory([], bounds, 3)).toEqual({ bounds: [], pages: [] });
  });

  it('announces a deletion once, until its days are over or the post is listed again', () => {
    let deleted = withTombstone([], ['2025-06-01T00:00:00.000Z', 'id-a', 'a.md']);
    deleted = withTombstone(deleted, ['2025-06-02T00:00:00.000Z', 'id-a', 'a.md']);
    deleted = withTombstone(deleted, ['2025-06-03T00:00:00.000Z', 'id-b', 'b.md']);
    expect(deleted.map(([when]) => when)).toEqual(['2025-06-03T00:00:00.000Z', '2025-06-01T00:00:00.000Z']);
    expect(tombstoneExpiry(deleted, 2)).toBe('2025-06-03T00:00:00.000Z');
    expect(liveTombstones(deleted, new Date('2025-06-03T00:00:00.000Z'), 2, () => false).map(([, id]) => id)).toEqual(['id-b']);
    expect(liveTombstones(deleted, new Date('2025-06-02T00:00:00.000Z'), 2, (key) => key === 'b.md').map(([, id]) => id)).toEqual(['id-a']);
  });
});
