/**
 * The fanned-out rebuild: a rebuild (lib/pipeline/rebuild.ts: the same lease, fence, lists, feeds and
 * garbage collection) whose read phase is spread over workers. The coordinator lists the posts, writes one
 * task per `taskSize` keys, hands the tasks to `dispatch` (on AWS: an SQS queue that starts the
 * `rebuild-worker` function), renews the lease while the workers read, and merges their parts.
 *
 * The merge gives what one process reading every post gives: a feed's newest `itemsPerFeed` posts are each
 * among the newest of that feed within their own part, so the parts' candidates hold them all, and placing
 * the candidates again (`Collected.add`) finds them; every other post's record was final in its worker.
 * A site of at most one task is read in this process: no queue, no worker start.
 */
import { HeraldError } from '../../errors.ts';
import { comparePositions } from '../../index/entries.ts';
import { recordKey } from '../../index/layout.ts';
import { siteFingerprint } from '../../index/root.ts';
import { readJson } from '../../index/store.ts';
import { PostError } from '../../post/types.ts';
import { listKeys, type Storage } from '../../storage/storage.ts';
import { IO_CONCURRENCY, mapLimit, settleAll } from '../concurrency.ts';
import { Collected } from '../collected.ts';
import type { ReadPhase } from '../rebuild.ts';
import { buildPrefix, partition, partKey, partsPrefix, REBUILDS_PREFIX, taskKey, type Part, type Task, type TaskMessage } from './tasks.ts';

/**
 * Keys per task. A worker reads them at 16 in flight: on S3 (about 20 ms a GET) some 10 s for posts whose
 * records are current and about 30 s when every post is parsed again; on moto_server, which is slower,
 * about 40 s (bench/fanout.ts). Far inside a worker's timeout, and 200 tasks for a million posts.
 */
export const TASK_SIZE = 5_000;

/** The workers could not all finish for this rebuild: it fails, releasing the index as incomplete, and runs again. */
export class FanOutError extends HeraldError {
  constructor(detail: string) {
    super(`fanned-out rebuild: ${detail}`);
    this.name = 'FanOutError';
  }
}

export interface FanOut {
  /** Starts the workers for these tasks (on AWS: sends them to the work queue). */
  dispatch(messages: TaskMessage[]): Promise<void>;
  taskSize?: number;
  /** Waits between two looks at the parts written so far. */
  pause?: () => Promise<void>;
  /** Gives up waiting for parts past this instant (ms since the epoch): the coordinator's own time is running out. */
  deadline?: () => number | undefined;
}

export function fanOutRead(fanOut: FanOut): ReadPhase {
  const { taskSize = TASK_SIZE, pause = () => new Promise((resolve) => setTimeout(resolve, 2_000)) } = fanOut;
  return async (rebuild, storedRecords) => {
    const keys = await rebuild.listPosts(storedRecords.size > 0);
    if (keys.length <= taskSize) return rebuild.readKeys(keys, storedRecords);
    const { state, site } = rebuild.deps;
    const { build, report } = rebuild;
    // What a rebuild that died left behind; no other rebuild runs while this one holds the lease.
    await deleteUnder(state, REBUILDS_PREFIX);
    const tasks = partition(keys, taskSize);
    const fingerprint = siteFingerprint(site);
    await mapLimit(tasks, IO_CONCURRENCY, async (listed, index) => {
      const task: Task = {
        now: rebuild.now.toISOString(),
        reuse: rebuild.reuse,
        site: fingerprint,
        keys: listed.map(({ key, etag }) => [key, etag ?? '', storedRecords.has(recordKey(key))]),
      };
      await state.put(taskKey(build, index), JSON.stringify(task), { contentType: 'application/json' });
    });
    await fanOut.dispatch(tasks.map((_, task) => ({ build, task })));

    for (;;) {
      let written = 0;
      for await (const _ of state.list(partsPrefix(build))) written++;
      if (written >= tasks.length) break;
      const deadline = fanOut.deadline?.();
      if (deadline !== undefined && Date.now() >= deadline) {
        throw new FanOutError(`${written} of ${tasks.length} workers done when the coordinator's time ran out`);
      }
      await pause();
    }

    const collected = new Collected(site);
    // One part at a time: each carries the list entries of all its posts.
    for (let index = 0; index < tasks.length; index++) {
      const part = (await readJson<Part>(state, partKey(build, index)))!.value;
      if (part.error) throw new FanOutError(`task ${index}: ${part.error}`);
      for (const key of part.seen) collected.seen.add(key);
      for (const [feed, entries] of part.lists) {
        const list = collected.lists.get(feed);
        if (list) list.push(...entries);
        else collected.lists.set(feed, entries);
      }
      collected.schedule.push(...part.schedule);
      report.posts.published += part.published;
      report.posts.unchanged += part.unchanged;
      report.posts.skipped.push(...part.skipped);
      report.posts.rejected.push(...part.rejected.map(({ key, reason }) => new PostError(key, reason)));
      // Absent from the parts of a worker of the version before (a rebuild that spans a deploy).
      report.posts.warned.push(...(part.warned ?? []));
      report.failed.push(...part.failed);
      for (const candidate of part.candidates) {
        await settleAll(collected.add(candidate).map((final) => rebuild.writeRecord(final)));
      }
    }
    report.posts.read = keys.length;
    for (const list of collected.lists.values()) list.sort(comparePositions);
    await deleteUnder(state, buildPrefix(build));
    return collected;
  };
}

async function deleteUnder(state: Storage, prefix: string): Promise<void> {
  await mapLimit([...(await listKeys(state, prefix))], IO_CONCURRENCY, (key) => state.delete(key));
}
