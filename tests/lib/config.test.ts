import { validateHeaderValue } from 'node:http';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_CONFIG, parseConfig, parsePerson } from '../../lib/config.ts';
import { MemoryStorage } from '../../lib/storage/memory/memory-storage.ts';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { CONFIG_FILE, describeConfiguration, loadConfiguration, loadSiteConfig, REQUIRED_KEYS } from '../../lib/config.ts';

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
      feeds: { categories: false, languages: true, authors: { link: '/team/:slug/' } },
      pollMinutes: 15,
      archives: { pageSize: 50, tombstoneDays: 7 },
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
      feeds: {
        categories: { enabled: false, link: '/categories/:slug/' },
        tags: { enabled: true, link: '/tags/:slug/' },
        sections: { enabled: false, link: '/:slug/' },
        languages: { enabled: true, link: '/:slug/' },
        authors: { enabled: true, link: '/team/:slug/' },
      },
      pollMinutes: 15,
      archives: { pageSize: 50, cacheControl: 'public, max-age=31536000, immutable', tombstoneDays: 7 },
    });
  });

  it('reads translations by file name, and names what is wrong with them', () => {
    expect(parse(minimal).translations).toBeUndefined();
    const folders = { 'content/en': 'en', french: 'fr' };
    expect(parse({ ...minimal, translations: { languages: ['en', 'fr'], default: 'en', folders } }).translations?.folders).toEqual(folders);
    expect(parse({ ...minimal, translations: { languages: ['en', 'fr', 'fr'], default: 'en' } }).translations).toEqual({
      languages: ['en', 'fr'],
      default: 'en',
      defaultInSubdir: false,
    });
    for (const [translations, problem] of [
      ['fr', /translations: must be an object/],
      [{ languages: ['en', 'FR'], default: 'en' }, /translations\.languages: must list language keys as Hugo writes them/],
      [{ languages: [], default: 'en' }, /translations\.languages: must list/],
      [{ languages: ['en', 'a/b'], default: 'en' }, /translations\.languages: must list/],
      [{ languages: ['en', 'fr'], default: 'de' }, /translations\.default: must be one of \["en","fr"\], not "de"/],
      [{ languages: ['en'], default: 'en', defaultInSubdir: 'yes' }, /translations\.defaultInSubdir: must be true or false/],
      [{ languages: ['en'], default: 'en', prefix: true }, /translations\.prefix: unknown key/],
      [{ languages: ['en'], default: 'en', folders: {} }, /translations\.folders: must map content folders to languages/],
      [{ languages: ['en'], default: 'en', folders: { en: 'fr' } }, /translations\.folders: "en" must name one of \["en"\]/],
      [{ languages: ['en'], default: 'en', folders: { '../en': 'en' } }, /translations\.folders: "..\/en" must be a folder of the content/],
      [{ languages: ['en', 'fr'], default: 'en', folders: { x: 'en', 'x/fr': 'fr' } }, /"x\/fr" is inside another language's folder/],
    ] as const) {
      expect(() => parse({ ...minimal, translations }), JSON.stringify(translations)).toThrow(problem);
    }
  });

  it("keeps every feed's history unless archives are turned off, and names bad archive settings", () => {
    expect(parse(minimal).archives).toEqual({ pageSize: 100, cacheControl: 'public, max-age=31536000, immutable', tombstoneDays: 30 });
    expect(parse({ ...minimal, archives: true }).archives).toEqual(parse(minimal).archives);
    expect(parse({ ...minimal, archives: false }).archives).toBeUndefined();
    expect(() => parse({ ...minimal, archives: { pageSize: 0, cacheControl: 'a\nb', days: 3 } })).toThrow(
      /archives\.days: unknown key[\s\S]*archives\.pageSize: must be a positive integer[\s\S]*archives\.cacheControl: /,
    );
    expect(() => parse({ ...minimal, archives: 'yes' })).toThrow(/archives: must be true, false or an object/);
  });

  it('turns feed kinds on and off, with their links, and polls hourly unless told', () => {
    const site = parse(minimal);
    expect(
      Object.entries(site.feeds)
        .filter(([, kind]) => kind.enabled)
        .map(([name]) => name),
    ).toEqual(['categories', 'tags']);
    expect(site.pollMinutes).toBe(60);
    expect(parse({ ...minimal, feeds: { sections: { link: '/s/:slug/' } } }).feeds.sections).toEqual({ enabled: true, link: '/s/:slug/' });
    expect(parse({ ...minimal, pollMinutes: 10080 }).pollMinutes).toBe(10080);
  });

  it('names each bad feed kind, link and polling interval', () => {
    expect(
      problems({
        ...minimal,
        feeds: { series: true, tags: 'yes', authors: { link: 'authors/:slug/' }, sections: { link: '/s/' }, languages: { on: true } },
        pollMinutes: 45.5,
      }),
    ).toEqual([
      'feeds.series: unknown feed kind (known: categories, tags, sections, languages, authors)',
      'feeds.tags: must be true, false or { "link": "/path/:slug/" }, not "yes"',
      'feeds.authors.link: must be a path pattern starting with "/" and containing :slug, such as "/tags/:slug/", not "authors/:slug/"',
      'feeds.sections.link: must be a path pattern starting with "/" and containing :slug, such as "/tags/:slug/", not "/s/"',
      'feeds.languages: must be true, false or { "link": "/path/:slug/" }, not {"on":true}',
      'pollMinutes: must be a positive integer, not 45.5',
    ]);
    expect(problems({ ...minimal, feeds: ['tags'], pollMinutes: 11 })).toEqual([
      'feeds: must be an object such as { "sections": true, "authors": { "link": "/authors/:slug/" } }, not ["tags"]',
      'pollMinutes: must divide a week into whole minutes, such as 15, 30, 60, 180, 1440 or 10080, not 11',
    ]);
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

describe('loadConfiguration', () => {
  const fixture = path.resolve(import.meta.dirname, '../fixtures/hugo-site');
  let dir: string;
  let content: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'herald-config-'));
    await cp(fixture, dir, { recursive: true });
    content = path.join(dir, 'content');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));
  const failure = (run: Promise<unknown>) =>
    run.then(
      () => expect.fail('expected a ConfigError'),
      (error: unknown) => error as ConfigError,
    );

  it("reads Hugo's configuration when there is no herald.config.json, and says which keys came from which file", async () => {
    const loaded = await loadConfiguration(content);
    expect(loaded.file).toBe(path.join(dir, 'hugo.toml'));
    expect(loaded.site).toMatchObject({ title: 'Field Notes', baseUrl: 'https://notes.example.org/', language: 'en-gb', itemsPerFeed: 3 });
    const lines = describeConfiguration(loaded).join('\n');
    expect(lines).toMatch(/configuration: Hugo's, as there is no herald\.config\.json/);
    expect(lines).toMatch(/from .*hugo\.toml: title, baseUrl from baseURL, language from languageCode, timeZone/);
    expect(lines).toMatch(/note: taxonomies: series get no feeds/);
    // Hugo's feed URLs keep working: its site and term feeds through the preset, each section by name.
    expect(loaded.site.aliases).toEqual(
      expect.arrayContaining([
        { from: '/index.xml', to: '/rss.xml' },
        { from: '/tags/:slug/index.xml', to: '/tags/:slug/rss.xml' },
        { from: '/notes/index.xml', to: '/sections/notes/rss.xml' },
        { from: '/posts/index.xml', to: '/sections/posts/rss.xml' },
      ]),
    );
  });

  it('herald.config.json wins, whole, and the summary says the Hugo file was not read', async () => {
    await writeFile(path.join(content, CONFIG_FILE), JSON.stringify({ title: 'Own', baseUrl: 'https://own.example/' }));
    const loaded = await loadConfiguration(content);
    expect(loaded.site).toMatchObject({ title: 'Own', language: 'en', itemsPerFeed: DEFAULT_CONFIG.itemsPerFeed });
    expect(loaded.hugo).toBeUndefined();
    expect(describeConfiguration(loaded)[0]).toMatch(
      /herald\.config\.json \(.*hugo\.toml not read: herald\.config\.json takes precedence\)/,
    );
  });

  it('--base-url replaces a baseURL Herald cannot use, which is then not reported as taken', async () => {
    await writeFile(path.join(dir, 'hugo.toml'), 'title = "T"\nbaseURL = "/"\n');
    const error = await failure(loadConfiguration(content));
    expect(error.message).toContain(path.join(dir, 'hugo.toml'));
    expect(error.problems).toEqual(['baseURL: must be an absolute http(s) URL, not "/"']);
    expect(error.message).toMatch(/herald init/);
    const loaded = await loadConfiguration(content, undefined, 'https://t.example/');
    expect(loaded.site.baseUrl).toBe('https://t.example/');
    expect(loaded.hugo?.taken.map((entry) => entry.key)).toEqual(['title', 'feeds', 'itemIds', 'aliases']);
  });

  it('a Hugo configuration without a title names it as required', async () => {
    await writeFile(path.join(dir, 'hugo.toml'), 'baseURL = "https://t.example/"\n');
    expect((await failure(loadConfiguration(content))).problems).toEqual(['title: required by Herald, not set']);
  });

  it('with neither, names herald init and the required keys, which are the ones parseConfig requires', async () => {
    await rm(path.join(dir, 'hugo.toml'));
    const error = await failure(loadSiteConfig(content));
    expect(error.message).toContain(path.join(content, CONFIG_FILE));
    expect(error.message).toContain(`herald init --content ${content}`);
    expect(error.message).toContain('"title" and "baseUrl"');
    expect(problems({})).toEqual(REQUIRED_KEYS.map((key) => `${key}: required`));
  });

  it('--config names only its own file', async () => {
    const error = await failure(loadConfiguration(content, path.join(dir, 'elsewhere.json')));
    expect(error.message).toMatch(
      /elsewhere\.json: cannot read the site configuration \(ENOENT\); `herald init --config .*elsewhere\.json` writes one/,
    );
  });
});
