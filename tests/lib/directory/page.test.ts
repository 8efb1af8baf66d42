import { describe, expect, it } from 'vitest';
import { byName, escapeHtml, orderFeeds, renderDirectory } from '../../../lib/directory/page.ts';
import { siteFeed, termFeed } from '../../../lib/feeds/feeds.ts';
import type { FeedSummary } from '../../../lib/feeds/types.ts';
import { siteConfig } from '../../support/factories.ts';

const site = siteConfig({
  title: 'Herald <Example> & Co',
  description: 'Posts about "feeds" & more',
  baseUrl: 'https://example.com/',
  feedsUrl: 'https://example.com/feeds/',
  language: 'zh-CN',
  timeZone: 'Asia/Shanghai',
});

function term(kind: 'category' | 'tag', name: string, slug: string, total: number, newest?: string): FeedSummary {
  return {
    feed: termFeed(kind, { name, slug }, site),
    count: Math.min(total, site.itemsPerFeed),
    total,
    newest,
  };
}

const siteSummary: FeedSummary = {
  feed: siteFeed(site),
  count: 20,
  total: 143,
  newest: '2025-02-12T16:30:00.000Z',
};
const summaries: FeedSummary[] = [
  term('tag', 'Old', 'old', 2, '2020-01-01T00:00:00.000Z'),
  term('tag', '科技', '科技', 7, '2025-02-12T16:30:00.000Z'),
  term('tag', 'R&D <lab>', 'r&d-<lab>', 1, '2024-06-01T00:00:00.000Z'),
  term('tag', 'Empty', 'empty', 0),
  term('tag', 'Popular', 'popular', 40, '2024-06-01T00:00:00.000Z'),
  term('category', 'News', 'news', 100, '2025-01-01T00:00:00.000Z'),
  term('category', 'C#', 'c#', 3, '2025-02-01T00:00:00.000Z'),
  siteSummary,
];

/** The rows of a section, in page order, by display name. */
function namesIn(html: string, section: string): string[] {
  const body = html.slice(html.indexOf(`<section id="${section}"`), html.indexOf('</section>', html.indexOf(`<section id="${section}"`)));
  return [...body.matchAll(/<span class="name">([^<]*)<\/span>/g)].map((match) => match[1]!);
}

