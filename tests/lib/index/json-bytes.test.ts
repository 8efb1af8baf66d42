import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ItemJson, jsonBytes } from '../../../lib/index/json-bytes.ts';
import type { FeedItem } from '../../../lib/post/types.ts';

const encoded = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

// Any text: every code point, lone surrogates, the characters JSON escapes, and words the splicing looks for.
const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.string({ unit: fc.constantFrom('\u0000', '"', '\\', '\uD800', '\uDC00', 'item', ' ', '中', '😀'), maxLength: 12 }),
);
const item = fc.record({ key: text, title: text, html: text, tags: fc.array(fc.record({ name: text, slug: text }), { maxLength: 3 }) });

describe('jsonBytes', () => {
  it('gives the bytes of the JSON of records and manifests, items kept or not, shared or not', () => {
    fc.assert(
      fc.property(fc.array(item, { minLength: 1, maxLength: 4 }), fc.array(fc.nat(), { maxLength: 6 }), text, (items, picks, name) => {
        const kept = new ItemJson();
        for (const one of items.filter((_, index) => index % 2 === 0)) kept.keep(one as unknown as FeedItem);
        const pick = (index: number) => items[index % items.length]!;
        const record = { key: name, meta: { tags: [{ name, slug: name }] }, listed: true, item: pick(0), warnings: [name] };
        const manifest = {
          total: picks.length,
          shards: [{ id: name, count: 1, first: [name, name], last: [name, name] }],
          newest: picks.map((index) => ({ entry: [name, name, name], item: index % 5 === 0 ? null : pick(index) })),
          archive: { size: 2, bounds: [], open: picks.slice(0, 2).map((index) => ({ entry: [name], item: pick(index) })), deleted: [] },
        };
        for (const value of [record, manifest, { key: name, listed: false }])
          expect(Buffer.from(jsonBytes(value, kept)).equals(Buffer.from(encoded(value)))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('takes a kept item from what was kept, until cleared', () => {
    const kept = new ItemJson();
    const one = { key: 'a.md', html: '<p>中</p>' } as unknown as FeedItem;
    kept.keep(one);
    // The same item changed after it was kept shows the bytes kept: items are not changed once rendered.
    (one as unknown as { html: string }).html = 'changed';
    expect(Buffer.from(jsonBytes({ item: one }, kept)).toString()).toBe('{"item":{"key":"a.md","html":"<p>中</p>"}}');
    kept.clear();
    expect(Buffer.from(jsonBytes({ item: one }, kept)).toString()).toBe('{"item":{"key":"a.md","html":"changed"}}');
  });
});
