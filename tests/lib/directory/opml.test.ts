import { XMLParser } from 'fast-xml-parser';
import { SaxesParser } from 'saxes';
import { describe, expect, it } from 'vitest';
import { siteFeed, termFeed } from '../../../lib/feeds/feeds.ts';
import type { FeedSummary } from '../../../lib/feeds/types.ts';
import { renderOpml } from '../../../lib/directory/opml.ts';
import { siteConfig } from '../../support/factories.ts';

const site = siteConfig({
  title: 'Herald & "Friends"',
  description: 'Example',
  baseUrl: 'https://example.com/',
  feedsUrl: 'https://example.com/feeds/',
  language: 'en',
  timeZone: 'UTC',
  author: { name: 'Ada <Lovelace>', email: 'ada@example.com' },
});

function term(kind: 'category' | 'tag', name: string, slug: string, newest?: string): FeedSummary {
  return {
    feed: termFeed(kind, { name, slug }, site),
    count: 1,
    total: 1,
    newest,
  };
}

const summaries: FeedSummary[] = [
  term('tag', 'R&D <x>', 'r&d-<x>', '2024-01-01T00:00:00.000Z'),
  term('tag', '科技', '科技', '2025-02-12T13:15:03.000Z'),
  term('category', 'C#', 'c#', '2023-05-05T00:00:00.000Z'),
  { feed: siteFeed(site), count: 20, total: 143, newest: '2025-02-12T13:15:03.000Z' },
];

function assertWellFormed(xml: string): void {
  const parser = new SaxesParser({ xmlns: false });
  parser.on('error', (error) => {
    throw error;
  });
  parser.write(xml).close();
}

interface Outline {
  '@_text': string;
  '@_title': string;
  '@_type'?: string;
  '@_xmlUrl'?: string;
  '@_htmlUrl'?: string;
  '@_language'?: string;
  outline?: Outline[];
}

function parse(xml: string) {
  const parser = new XMLParser({ ignoreAttributes: false, isArray: (name) => name === 'outline' });
  return parser.parse(xml) as { opml: { '@_version': string; head: Record<string, string>; body: { outline: Outline[] } } };
}

describe('renderOpml', () => {
  const xml = renderOpml(site, summaries);
  const doc = parse(xml);

  it('is well-formed OPML 2.0 with a deterministic head', () => {
    assertWellFormed(xml);
    expect(
      xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<?xml-stylesheet type="text/css" href="feed.css"?>\n<opml version="2.0">'),
    ).toBe(true);
    expect(doc.opml.head.title).toBe('Herald & "Friends" feeds');
    expect(doc.opml.head.ownerName).toBe('Ada <Lovelace>');
    expect(xml).not.toMatch(/dateCreated|dateModified/);
    expect(renderOpml(site, [...summaries].reverse())).toBe(xml);
  });

  it('changes with the set of feeds and their names, not with new posts in them', () => {
    const newer = summaries.map((summary) => ({ ...summary, total: summary.total! + 1, newest: '2026-01-01T00:00:00.000Z' }));
    expect(renderOpml(site, newer)).toBe(xml);
    expect(renderOpml(site, summaries.slice(1))).not.toBe(xml);
    expect(renderOpml(site, [...summaries, term('tag', 'New', 'new')])).not.toBe(xml);
  });

  it('groups one RSS outline per feed by kind, by name', () => {
    const groups = doc.opml.body.outline;
    expect(groups.map((g) => g['@_text'])).toEqual(['Herald & "Friends"', 'Herald & "Friends" · Categories', 'Herald & "Friends" · Tags']);
    const [siteGroup, categories, tags] = groups;
    expect(siteGroup!.outline).toHaveLength(1);
    expect(siteGroup!.outline![0]).toMatchObject({
      '@_type': 'rss',
      '@_text': 'Herald & "Friends"',
      '@_xmlUrl': 'https://example.com/feeds/rss.xml',
      '@_htmlUrl': 'https://example.com/',
    });
    expect(categories!.outline!.map((o) => o['@_xmlUrl'])).toEqual(['https://example.com/feeds/categories/c%23/rss.xml']);
    expect(tags!.outline!.map((o) => o['@_title'])).toEqual(['Herald & "Friends" — Tag: R&D <x>', 'Herald & "Friends" — Tag: 科技']);
    expect(tags!.outline![1]!['@_xmlUrl']).toBe('https://example.com/feeds/tags/%E7%A7%91%E6%8A%80/rss.xml');
    expect(tags!.outline![1]!['@_htmlUrl']).toBe('https://example.com/tags/%E7%A7%91%E6%8A%80/');
    for (const outline of [...siteGroup!.outline!, ...categories!.outline!, ...tags!.outline!]) {
      expect(new URL(outline['@_xmlUrl']!).href).toBe(outline['@_xmlUrl']);
    }
  });

  it('escapes markup in attributes and leaves out empty groups', () => {
    expect(xml).toContain('text="Herald &amp; &quot;Friends&quot; — Tag: R&amp;D &lt;x&gt;"');
    const controls = renderOpml({ ...site, title: 'Bad\u0001\u0008 title' }, summaries);
    assertWellFormed(controls);
    expect(controls).toContain('<title>Bad title feeds</title>');
    const onlySite = renderOpml(site, [summaries[3]!]);
    assertWellFormed(onlySite);
    expect(parse(onlySite).opml.body.outline).toHaveLength(1);
  });

  it('gives sections, languages and authors a group each, after categories and tags, a language feed its own language', () => {
    const more = [
      ...summaries,
      { feed: termFeed('author', { name: 'Ada', slug: 'ada' }, site) },
      { feed: termFeed('language', { name: 'zh-HK', slug: 'zh-hk' }, site) },
      { feed: termFeed('section', { name: 'news', slug: 'news' }, site) },
    ];
    const groups = parse(renderOpml(site, more)).opml.body.outline;
    expect(groups.map((g) => g['@_text'].replace('Herald & "Friends"', ''))).toEqual([
      '',
      ' · Categories',
      ' · Tags',
      ' · Sections',
      ' · Languages',
      ' · Authors',
    ]);
    expect(groups.slice(3).map((g) => [g.outline![0]!['@_xmlUrl'], g.outline![0]!['@_htmlUrl'], g.outline![0]!['@_language']])).toEqual([
      ['https://example.com/feeds/sections/news/rss.xml', 'https://example.com/news/', 'en'],
      ['https://example.com/feeds/languages/zh-hk/rss.xml', 'https://example.com/zh-hk/', 'zh-HK'],
      ['https://example.com/feeds/authors/ada/rss.xml', 'https://example.com/authors/ada/', 'en'],
    ]);
  });
});
