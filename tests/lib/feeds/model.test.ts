import { describe, expect, it } from 'vitest';
import { siteFeed } from '../../../lib/feeds/feeds.ts';
import { feedView } from '../../../lib/feeds/model.ts';
import { feedItem, person, siteConfig } from '../../support/factories.ts';

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
