import { describe, expect, it } from 'vitest';
import { canonicalLanguage, knownLanguage } from '../../../lib/post/language.ts';
import { parsePost } from '../../../lib/post/parse.ts';
import type { Post } from '../../../lib/post/types.ts';
import { testSite, utf8 } from './test-site.ts';

const site = testSite();

function parsed(key: string, frontMatter = ''): Post {
  const result = parsePost(key, utf8(`---\ntitle: T\ndate: 2025-01-01\n${frontMatter}\n---\nBody\n`), site);
  if (result.status !== 'post') throw new Error(`expected a post, got ${JSON.stringify(result)}`);
  return result.post;
}

describe('canonicalLanguage', () => {
  it.each([
    ['zh-cn', 'zh-CN'],
    ['ZH-hk', 'zh-HK'],
    ['zh_CN', 'zh-CN'],
    [' en ', 'en'],
    ['EN-us', 'en-US'],
    ['zh-hant-tw', 'zh-Hant-TW'],
    ['iw', 'he'],
  ])('%j is %j', (raw, tag) => {
    expect(canonicalLanguage(raw)).toBe(tag);
  });

  it.each(['', 'x', 'en-', 'zh CN', 'news', 'x-private', 'en-u-ca-gregory-x', '中文', 'a'.repeat(9)])('%j is no language', (raw) => {
    expect(canonicalLanguage(raw)).toBeUndefined();
  });
});

describe('knownLanguage', () => {
  it.each(['en', 'zh', 'zh-CN', 'zh-hk', 'ja', 'fr-CA'])('%j names a language', (name) => {
    expect(knownLanguage(name)).toBe(canonicalLanguage(name));
  });

  it.each(['news', 'blog', 'posts', 'go', 'js', 'qq', 'inside-rust', 'xx-CN', '2025'])('%j does not', (name) => {
    expect(knownLanguage(name)).toBeUndefined();
  });
});

describe('a post’s language and section', () => {
  it.each([
    // bulwark: language folder, section, source folder, language suffix and front matter all agree.
    ['zh-CN/news/qq/20250212A0916H.zh-CN.md', 'lang: [zh-cn]', 'zh-CN', 'news'],
    ['zh-HK/news/mingpao/x.zh-HK.md', '', 'zh-HK', 'news'],
    ['en/news/benzinga/x.en.md', '', 'en', 'news'],
    // sofastack: language folders, page bundles, no front-matter language.
    ['zh/blog/hello-sofastack/index.md', '', 'zh', 'blog'],
    ['en/blog/some post/index.md', '', 'en', 'blog'],
    // rust-blog: page bundles at the root (no section) and in a section.
    ['Rust-1.12/index.md', '', undefined, undefined],
    ['inside-rust/clippy-warming-up/index.md', '', undefined, 'inside-rust'],
    // A post at the root of its language folder has a language and no section.
    ['en/about.md', '', 'en', undefined],
    ['posts/hello.md', '', undefined, 'posts'],
    ['hello.md', '', undefined, undefined],
    // Front matter wins over the key; an unusable value leaves the key's answer.
    ['en/news/x.md', 'lang: fr', 'fr', 'news'],
    ['en/news/x.md', 'language: zh_TW', 'zh-TW', 'news'],
    ['en/news/x.md', 'lang: "not a tag"', 'en', 'news'],
    // A suffix names the language when it is one the permalink drops (a region, or the site's language).
    ['posts/x.zh-HK.md', '', 'zh-HK', 'posts'],
    ['posts/x.en.md', '', 'en', 'posts'],
    ['posts/node.js.md', '', undefined, 'posts'],
  ])('%s (%s): lang %j, section %j', (key, frontMatter, lang, section) => {
    const post = parsed(key, frontMatter);
    expect(post.lang).toBe(lang);
    expect(post.section?.name).toBe(section);
  });

  it('reads no language from a suffix that only looks like one, and keeps it in the URL', () => {
    const post = parsed('posts/Update-on-crates.io-incident.md');
    expect(post.lang).toBeUndefined();
    expect(post.url).toBe('https://example.com/posts/update-on-crates.io-incident/');
  });

  it('gives a section a term with a slug, as categories and tags have', () => {
    expect(parsed('zh/C# 笔记/x.md').section).toEqual({ name: 'C# 笔记', slug: 'c~23-笔记' });
  });
});
