// Bounded work per post (issue 9): what a body past each limit becomes, and that the limits count what the
// parsers really do. No timing: each test counts work or checks output. Speed is measured in bench/pathological.ts.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { createRequire } from 'node:module';
import sanitizeHtml from 'sanitize-html';
import { beforeEach, describe, expect, it } from 'vitest';
import { checkMarkup, depthGuard, LIMITS, LimitExceeded, plainTextHtml } from '../../../lib/post/bounds.ts';
import { parsePost } from '../../../lib/post/parse.ts';
import { absoluteSrcset, renderBody } from '../../../lib/post/render.ts';
import type { Post } from '../../../lib/post/types.ts';
import { postMeta } from '../../support/factories.ts';
import { SiteHarness } from '../../support/pipeline-harness.ts';
import { markdown } from '../../support/site-content.ts';
import { testSite } from './test-site.ts';

// The very htmlparser2 sanitize-html parses with, whatever npm hoists.
const require = createRequire(import.meta.url);
const { Parser } = createRequire(require.resolve('sanitize-html'))('htmlparser2') as typeof import('htmlparser2');

const site = testSite();
const MiB = 1024 * 1024;

function makePost(body: string): Post {
  return { ...postMeta({ key: 'blog/bomb.md', title: 'Post', url: 'https://example.com/blog/bomb/' }), body };
}

/** What renderBody said while rendering, since the last test began. */
let reasons: string[] = [];
beforeEach(() => {
  reasons = [];
});

/** The body rendered, and the warnings it caused. */
function render(body: string) {
  const html = renderBody(makePost(body), site, (reason) => reasons.push(reason));
  return { html, warnings: [...reasons] };
}

