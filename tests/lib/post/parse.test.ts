import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lib/config.ts';
import { isPublished } from '../../../lib/post/visibility.ts';
import { itemId } from '../../../lib/post/item-id.ts';
import { parsePost } from '../../../lib/post/parse.ts';
import type { ParseResult, Post } from '../../../lib/post/types.ts';
import { testSite, utf8 } from './test-site.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const site = testSite();

function post(key: string, text: string, overrides = {}): Post {
  const result = parsePost(key, utf8(text), testSite(overrides));
  if (result.status !== 'post') throw new Error(`expected a post, got ${JSON.stringify(result)}`);
  return result.post;
}

function rejection(result: ParseResult): string {
  if (result.status !== 'rejected') throw new Error(`expected a rejection, got ${result.status}`);
  return result.error.message;
}

describe('parsePost', () => {
  it('normalizes the example post from the bulwark site', () => {
    const key = 'zh-CN/news/qq/20250212A0916H.zh-CN.md';
    const bytes = readFileSync(path.join(repoRoot, 'content', key));
    const result = parsePost(key, bytes, site);
    expect(result.status).toBe('post');
    const { body, ...meta } = (result as { post: Post }).post;
    expect(meta).toEqual({
      key,
      id: itemId(key),
      title: '苹果与阿里为AI联手！iPhone有救了，阿里要梅开二度？',
      // Hugo's path: lower case.
      url: 'https://example.com/zh-cn/news/qq/20250212a0916h/',
      date: '2025-02-12T13:15:03.000Z',
      updated: '2025-02-12T13:15:03.000Z',
      draft: false,
      summary: '2月12日，截至当日收盘，阿里巴巴港股股价再度飙升8.48%，形势一片大好。（图源：百度股市通截图）...',
      categories: [{ name: 'qq', slug: 'qq' }],
      tags: [{ name: 'qq', slug: 'qq' }],
      lang: 'zh-CN',
      // The language folder comes before the section.
      section: { name: 'news', slug: 'news' },
      // No extension: the type is not guessed.
      image: { url: 'https://inews.gtimg.com/om_ls/Or3HqT1iV1cnr0_3zsQ3AWMzjm8M1BjpOsvC4vEovKoFYAA_640360/0' },
      authors: [{ name: 'Site Author', email: 'site@example.com' }],
    });
    expect(body.startsWith('\n2月12日')).toBe(true);
  });

  it('derives a stable v5 UUID id from the key only', () => {
    const a = post('posts/a.md', '---\ntitle: One\ndate: 2025-01-01\n---\n');
    const b = post('posts/a.md', '---\ntitle: Two\ndate: 2024-06-01\nurl: /elsewhere/\n---\n');
    expect(a.id).toBe(b.id);
    expect(a.id).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(itemId('posts/b.md')).not.toBe(a.id);
    // Pinned: changing the namespace would change every published id. Python's
    // uuid.uuid5(UUID('b19bc8e3-a063-410e-b6fc-8f78d861ec62'), key) gives the same value.
    expect(itemId('zh-CN/news/qq/20250212A0916H.zh-CN.md')).toBe('urn:uuid:c208aaf5-a3f5-5015-b097-be4cc77e9d29');
  });

  it('reads every date field, in the site zone when zone-less', () => {
    const p = post(
      'p.md',
      '---\ntitle: T\ndate: 2025-03-01 10:00\npublishDate: 2025-03-02\nlastmod: 2025-04-01T00:00:00Z\nexpiryDate: 2026-01-01\n---\n',
    );
    expect(p.date).toBe('2025-03-01T02:00:00.000Z');
    expect(p.publishDate).toBe('2025-03-01T16:00:00.000Z');
    expect(p.updated).toBe('2025-04-01T00:00:00.000Z');
    expect(p.expiryDate).toBe('2025-12-31T16:00:00.000Z');
    // Aliases, case-insensitive keys; publishDate before date is dropped; lastmod never before date.
    const q = post(
      'q.md',
      '---\nTitle: T\nDATE: 2025-03-01T00:00:00Z\npubdate: 2025-01-01T00:00:00Z\nupdated: 2024-01-01T00:00:00Z\nunpublishdate: 2030-01-01T00:00:00Z\n---\n',
    );
    expect(q.title).toBe('T');
    expect(q.publishDate).toBeUndefined();
    expect(q.updated).toBe(q.date);
    expect(q.expiryDate).toBe('2030-01-01T00:00:00.000Z');
  });

  it('takes the date from publishDate, a path, or a file name', () => {
    expect(post('p.md', '---\ntitle: T\npublishDate: 2025-03-01T00:00:00Z\n---\n').date).toBe('2025-03-01T00:00:00.000Z');
    const rust = post(
      'content/Rust-1.0@0.md',
      '+++\ntitle = "Rust 1.0"\npath = "2014/09/15/Rust-1.0"\nauthors = ["Niko Matsakis", "Aaron Turon"]\n+++\n',
      { timeZone: 'UTC' },
    );
    expect(rust.date).toBe('2014-09-15T00:00:00.000Z');
    expect(rust.url).toBe('https://example.com/2014/09/15/Rust-1.0/');
    expect(rust.authors).toEqual([{ name: 'Niko Matsakis' }, { name: 'Aaron Turon' }]);
    const jekyll = post('blog/2025-02-12-hello-world.md', '---\ntitle: Hello\n---\n');
    expect(jekyll.date).toBe('2025-02-11T16:00:00.000Z');
    expect(jekyll.url).toBe('https://example.com/blog/hello-world/');
  });

  it('builds the URL from the permalink pattern, url/path overrides and bundles', () => {
    const text = '---\ntitle: "Hello, World: Again!"\ndate: 2025-01-01 00:30\n---\n';
    expect(post('zh/blog/My Post (1)/index.md', text).url).toBe('https://example.com/zh/blog/my-post-1/');
    expect(post('en/news/x/a.b.en.md', text).url).toBe('https://example.com/en/news/x/a.b/');
    expect(post('docs/node.js.md', text).url).toBe('https://example.com/docs/node.js/');
    expect(post('a/b/c.md', text, { permalink: '/:section/:year/:month/:day/:title/' }).url).toBe(
      'https://example.com/a/2025/01/01/hello-world-again/',
    );
    expect(post('c.md', text, { permalink: '/:section/:filename/' }).url).toBe('https://example.com/c/');
    expect(post('a/c.md', '---\ntitle: T\ndate: 2025-01-01\nslug: 自定义 slug\n---\n').url).toBe(
      'https://example.com/a/%E8%87%AA%E5%AE%9A%E4%B9%89-slug/',
    );
    expect(
      post('a/c.md', '---\ntitle: T\ndate: 2025-01-01\nurl: /custom/path.html\n---\n', { baseUrl: 'https://example.com/blog/' }).url,
    ).toBe('https://example.com/blog/custom/path.html');
    expect(post('a/c.md', '---\ntitle: T\ndate: 2025-01-01\nurl: https://other.example/x\n---\n').url).toBe('https://other.example/x');
  });

  it('writes paths as Hugo does (tests/fixtures/hugo-guids compares with Hugo itself)', () => {
    const text = '---\ntitle: "C++ & friends"\ndate: 2025-01-01\n---\n';
    expect(post('Notes/Über Uns/a+b (draft).md', text).url).toBe('https://example.com/notes/%C3%BCber-uns/a+b-draft/');
    // A configured pattern is read back as a query by Hugo: its `+` is a space.
    expect(post('a/c.md', text, { permalink: '/:title/' }).url).toBe('https://example.com/c-friends/');
    expect(post('a/c.md', '---\ntitle: T\ndate: 2025-01-01\nslug: "../Part/./Two"\n---\n').url).toBe('https://example.com/a/part/two/');
  });

  it("puts Hugo's translations by file name under their language, and gives them its language", () => {
    const text = '---\ntitle: T\ndate: 2025-01-01\n---\n';
    const translations = { languages: ['en', 'fr', 'zh-cn', 'english'], default: 'en', defaultInSubdir: false };
    const on = { translations };
    expect(post('posts/a.fr.md', text, on)).toMatchObject({ url: 'https://example.com/fr/posts/a/', lang: 'fr' });
    expect(post('posts/a.md', text, on).url).toBe('https://example.com/posts/a/');
    // A translation into the default language is in the site's, as the posts without a suffix are.
    const english = post('posts/a.en.md', text, on);
    expect([english.url, english.lang]).toEqual(['https://example.com/posts/a/', undefined]);
    expect(post('posts/bundle/index.fr.md', text, on).url).toBe('https://example.com/fr/posts/bundle/');
    expect(post('posts/a.english.md', text, on).url).toBe('https://example.com/english/posts/a/');
    // A folder is a section, whatever its name: Hugo's translations are by file name.
    expect(post('en/news/a.md', text, on)).toMatchObject({ url: 'https://example.com/en/news/a/', section: { name: 'en' } });
    // Only a key as written: Hugo lower-cases its keys, and reads `a.zh-CN.md` and `a.FR.md` as plain names.
    expect(post('posts/a.zh-cn.md', text, on)).toMatchObject({ url: 'https://example.com/zh-cn/posts/a/', lang: 'zh-CN' });
    expect(post('posts/a.zh-CN.md', text, on).url).toBe('https://example.com/posts/a.zh-cn/');
    expect(post('posts/a.FR.md', text, on).url).toBe('https://example.com/posts/a.fr/');
    // Front matter `url` is taken as written; the default language goes under its own folder with defaultInSubdir.
    expect(post('posts/a.fr.md', '---\ntitle: T\ndate: 2025-01-01\nurl: /x/\n---\n', on).url).toBe('https://example.com/x/');
    const inSubdir = { translations: { ...translations, defaultInSubdir: true } };
    expect(post('posts/a.md', text, inSubdir).url).toBe('https://example.com/en/posts/a/');
    expect(post('posts/a.fr.md', text, inSubdir).url).toBe('https://example.com/fr/posts/a/');
  });

  it("reads Hugo's translations by content folder from inside each language's folder", () => {
    const text = '---\ntitle: T\ndate: 2025-01-01\n---\n';
    const folders = { english: 'en', 'content/fr': 'fr' };
    const on = { translations: { languages: ['en', 'fr'], default: 'en', defaultInSubdir: false, folders } };
    expect(post('english/posts/a.md', text, on)).toMatchObject({ url: 'https://example.com/posts/a/', section: { name: 'posts' } });
    expect(post('content/fr/posts/a.md', text, on)).toMatchObject({ url: 'https://example.com/fr/posts/a/', lang: 'fr' });
    expect(post('content/fr/posts/bundle/index.md', text, on).url).toBe('https://example.com/fr/posts/bundle/');
    // A suffix wins over the folder, as in Hugo: the English page of a file kept among the French ones.
    const english = post('content/fr/posts/b.en.md', text, on);
    expect([english.url, english.lang]).toEqual(['https://example.com/posts/b/', undefined]);
    expect(post('english/posts/c.fr.md', text, on).url).toBe('https://example.com/fr/posts/c/');
    // Outside every language's folder Hugo makes no page.
    for (const key of ['posts/a.md', 'content/a.md', 'english.md', 'content/french/a.md'])
      expect(parsePost(key, utf8(text), testSite(on)), key).toMatchObject({
        status: 'skipped',
        reason: expect.stringMatching(/in no language's folder/),
      });
  });

  it('dates a permalink by the day written, in its own UTC offset as Hugo does, else in the site zone', () => {
    const dated = { permalink: '/:year/:month/:day/:slug/' };
    // 2025-03-31T23:30-05:00 is April 1 in the site zone (Asia/Shanghai).
    expect(post('a.md', '---\ntitle: T\ndate: 2025-03-31T23:30:00-05:00\n---\n', dated).url).toBe('https://example.com/2025/03/31/a/');
    expect(post('a.md', '+++\ntitle = "T"\ndate = 2025-03-31T23:30:00-05:00\n+++\n', dated).url).toBe('https://example.com/2025/03/31/a/');
    expect(post('a.md', '---\ntitle: T\npublishDate: 2025-03-31T23:30:00Z\n---\n', dated).url).toBe('https://example.com/2025/03/31/a/');
    expect(post('a.md', '---\ntitle: T\ndate: 2025-04-01 01:00\n---\n', dated).url).toBe('https://example.com/2025/04/01/a/');
    // RFC 2822 and dates from the file name: the site zone's day.
    expect(post('a.md', '---\ntitle: T\ndate: "Mon, 31 Mar 2025 23:30:00 -0500"\n---\n', dated).url).toBe(
      'https://example.com/2025/04/01/a/',
    );
    expect(post('2025-03-31-a.md', '---\ntitle: T\n---\n', dated).url).toBe('https://example.com/2025/03/31/a/');
  });

  it('reads categories and tags as Hugo does: a string is one term; duplicates by slug collapse', () => {
    const p = post(
      'p.md',
      '---\ntitle: T\ndate: 2025-01-01\ncategories: SOFA Weekly, News\ntags: ["Kata\u00a0Containers", "kata containers", " 云原生 ", "", 42]\n---\n',
    );
    expect(p.categories).toEqual([{ name: 'SOFA Weekly, News', slug: 'sofa-weekly~2c-news' }]);
    expect(p.tags).toEqual([
      { name: 'Kata Containers', slug: 'kata-containers' },
      { name: '云原生', slug: '云原生' },
      { name: '42', slug: '42' },
    ]);
    expect(rejection(parsePost('p.md', utf8('---\ntitle: T\ndate: 2025-01-01\ntags: [[a]]\n---\n'), site))).toBe(
      'p.md: tags: expected a string or a list of strings, found a nested list',
    );
  });

  it('reads summary, description, lang, draft and authors', () => {
    const p = post(
      'p.md',
      '---\ntitle: T\ndate: 2025-01-01\ndescription: "  Desc  "\nlang: [en-GB, fr]\ndraft: "true"\nauthor: "Ada <ada@example.com>"\n---\n',
    );
    expect(p).toMatchObject({ summary: 'Desc', lang: 'en-GB', draft: true, authors: [{ name: 'Ada', email: 'ada@example.com' }] });
    const q = post(
      'q.md',
      '---\ntitle: T\ndate: 2025-01-01\nsummary: S\ndescription: D\nlang: "not a language!"\ndraft: false\nauthors: [{name: Bo, twitter: "@bo"}, "", "Cy"]\n---\n',
    );
    expect(q).toMatchObject({ summary: 'S', draft: false, authors: [{ name: 'Bo' }, { name: 'Cy' }] });
    expect(q.lang).toBeUndefined();
    const sofa = post('p.md', '---\ntitle: T\ndate: 2025-01-01\nauthor: "赵真灵、刘晶"\nauthorlink: "https://github.com/sofastack"\n---\n');
    // Two people (each gets an author feed); the link, the organization's, belongs to neither.
    expect(sofa.authors).toEqual([{ name: '赵真灵' }, { name: '刘晶' }]);
    const one = post('p.md', '---\ntitle: T\ndate: 2025-01-01\nauthor: "米麒麟"\nauthorlink: "https://github.com/SteNicholas"\n---\n');
    expect(one.authors).toEqual([{ name: '米麒麟', url: 'https://github.com/SteNicholas' }]);
    const many = post(
      'p.md',
      '---\ntitle: T\ndate: 2025-01-01\nauthors: ["卿祤、 首仁", "首仁", "Doe, Jane", { name: "Bo" }, "Bo"]\n---\n',
    );
    expect(many.authors).toEqual([{ name: '卿祤' }, { name: '首仁' }, { name: 'Doe, Jane' }, { name: 'Bo' }]);
    expect(post('p.md', '---\ntitle: T\ndate: 2025-01-01\n---\n', { author: undefined }).authors).toEqual([
      { name: 'Site Author', email: 'site@example.com' },
    ]);
  });

  it('reads the image with a real MIME type only when the extension tells', () => {
    const image = (front: string, key = 'blog/post/index.md') => post(key, `---\ntitle: T\ndate: 2025-01-01\n${front}\n---\n`).image;
    expect(image('thumbnail: https://cdn.example/a.JPG')).toEqual({ url: 'https://cdn.example/a.JPG', type: 'image/jpeg' });
    expect(image('image: x.webp')).toEqual({ url: 'https://example.com/blog/post/x.webp', type: 'image/webp' });
    expect(image('cover: /cover.jpg')).toEqual({ url: 'https://example.com/cover.jpg', type: 'image/jpeg' });
    expect(image('cover: { image: "c.avif", alt: "x" }')).toEqual({ url: 'https://example.com/blog/post/c.avif', type: 'image/avif' });
    expect(image('images: ["//cdn.example/i.svg", "b.png"]')).toEqual({ url: 'https://cdn.example/i.svg', type: 'image/svg+xml' });
    expect(image('thumbnail: ""\nimage: g.gif')).toEqual({ url: 'https://example.com/blog/post/g.gif', type: 'image/gif' });
    expect(image('thumbnail: https://inews.gtimg.com/om_ls/x/0')).toEqual({ url: 'https://inews.gtimg.com/om_ls/x/0' });
    // sofastack has covers written as Markdown links: no URI, so no image rather than an invalid feed.
    expect(image('cover: "[https://a.example/x](https://b.example/y.jpg)"')).toBeUndefined();
    expect(image('cover: "a picture.jpg"\nimage: ok.png')).toEqual({ url: 'https://example.com/blog/post/ok.png', type: 'image/png' });
    expect(image('thumbnail: https://cdn.example/photo.jpg?size=large')).toEqual({
      url: 'https://cdn.example/photo.jpg?size=large',
      type: 'image/jpeg',
    });
    expect(image('thumbnail: https://cdn.example/a.constructor')).toEqual({ url: 'https://cdn.example/a.constructor' });
    expect(image('thumbnail: "javascript:alert(1)"')).toBeUndefined();
    expect(image('thumbnail: "data:image/png;base64,AAAA"')).toBeUndefined();
  });

  it('skips section pages and posts without a title', () => {
    expect(parsePost('_index.md', utf8('---\ntitle: Section\n---\n'), site)).toEqual({
      status: 'skipped',
      key: '_index.md',
      reason: 'section page (_index.md)',
    });
    expect(parsePost('zh/blog/_index.zh.md', utf8(''), site).status).toBe('skipped');
    expect(parsePost('releases/latest.md', utf8('+++\ntemplate = "latest.html"\n+++\n'), site)).toEqual({
      status: 'skipped',
      key: 'releases/latest.md',
      reason: 'no title',
    });
    expect(parsePost('p.md', utf8('---\ntitle: "  \u0001 "\ndate: nonsense\n---\n'), site).status).toBe('skipped');
  });

  it('cleans titles and summaries of control characters while keeping ]]> and markup as text', () => {
    const p = post(
      'p.md',
      '---\ntitle: "A\\u0001 <b>bold</b>\\u0085 ]]> &amp;\\ttab"\nsummary: "line\\u000Bone\\nline two ]]>\\uFFFF"\ndate: 2025-01-01\n---\n',
    );
    expect(p.title).toBe('A <b>bold</b> ]]> &amp; tab');
    expect(p.summary).toBe('lineone\nline two ]]>');
  });

  it('rejects a url or path that is not http(s)', () => {
    expect(rejection(parsePost('p.md', utf8('---\ntitle: T\ndate: 2025-01-01\nurl: "javascript:alert(1)"\n---\n'), site))).toBe(
      'p.md: url: "javascript:alert(1)" is not a path or an http(s) URL',
    );
  });

  it('never throws, even when something unexpected breaks', () => {
    const result = parsePost('p.md', utf8('---\ntitle: T\n---\n'), { ...site, timeZone: 'Not/AZone' });
    expect(result.status).toBe('rejected');
  });
});

describe('the example site in content/', () => {
  const root = path.join(repoRoot, 'content');
  const config = parseConfig(readFileSync(path.join(root, 'herald.config.json'), 'utf8'), 'content/herald.config.json');
  const keys = readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.md'))
    .map((file) => file.split(path.sep).join('/'))
    .sort();
  const posts = keys.map((key) => parsePost(key, readFileSync(path.join(root, key)), config));

  it('parses every post', () => {
    expect(posts.map((result) => result.status)).toEqual(keys.map(() => 'post'));
  });

  it('shows every feature: languages, TOML, drafts, future posts, Chinese and spaced tags, images', () => {
    const all = posts.map((result) => (result as { post: Post }).post);
    const now = new Date('2026-01-01T00:00:00Z');
    expect(new Set(all.map((p) => p.lang ?? config.language))).toEqual(new Set(['en', 'zh-CN']));
    expect(all.filter((p) => p.draft).map((p) => p.key)).toEqual(['en/blog/roadmap-draft.md']);
    expect(all.filter((p) => !p.draft && !isPublished(p, now)).map((p) => p.key)).toEqual(['en/blog/see-you-in-2099.md']);
    const tags = new Set(all.flatMap((p) => p.tags.map((t) => t.name)));
    for (const tag of ['订阅', 'RSS 阅读器', 'Open Source', 'Q&A']) expect(tags).toContain(tag);
    expect(new Set(all.flatMap((p) => p.categories.map((c) => c.name))).size).toBeGreaterThanOrEqual(4);
    expect(all.find((p) => p.key === 'en/blog/writing-posts/index.md')?.image).toEqual({
      url: 'https://example.com/en/blog/writing-posts/cover.jpg',
      type: 'image/jpeg',
    });
    expect(readFileSync(path.join(root, 'en/blog/toml-front-matter.md'), 'utf8')).toMatch(/^\+\+\+\n/);
  });
});
