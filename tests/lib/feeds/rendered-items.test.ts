import { describe, expect, it } from 'vitest';
import { renderFeed, siteFeed, termFeed } from '../../../lib/feeds/feeds.ts';
import { RenderedItems } from '../../../lib/feeds/rendered-items.ts';
import type { FeedInput } from '../../../lib/feeds/types.ts';
import type { FeedItem } from '../../../lib/post/types.ts';
import { feedItem, siteConfig, term } from '../../support/factories.ts';
import { bareSite, chinese, escaping, plain, site } from './sample.ts';

/** Items as a fresh process would have them: nothing rendered yet. */
const fresh = (items: FeedItem[]) => items.map((item) => structuredClone(item));

describe('items rendered once for every feed that shows them', () => {
  it('gives every feed and format the bytes it gets from items never rendered before', () => {
    const items = [escaping, chinese, plain];
    const inputs: FeedInput[] = [
      { site, feed: siteFeed(site), items },
      // A feed in another language: the Atom entries of the English posts say their language there.
      { site, feed: { ...termFeed('language', term('zh-CN', 'zh-cn'), site), language: 'zh-CN' }, items: [chinese, escaping] },
      { site, feed: termFeed('tag', term('C#', 'c#'), site), items: [escaping, plain], history: { pages: 3, page: 2 } },
      { site: bareSite, feed: siteFeed(bareSite), items: [chinese, plain] },
      { site, feed: termFeed('category', term('Empty'), site), items: [] },
    ];
    const cold = inputs.map((input) => renderFeed({ ...input, items: fresh(input.items) }));
    for (let round = 0; round < 2; round++) {
      expect(inputs.map((input) => renderFeed(input))).toEqual(cold);
    }
  });

  it('renders an item again under another site configuration', () => {
    const item = feedItem({ key: 'posts/moved.md', url: '/moved/', html: '<p><a href="/x">x</a></p>' });
    const first = siteConfig({ baseUrl: 'https://one.example/' });
    const second = siteConfig({ baseUrl: 'https://two.example/' });
    const rss = (config: typeof first) => renderFeed({ site: config, feed: siteFeed(config), items: [item] })[0]!.body;
    expect(rss(first)).toContain('https://one.example/moved/');
    expect(rss(second)).toContain('https://two.example/moved/');
    expect(rss(first)).toContain('https://one.example/moved/');
  });

  it('keeps the views it made up to its budget, and makes a forgotten one again', () => {
    let made = 0;
    const views = new RenderedItems((item) => {
      made++;
      return { id: item.key } as never;
    }, 10);
    const [a, b] = [feedItem({ key: 'a', html: '12345' }), feedItem({ key: 'b', html: '12345' })];
    const viewA = views.view(a, site);
    expect(views.view(a, site)).toBe(viewA);
    const text = (render: () => string) => new TextDecoder().decode(views.fragment('rss', viewA, render).bytes);
    expect(text(() => 'rss of a')).toBe('rss of a');
    expect(text(() => 'again')).toBe('rss of a');
    views.view(b, site);
    expect(made).toBe(2);
    // a's part took it over the budget: b's view pushed it out.
    expect(views.view(a, site)).not.toBe(viewA);
    expect(made).toBe(3);
  });
});
