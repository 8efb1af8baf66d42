import { describe, expect, it } from 'vitest';
import { comparePositions, type Entry } from '../../../lib/index/entries.ts';
import {
  applyChange,
  cutList,
  EMPTY_MANIFEST,
  locate,
  newestEntries,
  partlyMade,
  SHARD_FILL,
  SHARD_MAX,
  shardsToLoad,
  type ListChange,
  type Manifest,
} from '../../../lib/index/shards.ts';
import { seededRandom } from '../../support/seeded-random.ts';

/** A list held in memory the way the index holds it in storage: a manifest and immutable shards by id. */
class MemoryList {
  manifest: Manifest = EMPTY_MANIFEST;
  readonly shards = new Map<string, Entry[]>();
  reads = 0;
  #next = 0;

  apply(change: ListChange): boolean {
    const update = applyChange(this.manifest, this.load(change), change, () => `s${this.#next++}`);
    if (!update) return false;
    for (const { id, entries } of update.written) this.shards.set(id, entries);
    for (const id of update.obsolete) this.shards.delete(id);
    this.manifest = update.manifest;
    return true;
  }

  /** The shards a change reads. */
  load(change: ListChange): Map<string, Entry[]> {
    const loaded = new Map<string, Entry[]>();
    for (const index of shardsToLoad(this.manifest, change)) {
      const id = this.manifest.shards[index]!.id;
      loaded.set(id, this.shards.get(id)!);
      this.reads++;
    }
    return loaded;
  }

  all(): Entry[] {
    return this.manifest.shards.flatMap((ref) => this.shards.get(ref.id)!);
  }
}

const entry = (date: string, key: string, source = 'e1', name?: string): Entry =>
  name === undefined ? [date, key, source] : [date, key, source, name];
const day = (n: number) => new Date(Date.UTC(2025, 0, 1) + n * 3_600_000).toISOString();

function checkInvariants(list: MemoryList): void {
  const all = list.all();
  expect(list.manifest.total).toBe(all.length);
  expect([...all].sort(comparePositions)).toEqual(all);
  expect(new Set(all.map((e) => e[1])).size).toBe(all.length);
  for (const ref of list.manifest.shards) {
    const entries = list.shards.get(ref.id)!;
    expect(entries.length).toBe(ref.count);
    expect(ref.count).toBeGreaterThan(0);
    expect(ref.count).toBeLessThanOrEqual(SHARD_MAX);
    expect(ref.first).toEqual(entries[0]);
    expect(ref.last).toEqual(entries[entries.length - 1]!.slice(0, 2));
  }
  // Every stored shard is referenced: replaced shards are reported obsolete.
  expect(list.shards.size).toBe(list.manifest.shards.length);
}

