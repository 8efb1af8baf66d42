import { describe, expect, it } from 'vitest';
import { LeaseLostError } from '../../../lib/index/lease.ts';
import { LEASE_MS } from '../../../lib/index/root.ts';
import { intercept } from '../../../lib/storage/intercept.ts';
import { MemoryStorage } from '../../../lib/storage/memory/memory-storage.ts';
import { SiteHarness } from '../../support/pipeline-harness.ts';
import { testSite } from '../../support/site-content.ts';

const titles = (tree: Record<string, string>, path: string): string[] =>
  (JSON.parse(tree[path]!) as { items: { title: string }[] }).items.map((item) => item.title);

async function exampleSite(): Promise<SiteHarness> {
  const site = new SiteHarness();
  await site.write('herald.config.json', '{"title": "not a post"}');
  await site.write('posts/a.md', { title: 'Alpha', date: '2025-05-01T10:00:00Z', categories: ['News'], tags: ['Rust', 'Systems'] });
  await site.write('posts/b.md', { title: 'Beta', date: '2025-05-02T10:00:00Z', categories: ['News'], tags: ['rust'] });
  await site.write('posts/c.md', { title: 'Gamma', date: '2025-05-03T10:00:00Z', categories: ['Notes'], tags: ['科技'] });
  await site.write('posts/draft.md', { title: 'Draft', date: '2025-05-04T10:00:00Z', draft: true, tags: ['Secret'] });
  await site.write('posts/future.md', { title: 'Future', date: '2025-07-01T00:00:00Z', tags: ['Later'] });
  await site.write('posts/bad.md', '---\ntitle: [unclosed\n---\nbody\n');
  return site;
}

