import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exclusionOf, listedIn } from '../../../lib/post/exclusion.ts';
import { parsePost } from '../../../lib/post/parse.ts';
import { FEED_KINDS, type ParseResult } from '../../../lib/post/types.ts';
import { isPublished } from '../../../lib/post/visibility.ts';
import { SiteHarness } from '../../support/pipeline-harness.ts';
import { markdown } from '../../support/site-content.ts';
import { testSite, utf8 } from './test-site.ts';

const site = testSite();

function parse(frontMatter: string, delimiter = '---'): ParseResult {
  const date = delimiter === '---' ? 'date: 2025-01-01' : 'date = 2025-01-01';
  const title = delimiter === '---' ? 'title: T' : 'title = "T"';
  return parsePost('posts/p.md', utf8(`${delimiter}\n${title}\n${date}\n${frontMatter}\n${delimiter}\nBody\n`), site);
}

function excludeFrom(frontMatter: string, delimiter = '---') {
  const result = parse(frontMatter, delimiter);
  if (result.status !== 'post') throw new Error(`expected a post, got ${JSON.stringify(result)}`);
  return result.post.excludeFrom;
}

const NOT_SECTION = FEED_KINDS.filter((kind) => kind !== 'section');

describe('front-matter exclusions', () => {
  it.each([
    ['', undefined],
    ['feeds: true', undefined],
    ['feeds: false', 'all'],
    ['feeds: "false"', 'all'],
    ['Feeds: False', 'all'],
    ['feeds: { tag: false }', ['tag']],
    ['feeds: { tags: false, Category: false, site: true }', ['category', 'tag']],
    ['feeds: { author: false, section: false, language: false }', ['section', 'language', 'author']],
    ['feeds: {}', undefined],
    ['build: { list: never }', 'all'],
    ['_build: { list: never }', 'all'],
    ['_build: { list: false }', 'all'],
    ['build: { list: always, render: always, publishResources: false }', undefined],
    ['build: { list: true }', undefined],
    ['build: { render: never }', 'all'],
    ['build: { render: false }', 'all'],
    ['build: { render: link }', undefined],
    ['build: { List: Local }', NOT_SECTION],
    ['build: { list: local }\nfeeds: { section: false }', 'all'],
    ['headless: true', 'all'],
    ['headless: false', undefined],
    ['build: { list: local }\nfeeds: { tag: false }', NOT_SECTION],
    ['feeds: { site: false, category: false, tag: false, section: false, language: false, author: false }', 'all'],
  ])('%j keeps the post out of %j', (frontMatter, expected) => {
    expect(excludeFrom(frontMatter)).toEqual(expected);
  });

  it('reads TOML tables', () => {
    expect(excludeFrom('[_build]\nlist = "never"', '+++')).toBe('all');
    expect(excludeFrom('[feeds]\ntag = false', '+++')).toEqual(['tag']);
  });

  it.each([
    ['feeds: 0', 'feeds: expected false or a mapping such as { tag: false }, found 0'],
    ['feeds: no', 'feeds: expected false or a mapping such as { tag: false }, found "no"'],
    ['feeds: [tag]', 'feeds: expected false or a mapping such as { tag: false }, found a list'],
    ['feeds: { tgas: false }', 'feeds: unknown feed kind "tgas" (expected site, category, tag, section, language, author)'],
    ['feeds: { tag: off }', 'feeds: tag: expected true or false, found "off"'],
    ['build: never', 'build: expected a mapping such as { list: never }, found "never"'],
    ['_build: { list: hidden }', '_build: list: expected always, local, never, found "hidden"'],
    ['build: { render: local }', 'build: render: expected always, link, never, found "local"'],
    ['headless: 1', 'headless: expected true or false, found 1'],
  ])('rejects %j, naming the file and the problem', (frontMatter, reason) => {
    const result = parse(frontMatter);
    expect(result.status).toBe('rejected');
    expect(result.status === 'rejected' && result.error.message).toBe(`posts/p.md: ${reason}`);
  });

  it('keeps a post out of every feed as it keeps a draft, and per kind through listedIn', () => {
    const post = (frontMatter: string) => {
      const result = parse(frontMatter);
      if (result.status !== 'post') throw new Error('expected a post');
      return result.post;
    };
    const now = new Date('2026-01-01T00:00:00Z');
    expect(isPublished(post(''), now)).toBe(true);
    expect(isPublished(post('feeds: false'), now)).toBe(false);
    expect(isPublished(post('feeds: { tag: false }'), now)).toBe(true);
    expect(FEED_KINDS.filter((kind) => listedIn(post('feeds: { tag: false }'), kind))).toEqual(FEED_KINDS.filter((kind) => kind !== 'tag'));
    expect(FEED_KINDS.filter((kind) => listedIn(post('feeds: false'), kind))).toEqual([]);
    expect(FEED_KINDS.filter((kind) => listedIn(post(''), kind))).toEqual(FEED_KINDS);
  });

  it('never throws on arbitrary front matter, and says either an exclusion or a problem', () => {
    const key = fc.constantFrom('feeds', 'build', '_build', 'headless', 'list', 'render', 'tag', 'site', ...FEED_KINDS);
    const anyValue = fc.letrec<{ value: unknown }>((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.anything(),
        fc.constantFrom(true, false, 'true', 'false', 'never', 'always', 'local', 'link', 'False'),
        fc.dictionary(key, tie('value'), { maxKeys: 4 }),
      ),
    })).value;
    fc.assert(
      fc.property(fc.dictionary(fc.oneof(key, fc.string()), anyValue, { maxKeys: 5 }), (fields) => {
        const result = exclusionOf(new Map(Object.entries(fields)));
        if ('problem' in result) expect(result.problem).toMatch(/^(feeds|build|_build|headless): /);
        else if (Array.isArray(result.excludeFrom)) {
          expect(result.excludeFrom.length).toBeGreaterThan(0);
          expect(result.excludeFrom.length).toBeLessThan(FEED_KINDS.length);
          expect(FEED_KINDS.filter((kind) => result.excludeFrom!.includes(kind))).toEqual(result.excludeFrom);
        } else expect([undefined, 'all']).toContain(result.excludeFrom);
      }),
      { numRuns: 1000, seed: 14 },
    );
  });
});

