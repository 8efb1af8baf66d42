import { describe, expect, it } from 'vitest';
import { catalogChanged, catalogOf, EMPTY_CATALOG, summariesOf, withFeeds } from '../../../lib/index/catalog.ts';
import type { Entry } from '../../../lib/index/entries.ts';
import { dueKeys, EMPTY_SCHEDULE, nextChangeAfter, withTimes } from '../../../lib/index/schedule.ts';
import { cutList, EMPTY_MANIFEST } from '../../../lib/index/shards.ts';
import { testSite } from '../../support/site-content.ts';

describe('catalog', () => {
  const entries: Entry[] = [
    ['2025-05-02T00:00:00.000Z', 'b.md', '"2"', 'Rust'],
    ['2025-05-01T00:00:00.000Z', 'a.md', '"1"', 'rust'],
  ];
  const manifest = cutList(entries).manifest;

  it('lists the site feed always and a term feed while it has posts, named by its newest post', () => {
    const catalog = catalogOf(
      new Map([
        ['tags/rust', manifest],
        ['tags/empty', EMPTY_MANIFEST],
      ]),
    );
    expect(catalog.feeds.map((entry) => entry.id)).toEqual(['site', 'tags/rust']);
    const [site, rust] = summariesOf(catalog, testSite({ itemsPerFeed: 1 }));
    expect(site).toEqual({ feed: expect.objectContaining({ kind: 'site' }) });
    expect(rust).toEqual({ feed: expect.objectContaining({ kind: 'tag', term: { name: 'Rust', slug: 'rust' } }) });
  });

  it('changes only when a feed appears, disappears or is renamed, not with its posts', () => {
    const catalog = catalogOf(new Map([['tags/rust', manifest]]));
    const busier = cutList([['2025-05-03T00:00:00.000Z', 'c.md', '"3"', 'Rust'], ...entries]).manifest;
    expect(withFeeds(catalog, new Map([['tags/rust', manifest]]))).toBeNull();
    expect(catalogChanged('tags/rust', manifest, busier)).toBe(false);
    expect(withFeeds(catalog, new Map([['tags/rust', busier]]))).toBeNull();
    const renamed = cutList([['2025-05-03T00:00:00.000Z', 'c.md', '"3"', 'RUST']]).manifest;
    expect(catalogChanged('tags/rust', manifest, renamed)).toBe(true);
    expect(withFeeds(catalog, new Map([['tags/rust', renamed]]))?.feeds).toEqual([{ id: 'site' }, { id: 'tags/rust', name: 'RUST' }]);
    expect(catalogChanged('tags/rust', manifest, EMPTY_MANIFEST)).toBe(true);
    expect(withFeeds(catalog, new Map([['tags/rust', EMPTY_MANIFEST]]))).toEqual(EMPTY_CATALOG);
  });
});

describe('schedule', () => {
  it('gives the keys whose time has come and changes only when an instant does', () => {
    const schedule = withTimes(
      EMPTY_SCHEDULE,
      new Map([
        ['b.md', '2025-06-02T00:00:00.000Z'],
        ['a.md', '2025-06-01T00:00:00.000Z'],
      ]),
    )!;
    expect(schedule.entries).toEqual([
      ['2025-06-01T00:00:00.000Z', 'a.md'],
      ['2025-06-02T00:00:00.000Z', 'b.md'],
    ]);
    expect(dueKeys(schedule, new Date('2025-06-01T00:00:00Z'))).toEqual(['a.md']);
    expect(
      withTimes(
        schedule,
        new Map([
          ['a.md', '2025-06-01T00:00:00.000Z'],
          ['c.md', undefined],
        ]),
      ),
    ).toBeNull();
    expect(withTimes(schedule, new Map([['a.md', undefined]]))!.entries).toEqual([['2025-06-02T00:00:00.000Z', 'b.md']]);
  });

  it('tells when the next change after an instant comes', () => {
    const schedule = withTimes(
      EMPTY_SCHEDULE,
      new Map([
        ['b.md', '2025-06-02T00:00:00.000Z'],
        ['a.md', '2025-06-01T00:00:00.000Z'],
      ]),
    )!;
    expect(nextChangeAfter(schedule, new Date('2025-05-01T00:00:00Z'))).toEqual(new Date('2025-06-01T00:00:00Z'));
    // One already due is the current run's: the next wake is the one after it.
    expect(nextChangeAfter(schedule, new Date('2025-06-01T00:00:00Z'))).toEqual(new Date('2025-06-02T00:00:00Z'));
    expect(nextChangeAfter(schedule, new Date('2025-06-02T00:00:00Z'))).toBeNull();
    expect(nextChangeAfter(EMPTY_SCHEDULE, new Date())).toBeNull();
  });
});
