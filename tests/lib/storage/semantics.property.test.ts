import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareKeys } from '../../../lib/storage/semantics.ts';

const utf8Order = (a: string, b: string) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

describe('compareKeys', () => {
  it('orders any two strings as their UTF-8 bytes (S3 listing order), lone surrogates included', () => {
    // Characters from the ranges where UTF-16 and UTF-8 orders part: surrogates, U+E000 to U+FFFF, astral.
    const unit = fc.oneof(
      fc.integer({ min: 0x20, max: 0x7f }),
      fc.integer({ min: 0xd7f0, max: 0xe010 }),
      fc.integer({ min: 0xfff0, max: 0xffff }),
    );
    const text = fc.oneof(
      fc.string({ unit: 'grapheme' }),
      fc.array(unit, { maxLength: 6 }).map((codes) => String.fromCharCode(...codes)),
      fc
        .array(
          fc.oneof(
            unit.map((code) => String.fromCharCode(code)),
            fc.constantFrom('😀', '𝄞', '\u{10ffff}'),
          ),
          { maxLength: 5 },
        )
        .map((parts) => parts.join('')),
    );
    fc.assert(
      fc.property(text, text, (a, b) => {
        expect(Math.sign(compareKeys(a, b))).toBe(Math.sign(utf8Order(a, b)));
        expect(Math.sign(compareKeys(b + a, b + b))).toBe(Math.sign(utf8Order(b + a, b + b)));
      }),
      { numRuns: 5000 },
    );
  });
});
