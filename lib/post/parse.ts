/**
 * One content file to a normalized Post. Cheap checks run first (section page, size, NUL bytes,
 * UTF-8), then the front matter, then each field. Front-matter keys are case-insensitive, as in
 * Hugo. Every problem becomes a PostError naming the file, the key and the reason; parsePost
 * never throws, so one bad file never costs the others.
 */
import { isUtf8 } from 'node:buffer';
import { TomlDate } from 'smol-toml';
import { messageOf } from '../errors.ts';
import { parsePerson, type Person, type SiteConfig } from '../config.ts';
import { makeTerm } from './terms.ts';
import { type CalendarDate, calendarDate, DateError, dateFromFileName, dateFromPath, parseDate } from './dates.ts';
import { exclusionOf } from './exclusion.ts';
import { FrontMatterError, splitFrontMatter } from './frontmatter.ts';
import { declaredId, generatedId } from './item-id.ts';
import { canonicalLanguage, knownLanguage } from './language.ts';
import { expandPermalink, keyParts, overrideUrl, translationPrefix } from './permalink.ts';
import { xmlSafe } from '../feeds/xml.ts';
import { booleanOf, cleanLine, cleanText } from './text.ts';
import { PostError, type Image, type ParseResult, type Post, type Term } from './types.ts';

const SECTION_PAGE = /(?:^|\/)_index(?:\.[^/]*)?\.(?:md|markdown)$/i;

/** Hugo's names for each date, in order of preference. */
const DATE_KEYS = {
  date: ['date'],
  publishDate: ['publishdate', 'pubdate', 'published'],
  lastmod: ['lastmod', 'updated', 'modified'],
  expiryDate: ['expirydate', 'unpublishdate'],
} as const;

const IMAGE_KEYS = ['thumbnail', 'image', 'cover', 'images'] as const;

/** MIME types known from an image URL's extension; anything else gets no type rather than a guess. */
const IMAGE_TYPES = new Map(
  Object.entries({
    jpg: 'image/jpeg',
    jpeg: 'image/jpeg',
    jpe: 'image/jpeg',
    png: 'image/png',
    gif: 'image/gif',
    webp: 'image/webp',
    avif: 'image/avif',
    svg: 'image/svg+xml',
  }),
);

/** Reads one post. `key` is the content key (path under the content root). Never throws. */
export function parsePost(key: string, bytes: Uint8Array, site: SiteConfig): ParseResult {
  if (SECTION_PAGE.test(key)) return { status: 'skipped', key, reason: 'section page (_index.md)' };
  try {
    return readPost(key, bytes, site);
  } catch (error) {
    if (error instanceof PostError) return { status: 'rejected', error };
    // A bug, not bad input: still only this file is lost, and the message says where.
    return { status: 'rejected', error: new PostError(key, `internal error while parsing: ${messageOf(error)}`, { cause: error }) };
  }
}

/** The rejection of a post of `size` bytes, whether the size came from its bytes or from storage before reading them. */
export function tooLargeError(key: string, size: number, site: SiteConfig): PostError {
  return new PostError(key, `file is ${size} bytes, larger than maxPostBytes (${site.maxPostBytes})`);
}

