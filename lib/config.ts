import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { IANAZone } from 'luxon';
import { isLanguageTag } from './post/language.ts';
import { cleanLine } from './post/text.ts';
import { headerValueProblem } from './storage/semantics.ts';
import { type FeedAlias, parseAliases } from './aliases.ts';
import { HeraldError, messageOf } from './errors.ts';
import { findHugoConfig, HUGO_CONFIG_FILES, type HugoImport, readHugoConfig } from './hugo-config.ts';

/** The site configuration's file name, at the content root (the content bucket's prefix on AWS). */
export const CONFIG_FILE = 'herald.config.json';

/** Site configuration: CONFIG_FILE at the content root, or `--config`. */
export interface Person {
  name: string;
  email?: string;
  url?: string;
}

export interface SiteConfig {
  title: string;
  description: string;
  /** Where post pages live; permalinks are resolved against it. Always ends with `/`. */
  baseUrl: string;
  /** Where feeds are served (default `baseUrl`). Always ends with `/`. */
  feedsUrl: string;
  /** BCP 47 language of the site, e.g. `en` or `zh-CN`. */
  language: string;
  /** IANA zone used for zone-less front-matter dates. */
  timeZone: string;
  author?: Person;
  itemsPerFeed: number;
  content: 'full' | 'summary';
  /** Hugo-like pattern, e.g. `/:section/:slug/` or `/:year/:month/:slug/`. */
  permalink: string;
  copyright?: string;
  image?: string;
  /** Posts larger than this are rejected before parsing. */
  maxPostBytes: number;
  /** Posts with more categories or tags than this are rejected. */
  maxTermsPerPost: number;
  cacheControl: string;
  /** WebSub hub URL; feeds then carry rel="hub" links. */
  websubHub?: string;
  /** Which kinds of feed exist beside the site's, and where each term's page is on the site. */
  feeds: Record<FeedKindKey, FeedKindConfig>;
  /** How often readers are asked to poll, in minutes (RSS `ttl`, `sy:updatePeriod` and `sy:updateFrequency`). */
  pollMinutes: number;
  /** Old feed paths answered with permanent redirects (lib/aliases.ts); absent when none are configured. */
  aliases?: FeedAlias[];
  /** `url`: an item's id is its post's URL, as Hugo's feeds have it (lib/post/item-id.ts); absent: from the content key. */
  itemIds?: 'url';
  /** Hugo's translations, by file name (`a.fr.md`) or by content folder: each language's posts under its own path. */
  translations?: TranslationConfig;
  /**
   * Every feed's whole history (RFC 5005 archive pages, JSON Feed `next_url`, RFC 6721 deleted entries in Atom);
   * absent: a feed shows its newest `itemsPerFeed` items only (`"archives": false`).
   */
  archives?: ArchiveConfig;
}

/**
 * Hugo's multilingual layout. By file name: `posts/a.fr.md` is the `fr` translation of `posts/a.md`, and Hugo puts it
 * at `/fr/posts/a/`. By content folder (`folders`, Hugo's per-language `contentDir`): `fr/posts/a.md`, where `fr/` is
 * the French folder, is at `/fr/posts/a/` too, its path read from inside that folder. A post's language here is the
 * suffix of its file name when that is one of `languages` exactly as written (Hugo's language keys, which it
 * lower-cases: `a.zh-CN.md` is not `zh-cn`'s), else its folder's, else `default`; its permalink then starts with
 * `/<language>/`, but for the default language unless `defaultInSubdir`. Front matter `url` and `path` are taken as
 * written, as Hugo takes `url`. With `folders`, a post in none of them is no page of Hugo's, and is skipped.
 */
export interface TranslationConfig {
  languages: string[];
  default: string;
  defaultInSubdir: boolean;
  /** Content folders (relative, `/`-separated) of one language each, by folder; absent: translations by file name only. */
  folders?: Record<string, string>;
}

export interface ArchiveConfig {
  /** Items on each archive page; pages are numbered from the oldest, and a full page keeps its items. */
  pageSize: number;
  /** Cache-Control of the archive pages that have a newer page (sealed); the newest page keeps `cacheControl`. */
  cacheControl: string;
  /** How long a deleted or unpublished post is announced in its feeds' Atom documents (`at:deleted-entry`). */
  tombstoneDays: number;
}

