// Feed history over real content (issue 11): builds bulwark (30,197 posts, ../shared/tools/bulwark.json) and walks every
// feed, in each format, from its subscription document to its oldest archive page: RSS and Atom through `prev-archive`,
// JSON Feed through `next_url`. Each walk must meet every published post of the feed exactly once, newest first, with
// every page where RFC 5005 says it is. What a feed must hold comes from the index's post records (a post's item and
// metadata, placed with feedsOf), not from the archive state that cut the pages. Skips where ../shared is absent.
// The walk reads links and ids with patterns, not a full XML parse (a gigabyte of pages): corpora.test.ts holds the
// pages to the validity harness, whose reader checks see the same ids as a strict parse.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSiteConfig, type SiteConfig } from '../../lib/config.ts';
import { FEED_FILES, type FeedFormat } from '../../lib/feeds/types.ts';
import { comparePositions, feedsOf } from '../../lib/index/entries.ts';
import type { FeedId } from '../../lib/index/feed-id.ts';
import { RECORDS_PREFIX } from '../../lib/index/layout.ts';
import type { PostRecord } from '../../lib/index/records.ts';
import { feedDir } from '../../lib/pipeline/outputs.ts';
import { rebuild } from '../../lib/pipeline/rebuild.ts';
import { defaultJobs, threadedWork } from '../../lib/pipeline/threads.ts';
import { FsStorage } from '../../lib/storage/fs/fs-storage.ts';
import { MemoryStorage } from '../../lib/storage/memory/memory-storage.ts';
import type { Storage } from '../../lib/storage/storage.ts';
import { corpusDir } from '../support/shared-corpus.ts';

const NOW = new Date('2026-11-29T00:00:00Z');
const dir = corpusDir('bulwark');
const config = dir && path.resolve(dir, '../../tools/bulwark.json');

/** A hang guard: the build takes most of the time (seconds to a minute here, more on a loaded machine). */
const HANG_GUARD_MS = 10 * 60_000;

/** One document as the walk sees it: its RFC 5005 marker and links, and its items' ids in order. */
interface Document {
  marker?: 'archive' | 'complete';
  links: Map<string, string>;
  ids: string[];
}

const decoder = new TextDecoder();

