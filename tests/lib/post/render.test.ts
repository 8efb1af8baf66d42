import fc from 'fast-check';
import MarkdownIt from 'markdown-it';
import { describe, expect, it } from 'vitest';
import { absoluteSrcset, normalizeLink, renderBody, toFeedItem } from '../../../lib/post/render.ts';
import type { Post } from '../../../lib/post/types.ts';
import { postMeta } from '../../support/factories.ts';
import { testSite } from './test-site.ts';

const site = testSite();
const base = 'https://example.com/blog/post/';

function makePost(body: string, extra: Partial<Post> = {}): Post {
  return { ...postMeta({ key: 'blog/post.md', title: 'Post', url: base }), body, ...extra };
}

const render = (body: string) => renderBody(makePost(body), site);

describe('renderBody', () => {
  it('renders Markdown with raw HTML allowed, no linkify, no typographer', () => {
    expect(render('# Title\n\nSome *text* -- "quoted" https://example.org\n\n<kbd>Ctrl</kbd>')).toBe(
      '<h1>Title</h1>\n<p>Some <em>text</em> -- "quoted" https://example.org</p>\n<p><kbd>Ctrl</kbd></p>\n',
    );
    expect(render('Title\n=====\n\ntext\n\n---\n\nmore')).toBe('<h1>Title</h1>\n<p>text</p>\n<hr />\n<p>more</p>\n');
    expect(render('<https://example.org/a?b=1&c=2>')).toBe(
      '<p><a href="https://example.org/a?b=1&amp;c=2">https://example.org/a?b=1&amp;c=2</a></p>\n',
    );
  });

  it('drops scripts, frames, plug-ins, styles and forms with their content', () => {
    const html = render(
      '<p>keep</p><script>alert(1)</script><style>p{color:red}</style><iframe src="https://evil.example"></iframe>' +
        '<object data="x.swf"></object><embed src="x.swf"><form action="/x"><input name="q"><button>Go</button></form><noscript>nojs</noscript>' +
        '<svg onload="alert(1)"><script>alert(2)</script></svg><template><p>t</p></template>',
    );
    expect(html).toBe('<p>keep</p>Go');
  });

  it('drops event handlers, inline styles and dangerous URLs', () => {
    const html = render(
      '<p onclick="alert(1)" style="color:red" class="x">a</p>' +
        '<a href="javascript:alert(1)">j</a><a href="JaVaScRiPt:alert(1)">J</a><a href="java\tscript:alert(1)">t</a>' +
        '<a href="vbscript:msgbox(1)">v</a><a href="data:text/html,<script>alert(1)</script>">d</a>' +
        '<img src="javascript:alert(1)" onerror="alert(1)"><img src="data:text/html;base64,PHNjcmlwdD4=">' +
        '<a href="mailto:me@example.com">m</a><img src="data:image/png;base64,iVBORw0KGgo=" alt="dot">',
    );
    expect(html).toBe(
      '<p>a</p><a>j</a><a>J</a><a>t</a><a>v</a><a>d</a><img /><img />' +
        '<a href="mailto:me@example.com">m</a><img src="data:image/png;base64,iVBORw0KGgo=" alt="dot" />',
    );
    expect(html).not.toMatch(/on\w+=|style=|javascript:|vbscript:|data:text/i);
  });

  it('keeps a generous set of content tags and their useful attributes', () => {
    const source =
      '<figure><img src="a.png" alt="A" width="10" height="20" loading="lazy"><figcaption>Cap</figcaption></figure>' +
      '<table><thead><tr><th scope="col">h</th></tr></thead><tbody><tr><td colspan="2">d</td></tr></tbody></table>' +
      '<details open><summary>S</summary>D</details><video src="v.mp4" poster="p.jpg" controls></video>' +
      '<audio src="a.mp3" controls></audio><blockquote cite="src.html">q</blockquote><del>x</del><ins>y</ins><sup>1</sup>';
    expect(render(source)).toBe(
      '<figure><img src="https://example.com/blog/post/a.png" alt="A" width="10" height="20" loading="lazy" /><figcaption>Cap</figcaption></figure>' +
        '<table><thead><tr><th scope="col">h</th></tr></thead><tbody><tr><td colspan="2">d</td></tr></tbody></table>' +
        '<details open><summary>S</summary>D</details>' +
        '<video src="https://example.com/blog/post/v.mp4" poster="https://example.com/blog/post/p.jpg" controls></video>' +
        '<audio src="https://example.com/blog/post/a.mp3" controls></audio>' +
        '<blockquote cite="https://example.com/blog/post/src.html">q</blockquote><del>x</del><ins>y</ins><sup>1</sup>',
    );
  });

  it('makes relative and protocol-relative URLs absolute against the post URL', () => {
    const html = render(
      '[rel](../other/) [root](/about/) [frag](#notes) [proto](//cdn.example/x) [abs](https://x.example/y) ![img](pic.jpg "T")\n\n' +
        '<a href="?page=2">q</a><img src="//cdn.example/i.png">',
    );
    expect(html).toBe(
      '<p><a href="https://example.com/blog/other/">rel</a> <a href="https://example.com/about/">root</a> ' +
        '<a href="https://example.com/blog/post/#notes">frag</a> <a href="https://cdn.example/x">proto</a> ' +
        '<a href="https://x.example/y">abs</a> <img src="https://example.com/blog/post/pic.jpg" alt="img" title="T" /></p>\n' +
        '<p><a href="https://example.com/blog/post/?page=2">q</a><img src="https://cdn.example/i.png" /></p>\n',
    );
  });

  it('makes every srcset candidate absolute, commas in URLs included', () => {
    expect(render('<img src="a.jpg" srcset="a-1x.jpg 1x, /b-2x.jpg 2x,//cdn.example/c,w_300.jpg 300w">')).toBe(
      '<img src="https://example.com/blog/post/a.jpg" srcset="https://example.com/blog/post/a-1x.jpg 1x, https://example.com/b-2x.jpg 2x, https://cdn.example/c,w_300.jpg 300w" />',
    );
    expect(render('<picture><source srcset="s.webp" type="image/webp"><img src="s.jpg"></picture>')).toBe(
      '<p><picture><source srcset="https://example.com/blog/post/s.webp" type="image/webp" /><img src="https://example.com/blog/post/s.jpg" /></picture></p>\n',
    );
    expect(absoluteSrcset('javascript:alert(1) 1x, ok.png 2x', base)).toBe('https://example.com/blog/post/ok.png 2x');
    // As the HTML standard parses it: a URL runs to whitespace, so this is one candidate.
    expect(absoluteSrcset('a.png,b.png 2x', base)).toBe('https://example.com/blog/post/a.png,b.png 2x');
    expect(absoluteSrcset('a.png, b.png 2x,c.png', base)).toBe(
      'https://example.com/blog/post/a.png, https://example.com/blog/post/b.png 2x, https://example.com/blog/post/c.png',
    );
    expect(absoluteSrcset('  ', base)).toBe('');
    expect(render('<img srcset="javascript:alert(1) 1x">')).toBe('<img />');
  });

  it('removes characters XML forbids, from the source and from decoded entities', () => {
    const html = render('a\u0000b\u000Cc\uFFFE d &#12; &#x1; e\uD800 ]]> `]]>`');
    expect(html).not.toMatch(/[\0-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/);
    expect(html).toContain('abc');
    expect(html).toContain(']]&gt;');
  });

  it('shows pseudo-tags that are no HTML element as text instead of dropping them', () => {
    expect(render('Ticker <TSLA> rose, <US> too')).toBe('<p>Ticker &lt;TSLA&gt; rose, &lt;US&gt; too</p>\n');
    expect(render('`Vec<T>` and Vec<T> and <i32>')).toBe('<p><code>Vec&lt;T&gt;</code> and Vec&lt;T&gt; and &lt;i32&gt;</p>\n');
    expect(render('<think>\nreasoning\n</think>\n\nAnswer')).toBe('&lt;think&gt;\nreasoning\n&lt;/think&gt;\n<p>Answer</p>\n');
    // Real elements are still sanitized, custom elements still dropped.
    expect(render('<b>bold</b> <Script>alert(1)</Script> <my-widget>w</my-widget>')).toBe('<p><b>bold</b>  w</p>\n');
  });
});

describe('toFeedItem', () => {
  it('carries the metadata and the full body HTML, without the Markdown', () => {
    const item = toFeedItem(makePost('Hello [x](y/)', { summary: 'Sum' }), site);
    expect(item).not.toHaveProperty('body');
    expect(item.html).toBe('<p>Hello <a href="https://example.com/blog/post/y/">x</a></p>\n');
    expect(item.summary).toBe('Sum');
    expect(item.title).toBe('Post');
  });

  it('in summary mode gives only the escaped summary, never the body', () => {
    const summarySite = testSite({ content: 'summary' });
    expect(toFeedItem(makePost('Secret body', { summary: 'Short & <sweet> "yes"' }), summarySite).html).toBe(
      '<p>Short &amp; &lt;sweet&gt; &quot;yes&quot;</p>',
    );
    expect(toFeedItem(makePost('Secret body'), summarySite).html).toBe('');
  });
});

describe('normalizeLink', () => {
  const reference = new MarkdownIt();
  // Mostly URLs the shortcut takes, and their near misses: label and host lengths, empty labels, ports, user info,
  // queries, fragments, escapes, non-ASCII, upper-case schemes, other schemes.
  const label = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom('a', 'Z9', 'a-b', '-', 'x'.repeat(63)) },
    { weight: 1, arbitrary: fc.constantFrom('y'.repeat(64), '', '_', 'é', '例') },
  );
  const host = fc
    .tuple(fc.array(label, { minLength: 1, maxLength: 6 }), fc.constantFrom(1, 1, 1, 8))
    .map(([labels, times]) => Array(times).fill(labels.join('.')).join('.'));
  const plain = fc.constantFrom('a', 'Z', '0', '/', '.', '-', '_', '~');
  const risky = fc.constantFrom(
    ':',
    ':80',
    '@',
    '?',
    '#',
    '&',
    '=',
    '%',
    '%2F',
    '%zz',
    ' ',
    '\\',
    '"',
    "'",
    '<',
    '[',
    'é',
    '\u00ad',
    '\uD800',
  );
  const tail = fc.array(fc.oneof({ weight: 12, arbitrary: plain }, { weight: 1, arbitrary: risky }), { maxLength: 10 });
  const url = fc
    .tuple(fc.constantFrom('http://', 'https://', 'https://', 'HTTP://', 'ftp://', 'mailto:', '//'), host, fc.boolean(), tail)
    .map(([scheme, name, slash, rest]) => `${scheme}${name}${slash ? '/' : ''}${rest.join('')}`);

  it("gives markdown-it's own result for any destination", () => {
    fc.assert(
      fc.property(url, (destination) => {
        expect(normalizeLink(destination)).toBe(reference.normalizeLink(destination));
      }),
      { numRuns: 5_000 },
    );
    const longHost = `https://${'a'.repeat(60)}.${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(60)}.example/x`;
    for (const destination of ['https://example.com', 'https://example.com/a/b.jpg', 'http://a-b.c/~x/_y.z', longHost, `${longHost}x`]) {
      expect(normalizeLink(destination)).toBe(reference.normalizeLink(destination));
    }
  });
});
