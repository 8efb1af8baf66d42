/**
 * Every way `feed` 6.0.0 goes wrong (DEVELOPERS.md lists them), one block each: first what the
 * library itself does, pinned so that an upgrade that changes it is noticed, then proof that
 * Herald's renderers do not inherit it.
 */
import { parseFeed } from '@rowanmanning/feed-parser';
import { Feed, type FeedOptions } from 'feed';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderAtom } from '../../../lib/feeds/atom.ts';
import { siteFeed, termFeed } from '../../../lib/feeds/feeds.ts';
import { renderJsonFeed } from '../../../lib/feeds/jsonfeed.ts';
import { renderRss } from '../../../lib/feeds/rss.ts';
import type { FeedInput } from '../../../lib/feeds/types.ts';
import type { FeedItem } from '../../../lib/post/types.ts';
import { feedItem, siteConfig, term } from '../../support/factories.ts';
import { parseXml, select, validateFeedFiles, type XmlElement } from '../../support/validate.ts';

const site = siteConfig();

function input(items: FeedItem[], overrides: Partial<FeedInput> = {}): FeedInput {
  return { site, feed: siteFeed(site), items, ...overrides };
}

function rawFeed(options: Partial<FeedOptions> = {}): Feed {
  return new Feed({ title: 'Raw', id: 'https://example.org/', link: 'https://example.org/', updated: new Date(0), ...options });
}

function root(xml: string): XmlElement {
  const parsed = parseXml(xml);
  if ('error' in parsed) throw new Error(parsed.error);
  return parsed.root;
}

function wellFormednessError(xml: string): string | undefined {
  const parsed = parseXml(xml);
  return 'error' in parsed ? parsed.error : undefined;
}

async function problemsOf(items: FeedItem[], overrides: Partial<FeedInput> = {}) {
  const given = input(items, overrides);
  return validateFeedFiles([
    { path: 'rss.xml', body: renderRss(given) },
    { path: 'atom.xml', body: renderAtom(given) },
    { path: 'feed.json', body: renderJsonFeed(given) },
  ]);
}

describe('feed escapes only the first ]]> of a CDATA section', () => {
  const html = '<p>one ]]> two ]]> three ]]></p>';

  it('is how feed 6.0.0 behaves', () => {
    const raw = rawFeed();
    raw.addItem({ title: 't', link: 'https://example.org/a/', date: new Date(0), description: 'x', content: html });
    expect(wellFormednessError(raw.rss2())).toMatch(/]]>/);
    expect(wellFormednessError(raw.atom1())).toMatch(/]]>/);
  });

  it('is guarded: every ]]> is split, and readers get the HTML back byte for byte', async () => {
    const items = [feedItem({ html, summary: 'a ]]> b ]]> c', title: 'x ]]> y ]]> z' })];
    expect(await problemsOf(items)).toEqual([]);
    expect(parseFeed(renderRss(input(items))).items[0]?.content).toBe(html);
    expect(parseFeed(renderAtom(input(items))).items[0]?.content).toBe(html);
    expect(select(root(renderAtom(input(items))), 'entry/title')[0]?.text).toBe('x ]]> y ]]> z');
  });
});

describe('feed passes characters XML 1.0 forbids', () => {
  const title = 'bell\u0007 nul\u0000 escape\u001B fffe\uFFFE lone\uD800 emoji\u{1F600}';

  it('is how feed 6.0.0 behaves', () => {
    const raw = rawFeed();
    raw.addItem({ title, link: 'https://example.org/a/', date: new Date(0) });
    expect(wellFormednessError(raw.rss2())).toBeDefined();
    expect(wellFormednessError(raw.atom1())).toBeDefined();
  });

  it('is guarded: they are removed from every field of every format, other characters kept', async () => {
    const items = [
      feedItem({
        title,
        summary: `s${title}`,
        html: `<p>${title}</p>`,
        categories: [term(`c${title}`, 'c')],
        authors: [{ name: `a${title}` }],
      }),
    ];
    expect(await problemsOf(items)).toEqual([]);
    const clean = 'bell nul escape fffe lone emoji\u{1F600}';
    expect(select(root(renderRss(input(items))), 'channel/item/title')[0]?.text).toBe(clean);
    expect(select(root(renderAtom(input(items))), 'entry/title')[0]?.text).toBe(clean);
    const json = JSON.parse(renderJsonFeed(input(items))) as { items: { title: string; tags: string[] }[] };
    expect(json.items[0]?.title).toBe(clean);
    expect(json.items[0]?.tags).toEqual([`c${clean}`]);
  });
});

