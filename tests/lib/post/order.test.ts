import { describe, expect, it } from 'vitest';
import { compareNewestFirst } from '../../../lib/post/order.ts';
import type { PostMeta } from '../../../lib/post/types.ts';

function meta(key: string, date: string): PostMeta {
  return {
    key,
    id: `urn:uuid:${key}`,
    title: key,
    url: 'https://example.com/',
    date,
    updated: date,
    draft: false,
    categories: [],
    tags: [],
    authors: [],
  };
}

describe('compareNewestFirst', () => {
  it('orders by date, newest first, then by key: a stable total order', () => {
    const posts = [
      meta('b.md', '2025-01-10T00:00:00.000Z'),
      meta('a.md', '2025-01-10T00:00:00.000Z'),
      meta('c.md', '2025-01-11T00:00:00.000Z'),
      meta('Z.md', '2025-01-10T00:00:00.000Z'),
      meta('科.md', '2025-01-09T00:00:00.000Z'),
    ];
    const order = (list: PostMeta[]) => [...list].sort(compareNewestFirst).map((p) => p.key);
    expect(order(posts)).toEqual(['c.md', 'Z.md', 'a.md', 'b.md', '科.md']);
    expect(order([...posts].reverse())).toEqual(order(posts));
    expect(compareNewestFirst(posts[0]!, posts[0]!)).toBe(0);
  });
});