/** The kinds of feed beside the site's, by output folder (lib/feeds/descriptor.ts describes each). */
export const FEED_KIND_KEYS = ['categories', 'tags', 'sections', 'languages', 'authors'] as const;
export type FeedKindKey = (typeof FEED_KIND_KEYS)[number];

export interface FeedKindConfig {
  enabled: boolean;
  /** The term's page on the site: a path pattern relative to `baseUrl` with `:slug` (the name as Hugo urlizes it). */
  link: string;
}

/** `pollMinutes` must divide a week, so that `sy:updatePeriod` and `sy:updateFrequency` say it exactly. */
export const MINUTES_PER_WEEK = 7 * 24 * 60;

/** Every key parseConfig understands; anything else in the file is reported as unknown. */
const CONFIG_KEYS = [
  'title',
  'description',
  'baseUrl',
  'feedsUrl',
  'language',
  'timeZone',
  'author',
  'itemsPerFeed',
  'content',
  'permalink',
  'copyright',
  'image',
  'maxPostBytes',
  'maxTermsPerPost',
  'cacheControl',
  'websubHub',
  'feeds',
  'pollMinutes',
  'aliases',
  'itemIds',
  'translations',
  'archives',
] as const satisfies readonly (keyof SiteConfig)[];

/** Tokens a permalink may use; see lib/post/permalink.ts. */
export const PERMALINK_TOKENS = ['section', 'sections', 'slug', 'filename', 'title', 'year', 'month', 'day'] as const;

/**
 * Defaults of the optional keys. `description` defaults to the title.
 * `permalink` defaults to `/:sections/:slug/`: the post's folders under the content root, then its
 * slug (front-matter `slug`, else the file name without `.md` and language suffix, else the page
 * bundle's folder). That is where Hugo puts a page when no permalink is configured, and unlike
 * `/:section/:slug/` two posts with one file name in different folders get different URLs.
 */
export const DEFAULT_CONFIG = Object.freeze({
  language: 'en',
  timeZone: 'UTC',
  itemsPerFeed: 20,
  content: 'full',
  permalink: '/:sections/:slug/',
  maxPostBytes: 10 * 1024 * 1024,
  maxTermsPerPost: 100,
  cacheControl: 'public, max-age=300, stale-while-revalidate=60, stale-if-error=86400',
  feeds: {
    categories: { enabled: true, link: '/categories/:slug/' },
    tags: { enabled: true, link: '/tags/:slug/' },
    sections: { enabled: false, link: '/:slug/' },
    languages: { enabled: false, link: '/:slug/' },
    authors: { enabled: false, link: '/authors/:slug/' },
  },
  pollMinutes: 60,
  archives: { pageSize: 100, cacheControl: 'public, max-age=31536000, immutable', tombstoneDays: 30 },
} as const satisfies Partial<SiteConfig>);

/** The configuration is unusable; `problems` has one line per bad key, the message all of them. */
export class ConfigError extends HeraldError {
  constructor(
    message: string,
    readonly problems: string[] = [],
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'ConfigError';
  }
}

/** The keys without which there is no configuration: parseConfig reports each as required. */
export const REQUIRED_KEYS = ['title', 'baseUrl'] as const;

/** A site configuration and where it came from. */
export interface LoadedConfig {
  site: SiteConfig;
  /** The file read: herald.config.json, `--config`, or Hugo's (the first, for config/_default/). */
  file: string;
  /** Set when the configuration was Hugo's: what was taken from which file, and what was not. */
  hugo?: HugoImport;
  /** A Hugo configuration found but not read, because herald.config.json takes precedence over it. */
  ignoredHugo?: string;
}

/** The site configuration of a content folder (or `configPath`), with `baseUrl` overriding both URLs. */
export async function loadSiteConfig(contentDir: string, configPath?: string, baseUrl?: string): Promise<SiteConfig> {
  return (await loadConfiguration(contentDir, configPath, baseUrl)).site;
}

