/**
 * A feed's history through regenerate, file by file: an upload changes the subscription documents and the newest
 * page only; an edit or a deletion on a full page rewrites that page once; a back-dated post joins the page its
 * date falls in without moving the later ones; a deletion is announced in Atom until it runs out.
 */
import { describe, expect, it } from 'vitest';
import { SITE_FEED } from '../../../lib/index/feed-id.ts';
import { manifestKey, recordKey } from '../../../lib/index/layout.ts';
import { intercept } from '../../../lib/storage/intercept.ts';
import { SiteHarness } from '../../support/pipeline-harness.ts';
import { testSite } from '../../support/site-content.ts';

const day = (n: number) => new Date(Date.UTC(2025, 0, 1) + n * 86_400_000).toISOString();

/** The site feed only (no categories or tags), two newest items, pages of three, deletions announced for a day. */
async function history(posts = 9): Promise<SiteHarness> {
  const site = new SiteHarness(
    testSite({ itemsPerFeed: 2, feeds: { categories: false, tags: false }, archives: { pageSize: 3, tombstoneDays: 1 } }),
  );
  for (let i = 0; i < posts; i++) await site.write(`posts/p${i}.md`, { title: `P${i}`, date: day(i * 10) });
  await site.rebuild();
  return site;
}

const titles = (json: string) => (JSON.parse(json) as { items: { title: string }[] }).items.map(({ title }) => title);

async function written(site: SiteHarness, keys: string[]): Promise<string[]> {
  const report = await site.regenerate(keys);
  expect(report.failed).toEqual([]);
  expect(await site.feedTree()).toEqual(await site.freshTree());
  return [...report.feeds.written, ...report.feeds.deleted]
    .map((path) => path.replace(/\/[^/]+$/, '/').replace(/^[^/]+$/, ''))
    .filter((dir, i, all) => all.indexOf(dir) === i)
    .sort();
}

