/**
 * Old feed URLs (issue 14): a site that moves to Herald from Hugo, jekyll-feed or WordPress keeps its subscribers by
 * answering each old feed path with a permanent redirect to the Herald feed that replaces it. The configuration's
 * `aliases` maps old paths to new ones; `:name` stands for one path segment (optionally followed by a literal
 * suffix, as in `/feed/:slug.xml`) and carries over to the new path.
 *
 * One matcher, `aliasTarget`, answers for `herald serve` and, as its own source text, inside the CloudFront Function
 * (`viewerRequestCode`), so local and AWS redirect alike. Hence its plain style: CloudFront Functions run ES 5.1 with
 * a few later additions (cloudfront-js-2.0: const and let, but no destructuring, spread, for-of or classes), and
 * an inner function would not survive being turned into text (a bundler may wrap it to keep its name). Paths are matched as sent, percent-encoded, without decoding,
 * and the query string is dropped (feeds take none).
 */
import { OPML_FILE } from './directory/opml.ts';
import { FEED_CSS_PATH } from './feeds/feed-css.ts';
import { FEED_FILE_NAMES } from './feeds/types.ts';

/** Requests for `from` are answered `301 Moved Permanently` with `Location: to`. */
export interface FeedAlias {
  from: string;
  to: string;
}

/** What each generator published, mapped onto Herald's feeds (its sections, languages and authors differ: name those yourself). */
export const ALIAS_PRESETS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  hugo: {
    '/index.xml': '/rss.xml',
    '/categories/:slug/index.xml': '/categories/:slug/rss.xml',
    '/tags/:slug/index.xml': '/tags/:slug/rss.xml',
  },
  jekyll: {
    '/feed.xml': '/atom.xml',
    '/feed/:slug.xml': '/categories/:slug/atom.xml',
    '/feed/by_tag/:slug.xml': '/tags/:slug/atom.xml',
  },
  wordpress: {
    '/feed/': '/rss.xml',
    '/feed/rss/': '/rss.xml',
    '/feed/rss2/': '/rss.xml',
    '/feed/atom/': '/atom.xml',
    '/category/:slug/feed/': '/categories/:slug/rss.xml',
    '/tag/:slug/feed/': '/tags/:slug/rss.xml',
    '/author/:slug/feed/': '/authors/:slug/rss.xml',
  },
};

/** Browsers and readers cache a 301 for ever unless told otherwise; a day lets a corrected alias take over. */
export const REDIRECT_CACHE_CONTROL = 'public, max-age=86400';

/** CloudFront Functions' limit on a function's code (bytes). */
export const FUNCTION_CODE_LIMIT = 10_240;

/** A path segment: literal text, or `[name, suffix]` for `:name` followed by literal text. */
type Segment = string | [name: string, suffix: string];
/** The old path's segments, and the new path as literal text at even indexes and placeholder names at odd ones. */
export type AliasRule = [pattern: Segment[], target: string[]];

/**
 * The redirect target of a request path (as sent: percent-encoded, without the query string), or null. Rules are
 * tried in order; a pattern ending in `/` also matches the path without it (as WordPress answers both). A `:name`
 * matches a non-empty segment of URL path characters other than `.` and `..`, so no capture can turn the
 * `Location` into another host (`/\evil.example` would be read as `//evil.example`).
 */
