// Markdown without raw HTML is written from markdown-it's tokens (lib/post/plain-markdown.ts): the bytes must be
// exactly sanitize-html's, for hand-picked cases, every Markdown file of tests/fixtures and a sample of each corpus of
// ../shared/corpus (skipped where absent, tests/support/shared-corpus.ts). Generated Markdown: plain-markdown.property.test.ts.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import MarkdownIt from 'markdown-it';
import sanitizeHtml from 'sanitize-html';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lib/config.ts';
import { xmlSafe } from '../../../lib/feeds/xml.ts';
import { checkMarkup, LIMITS } from '../../../lib/post/bounds.ts';
import { parsePost } from '../../../lib/post/parse.ts';
import { PlainMarkdown } from '../../../lib/post/plain-markdown.ts';
import { renderMarkdown } from '../../../lib/post/render.ts';
import { corpusDir } from '../../support/shared-corpus.ts';
import { base, expectSanitizerBytes, outcome } from './sanitizer-bytes.ts';
import { testSite } from './test-site.ts';

const direct = (source: string) => renderMarkdown(source, base);

describe('plain Markdown written from the tokens', () => {
  it('writes text as sanitize-html does: only & < > escaped, entities decoded', () => {
    const source = 'Say "hi" & a < b > c &amp; &copy; &nbsp;x &#0; \\*not em\\* `a "b" <c>`\n\n```\n"q" & <x>\n```\n';
    expect(direct(source)).toEqual({
      direct: true,
      html: '<p>Say "hi" &amp; a &lt; b &gt; c &amp; © \u00a0x \ufffd *not em* <code>a "b" &lt;c&gt;</code></p>\n<pre><code>"q" &amp; &lt;x&gt;\n</code></pre>\n',
    });
    expectSanitizerBytes(source);
  });

  it('writes void elements as <br />, <hr />, <img ... />, and keeps an empty alt', () => {
    const source = 'a  \nb\\\nc\n\n---\n\n![](i.png) ![alt *x* `y`](j.png "T &\\"")';
    expect(direct(source).html).toBe(
      '<p>a<br />\nb<br />\nc</p>\n<hr />\n<p><img src="https://example.com/blog/post/i.png" alt="" /> ' +
        '<img src="https://example.com/blog/post/j.png" alt="alt x y" title="T &amp;&quot;" /></p>\n',
    );
    expectSanitizerBytes(source);
  });

  it('drops table alignment styles, keeps ordered list starts and fence languages', () => {
    const source = '| a | b | c |\n|:--|:-:|--:|\n| 1 | 2 | 3 |\n\n3. x\n4. y\n\n0) z\n\n```js title="x"\ncode\n```\n\n~~~ \\<b&amp;\n~~~';
    const { html } = direct(source);
    expect(html).toContain('<th>a</th>\n<th>b</th>');
    expect(html).toContain('<ol start="3">');
    expect(html).toContain('<ol start="0">');
    expect(html).toContain('<pre><code class="language-js">code\n</code></pre>');
    expect(html).toContain('<pre><code class="language-&lt;b&amp;"></code></pre>');
    expectSanitizerBytes(source);
  });

  it('makes URLs absolute and drops those sanitize-html drops', () => {
    const cases = [
      '[rel](../x?a=1&b=2 "t") [abs](https://example.org/a%20b) [proto](//evil.example/x) [empty]()',
      '[mail](mailto:me@example.com) [tel](tel:+123) [js](javascript:alert(1)) [data](data:image/png;base64,AAAA)',
      '![mail](mailto:me@example.com) ![tel](tel:1) ![data](data:image/png;base64,AAAA) ![gif](data:image/gif;base64,R0)',
      '<https://example.org/a?b=1&c=2> <me@example.com> <mailto:x@y> [sp](<a b.png>) [ü](https://ü.example/ä)',
      '[bad](http://exa mple.com) [port](http://example.com:99999/) [ftp](ftp://example.com/)',
    ];
    for (const source of cases) expect(expectSanitizerBytes(source), source).toBe(true);
    expect(direct(cases[0]!).html).toBe(
      '<p><a href="https://example.com/blog/x?a=1&amp;b=2" title="t">rel</a> <a href="https://example.org/a%20b">abs</a> ' +
        '<a href="https://evil.example/x">proto</a> <a href="https://example.com/blog/post/">empty</a></p>\n',
    );
    expect(direct(cases[2]!).html).toBe(
      '<p><img alt="mail" /> <img alt="tel" /> <img src="data:image/png;base64,AAAA" alt="data" /> <img src="data:image/gif;base64,R0" alt="gif" /></p>\n',
    );
  });

  it('leaves Markdown with raw HTML to sanitize-html, in images too', () => {
    for (const source of ['a <b>b</b>', '<div>\nx\n</div>', '![a <b>b</b>](x.png)', 'x <!-- c -->', 'Vec<T>']) {
      expect(direct(source).direct, source).toBe(false);
      expectSanitizerBytes(source);
    }
  });

  it('is over the depth and URL limits where sanitize-html is, naming the same limit', () => {
    // markdown-it stops nesting blocks at its maxNesting (100 levels), the inline markup inside goes deeper.
    const depths = [95, 96, 97, 98, 99, 100, 101];
    const deep = (n: number) => [
      `${'> '.repeat(n)}*a*`,
      `${'> '.repeat(n - 1)}\`code\``,
      `${'> '.repeat(n - 2)}    code`,
      `${'- '.repeat(n)}[a](b)`,
    ];
    for (const source of depths.flatMap(deep)) expectSanitizerBytes(source, base, source);
    // 99 quotes, a paragraph and an <em>; 99 quotes, a paragraph and a <code>; 99 quotes, a <pre> and a <code>.
    for (const source of [deep(99)[0]!, deep(100)[1]!, deep(101)[2]!])
      expect(outcome(() => direct(source).html)).toMatch(/^LimitExceeded: HTML nested deeper/);
    const links = (n: number) => '[a](b) '.repeat(n);
    expect(expectSanitizerBytes(links(LIMITS.urls))).toBe(true);
    expectSanitizerBytes(links(LIMITS.urls + 1));
    expect(outcome(() => direct(links(LIMITS.urls + 1)).html)).toMatch(/^LimitExceeded: more URLs/);
  });

  it('refuses a policy whose output it cannot reproduce', () => {
    const markdown = new MarkdownIt({ html: true });
    const defaults = { allowedTags: [...sanitizeHtml.defaults.allowedTags, 'img'] };
    expect(() => new PlainMarkdown(markdown, defaults)).not.toThrow();
    expect(() => new PlainMarkdown(markdown, { ...defaults, allowedAttributes: { td: ['style'] } })).toThrow(/style on table cells/);
    expect(() => new PlainMarkdown(markdown, { allowedTags: ['p'] })).toThrow(/em not allowed/);
    expect(() => new PlainMarkdown(markdown, { ...defaults, selfClosing: ['img', 'br'] })).toThrow(/selfClosing hr/);
    expect(() => new PlainMarkdown(markdown, { ...defaults, textFilter: (text) => text })).toThrow(/textFilter/);
  });
});