describe('renderDirectory', () => {
  const html = renderDirectory(site, summaries);

  it('is a complete, self-contained HTML page for phones and desktops', () => {
    expect(html.startsWith('<!doctype html>\n<html lang="zh-CN">')).toBe(true);
    expect(html).toContain('<meta charset="utf-8">');
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(html.trimEnd().endsWith('</html>')).toBe(true);
    expect(html).not.toMatch(/<script[^>]*\ssrc=|<link[^>]*rel="stylesheet"|@import|url\(|<img|<iframe|fonts\.googleapis/);
    expect(html.match(/<script>/g)).toHaveLength(1);
  });

  it('puts autodiscovery links for the three site feeds and the OPML in the head', () => {
    const head = html.slice(0, html.indexOf('</head>'));
    expect(head).toContain(
      '<link rel="alternate" type="application/rss+xml" title="Herald &lt;Example&gt; &amp; Co (RSS)" href="rss.xml">',
    );
    expect(head).toContain(
      '<link rel="alternate" type="application/atom+xml" title="Herald &lt;Example&gt; &amp; Co (Atom)" href="atom.xml">',
    );
    expect(head).toContain(
      '<link rel="alternate" type="application/feed+json" title="Herald &lt;Example&gt; &amp; Co (JSON Feed)" href="feed.json">',
    );
    expect(head).toContain('href="feeds.opml"');
  });

  it('lists the site first, then categories and tags, each by name', () => {
    expect(html.indexOf('id="site"')).toBeLessThan(html.indexOf('id="categories"'));
    expect(html.indexOf('id="categories"')).toBeLessThan(html.indexOf('id="tags"'));
    expect(namesIn(html, 'site')).toEqual(['Herald &lt;Example&gt; &amp; Co']);
    expect(namesIn(html, 'categories')).toEqual(['C#', 'News']);
    expect(namesIn(html, 'tags')).toEqual(['Empty', 'Old', 'Popular', 'R&amp;D &lt;lab&gt;', '科技']);
  });

  it('links each format relatively, each path segment percent-encoded', () => {
    expect(html).toContain('href="tags/%E7%A7%91%E6%8A%80/rss.xml"');
    expect(html).toContain('href="tags/%E7%A7%91%E6%8A%80/atom.xml"');
    expect(html).toContain('href="tags/%E7%A7%91%E6%8A%80/feed.json"');
    expect(html).toContain('href="categories/c%23/rss.xml"');
    expect(html).toContain('href="tags/r%26d-%3Clab%3E/rss.xml"');
  });

  it('shows non-ASCII names as they are and escapes markup in names', () => {
    expect(html).toContain('<span class="name">科技</span>');
    expect(html).not.toContain('<lab>');
    expect(html).toContain('data-q="r&amp;d &lt;lab&gt; r&amp;d-&lt;lab&gt;"');
    expect(html).toContain('<h1>Herald &lt;Example&gt; &amp; Co</h1>');
    expect(html).toContain('<meta name="description" content="Posts about &quot;feeds&quot; &amp; more">');
  });

  it('shows neither post counts nor dates, so new posts in existing feeds leave its bytes unchanged', () => {
    expect(html).not.toMatch(/<time|\d posts?\b|latest/);
    const busier = summaries.map((summary) => ({
      ...summary,
      count: Math.min(summary.total! + 5, site.itemsPerFeed),
      total: summary.total! + 5,
      newest: '2026-01-01T00:00:00.000Z',
    }));
    expect(renderDirectory(site, busier)).toBe(html);
    const renamed = summaries.map((summary) =>
      summary.feed.term?.slug === 'old' ? term('tag', 'Older', 'old', summary.total!, summary.newest) : summary,
    );
    expect(renderDirectory(site, renamed)).not.toBe(html);
    expect(renderDirectory(site, summaries.slice(1))).not.toBe(html);
  });

  it('offers a filter box, hidden until the script runs, only when there are terms', () => {
    expect(html).toContain(
      '<div class="filter" hidden><label for="filter">Filter 2 categories and 5 tags</label><input id="filter" type="search"',
    );
    const bare = renderDirectory(site, [siteSummary]);
    expect(bare).not.toContain('id="filter"');
    expect(bare).not.toContain('id="tags"');
    expect(renderDirectory(site, [siteSummary, term('category', 'One', 'one', 1, '2025-01-01T00:00:00.000Z')])).toContain(
      'Filter 1 category</label>',
    );
  });

  it('lists sections, languages and authors in groups of their own, filtered with the rest', () => {
    const more = renderDirectory(site, [
      ...summaries,
      { feed: termFeed('author', { name: 'Ada', slug: 'ada' }, site) },
      { feed: termFeed('author', { name: 'Bo', slug: 'bo' }, site) },
      { feed: termFeed('language', { name: 'zh-HK', slug: 'zh-hk' }, site) },
      { feed: termFeed('section', { name: 'news', slug: 'news' }, site) },
    ]);
    expect([...more.matchAll(/<section id="([^"]+)"/g)].map((match) => match[1])).toEqual([
      'site',
      'categories',
      'tags',
      'sections',
      'languages',
      'authors',
    ]);
    expect(namesIn(more, 'authors')).toEqual(['Ada', 'Bo']);
    expect(more).toContain('<a href="languages/zh-hk/rss.xml" type="application/rss+xml">RSS</a>');
    expect(more).toContain('Filter 2 categories, 5 tags, 1 section, 1 language and 2 authors</label>');
  });

  it('is a pure function: same bytes for the same feeds in any order', () => {
    expect(renderDirectory(site, [...summaries].reverse())).toBe(html);
    expect(renderDirectory(site, summaries)).toBe(html);
  });
});

describe('orderFeeds and byName', () => {
  it('gives a total order by name, case- and width-insensitive, then by slug', () => {
    const { site: first, groups } = orderFeeds(summaries);
    expect(first).toBe(siteSummary);
    expect(groups.map(({ kind, feeds }) => [kind, feeds.map((s) => s.feed.term!.slug)])).toEqual([
      ['category', ['c#', 'news']],
      ['tag', ['empty', 'old', 'popular', 'r&d-<lab>', '科技']],
    ]);
    const a = term('tag', 'ａpple', 'apple', 1);
    const b = term('tag', 'Banana', 'banana', 9, '2026-01-01T00:00:00.000Z');
    expect(byName(a, b)).toBeLessThan(0);
    expect(byName(b, a)).toBeGreaterThan(0);
    expect(byName(a, a)).toBe(0);
    const sameName = term('tag', 'ａpple', 'apple-2', 1);
    expect(byName(a, sameName)).toBeLessThan(0);
  });
});

describe('escapeHtml', () => {
  it('escapes markup and quotes and drops control characters', () => {
    expect(escapeHtml(`<a href="x">'&'</a>\u0001\u0008`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    expect(escapeHtml('科技 Ünïcödé')).toBe('科技 Ünïcödé');
  });
});
