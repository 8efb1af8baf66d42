// Validity over real content: builds the three corpora of ../shared/corpus (all 30,197 bulwark posts included) and checks
// the files written: strict XML, RSS and Atom through two reader libraries, Atom against RFC 4287's RELAX NG schema with
// libxml2, JSON Feed against the 1.1 schema with ajv. Each corpus skips cleanly where it is absent (tests/support/shared-corpus.ts).
// Every subscription document is checked, and archive pages (issue 11, on by default) with them: all of them for
// sofastack and rust-blog; for bulwark, whose pages weigh 1.8 GB with every kind on, the first and newest page of every
// feed and every page of the three feeds with the fewest pages among those with at least three (pages with both
// neighbours). The RFC 5005 and RFC 6721 elements must be in their namespaces; tombstones come from a deletion run.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../lib/config.ts';
import { HISTORY_NS, TOMBSTONES_NS } from '../../lib/feeds/model.ts';
import { rebuild } from '../../lib/pipeline/rebuild.ts';
import { regenerate } from '../../lib/pipeline/regenerate.ts';
import { RECORDS_PREFIX } from '../../lib/index/layout.ts';
import type { PostRecord } from '../../lib/index/records.ts';
import type { RunReport } from '../../lib/pipeline/types.ts';
import { FsStorage } from '../../lib/storage/fs/fs-storage.ts';
import { MemoryStorage } from '../../lib/storage/memory/memory-storage.ts';
import type { Storage } from '../../lib/storage/storage.ts';
import { corpusDir } from '../support/shared-corpus.ts';
import { parseXml, validateFeedFiles, type FeedFile, type XmlElement } from '../support/validate.ts';

const NOW = new Date('2026-11-29T00:00:00Z');

interface Corpus {
  name: 'bulwark' | 'sofastack' | 'rust-blog';
  config: Record<string, unknown>;
  /** Every post of these corpora is publishable, bar the few the assertions name. */
  minPublished: number;
  /** Feeds of the opt-in kinds (every kind is on) the corpus must give, among others. */
  someFeeds: string[];
}

/** Every kind of feed on, so each one is validated over real content. */
const ALL_KINDS = { sections: true, languages: true, authors: true };

const CORPORA: Corpus[] = [
  {
    name: 'bulwark',
    config: {
      title: 'Bulwark (test only)',
      description: 'test',
      baseUrl: 'https://bulwark.invalid/',
      language: 'en',
      timeZone: 'Asia/Shanghai',
      feeds: ALL_KINDS,
    },
    minPublished: 30_197,
    // One content folder per language (en/news/, zh-CN/news/, zh-HK/news/): three languages, one section.
    someFeeds: ['languages/en/', 'languages/zh-cn/', 'languages/zh-hk/', 'sections/news/'],
  },
  {
    name: 'sofastack',
    config: {
      title: 'SOFAStack',
      description: 'test',
      baseUrl: 'https://sofastack.invalid/',
      language: 'zh-CN',
      timeZone: 'Asia/Shanghai',
      feeds: ALL_KINDS,
    },
    minPublished: 450,
    someFeeds: ['languages/en/', 'languages/zh/', 'sections/blog/', 'authors/'],
  },
  {
    name: 'rust-blog',
    config: {
      title: 'Rust Blog',
      description: 'test',
      baseUrl: 'https://blog.rust-lang.invalid/',
      language: 'en',
      timeZone: 'UTC',
      feeds: ALL_KINDS,
    },
    minPublished: 700,
    someFeeds: ['languages/en/', 'sections/inside-rust/', 'authors/'],
  },
];

async function build(corpus: Corpus, dir: string, feeds: Storage, content: Storage = new FsStorage(`${dir}/content`)): Promise<RunReport> {
  return rebuild({ content, feeds, state: new MemoryStorage(), site: siteOf(corpus), now: () => NOW });
}

const siteOf = (corpus: Corpus) => parseConfig(JSON.stringify(corpus.config), `${corpus.name} test config`);

