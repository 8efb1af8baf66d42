import type { Person } from '../config.ts';
import { absoluteUrl, feedView, type ItemView, renderedItems } from './model.ts';
import { assemble, type DocumentText } from './document.ts';
import type { FeedInput } from './types.ts';

/**
 * JSON Feed 1.1, written directly: `feed` writes version 1 (`author`, no `language`, no
 * `authors`), and building the object ourselves fixes the key order, so equal input gives
 * byte-identical output. Two-space indentation, trailing newline.
 *
 * History: `feed_url` names the subscription document on every page (it identifies the feed), and `next_url`
 * leads to older items, as RFC 5005's `prev-archive` does: from the subscription document to the newest archive
 * page, and from each page to the one before it, down to page 1.
 */
export function renderJsonFeed(input: FeedInput): string {
  return jsonFeedDocument(input).body;
}

/** The JSON Feed document of `input` as text and bytes, its items spliced in as cached (lib/feeds/document.ts). */
export function jsonFeedDocument(input: FeedInput): DocumentText {
  const view = feedView(input);
  const feed = {
    version: 'https://jsonfeed.org/version/1.1',
    title: view.title,
    home_page_url: view.homeUrl,
    feed_url: view.subscriptionUrl.json,
    next_url: view.history?.prevArchive?.json,
    description: view.description || undefined,
    icon: view.image,
    favicon: view.image,
    language: view.language,
    authors: view.author ? [jsonAuthor(view.author)] : undefined,
    hubs: view.hub ? [{ type: 'WebSub', url: view.hub }] : undefined,
  };
  // As JSON.stringify(feed with items, null, 2) writes them, items last, each item's text made once (`itemText`).
  const head = `${JSON.stringify(feed, null, 2).slice(0, -2)},\n  "items": `;
  if (view.items.length === 0) return assemble([`${head}[]\n}\n`]);
  const items = view.items.flatMap((item, i) => [i === 0 ? '[\n' : ',\n', renderedItems.fragment('json', item, itemText)]);
  return assemble([head, ...items, '\n  ]\n}\n']);
}

/** An item as it stands in the items array, two levels deep: as JSON.stringify indents it two arrays deep. */
function itemText(item: ItemView): string {
  // Not indented line by line after: that made a second copy of each item's text (81 MB of the synthetic build's).
  return JSON.stringify([[jsonItem(item)]], null, 2).slice(NESTING.length, -NESTING.length);
}

/** What JSON.stringify(…, null, 2) writes before a value two arrays deep, as long as what it writes after it. */
const NESTING = '[\n  [\n';

function jsonItem(item: ItemView) {
  return {
    id: item.id,
    url: item.url,
    title: item.title,
    content_html: item.html,
    summary: item.summary || undefined,
    image: item.image?.url,
    date_published: item.published.toISOString(),
    date_modified: item.updated.toISOString(),
    authors: item.authors.length > 0 ? item.authors.map(jsonAuthor) : undefined,
    tags: item.terms.length > 0 ? [...new Set(item.terms.map((term) => term.name))] : undefined,
    language: item.language,
  };
}

/** JSON Feed authors have no e-mail field; its spec suggests a mailto: URL instead. */
function jsonAuthor(person: Person) {
  const url = person.url ?? (person.email ? absoluteUrl(`mailto:${person.email}`) : undefined);
  return { name: person.name, url };
}
