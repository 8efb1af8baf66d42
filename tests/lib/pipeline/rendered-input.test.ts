import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RENDERING } from '../../../lib/pipeline/outputs.ts';
import { rebuild } from '../../../lib/pipeline/rebuild.ts';
import { localWork, type Work } from '../../../lib/pipeline/work.ts';
import { INPUT_METADATA } from '../../../lib/publish.ts';
import { SiteHarness } from '../../support/pipeline-harness.ts';
import { testSite } from '../../support/site-content.ts';

/** The steps of a rebuild, counting the feed documents it renders. */
function counting(harness: SiteHarness): { work: Work; rendered: string[] } {
  const inner = localWork(harness.site);
  const rendered: string[] = [];
  const work: Work = {
    ...inner,
    feed: async (id, document) => {
      rendered.push(`${id}${document.history?.page === undefined ? '' : ` page ${document.history.page}`}`);
      return inner.feed(id, document);
    },
  };
  return { work, rendered };
}

async function site(): Promise<SiteHarness> {
  const harness = new SiteHarness(
    testSite({ itemsPerFeed: 2, archives: { pageSize: 2, cacheControl: 'public, max-age=31536000, immutable', tombstoneDays: 30 } }),
  );
  for (let i = 0; i < 9; i++) {
    await harness.write(`posts/p${i}.md`, { title: `Post ${i}`, date: `2025-05-0${i + 1}T00:00:00Z`, tags: [i % 2 ? 'odd' : 'even'] });
  }
  return harness;
}

async function rebuildCounting(harness: SiteHarness) {
  const { work, rendered } = counting(harness);
  const report = await rebuild(harness.deps(), { work });
  return { report, rendered };
}

describe('documents whose files name their input', () => {
  it('are not rendered again by a rebuild that finds them unchanged, and the feeds stay as a fresh rebuild writes them', async () => {
    const harness = await site();
    const first = await rebuildCounting(harness);
    expect(first.rendered.length).toBeGreaterThan(9);
    const again = await rebuildCounting(harness);
    expect(again.rendered).toEqual([]);
    expect(again.report.feeds.written).toEqual([]);
    expect(await harness.feedTree()).toEqual(await harness.freshTree());
  });

  it('are written so by incremental runs too: a rebuild after them renders none but those a deletion changed', async () => {
    const harness = await site();
    await rebuildCounting(harness);
    // An edit, a new post that closes an archive page, a deletion, a back-dated post: every kind of document written.
    await harness.write('posts/p8.md', { title: 'Post 8, edited', date: '2025-05-09T00:00:00Z', tags: ['even'] });
    await harness.regenerate(['posts/p8.md']);
    await harness.write('posts/p9.md', { title: 'Post 9', date: '2025-05-10T00:00:00Z', tags: ['odd'] });
    await harness.regenerate(['posts/p9.md']);
    await harness.remove('posts/p3.md');
    await harness.regenerate(['posts/p3.md']);
    await harness.write('posts/old.md', { title: 'Old', date: '2025-04-01T00:00:00Z', tags: ['odd'] });
    const last = await harness.regenerate(['posts/old.md']);
    expect(last.feeds.written.some((file) => file.includes('archive/'))).toBe(true);
    const { rendered, report } = await rebuildCounting(harness);
    // But two: the deletion announced in the subscription documents changed Atom's bytes, not RSS's or JSON Feed's,
    // whose files keep the input they were written with (a file is not written again for its input alone, which
    // would change its Last-Modified), as after a rebuild that announced it.
    expect(rendered.sort()).toEqual(['site', 'tags/odd']);
    expect(report.feeds.written).toEqual([]);
    expect(await harness.feedTree()).toEqual(await harness.freshTree());
  });

  it('are rendered again when a post of theirs changes, and only those', async () => {
    const harness = await site();
    await rebuildCounting(harness);
    await harness.write('posts/p8.md', { title: 'Post 8, edited', date: '2025-05-09T00:00:00Z', tags: ['even'] });
    const { rendered } = await rebuildCounting(harness);
    // The newest post: the subscription documents of the site and its tag, nothing older.
    expect(rendered.sort()).toEqual(['site', 'tags/even']);
    expect(await harness.feedTree()).toEqual(await harness.freshTree());
  });

  it('are rendered again when a file is missing, has other headers or names no input', async () => {
    const harness = await site();
    await rebuildCounting(harness);
    await harness.feedsStore.delete('tags/odd/archive/1/rss.xml');
    const atom = (await harness.feedsStore.get('atom.xml'))!;
    await harness.feedsStore.put('atom.xml', atom.body, { contentType: 'text/plain', metadata: atom.metadata });
    const json = (await harness.feedsStore.get('archive/1/feed.json'))!;
    const { [INPUT_METADATA]: _input, ...metadata } = json.metadata;
    await harness.feedsStore.put('archive/1/feed.json', json.body, {
      contentType: json.contentType,
      cacheControl: json.cacheControl,
      metadata,
    });
    const { rendered, report } = await rebuildCounting(harness);
    expect(rendered.sort()).toEqual(['site', 'site page 1', 'tags/odd page 1']);
    expect(report.feeds.written.sort()).toEqual(['atom.xml', 'tags/odd/archive/1/rss.xml']);
    expect(await harness.feedTree()).toEqual(await harness.freshTree());
  });

  it('are all rendered again under another configuration', async () => {
    const harness = await site();
    const first = await rebuildCounting(harness);
    harness.site = { ...harness.site, title: 'Renamed' };
    const again = await rebuildCounting(harness);
    expect(again.rendered.sort()).toEqual(first.rendered.sort());
  });

  it('are pinned to the renderers: a change of the snapshot feeds must come with a new RENDERING', () => {
    // When this fails, renderers changed the bytes of a feed for the same input: bump RENDERING in
    // lib/pipeline/outputs.ts (so rebuilds stop trusting files rendered before) and record the new digest here.
    const root = path.resolve(import.meta.dirname, '../../fixtures/feeds');
    const hash = createHash('sha256');
    for (const file of readdirSync(root, { recursive: true, encoding: 'utf8' }).sort()) {
      if (file.includes('.')) hash.update(file).update(readFileSync(path.join(root, file)));
    }
    expect({ rendering: RENDERING, snapshots: hash.digest('hex') }).toEqual({
      rendering: 1,
      snapshots: 'ee1ef7ceecbde1e51e942999ba79301fd936fc01042a6518add994040b82a21d',
    });
  });
});
