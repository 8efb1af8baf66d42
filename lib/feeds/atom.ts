import type { Person } from '../config.ts';
import { assemble, type DocumentText, type Piece } from './document.ts';
import { aboutElement, stylesheetInstruction } from './feed-css.ts';
import { feedView, HISTORY_NS, historyLinks, type ItemView, renderedItems, TOMBSTONES_NS } from './model.ts';
import type { FeedInput } from './types.ts';
import { escapeAttr, escapeSafeText, escapeText, safeCdata } from './xml.ts';

/**
 * Atom 1.0 (RFC 4287), written directly. `feed`'s Atom cannot be repaired from outside: it emits
 * no xml:lang, no type on the self link, titles as type="html" without escaping them as HTML,
 * category attributes with raw `<`, enclosure types guessed from the file extension (which it
 * does even when given the real one), and the clock as `updated` for an empty feed.
 *
 * Choices: titles and summaries are plain text (type="text"), the body is type="html" in CDATA
 * split at every `]]>`; categories carry the display name as term and label and their taxonomy
 * as scheme; the thumbnail is a rel="enclosure" link, typed when the type is known (Atom does
 * not require a type). RFC 4287 requires an author on every entry that the feed does not cover:
 * when the site names no author and some post names none, the site itself is the feed's author.
 * The stylesheet instruction and the XHTML note are the browser view (lib/feeds/feed-css.ts); the note is a
 * foreign-namespace extension element, which RFC 4287 §6.4 places among the feed's metadata, before the entries.
 *
 * History (RFC 5005): every page keeps the subscription document's id (one logical feed) and links its
 * neighbours; `fh:` markers and RFC 6721 tombstones are extension elements too, so they also come before the entries.
 */
export function renderAtom(input: FeedInput): string {
  return atomDocument(input).body;
}

/** The Atom document of `input` as text and bytes, its entries' bodies spliced in as cached (lib/feeds/document.ts). */
export function atomDocument(input: FeedInput): DocumentText {
  const view = feedView(input);
  const author = view.author ?? (view.items.some((item) => item.authors.length === 0) ? { name: view.siteTitle } : undefined);
  const history = view.history;
  const namespaces = `${history ? ` xmlns:fh="${HISTORY_NS}"` : ''}${history?.deleted.length ? ` xmlns:at="${TOMBSTONES_NS}"` : ''}`;
  const out: string[] = [
    '<?xml version="1.0" encoding="utf-8"?>',
    stylesheetInstruction(view.dir),
    `<feed xmlns="http://www.w3.org/2005/Atom"${namespaces}${view.language ? ` xml:lang="${view.language}"` : ''}>`,
    `  <id>${escapeText(view.subscriptionUrl.atom)}</id>`,
    `  <title>${escapeText(view.title)}</title>`,
  ];
  if (view.description) out.push(`  <subtitle>${escapeText(view.description)}</subtitle>`);
  out.push(
    `  <updated>${view.updated.toISOString()}</updated>`,
    `  <link rel="self" type="application/atom+xml" href="${escapeAttr(view.selfUrl.atom)}"/>`,
    `  <link rel="alternate" type="text/html" href="${escapeAttr(view.homeUrl)}"/>`,
    ...historyLinks(view, 'atom').map(({ rel, href }) => `  <link rel="${rel}" type="application/atom+xml" href="${escapeAttr(href)}"/>`),
  );
  if (view.hub) out.push(`  <link rel="hub" href="${escapeAttr(view.hub)}"/>`);
  if (author) out.push(authorElement(author, '  '));
  out.push('  <generator>Herald</generator>');
  if (view.image) out.push(`  <icon>${escapeText(view.image)}</icon>`, `  <logo>${escapeText(view.image)}</logo>`);
  if (view.copyright) out.push(`  <rights>${escapeText(view.copyright)}</rights>`);
  if (history?.marker) out.push(`  <fh:${history.marker}/>`);
  for (const { ref, when } of history?.deleted ?? []) {
    out.push(`  <at:deleted-entry ref="${escapeAttr(ref)}" when="${when.toISOString()}"/>`);
  }
  out.push(aboutElement(view.dir, view.subscriptionUrl.atom, '  ', { self: view.selfUrl.atom, links: historyLinks(view, 'atom') }));
  const pieces: Piece[] = [out.join('\n')];
  for (const item of view.items) pieces.push(`\n${entryStart(item, view.language)}\n`, renderedItems.fragment('atom', item, entryBody));
  pieces.push('\n</feed>\n');
  return assemble(pieces);
}

/** An entry's opening tag, which alone depends on the feed (its language). */
function entryStart(item: ItemView, feedLanguage: string | undefined): string {
  const lang = item.language && item.language.toLowerCase() !== feedLanguage?.toLowerCase() ? ` xml:lang="${item.language}"` : '';
  return `  <entry${lang}>`;
}

/** An entry after its opening tag, which alone depends on the feed (its language). */
function entryBody(item: ItemView): string {
  // The view's text is XML-safe already (lib/feeds/model.ts): it is not looked through for forbidden characters again.
  const out = [
    `    <id>${escapeSafeText(item.id)}</id>`,
    `    <title>${escapeSafeText(item.title)}</title>`,
    `    <link rel="alternate" type="text/html" href="${escapeAttr(item.url)}"/>`,
    `    <published>${item.published.toISOString()}</published>`,
    `    <updated>${item.updated.toISOString()}</updated>`,
  ];
  for (const author of item.authors) out.push(authorElement(author, '    '));
  for (const term of item.terms) {
    out.push(`    <category term="${escapeAttr(term.name)}" scheme="${escapeAttr(term.scheme)}" label="${escapeAttr(term.name)}"/>`);
  }
  if (item.image) {
    const type = item.image.type ? ` type="${escapeAttr(item.image.type)}"` : '';
    out.push(`    <link rel="enclosure"${type} href="${escapeAttr(item.image.url)}"/>`);
  }
  if (item.summary) out.push(`    <summary>${escapeSafeText(item.summary)}</summary>`);
  if (item.html) out.push(`    <content type="html">${safeCdata(item.html)}</content>`);
  out.push('  </entry>');
  return out.join('\n');
}

function authorElement(person: Person, indent: string): string {
  const parts = [`${indent}<author>`, `${indent}  <name>${escapeText(person.name)}</name>`];
  if (person.email) parts.push(`${indent}  <email>${escapeText(person.email)}</email>`);
  if (person.url) parts.push(`${indent}  <uri>${escapeText(person.url)}</uri>`);
  parts.push(`${indent}</author>`);
  return parts.join('\n');
}