async function readAll(storage: Storage, wanted: (key: string) => boolean = () => true): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for await (const { key } of storage.list()) {
    if (!wanted(key)) continue;
    const object = await storage.get(key);
    files.set(key, new TextDecoder().decode(object!.body));
  }
  return files;
}

const FEED_FILE = /(^|\/)(rss\.xml|atom\.xml|feed\.json)$/;
const ARCHIVE_PAGE = /^(.*?)archive\/(\d+)\/[^/]+$/;

/** The archive pages to validate: every one, or (`sampled`) the first and newest of each feed and all of a few feeds. */
function archivePagesToCheck(keys: string[], sampled: boolean): Set<string> {
  const pages = new Map<string, number>();
  for (const key of keys) {
    const match = ARCHIVE_PAGE.exec(key);
    if (match && FEED_FILE.test(key)) pages.set(match[1]!, Math.max(pages.get(match[1]!) ?? 0, Number(match[2])));
  }
  const whole = sampled
    ? [...pages]
        .filter(([, count]) => count >= 3)
        .sort(([a, x], [b, y]) => x - y || (a < b ? -1 : 1))
        .slice(0, 3)
        .map(([dir]) => dir)
    : [...pages.keys()];
  return new Set(
    keys.filter((key) => {
      const match = ARCHIVE_PAGE.exec(key);
      if (!match || !FEED_FILE.test(key)) return false;
      const page = Number(match[2]);
      return whole.includes(match[1]!) || page === 1 || page === pages.get(match[1]!);
    }),
  );
}

/**
 * RFC 5005's and RFC 6721's elements in their namespaces, where RFC 5005 puts them (the channel's or the feed's
 * children): an archive page says `fh:archive`, a subscription document `fh:complete` unless it links an archive page.
 */
function historyProblems(path: string, body: string): string[] {
  const doc = parseXml(body);
  if ('error' in doc) return [];
  const head = doc.root.local === 'rss' ? (doc.root.children.find((c) => c.local === 'channel') ?? doc.root) : doc.root;
  const problems: string[] = [];
  const prefixed = (element: XmlElement, prefix: string, uri: string) => {
    if (element.name.startsWith(`${prefix}:`) && element.uri !== uri)
      problems.push(`${path}: <${element.name}> is in ${element.uri}, not ${uri}`);
    for (const child of element.children) prefixed(child, prefix, uri);
  };
  prefixed(doc.root, 'fh', HISTORY_NS);
  prefixed(doc.root, 'at', TOMBSTONES_NS);
  const markers = head.children.filter((c) => c.uri === HISTORY_NS).map((c) => c.local);
  const archived = ARCHIVE_PAGE.test(path);
  const linksArchive = head.children.some((c) => c.local === 'link' && c.attributes.rel === 'prev-archive');
  const expected = archived ? ['archive'] : linksArchive ? [] : ['complete'];
  if (markers.join() !== expected.join())
    problems.push(`${path}: fh markers ${JSON.stringify(markers)}, expected ${JSON.stringify(expected)}`);
  return problems;
}

/** A hang guard, not a speed target (bench/ has those): the bulwark build and its checks take seconds here. */
const HANG_GUARD_MS = 10 * 60_000;

