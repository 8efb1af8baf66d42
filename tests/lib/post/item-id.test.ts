import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError, parseConfig, type SiteConfig } from '../../../lib/config.ts';
import { declaredId, itemId, MAX_ID_LENGTH } from '../../../lib/post/item-id.ts';
import { parsePost } from '../../../lib/post/parse.ts';
import type { Post } from '../../../lib/post/types.ts';
import { SiteHarness } from '../../support/pipeline-harness.ts';
import { parseXml, select, type XmlElement } from '../../support/validate.ts';
import { markdown } from '../../support/site-content.ts';
import { testSite, utf8 } from './test-site.ts';

const site = testSite();
const GUID = 'https://example.com/?p=123';

function parsed(key: string, frontMatter: string, on = site): Post {
  const result = parsePost(key, utf8(`---\ntitle: T\ndate: 2025-01-01\n${frontMatter}\n---\nBody\n`), on);
  if (result.status !== 'post') throw new Error(`expected a post, got ${JSON.stringify(result)}`);
  return result.post;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('declared ids', () => {
  it('keeps a WordPress GUID whatever the file is called', () => {
    expect(parsed('posts/a.md', `guid: "${GUID}"`).id).toBe(GUID);
    expect(parsed('2019/moved/elsewhere.md', `guid: "${GUID}"`).id).toBe(GUID);
  });

  it('reads id when there is no guid, and prefers guid (WordPress exports write the post number in id)', () => {
    expect(parsed('posts/a.md', 'id: "tag:example.com,2019:post-7"').id).toBe('tag:example.com,2019:post-7');
    expect(parsed('posts/a.md', `id: 123\nguid: "${GUID}"`).id).toBe(GUID);
    expect(parsed('posts/a.md', `ID: "urn:isbn:0451450523"`).id).toBe('urn:isbn:0451450523');
  });

  it('reads TOML front matter', () => {
    const result = parsePost('posts/a.md', utf8(`+++\ntitle = "T"\ndate = 2025-01-01\nguid = "${GUID}"\n+++\nBody\n`), site);
    expect(result.status === 'post' && result.post.id).toBe(GUID);
  });

  it.each([
    ['id: 123', 'id: expected a string'],
    ['guid: ""', undefined],
    ['guid: "  "', 'guid: is empty'],
    ['guid: [a, b]', 'guid: expected a string (an absolute IRI such as https://example.com/?p=123), found a list'],
    ['guid: { a: 1 }', 'found a mapping'],
    ['guid: "post-123"', 'guid: "post-123" is not an absolute IRI'],
    ['guid: "https://example.com/a b"', 'guid: contains " ", which an IRI cannot hold'],
    ['guid: "https://example.com/\\u0007"', 'guid: contains "\\u0007"'],
    ['guid: "https://example.com/<x>"', 'contains "<"'],
    [`guid: "https://example.com/${'x'.repeat(MAX_ID_LENGTH)}"`, `characters long, more than ${MAX_ID_LENGTH}`],
  ])('publishes %j with the generated id and warns with the problem', (line, problem) => {
    const result = parsePost('posts/bad.md', utf8(`---\ntitle: T\ndate: 2025-01-01\n${line}\n---\nBody\n`), site);
    expect(result.status === 'post' && result.post.id).toBe(itemId('posts/bad.md'));
    const warnings = result.status === 'post' ? result.warnings : undefined;
    if (problem === undefined) expect(warnings).toBeUndefined();
    else {
      expect(warnings).toHaveLength(1);
      expect(warnings![0]).toContain(problem);
      expect(warnings![0]).toContain('published with its generated id');
    }
  });

  it('names the file and the problem in the report of every run that counts the post, unchanged ones included', async () => {
    const harness = new SiteHarness(site);
    await harness.write('posts/bad.md', markdown({ title: 'Bad', date: '2025-01-01', extra: { guid: 'post-123' } }));
    await harness.write('posts/good.md', markdown({ title: 'Good', date: '2025-01-02' }));
    const reason = 'guid: "post-123" is not an absolute IRI (it needs a scheme, such as https: or urn:); published with its generated id';
    expect((await harness.rebuild()).posts.warned).toEqual([{ key: 'posts/bad.md', reason }]);
    // Taken from its stored record, not parsed again: the warning is kept there.
    const again = await harness.rebuild();
    expect(again.posts.unchanged).toBe(2);
    expect(again.posts.warned).toEqual([{ key: 'posts/bad.md', reason }]);
    expect((await harness.regenerate(['posts/bad.md'])).posts.warned).toEqual([{ key: 'posts/bad.md', reason }]);
    expect((await harness.regenerate(['posts/good.md'])).posts.warned).toEqual([]);
  });

  it('warns of posts that share an id in a feed (a post copied with its guid), once each, in rebuilds and incremental runs', async () => {
    const harness = new SiteHarness(site);
    await harness.write('posts/a.md', markdown({ title: 'A', date: '2025-01-01', tags: ['x'], extra: { guid: GUID } }));
    await harness.write('posts/b.md', markdown({ title: 'B', date: '2025-01-02', tags: ['x'], extra: { guid: GUID } }));
    await harness.write('posts/c.md', markdown({ title: 'C', date: '2025-01-03' }));
    const shared = (other: string) => `its item id ${GUID} is also the id of ${other}: feed readers show only one of them`;
    const expected = [
      { key: 'posts/a.md', reason: shared('posts/b.md') },
      { key: 'posts/b.md', reason: shared('posts/a.md') },
    ];
    // In the site's feed and tag x's, said once.
    expect((await harness.rebuild()).posts.warned).toEqual(expected);
    expect((await harness.rebuild()).posts.warned).toEqual(expected);
    await harness.write('posts/c.md', markdown({ title: 'C, edited', date: '2025-01-03' }));
    expect((await harness.regenerate(['posts/c.md'])).posts.warned).toEqual(expected);
    await harness.write(
      'posts/b.md',
      markdown({ title: 'B', date: '2025-01-02', tags: ['x'], extra: { guid: 'https://example.com/?p=124' } }),
    );
    expect((await harness.regenerate(['posts/b.md'])).posts.warned).toEqual([]);
    expect((await harness.rebuild()).posts.warned).toEqual([]);
  });

  it('accepts IRIs with non-ASCII characters and trims the value', () => {
    expect(parsed('posts/a.md', 'guid: "  https://例子.测试/文章/1  "').id).toBe('https://例子.测试/文章/1');
  });

  it('never throws, and a declared id is always a printable absolute IRI within the bound', () => {
    const anyValue = fc.oneof(fc.anything(), fc.string({ unit: 'binary' }), fc.webUrl(), fc.constantFrom(GUID, 'urn:x', 'a:', ':b'));
    fc.assert(
      fc.property(fc.record({ id: anyValue, guid: anyValue }, { requiredKeys: [] }), (fields) => {
        const declared = declaredId(new Map(Object.entries(fields).filter(([, value]) => value !== undefined)));
        if (declared === undefined || !('id' in declared)) return;
        expect(declared.id.length).toBeLessThanOrEqual(MAX_ID_LENGTH);
        expect(declared.id).toMatch(/^[A-Za-z][A-Za-z0-9+.-]*:\S+$/u);
        expect(declared.id).not.toMatch(/[\p{Cc}\p{Cf}\p{Cs}]/u);
      }),
      { numRuns: 500, seed: 14 },
    );
  });
});

describe('a declared id through the pipeline', () => {
  const post = (title: string) =>
    markdown({ title, date: '2025-05-01T10:00:00Z', tags: ['wp'] }).replace('---\n', `---\nguid: "${GUID}"\n`);
  /** Every id in the site feed's JSON Feed, and the RSS and Atom files' mentions of the GUID. */
  function ids(tree: Record<string, string>): { json: string[]; rss: number; atom: number } {
    const json = (JSON.parse(tree['feed.json']!) as { items: { id: string }[] }).items.map((item) => item.id);
    const count = (file: string) => tree[file]!.split(GUID.replace('&', '&amp;')).length - 1;
    return { json, rss: count('rss.xml'), atom: count('atom.xml') };
  }

  it('survives an edit and a move of the file, through regenerate and rebuild', async () => {
    const harness = new SiteHarness();
    await harness.write('posts/hello.md', post('Hello'));
    await harness.write('posts/other.md', markdown({ title: 'Other', date: '2025-04-01T10:00:00Z' }));
    await harness.rebuild();
    const before = ids(await harness.feedTree());
    expect(before.json).toEqual([GUID, itemId('posts/other.md')]);
    expect(before.rss).toBe(1);
    expect(before.atom).toBe(1);

    await harness.write('posts/hello.md', post('Hello, edited'));
    await harness.regenerate(['posts/hello.md']);
    expect(ids(await harness.feedTree())).toEqual(before);

    await harness.remove('posts/hello.md');
    await harness.write('archive/2025/hello-world.md', post('Hello, moved'));
    await harness.regenerate(['posts/hello.md', 'archive/2025/hello-world.md']);
    const tree = await harness.feedTree();
    expect(ids(tree)).toEqual(before);
    expect(tree['feed.json']).toContain('Hello, moved');
    expect(tree).toEqual(await harness.freshTree());

    await harness.rebuild();
    expect(ids(await harness.feedTree())).toEqual(before);
  });
});

/** tests/fixtures/hugo-guids: Hugo 0.111's RSS over its content, for four configurations (regenerate.py). */
const HUGO = new URL('../../fixtures/hugo-guids/', import.meta.url);
const hugoGuids = JSON.parse(readFileSync(new URL('expected-guids.json', HUGO), 'utf8')) as {
  /** `content`: the folder of the site's posts, when not `content/`. */
  sites: Record<string, { herald: Partial<SiteConfig>; content?: string; guids: Record<string, string> }>;
};

describe('itemIds: "url"', () => {
  const byUrl = testSite({ itemIds: 'url' });

  it('is read from the configuration; "key" is the default and is not stored', () => {
    const config = (extra: object) => parseConfig(JSON.stringify({ title: 'T', baseUrl: 'https://example.com/', ...extra }), 'c.json');
    expect(config({ itemIds: 'url' }).itemIds).toBe('url');
    expect(config({ itemIds: 'key' })).toEqual(config({}));
    expect(() => config({ itemIds: 'permalink' })).toThrow(ConfigError);
    expect(() => config({ itemIds: 'permalink' })).toThrow('itemIds: must be "key" or "url", not "permalink"');
  });

  it('makes the post URL its id; a declared guid or id still wins; an invalid one falls back to the URL', () => {
    expect(parsed('posts/a.md', '', byUrl).id).toBe('https://example.com/posts/a/');
    expect(parsed('posts/a.md', 'url: /elsewhere/', byUrl).id).toBe('https://example.com/elsewhere/');
    expect(parsed('posts/a.md', `guid: "${GUID}"`, byUrl).id).toBe(GUID);
    expect(parsed('posts/a.md', 'id: "tag:example.com,2019:7"', byUrl).id).toBe('tag:example.com,2019:7');
    expect(parsed('posts/a.md', 'guid: "post-7"', byUrl).id).toBe('https://example.com/posts/a/');
  });

  it.each(Object.entries(hugoGuids.sites))(
    'gives the ids Hugo gave, for its %s configuration',
    (_name, { herald, content = 'content', guids }) => {
      const on = testSite({ ...herald, itemIds: 'url' });
      const ids = Object.fromEntries(
        Object.keys(guids).map((key) => {
          const result = parsePost(key, readFileSync(new URL(`${content}/${key}`, HUGO)), on);
          return [key, result.status === 'post' ? result.post.id : result];
        }),
      );
      expect(ids).toEqual(guids);
    },
  );

  it('reaches readers as Hugo wrote it: RSS permalink guids, Atom ids and JSON Feed ids, through a rebuild', async () => {
    const { herald, guids } = hugoGuids.sites.default!;
    const harness = new SiteHarness(testSite({ ...herald, itemIds: 'url', itemsPerFeed: 50 }));
    for (const key of Object.keys(guids)) await harness.write(key, readFileSync(new URL(`content/${key}`, HUGO), 'utf8'));
    const report = await harness.rebuild();
    expect(report.failed).toEqual([]);
    const tree = await harness.feedTree();
    const xml = (file: string): XmlElement => {
      const parsed = parseXml(tree[file]!);
      if ('error' in parsed) throw new Error(parsed.error);
      return parsed.root;
    };
    const hugo = Object.values(guids).sort();
    const rssGuids = select(xml('rss.xml'), 'channel/item/guid');
    expect(rssGuids.map((guid) => guid.text).sort()).toEqual(hugo);
    // Hugo writes no isPermaLink, which means true.
    expect(new Set(rssGuids.map((guid) => guid.attributes.isPermaLink ?? 'true'))).toEqual(new Set(['true']));
    expect(
      select(xml('atom.xml'), 'entry/id')
        .map((id) => id.text)
        .sort(),
    ).toEqual(hugo);
    const json = JSON.parse(tree['feed.json']!) as { items: { id: string }[] };
    expect(json.items.map((item) => item.id).sort()).toEqual(hugo);
  });
});
