/**
 * A fast path for the front matter most posts have: a flat mapping of simple keys to one-line
 * scalars, flow lists of scalars and block lists of scalars. The `yaml` package spends about
 * 120 µs on such a block, which alone would take 3.6 s of the 5 s budget for the 30,197-post
 * bulwark corpus; this reads it in a few microseconds.
 *
 * It is not a YAML parser of its own: it accepts only constructs whose YAML 1.2 core-schema
 * meaning is unambiguous, and returns undefined for anything else (anchors, aliases, tags,
 * nested mappings, block scalars, multi-line or escaped-beyond-the-basics strings, floats, octal
 * and hex numbers, duplicate keys, `__proto__`, control characters), which then goes through
 * `yaml` with all its limits. tests/lib/post/flat-yaml.test.ts checks that every result equals
 * `yaml`'s on crafted cases and on every front matter of the corpora.
 */

const KEY_LINE = /^([A-Za-z_][A-Za-z0-9_-]*):(?: +(.*))?$/;
const ITEM_LINE = /^( *)-(?: +(.*))?$/;
// Characters that start something other than a plain scalar (YAML 1.2 c-indicator), or a quote.
const INDICATOR_START = /^[-?:,[\]{}#&*!|>'"%@`]/;
// Characters the fast path refuses anywhere: controls and tabs (YAML treats tabs specially), BOM,
// and the line separators YAML 1.1 counted as line breaks.
const UNSAFE = /[\0-\x09\x0B-\x1F\x7F-\x9F\uFEFF\u2028\u2029]/;
const BLANK_OR_COMMENT = /^ *(?:#.*)?$/;
const NULL = /^(?:~|[Nn]ull|NULL)$/;
const TRUE = /^(?:[Tt]rue|TRUE)$/;
const FALSE = /^(?:[Ff]alse|FALSE)$/;
const INTEGER = /^[-+]?[0-9]{1,15}$/;
// Other core-schema numbers (floats, .inf, .nan, 0o, 0x): left to `yaml`.
const OTHER_NUMBER =
  /^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN|0o[0-7]+|0x[0-9a-fA-F]+)$/;
const ESCAPES: Record<string, string> = { '\\': '\\', '"': '"', '/': '/', n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', '0': '\0' };

/** Sentinel for "not in the subset". */
const NO = Symbol('not flat');
type Result<T> = T | typeof NO;

/** The mapping, or undefined when the block is not in the flat subset. */
export function parseFlatYaml(source: string): Record<string, unknown> | undefined {
  const data: Record<string, unknown> = {};
  let listKey: string | undefined;
  let list: unknown[] | undefined;
  let listIndent = -1;
  if (UNSAFE.test(source)) return undefined;
  for (const line of source.split('\n')) {
    if (BLANK_OR_COMMENT.test(line)) continue;
    const entry = KEY_LINE.exec(line);
    if (entry) {
      if (listKey !== undefined) data[listKey] = list ?? null;
      list = undefined;
      listIndent = -1;
      const key = entry[1]!;
      // Keys are scalars too: `true:` or `null:` would resolve to another key string.
      if (key === '__proto__' || Object.hasOwn(data, key) || NULL.test(key) || TRUE.test(key) || FALSE.test(key)) return undefined;
      const text = trimSpaces(entry[2] ?? '');
      if (text === '' || text.startsWith('#')) {
        listKey = key;
        continue;
      }
      listKey = undefined;
      const value = text.startsWith('[') ? flowList(text) : scalar(text);
      if (value === NO) return undefined;
      data[key] = value;
      continue;
    }
    const item = ITEM_LINE.exec(line);
    if (!item || listKey === undefined) return undefined;
    const indent = item[1]!.length;
    if (listIndent === -1) listIndent = indent;
    else if (indent !== listIndent) return undefined;
    const text = trimSpaces(item[2] ?? '');
    const value = text === '' ? null : scalar(text);
    if (value === NO) return undefined;
    list ??= [];
    list.push(value);
  }
  if (listKey !== undefined) data[listKey] = list ?? null;
  return data;
}

/** A one-line scalar with nothing after it but an optional ` #comment`. */
function scalar(text: string): Result<unknown> {
  const first = text[0];
  if (first === '"' || first === "'") {
    const quoted = first === '"' ? doubleQuoted(text, 0) : singleQuoted(text, 0);
    if (quoted === NO || !onlyComment(text, quoted.end)) return NO;
    return quoted.value;
  }
  // In a plain scalar, " #" starts a comment.
  const comment = text.indexOf(' #');
  return plain(comment === -1 ? text : trimSpaces(text.slice(0, comment)), false);
}

/** `[a, "b", 'c']` on one line; nested collections and trailing commas are left to `yaml`. */
function flowList(text: string): Result<unknown[]> {
  const items: unknown[] = [];
  let i = 1;
  for (;;) {
    while (text[i] === ' ') i++;
    if (text[i] === ']' && items.length === 0) return onlyComment(text, i + 1) ? items : NO;
    const first = text[i];
    let value: unknown;
    if (first === '"' || first === "'") {
      const quoted = first === '"' ? doubleQuoted(text, i) : singleQuoted(text, i);
      if (quoted === NO) return NO;
      value = quoted.value;
      i = quoted.end;
      while (text[i] === ' ') i++;
    } else {
      let end = i;
      while (end < text.length && !',[]{}#"\''.includes(text[end]!)) end++;
      const resolved = plain(trimSpaces(text.slice(i, end)), true);
      if (resolved === NO) return NO;
      value = resolved;
      i = end;
    }
    items.push(value);
    if (text[i] === ',') {
      i++;
      continue;
    }
    if (text[i] === ']') return onlyComment(text, i + 1) ? items : NO;
    return NO;
  }
}

/** A plain scalar resolved with the core schema (null, booleans, decimal integers, else a string). */
function plain(text: string, inFlow: boolean): Result<unknown> {
  if (text === '' || INDICATOR_START.test(text) || text.endsWith(':') || text.includes(': ') || text.includes(' #')) return NO;
  if (inFlow && /[,[\]{}]/.test(text)) return NO;
  if (NULL.test(text)) return null;
  if (TRUE.test(text)) return true;
  if (FALSE.test(text)) return false;
  if (INTEGER.test(text)) return Number(text);
  if (OTHER_NUMBER.test(text)) return NO;
  return text;
}

function doubleQuoted(text: string, start: number): Result<{ value: string; end: number }> {
  let value = '';
  let from = start + 1;
  for (;;) {
    const quote = text.indexOf('"', from);
    if (quote === -1) return NO;
    const backslash = text.indexOf('\\', from);
    if (backslash === -1 || backslash > quote) return { value: value + text.slice(from, quote), end: quote + 1 };
    value += text.slice(from, backslash);
    const next = text[backslash + 1];
    if (next === 'u') {
      const hex = text.slice(backslash + 2, backslash + 6);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) return NO;
      value += String.fromCharCode(Number.parseInt(hex, 16));
      from = backslash + 6;
      continue;
    }
    const escaped = next !== undefined && Object.hasOwn(ESCAPES, next) ? ESCAPES[next] : undefined;
    if (escaped === undefined) return NO;
    value += escaped;
    from = backslash + 2;
  }
}

function singleQuoted(text: string, start: number): Result<{ value: string; end: number }> {
  let value = '';
  let from = start + 1;
  for (;;) {
    const quote = text.indexOf("'", from);
    if (quote === -1) return NO;
    value += text.slice(from, quote);
    if (text[quote + 1] !== "'") return { value, end: quote + 1 };
    value += "'";
    from = quote + 2;
  }
}

/** Whether `text` from `index` on is empty or a comment (which needs a space before `#`). */
function onlyComment(text: string, index: number): boolean {
  return index === text.length || /^(?: *| +#.*)$/.test(text.slice(index));
}

/** YAML separates with spaces and tabs only; JavaScript's trim would also eat U+3000 and NBSP. */
function trimSpaces(text: string): string {
  return text.charCodeAt(0) === 32 || text.charCodeAt(text.length - 1) === 32 ? text.replace(/^ +| +$/g, '') : text;
}
