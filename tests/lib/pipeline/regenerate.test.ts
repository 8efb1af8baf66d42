import { describe, expect, it } from 'vitest';
import { IndexBusyError } from '../../../lib/index/lease.ts';
import { rebuild } from '../../../lib/pipeline/rebuild.ts';
import { intercept, type StorageCall } from '../../../lib/storage/intercept.ts';
import { MemoryStorage } from '../../../lib/storage/memory/memory-storage.ts';
import type { PutOptions } from '../../../lib/storage/storage.ts';
import { resendingLostReplies } from '../../support/lost-reply.ts';
import { SiteHarness } from '../../support/pipeline-harness.ts';
import { testSite } from '../../support/site-content.ts';

const titles = (tree: Record<string, string>, path: string): string[] =>
  (JSON.parse(tree[path]!) as { items: { title: string }[] }).items.map((item) => item.title);

/** A point in a forced interleaving: one side opens it, the other waits for it. */
function step(): { open: () => void; opened: Promise<void> } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

async function builtSite(): Promise<SiteHarness> {
  const site = new SiteHarness();
  await site.write('posts/a.md', { title: 'Alpha', date: '2025-05-01T10:00:00Z', categories: ['News'], tags: ['rust'] });
  await site.write('posts/b.md', { title: 'Beta', date: '2025-05-02T10:00:00Z', categories: ['News'], tags: ['go'] });
  await site.write('posts/c.md', { title: 'Gamma', date: '2025-05-03T10:00:00Z', categories: ['Notes'], tags: ['go'] });
  await site.rebuild();
  return site;
}

/** Counts writes (put, delete) by storage. */
function countWrites(site: SiteHarness): { feeds: StorageCall[]; state: StorageCall[] } {
  const calls = { feeds: [] as StorageCall[], state: [] as StorageCall[] };
  // Writes that landed: a refused conditional write (a record created where one exists) changes nothing.
  const counter = (list: StorageCall[]) => ({
    after: (call: StorageCall) => void ((call.op === 'put' || call.op === 'delete') && list.push(call)),
  });
  site.feeds = intercept(site.feedsStore, counter(calls.feeds));
  site.state = intercept(site.stateStore, counter(calls.state));
  return calls;
}