/**
 * `configPath` when given; else the content folder's herald.config.json; else, when there is none, Hugo's configuration
 * beside the content folder (lib/hugo-config.ts). herald.config.json wins over Hugo's, whole: the two are never merged,
 * so what a build uses is always one file's. Neither: a ConfigError naming `herald init` and the required keys.
 */
export async function loadConfiguration(contentDir: string, configPath?: string, baseUrl?: string): Promise<LoadedConfig> {
  const overrides = baseUrl === undefined ? undefined : { baseUrl, feedsUrl: baseUrl };
  const file = path.resolve(configPath ?? path.join(contentDir, CONFIG_FILE));
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' || configPath !== undefined) {
      const hint = code === 'ENOENT' ? `; \`herald init --config ${configPath}\` writes one` : '';
      throw new ConfigError(`${file}: cannot read the site configuration (${code ?? messageOf(error)})${hint}`, [], { cause: error });
    }
    const hugo = await readHugoConfig(contentDir);
    if (hugo === undefined) throw new ConfigError(missingConfigMessage(file, contentDir), [], { cause: error });
    return fromHugo(hugo, file, overrides);
  }
  const site = parseConfig(text, file, overrides);
  const hugo = configPath === undefined ? await findHugoConfig(contentDir) : undefined;
  return hugo === undefined ? { site, file } : { site, file, ignoredHugo: hugo[0]!.file };
}

function missingConfigMessage(file: string, contentDir: string): string {
  return (
    `${file}: no site configuration, and no Hugo configuration (${HUGO_CONFIG_FILES.join(', ')} or config/_default/) ` +
    `in ${path.resolve(contentDir)} or its parent.\n` +
    `Run \`herald init --content ${contentDir}\` to write one, or write it yourself with the required keys ` +
    `${REQUIRED_KEYS.map((key) => `"${key}"`).join(' and ')}: { "title": "My site", "baseUrl": "https://example.com/" }`
  );
}

/** Hugo's values checked as herald.config.json's would be, each problem named by its Hugo key. */
function fromHugo(hugo: HugoImport, missing: string, overrides: Partial<SiteConfig> | undefined): LoadedConfig {
  const [source] = hugo.files as [string];
  const taken = hugo.taken.filter(({ key }) => overrides?.[key as keyof SiteConfig] === undefined);
  try {
    return { site: parseConfig(JSON.stringify(hugo.config), source, overrides), file: source, hugo: { ...hugo, taken } };
  } catch (error) {
    if (!(error instanceof ConfigError) || error.problems.length === 0) throw error;
    const problems = error.problems.map((problem) => {
      const key = problem.slice(0, problem.indexOf(':'));
      const from = taken.find((entry) => entry.key === key)?.from;
      if (from !== undefined) return `${from}: ${problem.slice(key.length + 1).trim()}`;
      return (REQUIRED_KEYS as readonly string[]).includes(key)
        ? `${key === 'baseUrl' ? 'baseURL' : key}: required by Herald, not set`
        : problem;
    });
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    throw new ConfigError(
      `${hugo.files.join(', ')}: ${count} in the Hugo configuration, read because there is no ${missing}:\n` +
        `${problems.map((p) => `  - ${p}`).join('\n')}\n` +
        `Fix it there, give --base-url, or run \`herald init\` to write ${CONFIG_FILE} from it and edit that.`,
      problems,
    );
  }
}

/** Where the configuration came from, for the build's summary and the start of `herald serve`. */
export function describeConfiguration(loaded: LoadedConfig): string[] {
  const shown = (file: string) => {
    const relative = path.relative(process.cwd(), file);
    return relative === '' || path.isAbsolute(relative) ? file : relative;
  };
  if (loaded.hugo === undefined) {
    const ignored = loaded.ignoredHugo === undefined ? '' : ` (${shown(loaded.ignoredHugo)} not read: ${CONFIG_FILE} takes precedence)`;
    return [`  configuration: ${shown(loaded.file)}${ignored}`];
  }
  const byFile = new Map<string, string[]>();
  for (const { key, from, file } of loaded.hugo.taken) {
    const list = byFile.get(file) ?? [];
    list.push(from === key ? key : `${key} from ${from}`);
    byFile.set(file, list);
  }
  return [
    `  configuration: Hugo's, as there is no ${CONFIG_FILE} (\`herald init\` writes one from it)`,
    ...[...byFile].map(([file, keys]) => `    from ${shown(file)}: ${keys.join(', ')}`),
    ...loaded.hugo.notes.map((note) => `    note: ${note}`),
  ];
}

