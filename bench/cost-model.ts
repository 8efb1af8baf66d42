/**
 * AWS list prices (us-east-1, arm64 Lambda, S3 Standard, SQS standard, CloudFront US/Europe; free tiers left out,
 * so small sites cost less than printed) applied to request counts and durations the benches measure. The model
 * prices what grows with uploads and with time, not storage or reader traffic, which do not depend on Herald's design.
 */
export const PRICES = {
  /** S3 PUT, COPY, POST and LIST, per request ($0.005 per 1,000). DELETE is free. */
  s3Write: 0.005 / 1000,
  /** S3 GET, HEAD and every other request, per request ($0.0004 per 1,000). */
  s3Read: 0.0004 / 1000,
  /** Lambda arm64 compute per GB-second, and per invocation ($0.20 per million). */
  lambdaGbSecond: 0.0000133334,
  lambdaInvocation: 0.2 / 1_000_000,
  /** SQS standard queue, per request ($0.40 per million; a 64 KB chunk is one request). */
  sqsRequest: 0.4 / 1_000_000,
  /** CloudFront data transfer out to the internet, per GB (US/Europe, first 10 TB a month): reader traffic. */
  cloudfrontTransferGb: 0.085,
  /** CloudFront invalidation, per path beyond the first 1,000 a month. */
  invalidationPath: 0.005,
  /** EventBridge Scheduler, per invocation ($1.00 per million, after 14 million free a month). */
  schedulerInvocation: 1 / 1_000_000,
} as const;

/** S3 requests by price class; deletes cost nothing. */
export interface S3Requests {
  reads: number;
  writes: number;
}

/** What one run (an upload's regenerate, a tick, a check) costs, measured. */
export interface RunFigures {
  s3: S3Requests;
  /** Wall time of the handler, billed per millisecond. */
  durationMs: number;
  /** The function's configured memory. */
  memoryMb: number;
}

export function s3Cost({ reads, writes }: S3Requests): number {
  return reads * PRICES.s3Read + writes * PRICES.s3Write;
}

export function lambdaCost({ durationMs, memoryMb }: RunFigures): number {
  return (durationMs / 1000) * (memoryMb / 1024) * PRICES.lambdaGbSecond + PRICES.lambdaInvocation;
}

export function runCost(run: RunFigures): number {
  return s3Cost(run.s3) + lambdaCost(run);
}

/**
 * Dollars per million uploads: each costs its regenerate run, shared by `batchSize` uploads when events arrive
 * in batches (the run's figures are then the batch's), its SQS messages (a send, a receive and a delete,
 * each shared by the batch but for the send) and any invalidation paths.
 */
export function perMillionUploads(run: RunFigures, options: { batchSize?: number; invalidationPaths?: number } = {}): number {
  const batch = options.batchSize ?? 1;
  const sqs = (1 + 2 / batch) * PRICES.sqsRequest;
  const paths = (options.invalidationPaths ?? 0) * PRICES.invalidationPath;
  return 1_000_000 * (runCost(run) / batch + sqs + paths);
}

/** Dollars a month for a site nobody changes: the periodic runs alone (30 days). */
export function idleMonth(periodic: { run: RunFigures; perDay: number; scheduled?: boolean }[]): number {
  let total = 0;
  for (const { run, perDay, scheduled } of periodic) {
    const runs = perDay * 30;
    total += runs * (runCost(run) + (scheduled ? PRICES.schedulerInvocation : 0));
  }
  return total;
}

export function dollars(amount: number): string {
  return amount >= 100 ? `$${amount.toFixed(0)}` : amount >= 1 ? `$${amount.toFixed(2)}` : `$${amount.toFixed(4)}`;
}
