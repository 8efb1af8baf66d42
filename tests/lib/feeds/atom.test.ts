import { describe, expect, it } from 'vitest';
import type { SiteConfig } from '../../../lib/config.ts';
import { renderAtom } from '../../../lib/feeds/atom.ts';
import { siteFeed } from '../../../lib/feeds/feeds.ts';
import type { FeedItem } from '../../../lib/post/types.ts';
import { feedItem, person, siteConfig } from '../../support/factories.ts';
import { parseXml, select, validateFeedFiles, type XmlElement } from '../../support/validate.ts';

function render(items: FeedItem[], site: SiteConfig = siteConfig()): string {
  return renderAtom({ site, feed: siteFeed(site), items });
}

function atom(items: FeedItem[], site?: SiteConfig): XmlElement {
  const parsed = parseXml(render(items, site));
  if ('error' in parsed) throw new Error(parsed.error);
  return parsed.root;
}

const authorNames = (el: XmlElement) => select(el, 'author/name').map((n) => n.text);

/** Post URLs as Hugo writes them, which are the ids of a site with `itemIds: "url"` (tests/fixtures/hugo-guids). */
const URL_IDS = [
  'https://example.org/blog/posts/%C3%BCber-uns/',
  'https://example.org/blog/posts/a+b~c_d.e/',
  'https://example.org/x/?p=1&q=2',
];

describe('renderAtom', () => {
  it('writes the feed head: id = its own URL, typed self link, alternate link, generator', () => {
    const feed = atom([]);
    expect(select(feed, 'id')[0]?.text).toBe('https://example.org/atom.xml');
    expect(select(feed, 'link').map((l) => l.attributes)).toEqual([
      { rel: 'self', type: 'application/atom+xml', href: 'https://example.org/atom.xml' },
      { rel: 'alternate', type: 'text/html', href: 'https://example.org/' },
    ]);
    expect(select(feed, 'generator')[0]?.text).toBe('Herald');
  });

  describe('authors (RFC 4287: every entry needs one, its own or the feed’s)', () => {
    it('uses the site author at feed level and post authors at entry level', () => {
      const feed = atom(
        [feedItem({ authors: [person('Ann', { email: 'ann@example.org' })] }), feedItem({ key: 'b.md' })],
        siteConfig({ author: person('Team') }),
      );
      expect(authorNames(feed)).toEqual(['Team']);
      expect(select(feed, 'entry').map(authorNames)).toEqual([['Ann'], []]);
      expect(select(feed, 'entry/author/email')[0]?.text).toBe('ann@example.org');
    });

    it('falls back to the site as author when it names none and a post names none', async () => {
      const body = render([feedItem({ authors: [person('Ann')] }), feedItem({ key: 'b.md' })]);
      expect(authorNames(atom([feedItem({ key: 'b.md' })]))).toEqual(['Herald Example']);
      expect(await validateFeedFiles([{ path: 'atom.xml', body }])).toEqual([]);
    });

    it('adds no feed author when every post names its own', () => {
      expect(authorNames(atom([feedItem({ authors: [person('Ann')] })]))).toEqual([]);
    });

    it('drops e-mail addresses that are not ones (the schema wants an @)', () => {
      const feed = atom([feedItem({ authors: [person('Ann', { email: 'not an address' })] })]);
      expect(select(feed, 'entry/author')[0]?.children.map((c) => c.local)).toEqual(['name']);
    });
  });

  it('gives each entry its id as is, a post URL as Hugo wrote it included', () => {
    const entries = atom(URL_IDS.map((url, i) => feedItem({ key: `${i}.md`, id: url, url })));
    expect(select(entries, 'entry/id').map((id) => id.text)).toEqual(URL_IDS);
  });

  it('dates entries: published = date, updated = the later of date and updated', () => {
    const [edited, odd] = select(
      atom([
        feedItem({ key: 'a.md', date: '2025-01-01T00:00:00.000Z', updated: '2025-01-05T00:00:00.000Z' }),
        feedItem({ key: 'b.md', date: '2025-01-03T00:00:00.000Z', updated: '2024-12-01T00:00:00.000Z' }),
      ]),
      'entry',
    );
    const dates = (e: XmlElement | undefined) => [select(e!, 'published')[0]?.text, select(e!, 'updated')[0]?.text];
    expect(dates(edited)).toEqual(['2025-01-01T00:00:00.000Z', '2025-01-05T00:00:00.000Z']);
    expect(dates(odd)).toEqual(['2025-01-03T00:00:00.000Z', '2025-01-03T00:00:00.000Z']);
  });

  it('writes the summary as text and the body as html, leaving out what is empty', () => {
    const [withBoth, bare] = select(atom([feedItem({ summary: '<b>not bold</b>' }), feedItem({ key: 'b.md', html: '' })]), 'entry');
    expect(select(withBoth!, 'summary')[0]).toMatchObject({ attributes: {}, text: '<b>not bold</b>' });
    expect(select(withBoth!, 'content')[0]).toMatchObject({ attributes: { type: 'html' }, text: '<p>Hello from Herald.</p>' });
    expect(select(bare!, 'summary')).toEqual([]);
    expect(select(bare!, 'content')).toEqual([]);
  });

  it('leaves xml:lang out when the site language is not a language tag', () => {
    expect(atom([], siteConfig({ language: 'English (US)' })).attributes).not.toHaveProperty('xml:lang');
  });

  it('names the post in the error when a date cannot be read', () => {
    expect(() => render([feedItem({ key: 'posts/bad.md', date: 'yesterday' })])).toThrow('posts/bad.md: date "yesterday" is not a date');
  });
});