describe('feed leaves < and & raw in attributes (Atom category, RSS category domain)', () => {
  it('is how feed 6.0.0 behaves', () => {
    const raw = rawFeed();
    raw.addItem({
      title: 't',
      link: 'https://example.org/a/',
      date: new Date(0),
      category: [{ name: 'R&D <lab>', term: 'R&D <lab>', domain: 'https://example.org/?a=1&b=<2>' }],
    });
    expect(raw.atom1()).toContain('term="R&amp;D <lab>"');
    expect(wellFormednessError(raw.atom1())).toBeDefined();
    expect(raw.rss2()).toContain('domain="https://example.org/?a=1&b=<2>"');
    expect(wellFormednessError(raw.rss2())).toBeDefined();
  });

  it('is guarded: Atom term and label, and RSS domain, read back exactly', async () => {
    const name = 'R&D <lab> "x" ]]>';
    const ampSite = siteConfig({ feedsUrl: 'https://example.org/feeds&more/' });
    const items = [feedItem({ categories: [term(name, 'rd')] })];
    expect(await problemsOf(items, { site: ampSite, feed: siteFeed(ampSite) })).toEqual([]);

    const [category] = select(root(renderAtom(input(items, { site: ampSite }))), 'entry/category');
    expect(category?.attributes).toMatchObject({ term: name, label: name, scheme: 'https://example.org/feeds&more/categories/' });

    const [rssCategory] = select(root(renderRss(input(items, { site: ampSite }))), 'channel/item/category');
    expect(rssCategory?.text).toBe(name);
    expect(rssCategory?.attributes.domain).toBe('https://example.org/feeds&more/categories/');
  });
});

describe('feed writes JSON Feed version 1, not 1.1', () => {
  it('is how feed 6.0.0 behaves, and the harness refuses it', async () => {
    const raw = rawFeed({ author: { name: 'Ann' } });
    raw.addItem({ title: 't', id: 'a', link: 'https://example.org/a/', date: new Date(0), content: '<p>x</p>' });
    const json = JSON.parse(raw.json1()) as Record<string, unknown>;
    expect(json.version).toBe('https://jsonfeed.org/version/1');
    expect(json).toHaveProperty('author');
    expect(json).not.toHaveProperty('authors');
    const problems = await validateFeedFiles([{ path: 'feed.json', body: raw.json1() }]);
    // jsonfeed-schema's 1.1 schema alone accepts this; the strict overlay is what catches it.
    expect(problems.map((p) => p.message)).toEqual([
      expect.stringMatching(/must have property authors when property author is present/),
      expect.stringMatching(/^\/version must be equal to constant/),
    ]);
  });

  it('is guarded: Herald writes 1.1 (version URL, authors, language)', async () => {
    const authored = siteConfig({ author: { name: 'Ann' } });
    const json = JSON.parse(renderJsonFeed(input([feedItem({ lang: 'de' })], { site: authored }))) as Record<string, unknown>;
    expect(json).toMatchObject({ version: 'https://jsonfeed.org/version/1.1', authors: [{ name: 'Ann' }], language: 'en' });
    expect(json).not.toHaveProperty('author');
    expect((json.items as object[])[0]).toMatchObject({ language: 'de' });
    expect(await problemsOf([feedItem()], { site: authored })).toEqual([]);
  });
});

