import { describe, expect, it } from 'vitest';
import { renderFeed, siteFeed } from '../../../lib/feeds/feeds.ts';
import { feedItem, siteConfig } from '../../support/factories.ts';
import { itemTerms, MAX_SLUG_BYTES, makeTerm, termSlug } from '../../../lib/post/terms.ts';

/** Inverse of the slug escaping, to prove the encoding is decodable (hence injective). */
function decode(slug: string): string {
  const bytes: number[] = [];
  let out = '';
  const flush = () => {
    if (bytes.length) out += Buffer.from(bytes.splice(0)).toString('utf8');
  };
  for (let i = 0; i < slug.length; ) {
    if (slug[i] === '~') {
      bytes.push(Number.parseInt(slug.slice(i + 1, i + 3), 16));
      i += 3;
    } else {
      flush();
      const char = String.fromCodePoint(slug.codePointAt(i)!);
      out += char;
      i += char.length;
    }
  }
  flush();
  return out;
}

const TRICKY = [
  'C',
  'C#',
  'C++',
  'c-sharp',
  'c_sharp',
  'R&D',
  'r-d',
  'r~26d',
  'a/b',
  'a\\b',
  'a~2fb',
  '../../etc',
  '..',
  '.',
  '...',
  '.hidden',
  'trailing.',
  'node.js',
  'Node.js 20',
  '~',
  '~~',
  '~2e',
  '~h',
  '%2F',
  'a%2fb',
  'a?b',
  'a#b',
  'a:b',
  'a*b',
  'a|b',
  'a"b',
  "a'b",
  'a<b>',
  'é',
  'e\u0301x',
  '科技',
  '剖析 | SOFARPC 框架',
  '云原生',
  '😀',
  '👍🏽',
  'ß',
  'ẞ',
  'İstanbul',
  'dotted.name.',
  '-',
  '_',
  '---',
  'a--b',
  'x\u200Dy',
  'tab\there',
  '+',
  'a+b',
  'a b+c',
  'null',
  'CON',
  'a;b',
  '[x]',
  '{y}',
  '@home',
  '$5',
  '100%',
];

describe('makeTerm', () => {
  it('trims, folds no-break and ideographic spaces and runs of spaces, keeps the author form', () => {
    expect(makeTerm('  Kata\u00a0Containers ')).toEqual({ name: 'Kata Containers', slug: 'kata-containers' });
    expect(makeTerm('API  Gateway\u3000')).toEqual({ name: 'API Gateway', slug: 'api-gateway' });
    expect(makeTerm('剖析 | SOFAArk 源码 ')?.name).toBe('剖析 | SOFAArk 源码');
  });

  it('returns null when nothing visible is left', () => {
    for (const raw of ['', '   ', '\u00a0\u3000', '\u200B', '\u0001\u0002']) expect(makeTerm(raw)).toBeNull();
  });

  it('removes control characters and characters XML forbids from the name', () => {
    expect(makeTerm('bad\u0000\u0008tag\uFFFE]]>')).toEqual({ name: 'badtag]]>', slug: 'badtag~5d~5d~3e' });
  });

  it('NFC-normalizes the display name', () => {
    expect(makeTerm('Cafe\u0301')?.name).toBe('Café');
  });

  it('gives one slug to case, spacing, width and compatibility variants', () => {
    const groups = [
      ['CoinDesk', 'coindesk', ' COINDESK '],
      ['Service Mesh', 'Service mesh', 'service  mesh', 'Service\u00a0Mesh', 'service-mesh'],
      ['SOFA Weekly', 'SOFA WEEKLY'],
      ['ＳＯＦＡ｜云原生', 'SOFA|云原生', 'sofa|云原生'],
      ['ﬁle', 'file'],
    ];
    for (const group of groups) expect(new Set(group.map(termSlug)).size, group.join(' / ')).toBe(1);
  });

  it('keeps Chinese and other letters as they are', () => {
    expect(termSlug('科技')).toBe('科技');
    expect(termSlug('云原生 实践')).toBe('云原生-实践');
    expect(termSlug('Ünïcödé')).toBe('ünïcödé');
  });
});

