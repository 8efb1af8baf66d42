import type { SiteConfig } from '../config.ts';
import { orderFeeds } from './page.ts';
import { feedUrl } from '../feeds/feeds.ts';
import type { FeedSummary } from '../feeds/types.ts';
import { aboutElement, stylesheetInstruction } from '../feeds/feed-css.ts';
import { escapeAttr, escapeText } from '../feeds/xml.ts';

/**
 * `feeds.opml`: every feed of the site as an OPML 2.0 subscription list, for readers' "import".
 *
 * One outline per feed, pointing at its RSS file: readers subscribe to each outline, so listing the Atom
 * and JSON Feed files too would subscribe people to every post three times. Feeds are grouped one level
 * deep (site, categories, tags, sections, languages, authors) because readers map top-level outlines to folders and flatten deeper ones;
 * folder names carry the site title so an import never merges into a reader's existing "Tags" folder.
 * Like the directory page, it depends only on the set of feeds and their names: no `dateModified` (the
 * newest post's date would rewrite it on every upload, and the clock would break byte-identical rebuilds).
 * A browser shows it through the feeds' stylesheet (lib/feeds/feed-css.ts): its XHTML note sits in `head`,
 * which importers read only for known elements, never in `body`, whose children they take as outlines.
 */

/** Its name at the feeds root (lib/pipeline/outputs.ts publishes it there). */
export const OPML_FILE = 'feeds.opml';

function attributes(pairs: [string, string | undefined][]): string {
  return pairs
    .filter((pair): pair is [string, string] => pair[1] !== undefined)
    .map(([name, value]) => ` ${name}="${escapeAttr(value)}"`)
    .join('');
}

function feedOutline(summary: FeedSummary, site: SiteConfig): string {
  return `      <outline${attributes([
    ['type', 'rss'],
    ['version', 'RSS2'],
    ['text', summary.feed.title],
    ['title', summary.feed.title],
    ['xmlUrl', feedUrl(site, summary.feed, 'rss')],
    ['htmlUrl', summary.feed.link],
    ['language', summary.feed.language ?? site.language],
  ])}/>`;
}

function group(text: string, feeds: FeedSummary[], site: SiteConfig): string[] {
  if (feeds.length === 0) return [];
  return [
    `    <outline${attributes([
      ['text', text],
      ['title', text],
    ])}>`,
    ...feeds.map((summary) => feedOutline(summary, site)),
    '    </outline>',
  ];
}

export function renderOpml(site: SiteConfig, feeds: readonly FeedSummary[]): string {
  const { site: siteFeed, groups } = orderFeeds(feeds);
  const head = [
    `    <title>${escapeText(`${site.title} feeds`)}</title>`,
    ...(site.author ? [`    <ownerName>${escapeText(site.author.name)}</ownerName>`] : []),
    ...(site.author?.email ? [`    <ownerEmail>${escapeText(site.author.email)}</ownerEmail>`] : []),
    `    <docs>http://opml.org/spec2.opml</docs>`,
    aboutElement('', `${site.feedsUrl}${OPML_FILE}`, '    '),
  ];
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    stylesheetInstruction(''),
    '<opml version="2.0">',
    '  <head>',
    ...head,
    '  </head>',
    '  <body>',
    ...group(site.title, siteFeed ? [siteFeed] : [], site),
    ...groups.flatMap(({ heading, feeds }) => group(`${site.title} · ${heading}`, feeds, site)),
    '  </body>',
    '</opml>',
    '',
  ].join('\n');
}
