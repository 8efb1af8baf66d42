import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { archivePath, archiveUrl, feedUrl, renderFeed, siteFeed, termFeed } from '../../../lib/feeds/feeds.ts';
import { HISTORY_NS, TOMBSTONES_NS } from '../../../lib/feeds/model.ts';
import type { FeedFormat, FeedHistory, FeedInput } from '../../../lib/feeds/types.ts';
import { term } from '../../support/factories.ts';
import { parseXml, select, validateFeedFiles, type XmlElement } from '../../support/validate.ts';
import { chinese, escaping, plain, SAMPLES, site } from './sample.ts';

const ATOM_NS = 'http://www.w3.org/2005/Atom';
const tag = termFeed('tag', term('科技'), site);
const tagged: FeedInput = { site, feed: tag, items: [chinese, plain] };

function render(input: FeedInput, history?: FeedHistory): Record<FeedFormat, { path: string; body: string }> {
  const [rss, atom, json] = renderFeed({ ...input, history });
  return { rss: rss!, atom: atom!, json: json! };
}

function root(xml: string): XmlElement {
  const parsed = parseXml(xml);
  if ('error' in parsed) throw new Error(parsed.error);
  return parsed.root;
}

/** The document's own elements (Atom's feed, RSS's channel), whatever their namespace. */
function head(format: 'rss' | 'atom', body: string): XmlElement {
  const doc = root(body);
  return format === 'atom' ? doc : select(doc, 'channel')[0]!;
}

/** rel -> href of the Atom links of a document (RSS writes them as atom:link in the channel). */
function links(format: 'rss' | 'atom', body: string): Record<string, string> {
  const found = head(format, body).children.filter((c) => c.local === 'link' && c.uri === ATOM_NS);
  return Object.fromEntries(found.map((l) => [l.attributes.rel, l.attributes.href!]));
}

/** The RFC 5005 and RFC 6721 elements of a document, as `fh:complete`, `at:deleted-entry`... */
function markers(format: 'rss' | 'atom', body: string): string[] {
  return head(format, body)
    .children.filter((c) => c.uri === HISTORY_NS || c.uri === TOMBSTONES_NS)
    .map((c) => `${c.uri === HISTORY_NS ? 'fh' : 'at'}:${c.local}`);
}

const json = (body: string) => JSON.parse(body) as { feed_url: string; next_url?: string; items: unknown[] };
const page = (k: number, format: FeedFormat) => archiveUrl(site, tag, k, format);
const subscription = (format: FeedFormat) => feedUrl(site, tag, format);

describe('archive page addresses', () => {
  it('puts page k under the feed folder in archive/<k>/, encoded as the feed URL is', () => {
    expect(archivePath(tag, 3, 'atom')).toBe('tags/科技/archive/3/atom.xml');
    expect(archiveUrl(site, tag, 3, 'json')).toBe('https://feeds.example.org/tags/%E7%A7%91%E6%8A%80/archive/3/feed.json');
    expect(archivePath(siteFeed(site), 1, 'rss')).toBe('archive/1/rss.xml');
  });

  it('renders an archive page to its own paths and the subscription document to the usual ones', () => {
    expect(renderFeed({ ...tagged, history: { pages: 4, page: 2 } }).map((f) => f.path)).toEqual([
      'tags/科技/archive/2/rss.xml',
      'tags/科技/archive/2/atom.xml',
      'tags/科技/archive/2/feed.json',
    ]);
    expect(renderFeed({ ...tagged, history: { pages: 4 } }).map((f) => f.path)).toEqual(renderFeed(tagged).map((f) => f.path));
  });

  it('points the browser view of a page at the feeds root: the one feed.css and directory page', () => {
    for (const [input, up] of [
      [tagged, '../../../../'],
      [{ ...tagged, feed: siteFeed(site) }, '../../'],
    ] as const) {
      for (const format of ['rss', 'atom'] as const) {
        const { body } = render(input, { pages: 2, page: 1 })[format];
        expect(body).toContain(`<?xml-stylesheet type="text/css" href="${up}feed.css"?>`);
        expect(body).toContain(`<a href="${up}index.html">`);
      }
    }
  });
});

