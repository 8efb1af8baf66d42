/**
 * Feed validity harness, built to check thousands of files in one call:
 * - every XML file: strict well-formedness and namespaces (saxes, xmlns on);
 * - Atom: RFC 4287's RELAX NG schema (tests/fixtures/schemas/atom.rng) with libxml2's validator, compiled to
 *   WebAssembly (npm xmllint-wasm: nothing to install beyond npm), plus the schema's two Schematron rules, which
 *   RELAX NG validators do not run (entry author, entry link/content);
 * - RSS 2.0 (no schema exists): the structure the spec requires (channel title, link and
 *   description; items with a title or description; RFC 822 dates; typed enclosures; self link);
 * - RSS and Atom: two real reader libraries (rss-parser, @rowanmanning/feed-parser) must parse
 *   the file and see the same items, with the same titles, as the strict parse;
 * - JSON Feed: JSON Feed 1.1's schema (jsonfeed-schema) with ajv, plus our strict 1.1 overlay.
 * The format comes from the file name (`rss.xml`, `atom.xml`, `feed.json`) or else its root element.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { parseFeed } from '@rowanmanning/feed-parser';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import RssParser from 'rss-parser';
import { SaxesParser } from 'saxes';
import { memoryPages, validateXML } from 'xmllint-wasm';

export interface FeedFile {
  /** Where the file lives (storage key or file path); problems name it. */
  path: string;
  body: string;
  /** Item titles the file must contain, in order; checked when given. */
  titles?: string[];
}

export type Check = 'xml' | 'atom-schema' | 'atom-rules' | 'rss-structure' | 'rss-parser' | 'feed-parser' | 'json-feed' | 'titles';

export interface Problem {
  path: string;
  check: Check;
  message: string;
}

const ATOM_NS = 'http://www.w3.org/2005/Atom';
const SCHEMAS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/schemas');
const ATOM_SCHEMA = path.join(SCHEMAS, 'atom.rng');
const RELAX_NG_BATCH_BYTES = 32 * 1024 * 1024;

export async function validateFeedFiles(files: FeedFile[]): Promise<Problem[]> {
  const problems: Problem[] = [];
  const atomFiles: FeedFile[] = [];
  const pending: Promise<Problem[]>[] = [];
  for (const file of files) {
    if (file.path.endsWith('.json')) {
      problems.push(...checkJsonFeed(file));
      continue;
    }
    const doc = parseXml(file.body);
    if ('error' in doc) {
      problems.push({ path: file.path, check: 'xml', message: doc.error });
      continue;
    }
    const isAtom = doc.root.uri === ATOM_NS && doc.root.local === 'feed';
    const isRss = doc.root.uri === '' && doc.root.local === 'rss';
    if (!isAtom && !isRss) {
      problems.push({ path: file.path, check: 'xml', message: `root element <${doc.root.name}> is neither RSS nor Atom` });
      continue;
    }
    const items = isAtom ? atomChecks(file, doc.root, problems) : rssChecks(file, doc.root, problems);
    if (file.titles)
      compareTitles(
        file,
        'titles',
        file.titles,
        items.map((i) => i.title),
        problems,
      );
    if (isAtom) atomFiles.push(file);
    pending.push(readerChecks(file, items));
  }
  const schema = relaxNg(atomFiles);
  for (const found of await Promise.all([...pending, schema])) problems.push(...found);
  return problems;
}

// ---------------------------------------------------------------- strict XML

export interface XmlElement {
  name: string;
  uri: string;
  local: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  /** Direct character data (text and CDATA). */
  text: string;
}

/** Strict (saxes, namespaces on) parse into a small element tree, or the first well-formedness error. */
export function parseXml(body: string): { root: XmlElement } | { error: string } {
  const parser = new SaxesParser({ xmlns: true, position: true });
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let error: string | undefined;
  parser.on('error', (err) => {
    error ??= err.message;
  });
  parser.on('opentag', (tag) => {
    const attributes: Record<string, string> = {};
    for (const attr of Object.values(tag.attributes)) attributes[attr.name] = attr.value;
    const element: XmlElement = { name: tag.name, uri: tag.uri, local: tag.local, attributes, children: [], text: '' };
    stack.at(-1)?.children.push(element);
    root ??= element;
    stack.push(element);
  });
  parser.on('closetag', () => {
    stack.pop();
  });
  const addText = (text: string) => {
    const current = stack.at(-1);
    if (current) current.text += text;
  };
  parser.on('text', addText);
  parser.on('cdata', addText);
  parser.write(body).close();
  if (error !== undefined) return { error };
  if (!root) return { error: 'no root element' };
  return { root };
}

/** Descendants of `el` along a path of local names, e.g. `select(rss, 'channel/item/title')`. */
export function select(el: XmlElement, path: string): XmlElement[] {
  return path.split('/').reduce((found, local) => found.flatMap((e) => e.children.filter((c) => c.local === local)), [el]);
}