function readPost(key: string, bytes: Uint8Array, site: SiteConfig): ParseResult {
  if (bytes.byteLength > site.maxPostBytes) throw tooLargeError(key, bytes.byteLength, site);
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // Buffer.indexOf is memchr; Uint8Array.indexOf is a slow element loop.
  if (buffer.indexOf(0) !== -1) {
    throw new PostError(key, 'binary file (contains NUL bytes), not a Markdown post');
  }
  // Invalid UTF-8 (Latin-1, binaries) is an error, not U+FFFD. Checked, then decoded without checking again: a fifth
  // faster than a fatal TextDecoder, which takes a slower path.
  if (!isUtf8(buffer)) {
    throw new PostError(key, 'not valid UTF-8 text (binary, or another encoding such as Latin-1: save it as UTF-8)');
  }
  const decoded = buffer.toString('utf8');
  // A leading BOM is no part of the text (as TextDecoder drops it).
  const text = decoded.charCodeAt(0) === 0xfeff ? decoded.slice(1) : decoded;

  let data: Record<string, unknown>;
  let body: string;
  try {
    ({ data, body } = splitFrontMatter(text));
  } catch (error) {
    if (error instanceof FrontMatterError) throw new PostError(key, error.message, { cause: error });
    throw error;
  }
  // Front-matter keys are case-insensitive (Hugo lower-cases them); null and "" mean absent.
  const fields = new Map<string, unknown>();
  for (const name in data) {
    const value = data[name];
    if (value !== null && value !== '' && value !== undefined) fields.set(name.toLowerCase(), value);
  }

  const rawTitle = scalarText(fields.get('title'));
  const title = rawTitle === undefined ? '' : cleanLine(rawTitle);
  if (title === '') return { status: 'skipped', key, reason: 'no title' };

  const { timeZone } = site;
  const published = readDate(fields, DATE_KEYS.publishDate, timeZone, key);
  const lastmod = readDate(fields, DATE_KEYS.lastmod, timeZone, key);
  const expiry = readDate(fields, DATE_KEYS.expiryDate, timeZone, key);
  const declaredLang = firstLanguage(fields.get('lang') ?? fields.get('language'));
  const parts = keyParts(key, [declaredLang, site.language], site.translations);
  if (parts.unfoldered)
    return { status: 'skipped', key, reason: "in no language's folder (translations.folders): Hugo makes no page of it" };
  // With Hugo's translations a folder is a language's only as `folders` says (keyParts took it off): the rest are sections.
  const folderLang = !site.translations && parts.sections.length > 0 ? knownLanguage(parts.sections[0]!) : undefined;
  // The key's language (its suffix's, or its translation folder's); a translation into the default language (`a.en.md`)
  // is in the site's language, as the posts without a suffix are.
  const translated = parts.language !== undefined && parts.language !== site.translations?.default;
  const keyLang = translated ? knownLanguage(parts.language!) : undefined;
  const lang = declaredLang ?? keyLang ?? folderLang;
  const section = makeTerm(parts.sections[folderLang === undefined ? 0 : 1] ?? '');
  const exclusion = exclusionOf(fields);
  if ('problem' in exclusion) throw new PostError(key, exclusion.problem);
  const declared = declaredId(fields);
  const warnings = declared !== undefined && 'problem' in declared ? [`${declared.problem}; published with its generated id`] : [];
  const rawSlug = scalarText(fields.get('slug'));
  const slug = rawSlug === undefined ? '' : cleanLine(rawSlug);

  let date = readDate(fields, DATE_KEYS.date, timeZone, key) ?? published;
  const pathValue = scalarText(fields.get('path'));
  if (date === undefined && pathValue !== undefined) date = dateFromPath(pathValue, timeZone);
  if (date === undefined) {
    const fromName = dateFromFileName(parts.filename, timeZone);
    if (fromName) {
      date = fromName.date;
      // Jekyll-style names: the date is not part of the slug.
      if (fromName.rest !== '') parts.filename = fromName.rest;
    }
  }
  if (date === undefined) {
    throw new PostError(
      key,
      'date: missing (give date or publishDate, a path such as 2014/09/15/slug, or a file name such as 2025-02-12-slug.md)',
    );
  }

  const urlValue = scalarText(fields.get('url'));
  let url: string | undefined;
  if (urlValue !== undefined) {
    url = overrideUrl(urlValue, site.baseUrl, false);
    if (url === undefined) throw new PostError(key, `url: ${JSON.stringify(urlValue)} is not a path or an http(s) URL`);
  } else if (pathValue !== undefined) {
    url = overrideUrl(pathValue, site.baseUrl, true);
    if (url === undefined) throw new PostError(key, `path: ${JSON.stringify(pathValue)} is not a path or an http(s) URL`);
  } else {
    const instant = date;
    const path = expandPermalink(
      site.permalink,
      parts,
      slug || parts.filename,
      title,
      () => writtenDay(fields) ?? calendarDate(instant, timeZone),
    );
    url = new URL(translationPrefix(parts, site.translations) + path, site.baseUrl).href;
  }

  const post: Post = {
    key,
    id: declared !== undefined && 'id' in declared ? declared.id : generatedId(key, url, site),
    title,
    url,
    date: new Date(date).toISOString(),
    updated: new Date(lastmod !== undefined && lastmod > date ? lastmod : date).toISOString(),
    draft: booleanOf(fields.get('draft')) === true,
    categories: terms(fields.get('categories'), 'categories', site, key),
    tags: terms(fields.get('tags'), 'tags', site, key),
    authors: authors(fields.get('authors') ?? fields.get('author'), fields.get('authorlink'), site, key),
    // The Markdown source as written; renderBody removes XML-invalid characters from its output.
    body,
  };
  if (published !== undefined && published > date) post.publishDate = new Date(published).toISOString();
  if (expiry !== undefined) post.expiryDate = new Date(expiry).toISOString();
  const rawSummary = scalarText(fields.get('summary') ?? fields.get('description'));
  const summary = rawSummary === undefined ? '' : cleanText(rawSummary);
  if (summary !== '') post.summary = summary;
  if (lang !== undefined) post.lang = lang;
  if (section) post.section = section;
  if (exclusion.excludeFrom !== undefined) post.excludeFrom = exclusion.excludeFrom;
  const image = firstImage(fields, url);
  if (image) post.image = image;
  return warnings.length > 0 ? { status: 'post', post, warnings } : { status: 'post', post };
}

