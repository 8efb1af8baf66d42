/**
 * Lambda `tick`, every minute (EventBridge): publishes and withdraws the posts whose scheduled time has come.
 * `regenerate` with no keys reads the index root and the schedule and processes only the due posts, so a
 * minute without one costs two S3 reads (and the configuration), however large the site.
 */
import type { Context } from 'aws-lambda';
import { regenerate } from '../lib/pipeline/regenerate.ts';
import { errorFields, Runtime, type RuntimeOptions } from '../lib/runtime.ts';

export interface TickSummary {
  due: number;
  published: number;
  feedsWritten: number;
  failed: number;
}

export type TickHandler = (event?: unknown, context?: Context) => Promise<TickSummary>;

export function createHandler(options: RuntimeOptions = {}): TickHandler {
  let runtime: Runtime | undefined;
  return async (_event, context) => {
    const started = performance.now();
    runtime ??= new Runtime(options);
    const stores = runtime.stores();
    try {
      const site = await runtime.loadSite(stores.content);
      const report = await regenerate(runtime.deps(stores, site), []);
      const announced = await runtime.announce(report, site);
      runtime.logRun('tick', report, stores, {
        invalidatedPaths: announced.invalidation?.paths.length ?? 0,
        hubPings: announced.hubPings,
        durationMs: Math.round(performance.now() - started),
        ...(context && { requestId: context.awsRequestId }),
      });
      // Due posts that failed stay in the schedule: the next minute takes them again.
      return {
        due: report.posts.read,
        published: report.posts.published,
        feedsWritten: report.feeds.written.length,
        failed: report.failed.length,
      };
    } catch (error) {
      runtime.log.error('tick failed', { error: errorFields(error) });
      throw error;
    }
  };
}

/** Configured from the environment on first use, then reused by every invocation of the container. */
export const handler = createHandler();
