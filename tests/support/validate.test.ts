import { describe, expect, it } from 'vitest';
import { renderFeed, siteFeed } from '../../lib/feeds/feeds.ts';
import { feedItem, siteConfig } from './factories.ts';
import { validateFeedFiles } from './validate.ts';

const site = siteConfig();
const [rss, atom, json] = renderFeed({ site, feed: siteFeed(site), items: [feedItem(), feedItem({ key: 'b.md', title: 'Second' })] }).map(
  (file) => file.body,
) as [string, string, string];

describe('validateFeedFiles', () => {
  it('passes good feeds in every format', async () => {
    expect(
      await validateFeedFiles([
        { path: 'rss.xml', body: rss },
        { path: 'atom.xml', body: atom },
        { path: 'feed.json', body: json },
      ]),
    ).toEqual([]);
  });

  it('reports malformed XML', async () => {
    expect(await validateFeedFiles([{ path: 'x/rss.xml', body: rss.replace('</channel>', '') }])).toEqual([
      { path: 'x/rss.xml', check: 'xml', message: expect.stringMatching(/unexpected close tag/) },
    ]);
  });

  it('maps RELAX NG errors from one batch back to their files', async () => {
    const files = [
      { path: 'a/atom.xml', body: atom },
      { path: 'b/atom.xml', body: atom.replace(/ {2}<id>[^<]*<\/id>\n/, '') },
      { path: 'c/atom.xml', body: atom },
      { path: 'd/atom.xml', body: atom.replace('<generator>Herald</generator>', '<generator>Herald</generator><bogus/>') },
    ];
    const problems = await validateFeedFiles(files);
    expect(new Set(problems.map((p) => `${p.path} ${p.check}`))).toEqual(new Set(['b/atom.xml atom-schema', 'd/atom.xml atom-schema']));
    expect(problems).toContainEqual({
      path: 'b/atom.xml',
      check: 'atom-schema',
      message: expect.stringMatching(/^line \d+: .*element id, got nothing/),
    });
    expect(problems).toContainEqual({ path: 'd/atom.xml', check: 'atom-schema', message: expect.stringMatching(/^line \d+: .*got bogus/) });
  });

  it.each([
    [
      'an updated that is no date',
      (body: string) => body.replace('<updated>2025-02-12T13:15:03.000Z</updated>', '<updated>yesterday</updated>'),
    ],
    [
      'a link without href',
      (body: string) => body.replace('<link rel="alternate" type="text/html" href="https://example.org/"/>', '<link rel="alternate"/>'),
    ],
    ['a language tag with an underscore', (body: string) => body.replace('xml:lang="en"', 'xml:lang="en_US"')],
    [
      'an atom element where none belongs',
      (body: string) => body.replace('<generator>Herald</generator>', '<generator>Herald<title>x</title></generator>'),
    ],
  ])('reports what only the RELAX NG schema sees: %s', async (_, mutate) => {
    const body = mutate(atom);
    expect(body).not.toBe(atom);
    const problems = await validateFeedFiles([{ path: 'atom.xml', body }]);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.filter((p) => p.check !== 'atom-schema')).toEqual([]);
  });

  it('applies the schema rules RELAX NG skips: an entry needs an author if its feed has none', async () => {
    const noAuthor = atom.replace(/ {2}<author>[\s\S]*?<\/author>\n/, '');
    expect(await validateFeedFiles([{ path: 'atom.xml', body: noAuthor }])).toEqual([
      { path: 'atom.xml', check: 'atom-rules', message: 'entry 1 has no author and neither has the feed' },
      { path: 'atom.xml', check: 'atom-rules', message: 'entry 2 has no author and neither has the feed' },
    ]);
  });

  it('checks RSS structure, which no schema covers', async () => {
    const broken = rss
      .replace(/<description>[^<]*<\/description>/, '')
      .replace(/<pubDate>[^<]*<\/pubDate>/, '<pubDate>2025-02-12</pubDate>')
      .replace('<guid', '<enclosure url="https://example.org/a.jpg" length="0"/><guid');
    expect((await validateFeedFiles([{ path: 'rss.xml', body: broken }])).map((p) => `${p.check}: ${p.message}`)).toEqual([
      'rss-structure: channel has no <description>',
      'rss-structure: item 1 <pubDate> "2025-02-12" is not an RFC 822 date',
      expect.stringMatching(/^rss-structure: item 1 <enclosure> needs url, a numeric length and a media type/),
    ]);
  });

  it('compares item titles with the expected ones', async () => {
    const problems = await validateFeedFiles([
      { path: 'rss.xml', body: rss, titles: ['Hello, world', 'Second'] },
      { path: 'feed.json', body: json, titles: ['Hello, world'] },
    ]);
    expect(problems).toEqual([{ path: 'feed.json', check: 'titles', message: '2 items, expected 1' }]);
  });

  it('reports JSON that is not JSON Feed 1.1', async () => {
    const problems = await validateFeedFiles([
      { path: 'bad.json', body: '{' },
      { path: 'feed.json', body: json.replace('"url": "https://example.org/posts/hello-world/"', '"url": "not a url"') },
    ]);
    expect(problems).toEqual([
      { path: 'bad.json', check: 'json-feed', message: expect.stringMatching(/^not JSON/) },
      { path: 'feed.json', check: 'json-feed', message: expect.stringMatching(/^\/items\/0\/url must match format "uri"/) },
    ]);
  });
});
