import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../lib/config.ts';
import { findHugoConfig, type HugoImport, importHugoConfig, readHugoConfig, translatePermalink } from '../../lib/hugo-config.ts';

const toml = (text: string, file = '/site/hugo.toml') => importHugoConfig([{ file, text }]);
const problemOf = (run: () => unknown): ConfigError => {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('no ConfigError');
};
const fromOf = (result: HugoImport, key: string) => result.taken.find((entry) => entry.key === key)?.from;

describe('importHugoConfig', () => {
  it('maps the site keys, compared in any case as Hugo does', () => {
    const result = toml(`baseurl = "https://example.org/blog/"
LanguageCode = "en-gb"
title = "Notes"
timezone = "Europe/London"
copyright = "© 2025"
[Params]
Description = "About things"
author = { name = "Ada", email = "ada@example.org", twitter = "@ada" }
[services.rss]
limit = 5
`);
    expect(result.config).toEqual({
      baseUrl: 'https://example.org/blog/',
      language: 'en-gb',
      title: 'Notes',
      timeZone: 'Europe/London',
      copyright: '© 2025',
      description: 'About things',
      author: { name: 'Ada', email: 'ada@example.org' },
      itemsPerFeed: 5,
      feeds: { sections: true },
      itemIds: 'url',
      aliases: 'hugo',
    });
    expect(fromOf(result, 'baseUrl')).toBe('baseURL');
    expect(fromOf(result, 'itemsPerFeed')).toBe('services.rss.limit');
    expect(result.taken.every((entry) => entry.file === '/site/hugo.toml')).toBe(true);
    expect(parseConfig(JSON.stringify(result.config), 'x').language).toBe('en-gb');
  });

  it('reads YAML and JSON, and the older names: rssLimit, a top-level author, defaultContentLanguage', () => {
    const yaml = importHugoConfig([
      {
        file: '/s/config.yaml',
        text: 'title: Y\nbaseURL: https://y.example/\nrssLimit: 7\nauthor: Bo <bo@example.org>\ndefaultContentLanguage: zh-CN\n',
      },
    ]);
    expect(yaml.config).toMatchObject({ title: 'Y', itemsPerFeed: 7, author: { name: 'Bo', email: 'bo@example.org' }, language: 'zh-CN' });
    expect(fromOf(yaml, 'language')).toBe('defaultContentLanguage');
    const json = importHugoConfig([{ file: '/s/hugo.json', text: '{"title": "J", "services": {"rss": {"limit": 2}}, "rssLimit": 9}' }]);
    expect(json.config).toMatchObject({ title: 'J', itemsPerFeed: 2 });
  });

  it('notes what it does not take: an unlimited feed, a theme author of another shape, uglyURLs', () => {
    const result = toml('title = "T"\nuglyURLs = true\n[services.rss]\nlimit = -1\n[params]\nauthor = ["Ada", "Bo"]\n');
    expect(result.config.itemsPerFeed).toBeUndefined();
    expect(result.config.author).toBeUndefined();
    expect(result.notes.join('\n')).toMatch(/services\.rss\.limit = -1: Hugo's feeds held every post/);
    expect(result.notes.join('\n')).toMatch(/params\.author: not used/);
    expect(result.notes.join('\n')).toMatch(/uglyURLs/);
  });

  it("takes a multilingual site's title, language code and description from its default language's table", () => {
    const result = toml(`baseURL = "https://m.example/"
defaultContentLanguage = "zh-cn"
[languages.en]
title = "English"
languageCode = "en-US"
[languages.zh-cn]
title = "中文站"
languageCode = "zh-CN"
[languages.zh-cn.params]
description = "描述"
`);
    expect(result.config).toMatchObject({
      title: '中文站',
      language: 'zh-CN',
      description: '描述',
      feeds: { sections: true, languages: true },
    });
    expect(fromOf(result, 'title')).toBe('languages.zh-cn.title');
    // The default language's value overrides the top level's, as it does for that language's pages in Hugo.
    expect(toml('title = "Top"\n[languages.en]\ntitle = "English"\n').config.title).toBe('English');
    expect(toml('title = "Top"\n[languages.en]\nweight = 1\n').config.title).toBe('Top');
  });

  it('takes config/_default/ files as the tables of their keys, each key named with its file', () => {
    const result = importHugoConfig([
      { file: '/s/config/_default/hugo.toml', text: 'title = "T"\nbaseURL = "https://t.example/"' },
      { file: '/s/config/_default/params.yaml', text: 'description: From params\n', key: 'params' },
    ]);
    expect(result.config.description).toBe('From params');
    expect(result.taken.find((entry) => entry.key === 'description')?.file).toBe('/s/config/_default/params.yaml');
    expect(result.taken.find((entry) => entry.key === 'title')?.file).toBe('/s/config/_default/hugo.toml');
  });

  describe('permalinks', () => {
    it('translates one pattern, old form or [permalinks.page], and says it now covers every section', () => {
      const old = toml('[permalinks]\nposts = "/:year/:month/:slugorfilename/"\ntags = "/topics/:slug/"\n');
      expect(old.config.permalink).toBe('/:year/:month/:slug/');
      // In the flat form a taxonomy's plural is its term pages, not a section.
      expect(old.config.feeds).toEqual({ tags: { link: '/topics/:slug/' }, sections: true });
      expect(old.notes.join('\n')).toMatch(/to the posts of every section \(Hugo to posts only\)/);
      const paged = toml('[permalinks.page]\nposts = ":2006/:contentbasename/"\n[permalinks.term]\ncategories = "/c/:slug/"');
      expect(paged.config.permalink).toBe('/:year/:filename/');
      expect(paged.config.feeds).toMatchObject({ categories: { link: '/c/:slug/' } });
      expect(fromOf(paged, 'permalink')).toBe('permalinks.page.posts');
    });

    it('takes none when sections differ or a token has no Herald equivalent, and says why', () => {
      const differ = toml('[permalinks]\nposts = "/:year/:slug/"\nnotes = "/n/:slug/"\n');
      expect(differ.config.permalink).toBeUndefined();
      expect(differ.notes.join('\n')).toMatch(/one permalink for every post, so none was taken/);
      const month = toml('[permalinks]\nposts = "/:year/:monthname/:title/"\n');
      expect(month.config.permalink).toBeUndefined();
      expect(month.notes.join('\n')).toMatch(/Herald has no :monthname/);
    });

    it('maps every token Herald has and refuses the rest', () => {
      expect(translatePermalink('/:year/:01/:02/:title/')).toEqual({ pattern: '/:year/:month/:day/:title/' });
      expect(translatePermalink(':sections/:slugorcontentbasename')).toEqual({ pattern: '/:sections/:slug' });
      expect(translatePermalink('/:sections[1:]/:slug/')).toEqual({ unsupported: [':sections[1:]'] });
      expect(translatePermalink('/:weekday/:yearday/:filename/')).toEqual({ unsupported: [':weekday', ':yearday'] });
    });
  });

  describe('translations', () => {
    it("takes a multilingual site's languages, in lower case as Hugo keys them, and then Hugo's guids", () => {
      const result = toml('defaultContentLanguage = "zh-CN"\n[languages.zh-CN]\nweight = 1\n[languages.EN]\nweight = 2\n');
      expect(result.config.translations).toEqual({ languages: ['zh-cn', 'en'], default: 'zh-cn', defaultInSubdir: false });
      expect(result.config.itemIds).toBe('url');
      expect(fromOf(result, 'translations')).toBe('languages');
      expect(toml('defaultContentLanguageInSubdir = true\n[languages.en]\n[languages.fr]').config.translations).toEqual({
        languages: ['en', 'fr'],
        default: 'en',
        defaultInSubdir: true,
      });
      // One language is no translation; nor is a site without languages.
      expect(toml('[languages.en]\nweight = 1').config.translations).toBeUndefined();
      expect(toml('title = "T"').config.translations).toBeUndefined();
      // What it takes is a configuration Herald reads.
      expect(parseConfig(JSON.stringify({ title: 'T', baseUrl: 'https://m.example/', ...result.config }), 'c.json').translations).toEqual(
        result.config.translations,
      );
    });

    it('notes, and keeps item ids its own, where it cannot take them: by content folder, a key no path holds, no default', () => {
      for (const [text, note] of [
        [
          '[languages.en]\ncontentDir = "content/en"\n[languages.fr]',
          /languages\.fr: translations not taken \(has no contentDir beside the others\)/,
        ],
        [
          '[languages.en]\ncontentDir = "content"\n[languages.fr]\ncontentDir = "content/fr"',
          /languages\.en: translations not taken \(contentDir "content" is not a folder inside content\)/,
        ],
        [
          '[languages.en]\ncontentDir = "en"\n[languages.fr]\ncontentDir = "content/fr"',
          /languages\.en: translations not taken \(contentDir "en" is not a folder inside content\)/,
        ],
        [
          '[languages.en]\ncontentDir = "content/x"\n[languages.fr]\ncontentDir = "content/x/fr"',
          /the content folder x\/fr is inside another language's/,
        ],
        ['[languages.en]\n[languages."pt BR"]', /translations not taken \(pt br cannot be a path segment\)/],
        [
          'defaultContentLanguage = "de"\n[languages.en]\n[languages.fr]',
          /translations not taken \(defaultContentLanguage de is not one of them\)/,
        ],
      ] as const) {
        const result = toml(text);
        expect(result.config.translations, text).toBeUndefined();
        expect(result.config.itemIds, text).toBeUndefined();
        expect(result.notes.join('\n'), text).toMatch(note);
        expect(result.notes.join('\n'), text).toMatch(/item ids stay Herald's own/);
      }
    });

    it("takes translations by content folder: each language's contentDir inside Hugo's own", () => {
      const result = toml('[languages.en]\ncontentDir = "content/english"\n[languages.FR]\ncontentDir = "./content/french/"\n');
      expect(result.config.translations).toEqual({
        languages: ['en', 'fr'],
        default: 'en',
        defaultInSubdir: false,
        folders: { english: 'en', french: 'fr' },
      });
      expect(result.config.itemIds).toBe('url');
      // Hugo's sections are inside each language's folder: the content folder's own are languages, not sections.
      const read = importHugoConfig(
        [{ file: '/s/hugo.toml', text: '[languages.en]\ncontentDir = "content/english"\n[languages.fr]\ncontentDir = "content/french"' }],
        ['english', 'french'],
      );
      expect(read.config.aliases).toEqual(['hugo', { '/fr/index.xml': '/languages/fr/rss.xml' }]);
      expect(read.notes.join('\n')).toMatch(
        /sections: no aliases for Hugo's section feed URLs \(\/posts\/index\.xml\) of a site translated by content folder/,
      );
      const moved = toml('contentDir = "src"\n[languages.en]\ncontentDir = "src/en"\n[languages.fr]\ncontentDir = "src/fr"\n');
      expect((moved.config.translations as { folders: unknown }).folders).toEqual({ en: 'en', fr: 'fr' });
      expect(parseConfig(JSON.stringify({ title: 'T', baseUrl: 'https://m.example/', ...result.config }), 'c.json').translations).toEqual(
        result.config.translations,
      );
    });

    it("answers each language's Hugo feed with Herald's feed of that language, and each section's", () => {
      const text = 'languageCode = "en-US"\n[languages.en]\n[languages.fr]\n[languages.zh-CN]\n[languages.english]';
      const result = importHugoConfig([{ file: '/s/hugo.toml', text }], ['posts', 'fr']);
      expect(result.config.aliases).toEqual([
        'hugo',
        {
          '/posts/index.xml': '/sections/posts/rss.xml',
          '/fr/index.xml': '/languages/fr/rss.xml',
          '/zh-cn/index.xml': '/languages/zh-cn/rss.xml',
        },
      ]);
      expect(result.notes.join('\n')).toMatch(/languages english: no alias for their Hugo feed URLs/);
      expect(result.notes.join('\n')).toMatch(/per-language section and term feeds \(\/fr\/tags\/<term>\/index\.xml\) have no counterpart/);
      // The default language's posts, in a folder of their own, are in the site's language feed.
      const inSubdir = toml(`defaultContentLanguageInSubdir = true\n${text}`);
      expect(inSubdir.config.aliases).toEqual(['hugo', expect.objectContaining({ '/en/index.xml': '/languages/en-us/rss.xml' })]);
      expect(parseConfig(JSON.stringify({ title: 'T', baseUrl: 'https://m.example/', ...result.config }), 'c.json').aliases).toBeDefined();
    });

    it.each(['multilingual', 'by-folder'])(
      "is what gives Hugo's own guids to the fixture's %s site (tests/fixtures/hugo-guids)",
      async (name) => {
        const fixture = new URL('../fixtures/hugo-guids/', import.meta.url);
        const hugo = await readFile(new URL(`hugo/${name}.toml`, fixture), 'utf8');
        const expected = JSON.parse(await readFile(new URL('expected-guids.json', fixture), 'utf8')) as {
          sites: Record<string, { herald: Record<string, unknown> }>;
        };
        expect(toml(hugo).config.translations).toEqual(expected.sites[name]!.herald.translations);
      },
    );
  });

  describe("Hugo's feed URLs", () => {
    it('are aliased: the preset for the site and terms, each section of the content folder by name', () => {
      const result = importHugoConfig([{ file: '/s/hugo.toml', text: 'title = "T"' }], ['News', 'posts', 'tags', 'été']);
      expect(result.config.aliases).toEqual([
        'hugo',
        { '/news/index.xml': '/sections/news/rss.xml', '/posts/index.xml': '/sections/posts/rss.xml' },
      ]);
      expect(result.notes.join('\n')).toMatch(/sections été: no alias for their Hugo feed URLs/);
      const site = parseConfig(JSON.stringify({ ...result.config, baseUrl: 'https://s.example/' }), 'x');
      expect(site.aliases).toContainEqual({ from: '/news/index.xml', to: '/sections/news/rss.xml' });
      const moved = importHugoConfig([{ file: '/s/hugo.toml', text: '[permalinks.section]\nposts = "/articles"' }], ['posts']);
      expect(moved.config.aliases).toEqual(['hugo', { '/articles/index.xml': '/sections/posts/rss.xml' }]);
    });

    it('are not aliased where Hugo had none there: no section feeds, no feeds, feeds renamed', () => {
      expect(importHugoConfig([{ file: '/s/hugo.toml', text: '[outputs]\nsection = ["html"]' }], ['posts']).config.aliases).toBe('hugo');
      expect(toml('disableKinds = ["rss"]').config.aliases).toBeUndefined();
      // No reader holds ids from a site that published no feed: Herald's own, stable across moves, are safer.
      expect(toml('disableKinds = ["rss"]').config.itemIds).toBeUndefined();
      expect(toml('[outputFormats.rss]\nbaseName = "rss"').config.aliases).toBeUndefined();
      expect(toml('[outputFormats.rss]\nbaseName = "feed"').notes).toContain(
        'outputFormats.rss.baseName = "feed": no aliases set for Hugo\'s feed URLs',
      );
      // Without its translations, /fr/index.xml could be a section's feed or a language's.
      const multilingual = importHugoConfig(
        [{ file: '/s/hugo.toml', text: '[languages.en]\ncontentDir = "content/en"\n[languages.fr]' }],
        ['en', 'fr'],
      );
      expect(multilingual.config.aliases).toBe('hugo');
      expect(multilingual.notes.join('\n')).toMatch(/no aliases for Hugo's per-language feed URLs/);
    });
  });

  describe('feed kinds', () => {
    it("follows Hugo's taxonomies: one left out is off, authors on, others noted", () => {
      const result = toml('[taxonomies]\ntag = "tags"\nauthor = "authors"\nseries = "series"\n');
      expect(result.config.feeds).toEqual({ categories: false, authors: true, sections: true });
      expect(result.notes.join('\n')).toMatch(/taxonomies: series get no feeds/);
    });

    it('has no section feeds when Hugo had none, nor term feeds when terms were disabled', () => {
      expect(toml('[outputs]\nsection = ["html"]\n').config.feeds).toBeUndefined();
      expect(toml('disableKinds = ["term"]\n').config.feeds).toEqual({ categories: false, tags: false, sections: true });
      expect(toml('[outputs]\nterm = ["html"]\nsection = ["html", "rss"]\n').config.feeds).toEqual({
        categories: false,
        tags: false,
        sections: true,
      });
      expect(toml('[languages.en]\nweight = 1\n[languages.fr]\nweight = 2\n').config.feeds).toEqual({ sections: true, languages: true });
    });
  });

  describe('errors name the file and the problem', () => {
    it('bad TOML, YAML and JSON, with the line where there is one', () => {
      expect(problemOf(() => toml('title = \nbaseURL = "x"')).message).toMatch(
        /^\/site\/hugo\.toml: not valid TOML \(line 1, column \d+\): /,
      );
      expect(problemOf(() => importHugoConfig([{ file: '/s/hugo.yaml', text: 'title: [\nx: 1' }])).message).toMatch(
        /^\/s\/hugo\.yaml: not valid YAML: .*line 2/,
      );
      expect(problemOf(() => importHugoConfig([{ file: '/s/hugo.json', text: '{' }])).message).toMatch(/^\/s\/hugo\.json: not valid JSON/);
      expect(problemOf(() => importHugoConfig([{ file: '/s/hugo.yaml', text: '- a\n- b\n' }])).message).toMatch(
        /must be a table of keys, not a list/,
      );
    });

    it("wrong types of Hugo's own keys, every one at once", () => {
      const error = problemOf(() =>
        toml('title = 42\nbaseURL = ["x"]\ntaxonomies = "tags"\n[services.rss]\nlimit = "ten"\n[permalinks]\nposts = 3\n'),
      );
      expect(error.message).toMatch(/^\/site\/hugo\.toml: 5 problems in the Hugo configuration:/);
      expect(error.problems).toEqual([
        'title: must be a string, not 42',
        'baseURL: must be a string, not ["x"]',
        'services.rss.limit: must be a whole number (-1 for no limit), not "ten"',
        'permalinks.posts: must be a string, not 3',
        'taxonomies: must be a table of singular = "plural", not "tags"',
      ]);
    });

    it('never throws anything but a ConfigError, and what it returns is checked by parseConfig alone', () => {
      fc.assert(
        fc.property(
          fc.dictionary(
            fc.constantFrom(
              'title',
              'baseURL',
              'params',
              'permalinks',
              'taxonomies',
              'services',
              'rssLimit',
              'languageCode',
              'outputs',
              'disableKinds',
              'languages',
              'x',
            ),
            fc.jsonValue(),
          ),
          (data) => {
            let result: HugoImport;
            try {
              result = importHugoConfig([{ file: '/p/hugo.json', text: JSON.stringify(data) }]);
            } catch (error) {
              expect(error).toBeInstanceOf(ConfigError);
              return;
            }
            try {
              parseConfig(JSON.stringify(result.config), 'x');
            } catch (error) {
              expect(error).toBeInstanceOf(ConfigError);
            }
          },
        ),
      );
    });
  });
});

// The Hugo sites Herald's output was compared with (../shared/peers, absent from a fresh clone).
const peers = path.resolve(import.meta.dirname, '../../../shared/peers');

describe.skipIf(!existsSync(peers))("the peers' Hugo configurations", () => {
  it('read as the feeds those Hugo sites published: zone, language, 20 items, section feeds only where Hugo had them', async () => {
    const common = {
      title: 'Bench site',
      baseUrl: 'https://example.com/',
      language: 'zh-CN',
      timeZone: 'Asia/Shanghai',
      itemsPerFeed: 20,
      itemIds: 'url',
    };
    const rssOnly = await readHugoConfig(path.join(peers, 'hugo-rss/content'));
    expect(rssOnly?.config).toEqual({ ...common, feeds: { sections: true }, aliases: 'hugo' });
    const threeFormats = await readHugoConfig(path.join(peers, 'hugo-3formats/content'));
    expect(threeFormats?.config).toEqual(common);
    expect(threeFormats?.notes).toEqual([]);
  });
});

describe('findHugoConfig and readHugoConfig', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'herald-hugo-'));
    await mkdir(path.join(dir, 'content'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("looks in the content folder, then its parent, in Hugo's order of names", async () => {
    const content = path.join(dir, 'content');
    expect(await findHugoConfig(content)).toBeUndefined();
    await writeFile(path.join(dir, 'config.toml'), 'title = "old"');
    await writeFile(path.join(dir, 'hugo.yaml'), 'title: new');
    expect(await findHugoConfig(content)).toEqual([{ file: path.join(dir, 'hugo.yaml') }]);
    await writeFile(path.join(content, 'hugo.json'), '{"title": "inside"}');
    expect((await readHugoConfig(content))?.config.title).toBe('inside');
  });

  it('reads config/_default/ when there is no configuration file', async () => {
    await mkdir(path.join(dir, 'config/_default'), { recursive: true });
    await writeFile(path.join(dir, 'config/_default/hugo.toml'), 'title = "Split"');
    await writeFile(path.join(dir, 'config/_default/params.toml'), 'description = "From params.toml"');
    await writeFile(path.join(dir, 'config/_default/menus.en.toml'), '[[main]]\nname = "Home"');
    const result = await readHugoConfig(path.join(dir, 'content'));
    expect(result?.files).toEqual([path.join(dir, 'config/_default/hugo.toml'), path.join(dir, 'config/_default/params.toml')]);
    expect(result?.config).toMatchObject({ title: 'Split', description: 'From params.toml' });
  });
});
