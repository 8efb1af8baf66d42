/**
 * Lambda `rebuild`: any event (the schedule, a manual `{}`, `regenerate` for a config change or a missing
 * index, with the lease it reserved) -> every
 * post re-read, the index and every feed rebuilt, feeds of emptied terms removed, future-dated posts whose
 * time has come published. With REBUILD_QUEUE_URL, a site of more than one task's posts is read by
 * `rebuild-worker` invocations (lib/pipeline/fanout/) while this one holds the lease, then merged here.
 * Throws when keys failed, so Lambda's asynchronous retry runs it again.
 */
import type { Context } from 'aws-lambda';
import { fanOutRead } from '../lib/pipeline/fanout/coordinator.ts';
import { rebuild, type RebuildOptions } from '../lib/pipeline/rebuild.ts';
import { errorFields, Runtime, type RebuildEvent, type RuntimeOptions } from '../lib/runtime.ts';

export interface RebuildSummary {
  posts: number;
  published: number;
  rejected: number;
  feedsWritten: number;
  feedsDeleted: number;
}

export type RebuildHandler = (event?: unknown, context?: Context) => Promise<RebuildSummary>;

export function createHandler(options: RuntimeOptions = {}): RebuildHandler {
  let runtime: Runtime | undefined;
  return async (event, context) => {
    const started = performance.now();
    runtime ??= new Runtime(options);
    const stores = runtime.stores();
    try {
      const site = await runtime.loadSite(stores.content);
      const options = leaseOf(event);
      if (runtime.settings.rebuildQueueUrl) options.read = fanOutRead(fanOutOf(runtime, context));
      const report = await rebuild(runtime.deps(stores, site), options);
      const announced = await runtime.announce(report, site);
      runtime.logRun('rebuild', report, stores, {
        invalidatedPaths: announced.invalidation?.paths.length ?? 0,
        hubPings: announced.hubPings,
        durationMs: Math.round(performance.now() - started),
        ...(context && { requestId: context.awsRequestId }),
      });
      if (report.failed.length > 0)
        throw new Error(`rebuild: ${report.failed.length} keys failed; first: ${report.failed[0]!.key}: ${report.failed[0]!.error}`);
      return {
        posts: report.posts.read,
        published: report.posts.published,
        rejected: report.posts.rejected.length,
        feedsWritten: report.feeds.written.length,
        feedsDeleted: report.feeds.deleted.length,
      };
    } catch (error) {
      runtime.log.error('rebuild failed', { error: errorFields(error) });
      throw error;
    }
  };
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