const child = (el: XmlElement, local: string, uri = el.uri) => el.children.find((c) => c.local === local && c.uri === uri);
const children = (el: XmlElement, local: string, uri = el.uri) => el.children.filter((c) => c.local === local && c.uri === uri);

// ---------------------------------------------------------------- RSS

const RFC822 =
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} (GMT|UT|[+-]\d{4})$/;

interface SeenItem {
  id: string | undefined;
  title: string;
}

function rssChecks(file: FeedFile, rss: XmlElement, problems: Problem[]): SeenItem[] {
  const problem = (message: string) => problems.push({ path: file.path, check: 'rss-structure', message });
  if (rss.attributes.version !== '2.0') problem(`rss version is ${JSON.stringify(rss.attributes.version)}, not "2.0"`);
  const channel = child(rss, 'channel');
  if (!channel) {
    problem('no <channel>');
    return [];
  }
  for (const required of ['title', 'link', 'description']) {
    if (!child(channel, required)) problem(`channel has no <${required}>`);
  }
  for (const dateName of ['lastBuildDate', 'pubDate']) {
    const date = child(channel, dateName);
    if (date && !RFC822.test(date.text)) problem(`channel <${dateName}> ${JSON.stringify(date.text)} is not an RFC 822 date`);
  }
  const self = children(channel, 'link', ATOM_NS).find((l) => l.attributes.rel === 'self');
  if (!self) problem('channel has no atom:link rel="self"');
  else if (self.attributes.type !== 'application/rss+xml') problem('atom:link rel="self" lacks type="application/rss+xml"');
  return children(channel, 'item').map((item, index) => {
    const where = `item ${index + 1}`;
    const title = child(item, 'title');
    if (!title && !child(item, 'description')) problem(`${where} has neither <title> nor <description>`);
    const pubDate = child(item, 'pubDate');
    if (pubDate && !RFC822.test(pubDate.text)) problem(`${where} <pubDate> ${JSON.stringify(pubDate.text)} is not an RFC 822 date`);
    for (const enclosure of children(item, 'enclosure')) {
      const { url, length, type } = enclosure.attributes;
      if (!url || length === undefined || !/^\d+$/.test(length) || !type || !/^[^/\s]+\/[^/\s]+$/.test(type)) {
        problem(`${where} <enclosure> needs url, a numeric length and a media type: ${JSON.stringify(enclosure.attributes)}`);
      }
    }
    return { id: child(item, 'guid')?.text, title: title?.text ?? '' };
  });
}

// ---------------------------------------------------------------- Atom

/** The Schematron rules of RFC 4287's schema; RELAX NG checks only the grammar. */
function atomChecks(file: FeedFile, feed: XmlElement, problems: Problem[]): SeenItem[] {
  const problem = (message: string) => problems.push({ path: file.path, check: 'atom-rules', message });
  const feedHasAuthor = children(feed, 'author').length > 0;
  if (!children(feed, 'link').some((l) => l.attributes.rel === 'self')) problem('feed has no link rel="self"');
  return children(feed, 'entry').map((entry, index) => {
    const links = children(entry, 'link');
    if (!links.some((l) => (l.attributes.rel ?? 'alternate') === 'alternate') && !child(entry, 'content')) {
      problem(`entry ${index + 1} has neither a rel="alternate" link nor content`);
    }
    if (!feedHasAuthor && !child(entry, 'author')) problem(`entry ${index + 1} has no author and neither has the feed`);
    return { id: child(entry, 'id')?.text, title: child(entry, 'title')?.text ?? '' };
  });
}

/**
 * One xmllint run (one WebAssembly instance in one worker) per batch: starting one took 90 ms here, checking a
 * 20-entry feed in a batch under 1 ms, and the corpora give thousands. Batches are bounded in bytes because every
 * file sits in the instance's memory.
 */
async function relaxNg(files: FeedFile[]): Promise<Problem[]> {
  const problems: Problem[] = [];
  for (const { batch, bytes } of batches(files, RELAX_NG_BATCH_BYTES)) {
    // Our own names: xmllint's output starts each line with one, and storage keys may contain `:`.
    const names = new Map(batch.map((file, i) => [`${i}.xml`, file.path]));
    const result = await validateXML({
      xml: batch.map((file, i) => ({ fileName: `${i}.xml`, contents: file.body })),
      schema: { fileName: 'atom.rng', contents: atomSchema() },
      extension: 'relaxng',
      maxMemoryPages: Math.min(memoryPages.max, memoryPages.defaultMaxMemoryPages + Math.ceil((4 * bytes) / 65_536)),
    });
    // Files are checked in order and each ends with a verdict line; some errors lack a file name and belong to the next one.
    let pending: string[] = [];
    for (const line of result.rawOutput.split('\n')) {
      const match = /^(\d+\.xml)(?::(\d+): (.*)| (validates|fails to validate))$/.exec(line);
      if (!match) {
        if (line) pending.push(line);
      } else if (match[2]) {
        pending.push(`line ${match[2]}: ${match[3]}`);
      } else {
        if (match[4] === 'fails to validate' && pending.length === 0) pending.push('fails to validate');
        for (const message of pending) problems.push({ path: names.get(match[1]!)!, check: 'atom-schema', message });
        pending = [];
      }
    }
    if (pending.length > 0) throw new Error(`xmllint said what the harness cannot place:\n${result.rawOutput}`);
  }
  return problems;
}

