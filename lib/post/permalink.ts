/**
 * Post URLs. Front matter `url` (Hugo) or `path` (Zola, rust-blog) wins; otherwise the site's
 * `permalink` pattern is expanded from the content key. Paths are relative to `baseUrl`, so a
 * site served under `https://example.com/blog/` keeps its `/blog/` prefix even for `url: /x/`.
 *
 * Tokens: `:sections` every folder of the key (`zh-CN/news/qq`), `:section` the first one,
 * `:filename` the file name without `.md` and without a language suffix that matches the post's
 * or site's language or has a region (`.zh-CN`, `.en`), `:slug` front-matter `slug` or else the
 * file name (minus a `2025-02-12-` date prefix when the date came from it), `:title` the title,
 * `:year`/`:month`/`:day` the publication date as written (in its own UTC offset, which Hugo keeps),
 * else in the site's time zone. A page bundle (`<folder>/index.md`) is named after its folder,
 * which is then not one of its sections.
 *
 * Every token's value is written as Hugo writes it in a path (its MakePathSanitized: spaces to `-`,
 * punctuation dropped, lower case), then percent-encoded as Hugo's permalinks are: a post's URL is the
 * page Hugo built, and with `itemIds: "url"` the id Hugo's feeds gave it (lib/post/item-id.ts).
 */
import { DEFAULT_CONFIG, type TranslationConfig } from '../config.ts';
import { hugoUrlize } from '../feeds/term-page.ts';
import type { CalendarDate } from './dates.ts';
import { isLanguageName } from './language.ts';
import { PostError } from './types.ts';

/** What the key says about a post: its folders and its name. */
export interface KeyParts {
  sections: string[];
  /** File name without extension and language suffix; the bundle folder for `index.md`. */
  filename: string;
  /**
   * The language suffix taken off the file name (`zh-HK` for `x.zh-HK.md`), as written; with translations, the
   * post's translation language: its suffix's, else its language folder's.
   */
  language?: string;
  /** With translations by folder, the post is in none of the languages' folders. */
  unfoldered?: true;
}