describe('real corpora build into valid feeds', () => {
  for (const corpus of CORPORA) {
    const dir = corpusDir(corpus.name);
    it.skipIf(!dir)(`${corpus.name}: every post read, every output file valid`, { timeout: HANG_GUARD_MS }, async () => {
      const feeds = new MemoryStorage();
      const report = await build(corpus, dir!, feeds);
      const keys: string[] = [];
      for await (const { key } of feeds.list()) keys.push(key);
      const pages = archivePagesToCheck(keys, corpus.name === 'bulwark');
      const files = await readAll(feeds, (key) => !ARCHIVE_PAGE.test(key) || pages.has(key));

      expect(report.failed).toEqual([]);
      expect(report.posts.published).toBeGreaterThanOrEqual(corpus.minPublished);
      for (const error of report.posts.rejected) expect(error.message).toContain(error.key);

      const feedFiles: FeedFile[] = [...files].filter(([key]) => FEED_FILE.test(key)).map(([key, body]) => ({ path: key, body }));
      expect(feedFiles.length).toBeGreaterThanOrEqual(3);
      expect(feedFiles.length % 3).toBe(0);
      for (const folder of corpus.someFeeds)
        expect(feedFiles.filter(({ path }) => path.startsWith(folder)).length, folder).toBeGreaterThanOrEqual(3);
      // Every corpus is long enough for its site feed to have pages: the oldest and the newest at least.
      expect(pages.has('archive/1/atom.xml') && pages.size % 3 === 0 && pages.size >= 6).toBe(true);
      expect(await validateFeedFiles(feedFiles)).toEqual([]);
      expect(feedFiles.filter(({ path }) => !path.endsWith('.json')).flatMap(({ path, body }) => historyProblems(path, body))).toEqual([]);

      const opml = parseXml(files.get('feeds.opml') ?? '');
      expect('error' in opml ? opml.error : opml.root.name).toBe('opml');
      expect(files.get('index.html')).toMatch(/^<!DOCTYPE html>/i);
    });
  }

  const sofastack = corpusDir('sofastack');
  it.skipIf(!sofastack)(
    'sofastack: a second build into the same tree writes nothing and gives identical bytes',
    { timeout: HANG_GUARD_MS },
    async () => {
      const corpus = CORPORA[1]!;
      const first = new MemoryStorage();
      await build(corpus, sofastack!, first);
      const before = await readAll(first);
      const again = await build(corpus, sofastack!, first);
      expect(again.feeds.written).toEqual([]);
      const fresh = new MemoryStorage();
      await build(corpus, sofastack!, fresh);
      expect(await readAll(fresh)).toEqual(before);
      expect(await readAll(first)).toEqual(before);
    },
  );

  it.skipIf(!sofastack)(
    'sofastack: a deleted post is announced in Atom (RFC 6721) by valid documents, in the tombstones namespace',
    { timeout: HANG_GUARD_MS },
    async () => {
      const corpus = CORPORA[1]!;
      const content = new MemoryStorage();
      const source = new FsStorage(`${sofastack!}/content`);
      for await (const { key } of source.list()) await content.put(key, (await source.get(key))!.body);
      const feeds = new MemoryStorage();
      const state = new MemoryStorage();
      const deps = { content, feeds, state, site: siteOf(corpus), now: () => NOW };
      await rebuild(deps);
      // The oldest post sits on archive page 1 of its feeds: its deletion rewrites sealed pages too.
      const listed: PostRecord[] = [];
      for await (const { key } of state.list(RECORDS_PREFIX)) {
        const record = JSON.parse(new TextDecoder().decode((await state.get(key))!.body)) as PostRecord;
        if (record.listed && record.meta) listed.push(record);
      }
      const victim = listed.reduce((a, b) => (a.meta!.date <= b.meta!.date ? a : b)).key;
      await content.delete(victim);
      const report = await regenerate(deps, [victim]);
      expect(report.failed).toEqual([]);
      const written = report.feeds.written.filter((key) => FEED_FILE.test(key));
      const files = await readAll(feeds, (key) => written.includes(key));
      const atom = [...files].filter(([key]) => key.endsWith('atom.xml'));
      expect(atom.some(([, body]) => body.includes('<at:deleted-entry '))).toBe(true);
      expect(written.some((key) => key.startsWith('archive/1/'))).toBe(true);
      const feedFiles = [...files].map(([path, body]) => ({ path, body }));
      expect(await validateFeedFiles(feedFiles)).toEqual([]);
      expect(feedFiles.filter(({ path }) => !path.endsWith('.json')).flatMap(({ path, body }) => historyProblems(path, body))).toEqual([]);
    },
  );
});