function* batches(files: FeedFile[], maxBytes: number): Generator<{ batch: FeedFile[]; bytes: number }> {
  let batch: FeedFile[] = [];
  let bytes = 0;
  for (const file of files) {
    const size = Buffer.byteLength(file.body);
    if (batch.length > 0 && bytes + size > maxBytes) {
      yield { batch, bytes };
      batch = [];
      bytes = 0;
    }
    batch.push(file);
    bytes += size;
  }
  if (batch.length > 0) yield { batch, bytes };
}

let atomSchemaText: string | undefined;
const atomSchema = () => (atomSchemaText ??= readFileSync(ATOM_SCHEMA, 'utf8'));

// ---------------------------------------------------------------- readers

const rssParser = new RssParser();

async function readerChecks(file: FeedFile, items: SeenItem[]): Promise<Problem[]> {
  const problems: Problem[] = [];
  const expected = items.map((i) => i.title);
  try {
    const feed = await rssParser.parseString(file.body);
    compareTitles(
      file,
      'rss-parser',
      expected,
      feed.items.map((i) => i.title ?? ''),
      problems,
    );
  } catch (err) {
    problems.push({ path: file.path, check: 'rss-parser', message: `cannot parse: ${(err as Error).message}` });
  }
  try {
    const feed = parseFeed(file.body);
    compareTitles(
      file,
      'feed-parser',
      expected,
      feed.items.map((i) => i.title ?? ''),
      problems,
    );
    const ids = feed.items.map((i) => i.id);
    const expectedIds = items.map((i) => i.id?.trim() ?? null);
    if (JSON.stringify(ids) !== JSON.stringify(expectedIds)) {
      problems.push({
        path: file.path,
        check: 'feed-parser',
        message: `item ids ${JSON.stringify(ids)}, expected ${JSON.stringify(expectedIds)}`,
      });
    }
  } catch (err) {
    problems.push({ path: file.path, check: 'feed-parser', message: `cannot parse: ${(err as Error).message}` });
  }
  return problems;
}

/** Readers trim and fold whitespace in titles; that is not a disagreement. */
const fold = (title: string) => title.replace(/\s+/g, ' ').trim();

/**
 * feed-parser decodes HTML entities in titles a second time (for feeds that double-escape), so
 * a title that literally reads `&amp;` reaches its users as `&`. That is the reader's choice, not
 * our error: its own decoder, html-entities, is used to tell the two apart.
 */
const readerDecode = createRequire(createRequire(import.meta.url).resolve('@rowanmanning/feed-parser'))('html-entities').decode as (
  text: string,
) => string;

function compareTitles(file: FeedFile, check: Check, expected: string[], seen: string[], problems: Problem[]): void {
  if (seen.length !== expected.length) {
    problems.push({ path: file.path, check, message: `${seen.length} items, expected ${expected.length}` });
    return;
  }
  expected.forEach((title, i) => {
    const got = fold(seen[i]!);
    if (got !== fold(title) && !(check === 'feed-parser' && got === fold(readerDecode(title)))) {
      problems.push({
        path: file.path,
        check,
        message: `item ${i + 1} title ${JSON.stringify(seen[i])}, expected ${JSON.stringify(title)}`,
      });
    }
  });
}

// ---------------------------------------------------------------- JSON Feed

let jsonFeedValidators: ValidateFunction[] | undefined;

function jsonFeedSchemas(): ValidateFunction[] {
  if (!jsonFeedValidators) {
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats.default(ajv);
    const published = createRequire(import.meta.url)('jsonfeed-schema/v1.1') as object;
    const strict = JSON.parse(readFileSync(path.join(SCHEMAS, 'jsonfeed-1.1-strict.json'), 'utf8')) as object;
    jsonFeedValidators = [ajv.compile(published), ajv.compile(strict)];
  }
  return jsonFeedValidators;
}

function checkJsonFeed(file: FeedFile): Problem[] {
  let doc: unknown;
  try {
    doc = JSON.parse(file.body);
  } catch (err) {
    return [{ path: file.path, check: 'json-feed', message: `not JSON: ${(err as Error).message}` }];
  }
  const problems: Problem[] = [];
  for (const validate of jsonFeedSchemas()) {
    if (!validate(doc)) {
      for (const e of validate.errors ?? []) {
        problems.push({
          path: file.path,
          check: 'json-feed',
          message: `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`,
        });
      }
    }
  }
  if (file.titles && problems.length === 0) {
    const items = (doc as { items: { title?: string }[] }).items;
    compareTitles(
      file,
      'titles',
      file.titles,
      items.map((i) => i.title ?? ''),
      problems,
    );
  }
  return problems;
}
