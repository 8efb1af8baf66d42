/**
 * Hugo's own site configuration read as Herald's, so that a Hugo site without a herald.config.json builds as it is.
 * Only data is read: TOML through smol-toml, YAML through yaml (aliases capped), JSON; nothing is evaluated.
 * Hugo's keys are case-insensitive (`baseURL`, `baseurl`), so every key is compared in lower case.
 *
 * What maps: `title`, `baseURL`, `languageCode` (else `defaultContentLanguage`), `timeZone`, `copyright`,
 * `params.description` (these from the default language's table first, as Hugo does), `params.author` (else the older
 * top-level `author`), `services.rss.limit` (else the older `rssLimit`), the posts' `permalinks`, `taxonomies`,
 * `outputs`, `disableKinds` and `languages` as the feed kinds Hugo gave feeds for, Hugo's feed URLs as `aliases`, and
 * a multilingual site's `languages`, `defaultContentLanguage` and `defaultContentLanguageInSubdir` as `translations`.
 * What does not map is said in `notes`, one sentence each, never silently dropped.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { parseDocument } from 'yaml';
import { ConfigError, DEFAULT_CONFIG, innerFolder, isLanguageKey, parsePerson, type TranslationConfig } from './config.ts';
import { firstLine, messageOf } from './errors.ts';
import { TERM_KINDS } from './feeds/descriptor.ts';
import { MAX_YAML_ALIASES } from './post/frontmatter.ts';
import { canonicalLanguage, knownLanguage } from './post/language.ts';
import { termSlug } from './post/terms.ts';
import { isMapping } from './post/text.ts';

/** Hugo's names for its configuration file, in the order Hugo looks for them (`hugo.*` since v0.110, `config.*` before). */
export const HUGO_CONFIG_FILES = ['hugo', 'config'].flatMap((name) => ['toml', 'yaml', 'yml', 'json'].map((ext) => `${name}.${ext}`));

/** Hugo's configuration folder for every environment; a file there named after a root key holds that key's table. */
const CONFIG_DIR = path.join('config', '_default');
const ROOT_KEY_FILES = ['params', 'permalinks', 'taxonomies', 'services', 'outputs', 'languages'];

/** One file of a Hugo configuration: the whole configuration, or (from config/_default/) the table of one root key. */
export interface HugoSource {
  file: string;
  text: string;
  /** The root key the file holds, e.g. `params` for `config/_default/params.toml`. */
  key?: string;
}

export interface HugoImport {
  /** The files read (absolute): one, or several from config/_default/. */
  files: string[];
  /** Herald configuration keys and values, as herald.config.json would hold them. */
  config: Record<string, unknown>;
  /** Where each key came from: `baseUrl` from `baseURL` in /site/hugo.toml. */
  taken: { key: string; from: string; file: string }[];
  /** Hugo settings Herald does not follow, or follows differently, one sentence each. */
  notes: string[];
}

/**
 * The Hugo configuration of a content folder: in the folder itself or in its parent (a Hugo site keeps `content/`
 * beside `hugo.toml`), a configuration file or else `config/_default/`. Undefined when there is none.
 */
export async function findHugoConfig(contentDir: string): Promise<{ file: string; key?: string }[] | undefined> {
  const root = path.resolve(contentDir);
  for (const dir of [root, path.dirname(root)]) {
    const names = await fileNames(dir);
    const main = HUGO_CONFIG_FILES.find((name) => names.has(name));
    if (main !== undefined) return [{ file: path.join(dir, main) }];
    const folder = path.join(dir, CONFIG_DIR);
    const inFolder = await fileNames(folder);
    const found: { file: string; key?: string }[] = [];
    const folderMain = HUGO_CONFIG_FILES.find((name) => inFolder.has(name));
    if (folderMain !== undefined) found.push({ file: path.join(folder, folderMain) });
    for (const key of ROOT_KEY_FILES) {
      const name = ['toml', 'yaml', 'yml', 'json'].map((ext) => `${key}.${ext}`).find((candidate) => inFolder.has(candidate));
      if (name !== undefined) found.push({ file: path.join(folder, name), key });
    }
    if (found.length > 0) return found;
  }
  return undefined;
}

