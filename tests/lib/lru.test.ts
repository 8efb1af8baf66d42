import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Lru } from '../../lib/lru.ts';

describe('Lru', () => {
  it('forgets the least recently used entries first, once over its budget', () => {
    const evicted: string[] = [];
    const lru = new Lru<string, number>(10, (key) => evicted.push(key));
    lru.set('a', 1, 4);
    lru.set('b', 2, 4);
    expect(lru.get('a')).toBe(1);
    lru.set('c', 3, 4);
    expect(evicted).toEqual(['b']);
    expect([lru.get('a'), lru.get('b'), lru.get('c')]).toEqual([1, undefined, 3]);
  });

  it('keeps the entry used last even when it alone is over the budget', () => {
    const lru = new Lru<string, number>(3);
    lru.set('a', 1, 2);
    lru.set('big', 2, 5);
    expect([lru.get('a'), lru.get('big')]).toEqual([undefined, 2]);
    lru.grow('big', 10);
    expect(lru.get('big')).toBe(2);
  });

  it('never holds more than its budget beyond its newest entry, and reports every entry it drops once', () => {
    const op = fc.oneof(
      fc.record({ op: fc.constant('set' as const), key: fc.integer({ min: 0, max: 9 }), size: fc.integer({ min: 0, max: 20 }) }),
      fc.record({ op: fc.constant('get' as const), key: fc.integer({ min: 0, max: 9 }) }),
      fc.record({ op: fc.constant('grow' as const), key: fc.integer({ min: 0, max: 9 }), size: fc.integer({ min: 0, max: 20 }) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 40 }), fc.array(op, { maxLength: 60 }), (budget, ops) => {
        // The model: key -> [value, size], least recently used first.
        const model = new Map<number, [number, number]>();
        const dropped: number[] = [];
        const lru = new Lru<number, number>(budget, (key) => dropped.push(key));
        let value = 0;
        for (const step of ops) {
          const expectedDrops: number[] = [];
          if (step.op === 'get') {
            const entry = model.get(step.key);
            expect(lru.get(step.key)).toBe(entry?.[0]);
            if (entry) {
              model.delete(step.key);
              model.set(step.key, entry);
            }
            continue;
          }
          if (step.op === 'set') {
            if (model.has(step.key)) expectedDrops.push(step.key);
            model.delete(step.key);
            model.set(step.key, [++value, step.size]);
            lru.set(step.key, value, step.size);
          } else {
            const entry = model.get(step.key);
            lru.grow(step.key, step.size);
            if (!entry) continue;
            entry[1] += step.size;
          }
          let total = [...model.values()].reduce((sum, [, size]) => sum + size, 0);
          for (const [key, [, size]] of model) {
            if (total <= budget || key === step.key) break;
            model.delete(key);
            total -= size;
            expectedDrops.push(key);
          }
          expect(dropped.splice(0)).toEqual(expectedDrops);
        }
      }),
    );
  });
});
