/**
 * Lambda `tick`, every minute (EventBridge): publishes and withdraws the posts whose scheduled time has come.
 * `regenerate` with no keys reads the index root and the schedule and processes only the due posts, so a
 * minute without one costs two S3 reads (and the configuration), however large the site.
 */
import type { Context } from 'aws-lambda';
import { regenerate } from '../lib/pipeline/regenerate.ts';
import { runHandler, type RuntimeOptions } from '../lib/aws/runtime.ts';

export interface TickSummary {
  due: number;
  published: number;
  feedsWritten: number;
  failed: number;
}

export type TickHandler = (event?: unknown, context?: Context) => Promise<TickSummary>;

export function createHandler(options: RuntimeOptions = {}): TickHandler {
  // Due posts that failed stay in the schedule: the next minute takes them again, so a tick never throws for them.
  return runHandler('tick', options, false, async (_runtime, deps) => {
    const report = await regenerate(deps, []);
    const summary = {
      due: report.posts.read,
      published: report.posts.published,
      feedsWritten: report.feeds.written.length,
      failed: report.failed.length,
    };
    return { report, summary };
  });
}

/** Configured from the environment on first use, then reused by every invocation of the container. */
export const handler = createHandler();