describe('a body past a limit is published as its escaped text, with a warning naming the limit', () => {
  it('stops a nesting bomb at the depth limit and shows its text', () => {
    // As in the issue (200,000 <b>: 31 s), at a size within the markup limit, so the depth limit stops it.
    const { html, warnings } = render(`Intro\n\n${'<b>'.repeat(LIMITS.markup / 2 - 10)}`);
    expect(warnings).toEqual(['body shown as plain text: HTML nested deeper than feed readers need (limit 100)']);
    expect(html).toBe(`<p>Intro</p>\n<p>${'&lt;b&gt;'.repeat(LIMITS.markup / 2 - 10)}</p>\n`);
  });

  it('stops a 10 MiB nesting bomb before markdown-it runs', () => {
    const { html, warnings } = render('<b>'.repeat((10 * MiB) / 3 - 20));
    expect(warnings).toEqual(['body shown as plain text: more Markdown markup characters than render in time (limit 100,000)']);
    expect(html).toBe(`<p>${'&lt;b&gt;'.repeat((10 * MiB) / 3 - 20)}</p>\n`);
  });

  it('keeps HTML nested up to the limit, block and inline', () => {
    const inline = LIMITS.depth - 1; // inside markdown-it's <p>
    const { html, warnings } = render(`${'<i>'.repeat(inline)}x`);
    expect(html).toBe(`<p>${'<i>'.repeat(inline)}x${'</i>'.repeat(inline)}</p>\n`);
    expect(render(`${'<div>'.repeat(LIMITS.depth)}\n`).html).toBe(`${'<div>'.repeat(LIMITS.depth)}\n${'</div>'.repeat(LIMITS.depth)}`);
    expect(warnings).toEqual([]);
    expect(render(`${'<div>'.repeat(LIMITS.depth + 1)}\n`).html).toBe(`<p>${'&lt;div&gt;'.repeat(LIMITS.depth + 1)}</p>\n`);
  });

  it('does not count siblings, void elements or implied closes as depth', () => {
    const items = `<ul>${'<li>item'.repeat(5000)}</ul>`;
    const paragraphs = '<p>text'.repeat(5000);
    const voids = '<br><img src="a.png"><hr>'.repeat(2000);
    for (const body of [items, paragraphs, voids]) expect(render(body).html).toMatch(/^<(ul|p|br)/);
    expect(reasons).toEqual([]);
  });

  it('shows 10 MiB of emphasis markers as text, counted before markdown-it runs', () => {
    const { html, warnings } = render('*_'.repeat(5 * MiB - 10));
    expect(warnings).toEqual(['body shown as plain text: more Markdown markup characters than render in time (limit 100,000)']);
    expect(html).toBe(`<p>${'*_'.repeat(5 * MiB - 10)}</p>\n`);
  });

  it('counts table cells markdown-it fills in, not only those written', () => {
    // 1,000 columns, then rows of one cell: every row becomes 1,000 cells (3,000 tokens) for 3 characters; one table makes 60,000.
    const table = `|${' h |'.repeat(1000)}\n|${'---|'.repeat(1000)}\n${'|c\n'.repeat(20)}`;
    const { html, warnings } = render(`${table}\n${table}`);
    expect(warnings).toEqual(['body shown as plain text: more Markdown blocks and table cells than render in time (limit 100,000)']);
    expect(html).toMatch(/^<p>\|/);
    // One such table is fine.
    expect(render(table).html).toMatch(/^<table>/);
  });

  it('counts URLs made absolute, srcset candidates included', () => {
    const { html, warnings } = render(`<img srcset="${'a.png 1x,'.repeat(LIMITS.urls + 1)}">`);
    expect(warnings).toEqual(['body shown as plain text: more URLs than render in time (limit 20,000)']);
    expect(html.startsWith('<p>&lt;img srcset=&quot;a.png 1x,')).toBe(false);
    expect(html.startsWith('<p>&lt;img srcset="a.png 1x,a.png')).toBe(true);
  });

  it('is named, with the file, in the report of each run whose feeds show the post', async () => {
    const harness = new SiteHarness(site);
    await harness.write('blog/bomb.md', markdown({ title: 'Bomb', date: '2025-01-01', body: `${'<div>'.repeat(LIMITS.depth + 1)}\n` }));
    const reason = 'body shown as plain text: HTML nested deeper than feed readers need (limit 100)';
    expect((await harness.rebuild()).posts.warned).toEqual([{ key: 'blog/bomb.md', reason }]);
    // Its item is taken from the stored record: rendered once, the warning said again.
    expect((await harness.rebuild()).posts.warned).toEqual([{ key: 'blog/bomb.md', reason }]);
    // An incremental run warns of the documents it writes: here, after an edit.
    await harness.write(
      'blog/bomb.md',
      markdown({ title: 'Bomb, edited', date: '2025-01-01', body: `${'<div>'.repeat(LIMITS.depth + 1)}\n` }),
    );
    expect((await harness.regenerate(['blog/bomb.md'])).posts.warned).toEqual([{ key: 'blog/bomb.md', reason }]);
  });

  it('renders normal posts without a warning', () => {
    expect(render('# Title\n\n> quote\n\n- a\n- b\n\n| a | b |\n|---|---|\n| 1 | 2 |\n').html).toBe(
      '<h1>Title</h1>\n<blockquote>\n<p>quote</p>\n</blockquote>\n<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n' +
        '<table>\n<thead>\n<tr>\n<th>a</th>\n<th>b</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n<td>1</td>\n<td>2</td>\n</tr>\n</tbody>\n</table>\n',
    );
    expect(reasons).toEqual([]);
  });
});

describe('plainTextHtml', () => {
  it('escapes the text, one paragraph per block of lines, line breaks kept', () => {
    expect(plainTextHtml('a <b> & c\nd]]>\n\n \t\r\n\n\ne\r\nf\n')).toBe('<p>a &lt;b&gt; &amp; c<br />\nd]]&gt;</p>\n<p>e<br />\nf</p>\n');
    expect(plainTextHtml('\n\n')).toBe('');
  });

  it('works in slices that never split a paragraph break or a surrogate pair', () => {
    const long = 'a'.repeat(65_535);
    expect(plainTextHtml(`${long}\n\n\nb`)).toBe(`<p>${long}</p>\n<p>b</p>\n`);
    expect(plainTextHtml(`${long}\n \n${long}😀<`)).toBe(`<p>${long}</p>\n<p>${long}😀&lt;</p>\n`);
    expect(plainTextHtml(`${long}😀\n<`)).toBe(`<p>${long}😀<br />\n&lt;</p>\n`);
  });
});

