import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { IANAZone } from 'luxon';
import { cleanLine } from './post/text.ts';
import { headerValueProblem } from './storage/semantics.ts';
import { HeraldError, messageOf } from './errors.ts';

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
}

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

/** The configuration file of a content folder (or `configPath`), with `baseUrl` overriding both URLs; a missing file is named. */
export async function loadSiteConfig(contentDir: string, configPath?: string, baseUrl?: string): Promise<SiteConfig> {
  const file = path.resolve(configPath ?? path.join(contentDir, CONFIG_FILE));
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError(`${file}: cannot read the site configuration (${code ?? messageOf(error)})`, [], { cause: error });
  }
  return parseConfig(text, file, baseUrl === undefined ? undefined : { baseUrl, feedsUrl: baseUrl });
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
  };
  const author = check.person('author');
  if (author) config.author = author;
  const copyright = check.string('copyright');
  if (copyright !== undefined) config.copyright = copyright;
  const image = check.url('image', { base: baseUrl });
  if (image !== undefined) config.image = image;
  const websubHub = check.url('websubHub');
  if (websubHub !== undefined) config.websubHub = websubHub;

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
const LANGUAGE_TAG = /^[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*$/;

/** A well-formed BCP 47 language tag (shape only: `en`, `zh-CN`, `zh-Hant-HK`). */
export function isLanguageTag(value: string): boolean {
  return LANGUAGE_TAG.test(value);
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
  ) {}

  private value(key: string, required = false): unknown {
    const value = this.input[key];
    if (value === undefined && required) this.problems.push(`${key}: required`);
    return value;
  }

  private fail(key: string, reason: string, value: unknown): undefined {
    this.problems.push(`${key}: ${reason}, not ${JSON.stringify(value)}`);
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

  person(key: string): Person | undefined {
    const value = this.value(key);
    if (value === undefined) return undefined;
    const person = parsePerson(value);
    if (typeof person === 'string') return this.fail(key, person, value);
    return person;
  }
}
