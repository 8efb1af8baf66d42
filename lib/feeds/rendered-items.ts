/**
 * Each post's item rendered once, for every feed and archive page that shows it: a post is in the site's feed,
 * its categories', its tags' (and their pages), each in three formats, and rendering it (its view, its RSS, Atom
 * and JSON text) costs far more than copying the text, and each text is encoded to UTF-8 once too (only its bytes
 * are kept). The cache holds the items rendered last, up to a budget (characters and bytes), so memory stays bounded
 * however many posts a build renders; a build that renders the documents showing the same posts near each other
 * (lib/pipeline/rebuild.ts orders pages by date) finds most of them here.
 * Items are looked up by key and never changed once made; an item holding other data under the same key (a post
 * edited while `herald serve` runs), or another site configuration, makes them again.
 */
import { isDeepStrictEqual } from 'node:util';
import type { SiteConfig } from '../config.ts';
import { Lru } from '../lru.ts';
import type { FeedItem } from '../post/types.ts';
import type { ItemView } from './model.ts';
import type { FeedFormat } from './types.ts';

/**
 * A format's text of one item as UTF-8, rendered and encoded once: every document that shows the item splices in
 * these bytes (lib/feeds/document.ts), so the item is neither rendered nor encoded again per document.
 */
export interface Fragment {
  readonly bytes: Uint8Array;
}

interface Rendered {
  site: SiteConfig;
  item: FeedItem;
  parts: Partial<Record<FeedFormat, Fragment>>;
  /** Gone from the cache: parts made now are not kept. */
  evicted: boolean;
}

/**
 * At most 2^23 units in each thread, a unit being a character of a view's HTML (at most two bytes) or a byte of a
 * format's text in UTF-8 (the texts themselves are not kept): a page of long posts in three formats, or a few hundred
 * short ones. A Chinese post counts about 10 units a character of its body (its HTML, three times three bytes).
 * Most items are rendered (and encoded) about three times with archives, being gone from a cache of any size that
 * fits in memory when the next page showing them comes; a worker thread gets each document's items as copies of its
 * own (lib/pipeline/threads.ts), found here by their key and data like any other.
 * The calling thread had 2^25 until session 12, when the index's bytes left memory (lib/index/local-index.ts) and
 * this cache became the largest thing in a build with archives. Medians of 3 to 4, one thread, 2^25 against 2^23:
 * bulwark with archives 13.4 s both, peak RSS 432 against 393 to 399 MB (the goal is 400); without, 3.5 and 3.6 s,
 * 313 and 309 MB; the synthetic site without archives 3.9 s both, 363 and 347 MB; with archives 9.2 against 9.7 s,
 * 444 against 403 MB.
 */
export const RENDER_BUDGET_CHARS = 2 ** 23;

const utf8 = new TextEncoder();

export class RenderedItems {
  /** By the item's key: a post's items are equal whatever object holds them (plain data, through JSON or a clone). */
  readonly #byItem: Lru<string, ItemView>;
  readonly #byView = new WeakMap<ItemView, Rendered>();

  constructor(
    private readonly makeView: (item: FeedItem, site: SiteConfig) => ItemView,
    budget: number,
  ) {
    this.#byItem = new Lru(budget, (_item, view) => {
      const rendered = this.#byView.get(view)!;
      rendered.parts = {};
      rendered.evicted = true;
    });
  }

  /**
   * The item's view under `site`, made once while the item stays in the cache: for this very item, or another
   * holding the same (a post's item read again, from its record or from a feed's list, is another object).
   */
  view(item: FeedItem, site: SiteConfig): ItemView {
    const cached = this.#byItem.get(item.key);
    if (cached) {
      const rendered = this.#byView.get(cached)!;
      if (rendered.site === site && (rendered.item === item || isDeepStrictEqual(rendered.item, item))) return cached;
    }
    const view = this.makeView(item, site);
    this.#byView.set(view, { site, item, parts: {}, evicted: false });
    this.#byItem.set(item.key, view, item.html.length);
    return view;
  }

  /** A format's text of an item as UTF-8, rendered and encoded on first use; the bytes count against the budget. */
  fragment(format: FeedFormat, view: ItemView, render: (view: ItemView) => string): Fragment {
    const rendered = this.#byView.get(view);
    const cached = rendered?.parts[format];
    if (cached !== undefined) return cached;
    const text = render(view);
    const fragment = { bytes: utf8.encode(text) };
    if (rendered && !rendered.evicted) {
      rendered.parts[format] = fragment;
      this.#byItem.grow(rendered.item.key, fragment.bytes.length);
    }
    return fragment;
  }
}
