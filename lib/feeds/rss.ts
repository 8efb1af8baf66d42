import { Feed, type Extension, type Item } from 'feed';
import type { Person } from '../config.ts';
import { assemble, type DocumentText } from './document.ts';
import { aboutElement, withStylesheet } from './feed-css.ts';
import { feedView, type FeedView, HISTORY_NS, historyLinks, type ItemView, renderedItems } from './model.ts';
import type { FeedInput } from './types.ts';
import { escapeAttr, escapeSafeText, safeCdataPieces } from './xml.ts';

/**
 * RSS 2.0 through `feed`, which gets the channel layout right (atom:link self with its type,
 * hub, image, guid isPermaLink, RFC 822 dates, content:encoded after description) but
 * hands our strings to xml-js unguarded. Every value is therefore prepared for what xml-js does
 * with it:
 * - element text: xml-js first turns every `&amp;` back into `&`, so a literal `&amp;` in a
 *   title would lose its `amp;`; `xmlJsText` escapes `&` once more so the round trip is exact;
 * - attributes: xml-js escapes only `"`, so `&` and `<` (RSS category domain, enclosure type)
 *   are escaped here;
 * - CDATA: xml-js splits only the first `]]>`, so description and content:encoded are replaced,
 *   through `extensions` (which overwrite an item's own key in place), by CDATA pieces we split
 *   ourselves; the title is replaced by escaped text for the same reason;
 * - XML-invalid characters are gone already (FeedView), relative URLs are resolved (feed would
 *   throw), lastBuildDate is the newest item's date (feed would use the clock), and the
 *   enclosure carries its real type (feed would guess `image/jpg` from the extension). A
 *   thumbnail whose type is unknown is not given as an enclosure (RSS requires the type), but
 *   every thumbnail is a Media RSS `media:thumbnail`, which needs none and which readers show.
 * Authors go out as `dc:creator` (RSS's own `author` must be an e-mail address). The summary is
 * plain text and readers take description as HTML, so it is HTML-escaped before going in.
 * The browser view (lib/feeds/feed-css.ts) is added to what `feed` wrote: it has no place for a processing
 * instruction or a channel-level extension. Before the first `<item>`, only escaped metadata comes (no CDATA),
 * so the first `<item>` is the element. RFC 5005's markers and links are channel-level too, written the same way
 * (the links as `atom:link`, as RFC 5005 does for RSS); an archive page's self link is the page's own URL.
 */
export function renderRss(input: FeedInput): string {
  return rssDocument(input).body;
}

/** The RSS document of `input` as text and bytes, its items spliced in as cached (lib/feeds/document.ts). */
export function rssDocument(input: FeedInput): DocumentText {
  const view = feedView(input);
  const feed = new Feed({
    title: xmlJsText(view.title),
    description: xmlJsText(view.description),
    link: view.homeUrl,
    language: view.language,
    image: view.image && xmlJsText(view.image),
    copyright: view.copyright && xmlJsText(view.copyright),
    updated: view.updated,
    generator: 'Herald',
    feedLinks: { rss: view.selfUrl.rss },
    hub: view.hub,
    ttl: view.pollMinutes,
  });
  // feed declares two namespaces when some item has content: a stand-in item makes it, and is cut out below.
  if (view.items.some((item) => item.html)) feed.addItem(STAND_IN);
  const namespaces = view.history ? [...NAMESPACES, `xmlns:fh="${HISTORY_NS}"`] : NAMESPACES;
  const channel = declareNamespaces(feed.rss2(), namespaces);
  const [before, after] = aroundItems(channel);
  const channelEnd = [
    ...syndicationHints(view.pollMinutes, '        '),
    ...historyLines(view, '        '),
    aboutElement(view.dir, view.subscriptionUrl.rss, '        ', { self: view.selfUrl.rss, links: historyLinks(view, 'rss') }),
  ].join('\n');
  const items = view.items.map((item) => renderedItems.fragment('rss', item, (shown) => itemText(shown, view.author)));
  // The stylesheet goes after the XML declaration, which opens `before`.
  return assemble([withStylesheet(`${before}\n${channelEnd}`, view.dir), ...items, `${after}\n`]);
}

