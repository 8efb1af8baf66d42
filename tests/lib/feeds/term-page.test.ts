import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hugoUrlize, termPageUrl } from '../../../lib/feeds/term-page.ts';

describe('hugoUrlize: a term as Hugo writes it in a URL', () => {
  it.each([
    ['Open Source', 'open-source'],
    ['  Web   Dev ', 'web-dev'],
    ['web - dev', 'web-dev'],
    ['C#', 'c#'],
    ['C++', 'c++'],
    ['R&D', 'rd'],
    ['Hello, World!', 'hello-world'],
    ['科技', '科技'],
    ['SOFA｜云原生', 'sofa云原生'],
    ['Émile Zola', 'émile-zola'],
    ['100%25 sure', '100%25-sure'],
    ['100% sure', '100-sure'],
    ['zh-CN', 'zh-cn'],
    ['a@b.c', 'a@b.c'],
  ])('%j is %j', (name, slug) => {
    expect(hugoUrlize(name)).toBe(slug);
  });
});

describe('termPageUrl', () => {
  it('expands :slug, percent-encoded as one segment, against the base URL', () => {
    expect(termPageUrl('/tags/:slug/', 'Open Source', 'https://example.org/blog/')).toBe('https://example.org/blog/tags/open-source/');
    expect(termPageUrl('/tags/:slug/', 'C#', 'https://example.org/')).toBe('https://example.org/tags/c%23/');
    expect(termPageUrl('/tags/:slug/', '科技', 'https://example.org/')).toBe('https://example.org/tags/%E7%A7%91%E6%8A%80/');
  });

  it('never leaves the base URL, whatever the term', () => {
    expect(termPageUrl('/:slug/', '../..', 'https://example.org/blog/')).toBe('https://example.org/blog/..%2F../');
    expect(termPageUrl('/:slug/', '..', 'https://example.org/blog/')).toBe('https://example.org/blog/');
    expect(termPageUrl('/x/:slug/', ' . ', 'https://example.org/blog/')).toBe('https://example.org/blog/x/');
    expect(termPageUrl('/tags/:slug/', '!!!', 'https://example.org/blog/')).toBe('https://example.org/blog/tags/');
  });

  it('never throws and never leaves the base URL, for any name (property)', () => {
    const base = 'https://example.org/blog/';
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.constantFrom('/tags/:slug/', '/:slug/', '/a/:slug/:slug.html'), (name, pattern) => {
        const url = termPageUrl(pattern, name, base);
        expect(url.startsWith(base)).toBe(true);
        expect(new URL(url).href).toBe(url);
      }),
      { numRuns: 2000 },
    );
  });
});