/**
 * Parses and validates `herald.config.json`. `overrides` (command-line flags such as `--base-url`)
 * replace the file's values before validation, so they are checked the same way. Throws one
 * ConfigError naming `source` and listing every problem, so a user fixes the file in one pass.
 */
export function parseConfig(text: string, source: string, overrides?: Partial<SiteConfig>): SiteConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new ConfigError(`${source}: not valid JSON (${messageOf(error)})`, [], { cause: error });
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError(`${source}: the site configuration must be a JSON object`);
  }
  const input: Record<string, unknown> = { ...(raw as Record<string, unknown>) };
  for (const [key, value] of Object.entries(overrides ?? {})) if (value !== undefined) input[key] = value;

  const problems: string[] = [];
  const check = new Checker(input, problems);
  for (const key of Object.keys(input)) {
    // `$schema` lets editors validate the file; it means nothing to Herald.
    if (key !== '$schema' && !(CONFIG_KEYS as readonly string[]).includes(key)) problems.push(`${key}: unknown key`);
  }

  const title = check.string('title', { required: true });
  const baseUrl = check.url('baseUrl', { required: true, folder: true });
  const config: SiteConfig = {
    title: title ?? '',
    description: check.string('description') ?? title ?? '',
    baseUrl: baseUrl ?? '',
    feedsUrl: check.url('feedsUrl', { folder: true }) ?? baseUrl ?? '',
    language: check.language('language') ?? DEFAULT_CONFIG.language,
    timeZone: check.timeZone('timeZone') ?? DEFAULT_CONFIG.timeZone,
    itemsPerFeed: check.positiveInteger('itemsPerFeed') ?? DEFAULT_CONFIG.itemsPerFeed,
    content: check.oneOf('content', ['full', 'summary'] as const) ?? DEFAULT_CONFIG.content,
    permalink: check.permalink('permalink') ?? DEFAULT_CONFIG.permalink,
    maxPostBytes: check.positiveInteger('maxPostBytes') ?? DEFAULT_CONFIG.maxPostBytes,
    maxTermsPerPost: check.positiveInteger('maxTermsPerPost') ?? DEFAULT_CONFIG.maxTermsPerPost,
    cacheControl: check.headerValue('cacheControl') ?? DEFAULT_CONFIG.cacheControl,
    feeds: check.feedKinds('feeds'),
    pollMinutes: check.pollMinutes('pollMinutes') ?? DEFAULT_CONFIG.pollMinutes,
  };
  const author = check.person('author');
  if (author) config.author = author;
  const copyright = check.string('copyright');
  if (copyright !== undefined) config.copyright = copyright;
  const image = check.url('image', { base: baseUrl });
  if (image !== undefined) config.image = image;
  const websubHub = check.url('websubHub');
  if (websubHub !== undefined) config.websubHub = websubHub;
  // "key", the default, is left out, so a file that says it and one that does not configure the same site.
  if (check.oneOf('itemIds', ['key', 'url'] as const) === 'url') config.itemIds = 'url';
  const translations = check.translations('translations');
  if (translations) config.translations = translations;
  const archives = check.archives('archives');
  if (archives) config.archives = archives;
  if (input.aliases !== undefined) {
    const aliases = parseAliases(input.aliases, FEED_KIND_KEYS);
    problems.push(...aliases.problems);
    config.aliases = aliases.aliases;
  }

  if (problems.length > 0) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    throw new ConfigError(`${source}: ${count} in the site configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`, problems);
  }
  return config;
}

/**
 * `Name <email>`, `Name`, or `{ name, email?, url? }`, as in package.json. Used for the site
 * author and for post authors (not `strict`: themes add keys such as `twitter`, ignored here).
 * Returns a string describing the problem when the value is unusable.
 */
