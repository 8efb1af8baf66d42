/** Runs `task` over `items` with at most `limit` in flight; results keep the items' order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Storage round trips in flight at once: enough to hide S3 latency, few enough for a small Lambda. */
export const IO_CONCURRENCY = 16;

/**
 * Steps that render and then write (items, feeds): a few in flight overlap the writes' latency; more
 * only keep more rendered output alive between awaits, which a full rebuild pays for in peak memory.
 */
export const RENDER_CONCURRENCY = 4;
