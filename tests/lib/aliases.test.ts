import vm from 'node:vm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ALIAS_PRESETS,
  aliasResolver,
  compileAliases,
  type FeedAlias,
  FUNCTION_CODE_LIMIT,
  parseAliases,
  REDIRECT_CACHE_CONTROL,
  viewerRequestCode,
} from '../../lib/aliases.ts';
import { ConfigError, FEED_KIND_KEYS, parseConfig } from '../../lib/config.ts';

const FOLDERS = FEED_KIND_KEYS;
const ALL_PRESETS = parseAliases(Object.keys(ALIAS_PRESETS), FOLDERS).aliases;

function parsed(value: unknown): FeedAlias[] {
  const { aliases, problems } = parseAliases(value, FOLDERS);
  expect(problems).toEqual([]);
  return aliases;
}
const problemsOf = (value: unknown) => parseAliases(value, FOLDERS).problems;

interface CloudFrontResponse {
  statusCode: number;
  statusDescription: string;
  headers: Record<string, { value: string }>;
}

/** The generated function, run the way CloudFront Functions run it: the code alone, then `handler(event)`. */
function cloudFrontFunction(aliases: readonly FeedAlias[]): (uri: string) => { request: unknown; result: unknown } {
  const context = vm.createContext({});
  new vm.Script(`${viewerRequestCode(aliases)}\nthis.handler = handler;`, { filename: 'aliases.js' }).runInContext(context);
  const handler = context.handler as (event: unknown) => unknown;
  return (uri) => {
    // A viewer-request event as CloudFront Functions receive it (version 1.0, lower-case header names).
    const request = {
      method: 'GET',
      uri,
      querystring: { utm_source: { value: 'reader' } },
      headers: { host: { value: 'd111111abcdef8.cloudfront.net' }, 'accept-encoding': { value: 'br, gzip' } },
      cookies: {},
    };
    const event = {
      version: '1.0',
      context: { distributionDomainName: 'd111111abcdef8.cloudfront.net', distributionId: 'EDFDVBD6EXAMPLE', eventType: 'viewer-request' },
      viewer: { ip: '198.51.100.1' },
      request,
    };
    return { request, result: handler(event) };
  };
}