describe('regenerate', () => {
  it('adds an uploaded post to the site feed and its terms, creating new term feeds', async () => {
    const site = await builtSite();
    await site.write('posts/d.md', { title: 'Delta', date: '2025-05-04T10:00:00Z', categories: ['News'], tags: ['zig'] });
    const report = await site.regenerate(['posts/d.md']);
    const tree = await site.feedTree();
    expect(titles(tree, 'feed.json')).toEqual(['Delta', 'Gamma', 'Beta', 'Alpha']);
    expect(titles(tree, 'categories/news/feed.json')).toEqual(['Delta', 'Beta', 'Alpha']);
    expect(titles(tree, 'tags/zig/feed.json')).toEqual(['Delta']);
    expect(report.posts).toMatchObject({ read: 1, published: 1, skipped: [], rejected: [] });
    expect(report.feeds.written).toEqual(
      ['', 'categories/news/', 'tags/zig/']
        .flatMap((dir) => ['atom.xml', 'feed.json', 'rss.xml'].map((file) => dir + file))
        .concat(['feeds.opml', 'index.html'])
        .sort(),
    );
    expect(report.failed).toEqual([]);
    expect(tree).toEqual(await site.freshTree());
  });

  it('moves an edited post from one term to another and deletes the feeds of a term left empty', async () => {
    const site = await builtSite();
    await site.write('posts/a.md', { title: 'Alpha', date: '2025-05-01T10:00:00Z', categories: ['News'], tags: ['go'] });
    const report = await site.regenerate(['posts/a.md']);
    const tree = await site.feedTree();
    expect(tree['tags/rust/feed.json']).toBeUndefined();
    expect(report.feeds.deleted).toEqual(['tags/rust/atom.xml', 'tags/rust/feed.json', 'tags/rust/rss.xml']);
    expect(titles(tree, 'tags/go/feed.json')).toEqual(['Gamma', 'Beta', 'Alpha']);
    expect(tree).toEqual(await site.freshTree());
  });

  it('removes a deleted post from all of its feeds', async () => {
    const site = await builtSite();
    await site.remove('posts/c.md');
    await site.regenerate(['posts/c.md']);
    const tree = await site.feedTree();
    expect(titles(tree, 'feed.json')).toEqual(['Beta', 'Alpha']);
    expect(tree['categories/notes/rss.xml']).toBeUndefined();
    expect(tree).toEqual(await site.freshTree());
  });

  it('does nothing at all for a duplicate event', async () => {
    const site = await builtSite();
    await site.write('posts/d.md', { title: 'Delta', date: '2025-05-04T10:00:00Z', tags: ['go'] });
    await site.regenerate(['posts/d.md', 'posts/d.md']);
    const writes = countWrites(site);
    const again = await site.regenerate(['posts/d.md']);
    expect(writes).toEqual({ feeds: [], state: [] });
    expect(again.posts).toMatchObject({ read: 1, published: 1 });
    await site.remove('posts/d.md');
    await site.regenerate(['posts/d.md']);
    writes.feeds.length = writes.state.length = 0;
    await site.regenerate(['posts/d.md']);
    expect(writes).toEqual({ feeds: [], state: [] });
  });

  it('writes no feed file for a change below every feed’s newest items, and only changed files for one among them', async () => {
    const site = await builtSite();
    site.site = testSite({ itemsPerFeed: 1, archives: false });
    await site.rebuild();
    // Alpha is the newest of its tag only: its edit changes the site's and News' lists (its source ETag), not their bytes.
    await site.write('posts/a.md', { title: 'Alpha, edited', date: '2025-05-01T10:00:00Z', categories: ['News'], tags: ['rust'] });
    const writes = countWrites(site);
    const edit = await site.regenerate(['posts/a.md']);
    const rust = ['tags/rust/atom.xml', 'tags/rust/feed.json', 'tags/rust/rss.xml'];
    expect(writes.feeds.map((call) => ('key' in call ? call.key : '')).sort()).toEqual(rust);
    expect(edit.feeds.written).toEqual(rust);
    expect(await site.feedTree()).toEqual(await site.freshTree());
    // Gamma is the site's and Notes' newest: those feeds are written, without a HEAD first.
    const heads: string[] = [];
    site.feeds = intercept(site.feedsStore, { before: (call) => void (call.op === 'head' && heads.push(call.key)) });
    await site.write('posts/c.md', { title: 'Gamma, edited', date: '2025-05-03T10:00:00Z', categories: ['Notes'], tags: ['go'] });
    const newest = await site.regenerate(['posts/c.md']);
    const files = (dir: string) => [`${dir}atom.xml`, `${dir}feed.json`, `${dir}rss.xml`];
    expect(newest.feeds.written).toEqual([...files(''), ...files('categories/notes/'), ...files('tags/go/')].sort());
    expect(heads).toEqual([]);
    expect(await site.feedTree()).toEqual(await site.freshTree());
  });

  it('rejects a bad post with its reason, takes it out of its feeds, and publishes the rest of the batch', async () => {
    const site = await builtSite();
    await site.write('posts/b.md', '---\ntitle: "Beta\n---\n');
    await site.write('posts/d.md', { title: 'Delta', date: '2025-05-04T10:00:00Z', tags: ['go'] });
    const report = await site.regenerate(['posts/b.md', 'posts/d.md', 'herald.config.json', 'images/x.png']);
    expect(report.posts.read).toBe(2);
    expect(report.posts.rejected.map((error) => error.key)).toEqual(['posts/b.md']);
    expect(report.posts.rejected[0]!.reason).not.toBe('');
    expect(titles(await site.feedTree(), 'tags/go/feed.json')).toEqual(['Delta', 'Gamma']);
    expect(await site.feedTree()).toEqual(await site.freshTree());
  });

  it('reports a key it cannot read as failed, proceeds with the others, and converges on retry', async () => {
    const site = await builtSite();
    await site.write('posts/d.md', { title: 'Delta', date: '2025-05-04T10:00:00Z', tags: ['go'] });
    await site.write('posts/e.md', { title: 'Epsilon', date: '2025-05-05T10:00:00Z', tags: ['go'] });
    const content = intercept(site.content, {
      before: (call) => {
        if (call.op === 'get' && call.key === 'posts/d.md') throw Object.assign(new Error('InternalError'), { name: 'InternalError' });
      },
    });
    const report = await site.regenerate(['posts/d.md', 'posts/e.md'], { content });
    expect(report.failed).toEqual([{ key: 'posts/d.md', error: 'InternalError' }]);
    expect(titles(await site.feedTree(), 'feed.json')[0]).toBe('Epsilon');
    const retry = await site.regenerate(['posts/d.md']);
    expect(retry.failed).toEqual([]);
    expect(await site.feedTree()).toEqual(await site.freshTree());
  });

  it('finishes the work of a run that crashed between the index commit and the feed writes', async () => {
    const site = await builtSite();
    await site.write('posts/a.md', { title: 'Alpha moved', date: '2025-05-01T10:00:00Z', categories: ['Notes'], tags: ['zig'] });
    let crashed = false;
    site.feeds = intercept(site.feedsStore, {
      before: () => {
        crashed = true;
        throw new Error('Lambda timed out');
      },
    });
    const report = await site.regenerate(['posts/a.md']);
    expect(crashed).toBe(true);
    expect(report.failed.map((f) => f.key)).toEqual(['posts/a.md']);
    // The index already holds the new version; the retry must still carry it into every old and new feed.
    site.feeds = site.feedsStore;
    const retry = await site.regenerate(['posts/a.md']);
    expect(retry.failed).toEqual([]);
    const tree = await site.feedTree();
    expect(tree['tags/rust/feed.json']).toBeUndefined();
    expect(titles(tree, 'tags/zig/feed.json')).toEqual(['Alpha moved']);
    expect(tree).toEqual(await site.freshTree());
  });

  it('returns from a failed run only once none of its writes is still in flight', async () => {
    // One feed write fails at once while the others are slow (an SDK retrying SlowDowns): had the run
    // returned at the first failure, those writes would land later, over whatever a newer run wrote.
    const site = await builtSite();
    await site.write('posts/d.md', { title: 'Delta', date: '2025-05-04T10:00:00Z', tags: ['zig'] });
    let failedDir: string | undefined;
    let slow = 0;
    let inFlight = 0;
    site.feeds = intercept(site.feedsStore, {
      before: async (call) => {
        if (call.op !== 'put') return;
        const dir = call.key.slice(0, call.key.lastIndexOf('/') + 1);
        if (failedDir === undefined) {
          failedDir = dir;
          throw Object.assign(new Error('SlowDown'), { name: 'SlowDown' });
        }
        if (dir !== failedDir) return;
        slow++;
        inFlight++;
        await new Promise((resolve) => setTimeout(resolve, 300));
        inFlight--;
      },
    });
    const report = await site.regenerate(['posts/d.md']);
    expect(report.failed.map((f) => f.key)).toEqual(['posts/d.md']);
    expect(slow).toBeGreaterThan(0);
    expect(inFlight).toBe(0);
    site.feeds = site.feedsStore;
    expect((await site.regenerate(['posts/d.md'])).failed).toEqual([]);
    expect(await site.feedTree()).toEqual(await site.freshTree());
  });

  it('converges after any single injected fault, on every storage call of a run', async () => {
    const change = async (site: SiteHarness) => {
      await site.write('posts/a.md', { title: 'Alpha moved', date: '2025-05-06T10:00:00Z', tags: ['zig'] });
      await site.remove('posts/c.md');
    };
    const keys = ['posts/a.md', 'posts/c.md'];
    const reference = await builtSite();
    await change(reference);
    const calls = { content: 0, feeds: 0, state: 0 };
    const count = (name: keyof typeof calls) => ({ before: () => void calls[name]++ });
    await reference.regenerate(keys, {
      content: intercept(reference.content, count('content')),
      feeds: intercept(reference.feedsStore, count('feeds')),
      state: intercept(reference.stateStore, count('state')),
    });
    const expected = await reference.feedTree();
    for (const target of ['content', 'feeds', 'state'] as const) {
      for (let fault = 0; fault < calls[target]; fault++) {
        for (const when of ['before', 'after'] as const) {
          const site = await builtSite();
          await change(site);
          let n = 0;
          // `before`: the call fails and changes nothing; `after`: it happened, but its answer is lost.
          const faulty = intercept(target === 'content' ? site.content : target === 'feeds' ? site.feedsStore : site.stateStore, {
            [when]: () => {
              if (n++ === fault) throw new Error(`injected fault ${when} ${target} call ${fault}`);
            },
          });
          const first = await site.regenerate(keys, { [target]: faulty });
          // Some calls are best effort (deleting replaced shards): their failure costs nothing to retry.
          const retry = await site.regenerate(first.failed.map((failure) => failure.key));
          expect(retry.failed).toEqual([]);
          expect(await site.feedTree(), `${target} call ${fault} ${when}`).toEqual(expected);
        }
      }
    }
  });

  it('takes a write whose reply was lost, and whose resend its own success refused, as done', async () => {
    const change = async (site: SiteHarness) => {
      await site.write('posts/a.md', { title: 'Alpha moved', date: '2025-05-06T10:00:00Z', tags: ['zig'] });
      await site.remove('posts/c.md');
    };
    const keys = ['posts/a.md', 'posts/c.md'];
    const reference = await builtSite();
    await change(reference);
    let puts = 0;
    await reference.regenerate(keys, { state: intercept(reference.stateStore, { before: (call) => void (call.op === 'put' && puts++) }) });
    expect(puts).toBeGreaterThan(5);
    for (let lost = 0; lost < puts; lost++) {
      const site = await builtSite();
      await change(site);
      let n = 0;
      const report = await site.regenerate(keys, { state: resendingLostReplies(site.stateStore, () => n++ === lost) });
      expect(report.failed, `state put ${lost}`).toEqual([]);
      expect(await site.feedTree(), `state put ${lost}`).toEqual(await reference.feedTree());
      // Every list is whole: the next change to the same feeds goes through at once.
      await site.write('posts/d.md', { title: 'Delta', date: '2025-05-07T10:00:00Z', tags: ['zig', 'go'] });
      expect((await site.regenerate(['posts/d.md'])).failed, `state put ${lost}`).toEqual([]);
      expect(await site.feedTree(), `state put ${lost}`).toEqual(await site.freshTree());
    }
  });

  it('publishes a future-dated post when its time comes, through the schedule', async () => {
    const site = await builtSite();
    await site.write('posts/f.md', { title: 'Future', date: '2025-06-10T00:00:00Z', tags: ['later'] });
    const report = await site.regenerate(['posts/f.md']);
    expect(report.posts.skipped).toEqual([{ key: 'posts/f.md', reason: 'scheduled: published from 2025-06-10T00:00:00.000Z' }]);
    expect((await site.feedTree())['tags/later/feed.json']).toBeUndefined();
    site.clock = new Date('2025-06-10T00:00:01Z');
    const later = await site.regenerate([]);
    expect(later.posts).toMatchObject({ read: 1, published: 1 });
    expect(titles(await site.feedTree(), 'tags/later/feed.json')).toEqual(['Future']);
    expect(await site.feedTree()).toEqual(await site.freshTree());
  });

  it('unpublishes an expired post through the schedule', async () => {
    const site = await builtSite();
    await site.write('posts/x.md', {
      title: 'Expiring',
      date: '2025-05-10T00:00:00Z',
      expiryDate: '2025-06-05T00:00:00Z',
      tags: ['short'],
    });
    await site.regenerate(['posts/x.md']);
    expect(titles(await site.feedTree(), 'tags/short/feed.json')).toEqual(['Expiring']);
    site.clock = new Date('2025-06-06T00:00:00Z');
    await site.regenerate([]);
    expect((await site.feedTree())['tags/short/feed.json']).toBeUndefined();
    expect(await site.feedTree()).toEqual(await site.freshTree());
  });

  it('rebuilds when the index is missing or was built with another configuration', async () => {
    const site = await builtSite();
    site.site = testSite({ title: 'Renamed', itemsPerFeed: 2 });
    const report = await site.regenerate(['posts/a.md']);
    expect(report.posts.read).toBe(3);
    expect(await site.feedTree()).toEqual(await site.freshTree());
    const empty = new SiteHarness();
    await empty.write('posts/a.md', { title: 'Alpha', date: '2025-05-01T10:00:00Z' });
    await empty.regenerate(['posts/a.md']);
    expect(await empty.feedTree()).toEqual(await empty.freshTree());
  });

  it('reads again a post that a rebuild under another configuration could not read, and places it as that configuration says', async () => {
    // Found by the convergence scenarios: the site author went, and a post naming none stayed in the author's feed.
    const authors = { feeds: { authors: true } };
    const site = new SiteHarness(testSite({ ...authors, author: 'Site Team' }));
    await site.write('posts/a.md', { title: 'Alpha', date: '2025-05-01T10:00:00Z' });
    await site.write('posts/b.md', { title: 'Beta', date: '2025-05-02T10:00:00Z', extra: { authors: ['Ann'] } });
    await site.rebuild();
    expect(titles(await site.feedTree(), 'authors/site-team/feed.json')).toEqual(['Alpha']);
    site.site = testSite(authors);
    // The rebuild keeps what the index knew of the post it cannot read (its record, made under the other
    // configuration), reads it again for its item, and reports its key for a retry.
    let refused = false;
    const content = intercept(site.content, {
      before: (call) => {
        if (call.op !== 'get' || call.key !== 'posts/a.md' || refused) return;
        refused = true;
        throw new Error('SlowDown');
      },
    });
    expect((await site.rebuild({ content })).failed).toEqual([{ key: 'posts/a.md', error: 'SlowDown' }]);
    expect(titles(await site.feedTree(), 'authors/site-team/feed.json')).toEqual(['Alpha']);
    const report = await site.regenerate(['posts/a.md']);
    expect(report.failed).toEqual([]);
    expect((await site.feedTree())['authors/site-team/feed.json']).toBeUndefined();
    expect(await site.feedTree()).toEqual(await site.freshTree());
  });

  it('hands a missing index to the rebuild function once, and reports its keys until the rebuild is done', async () => {
    const site = new SiteHarness();
    for (const key of ['posts/a.md', 'posts/b.md', 'posts/c.md']) await site.write(key, { title: key, date: '2025-05-01T10:00:00Z' });
    const started: string[] = [];
    let refuse = true;
    const startRebuild = async (build: string) => {
      started.push(build);
      if (refuse) throw new Error('Lambda throttled the invocation');
    };
    // The start fails: the reservation goes with it, and the next run starts the rebuild again.
    expect((await site.regenerate(['posts/a.md'], { startRebuild })).failed.map((f) => f.key)).toEqual(['posts/a.md']);
    refuse = false;
    for (const key of ['posts/a.md', 'posts/b.md', 'posts/c.md']) {
      const report = await site.regenerate([key], { startRebuild });
      expect(report.failed).toEqual([{ key, error: expect.stringMatching(/rebuild.*retry later/) }]);
      expect(report.posts.read).toBe(0);
    }
    expect(started).toHaveLength(2);
    expect(await site.feedTree()).toEqual({});
    // Only the rebuild it was reserved for takes the lease over; then the retries go through.
    await expect(site.rebuild()).rejects.toBeInstanceOf(IndexBusyError);
    const rebuilt = await rebuild(site.deps(), { takeOver: started[1]! });
    expect(rebuilt.posts.read).toBe(3);
    expect((await site.regenerate(['posts/a.md', 'posts/b.md'], { startRebuild })).failed).toEqual([]);
    expect(started).toHaveLength(2);
    expect(await site.feedTree()).toEqual(await site.freshTree());
  });

  it('steps aside while a rebuild holds the index, so its keys are retried', async () => {
    const site = await builtSite();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let reached!: () => void;
    const listing = new Promise<void>((resolve) => (reached = resolve));
    const rebuilding = site.rebuild({
      content: intercept(site.content, {
        before: async (call) => {
          if (call.op !== 'list') return;
          reached();
          await gate;
        },
      }),
    });
    // The rebuild lists the content once it holds the lease.
    await listing;
    await site.write('posts/d.md', { title: 'Delta', date: '2025-05-04T10:00:00Z' });
    const report = await site.regenerate(['posts/d.md']);
    expect(report.failed.map((f) => f.key)).toEqual(['posts/d.md']);
    release();
    await rebuilding;
    await site.regenerate(['posts/d.md']);
    expect(await site.feedTree()).toEqual(await site.freshTree());
  });

  it('leaves no stray list behind when a whole rebuild runs while it is between reading and writing one', async () => {
    const site = await builtSite();
    // Alpha moves to a new tag; the run is held just before it creates that tag's list.
    await site.write('posts/a.md', { title: 'Alpha', date: '2025-05-01T10:00:00Z', categories: ['News'], tags: ['zig'] });
    const [atList, mayList] = [step(), step()];
    const paused = intercept(site.stateStore, {
      before: async (call) => {
        if (call.op === 'put' && call.key.startsWith('feeds/tags/zig/')) {
          atList.open();
          await mayList.opened;
        }
      },
    });
    const running = site.regenerate(['posts/a.md'], { state: paused });
    await atList.opened;
    // Meanwhile Alpha moves again and a whole rebuild runs, never seeing the tag the run is about to create.
    await site.write('posts/a.md', { title: 'Alpha', date: '2025-05-01T10:00:00Z', categories: ['News'], tags: ['go'] });
    await site.rebuild();
    mayList.open();
    const report = await running;
    expect(report.failed.map((f) => f.key)).toEqual(['posts/a.md']);
    // The retry (a redelivered event) finishes the work: nothing of the tag the post passed through remains.
    expect((await site.regenerate(['posts/a.md'])).failed).toEqual([]);
    expect(await site.feedTree()).toEqual(await site.freshTree());
  });

  it('keeps the places of a run the rebuild overwrote mid-way, so the run’s retry still clears them', async () => {
    const site = await builtSite();
    await site.write('posts/a.md', { title: 'Alpha', date: '2025-05-01T10:00:00Z', categories: ['News'], tags: ['zig'] });
    const [runAtRecord, runMayCommit, runAtList, runMayList, rebuildAtRecord, rebuildMayWrite] = [
      step(),
      step(),
      step(),
      step(),
      step(),
      step(),
    ];
    const record = 'records/posts/a.md.json';
    const forRun = intercept(site.stateStore, {
      before: async (call) => {
        if (call.op !== 'put') return;
        // Its commit over the stored record, not its attempt to create one where none is.
        if (call.key === record && call.options.ifNoneMatch === undefined) {
          runAtRecord.open();
          await runMayCommit.opened;
        } else if (call.key.startsWith('feeds/tags/zig/')) {
          runAtList.open();
          await runMayList.opened;
        }
      },
    });
    const forRebuild = intercept(site.stateStore, {
      before: async (call) => {
        if (call.op === 'put' && call.key === record) {
          rebuildAtRecord.open();
          await rebuildMayWrite.opened;
        }
      },
    });
    // The run has read Alpha (tag zig) and is about to commit its record; the rebuild starts and reads the old record.
    const running = site.regenerate(['posts/a.md'], { state: forRun });
    await runAtRecord.opened;
    await site.write('posts/a.md', { title: 'Alpha', date: '2025-05-01T10:00:00Z', categories: ['News'], tags: ['go'] });
    const rebuilding = site.rebuild({ state: forRebuild });
    await rebuildAtRecord.opened;
    // The run commits (a pending marker) before the rebuild writes over it, then waits to create zig's list.
    runMayCommit.open();
    await runAtList.opened;
    rebuildMayWrite.open();
    expect((await rebuilding).failed).toEqual([]);
    runMayList.open();
    expect((await running).failed.map((f) => f.key)).toEqual(['posts/a.md']);
    expect((await site.regenerate(['posts/a.md'])).failed).toEqual([]);
    expect(await site.feedTree()).toEqual(await site.freshTree());
  });

  it('keeps its index under any prefix of a shared storage', async () => {
    const site = await builtSite();
    const shared = new MemoryStorage();
    const prefixed = (prefix: string) => ({
      get: (key: string) => shared.get(prefix + key),
      head: (key: string) => shared.head(prefix + key),
      put: (key: string, body: Uint8Array | string, options?: PutOptions) => shared.put(prefix + key, body, options),
      delete: (key: string) => shared.delete(prefix + key),
      async *list(p = '') {
        for await (const info of shared.list(prefix + p)) yield { ...info, key: info.key.slice(prefix.length) };
      },
    });
    site.state = prefixed('.index/');
    await site.rebuild();
    await site.write('posts/d.md', { title: 'Delta', date: '2025-05-04T10:00:00Z' });
    await site.regenerate(['posts/d.md']);
    expect(await site.feedTree()).toEqual(await site.freshTree());
    for await (const { key } of shared.list()) expect(key.startsWith('.index/')).toBe(true);
  });
});

describe('regenerate with a larger batch', () => {
  it('handles a burst of uploads and deletions in one call', async () => {
    const site = new SiteHarness(testSite({ itemsPerFeed: 10 }));
    await site.rebuild();
    const keys: string[] = [];
    for (let i = 0; i < 600; i++) {
      const key = `posts/burst-${i}.md`;
      keys.push(key);
      await site.write(key, {
        title: `Burst ${i}`,
        date: new Date(Date.UTC(2025, 4, 1, 0, i)).toISOString(),
        tags: [`t${i % 7}`],
        categories: [`c${i % 3}`],
      });
    }
    await site.regenerate(keys);
    for (let i = 0; i < 600; i += 6) await site.remove(`posts/burst-${i}.md`);
    const report = await site.regenerate(keys);
    expect(report.failed).toEqual([]);
    expect(await site.feedTree()).toEqual(await site.freshTree());
  });
});
