/**
 * Splits a post into front matter and Markdown body with gray-matter, with engines of our own:
 * YAML 1.2 through `yaml` (core schema, aliases capped, unique keys, no tags beyond the core
 * ones) for `---`, TOML through `smol-toml` for `+++`. gray-matter's JavaScript engine `eval`s
 * `---js` front matter, so any language named after the opening delimiter other than YAML/TOML is
 * refused before gray-matter sees the file, and the engines it could fall back to are replaced by
 * ones that refuse. Options are always passed: without them gray-matter caches and shares results.
 */
import matter from 'gray-matter';
import { parse as parseToml } from 'smol-toml';
import { parseFlatYaml } from './flat-yaml.ts';
import { parseDocument, type Document, type DocumentOptions, type ParseOptions, type SchemaOptions, type ToJSOptions } from 'yaml';
import { firstLine, HeraldError, messageOf } from '../errors.ts';

/** The front matter cannot be read; the message says why (it becomes a PostError reason). */
export class FrontMatterError extends HeraldError {
  override name = 'FrontMatterError';
}

export interface FrontMatter {
  format: 'yaml' | 'toml';
  data: Record<string, unknown>;
  /** Markdown after the closing delimiter. */
  body: string;
}

/** Aliases per document. Real front matter uses a handful; a billion-laughs bomb needs thousands. */
export const MAX_YAML_ALIASES = 100;

const YAML_OPTIONS: ParseOptions & DocumentOptions & SchemaOptions & ToJSOptions = {
  version: '1.2',
  schema: 'core',
  customTags: [],
  // The YAML 1.1 tags (!!binary, !!timestamp, !!set...) stay unresolved: a warning, refused below.
  resolveKnownTags: false,
  merge: false,
  uniqueKeys: true,
  maxAliasCount: MAX_YAML_ALIASES,
  prettyErrors: false,
  logLevel: 'silent',
};

function parseYaml(source: string): object {
  const flat = parseFlatYaml(source);
  if (flat) return flat;
  const doc = parseDocument(source, YAML_OPTIONS);
  if (doc.errors.length > 0) {
    // Hand-written front matter often continues a quoted string at column 0 (sofastack has 7
    // such posts). YAML 1.2 requires indentation there, but libyaml, PyYAML and Go's yaml.v2,
    // which these sites were built with, read it as a continuation line, and so does Herald.
    const indented = indentQuotedContinuations(source);
    if (indented !== undefined) {
      const retry = parseDocument(indented, YAML_OPTIONS);
      if (retry.errors.length === 0) return toObject(retry, indented);
    }
  }
  return toObject(doc, source);
}

function toObject(doc: Document.Parsed, source: string): object {
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem) {
    const before = source.slice(0, problem.pos[0]);
    const line = before.split('\n').length;
    throw new FrontMatterError(
      `malformed YAML front matter${where(line, before.length - before.lastIndexOf('\n'))}: ${firstLine(problem.message)}`,
      { cause: problem },
    );
  }
  try {
    return doc.toJS(YAML_OPTIONS) as object;
  } catch (error) {
    // toJS throws on an alias bomb ("Excessive alias count indicates a resource exhaustion attack").
    throw new FrontMatterError(`malformed YAML front matter: ${firstLine(messageOf(error))}`, { cause: error });
  }
}

/**
 * The source with one space added before each unindented line inside a quoted value of a
 * top-level key; undefined when there is no such line.
 */
