/**
 * One batch of S3 notifications for the `regenerate` function, as Powertools' processPartialResponse does
 * for SQS: decode and coalesce the event, hand the posts' keys to `regenerate` (or the configuration to a
 * rebuild), and map what failed back to the SQS messages that named it, so only those are retried. A new
 * configuration changes every feed, and a missing index (a first deployment on a full bucket) needs every
 * post: both start the `rebuild` function when REBUILD_FUNCTION_NAME is set (posts meanwhile are retried
 * later), else rebuild here.
 */
import type { Context, SQSBatchResponse } from 'aws-lambda';
import { CONFIG_FILE } from '../config.ts';
import { errorFields } from '../errors.ts';
import { isPostKey } from '../index/layout.ts';
import { IndexBusyError } from '../index/lease.ts';
import { emptyReport } from '../pipeline/outputs.ts';
import { rebuild, requestRebuild } from '../pipeline/rebuild.ts';
import { regenerate } from '../pipeline/regenerate.ts';
import type { RunReport } from '../pipeline/types.ts';
import type { Runtime } from './runtime.ts';
import { coalesce, decodeEvent, type DecodedEvent } from './s3-events.ts';

/** The SQS messages whose keys failed (from a queue); a throw when any failed (straight from S3, which retries). */
export async function regenerateBatch(runtime: Runtime, event: unknown, context?: Context): Promise<SQSBatchResponse | undefined> {
  const started = performance.now();
  const { log } = runtime;
  const fromQueue = isSqsEvent(event);
  let decoded: DecodedEvent;
  try {
    decoded = decodeEvent(event);
  } catch (error) {
    // Wired to the wrong source: retrying cannot help, and the log must say so.
    log.error('regenerate received an event it cannot read', { error: errorFields(error) });
    throw error;
  }
  for (const { messageId, reason } of decoded.malformed) log.warn('dropped a message that is no S3 notification', { messageId, reason });

  // Messages per content key: a key's failure fails every message that named it.
  const messagesOf = new Map<string, string[]>();
  let configMessages: string[] | undefined;
  for (const change of coalesce(decoded.changes)) {
    const key = runtime.contentKey(change.bucket, change.key);
    if (key === CONFIG_FILE) configMessages = change.messageIds;
    else if (key !== null && isPostKey(key)) messagesOf.set(key, change.messageIds);
    else log.debug('ignored a key outside the content prefix', { bucket: change.bucket, key: change.key });
  }
  const keys = [...messagesOf.keys()];
  const failed = new Set<string>();
  let failures = 0;
  if (keys.length > 0 || configMessages) {
    const stores = runtime.stores();
    let report: RunReport;
    try {
      const site = await runtime.loadSite(stores.content);
      const deps = runtime.deps(stores, site);
      let rebuildStarted = false;
      if (configMessages && !runtime.settings.rebuildFunctionName) {
        // Every post is in a rebuild, so it covers the batch's keys too.
        report = await rebuild(deps);
        if (report.failed.length > 0) {
          for (const id of configMessages) failed.add(id);
          failures++;
        }
      } else {
        if (configMessages) {
          try {
            rebuildStarted = await requestRebuild(deps, (lease) => runtime.startRebuild(`${CONFIG_FILE} changed`, lease));
          } catch (error) {
            // A rebuild that holds the index may have read the old configuration: this one comes after it.
            if (error instanceof IndexBusyError) log.warn('a rebuild holds the index: the configuration change waits for it');
            else log.error('could not start the rebuild function', { error: errorFields(error) });
            for (const id of configMessages) failed.add(id);
            failures++;
          }
        }
        // With no posts in the batch there is nothing to regenerate; posts find the index reserved for
        // the rebuild (or being built), and are retried after it.
        report = keys.length > 0 ? await regenerate(deps, keys) : emptyReport();
      }
      for (const { key } of report.failed) for (const id of messagesOf.get(key) ?? []) failed.add(id);
      failures += report.failed.length;
      const announced = await runtime.announce(report, site);
      runtime.logRun('regenerate', report, stores, {
        keys: keys.length,
        configChanged: configMessages !== undefined,
        rebuildStarted,
        malformed: decoded.malformed.length,
        invalidatedPaths: announced.invalidation?.paths.length ?? 0,
        hubPings: announced.hubPings,
        failedMessages: failed.size,
        durationMs: Math.round(performance.now() - started),
        ...(context && { requestId: context.awsRequestId }),
      });
    } catch (error) {
      // The configuration or the index cannot be read: nothing in the batch can succeed now.
      log.error('regenerate failed: the whole batch will be retried', { error: errorFields(error), keys: keys.length });
      throw error;
    }
  } else {
    log.info('regenerate finished', { keys: 0, ignored: decoded.ignored.length, malformed: decoded.malformed.length });
  }

  if (fromQueue) return { batchItemFailures: [...failed].map((itemIdentifier) => ({ itemIdentifier })) };
  // Straight from S3 (an asynchronous invocation): throwing makes Lambda retry the event.
  if (failures > 0) throw new Error(`regenerate: ${failures} changes failed and will be retried`);
  return undefined;
}

function isSqsEvent(event: unknown): boolean {
  const records = (event as { Records?: unknown[] } | null)?.Records;
  return Array.isArray(records) && records.some((record) => (record as { eventSource?: string })?.eventSource === 'aws:sqs');
}
