/**
 * lib/feeds/rss.ts writes each RSS item itself (`rssItemText`), byte for byte what `feed` writes for it
 * (tests/lib/feeds/rss-reference.ts): over every item of the renderer samples, every post of tests/fixtures under
 * several site configurations, and generated items made to hit each trap (`]]>`, XML-invalid characters, `<&"'>`,
 * astral characters, empty and missing fields, relative and odd URLs). bench/rss-items.ts does the same over the
 * shared corpora and the synthetic site.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadSiteConfig, parseConfig, type Person, type SiteConfig } from '../../../lib/config.ts';
import { siteFeed } from '../../../lib/feeds/feeds.ts';
import { feedView, type ItemView } from '../../../lib/feeds/model.ts';
import { rssItemText } from '../../../lib/feeds/rss.ts';
import { toFeedItem } from '../../../lib/post/render.ts';
import { parsePost } from '../../../lib/post/parse.ts';
import type { FeedItem, Term } from '../../../lib/post/types.ts';
import { feedItem, siteConfig } from '../../support/factories.ts';
import { feedItemText } from './rss-reference.ts';
import { SAMPLES } from './sample.ts';

const FIXTURES = path.join(import.meta.dirname, '../../fixtures');

/** The item views a site's feed of `items` shows, with the author its items fall back on. */
function views(site: SiteConfig, items: FeedItem[]): { items: ItemView[]; author: Person | undefined } {
  const view = feedView({ site, feed: siteFeed(site), items });
  return { items: view.items, author: view.author };
}

function expectSameItems(items: ItemView[], author: Person | undefined) {
  for (const item of items) {
    expect(rssItemText(item, author), item.id).toBe(feedItemText(item, author));
    expect(rssItemText(item, undefined), item.id).toBe(feedItemText(item, undefined));
  }
}

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.md'))
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort();
}

/** Every post of tests/fixtures as `site` reads it, keyed by its path under its content folder. */
function fixtureItems(site: SiteConfig): FeedItem[] {
  return markdownFiles(FIXTURES).flatMap((file) => {
    const key = path.relative(FIXTURES, file).split(path.sep).join('/');
    const parsed = parsePost(key, readFileSync(file), site);
    return parsed.status === 'post' ? [toFeedItem(parsed.post, site)] : [];
  });
}

function site(config: Record<string, unknown>): SiteConfig {
  return parseConfig(JSON.stringify({ title: 'Fixtures', baseUrl: 'https://example.com/blog/', ...config }), 'rss-item.test', {});
}

describe('rssItemText writes what feed writes', () => {
  it('for every item of the renderer samples', () => {
    let count = 0;
    for (const input of Object.values(SAMPLES)) {
      const { items, author } = views(input.site, input.items);
      expectSameItems(items, author);
      count += items.length;
    }
    expect(count).toBe(7);
  });

  it.each([
    ['the Hugo site fixture', async () => loadSiteConfig(path.join(FIXTURES, 'hugo-site/content'))],
    ['a site with an author and URL ids', async () => site({ author: 'Site Author <site@example.com>', itemIds: 'url' })],
    [
      'a site with summaries only, its feeds on a host of their own',
      async () => site({ content: 'summary', feedsUrl: 'https://feeds.example.com/a&b/' }),
    ],
  ])('for every post of tests/fixtures, on %s', async (_name, config) => {
    const given = await config();
    const items = fixtureItems(given);
    expect(items.length).toBeGreaterThanOrEqual(25);
    const shown = views(given, items);
    expectSameItems(shown.items, shown.author);
  });

  /** Text with each trap in it, among any other characters (astral ones and lone surrogates included). */
  const tricky = fc
    .array(
      fc.oneof(
        fc.constantFrom(']]>', ']]', ']', '>', '<', '&', '&amp;', '&lt;', '"', "'", '\u0000', '\u0007', '\u000B', '\uFFFE', '\uFFFF'),
        fc.constantFrom('\uD800', '\uDFFF', '😀', '𝔘', '中文', ' ', '\t', '\n', '\r', ''),
        fc.string({ unit: 'binary', maxLength: 8 }),
        fc.string({ unit: 'grapheme', maxLength: 8 }),
        fc.string({ maxLength: 8 }),
      ),
      { maxLength: 8 },
    )
    .map((pieces) => pieces.join(''));

  const PERMALINK = 'the post URL';

  /** URLs as authors write them: absolute, relative, or with characters a URL must escape. */
  const url = fc.oneof(
    fc.webUrl({ withQueryParameters: true, withFragments: true }),
    tricky.map((text) => `/posts/${text}`),
    tricky.map((text) => `../${text}?a=1&b=${text}#${text}`),
    fc.constantFrom('mailto:a@example.com?subject=R&D <x>', 'tel:+1 555 "x"', 'https://[::1]:8080/a&amp;b/', 'HTTPS://Example.COM/ü/'),
  );

  const term = fc.record({ name: tricky, slug: fc.string({ unit: 'grapheme-ascii', maxLength: 6 }) }) as fc.Arbitrary<Term>;
  const person = fc.record(
    { name: tricky, email: fc.option(tricky, { nil: undefined }), url: fc.option(url, { nil: undefined }) },
    { requiredKeys: ['name'] },
  );
  const iso = fc
    .date({ noInvalidDate: true, min: new Date(-62_198_755_200_000), max: new Date(253_402_300_799_999) })
    .map((d) => d.toISOString());
  const item = fc.record(
    {
      id: fc.oneof(tricky, url, fc.constant(PERMALINK)),
      title: tricky,
      url,
      date: iso,
      updated: iso,
      summary: tricky,
      html: tricky,
      categories: fc.array(term, { maxLength: 3 }),
      tags: fc.array(term, { maxLength: 3 }),
      authors: fc.array(person, { maxLength: 3 }),
      image: fc.record(
        { url, type: fc.oneof(fc.constantFrom('image/jpeg', 'IMAGE/PNG', 'image//om_ls/x/0', 'image/svg+xml', 'a&b/c"d'), tricky) },
        { requiredKeys: ['url'] },
      ),
    },
    { requiredKeys: ['title', 'url', 'date', 'updated', 'categories', 'tags', 'authors', 'html'] },
  );
  const siteOf = fc.record({
    baseUrl: fc.constantFrom('https://example.org/', 'https://bare.example.com/blog/', 'https://example.org/a&b/'),
    feedsUrl: fc.constantFrom(undefined, 'https://feeds.example.org/', 'https://example.org/?a=1&b=<2>"\'/'),
    author: fc.option(person, { nil: undefined }),
  });

  it('for generated items and sites', () => {
    fc.assert(
      fc.property(siteOf, fc.array(item, { minLength: 1, maxLength: 3 }), (config, generated) => {
        const given = siteConfig({
          baseUrl: config.baseUrl,
          feedsUrl: config.feedsUrl ?? config.baseUrl,
          ...(config.author ? { author: config.author } : {}),
        });
        const items = generated.map((fields, i) => feedItem({ key: `generated/${i}.md`, ...fields }, given));
        // An id that is the post's URL as the view resolves it makes a permalink guid.
        const urls = views(given, items).items.map((view) => view.url);
        const shown = views(
          given,
          items.map((generatedItem, i) => (generatedItem.id === PERMALINK ? { ...generatedItem, id: urls[i]! } : generatedItem)),
        );
        expectSameItems(shown.items, shown.author);
      }),
      { numRuns: 2000 },
    );
  });
});