describe('archive pages through regenerate', () => {
  it('pages of three under two newest: full pages 1 and 2, the newest page 3 open', async () => {
    const site = await history();
    const tree = await site.feedTree();
    expect(titles(tree['feed.json']!)).toEqual(['P8', 'P7']);
    expect(titles(tree['archive/3/feed.json']!)).toEqual(['P6']);
    expect(titles(tree['archive/2/feed.json']!)).toEqual(['P5', 'P4', 'P3']);
    expect(titles(tree['archive/1/feed.json']!)).toEqual(['P2', 'P1', 'P0']);
    expect(tree['archive/4/feed.json']).toBeUndefined();
  });

  it('an upload changes the subscription documents and the newest page only', async () => {
    const site = await history();
    await site.write('posts/new.md', { title: 'New', date: day(100) });
    expect(await written(site, ['posts/new.md'])).toEqual(['', 'archive/3/']);
    expect(titles((await site.feedTree())['archive/3/feed.json']!)).toEqual(['P7', 'P6']);
  });

  it('an edit on a full page rewrites that page once, and nothing else', async () => {
    const site = await history();
    await site.write('posts/p1.md', { title: 'P1, edited', date: day(10) });
    expect(await written(site, ['posts/p1.md'])).toEqual(['archive/1/']);
    expect(titles((await site.feedTree())['archive/1/feed.json']!)).toEqual(['P2', 'P1, edited', 'P0']);
    // The same edit delivered again writes nothing.
    expect(await written(site, ['posts/p1.md'])).toEqual([]);
  });

  it('a back-dated post joins the page its date falls in, which holds one more; later pages stay as they are', async () => {
    const site = await history();
    await site.write('posts/old.md', { title: 'Old', date: day(15) });
    expect(await written(site, ['posts/old.md'])).toEqual(['archive/1/']);
    const tree = await site.feedTree();
    expect(titles(tree['archive/1/feed.json']!)).toEqual(['P2', 'Old', 'P1', 'P0']);
    expect(titles(tree['archive/2/feed.json']!)).toEqual(['P5', 'P4', 'P3']);
  });

  it('a deletion on a full page rewrites it, and Atom announces it until tombstoneDays have passed', async () => {
    const site = await history();
    await site.remove('posts/p4.md');
    expect(await written(site, ['posts/p4.md'])).toEqual(['', 'archive/2/']);
    let tree = await site.feedTree();
    expect(titles(tree['archive/2/feed.json']!)).toEqual(['P5', 'P3']);
    expect(tree['atom.xml']).toMatch(/<at:deleted-entry ref="urn:uuid:[^"]+" when="2025-06-01T00:00:00.000Z"\/>/);
    expect(tree['rss.xml']).not.toContain('deleted-entry');

    // A day later the next run (a tick, with no key) renders the feed without it.
    site.clock = new Date(site.clock.getTime() + 86_400_000);
    expect(await written(site, [])).toEqual(['']);
    tree = await site.feedTree();
    expect(tree['atom.xml']).not.toContain('deleted-entry');
  });

  it('pages closing as posts arrive, one by one, end as a rebuild cuts them', async () => {
    const site = await history(2);
    expect((await site.feedTree())['rss.xml']).toContain('<fh:complete/>');
    for (let i = 2; i < 12; i++) {
      await site.write(`posts/p${i}.md`, { title: `P${i}`, date: day(i * 10) });
      await written(site, [`posts/p${i}.md`]);
    }
    const tree = await site.feedTree();
    // Ten archived: three full pages and the newest with one.
    expect(Object.keys(tree).filter((path) => path.endsWith('feed.json'))).toEqual([
      'archive/1/feed.json',
      'archive/2/feed.json',
      'archive/3/feed.json',
      'archive/4/feed.json',
      'feed.json',
    ]);
    expect(tree['rss.xml']).not.toContain('<fh:complete/>');
  });

  it('a run whose post another run listed first writes the pages that run left unwritten', async () => {
    // Found by the convergence scenarios. Two runs have the same new post: one commits its record, the other lists it,
    // closing the open page, and stops before that page is written. The first then finds its post listed already.
    const site = await history();
    await site.write('posts/new.md', { title: 'New', date: day(100) });
    await written(site, ['posts/new.md']);
    await site.write('posts/n.md', { title: 'N', date: day(110) });
    await site.write('posts/old.md', { title: 'Old', date: day(-10) });
    let committed!: () => void;
    const recordCommitted = new Promise<void>((resolve) => (committed = resolve));
    let listed!: () => void;
    const otherListed = new Promise<void>((resolve) => (listed = resolve));
    const first = site.regenerate(['posts/n.md', 'posts/old.md'], {
      state: intercept(site.stateStore, {
        after: (call) => {
          if (call.op === 'put' && call.key === recordKey('posts/n.md')) committed();
        },
        before: async (call) => {
          if (call.op === 'get' && call.key === manifestKey(SITE_FEED)) await otherListed;
        },
      }),
    });
    await recordCommitted;
    const other = await site.regenerate(['posts/n.md'], {
      feeds: intercept(site.feedsStore, {
        before: (call) => {
          if (call.op === 'put' && call.key.startsWith('archive/3/')) throw new Error('stopped');
        },
      }),
    });
    listed();
    expect(other.failed.map(({ key }) => key)).toEqual(['posts/n.md']);
    expect((await first).failed).toEqual([]);
    // The stopped run's retry finds the post's work done.
    expect((await site.regenerate(['posts/n.md'])).failed).toEqual([]);
    expect(titles((await site.feedTree())['archive/3/feed.json']!)).toEqual(['P8', 'P7', 'P6']);
    expect(await site.feedTree()).toEqual(await site.freshTree());
  });

  it('a run finishing one that closed a page and stopped writes that page, under the newer pages others closed since', async () => {
    // Found by the convergence scenarios: the page was left as it was while open, the finishing run looking from the
    // top down only as far as the first page as it should be, the newer one.
    const site = await history();
    await site.write('posts/new.md', { title: 'New', date: day(100) });
    await written(site, ['posts/new.md']);
    // Two posts in one run, newer than any to come: page 3 closes, and the open page 4 holds New.
    await site.write('posts/a1.md', { title: 'A1', date: day(140) });
    await site.write('posts/a2.md', { title: 'A2', date: day(141) });
    const stopped = await site.regenerate(['posts/a1.md', 'posts/a2.md'], {
      feeds: intercept(site.feedsStore, {
        before: (call) => {
          if (call.op === 'put' && call.key.startsWith('archive/3/')) throw new Error('stopped');
        },
      }),
    });
    expect(stopped.failed.map(({ key }) => key)).toEqual(['posts/a1.md', 'posts/a2.md']);
    // Later runs close page 4 and write it; page 3 they leave to the stopped run's markers.
    for (const [i, name] of ['b1', 'b2', 'b3'].entries()) {
      await site.write(`posts/${name}.md`, { title: name, date: day(103 + i) });
      expect((await site.regenerate([`posts/${name}.md`])).failed).toEqual([]);
    }
    const tree = await site.feedTree();
    expect(titles(tree['archive/4/feed.json']!)).toEqual(['b2', 'b1', 'New']);
    expect(titles(tree['archive/3/feed.json']!)).toEqual(['P7', 'P6']);
    expect((await site.regenerate(['posts/a1.md', 'posts/a2.md'])).failed).toEqual([]);
    expect(titles((await site.feedTree())['archive/3/feed.json']!)).toEqual(['P8', 'P7', 'P6']);
    expect(await site.feedTree()).toEqual(await site.freshTree());
  });

  it('a run finishing one that stopped while writing a page a post came down to writes that page, under newer pages', async () => {
    // Found by the convergence scenarios: the page the run changed without closing it kept one file of three from
    // before, under an emptied page as it should be, which is as far as the finishing run looked from the top down.
    const site = await history(12);
    // Full pages [P2 P1 P0], [P5 P4 P3], [P8 P7 P6]: deletions draw P6 and P5 into the newest, and empty page 3.
    for (const key of ['posts/p11.md', 'posts/p10.md', 'posts/p9.md', 'posts/p8.md', 'posts/p7.md']) {
      await site.remove(key);
      await written(site, [key]);
    }
    const before = await site.feedTree();
    expect([before['feed.json'], before['archive/3/feed.json'], before['archive/2/feed.json']].map((json) => titles(json!))).toEqual([
      ['P6', 'P5'],
      [],
      ['P4', 'P3'],
    ]);
    // A new post pushes P5 back down to page 2, and the run stops after writing one file of page 2.
    await site.write('posts/new.md', { title: 'New', date: day(120) });
    const stopped = await site.regenerate(['posts/new.md'], {
      feeds: intercept(site.feedsStore, {
        before: (call) => {
          if (call.op === 'put' && call.key === 'archive/2/rss.xml') throw new Error('stopped');
        },
      }),
    });
    expect(stopped.failed.map(({ key }) => key)).toEqual(['posts/new.md']);
    expect(titles((await site.feedTree())['archive/2/feed.json']!)).toEqual(['P5', 'P4', 'P3']);
    expect((await site.feedTree())['archive/2/rss.xml']).not.toContain('<title>P5</title>');
    expect((await site.regenerate(['posts/new.md'])).failed).toEqual([]);
    expect((await site.feedTree())['archive/2/rss.xml']).toContain('<title>P5</title>');
    expect(await site.feedTree()).toEqual(await site.freshTree());
  });

  it('a run finishing one that gave a page a newer neighbour and stopped writes that page, under newer pages', async () => {
    const site = await history();
    // The open page emptied: page 2 is the newest.
    await site.remove('posts/p6.md');
    await written(site, ['posts/p6.md']);
    // A post newer than any to come fills the open page 3 again: page 2's links change, and the run stops there.
    await site.write('posts/a.md', { title: 'A', date: day(140) });
    const stopped = await site.regenerate(['posts/a.md'], {
      feeds: intercept(site.feedsStore, {
        before: (call) => {
          if (call.op === 'put' && call.key.startsWith('archive/2/')) throw new Error('stopped');
        },
      }),
    });
    expect(stopped.failed.map(({ key }) => key)).toEqual(['posts/a.md']);
    // A later run closes page 3 and writes it.
    const later = ['b1', 'b2', 'b3', 'b4'];
    for (const [i, name] of later.entries()) await site.write(`posts/${name}.md`, { title: name, date: day(103 + i) });
    expect((await site.regenerate(later.map((name) => `posts/${name}.md`))).failed).toEqual([]);
    expect(titles((await site.feedTree())['archive/3/feed.json']!)).toEqual(['b1', 'P8', 'P7']);
    expect((await site.feedTree())['archive/2/atom.xml']).not.toContain('next-archive');
    expect((await site.regenerate(['posts/a.md'])).failed).toEqual([]);
    expect((await site.feedTree())['archive/2/atom.xml']).toContain('next-archive');
    expect(await site.feedTree()).toEqual(await site.freshTree());
  });
});
