/**
 * Each post's item rendered once, for every feed and archive page that shows it: a post is in the site's feed,
 * its categories', its tags' (and their pages), each in three formats, and rendering it (its view, its RSS, Atom
 * and JSON text) costs far more than copying the text. The cache holds the items rendered last, up to a budget of
 * characters, so memory stays bounded however many posts a build renders; a build that renders the documents
 * showing the same posts near each other (lib/pipeline/rebuild.ts orders pages by date) finds most of them here.
 * Items are keyed by identity and never changed once made; another site configuration makes them again.
 */
import type { SiteConfig } from '../config.ts';
import { Lru } from '../lru.ts';
import type { FeedItem } from '../post/types.ts';
import type { ItemView } from './model.ts';
import type { FeedFormat } from './types.ts';

interface Rendered {
  site: SiteConfig;
  item: FeedItem;
  parts: Partial<Record<FeedFormat, string>>;
  /** Gone from the cache: parts made now are not kept. */
  evicted: boolean;
}

/**
 * At most 2^24 characters (32 MB of two-byte strings): a few hundred posts' items in three formats. Bulwark with
 * archives, one thread: 19.6 s of CPU and 780 MB peak RSS with this budget and the rebuild's equal one for items,
 * 21.4 s and 700 MB with 2^22 each, 19.6 s and 950 MB with 2^26 and 2^25.
 */
export const RENDER_BUDGET_CHARS = 2 ** 24;

/**
 * A worker thread gets each document's items as copies of their own (lib/pipeline/threads.ts), so only the three
 * formats of one document share them: enough for a page of long posts.
 */
export const WORKER_RENDER_BUDGET_CHARS = 2 ** 22;

export class RenderedItems {
  readonly #byItem: Lru<FeedItem, ItemView>;
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

  /** The item's view under `site`, made once while the item stays in the cache. */
  view(item: FeedItem, site: SiteConfig): ItemView {
    const cached = this.#byItem.get(item);
    if (cached && this.#byView.get(cached)!.site === site) return cached;
    const view = this.makeView(item, site);
    this.#byView.set(view, { site, item, parts: {}, evicted: false });
    this.#byItem.set(item, view, item.html.length);
    return view;
  }

  /** A format's text of an item (`view` from `view()`), rendered on first use. */
  part(format: FeedFormat, view: ItemView, render: (view: ItemView) => string): string {
    const rendered = this.#byView.get(view);
    const cached = rendered?.parts[format];
    if (cached !== undefined) return cached;
    const text = render(view);
    if (rendered && !rendered.evicted) {
      rendered.parts[format] = text;
      this.#byItem.grow(rendered.item, text.length);
    }
    return text;
  }
}