function unescapeXml(text: string): string {
  return text.replace(/&(?:#x([0-9a-f]+)|#(\d+)|(amp|lt|gt|quot|apos));/gi, (_, hex, dec, name) =>
    hex ? String.fromCodePoint(Number.parseInt(hex, 16)) : dec ? String.fromCodePoint(Number(dec)) : XML_ENTITIES[name as string]!,
  );
}
const XML_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function attributes(text: string): Record<string, string> {
  return Object.fromEntries([...text.matchAll(/([\w:-]+)="([^"]*)"/g)].map(([, name, value]) => [name!, unescapeXml(value!)]));
}

/**
 * RFC 5005's elements are channel- or feed-level, before the first item (lib/feeds/rss.ts, atom.ts); an item's id is
 * its RSS `guid` (the permalink when the id is the URL) or the first `id` of its Atom entry.
 */
function readDocument(format: FeedFormat, body: string): Document {
  if (format === 'json') {
    const feed = JSON.parse(body) as { next_url?: string; items: { id: string }[] };
    return { links: new Map(feed.next_url ? [['prev-archive', feed.next_url]] : []), ids: feed.items.map(({ id }) => id) };
  }
  const [head = '', ...items] = body.split(format === 'rss' ? /<item>/ : /<entry[\s>]/);
  const link = format === 'rss' ? /<atom:link\s([^>]*)>/g : /<link\s([^>]*)>/g;
  const links = new Map<string, string>();
  for (const [, attrs] of head.matchAll(link)) {
    const { rel, href } = attributes(attrs!);
    if (rel && href && rel !== 'self' && rel !== 'alternate' && rel !== 'hub') {
      expect(links.has(rel), `two ${rel} links`).toBe(false);
      links.set(rel, href);
    }
  }
  const id = format === 'rss' ? /<guid\b[^>]*>([^<]*)<\/guid>/ : /<id>([^<]*)<\/id>/;
  const ids = items.map((item) => unescapeXml(id.exec(item)?.[1] ?? '(no id)'));
  const marker = /<fh:(archive|complete)\/>/.exec(head)?.[1] as Document['marker'];
  return { ...(marker && { marker }), links, ids };
}

/** Every feed's published posts' item ids, newest first, from the post records the build left in the index. */
async function expectedFeeds(state: Storage, site: SiteConfig): Promise<Map<FeedId, string[]>> {
  const lists = new Map<FeedId, { date: string; key: string; id: string }[]>();
  for await (const { key } of state.list(RECORDS_PREFIX)) {
    const record = JSON.parse(decoder.decode((await state.get(key))!.body)) as PostRecord;
    if (record.status !== 'post' || !record.listed || !record.meta) continue;
    expect(record.item, `${record.key}: a listed post's record carries its item when archives are on`).toBeDefined();
    for (const feed of feedsOf(record.meta, site).keys()) {
      const list = lists.get(feed) ?? [];
      list.push({ date: record.meta.date, key: record.key, id: record.item!.id });
      lists.set(feed, list);
    }
  }
  return new Map(
    [...lists].map(([feed, list]) => [feed, list.sort((a, b) => comparePositions([a.date, a.key], [b.date, b.key])).map(({ id }) => id)]),
  );
}

describe('feed history over the bulwark corpus', () => {
  it.skipIf(!dir || !existsSync(config!))(
    'every feed, in every format, walks from its subscription document to its first post, meeting each published post once and in order',
    { timeout: HANG_GUARD_MS },
    async () => {
      const content = path.join(dir!, 'content');
      const site = await loadSiteConfig(content, config);
      expect(site.archives, 'bulwark.json keeps the default: archives on').toBeTruthy();
      const feeds = new MemoryStorage();
      const state = new MemoryStorage();
      // As herald build runs it (lib/cli.ts): the threads read and parse the posts.
      const folder = new FsStorage(content);
      const work = threadedWork(site, defaultJobs(), { content: folder });
      const report = await rebuild({ content: folder, feeds, state, site, now: () => NOW }, { work }).finally(() => work.close());
      expect(report.failed).toEqual([]);
      expect(report.posts.published).toBe(30_197);

      const expected = await expectedFeeds(state, site);
      expect(expected.get('site')).toHaveLength(30_197);
      const subscriptions: string[] = [];
      for await (const { key } of feeds.list())
        if (/(^|\/)rss\.xml$/.test(key) && !/(^|\/)archive\/\d+\//.test(key)) subscriptions.push(key);
      expect(subscriptions.sort()).toEqual([...expected.keys()].map((feed) => `${feedDir(feed)}rss.xml`).sort());

      const keyOfUrl = (url: string) => {
        expect(url.startsWith(site.feedsUrl), url).toBe(true);
        return url.slice(site.feedsUrl.length).split('/').map(decodeURIComponent).join('/');
      };
      const read = async (key: string, format: FeedFormat) => {
        const object = await feeds.get(key);
        expect(object, `${key} is linked but absent`).not.toBeNull();
        return readDocument(format, decoder.decode(object!.body));
      };

      let pagesWalked = 0;
      for (const [feed, ids] of expected) {
        const folder = feedDir(feed);
        const pageCounts = new Set<number>();
        for (const format of Object.keys(FEED_FILES) as FeedFormat[]) {
          const file = FEED_FILES[format].file;
          const subscription = await read(folder + file, format);
          const where = `${folder}${file}`;
          const seen = [...subscription.ids];
          const newest = subscription.links.get('prev-archive');
          if (format !== 'json')
            expect(subscription.marker, `${where}: fh:complete exactly when it has no archive pages`).toBe(newest ? undefined : 'complete');
          // Pages are numbered from the oldest, so the newest page's number is the feed's page count.
          const pages = newest ? Number(/(?:^|\/)archive\/(\d+)\/[^/]+$/.exec(keyOfUrl(newest))?.[1]) : 0;
          pageCounts.add(pages);
          let url = newest;
          for (let page = pages; page >= 1; page--) {
            const key = keyOfUrl(url!);
            expect(key, `${where}: page ${page} of ${pages}`).toBe(`${folder}archive/${page}/${file}`);
            const document = await read(key, format);
            seen.push(...document.ids);
            expect(document.ids.length, `${key} holds items`).toBeGreaterThan(0);
            if (format !== 'json') {
              expect(document.marker, key).toBe('archive');
              expect(keyOfUrl(document.links.get('current') ?? ''), `${key}: current`).toBe(folder + file);
              const next = document.links.get('next-archive');
              expect(next && keyOfUrl(next), `${key}: next-archive`).toBe(
                page < pages ? `${folder}archive/${page + 1}/${file}` : undefined,
              );
            }
            url = document.links.get('prev-archive');
            pagesWalked++;
          }
          expect(url, `${where}: page 1 links no older page`).toBeUndefined();
          // Compared as a whole only when it differs, for a message that names the feed and the first difference.
          if (seen.join('\n') !== ids.join('\n')) {
            const differs = seen.findIndex((id, i) => id !== ids[i]);
            const first = differs >= 0 ? differs : Math.min(seen.length, ids.length);
            expect({ where, length: seen.length, first, seen: seen[first], expected: ids[first] }).toEqual({
              where,
              length: ids.length,
              first: -1,
              seen: undefined,
              expected: undefined,
            });
          }
        }
        expect(pageCounts.size, `${folder}: the same pages in every format`).toBe(1);
      }
      // Bulwark's site feed alone has 30,197 posts: hundreds of pages at the default 100 a page.
      expect(pagesWalked).toBeGreaterThan(300);
    },
  );
});
