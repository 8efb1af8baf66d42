/**
 * The renderer fixtures, in the style of jpmonette/feed's snapshots: fixed dates, a few items
 * chosen to hit every escaping rule (Chinese text, a typed and an untyped thumbnail, terms with
 * `<`, `&`, `"` and `]]>`, `]]>` twice in content, control characters, a literal `&amp;`).
 */
import type { SiteConfig } from '../../../lib/config.ts';
import { siteFeed, termFeed } from '../../../lib/feeds/feeds.ts';
import type { FeedInput } from '../../../lib/feeds/types.ts';
import type { FeedItem } from '../../../lib/post/types.ts';
import { feedItem, person, siteConfig, term } from '../../support/factories.ts';

export const site: SiteConfig = siteConfig({
  title: 'Herald Example',
  description: 'Notes & news from the <Herald> example site',
  baseUrl: 'https://example.org/',
  feedsUrl: 'https://feeds.example.org/',
  language: 'en',
  author: person('Herald Team', { email: 'team@example.org', url: 'https://example.org/about/' }),
  copyright: '© 2025 Herald Team & friends',
  image: '/images/logo.png',
  websubHub: 'https://hub.example.net/',
});

/** A site that names no author and has no description, image, hub or copyright. */
export const bareSite: SiteConfig = siteConfig({
  title: 'Bare Site',
  description: '',
  baseUrl: 'https://bare.example.com/blog/',
  language: 'zh-CN',
});

const CSHARP = term('C#', 'c#');

export const escaping: FeedItem = feedItem(
  {
    key: 'posts/2025/escaping.md',
    title: 'Escaping <everything> & "quotes" ]]> twice ]]>\u0007\uFFFE',
    date: '2025-03-01T08:00:00.000Z',
    updated: '2025-03-05T10:30:00.000Z',
    summary: 'What happens to ]]> and <b>tags</b> in a summary?\u0000',
    html:
      '<p>CDATA ends with ]]> here and ]]> here.</p>\n<p>A bell \u0007 and a form feed \u000C vanish.</p>\n' +
      '<pre><code>if (a &lt; b &amp;&amp; c &gt; d) {}</code></pre>',
    categories: [term('Engineering'), term('R&D <lab>', 'r&d-lab')],
    tags: [CSHARP, term('"quoted"', 'quoted'), term('a]]>b', 'a]]>b')],
    authors: [person('Ann Lee', { email: 'ann@example.org' }), person('Bo Chen', { url: 'https://example.org/bo/' })],
    image: { url: 'https://cdn.example.org/img/cover.jpg', type: 'image/jpeg' },
  },
  site,
);

export const chinese: FeedItem = feedItem(
  {
    key: 'zh-CN/news/2025/0212-herald.zh-CN.md',
    title: 'Herald 发布：静态订阅源生成器',
    url: 'https://example.org/zh-cn/news/2025/发布/',
    date: '2025-02-12T13:15:03.000Z',
    lang: 'zh-CN',
    html: '<p>今天我们发布了 Herald，一个把 Markdown 文章变成 RSS、Atom 和 JSON Feed 的工具。</p>',
    categories: [term('新闻')],
    tags: [term('科技'), term('开源')],
    image: { url: '/images/2025/herald.webp?size=large&v=2', type: 'image/webp' },
  },
  site,
);

export const plain: FeedItem = feedItem(
  {
    key: 'posts/2025/plain.md',
    title: 'Plain & simple: "R&amp;D" is not an entity',
    date: '2025-01-20T00:00:00.000Z',
    summary: 'A post with no author of its own.',
    html: '<p>Nothing special.</p>',
    tags: [CSHARP, term('c#')],
    image: { url: 'https://cdn.example.org/photos/om_ls/x/0' },
  },
  site,
);

/** Named feeds; each is snapshotted under tests/fixtures/feeds/<name>/. */
export const SAMPLES: Record<string, FeedInput> = {
  site: { site, feed: siteFeed(site), items: [escaping, chinese, plain] },
  'tag-csharp': { site, feed: termFeed('tag', CSHARP, site), items: [escaping, plain] },
  'empty-category': { site, feed: termFeed('category', term('Archived'), site), items: [] },
  'bare-site': { site: bareSite, feed: siteFeed(bareSite), items: [chinese, { ...plain, url: 'https://bare.example.com/blog/plain/' }] },
};
