/**
 * `entities/decode`, as htmlparser2 10 (sanitize-html's parser) imports it. htmlparser2 10 was built on
 * `entities` 7 while markdown-it brings `entities` 8, so the bundle held two entity decoders (~37 KB); this
 * gives htmlparser2 markdown-it's. Version 8 keeps the API htmlparser2 uses (`EntityDecoder` with
 * `startEntity`/`write`/`end`, `DecodingMode`, both decode trees: htmlparser2 12 calls it the same way) and
 * dropped only `fromCodePoint`, which was `String.fromCodePoint`.
 *
 * The two agree on every well-formed reference. They differ on some references without a `;`, where
 * `entities` 7 departs from the WHATWG HTML standard and 8 follows it: `&eta=` in text is text, not `ë`;
 * `&timesb` closing an attribute value is text, not `×b` (a legacy name followed by a letter, digit or `=`
 * is not decoded in attributes). tests/scripts/bundle.test.ts pins both claims.
 *
 * sanitize-html 2.17.6 moved to htmlparser2 12 and `entities` 8 itself but needs Node 22 (local runs are
 * Node 20), so unbundled runs (`herald build`, `npm start`) keep `entities` 7 until then: the same posts,
 * except ones with such malformed references in raw HTML. Delete this stub with that upgrade.
 */
export { DecodingMode, EntityDecoder, htmlDecodeTree, xmlDecodeTree } from 'entities/decode';
export const { fromCodePoint } = String;
