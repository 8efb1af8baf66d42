/**
 * Like `Promise.all`, but settles only once every promise has: then throws the first rejection. A failed
 * step must not return while its sibling writes still run (with SDK retries, for seconds): they would land
 * after the caller moved on, a later run included (on Lambda, after the next thaw), and an older render
 * could overwrite a newer one after that run checked its manifest.
 */
export async function settleAll<T>(promises: Iterable<Promise<T>>): Promise<T[]> {
  const outcomes = await Promise.allSettled(promises);
  const failure = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  if (failure) throw failure.reason;
  return outcomes.map((outcome) => (outcome as PromiseFulfilledResult<T>).value);
}

/**
 * Runs `task` over `items` with at most `limit` in flight; results keep the items' order. After a task
 * fails no new one starts, and it rejects (with the first failure) only once those in flight are done.
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const index = next++;
      try {
        results[index] = await task(items[index]!, index);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await settleAll(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Storage round trips in flight at once: enough to hide S3 latency, few enough for a small Lambda. */
export const IO_CONCURRENCY = 16;
