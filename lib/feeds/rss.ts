import { Feed, type Item } from 'feed';
import type { Person } from '../config.ts';
import { assemble, type DocumentText } from './document.ts';
import { aboutElement, withStylesheet } from './feed-css.ts';
import { feedView, type FeedView, HISTORY_NS, historyLinks, type ItemView, renderedItems } from './model.ts';
import type { FeedInput } from './types.ts';
import { escapeAttr, escapeSafeText, safeCdata } from './xml.ts';

/**
 * RSS 2.0: the channel through `feed`, which gets its layout right (atom:link self with its type, hub, image,
 * RFC 822 dates, the namespaces its items need), and each item written here (`rssItemText`) as `feed` would write
 * it, so that `feed` and xml-js serialize one channel per document rather than one per item as well. `feed` hands
 * our strings to xml-js unguarded, so every channel value is prepared for what xml-js does with it: element text
 * gets its `&` escaped once more (`xmlJsText`: xml-js first turns every `&amp;` back into `&`, so a literal `&amp;`
 * would lose its `amp;`); XML-invalid characters are gone already (FeedView); relative URLs are resolved (feed
 * would throw); lastBuildDate is the newest item's date (feed would use the clock).
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
  const items = view.items.map((item) => renderedItems.fragment('rss', item, (shown) => rssItemText(shown, view.author)));
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
const ITEM_END = '\n        </item>';
const CHANNEL_END = '\n    </channel>';
const STAND_IN: Item = { title: '', link: 'https://example.invalid/', date: new Date(0), content: '-' };

/** An item's children, one level below `<item>`, as `feed` indents them. */
const CHILD = '\n            ';

/**
 * One item as `feed` writes it inside a channel, from the line break before it: once per post, and the same text
 * goes into every feed and page that shows it. `author` is the site's, for items that name none.
 *
 * Written here rather than by `feed` (a channel of its own for each item, then xml-js), byte for byte what `feed`
 * writes for the item Herald would give it (tests/lib/feeds/rss-item.test.ts renders both ways): its elements in
 * `feed`'s order, then Herald's own (dc:creator, media:thumbnail), and each value escaped as xml-js writes the value
 * Herald prepares for it, which is also what keeps the traps out:
 * - text is escaped (`&`, `<`, `>`): a literal `&amp;` in a title reads back as written;
 * - description (the summary, HTML-escaped: readers take it as HTML) and content:encoded are CDATA split at every
 *   `]]>`, not only the first;
 * - attributes (category domain, enclosure type and URL, thumbnail URL) are escaped (`&`, `<`, `>`, `"`);
 * - the view's text has no XML-invalid characters and its URLs are absolute, in the WHATWG serialization `feed`
 *   would give them again;
 * - the enclosure carries the image's real type (`feed` would guess `image/jpg` from the extension), and only when
 *   it has one (RSS requires it); every image is a Media RSS thumbnail, which needs none.
 * An id that is the post's URL (or none) is a permalink guid, as in Hugo's feeds: the link with isPermaLink="true".
 * Authors go out as dc:creator (RSS's own `author` must be an e-mail address).
 */
export function rssItemText(item: ItemView, author: Person | undefined): string {
  const link = escapeSafeText(item.url);
  let xml = ITEM_START;
  // The view's text is XML-safe already (lib/feeds/model.ts): it is not looked through for forbidden characters again.
  if (item.title !== '') xml += `${CHILD}<title>${escapeSafeText(item.title)}</title>`;
  xml += `${CHILD}<link>${link}</link>`;
  xml +=
    item.id === item.url || item.id === ''
      ? `${CHILD}<guid isPermaLink="true">${link}</guid>`
      : `${CHILD}<guid isPermaLink="false">${escapeSafeText(item.id)}</guid>`;
  xml += `${CHILD}<pubDate>${item.published.toUTCString()}</pubDate>`;
  if (item.summary) xml += `${CHILD}<description>${safeCdata(escapeSafeText(item.summary))}</description>`;
  if (item.html) xml += `${CHILD}<content:encoded>${safeCdata(item.html)}</content:encoded>`;
  for (const term of item.terms) xml += `${CHILD}<category domain="${escapeAttr(term.scheme)}">${escapeSafeText(term.name)}</category>`;
  const image = item.image;
  const imageUrl = image && escapeAttr(image.url);
  if (image?.type) xml += `${CHILD}<enclosure length="0" type="${escapeAttr(image.type)}" url="${imageUrl}"/>`;
  for (const creator of item.authors.length > 0 ? item.authors : author ? [author] : []) {
    xml += `${CHILD}<dc:creator>${escapeSafeText(creator.name)}</dc:creator>`;
  }
  if (imageUrl !== undefined) xml += `${CHILD}<media:thumbnail url="${imageUrl}"/>`;
  return `${xml}${ITEM_END}`;
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
