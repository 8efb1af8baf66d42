import { HISTORY_NS } from './model.ts';
import { escapeAttr, escapeText } from './xml.ts';

/**
 * What a person sees when a browser opens a feed or the OPML: one shared CSS stylesheet for XML, linked from every
 * XML file by an `xml-stylesheet` processing instruction. No XSLT: Chromium paints a deprecation banner over XSLT
 * output and browsers are removing it, while CSS on XML is plain CSS and stays.
 *
 * CSS can show text but not make links, and text it generates cannot be selected. So each file carries one small
 * XHTML `div` (an extension element in its own namespace, which RFC 4287 §6, RSS 2.0 and OPML 2.0 all let readers
 * ignore, and which browsers render as real HTML): the address to copy as selectable text, the way through the
 * feed's history (RFC 5005) when it has archive pages, and a link to the feed directory. The prose around them comes
 * from the stylesheet (`::before`), so it costs no bytes in any feed and no reader ever sees it. The rest of a feed's
 * metadata, `fh:` markers, history `link`s and Atom's `at:deleted-entry` included, stays hidden: every child of the
 * channel or feed is, but the few shown. Browsers only apply the stylesheet to files served as XML
 * (`application/xml`): they show `application/rss+xml` and `application/atom+xml` as plain text (see FEED_FILES).
 */

export const FEED_CSS_PATH = 'feed.css';
export const XHTML_NS = 'http://www.w3.org/1999/xhtml';

/** The processing instruction for a file in `dir` ('' or `tags/<slug>/`): a relative href, so it works on any host. */
export function stylesheetInstruction(dir: string): string {
  return `<?xml-stylesheet type="text/css" href="${rootRelative(dir)}${FEED_CSS_PATH}"?>`;
}

/** A document's place in its feed's history (RFC 5005): its own URL and its `current`, `prev-archive` and `next-archive` links. */
export interface HistoryNavigation {
  self: string;
  links: readonly { rel: string; href: string }[];
}

const HISTORY_LABELS: Record<string, string> = { 'prev-archive': 'Older items', 'next-archive': 'Newer items', current: 'Latest items' };

/**
 * The XHTML note: the address to subscribe to, the history links again as links a browser follows (the feed's own
 * `link` elements are not), and a link to the directory page at the feeds root.
 */
export function aboutElement(dir: string, address: string, indent: string, history?: HistoryNavigation): string {
  const navigation = Object.entries(HISTORY_LABELS)
    .flatMap(([rel, label]) => {
      const link = history?.links.find((candidate) => candidate.rel === rel);
      return link ? [`<a rel="${rel}" href="${escapeAttr(relativeHref(history!.self, link.href))}">${label}</a>`] : [];
    })
    .join(' ');
  return (
    `${indent}<div xmlns="${XHTML_NS}" class="herald-about">` +
    `<p><code>${escapeText(address)}</code></p>` +
    (navigation ? `<p class="herald-history">${navigation}</p>` : '') +
    `<p><a href="${escapeAttr(`${rootRelative(dir)}index.html`)}">All feeds of this site</a></p></div>`
  );
}

/**
 * `to` as seen from the document at `from`, so the history links work on any host that serves the feeds (the preview
 * server, a CDN's own domain) as the directory link does. Both are percent-encoded URLs under the feeds root.
 */
function relativeHref(from: string, to: string): string {
  const source = new URL(from);
  const target = new URL(to);
  if (source.origin !== target.origin) return to;
  const folders = source.pathname.split('/').slice(0, -1);
  const segments = target.pathname.split('/');
  let shared = 0;
  while (shared < folders.length && shared < segments.length - 1 && folders[shared] === segments[shared]) shared++;
  return '../'.repeat(folders.length - shared) + segments.slice(shared).join('/');
}

function rootRelative(dir: string): string {
  return '../'.repeat(dir.split('/').length - 1);
}

/** Adds the processing instruction on the line after the XML declaration, which must stay first. */
export function withStylesheet(xml: string, dir: string): string {
  const end = xml.indexOf('?>') + 2;
  if (!xml.startsWith('<?xml ') || end < 2) throw new Error('an XML document must start with its declaration');
  return `${xml.slice(0, end)}\n${stylesheetInstruction(dir)}${xml.slice(end)}`;
}

export const FEED_CSS = `
@namespace atom url(http://www.w3.org/2005/Atom);
@namespace h url(http://www.w3.org/1999/xhtml);
@namespace fh url(${HISTORY_NS});
:root{display:block;color-scheme:light dark;margin:0 auto;max-width:48rem;padding:1.25rem 1rem 3rem;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","PingFang SC","Microsoft YaHei",sans-serif;color:#1d1d1f;background:#fff}
@media (prefers-color-scheme:dark){:root{color:#e8e8ea;background:#16161a}}
|channel,|item,atom|entry,|head,|body,|outline{display:block}
|channel>*,|item>*,atom|feed>*,atom|entry>*,|head>*{display:none}
|channel>|title,atom|feed>atom|title,|head>|title{display:block;font-size:1.6rem;font-weight:700;line-height:1.25;margin:0 0 .25rem;overflow-wrap:anywhere}
|channel>|description,atom|feed>atom|subtitle{display:block;color:#5f6368;margin:.25rem 0}
h|div.herald-about{display:block;margin:1rem 0 1.5rem;padding:.75rem 1rem;border-radius:.5rem;background:#fbeee6;color:#1d1d1f}
h|div.herald-about::before{display:block;content:"This is a web feed. A feed reader subscribes to it and shows each new post as it comes out. To subscribe, copy this address into your feed reader:"}
fh|archive~h|div.herald-about::before{content:"This is an archive page of a web feed: posts older than those the feed itself lists. To subscribe to the feed, copy its address into your feed reader:"}
|opml h|div.herald-about::before{content:"This is a subscription list (OPML). Import it into your feed reader to subscribe to every feed of the site at once. Its address:"}
h|p{margin:.4rem 0}
h|code{display:block;padding:.35rem .5rem;background:#fff;border:1px solid #e3e3e6;border-radius:.35rem;overflow-wrap:anywhere;user-select:all}
h|a{color:#b3400b;font-weight:600}
h|p.herald-history{display:flex;flex-wrap:wrap;gap:.25rem 1.25rem;font-size:.875rem}
h|a[rel=prev-archive]::before{content:"← "}
h|a[rel=next-archive]::after{content:" →"}
|channel>|item,atom|feed>atom|entry{display:block;padding:.6rem 0;border-top:1px solid #e3e3e680}
|item>|title,atom|entry>atom|title{display:block;font-weight:600;overflow-wrap:anywhere}
|item>|pubDate,atom|entry>atom|published{display:block;color:#5f6368;font-size:.875rem}
|item>|link{display:block;color:#b3400b;font-size:.875rem;overflow-wrap:anywhere}
atom|entry>atom|link[rel=alternate]{display:block;color:#b3400b;font-size:.875rem;overflow-wrap:anywhere}
atom|entry>atom|link[rel=alternate]::before{content:attr(href)}
atom|entry>atom|summary{display:block;margin-top:.25rem}
|body>|outline{margin-top:1.5rem}
|body>|outline::before{content:attr(text);display:block;font-size:1.1rem;font-weight:700}
|outline>|outline{padding:.4rem 0;border-top:1px solid #e3e3e680}
|outline>|outline::before{content:attr(text);display:block;font-weight:600}
|outline>|outline::after{content:attr(xmlUrl);display:block;color:#b3400b;font-size:.875rem;overflow-wrap:anywhere}
`.trimStart();
