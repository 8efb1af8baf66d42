import { describe, expect, it } from 'vitest';
import { renderFeed, siteFeed, termFeed } from '../../../lib/feeds/feeds.ts';
import { feedView } from '../../../lib/feeds/model.ts';
import { feedItem, person, siteConfig, term } from '../../support/factories.ts';

describe('feedView URLs', () => {
  it('resolves relative URLs against the item, or the site', () => {
    const site = siteConfig({ baseUrl: 'https://example.org/blog/', image: 'logo.png' });
    const item = feedItem(
      { url: 'https://example.org/blog/posts/a/', image: { url: 'cover.jpg' }, authors: [person('Ann', { url: '../../about/' })] },
      site,
    );
    const view = feedView({ site, feed: siteFeed(site), items: [item] });
    expect(view.image).toBe('https://example.org/blog/logo.png');
    expect(view.items[0]!.image?.url).toBe('https://example.org/blog/posts/a/cover.jpg');
    expect(view.items[0]!.authors[0]!.url).toBe('https://example.org/blog/about/');
  });

  it('drops a URL a reader would run rather than follow: author links, thumbnails, the site image', () => {
    const site = siteConfig({ image: 'javascript:alert(1)', author: person('Site', { url: 'javascript:alert(2)' }) });
    const item = feedItem(
      { image: { url: 'javascript:alert(3)' }, authors: [person('Ann', { url: ' JAVASCRIPT:alert(4)', email: 'ann@example.org' })] },
      site,
    );
    const view = feedView({ site, feed: siteFeed(site), items: [item] });
    expect(view.image).toBeUndefined();
    expect(view.author?.url).toBeUndefined();
    expect(view.items[0]!.image).toBeUndefined();
    expect(view.items[0]!.authors).toEqual([{ name: 'Ann', email: 'ann@example.org' }]);
    expect(JSON.stringify(view)).not.toMatch(/javascript/i);
  });
});

describe("a term feed's own metadata", () => {
  const site = siteConfig({ language: 'en', baseUrl: 'https://example.org/' });
  const tag = termFeed('tag', term('时区'), site);
  const zh = (key: string) => feedItem({ key, lang: 'zh-CN' }, site);

  it('speaks the language its items share, else the site language', () => {
    expect(feedView({ site, feed: tag, items: [zh('a.md'), zh('b.md')] }).language).toBe('zh-CN');
    expect(feedView({ site, feed: tag, items: [zh('a.md'), feedItem({ key: 'b.md' }, site)] }).language).toBe('en');
    expect(
      feedView({ site, feed: tag, items: [feedItem({ key: 'a.md', lang: 'en' }, site), feedItem({ key: 'b.md' }, site)] }).language,
    ).toBe('en');
    expect(feedView({ site, feed: tag, items: [] }).language).toBe('en');
    // The site feed keeps the site's language; a language feed has its own, whatever its items say.
    expect(feedView({ site, feed: siteFeed(site), items: [zh('a.md')] }).language).toBe('en');
    expect(feedView({ site, feed: termFeed('language', term('zh-HK', 'zh-hk'), site), items: [zh('a.md')] }).language).toBe('zh-HK');
  });

  it('links the term page and describes the term, in every format', () => {
    const [rss, atom, json] = renderFeed({ site, feed: tag, items: [zh('a.md')] }).map((file) => file.body);
    const link = 'https://example.org/tags/%E6%97%B6%E5%8C%BA/';
    expect(rss).toContain(`<link>${link}</link>`);
    expect(rss).toContain('<description>Herald Example: posts tagged 时区</description>');
    expect(rss).toContain('<language>zh-CN</language>');
    expect(atom).toContain(`<link rel="alternate" type="text/html" href="${link}"/>`);
    expect(atom).toContain('<subtitle>Herald Example: posts tagged 时区</subtitle>');
    expect(atom).toContain('<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="zh-CN">');
    expect(JSON.parse(json!)).toMatchObject({ home_page_url: link, description: 'Herald Example: posts tagged 时区', language: 'zh-CN' });
  });
});
