/**
 * Lambda `rebuild-worker`: tasks of a fanned-out rebuild, from its work queue (one a batch) -> the task's
 * posts read and their records written, its part left for the coordinator (lib/pipeline/fanout/worker.ts).
 * A task whose rebuild no longer holds the index is dropped: retrying it could only be refused again.
 */
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { LeaseLostError } from '../lib/index/lease.ts';
import type { TaskMessage } from '../lib/pipeline/fanout/tasks.ts';
import { runTask } from '../lib/pipeline/fanout/worker.ts';
import { errorFields } from '../lib/errors.ts';
import { Runtime, type RuntimeOptions } from '../lib/aws/runtime.ts';

export type RebuildWorkerHandler = (event: SQSEvent, context?: Context) => Promise<SQSBatchResponse>;

export function createHandler(options: RuntimeOptions = {}): RebuildWorkerHandler {
  let runtime: Runtime | undefined;
  return async (event, context) => {
    const started = performance.now();
    runtime ??= new Runtime(options);
    const { log } = runtime;
    const stores = runtime.stores();
    const site = await runtime.loadSite(stores.content);
    const deps = runtime.deps(stores, site);
    const failed: string[] = [];
    for (const { messageId, body } of event.Records) {
      const message = JSON.parse(body) as TaskMessage;
      try {
        await runTask(deps, message);
      } catch (error) {
        if (error instanceof LeaseLostError) log.warn('the rebuild of this task no longer holds the index: task dropped', { ...message });
        else {
          log.error('rebuild task failed: it will be retried', { ...message, error: errorFields(error) });
          failed.push(messageId);
        }
      }
    }
    const { counts } = stores;
    log.info('rebuild-worker finished', {
      tasks: event.Records.length,
      failed: failed.length,
      s3Requests: counts.get + counts.head + counts.put + counts.delete + counts.list,
      s3: { ...counts },
      durationMs: Math.round(performance.now() - started),
      ...(context && { requestId: context.awsRequestId }),
    });
    return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
  };
}

/** Configured from the environment on first use, then reused by every invocation of the container. */
export const handler = createHandler();