/** The first of `names` present, as epoch ms; a value that is not a date rejects the post. */
function readDate(fields: Map<string, unknown>, names: readonly string[], timeZone: string, key: string): number | undefined {
  for (const name of names) {
    const value = fields.get(name);
    if (value === undefined) continue;
    try {
      return parseDate(value, timeZone);
    } catch (error) {
      if (error instanceof DateError) throw new PostError(key, `${name}: ${error.message}`, { cause: error });
      throw error;
    }
  }
  return undefined;
}

/** `YYYY-MM-DD` at the start of a date as written. */
const WRITTEN_DAY = /^\s*(\d{4})-(\d{2})-(\d{2})/;

/**
 * The day of the post's date (else its publishDate) as written, for permalinks. Hugo keeps a date's own UTC offset,
 * which its archetypes write (the author's): `2024-03-31T23:30:00-05:00` makes a March URL even where the site's
 * zone is already in April. A zone-less date is in the site's zone, whose day is the one written too. Undefined
 * when the date is not written so (RFC 2822, or taken from the path or file name): then the site zone's day.
 */
function writtenDay(fields: Map<string, unknown>): CalendarDate | undefined {
  const name = [...DATE_KEYS.date, ...DATE_KEYS.publishDate].find((key) => fields.has(key));
  const value = name === undefined ? undefined : fields.get(name);
  const text = typeof value === 'string' ? value : value instanceof TomlDate ? value.toISOString() : undefined;
  const match = text === undefined ? null : WRITTEN_DAY.exec(text);
  return match ? { year: match[1]!, month: match[2]!, day: match[3]! } : undefined;
}

/** A YAML/TOML scalar as text; lists, mappings and dates are not text. */
function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return undefined;
}

