// Parses (and renders) every file of the sofastack and rust-blog corpora in ../shared/corpus: real,
// messy, hand-written front matter. Each skips cleanly where it is absent (tests/support/shared-corpus.ts):
// nothing is read while vitest collects the tests.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SiteConfig } from '../../../lib/config.ts';
import { parsePost } from '../../../lib/post/parse.ts';
import { renderBody } from '../../../lib/post/render.ts';
import type { ParseResult, Post } from '../../../lib/post/types.ts';
import { corpusDir } from '../../support/shared-corpus.ts';
import { testSite } from './test-site.ts';

const XML_INVALID = /[\0-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/;
const IMAGE_TYPES = new Set([undefined, 'image/jpeg', 'image/png', 'image/gif', 'image/webp', 'image/avif', 'image/svg+xml']);

function parseAll(dir: string, site: SiteConfig): Map<string, ParseResult> {
  const root = path.join(dir, 'content');
  // Some bundle folders are named like posts (`...index.md/`): only files count.
  const keys = readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.md'))
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
    .sort();
  return new Map(keys.map((key) => [key, parsePost(key, readFileSync(path.join(root, key)), site)]));
}

/** Counts and every reason, printed so a run shows what was left out and why. */
function summarize(name: string, results: Map<string, ParseResult>): Corpus {
  const posts: Post[] = [];
  const skipped: string[] = [];
  const rejected: string[] = [];
  for (const result of results.values()) {
    if (result.status === 'post') posts.push(result.post);
    else if (result.status === 'skipped') skipped.push(`${result.key}: ${result.reason}`);
    else rejected.push(result.error.message);
  }
  console.log(
    `${name}: ${results.size} files, ${posts.length} posts, ${skipped.length} skipped, ${rejected.length} rejected\n${[...skipped, ...rejected].map((line) => `  ${line}`).join('\n')}`,
  );
  return { results, posts, skipped, rejected };
}

interface Corpus {
  results: Map<string, ParseResult>;
  posts: Post[];
  skipped: string[];
  rejected: string[];
}

/** The corpus parsed once for its describe block, in beforeAll. */
function parsed(name: 'sofastack' | 'rust-blog', site: SiteConfig): () => Corpus {
  let corpus: Corpus | undefined;
  beforeAll(() => {
    corpus = summarize(name, parseAll(corpusDir(name)!, site));
  });
  return () => corpus!;
}

function checkPosts(posts: Post[], site: SiteConfig) {
  expect(new Set(posts.map((post) => post.id)).size).toBe(posts.length);
  for (const post of posts) {
    expect(post.url, post.key).toMatch(/^https?:\/\/[^/]/);
    expect(new Date(post.date).toISOString(), post.key).toBe(post.date);
    expect(post.updated >= post.date, post.key).toBe(true);
    expect(IMAGE_TYPES.has(post.image?.type), post.key).toBe(true);
    for (const text of [post.title, post.summary ?? '', ...post.authors.map((a) => a.name)])
      expect(text, post.key).not.toMatch(XML_INVALID);
    for (const term of [...post.categories, ...post.tags]) {
      expect(term.name, post.key).not.toMatch(XML_INVALID);
      expect(term.slug, post.key).not.toMatch(/[/\\\0-\x1F]|^\.|^$/);
    }
    const html = renderBody(post, site);
    expect(html, post.key).not.toMatch(XML_INVALID);
    expect(html, post.key).not.toMatch(/<(script|iframe|style|object|embed)\b|\son\w+=|javascript:/i);
    expect(html, post.key).not.toMatch(/\s(?:href|src)="(?!https?:|mailto:|tel:|data:image\/)/);
  }
}

describe.skipIf(!corpusDir('sofastack'))('sofastack corpus', () => {
  const site = testSite({ timeZone: 'Asia/Shanghai' });
  const corpus = parsed('sofastack', site);

  it('reads every post but the section page and the file without front matter', () => {
    const { results, posts, skipped, rejected } = corpus();
    expect(results.size).toBe(515);
    expect(posts).toHaveLength(513);
    expect(skipped).toEqual(['zh/blog/_index.md: section page (_index.md)']);
    expect(rejected).toEqual([
      'zh/blog/what-have-we-learned-from-scale-platform-engineering-practices/20220927/index.md: no front matter (the file must start with a --- YAML or +++ TOML block)',
    ]);
  });

  it('normalizes terms, dates, covers and bundle URLs', () => {
    const { posts } = corpus();
    const byKey = new Map(posts.map((post) => [post.key, post]));
    // "--- " closing line and a column-0 continuation of a quoted description.
    expect(byKey.get('zh/blog/service-mesh-api-gateway-in-depth-discussion-of-relationships/index.md')?.title).toBeTruthy();
    expect(byKey.get('zh/blog/sofa-weekly-20220107/index.md')?.summary).toMatch(/^SOFA Weekly \|SOFA 社区插话小剧场/);
    // The no-break-space variant shares the feed of the plain one.
    const kata = posts.flatMap((post) => post.tags).filter((tag) => tag.name === 'Kata Containers');
    expect(kata.length).toBeGreaterThan(1);
    expect(new Set(kata.map((tag) => tag.slug))).toEqual(new Set(['kata-containers']));
    expect(
      new Set(
        posts
          .flatMap((post) => post.tags)
          .filter((tag) => /^service mesh$/i.test(tag.name))
          .map((tag) => tag.slug),
      ),
    ).toEqual(new Set(['service-mesh']));
    // Mixed zones sort by instant.
    expect(byKey.get('en/blog/hello-sofastack/index.md')?.date).toBe('2018-04-19T10:56:55.000Z');
    expect(posts.every((post) => post.image === undefined || post.image.url.startsWith('https://'))).toBe(true);
    const unsafeBundle = posts.find((post) => post.key.startsWith('zh/blog/koupleless-2024-annual-report & 2025 planning-vision/'));
    expect(unsafeBundle?.url).toBe('https://example.com/zh/blog/koupleless-2024-annual-report-2025-planning-vision/');
  });

  it('reads the section and language from the folders, and each author of a 、-separated list', () => {
    const { posts } = corpus();
    expect(posts.every((post) => post.section?.name === 'blog')).toBe(true);
    expect(posts.every((post) => post.lang === post.key.slice(0, 2))).toBe(true);
    expect(posts.flatMap((post) => post.authors).some((author) => /[、，]/.test(author.name))).toBe(false);
    expect(posts.filter((post) => post.authors.length > 1)).toHaveLength(13);
    expect(new Set(posts.flatMap((post) => post.authors.map((author) => author.name))).size).toBe(162);
  });

  it('renders every body safely', () => {
    checkPosts(corpus().posts, site);
  });
});

describe.skipIf(!corpusDir('rust-blog'))('rust-blog corpus', () => {
  const site = testSite({ timeZone: 'UTC' });
  const corpus = parsed('rust-blog', site);

  it('reads every post; section pages and the title-less latest.md are skipped', () => {
    const { results, posts, skipped, rejected } = corpus();
    expect(results.size).toBe(754);
    expect(posts).toHaveLength(750);
    expect(skipped.sort()).toEqual(
      [
        '_index.md: section page (_index.md)',
        'inside-rust/_index.md: section page (_index.md)',
        'releases/_index.md: section page (_index.md)',
        'releases/latest.md: no title',
      ].sort(),
    );
    expect(rejected).toEqual([]);
  });

  it('takes dates and canonical URLs from path, authors from the list', () => {
    const { posts } = corpus();
    const byKey = new Map(posts.map((post) => [post.key, post]));
    const rust1 = posts.find((post) => post.url === 'https://example.com/2014/09/15/Rust-1.0/');
    expect(rust1?.date).toBe('2014-09-15T00:00:00.000Z');
    expect(posts.every((post) => post.categories.length === 0 && post.tags.length === 0)).toBe(true);
    expect(posts.filter((post) => post.authors.length === 2)).toHaveLength(8);
    // One string naming six people stays one author: splitting on commas would break "Smith, Jr.".
    expect(byKey.get('inside-rust/trademark-policy-draft-feedback.md')?.authors).toHaveLength(1);
    expect(new Set(posts.map((post) => post.url)).size).toBe(posts.length);
    // Bundles at the root are in no section; no folder or file name names a language.
    expect(posts.every((post) => post.section?.name === (post.key.startsWith('inside-rust/') ? 'inside-rust' : undefined))).toBe(true);
    expect(posts.every((post) => post.lang === undefined)).toBe(true);
    const html = renderBody(byKey.get('Rust-1.80.0.md')!, site);
    expect(html).toContain('::as_flattened');
    expect(html).toContain(']]&gt;');
    expect(renderBody(byKey.get('Rust-2017-Survey-Results/index.md')!, site)).not.toContain('\f');
  });

  it('renders every body safely', () => {
    checkPosts(corpus().posts, site);
  });
});