async function fileNames(dir: string): Promise<Set<string>> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return new Set(entries.filter((entry) => entry.isFile()).map((entry) => entry.name));
  } catch {
    // A missing or unreadable folder holds no configuration; a file that cannot be read is reported when read.
    return new Set();
  }
}

/** The Hugo configuration of a content folder read as Herald's; undefined when there is none. Throws ConfigError naming the file. */
export async function readHugoConfig(contentDir: string): Promise<HugoImport | undefined> {
  const found = await findHugoConfig(contentDir);
  if (found === undefined) return undefined;
  const sources: HugoSource[] = [];
  for (const { file, key } of found) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw new ConfigError(
        `${file}: cannot read the Hugo configuration (${(error as NodeJS.ErrnoException).code ?? messageOf(error)})`,
        [],
        {
          cause: error,
        },
      );
    }
    sources.push(key === undefined ? { file, text } : { file, text, key });
  }
  return importHugoConfig(sources, await sectionFolders(contentDir));
}

/** The content folder's first-level folders: Hugo's sections, each of which had a feed. */
async function sectionFolders(contentDir: string): Promise<string[]> {
  const entries = await readdir(contentDir, { withFileTypes: true }).catch(() => []);
  return entries
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.') && !entry.name.startsWith('_'))
    .map((entry) => entry.name)
    .sort();
}

/**
 * Parses Hugo configuration files and maps them to Herald's keys; `sections` (the content folder's first-level folders)
 * get aliases from their Hugo feed URLs. Throws one ConfigError naming the file and every problem.
 */
export function importHugoConfig(sources: HugoSource[], sections: string[] = []): HugoImport {
  const data: Record<string, unknown> = {};
  const origin = new Map<string, string>();
  for (const { file, text, key } of sources) {
    const parsed = parseFile(file, text);
    if (key === undefined) {
      for (const [name, value] of Object.entries(parsed)) {
        data[name] = value;
        origin.set(name, file);
      }
    } else {
      data[key] = parsed;
      origin.set(key, file);
    }
  }
  const mapper = new Mapper(data, (key) => origin.get(key.split('.')[0]!.toLowerCase()) ?? sources[0]!.file, sections);
  mapper.map();
  if (mapper.problems.length > 0) {
    const files = [...new Set(mapper.problems.map((problem) => problem.file))];
    const count = mapper.problems.length === 1 ? '1 problem' : `${mapper.problems.length} problems`;
    const lines = mapper.problems.map((problem) => `  - ${problem.text}`);
    throw new ConfigError(
      `${files.join(', ')}: ${count} in the Hugo configuration:\n${lines.join('\n')}`,
      mapper.problems.map((problem) => problem.text),
    );
  }
  return { files: sources.map((source) => source.file), config: mapper.config, taken: mapper.taken, notes: mapper.notes };
}

function parseFile(file: string, text: string): Record<string, unknown> {
  const source = text.replace(/^\uFEFF/, '');
  const extension = path.extname(file).toLowerCase();
  let parsed: unknown;
  if (extension === '.toml') {
    try {
      parsed = parseToml(source);
    } catch (error) {
      const { line, column } = error as { line?: number; column?: number };
      const where = line === undefined ? '' : ` (line ${line}${column === undefined ? '' : `, column ${column}`})`;
      throw new ConfigError(`${file}: not valid TOML${where}: ${firstLine(messageOf(error))}`, [], { cause: error });
    }
  } else if (extension === '.json') {
    try {
      parsed = JSON.parse(source);
    } catch (error) {
      throw new ConfigError(`${file}: not valid JSON (${messageOf(error)})`, [], { cause: error });
    }
  } else {
    const doc = parseDocument(source, { uniqueKeys: true, logLevel: 'silent' });
    const problem = doc.errors[0];
    if (problem) throw new ConfigError(`${file}: not valid YAML: ${firstLine(problem.message)}`, [], { cause: problem });
    try {
      parsed = doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
    } catch (error) {
      throw new ConfigError(`${file}: not valid YAML: ${firstLine(messageOf(error))}`, [], { cause: error });
    }
  }
  parsed ??= {};
  if (!isMapping(parsed))
    throw new ConfigError(`${file}: a Hugo configuration must be a table of keys, not ${Array.isArray(parsed) ? 'a list' : typeof parsed}`);
  return parsed;
}

