import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { comparePositions, type Entry } from '../../../lib/index/entries.ts';
import { newestItems, sameNewest, shownItems, touchesNewest, type NewestItem } from '../../../lib/index/newest.ts';
import type { ListChange } from '../../../lib/index/entries.ts';
import type { FeedItem } from '../../../lib/post/types.ts';

const day = (n: number) => new Date(Date.UTC(2025, 0, 1 + n)).toISOString();
const item = (key: string) => ({ key, title: key }) as FeedItem;

/** The newest `n` of a whole list after a change, computed the plain way. */
function newestAfter(list: Entry[], change: ListChange, n: number): Entry[] {
  const keys = new Set([...change.remove, ...change.insert].map((position) => position[1]));
  return [...list.filter((entry) => !keys.has(entry[1])), ...change.insert].sort(comparePositions).slice(0, n);
}

describe('a feed newest items', () => {
  it('are left alone only by changes that cannot reach them', () => {
    const entry = fc
      .tuple(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 30 }))
      .map(([d, k]): Entry => [day(d), `p${k}.md`, `"${d}"`]);
    fc.assert(
      fc.property(
        fc.uniqueArray(entry, { selector: (e) => e[1], maxLength: 25 }),
        fc.array(fc.integer({ min: 0, max: 30 }), { maxLength: 4 }),
        fc.uniqueArray(entry, { selector: (e) => e[1], maxLength: 4 }),
        fc.integer({ min: 1, max: 8 }),
        (unsorted, removed, inserted, n) => {
          const list = [...unsorted].sort(comparePositions);
          const before = list.slice(0, n);
          // A removal names a key at its listed position, as a pending marker does.
          const remove = removed.flatMap((k) => list.filter((e) => e[1] === `p${k}.md`).map((e) => [e[0], e[1]] as const));
          const change: ListChange = { remove, insert: inserted };
          const newest = before.map((e): NewestItem => ({ entry: e, item: item(e[1]) }));
          if (!touchesNewest(newest, change, n)) expect(newestAfter(list, change, n)).toEqual(before);
        },
      ),
    );
  });

  it('keep the item of an entry that stays, and ask for the others', async () => {
    const a: Entry = [day(3), 'a.md', '"1"'];
    const b: Entry = [day(2), 'b.md', '"1"'];
    const previous: NewestItem[] = [{ entry: a, item: item('a.md') }];
    const asked: string[] = [];
    const next = await newestItems([[day(3), 'a.md', '"2"'], b], previous, async (entry) => {
      asked.push(entry[1]);
      return entry[1] === 'b.md' ? null : item(`${entry[1]} again`);
    });
    // The edited entry (another source ETag) gets its item anew; b shows nothing, and is not shown.
    expect(asked).toEqual(['a.md', 'b.md']);
    expect(shownItems(next)).toEqual([item('a.md again')]);
    expect(await newestItems([a], previous, () => Promise.reject(new Error('not asked')))).toEqual(previous);
    expect(sameNewest(previous, [{ entry: a, item: item('a.md') }])).toBe(true);
    expect(sameNewest(previous, next)).toBe(false);
  });
});
