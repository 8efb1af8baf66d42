import { validateHeaderValue } from 'node:http';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_CONFIG, parseConfig, parsePerson } from '../../lib/config.ts';
import { MemoryStorage } from '../../lib/storage/memory/memory-storage.ts';

const minimal = { title: 'Herald Example', baseUrl: 'https://example.com' };
const parse = (config: Record<string, unknown>, overrides?: Parameters<typeof parseConfig>[2]) =>
  parseConfig(JSON.stringify(config), 'content/herald.config.json', overrides);

function problems(config: unknown): string[] {
  try {
    parseConfig(typeof config === 'string' ? config : JSON.stringify(config), 'herald.config.json');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems.length ? (error as ConfigError).problems : [(error as Error).message];
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig', () => {
  it('fills every default from a minimal file and normalizes URLs to end with /', () => {
    expect(parse(minimal)).toEqual({
      title: 'Herald Example',
      description: 'Herald Example',
      baseUrl: 'https://example.com/',
      feedsUrl: 'https://example.com/',
      ...DEFAULT_CONFIG,
    });
    expect(DEFAULT_CONFIG).toMatchObject({
      timeZone: 'UTC',
      itemsPerFeed: 20,
      content: 'full',
      maxPostBytes: 10 * 1024 * 1024,
      maxTermsPerPost: 100,
    });
    expect(DEFAULT_CONFIG.cacheControl).toBe('public, max-age=300, stale-while-revalidate=60, stale-if-error=86400');
  });

  it('reads every key', () => {
    const site = parse({
      $schema: './herald.schema.json',
      title: ' Blog ',
      description: 'All posts',
      baseUrl: 'https://example.com/blog',
      feedsUrl: 'https://feeds.example.com/blog/',
      language: 'zh-CN',
      timeZone: 'Asia/Shanghai',
      author: { name: 'Ada', email: 'ada@example.com', url: 'https://example.com/ada' },
      itemsPerFeed: 50,
      content: 'summary',
      permalink: '/:year/:month/:slug/',
      copyright: '© 2025 Ada',
      image: '/logo.png',
      maxPostBytes: 1000,
      maxTermsPerPost: 5,
      cacheControl: 'public, max-age=60',
      websubHub: 'https://pubsubhubbub.appspot.com/',
    });
    expect(site).toEqual({
      title: 'Blog',
      description: 'All posts',
      baseUrl: 'https://example.com/blog/',
      feedsUrl: 'https://feeds.example.com/blog/',
      language: 'zh-CN',
      timeZone: 'Asia/Shanghai',
      author: { name: 'Ada', email: 'ada@example.com', url: 'https://example.com/ada' },
      itemsPerFeed: 50,
      content: 'summary',
      permalink: '/:year/:month/:slug/',
      copyright: '© 2025 Ada',
      image: 'https://example.com/logo.png',
      maxPostBytes: 1000,
      maxTermsPerPost: 5,
      cacheControl: 'public, max-age=60',
      websubHub: 'https://pubsubhubbub.appspot.com/',
    });
  });

  it('reads the author as "Name <email>" or a name', () => {
    expect(parse({ ...minimal, author: 'Ada Lovelace <ada@example.com>' }).author).toEqual({
      name: 'Ada Lovelace',
      email: 'ada@example.com',
    });
    expect(parse({ ...minimal, author: '编辑部' }).author).toEqual({ name: '编辑部' });
  });

  it('applies overrides (such as --base-url) and validates them too', () => {
    const site = parse(minimal, { baseUrl: 'http://localhost:8080', feedsUrl: 'http://localhost:8080' });
    expect(site.baseUrl).toBe('http://localhost:8080/');
    expect(site.feedsUrl).toBe('http://localhost:8080/');
    expect(() => parse(minimal, { baseUrl: 'localhost:8080' })).toThrow(/baseUrl: must be an absolute http\(s\) URL/);
  });

  it('lists every problem, each with its key, in one error naming the file', () => {
    let error: ConfigError | undefined;
    try {
      parse({
        title: '',
        baseUrl: 'ftp://example.com/',
        feedsUrl: 'https://example.com/?x=1',
        language: 'english please',
        timeZone: 'Mars/Olympus',
        author: 'Bob <not-an-email>',
        itemsPerFeed: 0,
        content: 'everything',
        permalink: '/:section/:nonsense/',
        maxPostBytes: 1.5,
        maxTermsPerPost: '100',
        cacheControl: 'public\r\nX-Evil: 1',
        websubHub: 'not a url',
        extra: true,
      });
    } catch (caught) {
      error = caught as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.message).toMatch(/^content\/herald\.config\.json: 14 problems in the site configuration:/);
    const keys = error!.problems.map((problem) => problem.split(':')[0]);
    expect(keys.sort()).toEqual(
      [
        'author',
        'baseUrl',
        'cacheControl',
        'content',
        'extra',
        'feedsUrl',
        'itemsPerFeed',
        'language',
        'maxPostBytes',
        'maxTermsPerPost',
        'permalink',
        'timeZone',
        'title',
        'websubHub',
      ].sort(),
    );
    for (const problem of error!.problems) expect(error!.message).toContain(problem);
    expect(error!.problems).toContain('extra: unknown key');
    expect(error!.problems.find((p) => p.startsWith('permalink'))).toContain(':nonsense');
  });

  it('requires title and baseUrl', () => {
    expect(problems({})).toEqual(['title: required', 'baseUrl: required']);
  });

  it('refuses a permalink that would give every post one URL', () => {
    expect(problems({ ...minimal, permalink: '/:section/' })[0]).toMatch(/^permalink: must contain :slug, :filename or :title/);
    expect(problems({ ...minimal, permalink: 'posts/:slug' })[0]).toMatch(/^permalink: must be a path pattern starting with "\/"/);
  });

  it('rejects files that are not a JSON object', () => {
    expect(problems('{ "title": ')[0]).toMatch(/^herald\.config\.json: not valid JSON/);
    expect(problems('[]')[0]).toMatch(/must be a JSON object/);
    expect(problems('"x"')[0]).toMatch(/must be a JSON object/);
  });

  it('refuses a cacheControl no HTTP header can carry, naming the key and the file', () => {
    let error: ConfigError | undefined;
    try {
      parse({ ...minimal, cacheControl: 'public, max-age=300 — five minutes' });
    } catch (caught) {
      error = caught as ConfigError;
    }
    expect(error?.message).toMatch(/^content\/herald\.config\.json: 1 problem/);
    expect(error?.problems).toEqual([
      'cacheControl: must be printable ASCII (an HTTP header value): one line, no characters beyond ASCII such as "—", not "public, max-age=300 — five minutes"',
    ]);
    expect(problems({ ...minimal, cacheControl: 'max-age=60, é' })[0]).toMatch(/^cacheControl: must be printable ASCII/);
  });

  it('accepts only cache controls that Node sends and every storage stores (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: fc.constantFrom('a', '=', ',', ' ', '\t', '\n', '\u00e9', '\u2014', '\u007f', '0') }),
        async (value) => {
          let cacheControl: string;
          try {
            cacheControl = parse({ ...minimal, cacheControl: value }).cacheControl;
          } catch (error) {
            expect(error).toBeInstanceOf(ConfigError);
            return;
          }
          expect(() => validateHeaderValue('Cache-Control', cacheControl)).not.toThrow();
          await new MemoryStorage().put('rss.xml', 'x', { cacheControl });
        },
      ),
    );
  });

  it('accepts a BOM and UTC under any IANA spelling luxon knows', () => {
    expect(parseConfig(`\uFEFF${JSON.stringify({ ...minimal, timeZone: 'Etc/UTC' })}`, 'x').timeZone).toBe('Etc/UTC');
  });
});

describe('parsePerson', () => {
  it('reads the string and object forms', () => {
    expect(parsePerson('Ada <ada@example.com>')).toEqual({ name: 'Ada', email: 'ada@example.com' });
    expect(parsePerson('<ada@example.com>')).toEqual({ name: 'ada@example.com', email: 'ada@example.com' });
    expect(parsePerson({ name: 'Ada', url: 'https://ada.example' })).toEqual({ name: 'Ada', url: 'https://ada.example/' });
  });

  it('ignores unknown object keys only when not strict', () => {
    expect(parsePerson({ name: 'Ada', twitter: '@ada' })).toMatch(/unknown key "twitter"/);
    expect(parsePerson({ name: 'Ada', twitter: '@ada' }, { strict: false })).toEqual({ name: 'Ada' });
  });

  it('describes unusable values', () => {
    expect(parsePerson('')).toBe('must not be empty');
    expect(parsePerson(42)).toMatch(/must be "Name <email>"/);
    expect(parsePerson({ name: 'Ada', url: 'javascript:alert(1)' })).toMatch(/url must be an absolute http\(s\) URL/);
  });
});