describe('checkMarkup', () => {
  it('allows exactly the limit of markup characters', () => {
    expect(() => checkMarkup(`${'*'.repeat(LIMITS.markup)}plain text: well-known, a+b, = # { } 1.`)).not.toThrow();
    expect(() => checkMarkup(`${'a\n'.repeat(LIMITS.markup)}[`)).toThrow(LimitExceeded);
  });

  it('counts quote and list markers, whose nesting markdown-it rescans at every level', () => {
    for (const marker of ['>', '- ', '+ ', '-\t'])
      expect(() => checkMarkup(marker.repeat(LIMITS.markup + 1)), marker).toThrow(LimitExceeded);
  });
});

describe('depthGuard', () => {
  // Tag soup of the elements htmlparser2 treats specially: implied closes, void elements, raw text, foreign content.
  const NAMES = [
    'b',
    'div',
    'p',
    'li',
    'td',
    'tr',
    'dd',
    'option',
    'br',
    'img',
    'wbr',
    'param',
    'script',
    'svg',
    'title',
    'textarea',
    'rt',
  ];
  const piece = fc.oneof(
    fc.constantFrom(...NAMES).map((name) => `<${name}>`),
    fc.constantFrom(...NAMES).map((name) => `</${name}>`),
    fc.constantFrom(...NAMES).map((name) => `<${name}/>`),
    fc.constantFrom('x', '<!--', '-->', '<![CDATA[', ']]>', '"', '<b title=">'),
  );

  /** The deepest htmlparser2's own stack gets on `html` (its private `stack`, read only here). */
  function realDepth(html: string): number {
    let deepest = 0;
    const parser = new Parser(
      {
        onopentag: () => {
          deepest = Math.max(deepest, (parser as unknown as { stack: string[] }).stack.length);
        },
      },
      { decodeEntities: true },
    );
    parser.end(html);
    return deepest;
  }

  it('stops sanitize-html exactly when htmlparser2 nests deeper than the limit', () => {
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 60 }), fc.integer({ min: 1, max: 12 }), (pieces, limit) => {
        const html = pieces.join('');
        const passes = () => sanitizeHtml(html, { allowedTags: false, allowedAttributes: false, ...depthGuard(limit) });
        if (realDepth(html) > limit) expect(passes).toThrow(LimitExceeded);
        else expect(passes).not.toThrow();
      }),
      { numRuns: 2000 },
    );
  });
});

describe('absoluteSrcset', () => {
  it('strips trailing commas in one pass, however long the run inside a URL', () => {
    // With /,+$/ this took minutes: each comma of the run restarted the match.
    const url = `a${','.repeat(MiB)}b,`;
    expect(absoluteSrcset(url, 'https://example.com/')).toBe(`https://example.com/a${','.repeat(MiB)}b`);
  });
});

// The largest real posts keep their formatting: no limit is near what an article needs.
const corpora = path.resolve(import.meta.dirname, '../../../../shared/corpus');
describe.skipIf(!existsDir(corpora))('real posts', () => {
  it('the 30 largest posts of each corpus render without reaching a limit', () => {
    for (const name of readdirSync(corpora)) {
      const root = path.join(corpora, name, 'content');
      if (!existsDir(root)) continue;
      const files = readdirSync(root, { recursive: true, withFileTypes: true })
        .filter((entry) => entry.isFile() && entry.name.endsWith('.md'))
        .map((entry) => path.join(entry.parentPath, entry.name))
        .map((file) => ({ file, size: statSync(file).size }))
        .sort((a, b) => b.size - a.size)
        .slice(0, 30);
      for (const { file } of files) {
        const parsed = parsePost(path.relative(root, file), readFileSync(file), site);
        if (parsed.status === 'post') renderBody(parsed.post, site);
      }
    }
    expect(reasons).toEqual([]);
  });
});

function existsDir(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}