export function aliasTarget(rules: AliasRule[], path: string): string | null {
  const parts = path.split('/');
  for (let r = 0; r < rules.length; r++) {
    const pattern = rules[r]![0];
    let segments = parts;
    if (pattern.length === parts.length + 1 && pattern[pattern.length - 1] === '') segments = parts.concat(['']);
    if (pattern.length !== segments.length) continue;
    const captures: Record<string, string> = {};
    let matched = true;
    for (let i = 0; i < pattern.length && matched; i++) {
      const want = pattern[i]!;
      const got = segments[i]!;
      if (typeof want === 'string') {
        matched = got === want;
        continue;
      }
      const value = got.slice(0, got.length - want[1].length);
      matched =
        got.length > want[1].length &&
        got.slice(value.length) === want[1] &&
        value !== '.' &&
        value !== '..' &&
        /^[\w.~!$&'()*+,;=:@%-]+$/.test(value);
      captures[want[0]] = value;
    }
    if (!matched) continue;
    const target = rules[r]![1];
    let location = '';
    for (let j = 0; j < target.length; j++) location += j % 2 === 0 ? target[j] : captures[target[j]!];
    return location;
  }
  return null;
}

const PLACEHOLDER = /^:([A-Za-z][A-Za-z0-9_]*)(.*)$/;
const TARGET_PLACEHOLDER = /:([A-Za-z][A-Za-z0-9_]*)/g;

function compileRule({ from, to }: FeedAlias): AliasRule {
  const pattern = from.split('/').map((segment): Segment => {
    const placeholder = PLACEHOLDER.exec(segment);
    return placeholder ? [placeholder[1]!, placeholder[2]!] : segment;
  });
  return [pattern, to.split(TARGET_PLACEHOLDER)];
}

/** The rules in matching order: literal paths before patterns (fewer placeholders first), then as configured. */
export function compileAliases(aliases: readonly FeedAlias[]): AliasRule[] {
  const placeholders = (rule: AliasRule) => rule[0].filter((segment) => typeof segment !== 'string').length;
  return aliases
    .map(compileRule)
    .map((rule, index) => ({ rule, index }))
    .sort((a, b) => placeholders(a.rule) - placeholders(b.rule) || a.index - b.index)
    .map(({ rule }) => rule);
}

/** For `herald serve`: the redirect target of a request path, or null. */
export function aliasResolver(aliases: readonly FeedAlias[]): (path: string) => string | null {
  const rules = compileAliases(aliases);
  return (path) => (rules.length === 0 ? null : aliasTarget(rules, path));
}

/** The CloudFront Function (viewer request, cloudfront-js-2.0) answering the aliases at the edge. */
export function viewerRequestCode(aliases: readonly FeedAlias[]): string {
  return `// Herald: old feed paths answered with permanent redirects (lib/aliases.ts; generated from the site configuration).
var RULES = ${JSON.stringify(compileAliases(aliases))};
var aliasTarget = ${aliasTarget.toString()};
function handler(event) {
  var location = aliasTarget(RULES, event.request.uri);
  if (location === null) return event.request;
  return {
    statusCode: 301,
    statusDescription: 'Moved Permanently',
    headers: { location: { value: location }, 'cache-control': { value: ${JSON.stringify(REDIRECT_CACHE_CONTROL)} } },
  };
}
`;
}

/** Files Herald publishes at the feeds root only; feed files are also in each feed's folder, `/<folder>/<slug>/`. */
const ROOT_FILES = ['/', '/index.html', `/${OPML_FILE}`, `/${FEED_CSS_PATH}`];

/** Problems with one alias, each a phrase for `aliases["<from>"]: …`. */
function aliasProblems(from: string, to: string, folders: readonly string[]): string[] {
  const problems: string[] = [];
  const path = (value: string, what: string) => {
    if (!/^[\x21-\x7e]*$/.test(value)) {
      problems.push(`the ${what} must be ASCII without spaces: write other characters percent-encoded, as readers send them`);
    } else if (/[?#]/.test(value)) problems.push(`the ${what} must have no query or fragment`);
    else if (/\/\/|\\/.test(value)) problems.push(`the ${what} must not contain "//" or "\\"`);
    else if (value.split('/').some((segment) => segment === '.' || segment === '..'))
      problems.push(`the ${what} must not contain "." or ".." segments`);
  };
  if (!from.startsWith('/')) problems.push('the old path must start with "/"');
  path(from, 'old path');
  const names: string[] = [];
  for (const segment of from.split('/')) {
    const placeholder = PLACEHOLDER.exec(segment);
    if (placeholder) {
      if (names.includes(placeholder[1]!)) problems.push(`the old path uses :${placeholder[1]} twice`);
      names.push(placeholder[1]!);
      if (placeholder[2]!.includes(':')) problems.push(`the segment "${segment}" may hold one placeholder, at its start`);
    } else if (segment.includes(':')) {
      problems.push(`the segment "${segment}" has ":" elsewhere than at its start (a placeholder takes a whole segment, then text)`);
    }
  }

  const absolute = /^https?:\/\//.test(to);
  if (!absolute && !to.startsWith('/')) problems.push('the new path must start with "/" or be an absolute http(s) URL');
  path(absolute ? to.replace(/^https?:\/\//, '') : to, 'new path');
  const unknown = [...to.matchAll(TARGET_PLACEHOLDER)].map((m) => m[1]!).filter((name) => !names.includes(name));
  if (unknown.length > 0) problems.push(`the new path uses ${unknown.map((n) => `:${n}`).join(', ')}, which the old path does not have`);
  if (problems.length > 0) return problems;

  const rules = compileAliases([{ from, to }]);
  const slug = rules[0]![0][2];
  const published = [
    ...ROOT_FILES,
    ...[...FEED_FILE_NAMES].flatMap((file) => [
      `/${file}`,
      ...folders.map((folder) => `/${folder}/${typeof slug === 'string' ? slug : 'x'}/${file}`),
    ]),
  ];
  const shadowed = published.filter((file) => aliasTarget(rules, file) !== null);
  if (shadowed.length > 0) problems.push(`the old path would hide ${shadowed.join(', ')}, which Herald publishes`);
  return problems;
}

/**
 * The configuration's `aliases`: an object of old path to new path, a preset name (`"hugo"`, `"jekyll"`,
 * `"wordpress"`), or a list of both; later entries override earlier ones for the same old path. `folders` are the
 * feed kinds' output folders (`tags`...), where no alias may hide a feed. `problems` name `key` and the entry; the
 * aliases are only usable when there are none.
 */
export function parseAliases(value: unknown, folders: readonly string[], key = 'aliases'): { aliases: FeedAlias[]; problems: string[] } {
  const shape = `must be an object of old path to new path such as { "/index.xml": "/rss.xml" }, a preset (${Object.keys(ALIAS_PRESETS)
    .map((name) => `"${name}"`)
    .join(', ')}), or a list of these`;
  const entries = Array.isArray(value) ? value : [value];
  const merged = new Map<string, unknown>();
  const problems: string[] = [];
  for (const entry of entries) {
    if (typeof entry === 'string') {
      const preset = ALIAS_PRESETS[entry];
      if (preset) for (const [from, to] of Object.entries(preset)) merged.set(from, to);
      else problems.push(`${key}: unknown preset ${JSON.stringify(entry)} (known: ${Object.keys(ALIAS_PRESETS).join(', ')})`);
    } else if (typeof entry === 'object' && entry !== null && !Array.isArray(entry)) {
      for (const [from, to] of Object.entries(entry)) merged.set(from, to);
    } else {
      problems.push(`${key}: ${shape}, not ${JSON.stringify(entry)}`);
    }
  }

  const aliases: FeedAlias[] = [];
  for (const [from, to] of merged) {
    const where = `${key}[${JSON.stringify(from)}]`;
    if (typeof to !== 'string') {
      problems.push(`${where}: the new path must be a string such as "/rss.xml", not ${JSON.stringify(to)}`);
      continue;
    }
    const own = aliasProblems(from, to, folders);
    problems.push(...own.map((problem) => `${where}: ${problem}`));
    if (own.length === 0) aliases.push({ from, to });
  }
  if (problems.length > 0) return { aliases, problems };

  // A redirect to another alias would make readers follow a chain, or a loop.
  const rules = compileAliases(aliases);
  for (const { from, to } of aliases) {
    const landing = to.replace(TARGET_PLACEHOLDER, 'x');
    if (!/^https?:/.test(to) && aliasTarget(rules, landing) !== null) {
      problems.push(`${key}[${JSON.stringify(from)}]: the new path ${to} is itself an old path of another alias (a chain or a loop)`);
    }
  }
  const size = Buffer.byteLength(viewerRequestCode(aliases));
  if (size > FUNCTION_CODE_LIMIT) {
    problems.push(
      `${key}: ${aliases.length} aliases make a CloudFront Function of ${size} bytes, over its ${FUNCTION_CODE_LIMIT}-byte limit; use placeholders (:slug) instead of listing paths`,
    );
  }
  return { aliases, problems };
}
