/**
 * Lambda `rebuild`: any event (the schedule, a manual `{}`, `regenerate` for a config change or a missing
 * index, with the lease it reserved) -> every
 * post re-read, the index and every feed rebuilt, feeds of emptied terms removed, future-dated posts whose
 * time has come published. With REBUILD_QUEUE_URL, a site of more than one task's posts is read by
 * `rebuild-worker` invocations (lib/pipeline/fanout/) while this one holds the lease, then merged here. Parsing,
 * rendering and serialization run on one worker thread per vCPU its memory buys (lib/pipeline/threads.ts).
 * Throws when keys failed, so Lambda's asynchronous retry runs it again.
 */
import type { Context } from 'aws-lambda';
import { fanOutRead } from '../lib/pipeline/fanout/coordinator.ts';
import { rebuild, type RebuildOptions } from '../lib/pipeline/rebuild.ts';
import { lambdaJobs, threadedWork } from '../lib/pipeline/threads.ts';
import { runHandler, type RebuildEvent, type Runtime, type RuntimeOptions } from '../lib/aws/runtime.ts';

export interface RebuildSummary {
  posts: number;
  published: number;
  rejected: number;
  feedsWritten: number;
  feedsDeleted: number;
}

export type RebuildHandler = (event?: unknown, context?: Context) => Promise<RebuildSummary>;

export function createHandler(options: RuntimeOptions = {}): RebuildHandler {
  return runHandler('rebuild', options, true, async (runtime, deps, event, context) => {
    const rebuildOptions = leaseOf(event);
    if (runtime.settings.rebuildQueueUrl) rebuildOptions.read = fanOutRead(fanOutOf(runtime, context));
    const work = threadedWork(deps.site, lambdaJobs(Number(process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE)));
    const report = await rebuild(deps, { ...rebuildOptions, work }).finally(() => work.close());
    const summary = {
      posts: report.posts.read,
      published: report.posts.published,
      rejected: report.posts.rejected.length,
      feedsWritten: report.feeds.written.length,
      feedsDeleted: report.feeds.deleted.length,
    };
    return { report, summary };
  });
}

/** A rebuild `regenerate` started takes over the lease it reserved; any other event takes a free one. */
function leaseOf(event: unknown): RebuildOptions {
  const lease = (event as Partial<RebuildEvent> | null | undefined)?.lease;
  return typeof lease === 'string' ? { takeOver: lease } : {};
}

/**
 * Time kept for the merge, the lists and the feeds once the workers are done (a million posts: about 4 minutes,
 * bench/fanout.ts): waiting for workers past it would only end in the function's timeout.
 */
const MERGE_RESERVE_MS = 5 * 60 * 1000;

function fanOutOf(runtime: Runtime, context: Context | undefined) {
  const { rebuildTaskKeys } = runtime.settings;
  return {
    dispatch: (messages: unknown[]) => runtime.sendRebuildTasks(messages),
    ...(rebuildTaskKeys !== undefined && { taskSize: rebuildTaskKeys }),
    deadline: () => (context ? Date.now() + context.getRemainingTimeInMillis() - MERGE_RESERVE_MS : undefined),
  };
}

/** Configured from the environment on first use, then reused by every invocation of the container. */
export const handler = createHandler();
