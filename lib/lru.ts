/**
 * A map that keeps its most recently used entries up to a budget (each entry has a size: characters, bytes),
 * forgetting the least recently used first: for work done once and used again soon, in a memory that must not
 * grow with the site.
 */
export class Lru<K, V> {
  // Least recently used first: a Map iterates in insertion order, and a use moves an entry to the end.
  readonly #entries = new Map<K, { value: V; size: number }>();
  #size = 0;

  constructor(
    readonly budget: number,
    private readonly onEvict?: (key: K, value: V) => void,
  ) {}

  get(key: K): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry.value;
  }

  set(key: K, value: V, size: number): void {
    this.delete(key);
    this.#entries.set(key, { value, size: 0 });
    this.grow(key, size);
  }

  /** The entry under `key` holds `by` more; it stays, however large, until something is used after it. */
  grow(key: K, by: number): void {
    const entry = this.#entries.get(key);
    if (entry === undefined) return;
    entry.size += by;
    this.#size += by;
    for (const [oldest] of this.#entries) {
      if (this.#size <= this.budget || oldest === key) break;
      this.delete(oldest);
    }
  }

  delete(key: K): void {
    const entry = this.#entries.get(key);
    if (entry === undefined) return;
    this.#entries.delete(key);
    this.#size -= entry.size;
    this.onEvict?.(key, entry.value);
  }
}
