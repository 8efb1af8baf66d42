import { describe, expect, it, vi } from 'vitest';
import { LeaseLostError } from '../../../lib/index/lease.ts';
import { fanOutRead } from '../../../lib/pipeline/fanout/coordinator.ts';
import { REBUILDS_PREFIX, type TaskMessage } from '../../../lib/pipeline/fanout/tasks.ts';
import { runTask } from '../../../lib/pipeline/fanout/worker.ts';
import { rebuild } from '../../../lib/pipeline/rebuild.ts';
import type { PipelineDeps } from '../../../lib/pipeline/types.ts';
import { MemoryStorage } from '../../../lib/storage/memory/memory-storage.ts';
import { SiteHarness } from '../../support/pipeline-harness.ts';
import { snapshot, testSite } from '../../support/site-content.ts';

const date = (i: number) => new Date(Date.UTC(2025, 0, 1) + i * 3_600_000).toISOString();

async function varied(size: number): Promise<SiteHarness> {
  const site = new SiteHarness(testSite({ itemsPerFeed: 4 }));
  for (let i = 0; i < size; i++) {
    await site.write(`posts/${String(i).padStart(3, '0')}.md`, {
      title: `Post ${i}`,
      // Ties on the date, so the key decides between posts of different tasks.
      date: date(Math.floor(i / 2)),
      categories: [`c${i % 3}`],
      tags: [`t${i % 7}`, ...(i % 11 === 0 ? ['rare'] : [])],
    });
  }
  await site.write('posts/draft.md', { title: 'Draft', date: date(5), draft: true });
  await site.write('posts/future.md', { title: 'Future', date: '2025-09-01T00:00:00Z', tags: ['later'] });
  await site.write('posts/expiring.md', { title: 'Expiring', date: date(3), expiryDate: '2025-08-01T00:00:00Z' });
  await site.write('posts/bad.md', '---\ntitle: [unclosed\n---\n');
  return site;
}

/** A fanned-out rebuild whose workers run in this process as soon as their tasks are dispatched. */
function fannedOut(deps: PipelineDeps, taskSize: number, dispatched: TaskMessage[] = []) {
  return rebuild(deps, {
    read: fanOutRead({
      taskSize,
      dispatch: async (messages) => {
        dispatched.push(...messages);
        // Last task first: the merge must not depend on the order workers finish in.
        for (const message of [...messages].reverse()) await runTask(deps, message);
      },
      pause: () => Promise.reject(new Error('every part is written before the coordinator looks')),
    }),
  });
}

/** The index without its root (which names the rebuild that wrote it). */
async function index(state: MemoryStorage): Promise<Record<string, string>> {
  const { 'index.json': _root, ...rest } = await snapshot(state);
  return rest;
}