describe('feed stamps lastBuildDate / updated with the clock unless given one', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('is how feed 6.0.0 behaves', () => {
    vi.useFakeTimers({ now: new Date('2031-07-04T12:00:00Z') });
    const raw = rawFeed({ updated: undefined });
    expect(raw.rss2()).toContain('<lastBuildDate>Fri, 04 Jul 2031 12:00:00 GMT</lastBuildDate>');
    expect(raw.atom1()).toContain('<updated>2031-07-04T12:00:00.000Z</updated>');
  });

  it('is guarded: the feed is dated by its newest item change, whatever the clock says', () => {
    vi.useFakeTimers({ now: new Date('2031-07-04T12:00:00Z') });
    const items = [
      feedItem({ key: 'a.md', date: '2025-03-01T00:00:00.000Z' }),
      // Older, but edited later: the feed changed when it was edited.
      feedItem({ key: 'b.md', date: '2025-02-01T00:00:00.000Z', updated: '2025-03-09T09:09:09.000Z' }),
    ];
    expect(renderRss(input(items))).toContain('<lastBuildDate>Sun, 09 Mar 2025 09:09:09 GMT</lastBuildDate>');
    expect(renderAtom(input(items))).toContain('  <updated>2025-03-09T09:09:09.000Z</updated>');
    for (const body of [renderRss(input(items)), renderAtom(input(items)), renderJsonFeed(input(items))]) {
      expect(body).not.toContain('2031');
    }
  });

  it('is guarded for an empty feed too: it is dated at the Unix epoch', () => {
    vi.useFakeTimers({ now: new Date('2031-07-04T12:00:00Z') });
    expect(renderRss(input([]))).toContain('<lastBuildDate>Thu, 01 Jan 1970 00:00:00 GMT</lastBuildDate>');
    expect(renderAtom(input([]))).toContain('<updated>1970-01-01T00:00:00.000Z</updated>');
  });
});

