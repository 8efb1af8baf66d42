/**
 * A worker of a fanned-out rebuild: reads one task's posts exactly as a single-process rebuild reads them
 * (`Rebuild.readKeys`), writes the records that are final, and leaves the rest to the coordinator in its part.
 *
 * It holds no lease of its own: the coordinator holds and renews the index's. Before each write the worker
 * makes sure that lease is still the coordinator's and safely current, reading the root again only when the
 * last view it had is near its end (about one root read per 45 s), and stops with `LeaseLostError` otherwise:
 * a worker that outlived its rebuild (a stalled coordinator, a late redelivery) writes nothing.
 */
import { recordKey, ROOT_KEY } from '../../index/layout.ts';
import { assertLeaseHeld, type Lease, LeaseLostError } from '../../index/lease.ts';
import { leaseHeld, type Root, siteFingerprint } from '../../index/root.ts';
import { readJson } from '../../index/store.ts';
import { intercept, WRITES } from '../../storage/intercept.ts';
import { etagOf, toBytes } from '../../storage/semantics.ts';
import type { Storage } from '../../storage/storage.ts';
import { IO_CONCURRENCY, mapLimit } from '../concurrency.ts';
import { emptyReport, FileLog } from '../outputs.ts';
import type { Listed } from '../collected.ts';
import { Rebuild } from '../rebuild.ts';
import type { PipelineDeps } from '../types.ts';
import { partKey, taskKey, type Part, type Task, type TaskMessage } from './tasks.ts';

/** Reads the task and writes its part. Throws `LeaseLostError` when the rebuild it belongs to is over. */
export async function runTask(deps: PipelineDeps, message: TaskMessage): Promise<void> {
  const { build } = message;
  const fence = leaseFence(deps.state, build, deps.now);
  await fence.verify();
  const state = fence.storage;
  const task = (await readJson<Task>(deps.state, taskKey(build, message.task)))?.value;
  // The coordinator cleans its tasks up only once every part is in: this one is from a finished rebuild.
  if (!task) throw new LeaseLostError();
  if (task.site !== siteFingerprint(deps.site)) {
    const error = 'the worker loaded another site configuration than the rebuild: the configuration changed meanwhile';
    await state.put(partKey(build, message.task), JSON.stringify({ error }), { contentType: 'application/json' });
    return;
  }
  const report = emptyReport();
  const rebuild = new Rebuild({ ...deps, state, onProgress: undefined }, new Date(task.now), report, new FileLog(), task.reuse, build);
  const listed: Listed[] = task.keys.map(([key, etag]) => (etag ? { key, etag } : { key }));
  const stored = new Set(task.keys.filter(([, , exists]) => exists).map(([key]) => recordKey(key)));
  const collected = await rebuild.readKeys(listed, stored);
  const { shown } = collected;
  // On a site of many terms nearly every post is among its feeds' newest within a task, and the coordinator
  // cannot write them all in its time. So the worker writes them too, as if not shown (no item), but for those
  // that were shown before (they likely still are): only the few that change side are written twice.
  await mapLimit([...shown.values()], IO_CONCURRENCY, async (candidate) => {
    if (candidate.storedItem || candidate.keep) return;
    await rebuild.writeRecord(candidate);
    const json = JSON.stringify(candidate.record);
    // The condition of the coordinator's write, should the post be shown after all (S3's ETag of a single PUT).
    candidate.stored = { etag: etagOf(toBytes(json)), json };
  });
  const part: Part = {
    seen: [...collected.seen],
    // Entries of the posts still among the newest travel with their records, not twice.
    lists: [...collected.lists].map(([feed, entries]) => [feed, entries.filter(([, key]) => !shown.has(key))]),
    schedule: collected.schedule,
    candidates: [...shown.values()].map(({ refs: _refs, ...read }) => read),
    published: report.posts.published,
    unchanged: report.posts.unchanged,
    skipped: report.posts.skipped,
    rejected: report.posts.rejected.map(({ key, reason }) => ({ key, reason })),
    warned: report.posts.warned,
    failed: report.failed,
  };
  await state.put(partKey(build, message.task), JSON.stringify(part), { contentType: 'application/json' });
}

/** `state` that lets writes through only while the lease named `build` is held, with a margin (`assertLeaseHeld`). */
export function leaseFence(state: Storage, build: string, now: () => Date): { verify(): Promise<void>; storage: Storage } {
  const lease: Lease = { etag: '', until: 0, build };
  let reading: Promise<void> | undefined;
  const verify = () => {
    reading ??= (async () => {
      try {
        const root = (await readJson<Root>(state, ROOT_KEY))?.value;
        if (root?.build !== build || !leaseHeld(root, now())) lease.lost = true;
        else lease.until = Date.parse(root.lease!.until);
        assertLeaseHeld(lease, now());
      } finally {
        reading = undefined;
      }
    })();
    return reading;
  };
  const check = async () => {
    if (lease.lost) throw new LeaseLostError();
    try {
      assertLeaseHeld(lease, now());
    } catch {
      await verify();
    }
  };
  const storage = intercept(state, { ops: WRITES, before: check });
  return { verify, storage };
}
