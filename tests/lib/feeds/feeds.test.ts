import { describe, expect, it } from 'vitest';
import { feedPath, feedUrl, renderFeed, siteFeed, termFeed } from '../../../lib/feeds/feeds.ts';
import { FEED_FILES } from '../../../lib/feeds/types.ts';
import { feedItem, siteConfig, term } from '../../support/factories.ts';

const site = siteConfig({ title: 'Herald Example', feedsUrl: 'https://feeds.example.org/sub/' });

describe('feed descriptors', () => {
  it('names the site feed after the site, puts it at the root and links the home page', () => {
    expect(siteFeed(site)).toEqual({
      kind: 'site',
      dir: '',
      title: 'Herald Example',
      description: 'Posts from the Herald example site',
      link: 'https://example.org/',
    });
  });

  it('puts each kind of term in its own folder, titled and described with the term, linking its page', () => {
    expect(termFeed('category', term('Open Source', 'open-source'), site)).toEqual({
      kind: 'category',
      term: { name: 'Open Source', slug: 'open-source' },
      dir: 'categories/open-source/',
      title: 'Herald Example — Category: Open Source',
      description: 'Herald Example: posts in the category Open Source',
      link: 'https://example.org/categories/open-source/',
    });
    expect(termFeed('tag', term('科技'), site)).toMatchObject({
      dir: 'tags/科技/',
      title: 'Herald Example — Tag: 科技',
      link: 'https://example.org/tags/%E7%A7%91%E6%8A%80/',
    });
    expect(termFeed('section', term('news'), site)).toMatchObject({
      dir: 'sections/news/',
      title: 'Herald Example — Section: news',
      description: 'Herald Example: posts in the section news',
      link: 'https://example.org/news/',
    });
    expect(termFeed('language', term('zh-HK', 'zh-hk'), site)).toEqual({
      kind: 'language',
      term: { name: 'zh-HK', slug: 'zh-hk' },
      dir: 'languages/zh-hk/',
      title: 'Herald Example — Language: zh-HK',
      description: 'Herald Example: posts in zh-HK',
      link: 'https://example.org/zh-hk/',
      language: 'zh-HK',
    });
    expect(termFeed('author', term('Ada Lovelace', 'ada-lovelace'), site)).toMatchObject({
      dir: 'authors/ada-lovelace/',
      title: 'Herald Example — Author: Ada Lovelace',
      description: 'Herald Example: posts by Ada Lovelace',
      link: 'https://example.org/authors/ada-lovelace/',
    });
  });

  it('links term pages by the configured pattern, under the base URL', () => {
    const blog = siteConfig({
      baseUrl: 'https://example.org/blog/',
      feeds: { ...site.feeds, tags: { enabled: true, link: '/topics/:slug/index.html' } },
    });
    expect(termFeed('tag', term('C# & .NET', 'c~23-~26-.net'), blog).link).toBe('https://example.org/blog/topics/c%23-.net/index.html');
    expect(termFeed('category', term('a/b'), blog).link).toBe('https://example.org/blog/categories/a%2Fb/');
  });

  it.each(['', '.', '..', 'a/b', '../../etc', 'a\\b'])('refuses the slug %j, which is not one safe path segment', (slug) => {
    expect(() => termFeed('tag', { name: 'x', slug }, site)).toThrow(/unsafe tag slug/);
  });
});

describe('feed paths and URLs', () => {
  const tag = (slug: string) => termFeed('tag', { name: slug, slug }, site);

  it('gives raw storage keys', () => {
    expect(feedPath(siteFeed(site), 'rss')).toBe('rss.xml');
    expect(feedPath(tag('科技'), 'atom')).toBe('tags/科技/atom.xml');
    expect(feedPath(termFeed('category', term('News'), site), 'json')).toBe('categories/news/feed.json');
  });

  it.each([
    ['科技', 'https://feeds.example.org/sub/tags/%E7%A7%91%E6%8A%80/rss.xml'],
    ['c#', 'https://feeds.example.org/sub/tags/c%23/rss.xml'],
    ['r&d', 'https://feeds.example.org/sub/tags/r%26d/rss.xml'],
    ['100%', 'https://feeds.example.org/sub/tags/100%25/rss.xml'],
    ['a b?', 'https://feeds.example.org/sub/tags/a%20b%3F/rss.xml'],
  ])('percent-encodes the slug %j as one segment', (slug, url) => {
    expect(feedUrl(site, tag(slug), 'rss')).toBe(url);
    expect(new URL(url).pathname.split('/').map(decodeURIComponent)).toEqual(['', 'sub', 'tags', slug, 'rss.xml']);
  });

  it('serves the site feed from the feeds root', () => {
    expect(feedUrl(site, siteFeed(site), 'json')).toBe('https://feeds.example.org/sub/feed.json');
  });
});

describe('renderFeed', () => {
  it('renders the three formats with their paths and content types', () => {
    const feed = termFeed('tag', term('C#', 'c#'), site);
    const files = renderFeed({ site, feed, items: [feedItem({}, site)] });
    expect(files.map(({ path, contentType }) => ({ path, contentType }))).toEqual([
      { path: 'tags/c#/rss.xml', contentType: FEED_FILES.rss.contentType },
      { path: 'tags/c#/atom.xml', contentType: FEED_FILES.atom.contentType },
      { path: 'tags/c#/feed.json', contentType: FEED_FILES.json.contentType },
    ]);
    expect(files[0]?.body).toMatch(/^<\?xml[\s\S]*<rss [\s\S]*<\/rss>\n$/);
    expect(files[1]?.body).toMatch(/^<\?xml[\s\S]*<feed [\s\S]*<\/feed>\n$/);
    expect(JSON.parse(files[2]!.body)).toMatchObject({ feed_url: 'https://feeds.example.org/sub/tags/c%23/feed.json' });
  });

  it('points each format at its own URL', () => {
    const feed = termFeed('tag', term('科技'), site);
    const [rss, atom] = renderFeed({ site, feed, items: [] });
    expect(rss?.body).toContain(
      '<atom:link href="https://feeds.example.org/sub/tags/%E7%A7%91%E6%8A%80/rss.xml" rel="self" type="application/rss+xml"/>',
    );
    expect(atom?.body).toContain('<id>https://feeds.example.org/sub/tags/%E7%A7%91%E6%8A%80/atom.xml</id>');
  });
});
