/**
 * Text cleaning shared by every field that ends up in a feed. XML 1.0 (RSS, Atom) cannot carry
 * C0 controls other than tab/LF/CR, U+FFFE/U+FFFF or unpaired surrogates, not even escaped, so
 * they are removed at the source rather than trusted to each renderer.
 */
import { xmlSafe } from '../feeds/xml.ts';

// Line breaks and tabs become spaces; other C0/C1 controls (mojibake such as U+009D) carry nothing.
const LINE_CONTROLS = /[\t\n\r\v\f\u2028\u2029]+/g;
const OTHER_CONTROLS = /[\0-\x08\x0E-\x1F\x7F-\x9F\uFFFE\uFFFF\uD800-\uDFFF]/gu;
const NEEDS_CLEANING = /[\0-\x1F\x7F-\x9F\u2028\u2029\uFFFE\uFFFF\uD800-\uDFFF]| {2}/u;

/**
 * A single-line field (title, author name, language): no control characters or line breaks,
 * runs of ASCII spaces folded, trimmed. Other spaces (NBSP in French titles) are the author's choice.
 */
export function cleanLine(text: string): string {
  if (!NEEDS_CLEANING.test(text)) return ownCopy(text.trim());
  return ownCopy(text.replace(OTHER_CONTROLS, '').replace(LINE_CONTROLS, ' ').replace(/ {2,}/g, ' ').trim());
}

/** A multi-line plain-text field (summary): XML-safe, trimmed, line breaks kept. */
export function cleanText(text: string): string {
  return ownCopy(xmlSafe(text).trim());
}

/**
 * The string in memory of its own. Parsers return values as V8 slices, views that keep their
 * whole parent (the front-matter block) alive; metadata kept for 30,000 posts in an index would
 * pin 40 MB of blocks. Concatenating then slicing makes V8 flatten the pair into a new string.
 */
function ownCopy(slice: string): string {
  return ` ${slice}`.slice(1);
}

/** true/false, or their spelling as a string (YAML written by hand, TOML strings); undefined otherwise. */
export function booleanOf(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value !== 'string') return undefined;
  const word = value.trim().toLowerCase();
  return word === 'true' ? true : word === 'false' ? false : undefined;
}

/** A YAML mapping or TOML table, as parsed: not a list, not a date. */
export function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/** A front-matter value of the wrong shape, as a problem names it: `a list`, `a mapping`, `a date`, or its JSON. */
export function describeValue(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value instanceof Date) return 'a date';
  if (typeof value === 'object' && value !== null) return 'a mapping';
  const json = typeof value === 'bigint' ? String(value) : JSON.stringify(value);
  // A long string is named by its start: the problem is its shape, not its content.
  return json === undefined ? String(value) : json.length > 60 ? `${json.slice(0, 57)}...` : json;
}