describe('rebuild', () => {
  it('writes the site feed, one feed per category and tag, the directory and the OPML', async () => {
    const site = await exampleSite();
    const report = await site.rebuild();
    const tree = await site.feedTree();
    expect(Object.keys(tree).sort()).toEqual(
      [
        'atom.xml',
        'feed.json',
        'rss.xml',
        'index.html',
        'feeds.opml',
        'feed.css',
        ...['categories/news', 'categories/notes', 'tags/rust', 'tags/systems', 'tags/科技'].flatMap((dir) =>
          ['atom.xml', 'feed.json', 'rss.xml'].map((file) => `${dir}/${file}`),
        ),
      ].sort(),
    );
    expect(titles(tree, 'feed.json')).toEqual(['Gamma', 'Beta', 'Alpha']);
    // `Rust` and `rust` share one feed.
    expect(titles(tree, 'tags/rust/feed.json')).toEqual(['Beta', 'Alpha']);
    expect(report.posts.read).toBe(6);
    expect(report.posts.published).toBe(3);
    expect(report.posts.skipped.map((s) => s.key)).toEqual(['posts/draft.md', 'posts/future.md']);
    expect(report.posts.rejected.map((r) => r.key)).toEqual(['posts/bad.md']);
    expect(report.feeds.written).toHaveLength(Object.keys(tree).length);
    expect(report.failed).toEqual([]);
  });

  it('is deterministic and rewrites nothing when nothing changed', async () => {
    const site = await exampleSite();
    await site.rebuild();
    const first = await site.feedTree();
    const again = await site.rebuild();
    expect(again.feeds.written).toEqual([]);
    expect(again.feeds.unchanged).toBe(Object.keys(first).length);
    expect(await site.feedTree()).toEqual(first);
    expect(await site.freshTree()).toEqual(first);
  });

  it('shows the newest itemsPerFeed posts and renders only those', async () => {
    const site = new SiteHarness(testSite({ itemsPerFeed: 3, archives: false }));
    for (let i = 0; i < 12; i++) {
      await site.write(`posts/p${String(i).padStart(2, '0')}.md`, {
        title: `Post ${i}`,
        date: `2025-05-${String(i + 1).padStart(2, '0')}T00:00:00Z`,
        tags: [i % 2 ? 'odd' : 'even'],
      });
    }
    await site.rebuild();
    const tree = await site.feedTree();
    expect(titles(tree, 'feed.json')).toEqual(['Post 11', 'Post 10', 'Post 9']);
    expect(titles(tree, 'tags/even/feed.json')).toEqual(['Post 10', 'Post 8', 'Post 6']);
    const withItem: string[] = [];
    for await (const { key } of site.stateStore.list('records/')) {
      const record = JSON.parse(new TextDecoder().decode((await site.stateStore.get(key))!.body)) as { item?: unknown };
      if (record.item) withItem.push(key);
    }
    // Site 11, 10, 9; odd 11, 9, 7; even 10, 8, 6: six of the twelve posts are shown anywhere.
    expect(withItem.sort()).toEqual(['06', '07', '08', '09', '10', '11'].map((n) => `records/posts/p${n}.md.json`));

    // In one thread the shown posts are rendered from the posts as first read: no post is read twice.
    const reads = new Map<string, number>();
    const counted = intercept(site.content, {
      before: (call) => void (call.op === 'get' && reads.set(call.key, (reads.get(call.key) ?? 0) + 1)),
    });
    site.site = testSite({ itemsPerFeed: 3, archives: false, title: 'Renamed' });
    const again = await site.rebuild({ content: counted });
    expect(again.failed).toEqual([]);
    expect(reads.size).toBe(12);
    expect(Math.max(...reads.values())).toBe(1);
    expect(await site.feedTree()).toEqual(await site.freshTree());
  });

  it('removes the feeds of terms that lost their last post, and publishes posts whose time has come', async () => {
    const site = await exampleSite();
    await site.rebuild();
    await site.remove('posts/c.md');
    site.clock = new Date('2025-07-02T00:00:00Z');
    const report = await site.rebuild();
    const tree = await site.feedTree();
    expect(report.feeds.deleted).toEqual(
      ['categories/notes', 'tags/科技'].flatMap((dir) => ['atom.xml', 'feed.json', 'rss.xml'].map((file) => `${dir}/${file}`)).sort(),
    );
    expect(titles(tree, 'feed.json')).toEqual(['Future', 'Beta', 'Alpha']);
    expect(titles(tree, 'tags/later/feed.json')).toEqual(['Future']);
    expect(tree['index.html']).toContain('Later');
    expect(await site.freshTree()).toEqual(tree);
  });

  it('reads only the posts whose source changed when the index was built with the same configuration', async () => {
    const site = await exampleSite();
    await site.rebuild();
    await site.write('posts/b.md', { title: 'Beta, edited', date: '2025-05-02T10:00:00Z', categories: ['News'], tags: ['rust'] });
    const reads: string[] = [];
    const content = intercept(site.content, { before: (call) => void (call.op === 'get' && reads.push(call.key)) });
    await site.rebuild({ content });
    // Read once, to index it and render its item: with archives every listed post's record keeps its item.
    expect(reads).toEqual(['posts/b.md']);
    expect(titles(await site.feedTree(), 'feed.json')).toEqual(['Gamma', 'Beta, edited', 'Alpha']);
    // Another configuration invalidates every record.
    site.site = testSite({ title: 'Renamed' });
    reads.length = 0;
    await site.rebuild({ content });
    expect(reads.length).toBeGreaterThanOrEqual(6);
    expect(await site.feedTree()).toEqual(await site.freshTree());
  });

  it('reports a post it cannot read and publishes every other one', async () => {
    const site = await exampleSite();
    const content = intercept(site.content, {
      before: (call) => {
        if (call.op === 'get' && call.key === 'posts/a.md') throw new Error('SlowDown');
      },
    });
    const report = await site.rebuild({ content });
    expect(report.failed).toEqual([{ key: 'posts/a.md', error: 'SlowDown' }]);
    expect(titles(await site.feedTree(), 'feed.json')).toEqual(['Gamma', 'Beta']);
  });

  it('reports a shown post it cannot read once, and keeps it as the index knew it', async () => {
    const site = await exampleSite();
    await site.rebuild();
    // Another configuration: every post is read again.
    site.site = testSite({ title: 'Renamed' });
    const content = intercept(site.content, {
      before: (call) => {
        if (call.op === 'get' && call.key === 'posts/a.md') throw new Error('SlowDown');
      },
    });
    // Its record is kept, its item read again for the feeds that show it: that fails too, and says nothing new.
    expect((await site.rebuild({ content })).failed).toEqual([{ key: 'posts/a.md', error: 'SlowDown' }]);
    expect((await site.rebuild()).failed).toEqual([]);
    expect(titles(await site.feedTree(), 'feed.json')).toEqual(['Gamma', 'Beta', 'Alpha']);
  });

  it('refuses to run while another rebuild holds the index', async () => {
    const site = await exampleSite();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let reached!: () => void;
    const listing = new Promise<void>((resolve) => (reached = resolve));
    const slow = intercept(site.content, {
      before: async (call) => {
        if (call.op !== 'list') return;
        reached();
        await gate;
      },
    });
    const first = site.rebuild({ content: slow });
    // It lists the content once it holds the lease.
    await listing;
    await expect(site.rebuild()).rejects.toThrow(/holds the index/);
    release();
    await first;
    await expect(site.rebuild()).resolves.toBeDefined();
  });

  it('writes nothing more once it stalled past its lease and another rebuild took the index', async () => {
    const site = await exampleSite();
    // The first rebuild has read every post (Alpha as it was), then stalls before its first write.
    let stall!: () => void;
    const stalled = new Promise<void>((resolve) => (stall = resolve));
    let reached!: () => void;
    const atWrite = new Promise<void>((resolve) => (reached = resolve));
    const state = intercept(site.stateStore, {
      before: async (call) => {
        if (call.op !== 'put' || !call.key.startsWith('records/')) return;
        reached();
        await stalled;
      },
    });
    const first = site.rebuild({ state });
    await atWrite;
    // Its lease lapses; Alpha changes, and another rebuild takes the index and publishes it.
    site.clock = new Date(site.clock.getTime() + LEASE_MS);
    await site.write('posts/a.md', { title: 'Alpha edited', date: '2025-05-01T10:00:00Z', categories: ['News'] });
    expect((await site.rebuild()).failed).toEqual([]);
    stall();
    await expect(first).rejects.toBeInstanceOf(LeaseLostError);
    expect(await site.feedTree()).toEqual(await site.freshTree());
  });

  // herald build on a site whose build took more than 45 s: reading a folder and keeping the index in memory, it
  // never waited on real I/O, so the renewal timer never ran and the lease lapsed under it.
  it('keeps its lease through a build that gives the renewal timer no turn, renewing as it writes', async () => {
    const site = await exampleSite();
    // Every read of a post takes a minute of the clock, and nothing yields to timers.
    const content = intercept(site.content, {
      before: (call) => {
        if (call.op === 'get') site.clock = new Date(site.clock.getTime() + LEASE_MS);
      },
    });
    const report = await site.rebuild({ content });
    expect(report.failed).toEqual([]);
    expect(await site.feedTree()).toEqual(await site.freshTree());
  });

  it('writes an empty site feed and directory for a site with no posts', async () => {
    const site = new SiteHarness();
    await site.rebuild({ state: new MemoryStorage() });
    expect(Object.keys(await site.feedTree()).sort()).toEqual(['atom.xml', 'feed.css', 'feed.json', 'feeds.opml', 'index.html', 'rss.xml']);
  });
});