describe('the subscription document', () => {
  it('without history is exactly as before', () => {
    expect(renderFeed({ ...tagged, history: undefined })).toEqual(renderFeed(tagged));
    for (const format of ['rss', 'atom'] as const) expect(render(tagged)[format].body).not.toContain(HISTORY_NS);
  });

  it('says it is complete when the feed has no archive pages (RFC 5005 section 3)', () => {
    const docs = render(tagged, { pages: 0 });
    for (const format of ['rss', 'atom'] as const) {
      expect(markers(format, docs[format].body)).toEqual(['fh:complete']);
      expect(Object.keys(links(format, docs[format].body))).not.toContain('prev-archive');
    }
    expect(json(docs.json.body).next_url).toBeUndefined();
  });

  it('links the newest archive page as prev-archive, and JSON Feed as next_url right after feed_url', () => {
    const docs = render(tagged, { pages: 5 });
    for (const format of ['rss', 'atom'] as const) {
      expect(markers(format, docs[format].body)).toEqual([]);
      expect(links(format, docs[format].body)).toMatchObject({ self: subscription(format), 'prev-archive': page(5, format) });
      expect(Object.keys(links(format, docs[format].body))).not.toContain('next-archive');
      expect(Object.keys(links(format, docs[format].body))).not.toContain('current');
    }
    const feed = json(docs.json.body);
    expect(feed.feed_url).toBe(subscription('json'));
    expect(feed.next_url).toBe(page(5, 'json'));
    const keys = Object.keys(feed);
    expect(keys[keys.indexOf('feed_url') + 1]).toBe('next_url');
  });

  it('types the Atom history links', () => {
    const feed = root(render(tagged, { pages: 1 }).atom.body);
    expect(select(feed, 'link').find((l) => l.attributes.rel === 'prev-archive')?.attributes).toEqual({
      rel: 'prev-archive',
      type: 'application/atom+xml',
      href: page(1, 'atom'),
    });
  });
});

describe('archive pages (RFC 5005 section 4)', () => {
  const cases = [
    ['first', 1, undefined, 2],
    ['middle', 3, 2, 4],
    ['last', 5, 4, undefined],
  ] as const;

  it.each(cases)('the %s page links the subscription document and its neighbours', (_, k, older, newer) => {
    const docs = render(tagged, { pages: 5, page: k });
    for (const format of ['rss', 'atom'] as const) {
      const body = docs[format].body;
      expect(markers(format, body)).toEqual(['fh:archive']);
      const expected: Record<string, string> = { self: page(k, format), current: subscription(format) };
      if (older) expected['prev-archive'] = page(older, format);
      if (newer) expected['next-archive'] = page(newer, format);
      const { hub, alternate, ...history } = links(format, body);
      expect(history).toEqual(expected);
    }
    const feed = json(docs.json.body);
    expect(feed.feed_url).toBe(subscription('json'));
    expect(feed.next_url).toBe(older && page(older, 'json'));
  });

  it('keeps the feed’s identity: Atom id, the address to subscribe to in the browser view', () => {
    const { rss, atom } = render(tagged, { pages: 2, page: 1 });
    expect(select(root(atom.body), 'id')[0]?.text).toBe(subscription('atom'));
    expect(atom.body).toContain(`<code>${subscription('atom')}</code>`);
    expect(rss.body).toContain(`<code>${subscription('rss')}</code>`);
  });

  it('dates a page by its own newest item', () => {
    const { atom } = render({ ...tagged, items: [plain] }, { pages: 2, page: 1 });
    expect(select(root(atom.body), 'updated')[0]?.text).toBe('2025-01-20T00:00:00.000Z');
  });

  it('puts the RFC 5005 elements among the metadata, before the first entry or item', () => {
    for (const history of [{ pages: 0 }, { pages: 3 }, { pages: 3, page: 2 }]) {
      const { rss, atom } = render(tagged, history);
      expect(atom.body.indexOf('<fh:')).toBeLessThan(atom.body.indexOf('<entry'));
      expect(atom.body.lastIndexOf('-archive"')).toBeLessThan(atom.body.indexOf('<entry'));
      expect(rss.body.indexOf('<fh:')).toBeLessThan(rss.body.indexOf('<item>'));
      expect(rss.body.lastIndexOf('-archive"')).toBeLessThan(rss.body.indexOf('<item>'));
    }
  });
});