/**
 * What `feed` writes around a channel's items: everything up to the first item, and from the channel's end tag.
 * Before the first item come only escaped metadata (no CDATA) and after the last item nothing but the end tags,
 * so the first `<item>` line is the first item's and the last `</channel>` line the channel's.
 */
function aroundItems(xml: string): [string, string] {
  const end = xml.lastIndexOf(CHANNEL_END);
  const start = xml.indexOf(ITEM_START);
  return [xml.slice(0, start === -1 ? end : start), xml.slice(end)];
}

const ITEM_START = '\n        <item>';
const CHANNEL_END = '\n    </channel>';
const STAND_IN: Item = { title: '', link: 'https://example.invalid/', date: new Date(0), content: '-' };

/**
 * One item as `feed` writes it inside a channel, from the line break before it: written by a channel of its own,
 * once per post, and the same text goes into every feed and page that shows it. `author` is the site's, for items
 * that name none.
 */
function itemText(item: ItemView, author: Person | undefined): string {
  const feed = new Feed({ id: '', title: '', link: item.url, copyright: '', updated: item.updated });
  feed.addItem(rssItem(item, author));
  const xml = feed.rss2();
  return xml.slice(xml.indexOf(ITEM_START), xml.lastIndexOf(CHANNEL_END));
}

const PERIODS = [
  ['hourly', 60],
  ['daily', 24 * 60],
  ['weekly', 7 * 24 * 60],
] as const;

/**
 * The same polling interval as `ttl`, in the RSS 1.0 Syndication module's terms, which some readers read instead:
 * the shortest period the interval divides, and how many times per period (`pollMinutes` divides a week, so one does).
 */
export function syndicationHints(minutes: number, indent: string): string[] {
  const [period, length] = PERIODS.find(([, length]) => length % minutes === 0) ?? PERIODS[2];
  return [
    `${indent}<sy:updatePeriod>${period}</sy:updatePeriod>`,
    `${indent}<sy:updateFrequency>${Math.max(1, Math.round(length / minutes))}</sy:updateFrequency>`,
  ];
}

function historyLines(view: FeedView, indent: string): string[] {
  const marker = view.history?.marker;
  return [
    ...(marker ? [`${indent}<fh:${marker}/>`] : []),
    ...historyLinks(view, 'rss').map(
      ({ rel, href }) => `${indent}<atom:link href="${escapeAttr(href)}" rel="${rel}" type="application/rss+xml"/>`,
    ),
  ];
}

function rssItem(item: ItemView, author: Person | undefined): Item {
  const extensions: Extension[] = [];
  if (item.title !== '') extensions.push({ name: 'title', objects: { _text: xmlJsText(item.title) } });
  // The view's text is XML-safe already (lib/feeds/model.ts): it is not looked through for forbidden characters again.
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
    // An id that is the post's URL is a permalink, as in Hugo's feeds: without guid, feed writes the link with isPermaLink="true".
    guid: item.id === item.url ? undefined : xmlJsText(item.id),
    link: item.url,
    date: item.published,
    description: item.summary || undefined,
    content: item.html || undefined,
    category: item.terms.map((term) => ({ name: xmlJsText(term.name), domain: escapeAttr(term.scheme) })),
    enclosure: item.image?.type ? { url: item.image.url, type: escapeAttr(item.image.type), length: 0 } : undefined,
    extensions,
  };
}

function xmlJsText(text: string): string {
  return text.replaceAll('&', '&amp;');
}

const NAMESPACES = [
  'xmlns:dc="http://purl.org/dc/elements/1.1/"',
  'xmlns:media="http://search.yahoo.com/mrss/"',
  'xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"',
];

/** feed declares the dc prefix only when some item has content, and never media, sy or fh: declare what is missing. */
function declareNamespaces(xml: string, namespaces: string[]): string {
  const rootStart = xml.indexOf('<rss ');
  const rootEnd = xml.indexOf('>', rootStart);
  const root = xml.slice(rootStart, rootEnd);
  const missing = namespaces.filter((namespace) => !root.includes(namespace));
  return missing.length === 0 ? xml : `${xml.slice(0, rootEnd)} ${missing.join(' ')}${xml.slice(rootEnd)}`;
}
