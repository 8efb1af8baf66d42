// Properties of term slugs (issue 9): any text gives null or a term whose slug is one safe storage key and
// URL path segment, and two terms share a slug exactly when they are one term under the normalization
// lib/post/terms.ts documents (NFKC, lower case, invisible characters dropped, whitespace folded, space = `-`).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_SLUG_BYTES, makeTerm, termSlug } from '../../../lib/post/terms.ts';

const RUNS = { numRuns: 500, seed: 9 };

/** The documented identity of a term; the input has no control characters, which makeTerm would drop first. */
function identity(raw: string): string {
  return raw
    .normalize('NFKC')
    .toLowerCase()
    .normalize('NFKC')
    .replace(/[\u00AD\u200B\u2060\uFEFF]/g, '')
    .replace(/\s+/g, ' ')
    .trim()
    .replaceAll(' ', '-');
}

function expectSafeSlug(slug: string): void {
  expect(slug).not.toBe('');
  expect(slug).not.toMatch(/[/\\\p{Cc}\p{Cs}\p{Cn}\s]/u);
  expect(slug).not.toMatch(/^\.|\.$/);
  expect(Buffer.byteLength(slug)).toBeLessThanOrEqual(MAX_SLUG_BYTES);
  // One path segment that round-trips through a URL.
  const segment = encodeURIComponent(slug);
  expect(new URL(`https://example.org/tags/${segment}/rss.xml`).pathname).toBe(`/tags/${segment}/rss.xml`);
  expect(decodeURIComponent(segment)).toBe(slug);
}

/** Characters that are escaped, folded, dropped or kept: where collisions would hide. */
const tricky = fc.constantFrom(
  ...'aAzZ09 -_.~/\\%#?:&+"\'<>|*\u00a0\u3000\u00ad\u200b\u2060\ufeff\u200d\u0301éÉßẞİıﬁＳ１科技😀👍🏽'.match(/./gsu)!,
  '~2e',
  '~h',
  '~7e',
  '..',
);
const termText = fc.string({ unit: fc.oneof(tricky, fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 })), maxLength: 16 });
/** Long enough to be truncated: 130 to 200 characters, so more than MAX_SLUG_BYTES. */
const longPrefix = fc.string({ unit: fc.oneof(tricky, fc.constantFrom('a', '科', '~')), minLength: 130, maxLength: 200 });

const noControls = (text: string) => !/[\p{Cc}\p{Cs}\u2028\u2029\uFFFE\uFFFF]/u.test(text);

describe('term slugs', () => {
  it('never throw, and are safe keys and path segments for any text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), termText, longPrefix), (raw) => {
        const term = makeTerm(raw);
        if (term) expectSafeSlug(term.slug);
      }),
      RUNS,
    );
  });

  it('are equal exactly when the documented identities are', () => {
    const pair = fc.oneof(
      fc.tuple(termText, termText),
      // Near misses: one character appended, or a prefix of the other.
      fc.tuple(termText, tricky).map(([a, c]) => [a, a + c] as const),
      fc.tuple(termText, fc.nat()).map(([a, n]) => [a, a.slice(0, n % (a.length + 1))] as const),
    );
    fc.assert(
      fc.property(pair, ([a, b]) => {
        fc.pre(noControls(a) && noControls(b));
        const [x, y] = [makeTerm(a), makeTerm(b)];
        if (!x || !y) return;
        expect(x.slug === y.slug, `${JSON.stringify(a)} ${JSON.stringify(b)}`).toBe(identity(a) === identity(b));
      }),
      RUNS,
    );
  });

  it('are equal across ASCII case and space/- spelling, as in Hugo', () => {
    const word = fc.string({
      unit: fc.oneof(fc.constantFrom('a', 'B', 'z', '9', '_', '.', '科', 'é'), tricky),
      minLength: 1,
      maxLength: 6,
    });
    fc.assert(
      fc.property(fc.array(word, { minLength: 1, maxLength: 4 }), (words) => {
        fc.pre(words.every((w) => noControls(w) && !/[\s\u00ad\u200b\u2060\ufeff-]/.test(w)));
        const spaced = words.join(' ');
        const dashed = words.map((w) => w.replace(/[a-z]/g, (c) => c.toUpperCase())).join('-');
        const [x, y] = [makeTerm(spaced), makeTerm(dashed)];
        expect(x?.slug).toBe(y?.slug);
      }),
      RUNS,
    );
  });

  it('stay distinct and bounded when long terms share a prefix', () => {
    fc.assert(
      fc.property(longPrefix, termText, termText, (prefix, a, b) => {
        const terms = [prefix, prefix + a, prefix + b];
        fc.pre(terms.every(noControls));
        const slugs = terms.map(termSlug);
        for (const slug of slugs) expectSafeSlug(slug);
        for (const [i, j] of [
          [0, 1],
          [0, 2],
          [1, 2],
        ] as const) {
          expect(slugs[i] === slugs[j]).toBe(identity(terms[i]!) === identity(terms[j]!));
        }
      }),
      RUNS,
    );
  });
});
