import { describe, expect, it } from 'vitest';
import type { PostMeta } from '../../../lib/post/types.ts';
import { isPublished, nextChange } from '../../../lib/post/visibility.ts';

function meta(extra: Partial<PostMeta> = {}): PostMeta {
  return {
    key: 'p.md',
    id: 'urn:uuid:x',
    title: 'T',
    url: 'https://example.com/p/',
    date: '2025-01-10T00:00:00.000Z',
    updated: '2025-01-10T00:00:00.000Z',
    draft: false,
    categories: [],
    tags: [],
    authors: [],
    ...extra,
  };
}

const at = (iso: string) => new Date(iso);

describe('isPublished', () => {
  it('publishes a post from its date on', () => {
    expect(isPublished(meta(), at('2025-01-09T23:59:59.999Z'))).toBe(false);
    expect(isPublished(meta(), at('2025-01-10T00:00:00.000Z'))).toBe(true);
  });

  it('never publishes drafts', () => {
    expect(isPublished(meta({ draft: true }), at('2030-01-01T00:00:00Z'))).toBe(false);
  });

  it('waits for publishDate and stops at expiryDate', () => {
    const post = meta({ publishDate: '2025-02-01T00:00:00.000Z', expiryDate: '2025-03-01T00:00:00.000Z' });
    expect(isPublished(post, at('2025-01-20T00:00:00Z'))).toBe(false);
    expect(isPublished(post, at('2025-02-01T00:00:00Z'))).toBe(true);
    expect(isPublished(post, at('2025-02-28T23:59:59Z'))).toBe(true);
    expect(isPublished(post, at('2025-03-01T00:00:00Z'))).toBe(false);
  });
});

describe('nextChange', () => {
  it('is the publication time of a future post', () => {
    expect(nextChange(meta({ date: '2099-01-01T00:00:00.000Z' }), at('2025-01-01T00:00:00Z'))).toEqual(at('2099-01-01T00:00:00Z'));
    expect(nextChange(meta({ publishDate: '2025-02-01T00:00:00.000Z' }), at('2025-01-15T00:00:00Z'))).toEqual(at('2025-02-01T00:00:00Z'));
  });

  it('is the expiry of a visible post, and nothing for a post that stays', () => {
    expect(nextChange(meta({ expiryDate: '2025-03-01T00:00:00.000Z' }), at('2025-02-01T00:00:00Z'))).toEqual(at('2025-03-01T00:00:00Z'));
    expect(nextChange(meta(), at('2025-02-01T00:00:00Z'))).toBeUndefined();
  });

  it('is nothing for drafts, expired posts and posts that expire before they appear', () => {
    expect(nextChange(meta({ draft: true, date: '2099-01-01T00:00:00.000Z' }), at('2025-01-01T00:00:00Z'))).toBeUndefined();
    expect(nextChange(meta({ expiryDate: '2025-01-20T00:00:00.000Z' }), at('2025-02-01T00:00:00Z'))).toBeUndefined();
    expect(
      nextChange(meta({ date: '2099-01-01T00:00:00.000Z', expiryDate: '2098-01-01T00:00:00.000Z' }), at('2025-01-01T00:00:00Z')),
    ).toBeUndefined();
  });

  it('agrees with isPublished just before and at the change', () => {
    const post = meta({ publishDate: '2025-02-01T00:00:00.000Z', expiryDate: '2025-03-01T00:00:00.000Z' });
    let now = at('2025-01-01T00:00:00Z');
    const flips: string[] = [];
    for (let change = nextChange(post, now); change; change = nextChange(post, now)) {
      expect(isPublished(post, new Date(change.getTime() - 1))).toBe(isPublished(post, now));
      expect(isPublished(post, change)).toBe(!isPublished(post, now));
      flips.push(change.toISOString());
      now = change;
    }
    expect(flips).toEqual(['2025-02-01T00:00:00.000Z', '2025-03-01T00:00:00.000Z']);
  });
});
