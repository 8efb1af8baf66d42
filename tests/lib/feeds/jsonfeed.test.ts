import { describe, expect, it } from 'vitest';
import type { SiteConfig } from '../../../lib/config.ts';
import { siteFeed } from '../../../lib/feeds/feeds.ts';
import { renderJsonFeed } from '../../../lib/feeds/jsonfeed.ts';
import type { FeedItem } from '../../../lib/post/types.ts';
import { feedItem, person, siteConfig, term } from '../../support/factories.ts';

function json(items: FeedItem[], site: SiteConfig = siteConfig()) {
  return JSON.parse(renderJsonFeed({ site, feed: siteFeed(site), items })) as Record<string, unknown> & {
    items: Record<string, unknown>[];
  };
}

/** Post URLs as Hugo writes them, which are the ids of a site with `itemIds: "url"` (tests/fixtures/hugo-guids). */
const URL_IDS = [
  'https://example.org/blog/posts/%C3%BCber-uns/',
  'https://example.org/blog/posts/a+b~c_d.e/',
  'https://example.org/x/?p=1&q=2',
];

describe('renderJsonFeed', () => {
  it('writes every field in a fixed order', () => {
    const site = siteConfig({ image: 'https://example.org/icon.png', author: person('Team'), websubHub: 'https://hub.example.net/' });
    const feed = json(
      [
        feedItem({
          summary: 's',
          image: { url: 'https://example.org/a.png' },
          authors: [person('Ann')],
          categories: [term('News')],
          lang: 'de',
        }),
      ],
      site,
    );
    expect(Object.keys(feed)).toEqual([
      'version',
      'title',
      'home_page_url',
      'feed_url',
      'description',
      'icon',
      'favicon',
      'language',
      'authors',
      'hubs',
      'items',
    ]);
    expect(Object.keys(feed.items[0]!)).toEqual([
      'id',
      'url',
      'title',
      'content_html',
      'summary',
      'image',
      'date_published',
      'date_modified',
      'authors',
      'tags',
      'language',
    ]);
    expect(feed.hubs).toEqual([{ type: 'WebSub', url: 'https://hub.example.net/' }]);
  });

  it('leaves out what the site and post do not have, but always gives content_html', () => {
    const feed = json([feedItem({ html: '' })], siteConfig({ description: '' }));
    expect(Object.keys(feed)).toEqual(['version', 'title', 'home_page_url', 'feed_url', 'language', 'items']);
    expect(feed.items[0]).toEqual({
      id: expect.stringMatching(/^urn:uuid:/),
      url: 'https://example.org/posts/hello-world/',
      title: 'Hello, world',
      content_html: '',
      date_published: '2025-02-12T13:15:03.000Z',
      date_modified: '2025-02-12T13:15:03.000Z',
    });
  });

  it('gives each item its id as is, a post URL as Hugo wrote it included', () => {
    const feed = json(URL_IDS.map((url, i) => feedItem({ key: `${i}.md`, id: url, url })));
    expect(feed.items.map((item) => [item.id, item.url])).toEqual(URL_IDS.map((url) => [url, url]));
  });

  it('merges categories and tags into tags, each name once', () => {
    const feed = json([feedItem({ categories: [term('Rust'), term('News')], tags: [term('Rust'), term('科技'), term('rust')] })]);
    expect(feed.items[0]?.tags).toEqual(['Rust', 'News', '科技']);
  });

  it('gives an author with only an e-mail address a mailto: URL', () => {
    const feed = json([feedItem({ authors: [person('Ann', { email: 'ann@example.org' })] })]);
    expect(feed.items[0]?.authors).toEqual([{ name: 'Ann', url: 'mailto:ann@example.org' }]);
  });
});
