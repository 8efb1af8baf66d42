import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../../lib/config.ts';
import { feedsOf, placementOf } from '../../../lib/index/entries.ts';
import { makeTerm } from '../../../lib/post/terms.ts';
import { person, postMeta, siteConfig, term } from '../../support/factories.ts';

const allKinds = siteConfig({
  language: 'zh-CN',
  feeds: {
    ...DEFAULT_CONFIG.feeds,
    sections: { enabled: true, link: '/:slug/' },
    languages: { enabled: true, link: '/:slug/' },
    authors: { enabled: true, link: '/authors/:slug/' },
  },
});
const post = postMeta({
  categories: [term('News')],
  tags: [term('Rust'), term('rust')],
  section: makeTerm('Blog')!,
  lang: 'en',
  authors: [person('Ann Lee'), person('ann  lee'), person('Bo')],
});

describe('feedsOf: the feeds a post is in', () => {
  it('are the site, its categories and tags by default, each term once with its first spelling', () => {
    expect([...feedsOf(post, siteConfig())]).toEqual([
      ['site', undefined],
      ['categories/news', 'News'],
      ['tags/rust', 'Rust'],
    ]);
  });

  it('add its section, language and authors when the site has those kinds', () => {
    expect([...feedsOf(post, allKinds)]).toEqual([
      ['site', undefined],
      ['categories/news', 'News'],
      ['tags/rust', 'Rust'],
      ['sections/blog', 'Blog'],
      ['languages/en', 'en'],
      ['authors/ann-lee', 'Ann Lee'],
      ['authors/bo', 'Bo'],
    ]);
  });

  it("give a post without a language or authors the site's, and one without a section none", () => {
    const bare = postMeta({ key: 'hello.md' });
    expect([...feedsOf(bare, allKinds).keys()]).toEqual(['site', 'languages/zh-cn']);
    expect([...feedsOf(bare, { ...allKinds, author: person('Site Team') }).keys()]).toEqual([
      'site',
      'languages/zh-cn',
      'authors/site-team',
    ]);
  });

  it('leave out the kinds a post is excluded from, the site feed included', () => {
    expect([...feedsOf({ ...post, excludeFrom: ['site', 'tag', 'author'] }, allKinds).keys()]).toEqual([
      'categories/news',
      'sections/blog',
      'languages/en',
    ]);
    expect(placementOf({ ...post, excludeFrom: 'all' }, allKinds)).toEqual({ date: post.date, feeds: [] });
  });
});