describe('termSlug', () => {
  it('escapes what is not a letter, mark, number, - or _', () => {
    expect(termSlug('C#')).toBe('c~23');
    expect(termSlug('R&D')).toBe('r~26d');
    expect(termSlug('a/b')).toBe('a~2fb');
    expect(termSlug('../../etc')).toBe('~2e.~2f..~2fetc');
    expect(termSlug('..')).toBe('~2e~2e');
    expect(termSlug('node.js')).toBe('node.js');
    expect(termSlug('~')).toBe('~7e');
  });

  it('gives every tricky term a safe slug', () => {
    for (const term of TRICKY) {
      const slug = termSlug(term);
      expect(slug, term).not.toMatch(/[/\\\0-\x1F\x7F]/);
      expect(slug, term).not.toMatch(/^\./);
      expect(slug, term).not.toMatch(/\.$/);
      expect(['', '.', '..'], term).not.toContain(slug);
      expect(Buffer.byteLength(slug), term).toBeLessThanOrEqual(MAX_SLUG_BYTES);
    }
  });

  it('is injective: distinct identities give distinct slugs, and each slug decodes to its identity', () => {
    const identity = (term: string) =>
      term.normalize('NFKC').toLowerCase().normalize('NFKC').replace(/\s+/g, ' ').trim().replaceAll(' ', '-');
    const bySlug = new Map<string, string>();
    for (const term of TRICKY) {
      const slug = termSlug(term);
      expect(decode(slug), term).toBe(identity(term));
      const other = bySlug.get(slug);
      if (other !== undefined) expect(identity(other), `${term} collides with ${other}`).toBe(identity(term));
      bySlug.set(slug, term);
    }
    expect(new Set(['C#', 'C', 'c-sharp', 'R&D', 'r-d', 'a/b', '../../etc'].map(termSlug)).size).toBe(7);
  });

  it('truncates long terms with a hash that keeps them distinct', () => {
    const long = 'x'.repeat(500);
    const a = termSlug(`${long}a`);
    const b = termSlug(`${long}b`);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^x+~h[0-9a-f]{16}$/);
    expect(Buffer.byteLength(a)).toBeLessThanOrEqual(MAX_SLUG_BYTES);
    // A short term spelled like a truncated slug cannot collide: its `~` is escaped.
    expect(termSlug(a)).not.toBe(a);
  });

  it('never cuts a multi-byte character or an escape', () => {
    const slug = termSlug('科'.repeat(100));
    expect(Buffer.byteLength(slug)).toBeLessThanOrEqual(MAX_SLUG_BYTES);
    expect(slug).toMatch(/^(科)+~h[0-9a-f]{16}$/u);
    const escaped = termSlug('#'.repeat(100));
    expect(escaped).toMatch(/^(~23)+~h[0-9a-f]{16}$/);
  });

  it('refuses a name with nothing in it', () => {
    expect(() => termSlug(' \u200B ')).toThrow(RangeError);
  });
});

describe('itemTerms', () => {
  const terms = (...names: string[]) => names.map((name) => makeTerm(name)!);

  it('lists a term that is both a category and a tag once, as a category', () => {
    expect(itemTerms({ categories: terms('mingpao'), tags: terms('mingpao') })).toEqual([{ kind: 'category', term: makeTerm('mingpao') }]);
    // The same term in another spelling (one slug) is the same term; the category's spelling is listed.
    expect(itemTerms({ categories: terms('Service Mesh', 'SOFAStack'), tags: terms('service-mesh', 'Go', 'SOFAStack', 'go') })).toEqual([
      { kind: 'category', term: makeTerm('Service Mesh') },
      { kind: 'category', term: makeTerm('SOFAStack') },
      { kind: 'tag', term: makeTerm('Go') },
    ]);
    expect(itemTerms({ categories: [], tags: [] })).toEqual([]);
  });

  it('is what the three formats list: a bulwark post names its source once', () => {
    const site = siteConfig();
    const item = feedItem({ categories: terms('mingpao'), tags: terms('mingpao', 'HK') }, site);
    const files = Object.fromEntries(renderFeed({ site, feed: siteFeed(site), items: [item] }).map((file) => [file.path, file.body]));
    expect(files['rss.xml']!.match(/<category[^>]*>[^<]*<\/category>/g)).toEqual([
      `<category domain="${site.feedsUrl}categories/">mingpao</category>`,
      `<category domain="${site.feedsUrl}tags/">HK</category>`,
    ]);
    expect(files['atom.xml']!.match(/<category term="[^"]*"/g)).toEqual(['<category term="mingpao"', '<category term="HK"']);
    expect((JSON.parse(files['feed.json']!) as { items: { tags: string[] }[] }).items[0]!.tags).toEqual(['mingpao', 'HK']);
  });
});