export function indentQuotedContinuations(source: string): string | undefined {
  let open: string | undefined;
  let changed = false;
  const lines = source.split('\n').map((line) => {
    let from = 0;
    if (open === undefined) {
      const start = /^[A-Za-z_][\w-]*:[ \t]+(["'])/.exec(line);
      if (!start) return line;
      open = start[1]!;
      from = start[0].length;
    } else if (line !== '' && line[0] !== ' ' && line[0] !== '\t') {
      line = ` ${line}`;
      from = 1;
      changed = true;
    }
    open = stillOpen(line, from, open);
    return line;
  });
  return changed ? lines.join('\n') : undefined;
}

/** Scans a quoted scalar from `from`: the quote if it is still open at the end of the line. */
function stillOpen(line: string, from: number, quote: string): string | undefined {
  for (let i = from; i < line.length; i++) {
    const char = line[i];
    if (quote === '"' && char === '\\') i++;
    else if (char === quote) {
      if (quote === "'" && line[i + 1] === "'") i++;
      else return undefined;
    }
  }
  return quote;
}

function parseTomlFrontMatter(source: string): object {
  try {
    return parseToml(source);
  } catch (error) {
    const { line, column } = error as { line?: number; column?: number };
    throw new FrontMatterError(`malformed TOML front matter${where(line, column)}: ${firstLine(messageOf(error))}`, {
      cause: error,
    });
  }
}

function refuse(): never {
  throw new FrontMatterError('front matter language not supported');
}

const ENGINES = { yaml: parseYaml, toml: parseTomlFrontMatter, javascript: refuse, js: refuse, coffee: refuse, json: refuse };

const DELIMITERS = { '---': 'yaml', '+++': 'toml' } as const;
const LANGUAGES: Record<'yaml' | 'toml', readonly string[]> = { yaml: ['', 'yaml', 'yml'], toml: ['', 'toml'] };

/**
 * Front matter and body of a post's text (BOM and CRLF are handled). Throws FrontMatterError for
 * an empty file, a file without front matter, an unclosed block, another language, a parse error
 * or front matter that is not a mapping.
 */
export function splitFrontMatter(input: string): FrontMatter {
  let text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  if (text.includes('\r')) text = text.replace(/\r\n?/g, '\n');
  if (text.trim() === '') throw new FrontMatterError('empty file');

  const opener = text.slice(0, 3);
  const format = opener === '---' || opener === '+++' ? DELIMITERS[opener] : undefined;
  const firstLineEnd = text.indexOf('\n');
  const language = text.slice(3, firstLineEnd === -1 ? text.length : firstLineEnd).trim();
  if (format === undefined || /^[-+]/.test(language)) {
    throw new FrontMatterError('no front matter (the file must start with a --- YAML or +++ TOML block)');
  }
  if (!LANGUAGES[format].includes(language.toLowerCase())) {
    throw new FrontMatterError(
      `front matter language ${JSON.stringify(language)} is not supported (only --- YAML and +++ TOML; code is never run)`,
    );
  }
  // gray-matter closes the block at the first "\n---" (or "\n+++"); Hugo accepts trailing spaces
  // after it (sofastack has "--- "), but anything else there means the block is malformed.
  const close = firstLineEnd === -1 ? -1 : text.indexOf(`\n${opener}`, firstLineEnd);
  if (close === -1) throw new FrontMatterError(`front matter is not closed (no ${opener} line after the opening one)`);
  const closeLineEnd = text.indexOf('\n', close + 1);
  const closeLine = text.slice(close + 1, closeLineEnd === -1 ? text.length : closeLineEnd);
  if (closeLine.trimEnd() !== opener)
    throw new FrontMatterError(`malformed front matter: the closing line is ${JSON.stringify(closeLine)}, expected ${opener}`);

  // Only the block goes through gray-matter: it copies and hashes whatever it is given, and the
  // body needs nothing from it.
  let data: unknown;
  try {
    data = matter(text.slice(0, close + 1 + opener.length), { language: format, delimiters: opener, engines: ENGINES }).data;
  } catch (error) {
    if (error instanceof FrontMatterError) throw error;
    throw new FrontMatterError(`malformed front matter: ${firstLine(messageOf(error))}`, { cause: error });
  }
  data ??= {};
  if (typeof data !== 'object' || Array.isArray(data) || data instanceof Date) {
    throw new FrontMatterError(`front matter must be a mapping of keys to values, not ${Array.isArray(data) ? 'a list' : typeof data}`);
  }
  return { format, data: data as Record<string, unknown>, body: closeLineEnd === -1 ? '' : text.slice(closeLineEnd + 1) };
}

/**
 * ` (line 3, column 8)`. gray-matter hands the engines the block from just after the opening
 * delimiter, newline included, so the block's line numbers are the file's.
 */
function where(line: number | undefined, column: number | undefined): string {
  return line === undefined ? '' : ` (line ${line}${column === undefined ? '' : `, column ${column}`})`;
}