/** Hugo's permalink tokens and Herald's for each; Hugo's `:slug` falls back to the title, Herald's to the file name. */
const PERMALINK_TOKENS: Record<string, string> = {
  year: 'year',
  month: 'month',
  day: 'day',
  // Go time layouts, which Hugo also accepts.
  '2006': 'year',
  '01': 'month',
  '02': 'day',
  section: 'section',
  sections: 'sections',
  title: 'title',
  slug: 'slug',
  filename: 'filename',
  contentbasename: 'filename',
  slugorfilename: 'slug',
  slugorcontentbasename: 'slug',
};

/** A Hugo permalink pattern in Herald's tokens, or the tokens Herald cannot express (`:monthname`, `:sections[1:]`). */
export function translatePermalink(pattern: string): { pattern: string } | { unsupported: string[] } {
  const unsupported: string[] = [];
  const translated = pattern.replace(/:(\w+)(\[[^\]]*\])?/g, (token, name: string, range: string | undefined) => {
    const herald = range === undefined ? PERMALINK_TOKENS[name.toLowerCase()] : undefined;
    if (herald === undefined) {
      unsupported.push(token);
      return token;
    }
    return `:${herald}`;
  });
  if (unsupported.length > 0) return { unsupported };
  return { pattern: translated.startsWith('/') ? translated : `/${translated}` };
}

/** The feed kinds Hugo's taxonomies stand for, by their plural (Hugo's front-matter key and URL folder). */
const TAXONOMY_KINDS: Record<string, 'categories' | 'tags' | 'authors'> = { categories: 'categories', tags: 'tags', authors: 'authors' };

class Mapper {
  readonly config: Record<string, unknown> = {};
  readonly taken: HugoImport['taken'] = [];
  readonly notes: string[] = [];
  readonly problems: { file: string; text: string }[] = [];
  private readonly feeds: Record<string, boolean | { link: string }> = {};

  constructor(
    private readonly data: Record<string, unknown>,
    private readonly fileOf: (key: string) => string,
    private readonly sections: string[],
  ) {}

  map(): void {
    // A multilingual site's default language table overrides the top level for that language's pages, as in Hugo.
    const language = this.defaultLanguage();
    const orLanguage = (key: string) => (language === undefined ? [key] : [`${language}.${key}`, key]);
    this.takeFirst('title', orLanguage('title'));
    this.takeFirst('baseUrl', ['baseURL']);
    this.takeFirst('language', [...orLanguage('languageCode'), 'defaultContentLanguage']);
    this.takeFirst('timeZone', ['timeZone']);
    this.takeFirst('copyright', orLanguage('copyright'));
    this.description(orLanguage('params.description'));
    this.author();
    this.rssLimit();
    this.permalinks();
    this.translations();
    this.feedKinds();
    if (this.get('uglyURLs') === true) {
      this.notes.push('uglyURLs: Herald links posts as folders (/posts/x/); for /posts/x.html set "permalink": "/:sections/:slug.html"');
    }
  }

  /** The value at a dotted path of Hugo keys, compared in lower case. */
  private get(dotted: string): unknown {
    let value: unknown = this.data;
    for (const part of dotted.split('.')) {
      if (!isMapping(value)) return undefined;
      const key = Object.keys(value).find((candidate) => candidate.toLowerCase() === part.toLowerCase());
      if (key === undefined) return undefined;
      value = value[key];
    }
    return value;
  }

  private take(key: string, from: string, value: unknown): void {
    this.config[key] = value;
    this.taken.push({ key, from, file: this.fileOf(from) });
  }

  private problem(from: string, text: string, value: unknown): void {
    this.problems.push({ file: this.fileOf(from), text: `${from}: ${text}, not ${JSON.stringify(value)}` });
  }

  /** `languages.<defaultContentLanguage>` (Hugo's default language is `en`) when the site has that table. */
  private defaultLanguage(): string | undefined {
    const name = this.get('defaultContentLanguage');
    const path = `languages.${typeof name === 'string' && name.trim() !== '' ? name.trim() : 'en'}`;
    return isMapping(this.get(path)) ? path : undefined;
  }

