import { describe, expect, it } from 'vitest';
import { siteFeed } from '../../../lib/feeds/feeds.ts';
import { renderRss } from '../../../lib/feeds/rss.ts';
import type { SiteConfig } from '../../../lib/config.ts';
import type { FeedItem } from '../../../lib/post/types.ts';
import { feedItem, person, siteConfig } from '../../support/factories.ts';
import { parseXml, select, type XmlElement } from '../../support/validate.ts';

function rss(items: FeedItem[], site: SiteConfig = siteConfig()): XmlElement {
  const parsed = parseXml(renderRss({ site, feed: siteFeed(site), items }));
  if ('error' in parsed) throw new Error(parsed.error);
  return parsed.root;
}

const names = (el: XmlElement | undefined) => el?.children.map((c) => c.name);

/** Post URLs as Hugo writes them, which are the ids of a site with `itemIds: "url"` (tests/fixtures/hugo-guids). */
const URL_IDS = [
  'https://example.org/blog/posts/%C3%BCber-uns/',
  'https://example.org/blog/posts/a+b~c_d.e/',
  'https://example.org/x/?p=1&q=2',
];

describe('renderRss', () => {
  it('writes the channel the spec asks for', () => {
    const site = siteConfig({ image: 'https://example.org/logo.png', copyright: 'CC BY 4.0', websubHub: 'https://hub.example.net/' });
    const channel = select(rss([], site), 'channel')[0];
    expect(names(channel)).toEqual([
      'title',
      'link',
      'description',
      'lastBuildDate',
      'docs',
      'generator',
      'language',
      'ttl',
      'image',
      'copyright',
      'atom:link',
      'atom:link',
      'sy:updatePeriod',
      'sy:updateFrequency',
      'div',
    ]);
    expect(select(channel!, 'generator')[0]?.text).toBe('Herald');
    expect(
      select(channel!, 'link')
        .filter((l) => l.uri !== '')
        .map((l) => l.attributes),
    ).toEqual([
      { href: 'https://example.org/rss.xml', rel: 'self', type: 'application/rss+xml' },
      { href: 'https://hub.example.net/', rel: 'hub' },
    ]);
  });

  it('leaves out image, copyright and hub when the site has none', () => {
    expect(names(select(rss([]), 'channel')[0])).toEqual([
      'title',
      'link',
      'description',
      'lastBuildDate',
      'docs',
      'generator',
      'language',
      'ttl',
      'atom:link',
      'sy:updatePeriod',
      'sy:updateFrequency',
      'div',
    ]);
  });

  it.each([
    [15, 'hourly', '4'],
    [60, 'hourly', '1'],
    [180, 'daily', '8'],
    [45, 'daily', '32'],
    [1440, 'daily', '1'],
    [2016, 'weekly', '5'],
    [10080, 'weekly', '1'],
  ])('asks readers to poll every %i minutes: ttl, and sy: %s, %s times', (pollMinutes, period, frequency) => {
    const root = rss([], siteConfig({ pollMinutes }));
    expect(root.attributes['xmlns:sy']).toBe('http://purl.org/rss/1.0/modules/syndication/');
    const channel = select(root, 'channel')[0]!;
    expect(select(channel, 'ttl')[0]?.text).toBe(String(pollMinutes));
    expect(channel.children.filter((c) => c.uri === 'http://purl.org/rss/1.0/modules/syndication/').map((c) => [c.local, c.text])).toEqual([
      ['updatePeriod', period],
      ['updateFrequency', frequency],
    ]);
  });

  it('writes an id that is the post URL as a permalink guid (Hugo writes no isPermaLink: true), any other as not one', () => {
    const items = URL_IDS.map((url, i) => feedItem({ key: `${i}.md`, id: url, url }));
    items.push(feedItem({ key: 'wp.md', id: 'https://example.org/?p=123' }));
    const guids = select(rss(items), 'channel/item/guid').map((guid) => [guid.text, guid.attributes.isPermaLink]);
    expect(guids).toEqual([...URL_IDS.map((url) => [url, 'true']), ['https://example.org/?p=123', 'false']]);
  });

  it('writes items with guid, RFC 822 pubDate, summary as description, then content:encoded', () => {
    const item = feedItem({
      summary: 'Plain <summary> & more',
      date: '2025-02-12T13:15:03.000Z',
      updated: '2025-02-20T00:00:00.000Z',
      authors: [person('Ann')],
    });
    const [el] = select(rss([item]), 'channel/item');
    expect(names(el)).toEqual(['title', 'link', 'guid', 'pubDate', 'description', 'content:encoded', 'dc:creator']);
    const text = (name: string) => el!.children.find((c) => c.name === name)?.text;
    expect(select(el!, 'guid')[0]?.attributes).toEqual({ isPermaLink: 'false' });
    expect(text('guid')).toBe(item.id);
    expect(text('pubDate')).toBe('Wed, 12 Feb 2025 13:15:03 GMT');
    // Readers take description as HTML: the plain-text summary is escaped to stay text.
    expect(text('description')).toBe('Plain &lt;summary&gt; &amp; more');
    expect(text('content:encoded')).toBe(item.html);
    expect(text('dc:creator')).toBe('Ann');
  });

  it('credits the site author when a post names none, and nobody when neither does', () => {
    const authored = siteConfig({ author: person('Site Team') });
    expect(select(rss([feedItem()], authored), 'channel/item/creator').map((c) => c.text)).toEqual(['Site Team']);
    expect(select(rss([feedItem()]), 'channel/item/creator')).toEqual([]);
  });

  it('declares the dc prefix even when no item has content', () => {
    const body = renderRss({ site: siteConfig(), feed: siteFeed(siteConfig()), items: [feedItem({ html: '', authors: [person('Ann')] })] });
    expect(body).not.toContain('content:encoded');
    expect(parseXml(body)).not.toHaveProperty('error');
  });
});