describe('sharded feed lists', () => {
  it('orders newest first with the key as tie-breaker', () => {
    const list = new MemoryList();
    list.apply({ remove: [], insert: [entry(day(1), 'b.md'), entry(day(2), 'c.md'), entry(day(1), 'a.md')] });
    expect(list.all().map((e) => e[1])).toEqual(['c.md', 'a.md', 'b.md']);
    checkInvariants(list);
  });

  it('reports no change when nothing changes, and changes when only the source ETag does', () => {
    const list = new MemoryList();
    list.apply({ remove: [], insert: [entry(day(1), 'a.md')] });
    expect(list.apply({ remove: [[day(1), 'a.md']], insert: [entry(day(1), 'a.md')] })).toBe(false);
    expect(list.apply({ remove: [], insert: [entry(day(1), 'a.md', 'e2')] })).toBe(true);
    expect(list.all()).toEqual([entry(day(1), 'a.md', 'e2')]);
  });

  it('tells a change that the list holds in part already (another run listed the same records)', () => {
    const list = new MemoryList();
    list.apply({ remove: [], insert: Array.from({ length: SHARD_MAX + 1 }, (_, i) => entry(day(i), `p${i}.md`)) });
    const made = (change: ListChange) => partlyMade(list.manifest, list.load(change), change);
    // An edit (its old position removed, its new entry inserted) and a new post: nothing of them is listed yet.
    expect(made({ remove: [[day(3), 'p3.md']], insert: [entry(day(4000), 'p3.md', 'e2'), entry(day(5000), 'new.md')] })).toBe(false);
    // The new post is listed as it is; or the edited post's old position is gone.
    expect(made({ remove: [], insert: [entry(day(5000), 'new.md'), entry(day(500), 'p500.md')] })).toBe(true);
    expect(
      made({
        remove: [
          [day(3), 'p3.md'],
          [day(7), 'gone.md'],
        ],
        insert: [],
      }),
    ).toBe(true);
    // Its key listed at another date leaves the position to remove empty; with other bytes, the entry is not listed as it is.
    expect(made({ remove: [[day(8), 'p3.md']], insert: [] })).toBe(true);
    expect(made({ remove: [], insert: [entry(day(3), 'p3.md', 'e2')] })).toBe(false);
    expect(partlyMade(EMPTY_MANIFEST, new Map(), { remove: [], insert: [entry(day(1), 'a.md')] })).toBe(false);
  });

  it('never lists a key twice, even when the position it had was lost', () => {
    const list = new MemoryList();
    list.apply({ remove: [], insert: [entry(day(1), 'a.md'), entry(day(2), 'b.md')] });
    list.apply({ remove: [], insert: [entry(day(3), 'a.md')] });
    expect(list.all().map((e) => e[1])).toEqual(['a.md', 'b.md']);
  });

  it('splits a shard that grows past the limit and reads only the shards a change falls in', () => {
    const list = new MemoryList();
    const entries = Array.from({ length: 2000 }, (_, i) => entry(day(i), `p${i}.md`));
    list.apply({ remove: [], insert: entries });
    checkInvariants(list);
    expect(list.manifest.shards.length).toBeGreaterThan(2000 / SHARD_MAX);
    // A new post reads the newest shard only; removing an old one reads its shard only.
    list.reads = 0;
    list.apply({ remove: [], insert: [entry(day(5000), 'new.md')] });
    expect(list.reads).toBe(1);
    list.reads = 0;
    list.apply({ remove: [[day(3), 'p3.md']], insert: [] });
    expect(list.reads).toBe(1);
    checkInvariants(list);
  });

  it('drops shards that become empty', () => {
    const list = new MemoryList();
    const entries = Array.from({ length: SHARD_MAX + 1 }, (_, i) => entry(day(i), `p${i}.md`));
    list.apply({ remove: [], insert: entries });
    const newest = list.shards.get(list.manifest.shards[0]!.id)!;
    list.apply({ remove: newest.map((e) => [e[0], e[1]] as const), insert: [] });
    checkInvariants(list);
    expect(list.manifest.total).toBe(SHARD_MAX + 1 - newest.length);
  });

  it('keeps the invariants through random batches of inserts, moves and removals', () => {
    const random = seededRandom(7);
    const list = new MemoryList();
    const reference = new Map<string, Entry>();
    for (let step = 0; step < 300; step++) {
      const change: ListChange = { remove: [], insert: [] };
      const batch = 1 + Math.floor(random() * (step % 20 === 0 ? 400 : 6));
      const touched = new Set<string>();
      for (let i = 0; i < batch; i++) {
        const key = `k${Math.floor(random() * 1500)}.md`;
        if (touched.has(key)) continue;
        touched.add(key);
        const old = reference.get(key);
        if (old) change.remove.push([old[0], old[1]]);
        if (random() < 0.75) {
          // Many posts share a timestamp, as in real corpora.
          const created = entry(day(Math.floor(random() * 200)), key, `e${step}`, random() < 0.5 ? 'Name' : undefined);
          change.insert.push(created);
          reference.set(key, created);
        } else reference.delete(key);
      }
      list.apply(change);
    }
    checkInvariants(list);
    expect(list.all()).toEqual([...reference.values()].sort(comparePositions));
  });

  it('cuts a rebuilt list into content-addressed shards', () => {
    const entries = Array.from({ length: SHARD_FILL * 2 + 3 }, (_, i) => entry(day(-i), `p${i}.md`));
    const first = cutList(entries);
    expect(first.shards.map((s) => s.entries.length)).toEqual([SHARD_FILL, SHARD_FILL, 3]);
    expect(cutList(entries)).toEqual(first);
    expect(first.manifest.total).toBe(entries.length);
    expect(cutList([]).manifest).toEqual(EMPTY_MANIFEST);
  });

  it('reads the newest entries from the first shards only', async () => {
    const { manifest, shards } = cutList(Array.from({ length: 1000 }, (_, i) => entry(day(-i), `p${i}.md`)));
    const loaded: string[] = [];
    const newest = await newestEntries(manifest, 20, async (ref) => {
      loaded.push(ref.id);
      return shards.find((s) => s.id === ref.id)!.entries;
    });
    expect(newest.map((e) => e[1])).toEqual(Array.from({ length: 20 }, (_, i) => `p${i}.md`));
    expect(loaded).toEqual([manifest.shards[0]!.id]);
  });

  it('locates positions between and beyond shards', () => {
    const { manifest } = cutList(Array.from({ length: 600 }, (_, i) => entry(day(-i), `p${String(i).padStart(3, '0')}.md`)));
    expect(locate(manifest.shards, [day(10), 'x.md'])).toBe(0);
    expect(locate(manifest.shards, [day(-300), 'p300.md'])).toBe(1);
    expect(locate(manifest.shards, [day(-5000), 'z.md'])).toBe(2);
    expect(locate([], [day(0), 'a.md'])).toBe(-1);
  });
});