  /**
   * The first of `froms` set to a string of Hugo's own (a wrong type is Hugo's error too); an empty one counts as
   * absent, as in Hugo.
   */
  private takeFirst(key: string, froms: string[]): void {
    for (const from of froms) {
      const value = this.get(from);
      if (value === undefined) continue;
      if (typeof value !== 'string') this.problem(from, 'must be a string', value);
      else if (value.trim() !== '') {
        this.take(key, from, value.trim());
        return;
      }
    }
  }

  /** `params` belong to the theme, so a value of another shape is noted, not an error. */
  private description(froms: string[]): void {
    for (const from of froms) {
      const value = this.get(from);
      if (value === undefined) continue;
      if (typeof value === 'string' && value.trim() !== '') {
        this.take('description', from, value.trim());
        return;
      }
      this.notes.push(`${from}: not a non-empty string, so not the description`);
    }
  }

  private author(): void {
    const from = this.get('params.author') !== undefined ? 'params.author' : 'author';
    const value = this.get(from);
    if (value === undefined) return;
    // Themes add keys such as `twitter` to the author: only Herald's are kept.
    const person = parsePerson(value, { strict: false });
    if (typeof person === 'string') this.notes.push(`${from}: not used as the site's author (${person})`);
    else this.take('author', from, person.email === undefined && person.url === undefined ? person.name : person);
  }

