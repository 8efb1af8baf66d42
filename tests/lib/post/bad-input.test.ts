// Every kind of bad input the core publisher must survive (issue 2, "Bad input"): each rejected file
// gets a PostError naming the file, the front-matter key when there is one, and the reason; accepted
// oddities (BOM, CRLF, control characters, `]]>`) come out clean; no input throws or runs code.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parsePost } from '../../../lib/post/parse.ts';
import { renderBody } from '../../../lib/post/render.ts';
import type { ParseResult, Post } from '../../../lib/post/types.ts';
import { testSite, utf8 } from './test-site.ts';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/posts/bad');
const site = testSite();
const XML_INVALID = /[\0-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/;

const fixture = (name: string) => readFileSync(path.join(fixtures, name));
const parseFixture = (name: string) => parsePost(`posts/${name}`, fixture(name), site);

function rejected(result: ParseResult): string {
  expect(result.status).toBe('rejected');
  return result.status === 'rejected' ? result.error.message : '';
}

function accepted(result: ParseResult): Post {
  if (result.status !== 'post') throw new Error(`expected a post, got ${JSON.stringify(result)}`);
  return result.post;
}

describe('rejected input, each with the file and the reason', () => {
  const cases: [string, RegExp][] = [
    ['malformed-yaml.md', /^posts\/malformed-yaml\.md: malformed YAML front matter \(line \d+, column \d+\): Missing closing "quote/],
    ['malformed-toml.md', /^posts\/malformed-toml\.md: malformed TOML front matter \(line \d+, column \d+\): /],
    ['no-front-matter.md', /^posts\/no-front-matter\.md: no front matter \(the file must start with a --- YAML or \+\+\+ TOML block\)$/],
    ['js-front-matter.md', /^posts\/js-front-matter\.md: front matter language "js" is not supported/],
    ['alias-bomb.md', /^posts\/alias-bomb\.md: malformed YAML front matter: Excessive alias count indicates a resource exhaustion attack$/],
    ['missing-date.md', /^posts\/missing-date\.md: date: missing \(give date or publishDate/],
    ['unparseable-date.md', /^posts\/unparseable-date\.md: date: expected a date such as .*, got "next Tuesday"$/],
    ['impossible-date.md', /^posts\/impossible-date\.md: date: .*got "2025-02-30 10:00:00" \(no such day or time\)$/],
    ['empty.md', /^posts\/empty\.md: empty file$/],
  ];
  it.each(cases)('%s', (name, message) => {
    expect(rejected(parseFixture(name))).toMatch(message);
  });

  it('never runs ---js front matter', () => {
    rejected(parseFixture('js-front-matter.md'));
    expect((globalThis as Record<string, unknown>).__heraldBadInputRan).toBeUndefined();
  });

  it('rejects a binary file', () => {
    const png = Buffer.from(
      '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000a49444154789c6300010000050001',
      'hex',
    );
    expect(rejected(parsePost('posts/photo.md', png, site))).toBe('posts/photo.md: binary file (contains NUL bytes), not a Markdown post');
  });

  it('rejects a Latin-1 file', () => {
    const latin1 = Buffer.from('---\ntitle: "Café crème"\ndate: 2025-01-01\n---\nÀ bientôt\n', 'latin1');
    expect(rejected(parsePost('posts/latin1.md', latin1, site))).toMatch(
      /^posts\/latin1\.md: not valid UTF-8 text \(binary, or another encoding such as Latin-1/,
    );
  });

  it('rejects a 50 MB file by size, before reading it', () => {
    // All NUL bytes: had any check that reads the bytes come first, the reason would be "binary file".
    const huge = new Uint8Array(50 * 1024 * 1024);
    expect(rejected(parsePost('posts/huge.md', huge, site))).toBe(
      `posts/huge.md: file is ${50 * 1024 * 1024} bytes, larger than maxPostBytes (${10 * 1024 * 1024})`,
    );
    // The limit is configurable.
    expect(
      rejected(parsePost('posts/small.md', utf8('---\ntitle: T\ndate: 2025-01-01\n---\nbody'), testSite({ maxPostBytes: 10 }))),
    ).toMatch(/larger than maxPostBytes \(10\)/);
  });

  it('rejects 5,000 tags on one post', () => {
    const tags = Array.from({ length: 5000 }, (_, i) => `  - tag${i}`).join('\n');
    const text = `---\ntitle: Tag storm\ndate: 2025-01-01\ntags:\n${tags}\n---\nBody`;
    expect(rejected(parsePost('posts/tags.md', utf8(text), site))).toBe('posts/tags.md: tags: 5000 terms, more than maxTermsPerPost (100)');
    const categories = `---\ntitle: T\ndate: 2025-01-01\ncategories: [${Array.from({ length: 101 }, (_, i) => `c${i}`).join(', ')}]\n---\n`;
    expect(rejected(parsePost('posts/cats.md', utf8(categories), site))).toBe(
      'posts/cats.md: categories: 101 terms, more than maxTermsPerPost (100)',
    );
  });
});

describe('accepted input, cleaned', () => {
  it('reads a file with a BOM', () => {
    const post = accepted(parseFixture('bom.md'));
    expect(post.title).toBe('Starts with a BOM');
    expect(post.body).toBe('Body\n');
  });

  it('reads a file with CRLF line endings', () => {
    expect(fixture('crlf.md').includes('\r\n')).toBe(true);
    const post = accepted(parseFixture('crlf.md'));
    expect(post).toMatchObject({ title: 'Windows line endings', tags: [{ name: 'crlf', slug: 'crlf' }], body: 'Line one\nLine two\n' });
  });

  it('removes control characters from titles, summaries, tags and bodies and keeps ]]> as text', () => {
    const post = accepted(parseFixture('control-chars.md'));
    expect(post.title).toBe('Bell and ]]> in the title');
    expect(post.summary).toBe('Form feed, escape and ]]> in the summary');
    expect(post.tags.map((tag) => tag.name)).toEqual(['tagone', ']]>', 'vertical tab']);
    for (const text of [post.title, post.summary!, ...post.tags.map((tag) => tag.name), ...post.tags.map((tag) => tag.slug)]) {
      expect(text).not.toMatch(XML_INVALID);
    }
    const html = renderBody(post, site);
    expect(html).not.toMatch(XML_INVALID);
    expect(html).toContain(']]&gt;');
    expect(html).not.toContain(']]>');
  });
});

describe('one bad file costs only itself', () => {
  it('parses every fixture without throwing, next to good posts that stay published', () => {
    const good = utf8('---\ntitle: Good\ndate: 2025-01-01\n---\nFine.');
    const results = readdirSync(fixtures)
      .filter((name) => name.endsWith('.md'))
      .flatMap((name) => [parsePost(`posts/${name}`, fixture(name), site), parsePost(`posts/good-after-${name}`, good, site)]);
    const statuses = results.map((result) => result.status);
    expect(statuses.filter((_status, i) => i % 2 === 1).every((status) => status === 'post')).toBe(true);
    expect(statuses.filter((status) => status === 'rejected')).toHaveLength(9);
  });
});
