/**
 * Time as the preview sees it: debounce windows, the schedule's wake-ups and retry pauses. Injected so that a
 * test can move time itself instead of waiting for it, and no assertion depends on how fast the machine is.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Runs `run` once `ms` have passed on this clock; the returned function cancels it. */
  after(ms: number, run: () => void): () => void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  after(ms, run) {
    // Never what holds the process open: the watcher and the server do while the preview runs, and close() cancels these.
    const timer = setTimeout(run, ms).unref();
    return () => clearTimeout(timer);
  },
};
