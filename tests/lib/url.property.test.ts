// Properties of safeUrl (issue 9): on any string and any base it never throws, and what it returns is an
// absolute RFC 3986 URI of an allowed scheme, stable under parsing again, that can sit in an XML or HTML
// attribute, a srcset or a JSON Feed `uri` field as it is.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { safeUrl } from '../../lib/url.ts';
import { parseXml } from '../support/validate.ts';

const RUNS = { numRuns: 500, seed: 9 };

/** RFC 3986's characters, every `%` starting an escape, at most one `#`. */
const URI = /^(?:[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*$/;

function expectSafe(result: string | undefined, image: boolean): void {
  if (result === undefined) return;
  const url = new URL(result);
  expect(url.href).toBe(result);
  if (url.protocol === 'data:') {
    expect(image).toBe(true);
    expect(url.pathname).toMatch(/^image\//i);
  } else {
    expect(['http:', 'https:', 'mailto:', 'tel:']).toContain(url.protocol);
  }
  expect(result).toMatch(URI);
  expect(result.split('#').length).toBeLessThanOrEqual(2);
  expect(safeUrl(result, undefined, { image })).toBe(result);
  const xml = parseXml(`<a href="${result.replaceAll('&', '&amp;')}" srcset="${result.replaceAll('&', '&amp;')} 2x"/>`);
  expect(xml).not.toHaveProperty('error');
  if ('root' in xml) expect(xml.root.attributes.href).toBe(result);
}

/** Characters that end attributes, start tags or escapes, or mean something in one URL part only. */
const nasty = fc.constantFrom(...' "\'<>`&%#?[]{}|\\^\t\n\r\0\u00a0\u2028\ud800\ufffe😀é/:@;=.', '%zz', '%2e%2e', '../', '//', ']]>');
const urlText = fc.string({ unit: fc.oneof(nasty, fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })), maxLength: 24 });
const scheme = fc.constantFrom(
  'http:',
  'HTTPS:',
  'mailto:',
  'tel:',
  'data:',
  'data:image/svg+xml,',
  'data:text/html,',
  'javascript:',
  'java\tscript:',
  'file:',
  'ftp:',
  'ws:',
  'blob:',
  'x-custom:',
  '',
);
const value = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.webUrl({ withQueryParameters: true, withFragments: true }),
  fc.tuple(scheme, fc.constantFrom('', '//', '///', '//[::1]:80/', '//user:p"w@host/'), urlText).map((parts) => parts.join('')),
);
const base = fc.oneof(
  fc.constant(undefined),
  fc.constantFrom(
    'https://example.org/posts/hello/',
    'http://[::1]/a/',
    'mailto:a@example.org',
    'tel:+1',
    'data:image/png,x',
    'file:///tmp/',
  ),
  fc.webUrl(),
  fc.string({ unit: 'binary', maxLength: 20 }),
);

describe('safeUrl', () => {
  it('never throws, and returns only absolute URIs of allowed schemes that no attribute, srcset or JSON Feed rejects', () => {
    fc.assert(
      fc.property(value, base, fc.boolean(), (input, against, image) => {
        expectSafe(safeUrl(input, against, { image }), image);
      }),
      RUNS,
    );
  });

  describe('examples found by the property', () => {
    it('percent-encodes what opaque paths (mailto:, tel:, data:) keep raw', () => {
      expect(safeUrl('mailto:a"<b> c')).toBe('mailto:a%22%3Cb%3E%20c');
      expect(safeUrl('tel:<x>')).toBe('tel:%3Cx%3E');
      expect(safeUrl('data:image/svg+xml,<svg onload="x">', undefined, { image: true })).toBe(
        'data:image/svg+xml,%3Csvg%20onload=%22x%22%3E',
      );
    });

    it('escapes a stray %, a second # and brackets outside an IPv6 host', () => {
      expect(safeUrl('https://[::1]:8080/[x]%zz%41#a#b')).toBe('https://[::1]:8080/%5Bx%5D%25zz%41#a%23b');
      expect(safeUrl('https://x/?q=|^`')).toBe('https://x/?q=%7C%5E%60');
    });

    it('refuses a host name WHATWG accepts but RFC 3986 does not, which escaping would not keep', () => {
      expect(safeUrl('http:{', 'https://example.org/')).toBeUndefined();
      expect(safeUrl('http:///"', 'http://a.example')).toBeUndefined();
      expect(safeUrl('http://[::1]:8080/')).toBe('http://[::1]:8080/');
    });
  });
});
