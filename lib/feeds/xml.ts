/**
 * The few XML text rules every renderer shares. Everything written into a feed goes through
 * `xmlSafe` first, so a stray control character or lone surrogate in a title never makes a
 * document that strict parsers reject. It goes through once: the renderers write a FeedView's text,
 * cleaned when the view was made (lib/feeds/model.ts), with the `safe` functions, which do not look
 * through it again (a post's body is most of a feed, and scanning it is most of what `xmlSafe` costs).
 */

/** Characters outside XML 1.0's `Char` production (C0 controls but tab/LF/CR, U+FFFE/U+FFFF, lone surrogates). */
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;
/** A superset, three times faster to scan: it also matches paired surrogates (emoji), which the replace keeps. */
const MAYBE_NOT_XML_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/;

export function xmlSafe(text: string): string {
  return MAYBE_NOT_XML_CHAR.test(text) ? text.replace(NOT_XML_CHAR, '') : text;
}

export const TEXT_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };

/** Character data: `>` is escaped too, so `]]>` can never appear outside a CDATA section. */
export function escapeText(text: string): string {
  return escapeSafeText(xmlSafe(text));
}

/** `escapeText` of text that went through `xmlSafe` already (a FeedView's, an ItemView's): not looked through again. */
export function escapeSafeText(text: string): string {
  return text.replace(/[&<>]/g, (c) => TEXT_ESCAPES[c]!);
}

/** A double-quoted attribute value. */
export function escapeAttr(text: string): string {
  return xmlSafe(text).replace(/[&<>"]/g, (c) => TEXT_ESCAPES[c]!);
}

/**
 * The pieces of a CDATA section holding `text`, which went through `xmlSafe` already (a post's body is long, and
 * looking through it again costs): every `]]>` (not only the first) is split between two sections, `]]` ending one
 * and `>` opening the next.
 */
export function safeCdataPieces(text: string): string[] {
  return text.split(']]>').map((piece, i, all) => (i > 0 ? '>' : '') + piece + (i < all.length - 1 ? ']]' : ''));
}

/** A CDATA section holding `text`, which went through `xmlSafe` already, split as `safeCdataPieces` says. */
export function safeCdata(text: string): string {
  return safeCdataPieces(text)
    .map((piece) => `<![CDATA[${piece}]]>`)
    .join('');
}