describe('tombstones (RFC 6721)', () => {
  const deleted = [
    { id: 'urn:uuid:gone & "quoted" <x>\u0007', when: '2025-03-02T09:00:00Z' },
    { id: 'https://example.org/posts/old/', when: '2025-02-01T00:00:00.000Z' },
  ];

  it('announces each deleted entry in Atom, newest first, before the entries', () => {
    const { atom } = render(tagged, { pages: 0, deleted });
    const feed = root(atom.body);
    const tombstones = feed.children.filter((c) => c.uri === TOMBSTONES_NS);
    expect(tombstones.map((t) => [t.local, t.attributes])).toEqual([
      ['deleted-entry', { ref: 'urn:uuid:gone & "quoted" <x>', when: '2025-03-02T09:00:00.000Z' }],
      ['deleted-entry', { ref: 'https://example.org/posts/old/', when: '2025-02-01T00:00:00.000Z' }],
    ]);
    expect(feed.children.findIndex((c) => c.local === 'entry')).toBeGreaterThan(feed.children.indexOf(tombstones.at(-1)!));
    expect(markers('atom', atom.body)).toEqual(['fh:complete', 'at:deleted-entry', 'at:deleted-entry']);
  });

  it('leaves them out of RSS and JSON Feed, which have no such thing', () => {
    const announced = render(tagged, { pages: 2, deleted });
    const silent = render(tagged, { pages: 2 });
    expect(announced.rss.body).toBe(silent.rss.body);
    expect(announced.json.body).toBe(silent.json.body);
  });

  it('declares the at prefix only when there is one', () => {
    expect(render(tagged, { pages: 2, deleted }).atom.body).toContain(`xmlns:at="${TOMBSTONES_NS}"`);
    expect(render(tagged, { pages: 2, deleted: [] }).atom.body).not.toContain('xmlns:at');
  });
});

describe('namespaces', () => {
  it('declares fh on the root of every XML document with history, and the strict parser resolves it', () => {
    for (const history of [{ pages: 0 }, { pages: 2 }, { pages: 2, page: 1 }]) {
      const docs = render(tagged, history);
      expect(root(docs.atom.body).attributes['xmlns:fh']).toBe(HISTORY_NS);
      expect(root(docs.rss.body).attributes['xmlns:fh']).toBe(HISTORY_NS);
      expect(root(docs.rss.body).attributes['xmlns:atom']).toBe(ATOM_NS);
    }
  });
});

describe('validity', () => {
  it('passes the harness on every document of every sample, for every place in the history', async () => {
    const histories: FeedHistory[] = [
      { pages: 0, deleted: [{ id: 'urn:x', when: '2025-03-01T00:00:00Z' }] },
      { pages: 3, deleted: [{ id: 'urn:x', when: '2025-03-01T00:00:00Z' }] },
      { pages: 3, page: 1 },
      { pages: 3, page: 2 },
      { pages: 3, page: 3 },
      { pages: 1, page: 1 },
    ];
    const files = Object.values(SAMPLES).flatMap((input) => {
      const titles = input.items.map((item) => item.title.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, ''));
      return histories.flatMap((history) => renderFeed({ ...input, history }).map((file) => ({ ...file, titles })));
    });
    expect(await validateFeedFiles(files)).toEqual([]);
  });

  it('keeps the trap guards on an archive page: every ]]> split, XML-invalid characters gone', async () => {
    const docs = render({ ...tagged, items: [escaping] }, { pages: 2, page: 2 });
    expect(await validateFeedFiles(Object.values(docs))).toEqual([]);
    const html = escaping.html.replace(/[\u0007\u000C]/g, '');
    expect(select(root(docs.rss.body), 'channel/item/encoded')[0]?.text).toBe(html);
    expect(select(root(docs.atom.body), 'entry/content')[0]?.text).toBe(html);
    expect(select(root(docs.atom.body), 'entry/title')[0]?.text).toBe('Escaping <everything> & "quotes" ]]> twice ]]>');
  });
});

