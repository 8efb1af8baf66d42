/**
 * Lambda `check`, daily (EventBridge): lists the content, compares it with a compact view of the index and
 * repairs only what differs (lib/pipeline/check.ts), so an event that never arrived is made good within a
 * day without a full rebuild. Throws when repairs failed, so the schedule's retry policy runs it again.
 */
import type { Context } from 'aws-lambda';
import { check } from '../lib/pipeline/check.ts';
import { errorFields, Runtime, type RuntimeOptions } from '../lib/runtime.ts';

export interface CheckSummary {
  posts: number;
  differing: number;
  rebuildStarted: boolean;
  feedsWritten: number;
}

export type CheckHandler = (event?: unknown, context?: Context) => Promise<CheckSummary>;

export function createHandler(options: RuntimeOptions = {}): CheckHandler {
  let runtime: Runtime | undefined;
  return async (_event, context) => {
    const started = performance.now();
    runtime ??= new Runtime(options);
    const stores = runtime.stores();
    try {
      const site = await runtime.loadSite(stores.content);
      const result = await check(runtime.deps(stores, site));
      const announced = await runtime.announce(result.repair, site);
      runtime.logRun('check', result.repair, stores, {
        posts: result.posts,
        differing: result.differing.length,
        // The first few name what was missed: a pattern there points at a lost notification, not bad luck.
        differingKeys: result.differing.slice(0, 20),
        rebuildStarted: result.rebuildStarted,
        invalidatedPaths: announced.invalidation?.paths.length ?? 0,
        hubPings: announced.hubPings,
        durationMs: Math.round(performance.now() - started),
        ...(context && { requestId: context.awsRequestId }),
      });
      const { failed } = result.repair;
      if (failed.length > 0) throw new Error(`check: ${failed.length} keys failed; first: ${failed[0]!.key}: ${failed[0]!.error}`);
      return {
        posts: result.posts,
        differing: result.differing.length,
        rebuildStarted: result.rebuildStarted,
        feedsWritten: result.repair.feeds.written.length,
      };
    } catch (error) {
      runtime.log.error('check failed', { error: errorFields(error) });
      throw error;
    }
  };
}

/** Configured from the environment on first use, then reused by every invocation of the container. */
export const handler = createHandler();
