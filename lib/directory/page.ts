import { createHash } from 'node:crypto';
import type { SiteConfig } from '../config.ts';
import { feedPath } from '../feeds/feeds.ts';
import { TERM_KINDS } from '../feeds/descriptor.ts';
import type { FeedFormat, FeedSummary, TermKind } from '../feeds/types.ts';
import { xmlSafe } from '../feeds/xml.ts';

/**
 * The feed directory (`index.html` at the feeds root): every feed of the site with its subscribe links.
 * A pure function of the site and the feed summaries: no clock, no external resources, so the page is
 * byte-identical across rebuilds and works offline, on localhost and behind the CDN alike. It shows only
 * what changes with the set of feeds and their names, never post counts or dates (each feed carries its
 * own), so an upload to existing feeds leaves the page's bytes, ETag and cached copies alone.
 */

export const FORMAT_LABELS: Record<FeedFormat, string> = { rss: 'RSS', atom: 'Atom', json: 'JSON Feed' };
const FORMAT_TYPES: Record<FeedFormat, string> = {
  rss: 'application/rss+xml',
  atom: 'application/atom+xml',
  json: 'application/feed+json',
};
const FORMATS: FeedFormat[] = ['rss', 'atom', 'json'];

export interface OrderedFeeds {
  site?: FeedSummary;
  /** One group per kind that has feeds, in the order of TERM_KINDS, each sorted by name. */
  groups: FeedGroup[];
}

export interface FeedGroup {
  kind: TermKind;
  /** Its heading: `Categories`, `Tags`, `Sections`, `Languages`, `Authors`. */
  heading: string;
  feeds: FeedSummary[];
}

const HEADINGS: Record<TermKind, [one: string, many: string]> = {
  category: ['category', 'Categories'],
  tag: ['tag', 'Tags'],
  section: ['section', 'Sections'],
  language: ['language', 'Languages'],
  author: ['author', 'Authors'],
};

/**
 * By display name, then slug: a total, locale-free order (NFKC, lower case, code points) that depends only on
 * the names. Ordering by recency or size would move rows, and rewrite the page, on every upload.
 */