describe('the fanned-out rebuild', () => {
  it('writes the same feeds and the same index as a rebuild in one process, and cleans its tasks up', async () => {
    const site = await varied(60);
    const dispatched: TaskMessage[] = [];
    const report = await fannedOut(site.deps(), 7, dispatched);
    expect(dispatched).toHaveLength(Math.ceil(64 / 7));
    expect(report.failed).toEqual([]);
    expect(report.posts).toMatchObject({ read: 64, published: 61 });
    expect(report.posts.skipped.map(({ key }) => key).sort()).toEqual(['posts/draft.md', 'posts/future.md']);
    expect(report.posts.rejected.map(({ key }) => key)).toEqual(['posts/bad.md']);

    const single = { feeds: new MemoryStorage(), state: new MemoryStorage() };
    await rebuild({ ...site.deps(), ...single });
    expect(await site.feedTree()).toEqual(await snapshot(single.feeds));
    expect(await index(site.stateStore)).toEqual(await index(single.state));
    expect(Object.keys(await snapshot(site.stateStore, REBUILDS_PREFIX))).toEqual([]);
  });

  it('over an existing index: reuses current records, forgets removed posts, and incremental runs carry on from it', async () => {
    const site = await varied(40);
    await site.rebuild();
    await site.remove('posts/005.md');
    await site.write('posts/010.md', { title: 'Post 10, edited', date: date(5), tags: ['t3'] });
    await site.write('posts/new.md', { title: 'New', date: date(100), tags: ['fresh'] });
    site.clock = new Date('2025-08-15T00:00:00Z');
    expect((await fannedOut(site.deps(), 6)).failed).toEqual([]);
    expect(await site.feedTree()).toEqual(await site.freshTree());

    await site.write('posts/011.md', { title: 'Post 11, edited', date: date(200), tags: ['t1'] });
    expect((await site.regenerate(['posts/011.md'])).failed).toEqual([]);
    expect(await site.feedTree()).toEqual(await site.freshTree());
  });

  it('incremental runs step aside while the workers read, and their retry after it lands', async () => {
    const site = await varied(20);
    const deps = site.deps();
    let during: Awaited<ReturnType<SiteHarness['regenerate']>> | undefined;
    await rebuild(deps, {
      read: fanOutRead({
        taskSize: 5,
        dispatch: async (messages) => {
          await site.write('posts/003.md', { title: 'Edited while the rebuild reads', date: date(500) });
          during = await site.regenerate(['posts/003.md']);
          for (const message of messages) await runTask(deps, message);
        },
      }),
    });
    expect(during!.failed.map(({ key, error }) => [key, error.replace(/until .*:/, 'until …:')])).toEqual([
      ['posts/003.md', 'a rebuild holds the index until …: retry later'],
    ]);
    expect((await site.regenerate(['posts/003.md'])).failed).toEqual([]);
    expect(await site.feedTree()).toEqual(await site.freshTree());
  });

  it('the coordinator renews the lease while workers take longer than it lasts, and they keep writing', async () => {
    const site = await varied(20);
    const deps = site.deps();
    const held: TaskMessage[] = [];
    let looks = 0;
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const report = await rebuild(deps, {
        read: fanOutRead({
          taskSize: 5,
          dispatch: async (messages) => void held.push(...messages),
          // Each look at the parts comes 20 s after the last: four are past the 60 s lease, renewed every 15 s.
          pause: async () => {
            site.clock = new Date(site.clock.getTime() + 20_000);
            await vi.advanceTimersByTimeAsync(20_000);
            if (++looks === 4) for (const message of held) await runTask(deps, message);
          },
        }),
      });
      expect(report.failed).toEqual([]);
    } finally {
      vi.useRealTimers();
    }
    expect(looks).toBe(4);
    expect(await site.feedTree()).toEqual(await site.freshTree());
  });

  it('a worker whose rebuild no longer holds the lease writes nothing', async () => {
    const site = await varied(20);
    const held: TaskMessage[] = [];
    const deps = site.deps();
    // The coordinator's time runs out before any worker ran: it fails and gives the lease back.
    await expect(
      rebuild(deps, { read: fanOutRead({ taskSize: 5, dispatch: async (m) => void held.push(...m), deadline: () => 0 }) }),
    ).rejects.toThrow(/0 of 5 workers done/);
    const before = await snapshot(site.stateStore);
    await expect(runTask(deps, held[0]!)).rejects.toThrow(LeaseLostError);
    expect(await snapshot(site.stateStore)).toEqual(before);
  });

  it('a worker stops writing once the lease it saw is near its end without renewal (a stalled coordinator)', async () => {
    const site = await varied(20);
    const deps = site.deps();
    let stalled: Promise<unknown> | undefined;
    const run = rebuild(deps, {
      read: fanOutRead({
        taskSize: 5,
        dispatch: async ([first]) => {
          // The clock jumps past the lease before the worker's first write: nothing is renewed in between.
          const worker = { ...deps, now: () => new Date(site.clock.getTime() + 60_000) };
          stalled = runTask(worker, first!);
        },
        deadline: () => 0,
      }),
    });
    await expect(run).rejects.toThrow(/workers done/);
    await expect(stalled).rejects.toThrow(LeaseLostError);
  });
});
