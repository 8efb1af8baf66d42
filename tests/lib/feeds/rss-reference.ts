/**
 * An RSS item as Herald had `feed` write it before lib/feeds/rss.ts wrote items itself (`rssItemText`): the item
 * Herald gives `feed`, its values prepared for what xml-js does with them, in a channel of its own, and the
 * `<item>` cut out. Kept here, out of lib/, as the reference the renderer must match byte for byte
 * (tests/lib/feeds/rss-item.test.ts, bench/rss-items.ts).
 */
import { type Extension, Feed, type Item } from 'feed';
import type { Person } from '../../../lib/config.ts';
import type { ItemView } from '../../../lib/feeds/model.ts';
import { escapeAttr, escapeSafeText, safeCdataPieces } from '../../../lib/feeds/xml.ts';

const ITEM_START = '\n        <item>';
const CHANNEL_END = '\n    </channel>';

export function feedItemText(item: ItemView, author: Person | undefined): string {
  const feed = new Feed({ id: '', title: '', link: item.url, copyright: '', updated: item.updated });
  feed.addItem(feedItem(item, author));
  const xml = feed.rss2();
  return xml.slice(xml.indexOf(ITEM_START), xml.lastIndexOf(CHANNEL_END));
}

function feedItem(item: ItemView, author: Person | undefined): Item {
  // Extensions overwrite an item's own key in place: title, description and content:encoded keep feed's order.
  const extensions: Extension[] = [];
  if (item.title !== '') extensions.push({ name: 'title', objects: { _text: xmlJsText(item.title) } });
  // xml-js splits only the first `]]>` of a CDATA section: the pieces are split here, at every one.
  if (item.summary) extensions.push({ name: 'description', objects: { _cdata: safeCdataPieces(escapeSafeText(item.summary)) } });
  if (item.html) extensions.push({ name: 'content:encoded', objects: { _cdata: safeCdataPieces(item.html) } });
  const creators = (item.authors.length > 0 ? item.authors : author ? [author] : []).map((a) => ({
    _text: xmlJsText(a.name),
  }));
  // xml-js writes an array value as repeated elements; feed's Extension type only allows one object.
  if (creators.length > 0) extensions.push({ name: 'dc:creator', objects: creators as unknown as Record<string, unknown> });
  if (item.image) extensions.push({ name: 'media:thumbnail', objects: { _attributes: { url: escapeAttr(item.image.url) } } });
  return {
    title: item.title,
    guid: item.id === item.url ? undefined : xmlJsText(item.id),
    link: item.url,
    date: item.published,
    description: item.summary || undefined,
    content: item.html || undefined,
    // xml-js escapes only `"` in attributes.
    category: item.terms.map((term) => ({ name: xmlJsText(term.name), domain: escapeAttr(term.scheme) })),
    enclosure: item.image?.type ? { url: item.image.url, type: escapeAttr(item.image.type), length: 0 } : undefined,
    extensions,
  };
}

/** xml-js turns every `&amp;` of element text back into `&` before escaping: one more `&` escape makes it exact. */
function xmlJsText(text: string): string {
  return text.replaceAll('&', '&amp;');
}