/** Every Markdown file under `root`, by path. */
function markdownFiles(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && /\.(?:md|markdown)$/i.test(entry.name))
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
    .sort();
}

/** The body and URL of each file that parses as a post (the whole text otherwise), as renderBody gets them. */
function checkFiles(root: string, keys: string[], site = testSite()): { checked: number; direct: number } {
  let checked = 0;
  let directCount = 0;
  for (const key of keys) {
    const bytes = readFileSync(path.join(root, key));
    const parsed = parsePost(key, bytes, site);
    const [body, url] = parsed.status === 'post' ? [parsed.post.body, parsed.post.url] : [bytes.toString('utf8'), base];
    const source = xmlSafe(body);
    // renderBody shows these as plain text without rendering them.
    if (
      outcome(() => {
        checkMarkup(source);
        return '';
      }) !== ''
    )
      continue;
    checked++;
    if (expectSanitizerBytes(source, url, key)) directCount++;
  }
  return { checked, direct: directCount };
}

describe('every Markdown file of tests/fixtures', () => {
  it('is written as sanitize-html writes it', () => {
    const root = path.join(import.meta.dirname, '../../fixtures');
    const { checked, direct } = checkFiles(root, markdownFiles(root));
    expect(checked).toBeGreaterThan(30);
    expect(direct).toBeGreaterThan(checked / 2);
  });
});

/** Every `step`-th file: a spread over the corpus's years and sections, in a few seconds. */
const SAMPLES = { bulwark: 150, sofastack: 5, 'rust-blog': 5 } as const;

describe.each(Object.keys(SAMPLES) as (keyof typeof SAMPLES)[])('a sample of the %s corpus', (name) => {
  it.skipIf(!corpusDir(name))('is written as sanitize-html writes it', () => {
    const root = path.join(corpusDir(name)!, 'content');
    const keys = markdownFiles(root).filter((_, i) => i % SAMPLES[name] === 0);
    const site =
      name === 'bulwark'
        ? parseConfig(JSON.stringify({ title: 'B', baseUrl: 'https://bulwark.example.com/', timeZone: 'Asia/Shanghai' }), 'b')
        : testSite();
    const { checked, direct } = checkFiles(root, keys, site);
    expect(checked).toBeGreaterThan(keys.length * 0.9);
    expect(direct).toBeGreaterThan(checked / 2);
  });
});