describe('impossible histories', () => {
  it.each([
    [{ pages: -1 }, /-1 archive pages/],
    [{ pages: 1.5 }, /1.5 archive pages/],
    [{ pages: 2, page: 0 }, /archive page 0 of 2/],
    [{ pages: 2, page: 3 }, /archive page 3 of 2/],
    [{ pages: 2, page: 1, deleted: [{ id: 'urn:x', when: '2025-01-01T00:00:00Z' }] }, /deleted entries on archive page 1/],
    [{ pages: 0, deleted: [{ id: 'urn:x', when: 'yesterday' }] }, /deleted entry "urn:x": when "yesterday" is not a date/],
  ] as [FeedHistory, RegExp][])('refuses %j', (history, message) => {
    expect(() => renderFeed({ ...tagged, history })).toThrow(message);
  });
});

describe('the chain of pages', () => {
  it('leads from the subscription document to page 1 through every page once, in every format', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 40 }), (pages) => {
        const pageOf = new Map<string, number>();
        for (let k = 1; k <= pages; k++) for (const format of ['rss', 'atom', 'json'] as const) pageOf.set(page(k, format), k);
        const subscriptionDocs = render(tagged, { pages });

        for (const format of ['rss', 'atom'] as const) {
          const visited: number[] = [];
          let from = subscription(format);
          let next = links(format, subscriptionDocs[format].body)['prev-archive'];
          while (next !== undefined) {
            const k = pageOf.get(next);
            expect(k).toBeDefined();
            expect(visited).not.toContain(k);
            visited.push(k!);
            const here = links(format, render(tagged, { pages, page: k })[format].body);
            // The way back is the way we came, except from the newest page, whose newer neighbour is `current`.
            expect(here['next-archive'] ?? here.current).toBe(from);
            expect(here.current).toBe(subscription(format));
            from = next;
            next = here['prev-archive'];
          }
          expect(visited).toEqual(Array.from({ length: pages }, (_, i) => pages - i));
        }

        const seen = new Set<string>();
        let next = json(subscriptionDocs.json.body).next_url;
        while (next !== undefined) {
          expect(next).not.toBe(subscription('json'));
          expect(seen.has(next)).toBe(false);
          seen.add(next);
          const feed = json(render(tagged, { pages, page: pageOf.get(next) }).json.body);
          expect(feed.feed_url).toBe(subscription('json'));
          next = feed.next_url;
        }
        expect([...seen].map((url) => pageOf.get(url))).toEqual(Array.from({ length: pages }, (_, i) => pages - i));
      }),
      { numRuns: 30 },
    );
  });

  it('links any page to exactly its neighbours', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1000 }).chain((pages) => fc.tuple(fc.constant(pages), fc.integer({ min: 1, max: pages }))),
        ([pages, k]) => {
          const docs = render({ ...tagged, items: [plain] }, { pages, page: k });
          const { self, current, 'prev-archive': older, 'next-archive': newer } = links('atom', docs.atom.body);
          expect([self, current, older, newer]).toEqual([
            page(k, 'atom'),
            subscription('atom'),
            k > 1 ? page(k - 1, 'atom') : undefined,
            k < pages ? page(k + 1, 'atom') : undefined,
          ]);
          expect(json(docs.json.body).next_url).toBe(k > 1 ? page(k - 1, 'json') : undefined);
        },
      ),
      { numRuns: 50 },
    );
  });
});
