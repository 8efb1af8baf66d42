import { describe, expect, it } from 'vitest';
import { catalogOf, EMPTY_CATALOG, summariesOf, withFeeds } from '../../../lib/index/catalog.ts';
import { dueKeys, EMPTY_SCHEDULE, nextChangeAfter, withTimes } from '../../../lib/index/schedule.ts';
import { cutList, EMPTY_MANIFEST } from '../../../lib/index/shards.ts';
import { testSite } from '../../support/site-content.ts';

describe('catalog', () => {
  const manifest = cutList([
    ['2025-05-02T00:00:00.000Z', 'b.md', '"2"', 'Rust'],
    ['2025-05-01T00:00:00.000Z', 'a.md', '"1"', 'rust'],
  ]).manifest;

  it('lists the site feed always and a term feed while it has posts, named by its newest post', () => {
    const catalog = catalogOf(
      new Map([
        ['tags/rust', manifest],
        ['tags/empty', EMPTY_MANIFEST],
      ]),
    );
    expect(catalog.feeds.map((entry) => entry.id)).toEqual(['site', 'tags/rust']);
    const [site, rust] = summariesOf(catalog, testSite({ itemsPerFeed: 1 }));
    expect(site).toMatchObject({ count: 0, total: 0 });
    expect(rust).toMatchObject({
      count: 1,
      total: 2,
      newest: '2025-05-02T00:00:00.000Z',
      feed: { kind: 'tag', term: { name: 'Rust', slug: 'rust' } },
    });
  });

  it('changes only when a summary does', () => {
    const catalog = catalogOf(new Map([['tags/rust', manifest]]));
    expect(withFeeds(catalog, new Map([['tags/rust', manifest]]))).toBeNull();
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