describe('exclusions through the pipeline', () => {
  const BASE = { title: 'Hidden', date: '2025-05-02T10:00:00Z', categories: ['News'], tags: ['rust'] };
  const hidden = (frontMatter: string) => markdown(BASE).replace('---\n', `---\n${frontMatter}\n`);

  /** Titles of each feed's JSON Feed items, by feed folder. */
  function titles(tree: Record<string, string>): Record<string, string[]> {
    const result: Record<string, string[]> = {};
    for (const [path, body] of Object.entries(tree)) {
      if (!path.endsWith('feed.json')) continue;
      result[path] = (JSON.parse(body) as { items: { title: string }[] }).items.map((item) => item.title);
    }
    return result;
  }

  async function builtSite(): Promise<SiteHarness> {
    const harness = new SiteHarness();
    await harness.write('posts/shown.md', { title: 'Shown', date: '2025-05-01T10:00:00Z', categories: ['News'], tags: ['rust'] });
    await harness.write('posts/hidden.md', hidden(''));
    await harness.rebuild();
    return harness;
  }

  const EVERYWHERE = {
    'feed.json': ['Hidden', 'Shown'],
    'categories/news/feed.json': ['Hidden', 'Shown'],
    'tags/rust/feed.json': ['Hidden', 'Shown'],
  };

  it.each([
    ['feeds: false', { 'feed.json': ['Shown'], 'categories/news/feed.json': ['Shown'], 'tags/rust/feed.json': ['Shown'] }],
    ['_build: { list: never }', { 'feed.json': ['Shown'], 'categories/news/feed.json': ['Shown'], 'tags/rust/feed.json': ['Shown'] }],
    ['build:\n  list: never', { 'feed.json': ['Shown'], 'categories/news/feed.json': ['Shown'], 'tags/rust/feed.json': ['Shown'] }],
    [
      'feeds: { tag: false }',
      { 'feed.json': ['Hidden', 'Shown'], 'categories/news/feed.json': ['Hidden', 'Shown'], 'tags/rust/feed.json': ['Shown'] },
    ],
    [
      'feeds: { site: false }',
      { 'feed.json': ['Shown'], 'categories/news/feed.json': ['Hidden', 'Shown'], 'tags/rust/feed.json': ['Hidden', 'Shown'] },
    ],
  ])('%j: on and off again, through regenerate and through rebuild', async (frontMatter, expected) => {
    const harness = await builtSite();
    const pick = (tree: Record<string, string>) => Object.fromEntries(Object.keys(EVERYWHERE).map((path) => [path, titles(tree)[path]]));
    expect(pick(await harness.feedTree())).toEqual(EVERYWHERE);

    // Incremental: the key turned on for a published post, then off.
    await harness.write('posts/hidden.md', hidden(frontMatter));
    const report = await harness.regenerate(['posts/hidden.md']);
    expect(report.failed).toEqual([]);
    const on = await harness.feedTree();
    expect(pick(on)).toEqual(expected);
    expect(on).toEqual(await harness.freshTree());

    await harness.write('posts/hidden.md', hidden(''));
    await harness.regenerate(['posts/hidden.md']);
    const off = await harness.feedTree();
    expect(pick(off)).toEqual(EVERYWHERE);
    expect(off).toEqual(await harness.freshTree());

    // Full rebuild: the same two states.
    await harness.write('posts/hidden.md', hidden(frontMatter));
    await harness.rebuild();
    expect(pick(await harness.feedTree())).toEqual(expected);
    await harness.write('posts/hidden.md', hidden(''));
    await harness.rebuild();
    expect(pick(await harness.feedTree())).toEqual(EVERYWHERE);
  });

  it('reports a post kept out of every feed as such, not as a draft', async () => {
    const harness = await builtSite();
    await harness.write('posts/hidden.md', hidden('feeds: false'));
    const report = await harness.rebuild();
    expect(report.posts.skipped).toContainEqual({ key: 'posts/hidden.md', reason: 'kept out of every feed (front matter)' });
  });
});
