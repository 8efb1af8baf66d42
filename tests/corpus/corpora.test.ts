// Validity over real content: builds the three corpora of ../shared/corpus (all 30,197 bulwark posts included) and checks
// every file written: strict XML, RSS and Atom through two reader libraries, Atom against RFC 4287's RELAX NG schema with
// libxml2, JSON Feed against the 1.1 schema with ajv. Each corpus skips cleanly where it is absent (tests/support/shared-corpus.ts).
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../lib/config.ts';
import { rebuild } from '../../lib/pipeline/rebuild.ts';
import type { RunReport } from '../../lib/pipeline/types.ts';
import { FsStorage } from '../../lib/storage/fs/fs-storage.ts';
import { MemoryStorage } from '../../lib/storage/memory/memory-storage.ts';
import type { Storage } from '../../lib/storage/storage.ts';
import { corpusDir } from '../support/shared-corpus.ts';
import { parseXml, validateFeedFiles, type FeedFile } from '../support/validate.ts';

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

async function build(corpus: Corpus, dir: string, feeds: Storage): Promise<RunReport> {
  return rebuild({
    content: new FsStorage(`${dir}/content`),
    feeds,
    state: new MemoryStorage(),
    site: parseConfig(JSON.stringify(corpus.config), `${corpus.name} test config`),
    now: () => NOW,
  });
}

async function readAll(storage: Storage): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for await (const { key } of storage.list()) {
    const object = await storage.get(key);
    files.set(key, new TextDecoder().decode(object!.body));
  }
  return files;
}

/** A hang guard, not a speed target (bench/ has those): the bulwark build and its checks take seconds here. */
const HANG_GUARD_MS = 10 * 60_000;

describe('real corpora build into valid feeds', () => {
  for (const corpus of CORPORA) {
    const dir = corpusDir(corpus.name);
    it.skipIf(!dir)(`${corpus.name}: every post read, every output file valid`, { timeout: HANG_GUARD_MS }, async () => {
      const feeds = new MemoryStorage();
      const report = await build(corpus, dir!, feeds);
      const files = await readAll(feeds);

      expect(report.failed).toEqual([]);
      expect(report.posts.published).toBeGreaterThanOrEqual(corpus.minPublished);
      for (const error of report.posts.rejected) expect(error.message).toContain(error.key);

      const feedFiles: FeedFile[] = [...files]
        .filter(([key]) => /(^|\/)(rss\.xml|atom\.xml|feed\.json)$/.test(key))
        .map(([key, body]) => ({ path: key, body }));
      expect(feedFiles.length).toBeGreaterThanOrEqual(3);
      expect(feedFiles.length % 3).toBe(0);
      for (const folder of corpus.someFeeds)
        expect(feedFiles.filter(({ path }) => path.startsWith(folder)).length, folder).toBeGreaterThanOrEqual(3);
      expect(await validateFeedFiles(feedFiles)).toEqual([]);

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
});