  private rssLimit(): void {
    const from = this.get('services.rss.limit') !== undefined ? 'services.rss.limit' : 'rssLimit';
    const value = this.get(from);
    if (value === undefined) return;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < -1) {
      this.problem(from, 'must be a whole number (-1 for no limit)', value);
    } else if (value < 1) {
      this.notes.push(`${from} = ${value}: Hugo's feeds held every post; Herald's hold the newest itemsPerFeed (20 unless set)`);
    } else {
      this.take('itemsPerFeed', from, value);
    }
  }

  /**
   * Hugo has a pattern per section (`[permalinks] posts = ...`, or `[permalinks.page]` since v0.112) and Herald one for
   * every post: a single pattern (or the same for every section) is taken, several different ones are not.
   */
  private permalinks(): void {
    const table = this.get('permalinks');
    if (table === undefined) return;
    if (!isMapping(table)) {
      this.problem('permalinks', 'must be a table of section = "pattern"', table);
      return;
    }
    const hasKinds = ['page', 'section', 'term', 'taxonomy'].some((kind) => isMapping(this.get(`permalinks.${kind}`)));
    const pagesPath = hasKinds ? 'permalinks.page' : 'permalinks';
    const pages = hasKinds ? this.get('permalinks.page') : table;
    const taxonomies = this.taxonomyPlurals();
    const sections = new Map<string, string>();
    for (const [section, pattern] of Object.entries(isMapping(pages) ? pages : {})) {
      // In the older flat form a taxonomy's plural names its term pages, not a section.
      if (!hasKinds && taxonomies.includes(section.toLowerCase())) continue;
      if (typeof pattern !== 'string') {
        this.problem(`${pagesPath}.${section}`, 'must be a string', pattern);
        continue;
      }
      sections.set(section, pattern);
    }
    const patterns = [...new Set(sections.values())];
    if (patterns.length === 0) return;
    const listed = [...sections].map(([section, pattern]) => `${section} = "${pattern}"`).join(', ');
    if (patterns.length > 1) {
      this.notes.push(
        `${pagesPath}: ${listed}: Herald has one permalink for every post, so none was taken (set "permalink", or front-matter url per post)`,
      );
      return;
    }
    const translated = translatePermalink(patterns[0]!);
    const from = `${pagesPath}.${[...sections.keys()].join('/')}`;
    if ('unsupported' in translated) {
      this.notes.push(
        `${from}: "${patterns[0]}" not taken: Herald has no ${translated.unsupported.join(', ')} (tokens: :year :month :day :section :sections :title :slug :filename)`,
      );
      return;
    }
    this.take('permalink', from, translated.pattern);
    this.notes.push(
      `${from}: Herald applies "${translated.pattern}" to the posts of every section (Hugo to ${[...sections.keys()].join(', ')} only)`,
    );
    if (/:slug\b/i.test(patterns[0]!)) {
      this.notes.push(`${from}: Hugo's :slug falls back to the title, Herald's to the file name: give posts without slug one, or a url`);
    }
  }

  /** The taxonomies' plurals (Hugo's front-matter keys and URL folders); Hugo's defaults when none are configured. */
  private taxonomyPlurals(): string[] {
    const table = this.get('taxonomies');
    if (table === undefined) return ['categories', 'tags'];
    if (!isMapping(table)) return [];
    return Object.values(table)
      .filter((plural): plural is string => typeof plural === 'string')
      .map((plural) => plural.toLowerCase());
  }

  /** The feeds Hugo gave: a feed per term of each taxonomy, per section, and per language's home. */
  private feedKinds(): void {
    const taxonomies = this.get('taxonomies');
    if (taxonomies !== undefined) {
      if (!isMapping(taxonomies)) this.problem('taxonomies', 'must be a table of singular = "plural"', taxonomies);
      else
        for (const [singular, plural] of Object.entries(taxonomies))
          if (typeof plural !== 'string') this.problem(`taxonomies.${singular}`, 'must be a string', plural);
    }
    const plurals = this.taxonomyPlurals();
    const disabled = this.stringList('disableKinds').map((kind) => kind.toLowerCase());
    const noFeeds = disabled.includes('rss');
    if (noFeeds) this.notes.push(`disableKinds: Hugo published no feeds; Herald publishes the site's feed all the same`);

    const termOutputs = this.stringList('outputs.term').map((format) => format.toLowerCase());
    const termsOff = disabled.includes('term') || noFeeds || (this.get('outputs.term') !== undefined && !termOutputs.includes('rss'));
    for (const [plural, kind] of Object.entries(TAXONOMY_KINDS)) {
      const present = plurals.includes(plural) && !termsOff;
      const onByDefault = kind !== 'authors';
      if (present) {
        const link = this.termLink(plural);
        if (link !== undefined) this.feeds[kind] = { link };
        else if (!onByDefault) this.feeds[kind] = true;
      } else if (onByDefault && (taxonomies !== undefined || termsOff)) {
        this.feeds[kind] = false;
      }
    }
    const others = plurals.filter((plural) => !(plural in TAXONOMY_KINDS));
    if (others.length > 0) {
      this.notes.push(`taxonomies: ${others.join(', ')} get no feeds (Herald's term feeds are categories, tags and authors)`);
    }

    const sectionOutputs = this.stringList('outputs.section').map((format) => format.toLowerCase());
    const sectionFeeds =
      !noFeeds && !disabled.includes('section') && (this.get('outputs.section') === undefined || sectionOutputs.includes('rss'));
    if (sectionFeeds) {
      this.feeds.sections = true;
      this.notes.push('every section had its feed in Hugo (/posts/index.xml): Herald publishes one per section too (sections/<name>/)');
    }

    const languages = this.get('languages');
    const multilingual = isMapping(languages) && Object.keys(languages).length > 1;
    if (multilingual && !noFeeds) this.feeds.languages = true;

    if (Object.keys(this.feeds).length > 0) {
      const from = ['taxonomies', 'outputs', 'disableKinds', 'languages'].filter((key) => this.get(key) !== undefined);
      this.take('feeds', from.length > 0 ? from.join(', ') : "Hugo's default outputs", this.feeds);
    }
    if (noFeeds) return;
    // Hugo's RSS template writes each post's permalink as its guid: the ids its subscribers' readers already hold. Not
    // for a multilingual site whose translations were not taken: Hugo puts a translation under /<language>/, and
    // `a.md` and `a.fr.md` would share one URL and so one id.
    if (multilingual && this.config.translations === undefined)
      this.notes.push("languages: item ids stay Herald's own (itemIds \"key\"): Hugo's guids of translations are not Herald's URLs");
    else this.take('itemIds', "Hugo's RSS guids (each post's permalink)", 'url');
    this.aliases(multilingual);
  }

  /**
   * A multilingual site's translations (`a.fr.md`, or `a.md` in the French content folder: at `/fr/...` in Hugo), so
   * that their links and ids are Hugo's. Hugo lower-cases its language keys. Not taken from keys Herald cannot put in
   * a path, nor from content folders it cannot map (`translationFolders`).
   */
  private translations(): void {
    const languages = this.get('languages');
    if (!isMapping(languages) || Object.keys(languages).length < 2) return;
    const keys = Object.keys(languages).map((key) => key.toLowerCase());
    const folders = this.translationFolders(languages);
    if (folders === null) return;
    const named = this.get('defaultContentLanguage');
    const fallback = (typeof named === 'string' && named.trim() !== '' ? named.trim() : 'en').toLowerCase();
    const unusable = keys.filter((key) => !isLanguageKey(key));
    if (unusable.length > 0 || !keys.includes(fallback)) {
      const why =
        unusable.length > 0 ? `${unusable.join(', ')} cannot be a path segment` : `defaultContentLanguage ${fallback} is not one of them`;
      this.notes.push(`languages: translations not taken (${why}): posts' links lack Hugo's /<language>/`);
      return;
    }
    const defaultInSubdir = this.get('defaultContentLanguageInSubdir') === true;
    this.take('translations', 'languages', { languages: keys, default: fallback, defaultInSubdir, ...(folders && { folders }) });
  }

  /**
   * Each language's `contentDir` as a folder of the content folder (Hugo's own `contentDir`, `content` by default), by
   * folder; undefined when no language has one; null, and noted, when they cannot be taken: a language without one
   * (Hugo would read the others' folders as its sections), or one outside the content folder or inside another's.
   */
  private translationFolders(languages: Record<string, unknown>): Record<string, string> | undefined | null {
    const dirs = Object.entries(languages).map(([key, table]) => {
      const dir = isMapping(table) ? Object.entries(table).find(([name]) => name.toLowerCase() === 'contentdir')?.[1] : undefined;
      return [key, dir] as const;
    });
    if (dirs.every(([, dir]) => dir === undefined)) return undefined;
    const root = this.get('contentDir');
    const content = path.posix.normalize(typeof root === 'string' && root.trim() !== '' ? root.trim() : 'content');
    const folders: Record<string, string> = {};
    for (const [key, dir] of dirs) {
      const folder = typeof dir === 'string' ? path.posix.relative(content, path.posix.normalize(dir.trim())) : '';
      if (folder === '' || folder.startsWith('..') || path.posix.isAbsolute(folder)) {
        const why =
          dir === undefined ? 'has no contentDir beside the others' : `contentDir ${JSON.stringify(dir)} is not a folder inside ${content}`;
        this.notes.push(`languages.${key}: translations not taken (${why}): posts' links lack Hugo's /<language>/`);
        return null;
      }
      folders[folder] = key.toLowerCase();
    }
    const inner = innerFolder(Object.keys(folders));
    if (inner !== undefined) {
      this.notes.push(
        `languages: translations not taken (the content folder ${inner} is inside another language's): posts' links lack Hugo's /<language>/`,
      );
      return null;
    }
    return folders;
  }

  /**
   * Hugo's feed URLs answered with redirects to Herald's (lib/aliases.ts): the `hugo` preset for the site's and the
   * terms' `index.xml`, and each section's `/<section>/index.xml` by name, as no pattern tells a section from a language.
   */
  private aliases(multilingual: boolean): void {
    const baseName = this.get('outputFormats.rss.baseName') ?? 'index';
    if (typeof baseName !== 'string' || baseName.toLowerCase() !== 'index') {
      // Hugo's feeds renamed rss.xml are at Herald's own paths already.
      if (baseName !== 'rss')
        this.notes.push(`outputFormats.rss.baseName = ${JSON.stringify(baseName)}: no aliases set for Hugo's feed URLs`);
      return;
    }
    const sections: Record<string, string> = {};
    const translations = this.config.translations as TranslationConfig | undefined;
    // Without its translations, a multilingual site's /<name>/index.xml could be a section's feed or a language's. With
    // translations by folder, Hugo's sections are the folders inside each language's, not the ones known here.
    if (this.feeds.sections === true && translations?.folders) {
      this.notes.push(
        "sections: no aliases for Hugo's section feed URLs (/posts/index.xml) of a site translated by content folder: name them in aliases",
      );
    } else if (this.feeds.sections === true && (!multilingual || translations)) {
      // Hugo lowercases section URLs; a name needing percent-encoding is left to the user, who sees how Hugo sent it.
      // A taxonomy's folder holds its term pages, and its /<plural>/index.xml listed terms, not posts; a language's
      // folder, its feed.
      const taxonomies = this.taxonomyPlurals();
      const taken = [...taxonomies, ...(translations?.languages ?? [])];
      const folders = this.sections.filter((name) => !taken.includes(name.toLowerCase()));
      const plain = folders.filter((name) => /^[A-Za-z0-9_~-]+$/.test(name));
      for (const name of plain) {
        // `[permalinks.section] posts = "/articles/"` moved the section's page, and its feed with it.
        const moved = this.get(`permalinks.section.${name}`);
        const page =
          typeof moved === 'string' && /^\/[A-Za-z0-9/_~-]*$/.test(moved) ? moved.replace(/\/*$/, '/') : `/${name.toLowerCase()}/`;
        sections[`${page}index.xml`] = `/${TERM_KINDS.section.folder}/${encodeURIComponent(termSlug(name))}/rss.xml`;
      }
      const others = folders.filter((name) => !plain.includes(name));
      if (others.length > 0) this.notes.push(`sections ${others.join(', ')}: no alias for their Hugo feed URLs (name them in aliases)`);
    }
    if (translations) Object.assign(sections, this.languageAliases(translations));
    else if (multilingual)
      this.notes.push("languages: no aliases for Hugo's per-language feed URLs (/en/index.xml...): name them in aliases");
    this.take('aliases', "Hugo's feed URLs", Object.keys(sections).length > 0 ? ['hugo', sections] : 'hugo');
  }

  /**
   * Each language's Hugo feed under its folder (`/fr/index.xml`; the default language's too with `defaultInSubdir`)
   * to Herald's feed of that language, which holds the same posts: the suffix's language (the site's for the default
   * language's posts, which have none). Hugo's per-language section and term feeds have no counterpart: noted.
   */
  private languageAliases(translations: TranslationConfig): Record<string, string> {
    const aliases: Record<string, string> = {};
    const unknown: string[] = [];
    const site = typeof this.config.language === 'string' ? this.config.language : DEFAULT_CONFIG.language;
    for (const key of translations.languages) {
      const isDefault = key === translations.default;
      if (isDefault && !translations.defaultInSubdir) continue;
      const language = isDefault ? canonicalLanguage(site) : knownLanguage(key);
      if (language === undefined) unknown.push(key);
      else aliases[`/${key}/index.xml`] = `/${TERM_KINDS.language.folder}/${encodeURIComponent(termSlug(language))}/rss.xml`;
    }
    if (unknown.length > 0)
      this.notes.push(
        `languages ${unknown.join(', ')}: no alias for their Hugo feed URLs (not languages Herald knows: their posts are in the site's language feed)`,
      );
    this.notes.push(
      "languages: Hugo's per-language section and term feeds (/fr/tags/<term>/index.xml) have no counterpart and are not aliased",
    );
    return aliases;
  }

  /** A term's page when Hugo's permalinks move it from `/<plural>/<term>/`; only `:slug` can be expressed. */
  private termLink(plural: string): string | undefined {
    const hasKinds = isMapping(this.get('permalinks.term'));
    const from = hasKinds ? `permalinks.term.${plural}` : `permalinks.${plural}`;
    const pattern = this.get(from);
    if (typeof pattern !== 'string') return undefined;
    const tokens = [...pattern.matchAll(/:(\w+)/g)].map((match) => match[1]!.toLowerCase());
    if (tokens.length === 1 && tokens[0] === 'slug') return pattern.startsWith('/') ? pattern : `/${pattern}`;
    this.notes.push(`${from}: "${pattern}" not taken: a term page's link can hold only :slug`);
    return undefined;
  }

  private stringList(dotted: string): string[] {
    const value = this.get(dotted);
    if (typeof value === 'string') return [value];
    return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
  }
}
