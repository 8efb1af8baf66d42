/**
 * Lambda `rebuild`: any event (the schedule, a manual `{}`, `regenerate` for a config change or a missing
 * index, with the lease it reserved) -> every
 * post re-read, the index and every feed rebuilt, feeds of emptied terms removed, future-dated posts whose
 * time has come published. Throws when keys failed, so the schedule's retry policy runs it again.
 */
import type { Context } from 'aws-lambda';
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
      const report = await rebuild(runtime.deps(stores, site), leaseOf(event));
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

/** Configured from the environment on first use, then reused by every invocation of the container. */
export const handler = createHandler();