describe('aliasResolver: each form of alias', () => {
  const resolve = aliasResolver(ALL_PRESETS);

  it.each([
    // Hugo
    ['/index.xml', '/rss.xml'],
    ['/tags/go/index.xml', '/tags/go/rss.xml'],
    ['/tags/%E7%A7%91%E6%8A%80/index.xml', '/tags/%E7%A7%91%E6%8A%80/rss.xml'],
    ['/categories/release-notes/index.xml', '/categories/release-notes/rss.xml'],
    // jekyll-feed
    ['/feed.xml', '/atom.xml'],
    ['/feed/news.xml', '/categories/news/atom.xml'],
    ['/feed/by_tag/ruby.xml', '/tags/ruby/atom.xml'],
    // WordPress, with and without the trailing slash
    ['/feed/', '/rss.xml'],
    ['/feed', '/rss.xml'],
    ['/feed/rss2/', '/rss.xml'],
    ['/feed/atom/', '/atom.xml'],
    ['/feed/atom', '/atom.xml'],
    ['/category/news/feed/', '/categories/news/rss.xml'],
    ['/tag/c~23/feed', '/tags/c~23/rss.xml'],
    ['/author/jane-doe/feed/', '/authors/jane-doe/rss.xml'],
  ])('%s -> %s', (path, target) => {
    expect(resolve(path)).toBe(target);
  });

  it('leaves every other path alone, Herald’s own files first', () => {
    for (const path of ['/', '/index.html', '/rss.xml', '/tags/go/rss.xml', '/feeds.opml', '/feed.css', '/feed/news', '/feed/.xml']) {
      expect(resolve(path), path).toBeNull();
    }
    expect(resolve('/tags/go/index.xml/')).toBeNull();
    expect(resolve('/Index.xml')).toBeNull();
  });

  it('never carries ".", "..", a backslash or an empty segment into the new path', () => {
    for (const path of ['/tags/../index.xml', '/tags/./index.xml', '/tags//index.xml', '/tags/a\\b/index.xml', '/feed/..xml']) {
      expect(resolve(path), path).toBeNull();
    }
  });

  it('tries literal paths before patterns, and patterns in the configured order', () => {
    const mixed = aliasResolver(
      parsed({ '/tags/:slug/index.xml': '/tags/:slug/rss.xml', '/tags/old/index.xml': '/tags/new/rss.xml', '/:a/:b/index.xml': '/x.xml' }),
    );
    expect(mixed('/tags/old/index.xml')).toBe('/tags/new/rss.xml');
    expect(mixed('/tags/go/index.xml')).toBe('/tags/go/rss.xml');
    expect(mixed('/posts/go/index.xml')).toBe('/x.xml');
    expect(compileAliases(parsed({ '/old/:a.rss': '/rss.xml', '/old/b.rss': '/atom.xml' }))[0]![0]).toEqual(['', 'old', 'b.rss']);
  });

  it('redirects to absolute URLs too', () => {
    expect(aliasResolver(parsed({ '/feeds/:slug.rss': 'https://feeds.example.com/tags/:slug/rss.xml' }))('/feeds/go.rss')).toBe(
      'https://feeds.example.com/tags/go/rss.xml',
    );
  });

  it('never throws, and never sends a reader off the site (`//host` or `/\\host`)', () => {
    // A new path that starts with a placeholder is where a capture could forge another host.
    const leading = aliasResolver([...ALL_PRESETS, ...parsed({ '/:section/index.xml': '/:section/rss.xml' })]);
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('/', '\\', '.', '%', ':', 'a', 'x', '~', ' ', '?', '\u00e9') }), (tail) => {
        for (const path of [`/${tail}`, `/${tail}/index.xml`, `/tags/${tail}/index.xml`, `/tag/${tail}/feed/`, `/feed/${tail}.xml`]) {
          const target = leading(path);
          if (target !== null) expect(target).toMatch(/^\/[^/\\]/);
        }
      }),
    );
    expect(leading('/\\evil.example/index.xml')).toBeNull();
    expect(leading('/posts/index.xml')).toBe('/posts/rss.xml');
  });
});

