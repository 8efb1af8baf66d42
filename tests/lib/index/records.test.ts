import { describe, expect, it } from 'vitest';
import {
  hiddenReason,
  indexedMeta,
  isVisible,
  keepingPending,
  MAX_RUN_MS,
  nextChangeOf,
  pendingAfter,
  recordOf,
  sameState,
} from '../../../lib/index/records.ts';
import type { PostMeta } from '../../../lib/post/types.ts';
import { isPublished, nextChange } from '../../../lib/post/visibility.ts';
import { siteConfig } from '../../support/factories.ts';
import { seededRandom } from '../../support/seeded-random.ts';

const NOW = new Date('2025-06-01T00:00:00Z');
const SITE = siteConfig();

function meta(overrides: Partial<PostMeta> = {}): PostMeta {
  return {
    key: 'posts/a.md',
    id: 'urn:uuid:1',
    title: 'A',
    url: 'https://example.test/a/',
    date: '2025-05-01T00:00:00.000Z',
    updated: '2025-05-01T00:00:00.000Z',
    draft: false,
    summary: 'Summary',
    categories: [{ name: 'News', slug: 'news' }],
    tags: [{ name: 'Go', slug: 'go' }],
    authors: [{ name: 'Ann' }],
    ...overrides,
  };
}

describe('post records', () => {
  it('decide visibility from the indexed subset exactly as from the full metadata', () => {
    const random = seededRandom(3);
    const at = (hours: number) => new Date(NOW.getTime() + hours * 3_600_000).toISOString();
    for (let i = 0; i < 500; i++) {
      const full = meta({
        date: at(Math.floor(random() * 48) - 24),
        draft: random() < 0.1,
        ...(random() < 0.3 && { publishDate: at(Math.floor(random() * 48) - 24) }),
        ...(random() < 0.3 && { expiryDate: at(Math.floor(random() * 48) - 24) }),
      });
      const indexed = indexedMeta(full);
      expect(isVisible(indexed, NOW)).toBe(isPublished(full, NOW));
      const record = recordOf(full.key, '"e"', { status: 'post', post: { ...full, body: '' } }, NOW);
      expect(nextChangeOf(record, NOW)).toBe(nextChange(full, NOW)?.toISOString());
    }
  });

  it('keep only what lists and visibility need', () => {
    const record = recordOf(
      'posts/a.md',
      '"e"',
      {
        status: 'post',
        post: { ...meta({ expiryDate: '2025-07-01T00:00:00.000Z', authors: [{ name: 'Ann', email: 'ann@example.test' }] }), body: 'x' },
      },
      NOW,
    );
    expect(record).toEqual({
      key: 'posts/a.md',
      source: '"e"',
      status: 'post',
      meta: {
        date: '2025-05-01T00:00:00.000Z',
        expiryDate: '2025-07-01T00:00:00.000Z',
        draft: false,
        categories: [{ name: 'News', slug: 'news' }],
        tags: [{ name: 'Go', slug: 'go' }],
        authors: [{ name: 'Ann' }],
      },
      listed: true,
    });
  });

  it('say why a post is hidden', () => {
    expect(hiddenReason(indexedMeta(meta({ draft: true })), NOW)).toBe('draft');
    expect(hiddenReason(indexedMeta(meta({ date: '2025-06-02T00:00:00.000Z' })), NOW)).toBe(
      'scheduled: published from 2025-06-02T00:00:00.000Z',
    );
    expect(hiddenReason(indexedMeta(meta({ expiryDate: '2025-05-02T00:00:00.000Z' })), NOW)).toBe('expired');
  });

  it('carry every earlier place of a post until its change is done', () => {
    const first = recordOf('posts/a.md', '"1"', { status: 'post', post: { ...meta(), body: '' } }, NOW);
    const second = {
      ...recordOf('posts/a.md', '"2"', { status: 'post', post: { ...meta({ tags: [] }), body: '' } }, NOW),
      pending: pendingAfter(first, SITE),
    };
    expect(second.pending).toEqual([{ date: '2025-05-01T00:00:00.000Z', feeds: ['site', 'categories/news', 'tags/go'] }]);
    // A third version before the second was carried out still knows both places (the same one here, once).
    expect(pendingAfter(second, SITE)).toEqual([
      { date: '2025-05-01T00:00:00.000Z', feeds: ['site', 'categories/news', 'tags/go'] },
      { date: '2025-05-01T00:00:00.000Z', feeds: ['site', 'categories/news'] },
    ]);
    expect(sameState(first, { ...first, pending: [] })).toBe(true);
    expect(sameState(first, second)).toBe(false);
    expect(recordOf('posts/a.md', undefined, null, NOW)).toEqual({ key: 'posts/a.md', status: 'removed', listed: false });
  });

  it('keep, through a rebuild, the places of a run that may still be writing, and only those', () => {
    const go = recordOf('posts/a.md', '"1"', { status: 'post', post: { ...meta(), body: '' } }, NOW);
    // A run moving the post to tag zig committed this, then a rebuild read the post in tag rust.
    const inFlight = {
      ...recordOf('posts/a.md', '"2"', { status: 'post', post: { ...meta({ tags: [{ name: 'Zig', slug: 'zig' }] }), body: '' } }, NOW),
      pending: pendingAfter(go, SITE),
      pendingSince: NOW.toISOString(),
    };
    const rebuilt = recordOf(
      'posts/a.md',
      '"3"',
      { status: 'post', post: { ...meta({ tags: [{ name: 'Rust', slug: 'rust' }] }), body: '' } },
      NOW,
    );
    expect(keepingPending(rebuilt, inFlight, new Date(NOW.getTime() + 60_000), SITE)).toEqual({
      ...rebuilt,
      // Where the run was leaving (go) and where it was entering (zig): both may hold what it writes.
      pending: [
        { date: '2025-05-01T00:00:00.000Z', feeds: ['site', 'categories/news', 'tags/go'] },
        { date: '2025-05-01T00:00:00.000Z', feeds: ['site', 'categories/news', 'tags/zig'] },
      ],
      pendingSince: NOW.toISOString(),
    });
    // No run can still be writing after Lambda's limit, and a record without a marker has none to keep.
    expect(keepingPending(rebuilt, inFlight, new Date(NOW.getTime() + MAX_RUN_MS), SITE)).toEqual(rebuilt);
    expect(keepingPending(rebuilt, { ...inFlight, pendingSince: undefined }, NOW, SITE)).toEqual(rebuilt);
    expect(keepingPending(rebuilt, go, NOW, SITE)).toEqual(rebuilt);
    expect(keepingPending(rebuilt, undefined, NOW, SITE)).toEqual(rebuilt);
  });
});
