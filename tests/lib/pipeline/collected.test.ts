import { describe, expect, it } from 'vitest';
import { type Read, Collected } from '../../../lib/pipeline/collected.ts';
import type { PostRecord } from '../../../lib/index/records.ts';
import { siteConfig } from '../../support/factories.ts';

function post(key: string, date: string, tags: string[]): Read {
  const record: PostRecord = {
    key,
    source: `"${key}"`,
    status: 'post',
    listed: true,
    meta: { date, draft: false, categories: [], tags: tags.map((name) => ({ name, slug: name })) },
  };
  return { record };
}

describe('Collected: the posts some feed shows, in one pass', () => {
  it('holds a post while it is among the newest of any of its feeds, and gives it up once it is in none', () => {
    const collected = new Collected(siteConfig({ itemsPerFeed: 1 }));
    expect(collected.add(post('a.md', '2025-01-01T00:00:00.000Z', ['x']))).toEqual([]);
    // b is newer in the site feed and in x: a is out of both, so final.
    const finals = collected.add(post('b.md', '2025-01-02T00:00:00.000Z', ['x']));
    expect(finals.map(({ record }) => record.key)).toEqual(['a.md']);
    // c is newest in the site feed only; b stays, shown by tag x.
    expect(collected.add(post('c.md', '2025-01-03T00:00:00.000Z', ['y']))).toEqual([]);
    expect([...collected.shown.keys()].sort()).toEqual(['b.md', 'c.md']);
    expect(collected.shown.get('b.md')?.refs).toBe(1);
    // An older post in a new tag is the newest there: shown, while being final for the site feed.
    collected.add(post('d.md', '2024-12-31T00:00:00.000Z', ['z']));
    expect([...collected.shown.keys()].sort()).toEqual(['b.md', 'c.md', 'd.md']);
    expect(collected.lists.get('site')?.length).toBe(4);
  });

  it('finalises an unlisted post at once and lists it nowhere', () => {
    const collected = new Collected(siteConfig({ itemsPerFeed: 2 }));
    const hidden: Read = { record: { key: 'h.md', source: '"h"', status: 'rejected', listed: false } };
    expect(collected.add(hidden)).toEqual([hidden]);
    expect(collected.shown.size).toBe(0);
    expect(collected.lists.get('site')).toEqual([]);
  });
});