describe('feed guesses enclosure types from file extensions', () => {
  it('is how feed 6.0.0 behaves, even when told the real type (Atom)', () => {
    const raw = rawFeed();
    raw.addItem({ title: 'a', link: 'https://example.org/a/', date: new Date(0), image: 'https://cdn.example.org/cover.jpg' });
    raw.addItem({ title: 'b', link: 'https://example.org/b/', date: new Date(0), image: 'https://cdn.example.org/om_ls/x/0' });
    raw.addItem({
      title: 'c',
      link: 'https://example.org/c/',
      date: new Date(0),
      image: { url: 'https://cdn.example.org/cover.jpg', type: 'image/jpeg' },
    });
    expect(raw.rss2()).toContain('type="image/jpg"');
    expect(raw.rss2()).toContain('type="image//om_ls/x/0"');
    expect(raw.atom1()).not.toContain('image/jpeg');
  });

  it('is guarded: the known type is used, and an unknown one is never made up', async () => {
    const items = [
      feedItem({ key: 'a.md', image: { url: 'https://cdn.example.org/cover.jpg', type: 'image/jpeg' } }),
      feedItem({ key: 'b.md', image: { url: 'https://cdn.example.org/om_ls/x/0' } }),
      feedItem({ key: 'c.md', image: { url: 'https://cdn.example.org/odd.png', type: 'image//om_ls/x/0' } }),
    ];
    expect(await problemsOf(items)).toEqual([]);
    const rss = root(renderRss(input(items)));
    // RSS requires a type, so only the typed thumbnail becomes an enclosure.
    expect(select(rss, 'channel/item').map((item) => select(item, 'enclosure').map((e) => e.attributes))).toEqual([
      [{ url: 'https://cdn.example.org/cover.jpg', type: 'image/jpeg', length: '0' }],
      [],
      [],
    ]);
    // Every thumbnail, typed or not, still reaches readers as a Media RSS thumbnail, which takes no type.
    expect(select(rss, 'channel/item').map((item) => select(item, 'thumbnail').map((e) => e.attributes.url))).toEqual([
      ['https://cdn.example.org/cover.jpg'],
      ['https://cdn.example.org/om_ls/x/0'],
      ['https://cdn.example.org/odd.png'],
    ]);
    const atom = root(renderAtom(input(items)));
    const enclosures = select(atom, 'entry').map(
      (entry) => select(entry, 'link').find((l) => l.attributes.rel === 'enclosure')?.attributes,
    );
    expect(enclosures).toEqual([
      { rel: 'enclosure', type: 'image/jpeg', href: 'https://cdn.example.org/cover.jpg' },
      { rel: 'enclosure', href: 'https://cdn.example.org/om_ls/x/0' },
      { rel: 'enclosure', href: 'https://cdn.example.org/odd.png' },
    ]);
    expect(renderRss(input(items)) + renderAtom(input(items))).not.toMatch(/image\/jpg"|image\/\//);
  });
});

describe('feed emits no Atom xml:lang', () => {
  it('is how feed 6.0.0 behaves', () => {
    const raw = rawFeed({ language: 'zh-CN' });
    expect(raw.atom1()).not.toContain('xml:lang');
  });

  it('is guarded: the feed carries the site language, an entry its own when it differs', async () => {
    const items = [
      feedItem({ key: 'same.md', lang: 'EN' }),
      feedItem({ key: 'zh.md', lang: 'zh_CN' }),
      feedItem({ key: 'bad.md', lang: 'English (US)' }),
      feedItem({ key: 'none.md' }),
    ];
    expect(await problemsOf(items)).toEqual([]);
    const atom = root(renderAtom(input(items)));
    expect(atom.attributes['xml:lang']).toBe('en');
    expect(select(atom, 'entry').map((e) => e.attributes['xml:lang'])).toEqual([undefined, 'zh-CN', undefined, undefined]);
  });
});

describe('feed throws on relative URLs', () => {
  it('is how feed 6.0.0 behaves', () => {
    const raw = rawFeed();
    raw.addItem({ title: 't', link: '/posts/a/', date: new Date(0) });
    expect(() => raw.rss2()).toThrow(/Invalid URL/);
  });

  it('is guarded: relative URLs are resolved (against the post, or the site), unusable ones dropped', async () => {
    const relative = siteConfig({ image: 'img/logo.png', author: { name: 'Ann', url: '/about/' } });
    const items = [
      feedItem({
        url: '/posts/a/',
        image: { url: '../covers/a.png', type: 'image/png' },
        authors: [{ name: 'Bo', url: 'http://' }],
      }),
    ];
    const given = input(items, { site: relative, feed: termFeed('tag', term('x'), relative) });
    expect(
      await validateFeedFiles([
        { path: 'rss.xml', body: renderRss(given) },
        { path: 'atom.xml', body: renderAtom(given) },
      ]),
    ).toEqual([]);
    const json = JSON.parse(renderJsonFeed(given)) as Record<string, unknown> & { items: Record<string, unknown>[] };
    expect(json.icon).toBe('https://example.org/img/logo.png');
    expect(json.authors).toEqual([{ name: 'Ann', url: 'https://example.org/about/' }]);
    expect(json.items[0]).toMatchObject({
      url: 'https://example.org/posts/a/',
      image: 'https://example.org/posts/covers/a.png',
      authors: [{ name: 'Bo' }],
    });
  });
});

describe('xml-js (under feed) turns a literal &amp; in element text into &', () => {
  it('is how feed 6.0.0 behaves', () => {
    const raw = rawFeed({ title: 'Write R&amp;D' });
    expect(select(root(raw.rss2()), 'channel/title')[0]?.text).toBe('Write R&D');
  });

  it('is guarded: text reads back exactly', () => {
    const items = [feedItem({ title: 'Write R&amp;D & more', authors: [{ name: 'A &amp; B' }] })];
    const amp = siteConfig({ title: 'T&amp;T', description: '&lt;not a tag&gt;' });
    const rss = root(renderRss(input(items, { site: amp, feed: siteFeed(amp) })));
    expect(select(rss, 'channel/title')[0]?.text).toBe('T&amp;T');
    expect(select(rss, 'channel/description')[0]?.text).toBe('&lt;not a tag&gt;');
    expect(select(rss, 'channel/item/title')[0]?.text).toBe('Write R&amp;D & more');
    expect(select(rss, 'channel/item/creator')[0]?.text).toBe('A &amp; B');
  });
});
