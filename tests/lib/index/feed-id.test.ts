import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TERM_KINDS } from '../../../lib/feeds/descriptor.ts';
import type { TermKind } from '../../../lib/feeds/types.ts';
import { descriptorOf, parseFeedId, SITE_FEED, termFeedId } from '../../../lib/index/feed-id.ts';
import { makeTerm } from '../../../lib/post/terms.ts';
import { siteConfig } from '../../support/factories.ts';

const KINDS = Object.keys(TERM_KINDS) as TermKind[];

describe('feed ids', () => {
  it('name each kind by its folder', () => {
    expect(KINDS.map((kind) => termFeedId(kind, 'x'))).toEqual(['categories/x', 'tags/x', 'sections/x', 'languages/x', 'authors/x']);
    expect(parseFeedId(SITE_FEED)).toEqual({ kind: 'site' });
    expect(parseFeedId('languages/zh-cn')).toEqual({ kind: 'language', slug: 'zh-cn' });
    expect(() => parseFeedId('series/x')).toThrow(/not a feed id/);
    expect(() => parseFeedId('tags')).toThrow(/not a feed id/);
  });

  it('parse back to their kind and slug, and give a descriptor in their own folder, for any term (property)', () => {
    const site = siteConfig();
    fc.assert(
      fc.property(fc.constantFrom(...KINDS), fc.string({ unit: 'binary', minLength: 1 }), (kind, name) => {
        const term = makeTerm(name);
        if (!term) return;
        const id = termFeedId(kind, term.slug);
        expect(parseFeedId(id)).toEqual({ kind, slug: term.slug });
        const feed = descriptorOf(id, term.name, site);
        expect(feed.dir).toBe(`${id}/`);
        expect(feed.link.startsWith(site.baseUrl)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});
