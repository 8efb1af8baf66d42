/**
 * Lambda `check`, daily (EventBridge): lists the content, compares it with a compact view of the index and
 * repairs only what differs (lib/pipeline/check.ts), so an event that never arrived is made good within a
 * day without a full rebuild. Throws when repairs failed, so the schedule's retry policy runs it again.
 */
import type { Context } from 'aws-lambda';
import { check } from '../lib/pipeline/check.ts';
import { runHandler, type RuntimeOptions } from '../lib/aws/runtime.ts';

export interface CheckSummary {
  posts: number;
  differing: number;
  rebuildStarted: boolean;
  feedsWritten: number;
}

export type CheckHandler = (event?: unknown, context?: Context) => Promise<CheckSummary>;

export function createHandler(options: RuntimeOptions = {}): CheckHandler {
  return runHandler('check', options, true, async (_runtime, deps) => {
    const result = await check(deps);
    const log = {
      posts: result.posts,
      differing: result.differing.length,
      // The first few name what was missed: a pattern there points at a lost notification, not bad luck.
      differingKeys: result.differing.slice(0, 20),
      rebuildStarted: result.rebuildStarted,
    };
    const summary = {
      posts: result.posts,
      differing: result.differing.length,
      rebuildStarted: result.rebuildStarted,
      feedsWritten: result.repair.feeds.written.length,
    };
    return { report: result.repair, log, summary };
  });
}

/** Configured from the environment on first use, then reused by every invocation of the container. */
export const handler = createHandler();
