import type { Clock } from '../../lib/serve/clock.ts';

interface Timer {
  at: number;
  run: () => void;
}

/**
 * A clock that stands still until the test moves it: a debounce window or a scheduled post's time comes
 * when the test says so, however long the machine takes to get there. What is already due runs at once.
 */
export class ManualClock implements Clock {
  #now: number;
  readonly #timers = new Set<Timer>();

  constructor(start = Date.parse('2025-06-01T12:00:00Z')) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  after(ms: number, run: () => void): () => void {
    const timer = { at: this.#now + Math.max(0, ms), run };
    this.#timers.add(timer);
    if (ms <= 0) setImmediate(() => this.#fire(timer));
    return () => this.#timers.delete(timer);
  }

  /** Moves time on by `ms`, running each timer that falls due at its own instant, earliest first. */
  advance(ms: number): void {
    const target = this.#now + ms;
    for (;;) {
      const next = [...this.#timers].filter((timer) => timer.at <= target).sort((a, b) => a.at - b.at)[0];
      if (next === undefined) break;
      this.#now = Math.max(this.#now, next.at);
      this.#fire(next);
    }
    this.#now = target;
  }

  #fire(timer: Timer): void {
    if (this.#timers.delete(timer)) timer.run();
  }
}
