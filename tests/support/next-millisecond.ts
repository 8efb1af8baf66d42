/**
 * Resolves once the wall clock has moved past the current millisecond: objects written after it carry a later
 * `lastModified` in MemoryStorage than those written before. Waits for the clock, not for the machine.
 */
export async function nextMillisecond(): Promise<void> {
  const now = Date.now();
  while (Date.now() === now) await new Promise((resolve) => setImmediate(resolve));
}