/** Categories or tags: a string is one term (as in Hugo, no comma splitting), a list is many. */
function terms(value: unknown, name: string, site: SiteConfig, key: string): Term[] {
  if (value === undefined) return [];
  const list = Array.isArray(value) ? value : [value];
  if (list.length > site.maxTermsPerPost) {
    throw new PostError(key, `${name}: ${list.length} terms, more than maxTermsPerPost (${site.maxTermsPerPost})`);
  }
  const seen = new Set<string>();
  const result: Term[] = [];
  for (const item of list) {
    const text = scalarText(item);
    if (text === undefined) {
      if (item === null || item === undefined) continue;
      throw new PostError(
        key,
        `${name}: expected a string or a list of strings, found ${Array.isArray(item) ? 'a nested list' : 'a mapping'}`,
      );
    }
    const term = makeTerm(text);
    if (term && !seen.has(term.slug)) {
      seen.add(term.slug);
      result.push(term);
    }
  }
  return result;
}

/** The first language of `lang` (string or list), canonical, when it is a well-formed tag. */
function firstLanguage(value: unknown): string | undefined {
  const first = scalarText(Array.isArray(value) ? value[0] : value);
  return first === undefined ? undefined : canonicalLanguage(cleanLine(first));
}

/**
 * Chinese enumeration commas, which never occur inside a name: sofastack writes `author: "赵真灵、刘晶"` for two
 * authors. ASCII commas are not split: `Doe, Jane` is one person.
 */
const NAME_LIST = /[、，]/;

/**
 * Post authors: a string, a list, or `{ name, email, url }`; a string naming several people with `、` is
 * each of them. Unusable entries (empty strings) are ignored, and a person named twice counts once; none
 * at all means the site author. sofastack's `authorlink` is the URL of a post's only author.
 */
function authors(value: unknown, link: unknown, site: SiteConfig, key: string): Person[] {
  const list = (value === undefined ? [] : Array.isArray(value) ? value : [value]).flatMap((item) =>
    typeof item === 'string' && NAME_LIST.test(item) ? item.split(NAME_LIST) : [item],
  );
  if (list.length > site.maxTermsPerPost)
    throw new PostError(key, `authors: ${list.length} authors, more than maxTermsPerPost (${site.maxTermsPerPost})`);
  const people: Person[] = [];
  for (const item of list) {
    const person = parsePerson(typeof item === 'number' ? String(item) : item, { strict: false });
    if (typeof person !== 'string' && !people.some((known) => known.name === person.name)) people.push(person);
  }
  if (people.length === 1 && people[0]!.url === undefined && typeof link === 'string' && /^https?:\/\//i.test(link.trim())) {
    const url = overrideUrl(link, site.baseUrl, false);
    if (url !== undefined) people[0]!.url = url;
  }
  if (people.length === 0 && site.author) people.push(site.author);
  return people;
}

/** Characters RFC 3986 allows in no URI reference (brackets only around an IPv6 host, which images never need). */
const NOT_IN_URI = /[\s[\]<>"{}|\\^`]/;

/** The post's image from thumbnail, image, cover or Hugo's `images`, absolute and http(s) only. */
function firstImage(fields: Map<string, unknown>, postUrl: string): Image | undefined {
  for (const name of IMAGE_KEYS) {
    let value = fields.get(name);
    if (Array.isArray(value)) value = value[0];
    if (typeof value === 'object' && value !== null) {
      const object = value as Record<string, unknown>;
      value = object.image ?? object.src ?? object.url;
    }
    if (typeof value !== 'string' || value.trim() === '') continue;
    // A value that is no URI reference (hand-written `[a](b)` Markdown, spaces) would make the feeds invalid: not an image.
    if (NOT_IN_URI.test(value.trim())) continue;
    let url: URL;
    try {
      url = new URL(xmlSafe(value.trim()), postUrl);
    } catch {
      continue;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') continue;
    const image: Image = { url: url.href };
    const extension = /\.([A-Za-z0-9]+)$/.exec(url.pathname)?.[1]?.toLowerCase();
    const type = extension === undefined ? undefined : IMAGE_TYPES.get(extension);
    if (type) image.type = type;
    return image;
  }
  return undefined;
}
