/**
 * Lambda `regenerate`: S3 notifications (through SQS, or straight from S3) -> the affected feeds
 * (lib/aws/regenerate-batch.ts does the batch).
 */
import type { Context, SQSBatchResponse } from 'aws-lambda';
import { regenerateBatch } from '../lib/aws/regenerate-batch.ts';
import { Runtime, type RuntimeOptions } from '../lib/aws/runtime.ts';

export type RegenerateHandler = (event: unknown, context?: Context) => Promise<SQSBatchResponse | undefined>;

export function createHandler(options: RuntimeOptions = {}): RegenerateHandler {
  let runtime: Runtime | undefined;
  return (event, context) => {
    runtime ??= new Runtime(options);
    return regenerateBatch(runtime, event, context);
  };
}

/** Configured from the environment on first use, then reused by every invocation of the container. */
export const handler = createHandler();