export function parsePerson(value: unknown, { strict = true } = {}): Person | string {
  if (typeof value === 'string') {
    const match = /^(.*?)\s*<([^<>\s]+)>$/.exec(value.trim());
    const name = cleanLine(match ? match[1]! : value);
    const email = match?.[2];
    if (name === '' && !email) return 'must not be empty';
    if (email !== undefined && !EMAIL.test(email)) return `${JSON.stringify(email)} is not an email address`;
    return email ? { name: name || email, email } : { name };
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const { name, email, url, ...rest } = value as Record<string, unknown>;
    const unknown = Object.keys(rest);
    if (strict && unknown.length > 0) return `unknown key ${unknown.map((k) => JSON.stringify(k)).join(', ')} (expected name, email, url)`;
    if (typeof name !== 'string' || cleanLine(name) === '') return 'name must be a non-empty string';
    const person: Person = { name: cleanLine(name) };
    if (email !== undefined) {
      if (typeof email !== 'string' || !EMAIL.test(email.trim())) return 'email must be an email address';
      person.email = email.trim();
    }
    if (url !== undefined) {
      const absolute = typeof url === 'string' ? httpUrl(url) : undefined;
      if (!absolute) return 'url must be an absolute http(s) URL';
      person.url = absolute;
    }
    return person;
  }
  return 'must be "Name <email>" or an object { name, email, url }';
}

const EMAIL = /^[^\s@<>]+@[^\s@<>]+$/;
/** A language key of `translations`: lower-case letters and digits, words joined by `-` or `_`. */
const LANGUAGE_KEY = /^[a-z0-9]+(?:[-_][a-z0-9]+)*$/;

export function isLanguageKey(name: string): boolean {
  return LANGUAGE_KEY.test(name);
}

/** What is wrong with `translations.folders`, if anything: each a folder of the content of one listed language, none inside another. */
function foldersProblem(folders: unknown, languages: readonly string[]): string | undefined {
  if (typeof folders !== 'object' || folders === null || Array.isArray(folders) || Object.keys(folders).length === 0)
    return 'must map content folders to languages, such as { "en": "en", "french": "fr" }';
  const entries = Object.entries(folders);
  for (const [folder, language] of entries) {
    if (typeof language !== 'string' || !languages.includes(language))
      return `${JSON.stringify(folder)} must name one of ${JSON.stringify(languages)}`;
    if (folder.split('/').some((segment) => segment === '' || segment === '.' || segment === '..'))
      return `${JSON.stringify(folder)} must be a folder of the content, such as "en" or "content/fr", without "." or ".." or an outer "/"`;
  }
  const inner = innerFolder(Object.keys(folders));
  return inner === undefined ? undefined : `${JSON.stringify(inner)} is inside another language's folder`;
}

/** The first of `folders` (relative, `/`-separated) inside another of them, if any: no post can be in both languages. */
export function innerFolder(folders: readonly string[]): string | undefined {
  return folders.find((folder) => folders.some((other) => other !== folder && folder.startsWith(`${other}/`)));
}
/** An absolute http(s) URL, resolved against `base` when given; undefined for anything else. */
function httpUrl(value: string, base?: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value.trim(), base);
  } catch {
    return undefined;
  }
  return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
}

/** Reads one key at a time, recording a problem (and returning undefined) for a bad value. */
class Checker {
  constructor(
    private readonly input: Record<string, unknown>,
    private readonly problems: string[],
    /** Put before each key in problems: the object this checker reads sits under that key. */
    private readonly where = '',
  ) {}

  private value(key: string, required = false): unknown {
    const value = this.input[key];
    if (value === undefined && required) this.problems.push(`${this.where}${key}: required`);
    return value;
  }

  private fail(key: string, reason: string, value: unknown): undefined {
    this.problems.push(`${this.where}${key}: ${reason}, not ${JSON.stringify(value)}`);
    return undefined;
  }