describe('parseAliases', () => {
  it('takes presets, objects and lists of both; a later entry overrides an earlier one', () => {
    expect(parsed('hugo')).toEqual(Object.entries(ALIAS_PRESETS.hugo!).map(([from, to]) => ({ from, to })));
    const merged = parsed(['wordpress', { '/feed/': '/atom.xml', '/old.rss': '/rss.xml' }]);
    expect(merged).toContainEqual({ from: '/feed/', to: '/atom.xml' });
    expect(merged).toContainEqual({ from: '/old.rss', to: '/rss.xml' });
    expect(merged).toHaveLength(Object.keys(ALIAS_PRESETS.wordpress!).length + 1);
    expect(parsed({})).toEqual([]);
  });

  it.each([
    [42, /aliases: must be an object of old path to new path .* not 42/],
    [['hugo', 'hexo'], /aliases: unknown preset "hexo" \(known: hugo, jekyll, wordpress\)/],
    [{ 'index.xml': '/rss.xml' }, /aliases\["index.xml"\]: the old path must start with "\/"/],
    [{ '/a': 7 }, /aliases\["\/a"\]: the new path must be a string such as "\/rss.xml", not 7/],
    [{ '/a': 'rss.xml' }, /the new path must start with "\/" or be an absolute http\(s\) URL/],
    [{ '/科技/index.xml': '/rss.xml' }, /the old path must be ASCII without spaces: write other characters percent-encoded/],
    [{ '/a b': '/rss.xml' }, /the old path must be ASCII without spaces/],
    [{ '/a.xml?x=1': '/rss.xml' }, /the old path must have no query or fragment/],
    [{ '/a//b': '/rss.xml' }, /the old path must not contain "\/\/" or "\\"/],
    [{ '/a/../b': '/rss.xml' }, /the old path must not contain "." or ".." segments/],
    [{ '/:x/:x': '/rss.xml' }, /the old path uses :x twice/],
    [{ '/a:b': '/rss.xml' }, /the segment "a:b" has ":" elsewhere than at its start/],
    [{ '/:a:b': '/rss.xml' }, /the segment ":a:b" may hold one placeholder, at its start/],
    [{ '/t/:slug/index.xml': '/tags/:name/rss.xml' }, /the new path uses :name, which the old path does not have/],
    [{ '/': '/rss.xml' }, /the old path would hide \/, which Herald publishes/],
    [{ '/tags/:slug/rss.xml': '/rss.xml' }, /the old path would hide \/tags\/x\/rss.xml, which Herald publishes/],
    [{ '/:name.json': '/rss.xml' }, /would hide \/feed.json/],
    [{ '/:name.opml': '/rss.xml' }, /would hide \/feeds.opml/],
    [{ '/a.xml': '/b.xml', '/b.xml': '/rss.xml' }, /aliases\["\/a.xml"\]: the new path \/b.xml is itself an old path of another alias/],
  ])('refuses %j with a clear problem', (value, problem) => {
    const problems = problemsOf(value);
    expect(problems.join('\n')).toMatch(problem);
  });

  it('refuses more aliases than a CloudFront Function can hold, and says what to do', () => {
    const many = Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`/old/feed-number-${i}.xml`, '/rss.xml']));
    expect(problemsOf(many)).toEqual([
      expect.stringMatching(/^aliases: 400 aliases make a CloudFront Function of \d+ bytes, over its 10240-byte limit; use placeholders/),
    ]);
    expect(Buffer.byteLength(viewerRequestCode(ALL_PRESETS))).toBeLessThan(FUNCTION_CODE_LIMIT / 2);
  });

  it('is the configuration’s `aliases` key, with its problems named in the ConfigError', () => {
    const base = { title: 'Site', baseUrl: 'https://example.com/' };
    expect(parseConfig(JSON.stringify(base), 'herald.config.json').aliases).toBeUndefined();
    expect(parseConfig(JSON.stringify({ ...base, aliases: 'hugo' }), 'herald.config.json').aliases).toEqual(parsed('hugo'));
    const bad = () => parseConfig(JSON.stringify({ ...base, aliases: { '/tags/:slug/atom.xml': '/x.xml' } }), 'site/herald.config.json');
    expect(bad).toThrow(ConfigError);
    expect(bad).toThrow(/site\/herald.config.json: 1 problem .*\n {2}- aliases\["\/tags\/:slug\/atom.xml"\]: the old path would hide/);
  });
});

describe('viewerRequestCode: the CloudFront Function', () => {
  const run = cloudFrontFunction(ALL_PRESETS);

  it('answers an old path with a 301, a Location and a day of caching', () => {
    const { result } = run('/tags/%E7%A7%91%E6%8A%80/index.xml');
    expect(result).toEqual({
      statusCode: 301,
      statusDescription: 'Moved Permanently',
      headers: { location: { value: '/tags/%E7%A7%91%E6%8A%80/rss.xml' }, 'cache-control': { value: REDIRECT_CACHE_CONTROL } },
    } satisfies CloudFrontResponse);
  });

  it('passes every other request on untouched', () => {
    for (const uri of ['/', '/rss.xml', '/tags/go/atom.xml', '/feed/news']) {
      const { request, result } = run(uri);
      expect(result, uri).toBe(request);
      expect(result).toEqual({ ...(request as object) });
    }
  });

  it('answers exactly as herald serve does', () => {
    const resolve = aliasResolver(ALL_PRESETS);
    const segment = fc.constantFrom('', 'feed', 'tags', 'tag', 'index.xml', 'feed.xml', 'x.xml', 'go', '..', '%E7%A7%91', 'by_tag', 'atom');
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 5 }), (segments) => {
        const uri = `/${segments.join('/')}`;
        const expected = resolve(uri);
        const { request, result } = run(uri);
        if (expected === null) expect(result).toBe(request);
        else expect((result as CloudFrontResponse).headers.location!.value).toBe(expected);
      }),
    );
  });
});
