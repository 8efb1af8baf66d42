/**
 * The index's JSON objects as UTF-8, with each shown item's JSON encoded once: a shown post's item is in its record
 * and in the manifest of every feed showing it (100 of the synthetic site's 108 MB of index). Each object serialized
 * whole and encoded took 0.53 s for that site's records and manifests, spliced 0.19 s; its build 6.58 to 6.27 s,
 * bulwark's 5.94 to 5.67 s (archives off; on, 21.3 to 20.9 s), medians of 3 to 6, same peak RSS or less.
 */
import { randomUUID } from 'node:crypto';
import type { FeedItem } from '../post/types.ts';
import { toBytes } from '../storage/semantics.ts';

/** Stands for an item in the rest of the object's JSON: no text of a post can hold it, unknown to them. */
const MARK = `\u0000item ${randomUUID()}`;
const MARK_JSON = JSON.stringify(MARK);

/** Items' JSON bytes, kept for the items a run writes more than once (those some feed shows), until `clear`. */
export class ItemJson {
  readonly #kept = new Map<FeedItem, Uint8Array>();

  /** `item`'s bytes, kept for the objects that hold it later. */
  keep(item: FeedItem): void {
    if (!this.#kept.has(item)) this.#kept.set(item, toBytes(JSON.stringify(item)));
  }

  bytesOf(item: FeedItem): Uint8Array | undefined {
    return this.#kept.get(item);
  }

  clear(): void {
    this.#kept.clear();
  }
}

/**
 * `TextEncoder`'s bytes of `JSON.stringify(value)`, the value of each `item` property in it (a record's, a
 * manifest's newest and open page) taken from `items` where kept there. An item is no different in the middle of
 * other JSON. Splicing one not kept would cost more than it saves: with archives, every listed post's record has its
 * item, written once.
 */
export function jsonBytes(value: unknown, items: ItemJson): Uint8Array {
  const spliced: Uint8Array[] = [];
  const text = JSON.stringify(value, (key, inner: unknown) => {
    const bytes = key === 'item' && typeof inner === 'object' && inner !== null && items.bytesOf(inner as FeedItem);
    if (!bytes) return inner;
    spliced.push(bytes);
    return MARK;
  });
  if (spliced.length === 0) return toBytes(text);
  const parts = text.split(MARK_JSON).map((part) => toBytes(part));
  const bytes = new Uint8Array([...parts, ...spliced].reduce((size, part) => size + part.byteLength, 0));
  let at = 0;
  for (const [index, part] of parts.entries()) {
    bytes.set(part, at);
    at += part.byteLength;
    const item = spliced[index];
    if (item === undefined) continue;
    bytes.set(item, at);
    at += item.byteLength;
  }
  return bytes;
}