  string(key: string, { required = false } = {}): string | undefined {
    const value = this.value(key, required);
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || cleanLine(value) === '') return this.fail(key, 'must be a non-empty string', value);
    return cleanLine(value);
  }

  url(
    key: string,
    { required = false, folder = false, base }: { required?: boolean; folder?: boolean; base?: string } = {},
  ): string | undefined {
    const value = this.value(key, required);
    if (value === undefined) return undefined;
    const url = typeof value === 'string' ? httpUrl(value, base) : undefined;
    if (url === undefined) return this.fail(key, base ? 'must be an http(s) URL' : 'must be an absolute http(s) URL', value);
    if (!folder) return url;
    const parsed = new URL(url);
    if (parsed.search !== '' || parsed.hash !== '') return this.fail(key, 'must not have a query or fragment', value);
    return parsed.href.endsWith('/') ? parsed.href : `${parsed.href}/`;
  }

  language(key: string): string | undefined {
    const value = this.value(key);
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || !isLanguageTag(value)) return this.fail(key, 'must be a language tag such as "en" or "zh-CN"', value);
    return value;
  }

  timeZone(key: string): string | undefined {
    const value = this.value(key);
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || !IANAZone.isValidZone(value))
      return this.fail(key, 'must be an IANA time zone such as "UTC" or "Asia/Shanghai"', value);
    return value;
  }

  positiveInteger(key: string): number | undefined {
    const value = this.value(key);
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) return this.fail(key, 'must be a positive integer', value);
    return value;
  }

  oneOf<T extends string>(key: string, allowed: readonly T[]): T | undefined {
    const value = this.value(key);
    if (value === undefined) return undefined;
    if (!(allowed as readonly unknown[]).includes(value))
      return this.fail(key, `must be ${allowed.map((a) => JSON.stringify(a)).join(' or ')}`, value);
    return value as T;
  }

  permalink(key: string): string | undefined {
    const value = this.value(key);
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || !value.startsWith('/'))
      return this.fail(key, 'must be a path pattern starting with "/", such as "/:sections/:slug/"', value);
    const tokens = [...value.matchAll(/:([A-Za-z]+)/g)].map((m) => m[1]!);
    const unknown = tokens.filter((t) => !(PERMALINK_TOKENS as readonly string[]).includes(t));
    if (unknown.length > 0) {
      return this.fail(
        key,
        `has unknown token ${unknown.map((t) => `:${t}`).join(', ')} (known: ${PERMALINK_TOKENS.map((t) => `:${t}`).join(' ')})`,
        value,
      );
    }
    if (!tokens.some((t) => t === 'slug' || t === 'filename' || t === 'title')) {
      return this.fail(key, 'must contain :slug, :filename or :title, or every post gets the same URL', value);
    }
    return value;
  }

  /**
   * A value sent as an HTTP header on every write and every response: refused here by the rule S3 and Node
   * apply, or it would fail them all later (an em dash made `herald serve` answer 500 everywhere).
   */
  headerValue(key: string): string | undefined {
    const value = this.value(key);
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || value.trim() === '') return this.fail(key, 'must be a non-empty HTTP header value', value);
    const problem = headerValueProblem(value.trim());
    if (problem !== null) return this.fail(key, `${problem}: one line, no characters beyond ASCII such as "—"`, value);
    return value.trim();
  }

  /** `true` (the default), `false`, or `{ "pageSize": 100, "cacheControl": "...", "tombstoneDays": 30 }` (each optional). */
  archives(key: string): ArchiveConfig | undefined {
    const value = this.value(key);
    if (value === false) return undefined;
    const defaults = DEFAULT_CONFIG.archives;
    if (value === undefined || value === true) return { ...defaults };
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      return this.fail(key, 'must be true, false or an object such as { "pageSize": 100 }', value);
    const nested = new Checker(value as Record<string, unknown>, this.problems, `${key}.`);
    for (const name of Object.keys(value)) {
      if (!(name in defaults)) this.problems.push(`${key}.${name}: unknown key (known: ${Object.keys(defaults).join(', ')})`);
    }
    return {
      pageSize: nested.positiveInteger('pageSize') ?? defaults.pageSize,
      cacheControl: nested.headerValue('cacheControl') ?? defaults.cacheControl,
      tombstoneDays: nested.positiveInteger('tombstoneDays') ?? defaults.tombstoneDays,
    };
  }

  /** `{ "languages": ["en", "fr"], "default": "en", "defaultInSubdir": false, "folders": { "french": "fr" } }` (the last two optional). */
  translations(key: string): TranslationConfig | undefined {
    const value = this.value(key);
    if (value === undefined) return undefined;
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      return this.fail(key, 'must be an object such as { "languages": ["en", "fr"], "default": "en" }', value);
    const known = ['languages', 'default', 'defaultInSubdir', 'folders'];
    for (const name of Object.keys(value)) {
      if (!known.includes(name)) this.problems.push(`${key}.${name}: unknown key (known: ${known.join(', ')})`);
    }
    const { languages, default: fallback, defaultInSubdir = false, folders } = value as Record<string, unknown>;
    // A key is a path segment of every URL of its posts: Hugo's keys are lower case, and so are its URLs.
    if (!Array.isArray(languages) || languages.length === 0 || !languages.every((name) => typeof name === 'string' && isLanguageKey(name)))
      return this.fail(`${key}.languages`, 'must list language keys as Hugo writes them, such as ["en", "fr", "zh-cn"]', languages);
    if (typeof fallback !== 'string' || !languages.includes(fallback))
      return this.fail(`${key}.default`, `must be one of ${JSON.stringify(languages)}`, fallback);
    if (typeof defaultInSubdir !== 'boolean') return this.fail(`${key}.defaultInSubdir`, 'must be true or false', defaultInSubdir);
    const config: TranslationConfig = { languages: [...new Set(languages as string[])], default: fallback, defaultInSubdir };
    if (folders === undefined) return config;
    const problem = foldersProblem(folders, languages as string[]);
    if (problem !== undefined) return this.fail(`${key}.folders`, problem, folders);
    config.folders = { ...(folders as Record<string, string>) };
    return config;
  }

  /**
   * `{ "sections": true, "tags": { "link": "/topics/:slug/" }, "categories": false }`: each kind named is on
   * (`true` or an object) or off (`false`); kinds not named keep their default.
   */
  feedKinds(key: string): Record<FeedKindKey, FeedKindConfig> {
    const kinds = Object.fromEntries(FEED_KIND_KEYS.map((kind) => [kind, { ...DEFAULT_CONFIG.feeds[kind] }])) as Record<
      FeedKindKey,
      FeedKindConfig
    >;
    const value = this.value(key);
    if (value === undefined) return kinds;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.fail(key, `must be an object such as { "sections": true, "authors": { "link": "/authors/:slug/" } }`, value);
      return kinds;
    }
    for (const [name, setting] of Object.entries(value)) {
      const where = `${key}.${name}`;
      if (!(FEED_KIND_KEYS as readonly string[]).includes(name)) {
        this.problems.push(`${where}: unknown feed kind (known: ${FEED_KIND_KEYS.join(', ')})`);
        continue;
      }
      const kind = kinds[name as FeedKindKey];
      if (typeof setting === 'boolean') {
        kind.enabled = setting;
        continue;
      }
      const isObject = typeof setting === 'object' && setting !== null && !Array.isArray(setting);
      const { link, ...rest } = isObject ? (setting as Record<string, unknown>) : {};
      if (!isObject || Object.keys(rest).length > 0) {
        this.fail(where, 'must be true, false or { "link": "/path/:slug/" }', setting);
        continue;
      }
      kind.enabled = true;
      if (link === undefined) continue;
      if (typeof link !== 'string' || !link.startsWith('/') || !link.includes(':slug') || /[?#\s]/.test(link)) {
        this.fail(`${where}.link`, 'must be a path pattern starting with "/" and containing :slug, such as "/tags/:slug/"', link);
        continue;
      }
      kind.link = link;
    }
    return kinds;
  }

  pollMinutes(key: string): number | undefined {
    const value = this.positiveInteger(key);
    if (value === undefined || MINUTES_PER_WEEK % value === 0) return value;
    return this.fail(key, 'must divide a week into whole minutes, such as 15, 30, 60, 180, 1440 or 10080', value);
  }

  person(key: string): Person | undefined {
    const value = this.value(key);
    if (value === undefined) return undefined;
    const person = parsePerson(value);
    if (typeof person === 'string') return this.fail(key, person, value);
    return person;
  }
}
