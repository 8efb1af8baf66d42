/**
 * `herald init`: a minimal herald.config.json for a content folder, asking nothing. Values come from Hugo's
 * configuration when there is one (lib/hugo-config.ts), else are guessed from the folder; each written key is printed
 * with where it came from, and the guessed ones are marked for checking. An existing file is never overwritten.
 */
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CONFIG_FILE, ConfigError, DEFAULT_CONFIG, parseConfig } from './config.ts';
import { HeraldError, messageOf } from './errors.ts';
import { type HugoImport, readHugoConfig } from './hugo-config.ts';
import { cleanLine } from './post/text.ts';

/** The init cannot be done (the file exists, the folder is missing); the message says what to do instead. */
export class InitError extends HeraldError {
  override name = 'InitError';
}

/** A baseUrl that can never resolve (RFC 2606), so a config left unedited fails visibly instead of linking elsewhere. */
export const PLACEHOLDER_BASE_URL = 'https://example.invalid/';

/** Written keys come in this order; any other key Hugo gave follows. */
const KEY_ORDER = ['title', 'description', 'baseUrl', 'language', 'timeZone', 'author', 'copyright', 'itemsPerFeed', 'permalink', 'feeds'];

export interface InitFacts {
  /** The site's folder name: the content folder's, or its parent's when it is called `content`. */
  siteName: string;
  /** The host in a GitHub Pages CNAME file, if any. */
  cname?: string;
  /** `--base-url`. */
  baseUrl?: string;
  hugo?: HugoImport;
}

export interface WrittenKey {
  key: string;
  value: unknown;
  /** Where the value came from. */
  source: string;
  /** A guess or a placeholder the user should look at. */
  check: boolean;
}

/** The configuration init writes, each key with its source; it always passes parseConfig. */
export function guessConfig(facts: InitFacts): WrittenKey[] {
  const written = new Map<string, WrittenKey>();
  const set = (key: string, value: unknown, source: string, check = false) => written.set(key, { key, value, source, check });
  const dropped: WrittenKey[] = [];
  for (const { key, from, file } of facts.hugo?.taken ?? []) set(key, facts.hugo!.config[key], `${from} in ${path.basename(file)}`);
  if (facts.baseUrl !== undefined) set('baseUrl', facts.baseUrl, '--base-url');
  // A Hugo value Herald refuses (`baseURL = "/"`) is left out and replaced by a guess, so the file written always loads.
  try {
    parseConfig(JSON.stringify(Object.fromEntries([...written].map(([key, entry]) => [key, entry.value]))), CONFIG_FILE);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.problems) {
      const where = problem.slice(0, problem.indexOf(':'));
      const entry = written.get(where.split('.')[0]!);
      if (entry === undefined) continue;
      written.delete(entry.key);
      dropped.push({ ...entry, source: `not taken from ${entry.source}: ${problem.slice(where.length + 1).trim()}`, check: true });
    }
  }
  // A folder named only with spaces or control characters names no site.
  if (!written.has('title')) set('title', cleanLine(facts.siteName) || 'My site', "the folder's name", true);
  if (!written.has('baseUrl')) {
    if (facts.cname !== undefined) set('baseUrl', `https://${facts.cname}/`, 'the CNAME file', true);
    else set('baseUrl', PLACEHOLDER_BASE_URL, 'a placeholder: set it to the address your posts are served at', true);
  }
  if (!written.has('language')) set('language', DEFAULT_CONFIG.language, "Herald's default: the language of most posts", true);
  if (!written.has('timeZone'))
    set('timeZone', DEFAULT_CONFIG.timeZone, "Herald's default: the zone of front-matter dates without one", true);
  const order = (key: string) => (KEY_ORDER.includes(key) ? KEY_ORDER.indexOf(key) : KEY_ORDER.length);
  return [...[...written.values()].sort((a, b) => order(a.key) - order(b.key)), ...dropped];
}

export interface InitResult {
  file: string;
  /** The file's text. */
  text: string;
  /** What was written and what to check, one line each. */
  lines: string[];
}

/** Writes `configPath` (default `<contentDir>/herald.config.json`); throws InitError when it exists. */
export async function initConfig(contentDir: string, configPath?: string, baseUrl?: string): Promise<InitResult> {
  const dir = path.resolve(contentDir);
  const isFolder = await stat(dir).then(
    (stats) => stats.isDirectory(),
    () => false,
  );
  if (!isFolder) throw new InitError(`${dir}: no such folder; give the folder of your posts with --content <dir>`);
  const file = path.resolve(configPath ?? path.join(dir, CONFIG_FILE));
  const exists = () =>
    new InitError(`${file} already exists; herald init never overwrites it (edit it, or remove it and run herald init again)`);
  if (
    await stat(file).then(
      () => true,
      () => false,
    )
  )
    throw exists();

  const root = path.basename(dir) === 'content' ? path.dirname(dir) : dir;
  const facts: InitFacts = { siteName: path.basename(root) };
  const cname = await readCname(root);
  if (cname !== undefined) facts.cname = cname;
  if (baseUrl !== undefined) facts.baseUrl = baseUrl;
  const hugo = await readHugoConfig(dir);
  if (hugo !== undefined) facts.hugo = hugo;

  const keys = guessConfig(facts);
  const config = Object.fromEntries(keys.filter((entry) => !entry.source.startsWith('not taken')).map((entry) => [entry.key, entry.value]));
  const text = `${JSON.stringify(config, null, 2)}\n`;
  try {
    await writeFile(file, text, { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw exists();
    throw new InitError(`${file}: cannot write (${messageOf(error)})`, { cause: error });
  }
  const width = Math.max(...keys.map((entry) => entry.key.length));
  return {
    file,
    text,
    lines: [
      `herald init: wrote ${file}`,
      ...keys.map((entry) => {
        const value = entry.source.startsWith('not taken') ? '' : `${JSON.stringify(entry.value)}  `;
        return `  ${entry.check ? 'check' : '     '} ${entry.key.padEnd(width)}  ${value}(${entry.source})`;
      }),
      ...(hugo?.notes ?? []).map((note) => `  note: ${note}`),
      'The README\'s "Site configuration" explains every key. Then: herald build --content <dir> --out <dir>',
    ],
  };
}

/** GitHub Pages keeps the site's domain in CNAME, at the root or in Hugo's static/. */
async function readCname(root: string): Promise<string | undefined> {
  for (const file of [path.join(root, 'CNAME'), path.join(root, 'static', 'CNAME')]) {
    const text = await readFile(file, 'utf8').catch(() => undefined);
    const host = text?.trim().split(/\s+/)[0];
    if (host !== undefined && /^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$/i.test(host)) return host.toLowerCase();
  }
  return undefined;
}