const EXTENSION = /\.(?:md|markdown)$/i;
const LANGUAGE_SUFFIX = /\.([A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*)$/;
/** What follows a file name's last dot, which a translation's language key may be (`english` too). */
const TRANSLATION_SUFFIX = /\.([^.]+)$/;

/**
 * Throws a PostError naming the key when a segment is empty, `.` or `..`: S3 keys may hold them, but as URL
 * path segments they would be resolved away (`posts/../../x.md` would publish outside baseUrl's path), and
 * normalizing would let two keys share one URL. A folder can hold no such key either.
 * A language suffix is one of `languages` (the post's and the site's) or a language-region pair; with `translations`
 * (the site's, lib/config.ts), only one of those keys as written, as Hugo reads a translation's file name.
 */
export function keyParts(key: string, languages: readonly (string | undefined)[], translations?: TranslationConfig): KeyParts {
  let sections = key.split('/');
  for (const segment of sections) {
    if (segment === '' || segment === '.' || segment === '..') {
      const what = segment === '' ? 'an empty path segment' : `a "${segment}" path segment`;
      throw new PostError(key, `the key has ${what}, which a permalink cannot hold: rename the object`);
    }
  }
  // A language's folder is its content root (Hugo's contentDir): the post's path is read from inside it.
  let folderLanguage: string | undefined;
  for (const [folder, language] of Object.entries(translations?.folders ?? {})) {
    const depth = folder.split('/').length;
    if (sections.length > depth && sections.slice(0, depth).join('/') === folder) {
      sections = sections.slice(depth);
      folderLanguage = language;
      break;
    }
  }
  let filename = (sections.pop() ?? '').replace(EXTENSION, '');
  let language: string | undefined;
  const suffix = translations ? TRANSLATION_SUFFIX.exec(filename) : LANGUAGE_SUFFIX.exec(filename);
  if (suffix) {
    const tag = suffix[1]!.toLowerCase();
    // `node.js.md` keeps its `.js`, `crates.io-incident.md` its `.io-incident`: only a known language or a
    // language-region (or script) pair is a suffix.
    const isSuffix = translations
      ? translations.languages.includes(suffix[1]!)
      : (tag.includes('-') && isLanguageName(tag)) || languages.some((known) => known?.toLowerCase() === tag);
    if (isSuffix) {
      filename = filename.slice(0, suffix.index);
      language = suffix[1]!;
    }
  }
  if (filename === 'index' && sections.length > 0) filename = sections.pop()!;
  language ??= folderLanguage;
  const parts: KeyParts = language === undefined ? { sections, filename } : { sections, filename, language };
  if (translations?.folders && folderLanguage === undefined) parts.unfoldered = true;
  return parts;
}

/**
 * Where a translation's permalink starts (lib/config.ts, `TranslationConfig`): `fr/` for `a.fr.md`, nothing for the
 * default language's posts unless `defaultInSubdir` puts them in a folder of their own too; nothing without translations.
 */
export function translationPrefix(parts: KeyParts, translations: TranslationConfig | undefined): string {
  if (!translations) return '';
  const language = parts.language ?? translations.default;
  return language !== translations.default || translations.defaultInSubdir ? `${language}/` : '';
}

/** A pattern split into literal text (even indexes) and token names (odd indexes), once per pattern. */
const compiled = new Map<string, string[]>();

function compile(pattern: string): string[] {
  let parts = compiled.get(pattern);
  if (!parts) {
    parts = pattern.split(/:([A-Za-z]+)/);
    compiled.set(pattern, parts);
  }
  return parts;
}

/** The pattern expanded into a path relative to baseUrl (no leading `/`); `day` is asked only by a pattern with a date token. */
export function expandPermalink(pattern: string, parts: KeyParts, slug: string, title: string, day: () => CalendarDate): string {
  const pieces = compile(pattern);
  // Hugo reads a configured permalink back as a query string, so a `+` there is a space, and then a `-`; its
  // default paths, which Herald's default pattern follows, keep `+`.
  const tokenPath = (text: string) => hugoPath(pattern === DEFAULT_CONFIG.permalink ? text : text.replaceAll('+', ' '));
  let path = pieces[0]!;
  let calendar: CalendarDate | undefined;
  for (let i = 1; i < pieces.length; i += 2) {
    const name = pieces[i]!;
    let value: string;
    if (name === 'sections') value = parts.sections.map(tokenPath).join('/');
    else if (name === 'section') value = tokenPath(parts.sections[0] ?? '');
    else if (name === 'filename') value = tokenPath(parts.filename);
    else if (name === 'slug') value = tokenPath(slug);
    else if (name === 'title') value = tokenPath(title);
    else if (name === 'year' || name === 'month' || name === 'day') {
      calendar ??= day();
      value = calendar[name];
    } else value = `:${name}`;
    path += value + pieces[i + 1]!;
  }
  // Empty tokens (no section) must not leave `//`, which would read as a host.
  return path.replace(/\/{2,}/g, '/').replace(/^\//, '');
}

/** `url`/`path` front matter resolved against baseUrl; undefined when it is not an http(s) URL. */
export function overrideUrl(value: string, baseUrl: string, folder: boolean): string | undefined {
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  let url: URL;
  try {
    url = /^[A-Za-z][A-Za-z0-9+.-]*:/.test(trimmed) ? new URL(trimmed) : new URL(trimmed.replace(/^\/+/, ''), baseUrl);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (folder && !url.pathname.endsWith('/') && url.search === '' && url.hash === '') url.pathname += '/';
  return url.href;
}

/**
 * `text` as Hugo puts it in a path, percent-encoded as Go's URLs are (`+` and the `%XX` Hugo keeps stay as they
 * are). A `/` Hugo keeps (in a slug) separates segments; a `.` or `..` segment is dropped, or it would resolve to
 * a page outside the post's folder.
 */
function hugoPath(text: string): string {
  return hugoUrlize(text)
    .split('/')
    .map((segment) =>
      segment === '.' || segment === '..' ? '' : encodeURIComponent(segment).replaceAll('%2B', '+').replaceAll('%25', '%'),
    )
    .join('/');
}
