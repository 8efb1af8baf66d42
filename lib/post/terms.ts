/**
 * Categories and tags: how a term is displayed, when two spellings are the same term, and the slug
 * that names its feed folder (`tags/<slug>/rss.xml`, an S3 key and a file name at once).
 *
 * Identity. Two terms share a feed when they are equal after: Unicode NFKC, lower-casing, dropping
 * invisible characters (soft hyphen, zero-width space, word joiner, BOM), folding every run of
 * whitespace (NBSP and the ideographic space included) to one space, trimming, and reading a space
 * as `-`. NFKC rather than NFC because compatibility variants are the same word typed on another
 * keyboard or IME: full-width `ＳＯＦＡ｜云原生` and `SOFA|云原生`, the ligature `ﬁ` and `fi`. It never
 * turns Chinese into anything else. Space and `-` are the same separator, as in Hugo's urlize:
 * `open source` and `open-source` are one term. The display name keeps the author's form (NFC only).
 *
 * Slug. The identity key, with each code point kept when it is a Unicode letter, mark or number,
 * `-` or `_`, and `.` kept except as the first or last character (never `.`, `..` or a hidden
 * file). Anything else is escaped as `~` plus two lowercase hex digits per UTF-8 byte: `C#` is
 * `c~23`, `a/b` is `a~2fb`, `../../etc` is `~2e.~2f..~2fetc`. `~` itself is always escaped, so the
 * encoding decodes unambiguously: distinct identity keys get distinct slugs. A slug longer than
 * MAX_SLUG_BYTES is cut at a code-point boundary and ends with `~h` plus 16 hex digits of the key's
 * SHA-256; `~h` cannot occur in an untruncated slug (`h` is not a hex digit), so long terms stay
 * distinct from each other and from short ones. Slugs contain no `/`, `\`, NUL or control
 * characters, and renderers percent-encode them in URLs (`~` and letters need no encoding in S3).
 */
import { createHash } from 'node:crypto';
import { cleanLine } from './text.ts';
import type { Term } from './types.ts';

/** File systems allow 255 bytes per name; this leaves room and keeps URLs readable. */
export const MAX_SLUG_BYTES = 120;
const HASH_HEX = 16;

const INVISIBLE = /[\u00AD\u200B\u2060\uFEFF]/g;
const WHITESPACE = /\s+/g;
const KEPT = /^[\p{L}\p{M}\p{N}_-]$/u;
// Ill-formed UTF-16 has no UTF-8 bytes to escape; makeTerm has already removed it.
const LONE_SURROGATE = /[\uD800-\uDFFF]/gu;

// A site uses few distinct terms (77 in 30,197 bulwark posts), each on many posts.
const cache = new Map<string, Term | null>();
const MAX_CACHED = 50_000;

/** A term as the author wrote it, normalized for display; null when nothing is left. Frozen: shared. */
export function makeTerm(raw: string): Term | null {
  let term = cache.get(raw);
  if (term !== undefined) return term;
  term = normalizeTerm(raw);
  if (cache.size >= MAX_CACHED) cache.clear();
  cache.set(raw, term);
  return term;
}

function normalizeTerm(raw: string): Term | null {
  const name = cleanLine(raw.normalize('NFC').replace(INVISIBLE, '')).replace(WHITESPACE, ' ');
  if (name === '') return null;
  return Object.freeze({ name, slug: termSlug(name) });
}

/** The identity key of a term: equal keys mean one feed. */
function identity(name: string): string {
  return name.normalize('NFKC').toLowerCase().normalize('NFKC').replace(INVISIBLE, '').replace(WHITESPACE, ' ').trim().replaceAll(' ', '-');
}

/** The feed folder name of a term; see the module comment. Throws on a name with nothing in it. */
export function termSlug(name: string): string {
  const key = identity(name.replace(LONE_SURROGATE, '\uFFFD'));
  if (key === '') throw new RangeError(`term ${JSON.stringify(name)} has no visible characters`);
  const units: string[] = [];
  let bytes = 0;
  const last = key.length - 1;
  let index = 0;
  for (const char of key) {
    const literal = KEPT.test(char) || (char === '.' && index !== 0 && index !== last);
    const unit = literal ? char : escapeChar(char);
    units.push(unit);
    bytes += Buffer.byteLength(unit);
    index += char.length;
  }
  if (bytes <= MAX_SLUG_BYTES) return units.join('');
  const marker = `~h${createHash('sha256').update(key).digest('hex').slice(0, HASH_HEX)}`;
  let kept = '';
  let keptBytes = 0;
  for (const unit of units) {
    const size = Buffer.byteLength(unit);
    if (keptBytes + size + marker.length > MAX_SLUG_BYTES) break;
    kept += unit;
    keptBytes += size;
  }
  return kept + marker;
}

function escapeChar(char: string): string {
  let out = '';
  for (const byte of Buffer.from(char, 'utf8')) out += `~${byte.toString(16).padStart(2, '0')}`;
  return out;
}

/** A term as an item lists it, with the taxonomy it is listed under. */
export interface ItemTerm {
  kind: 'category' | 'tag';
  term: Term;
}

/**
 * The terms an item lists: the post's categories, then those of its tags that are not also one of its
 * categories, each once (the same term is the same slug, as for feeds). bulwark gives every post a category and
 * a tag of the same name, as sofastack does for most; an item lists such a term once, as a category.
 */
export function itemTerms(meta: { categories: readonly Term[]; tags: readonly Term[] }): ItemTerm[] {
  const seen = new Set<string>();
  const result: ItemTerm[] = [];
  for (const [kind, terms] of [
    ['category', meta.categories],
    ['tag', meta.tags],
  ] as const) {
    for (const term of terms) {
      if (seen.has(term.slug)) continue;
      seen.add(term.slug);
      result.push({ kind, term });
    }
  }
  return result;
}
