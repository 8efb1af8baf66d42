/**
 * Bounded work per post body. A post of up to `maxPostBytes` (10 MiB) must render in under 2 s and
 * 256 MB, because `regenerate` runs it inside a Lambda with a timeout and the other posts of a
 * rebuild wait behind it. Markdown and HTML parsing are linear in what
 * they produce, except where they are not:
 *
 * - htmlparser2 (inside sanitize-html) keeps its open elements in an array it grows with
 *   `unshift` and searches with `indexOf`: every tag costs the current nesting depth, so 200,000
 *   nested `<b>` took 31 s and 400,000 took 127 s.
 * - markdown-it makes a token for nearly every markup character (`*_*_`, `<`, `[`, line breaks)
 *   and for every table cell, filling short rows with empty cells: 5 MB of a 5,000-column table
 *   took 43 s and 1.1 GB.
 *
 * So four limits, each checked before the expensive part runs past it:
 *
 * - `markup`: characters of the body that can start a token (line breaks, `*`, `_`, `~`, backticks,
 *   `<`, `[`, `]`, `!`, `&`, `\`; `|` for table cells; `>`, and `-` or `+` before a space, for
 *   nested quotes and lists, whose every level rescans the line), counted in one pass before
 *   markdown-it runs.
 * - `blockTokens`: tokens of markdown-it's block pass, checked after every block rule, so one
 *   table or one line of nested lists can overshoot it by its own size only.
 * - `depth`: open elements as htmlparser2 counts them, followed through sanitize-html's tag
 *   hooks, which fire on every push and pop of its stack; parsing stops as soon as it is passed,
 *   so no tag ever costs more than this.
 * - `urls`: URLs made absolute, srcset candidates included; one `<img>` can hold millions, each
 *   growing by the length of the post's URL.
 *
 * Each limit is four times or more what the most demanding of the 31,000 posts of our test corpora
 * needs (12,895 markup characters, 22,921 block tokens, 778 URLs), and keeps a post just under it
 * well under a second (`bench/pathological.ts`).
 *
 * A post over a limit is not rejected: feed readers get its text, escaped, one paragraph per
 * block of lines with its line breaks kept, which is all a nesting bomb or a 10 MB table has to
 * say anyway, and every word of an honest post survives. The warning names the file and the limit
 * so the author can find out why the formatting is gone.
 */
import { TEXT_ESCAPES } from '../feeds/xml.ts';
import type { MarkdownIt } from 'markdown-it';
import { HeraldError } from '../errors.ts';

export const LIMITS = {
  /** Characters that can start an inline token. */
  markup: 100_000,
  /** Tokens of markdown-it's block pass (three for a paragraph or a table cell). */
  blockTokens: 100_000,
  /** Open elements at any point, as many as markdown-it's own `maxNesting`. */
  depth: 100,
  /** URLs made absolute (links, sources, srcset candidates): each can grow by the length of the post's URL. */
  urls: 20_000,
} as const;

/** Thrown while rendering a body that passes one of the limits; `renderBody` catches it. */
export class LimitExceeded extends HeraldError {
  constructor(readonly limit: keyof typeof LIMITS) {
    super(`${LIMIT_NAMES[limit]} (limit ${LIMITS[limit].toLocaleString('en-US')})`);
    this.name = 'LimitExceeded';
  }
}

const LIMIT_NAMES: Record<keyof typeof LIMITS, string> = {
  markup: 'more Markdown markup characters than render in time',
  blockTokens: 'more Markdown blocks and table cells than render in time',
  depth: 'HTML nested deeper than feed readers need',
  urls: 'more URLs than render in time',
};

/** markdown-it's inline terminators that some enabled rule turns into a token (html, links, emphasis...). */
const MARKUP = new Uint8Array(128);
for (const c of '\n!&*_~`<[]\\|>') MARKUP[c.charCodeAt(0)] = 1;
const [MINUS, PLUS, SPACE, TAB] = ['-', '+', ' ', '\t'].map((c) => c.charCodeAt(0));

/** Throws LimitExceeded when `source` holds more markup characters than `LIMITS.markup`. */
export function checkMarkup(source: string): void {
  let count = 0;
  for (let i = 0; i < source.length; i++) {
    const c = source.charCodeAt(i);
    const marker = (c === MINUS || c === PLUS) && (source.charCodeAt(i + 1) === SPACE || source.charCodeAt(i + 1) === TAB);
    if (((c < 128 && MARKUP[c] === 1) || marker) && ++count > LIMITS.markup) throw new LimitExceeded('markup');
  }
}

/** Makes every block rule of `markdown` throw LimitExceeded once the tokens pass `LIMITS.blockTokens`. */
export function limitBlockTokens(markdown: MarkdownIt): void {
  const ruler = markdown.block.ruler;
  for (const { name, fn, alt } of [...ruler.__rules__]) {
    ruler.at(
      name,
      (state, startLine, endLine, silent) => {
        const matched = fn(state, startLine, endLine, silent);
        if (matched && state.tokens.length > LIMITS.blockTokens) throw new LimitExceeded('blockTokens');
        return matched;
      },
      { alt },
    );
  }
}

/** A counter for one document that throws LimitExceeded when called more than `LIMITS[limit]` times. */
export function counter(limit: keyof typeof LIMITS): () => void {
  let count = 0;
  return () => {
    if (++count > LIMITS[limit]) throw new LimitExceeded(limit);
  };
}

/** htmlparser2's void elements (its `voidElements`): reported opened and closed at once, never on its stack. */
const VOID = new Set(
  'area base basefont br col command embed frame hr img input isindex keygen link meta param source track wbr'.split(' '),
);

/**
 * sanitize-html hooks that follow htmlparser2's stack: it reports an open for each element it
 * pushes and a close for each it pops (implied closes included), so the opens minus the closes of
 * non-void elements is its depth. New hooks for each document. plain-markdown.ts calls them as htmlparser2 would.
 */
export function depthGuard(limit: number = LIMITS.depth): { onOpenTag(name: string): void; onCloseTag(name: string): void } {
  let depth = 0;
  return {
    onOpenTag: (name) => {
      if (!VOID.has(name) && ++depth > limit) throw new LimitExceeded('depth');
    },
    onCloseTag: (name) => {
      if (!VOID.has(name)) depth--;
    },
  };
}

/** Characters done at a time: one replace over 10 MB of `<b>` holds 370 MB of pieces, 64 KB slices 90 MB. */
const SLICE = 65_536;
/** A break between paragraphs (a blank line, and any more after it), a line break, or a character to escape. */
const PLAIN = /\r?\n[ \t\r]*\n[ \t\r\n]*|\r?\n|[&<>]/g;

/**
 * The fallback HTML of an XML-safe body over a limit: its text escaped, a paragraph per block of
 * lines, line breaks kept. One pass per slice: a split into blocks and then lines held 500 MB for
 * 10 MB of short lines.
 */
export function plainTextHtml(source: string): string {
  const text = source.trim();
  if (text === '') return '';
  const html = ['<p>'];
  for (let start = 0; start < text.length; ) {
    let end = Math.min(start + SLICE, text.length);
    // Never end a slice inside a paragraph break or a surrogate pair.
    while (end < text.length && /[ \t\r\n\uD800-\uDBFF]/.test(text[end - 1]!)) end++;
    html.push(
      text
        .slice(start, end)
        .replace(PLAIN, (match) => TEXT_ESCAPES[match] ?? (match.indexOf('\n') === match.lastIndexOf('\n') ? '<br />\n' : '</p>\n<p>')),
    );
    start = end;
  }
  html.push('</p>\n');
  return html.join('');
}