export function byName(a: FeedSummary, b: FeedSummary): number {
  const ka = filterKey(a);
  const kb = filterKey(b);
  if (ka !== kb) return ka < kb ? -1 : 1;
  const sa = a.feed.term?.slug ?? '';
  const sb = b.feed.term?.slug ?? '';
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/** Splits summaries by kind, each kind sorted by name; kinds without feeds are left out. */
export function orderFeeds(feeds: readonly FeedSummary[]): OrderedFeeds {
  const groups = (Object.keys(TERM_KINDS) as TermKind[]).map((kind) => ({
    kind,
    heading: HEADINGS[kind][1],
    feeds: feeds.filter((summary) => summary.feed.kind === kind).sort(byName),
  }));
  return { site: feeds.find((summary) => summary.feed.kind === 'site'), groups: groups.filter((group) => group.feeds.length > 0) };
}

/** A feed file's URL relative to the feeds root, each segment percent-encoded (`tags/%E7%A7%91%E6%8A%80/rss.xml`). */
export function relativeFeedHref(summary: FeedSummary, format: FeedFormat): string {
  return feedPath(summary.feed, format).split('/').map(encodeURIComponent).join('/');
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML content and quoted attribute values alike; characters XML forbids are parse errors in HTML too. */
export function escapeHtml(text: string): string {
  return xmlSafe(text).replace(/[&<>"']/g, (char) => ENTITIES[char]!);
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function filterKey(summary: FeedSummary): string {
  const term = summary.feed.term;
  return (term ? `${term.name} ${term.slug}` : summary.feed.title).normalize('NFKC').toLowerCase();
}

function row(summary: FeedSummary): string {
  const name = summary.feed.term?.name ?? summary.feed.title;
  const links = FORMATS.map(
    (format) => `<a href="${escapeHtml(relativeFeedHref(summary, format))}" type="${FORMAT_TYPES[format]}">${FORMAT_LABELS[format]}</a>`,
  ).join('');
  return `<li data-q="${escapeHtml(filterKey(summary))}"><div class="about"><span class="name">${escapeHtml(name)}</span></div><div class="links">${links}</div></li>`;
}

function section(id: string, heading: string, feeds: FeedSummary[], counted = true): string {
  if (feeds.length === 0) return '';
  return [
    `<section id="${id}" aria-labelledby="${id}-h">`,
    `<h2 id="${id}-h">${heading}${counted ? ` <span class="n">${feeds.length}</span>` : ''}</h2>`,
    `<ul class="feeds">`,
    ...feeds.map(row),
    `</ul>`,
    `<p class="none" hidden>No ${heading.toLowerCase()} match.</p>`,
    `</section>`,
  ].join('\n');
}

const STYLE = `
:root{color-scheme:light dark;--fg:#1d1d1f;--muted:#5f6368;--bg:#fff;--line:#e3e3e6;--accent:#b3400b;--pill:#fbeee6}
@media (prefers-color-scheme:dark){:root{--fg:#e8e8ea;--muted:#a0a0a8;--bg:#16161a;--line:#2c2c33;--accent:#ff9a5c;--pill:#3a2619}}
*{box-sizing:border-box}
[hidden]{display:none!important}
body{margin:0 auto;max-width:52rem;padding:1.25rem 1rem 3rem;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","PingFang SC","Microsoft YaHei",sans-serif;color:var(--fg);background:var(--bg)}
h1{font-size:1.6rem;line-height:1.25;margin:0 0 .25rem;overflow-wrap:anywhere}
h2{font-size:1.1rem;margin:2rem 0 .5rem}
h2 .n{color:var(--muted);font-weight:normal;font-size:.9rem}
header p{margin:.25rem 0;color:var(--muted)}
a{color:var(--accent)}
.feeds{list-style:none;margin:0;padding:0;border-top:1px solid var(--line)}
.feeds li{display:flex;flex-wrap:wrap;align-items:center;justify-content:space-between;gap:.25rem 1rem;padding:.6rem 0;border-bottom:1px solid var(--line)}
.about{display:flex;flex-direction:column;min-width:0;flex:1 1 16rem}
.name{font-weight:600;overflow-wrap:anywhere}
.links{display:flex;gap:.4rem}
.links a{display:inline-block;padding:.35rem .7rem;border-radius:999px;background:var(--pill);text-decoration:none;font-size:.875rem;font-weight:600;white-space:nowrap}
.links a:hover,.links a:focus-visible{text-decoration:underline}
.filter{margin:1.75rem 0 0}
.filter label{display:block;font-weight:600;margin-bottom:.25rem}
.filter input{width:100%;font:inherit;padding:.55rem .75rem;border:1px solid var(--line);border-radius:.5rem;background:transparent;color:inherit}
.none{color:var(--muted)}
footer{margin-top:2.5rem;color:var(--muted);font-size:.875rem}
`.trim();

// Progressive enhancement: without script the filter stays hidden and every feed is listed.
const SCRIPT = `
(function(){var box=document.querySelector('.filter'),input=document.getElementById('filter');if(!box||!input)return;box.hidden=false;
var groups=[].map.call(document.querySelectorAll('section[id]:not(#site)'),function(s){return{none:s.querySelector('.none'),n:s.querySelector('.n'),
rows:[].map.call(s.querySelectorAll('li[data-q]'),function(li){return{li:li,q:li.getAttribute('data-q')}})}});
function apply(){var q=input.value.normalize('NFKC').toLowerCase().trim();groups.forEach(function(g){var shown=0;
g.rows.forEach(function(r){var hit=!q||r.q.indexOf(q)!==-1;if(r.li.hidden===hit)r.li.hidden=!hit;if(hit)shown++});
g.none.hidden=shown>0;g.n.textContent=q?shown+' / '+g.rows.length:String(g.rows.length)})}
input.addEventListener('input',apply);document.addEventListener('keydown',function(e){if(e.key==='/'&&document.activeElement!==input){e.preventDefault();input.focus()}});apply()})();
`.trim();

const sourceHash = (source: string) => `'sha256-${createHash('sha256').update(source, 'utf8').digest('base64')}'`;

/**
 * The Content-Security-Policy of the directory page: nothing but its own inline style and script, by hash (so no
 * 'unsafe-inline', and an injected script or style cannot run). `herald serve` sends it with HTML; on AWS the
 * CDN's response headers policy sends it with every file, so it also allows the feeds' stylesheet ('self': the
 * feed.css an XML feed links) and images of the same origin (the favicon). It does not change with the site:
 * every site has the same style and script.
 */
export const DIRECTORY_CSP = [
  "default-src 'none'",
  `script-src ${sourceHash(SCRIPT)}`,
  `style-src 'self' ${sourceHash(STYLE)}`,
  "img-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export function renderDirectory(site: SiteConfig, feeds: readonly FeedSummary[]): string {
  const { site: siteFeed, groups } = orderFeeds(feeds);
  const autodiscovery = siteFeed
    ? FORMATS.map(
        (format) =>
          `<link rel="alternate" type="${FORMAT_TYPES[format]}" title="${escapeHtml(`${siteFeed.feed.title} (${FORMAT_LABELS[format]})`)}" href="${escapeHtml(relativeFeedHref(siteFeed, format))}">`,
      )
    : [];
  const counts = groups.map(({ kind, feeds }) => plural(feeds.length, HEADINGS[kind][0], HEADINGS[kind][1].toLowerCase()));
  const termCount = counts.length > 1 ? `${counts.slice(0, -1).join(', ')} and ${counts.at(-1)}` : (counts[0] ?? '');
  return [
    '<!doctype html>',
    `<html lang="${escapeHtml(site.language)}">`,
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(site.title)} · Feeds</title>`,
    ...(site.description ? [`<meta name="description" content="${escapeHtml(site.description)}">`] : []),
    ...autodiscovery,
    `<link rel="alternate" type="text/x-opml" title="${escapeHtml(`${site.title} (OPML)`)}" href="feeds.opml">`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    '<header>',
    `<h1>${escapeHtml(site.title)}</h1>`,
    ...(site.description ? [`<p>${escapeHtml(site.description)}</p>`] : []),
    `<p><a href="${escapeHtml(site.baseUrl)}">Website</a> · <a href="feeds.opml" type="text/x-opml">All feeds as OPML</a> (import into a feed reader)</p>`,
    '</header>',
    '<main>',
    siteFeed ? section('site', 'Whole site', [siteFeed], false) : '',
    termCount
      ? `<div class="filter" hidden><label for="filter">Filter ${termCount}</label><input id="filter" type="search" autocomplete="off" spellcheck="false" placeholder="Type part of a name (press / to focus)"></div>`
      : '',
    ...groups.map(({ kind, heading, feeds }) => section(TERM_KINDS[kind].folder, heading, feeds)),
    '</main>',
    '<footer>Copy a link into your feed reader to subscribe.</footer>',
    `<script>${SCRIPT}</script>`,
    '</body>',
    '</html>',
    '',
  ]
    .filter((line) => line !== '')
    .concat('')
    .join('\n');
}
