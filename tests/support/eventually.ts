/**
 * A hang guard, not a speed limit: below vitest's testTimeout (vitest.config.ts) so that a test that will
 * never pass says what it was waiting for, instead of only that it timed out.
 */
const HANG_GUARD_MS = 100_000;
const POLL_MS = 20;

/** Re-reads until `ok` holds, however long that takes on a loaded machine; returns the passing value. */
export async function eventually<T>(read: () => T | Promise<T>, ok: (value: T) => boolean, what: string): Promise<T> {
  const guard = Date.now() + HANG_GUARD_MS;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > guard) throw new Error(`never saw ${what}; last value: ${JSON.stringify(value)?.slice(0, 300)}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** `eventually` for a condition on what the test has recorded. */
export function until(condition: () => boolean, what: string): Promise<void> {
  return eventually(condition, (holds) => holds, what).then(() => {});
}
