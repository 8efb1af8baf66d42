// Generated Markdown written from markdown-it's tokens (lib/post/plain-markdown.ts) must be byte for byte what
// sanitize-html writes: documents made of the pieces where the two could part (escaping, entities, URLs of every
// kind, attributes sanitize-html drops or keeps empty, void elements, nesting), and of loose markup characters.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { base, expectSanitizerBytes } from './sanitizer-bytes.ts';

// Fixed seeds and run counts: the same inputs on every run and machine.
const RUNS = { numRuns: 3000, seed: 17 };

const word = fc.constantFrom('a', 'word', 'Zürich', '例子', '😀', 'x1', 'AT&T', 'a<b', 'b>c', '"q"', "'s", 'a\u00a0b', '\u0000', 'x\ty');
const entity = fc.constantFrom(
  '&amp;',
  '&lt;',
  '&gt;',
  '&quot;',
  '&nbsp;',
  '&copy;',
  '&#0;',
  '&#12;',
  '&#x1F600;',
  '&#65;',
  '&bogus;',
  '&amp',
  '&',
);
const escaped = fc.constantFrom('\\*', '\\_', '\\`', '\\[', '\\<', '\\&', '\\\\', '\\"', '\\#', '\\|');
const url = fc.constantFrom(
  '',
  'a/b.html',
  '../x?y=1&z=2',
  '#frag',
  '/root path',
  '//evil.example/x',
  'javascript:alert(1)',
  'JaVaScRiPt:x',
  'vbscript:x',
  'file:///etc/passwd',
  'data:image/png;base64,AAAA',
  'data:image/svg+xml,<svg>',
  'data:text/html,<b>',
  'mailto:me@example.com',
  'tel:+1 234',
  'ftp://example.com/f',
  'https://example.org/a?b=1&c="2"',
  'http://exa mple.com/',
  'http://[::1]:8080/x',
  'http://example.com:99999/',
  'https://ü.example/ä ö',
  'https://example.org/%zz%41',
  'https://example.org/<x>',
  "https://example.org/'q'",
  'HTTPS://EXAMPLE.ORG/',
  'x:y',
  '\\\\host\\share',
);
const destination = url.map((value) => (/[\s<>()]/.test(value) || value === '' ? `<${value.replace(/[<>]/g, '')}>` : value));
const title = fc.constantFrom('', ' "t"', ' \'a & "b"\'', ' (<x>)', ' ""', ' "&amp; &quot;"');

const inline: fc.Arbitrary<string> = fc.letrec<{ inline: string }>((tie) => ({
  inline: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 8, arbitrary: word },
    { weight: 2, arbitrary: entity },
    { weight: 2, arbitrary: escaped },
    { weight: 2, arbitrary: fc.constantFrom(' ', ' ', '  \n', '\\\n', '\n', '*', '_', '`', '[', ']', '!', '<', '>', '|', '~') },
    fc.tuple(fc.constantFrom('*', '_', '**', '__', '~~', '***'), tie('inline')).map(([mark, text]) => `${mark}${text}${mark}`),
    fc
      .tuple(fc.constantFrom('`', '``'), fc.array(fc.oneof(word, entity), { maxLength: 3 }))
      .map(([tick, text]) => `${tick}${text.join(' ')}${tick}`),
    fc.tuple(fc.array(tie('inline'), { maxLength: 3 }), destination, title).map(([text, to, t]) => `[${text.join('')}](${to}${t})`),
    fc.tuple(fc.array(tie('inline'), { maxLength: 3 }), destination, title).map(([alt, to, t]) => `![${alt.join('')}](${to}${t})`),
    url.filter((value) => /^[a-zA-Z][a-zA-Z0-9+.-]{1,31}:[^\s<>]*$/.test(value)).map((value) => `<${value}>`),
    fc.constantFrom('<me@example.com>', '[ref]', '[ref][]', '![ref]'),
    { weight: 1, arbitrary: fc.constantFrom('<b>x</b>', '<span title="&quot;">', '<!-- c -->', 'Vec<T>') },
  ),
})).inline;
const line = fc.array(inline, { minLength: 1, maxLength: 8 }).map((pieces) => pieces.join(''));

const cell = fc.array(fc.oneof(word, entity, escaped, fc.constantFrom('`a|b`', '*e*', '[l](x)')), { maxLength: 2 }).map((c) => c.join(' '));
const table = fc
  .tuple(fc.integer({ min: 1, max: 4 }), fc.array(fc.array(cell, { maxLength: 5 }), { minLength: 1, maxLength: 3 }))
  .chain(([columns, rows]) =>
    fc.array(fc.constantFrom('---', ':--', ':-:', '--:'), { minLength: columns, maxLength: columns }).map((align) => {
      const row = (cells: string[]) => `| ${Array.from({ length: columns }, (_, i) => cells[i] ?? '').join(' | ')} |`;
      return [row(rows[0]!), `|${align.join('|')}|`, ...rows.slice(1).map(row)].join('\n');
    }),
  );
const fence = fc
  .tuple(
    fc.constantFrom('```', '~~~', '````'),
    fc.constantFrom('', 'js', ' python linenums', 'c++ {.x}', '"a&b"', '\\<b&amp;', 'a`b', 'x=1 y'),
    fc.array(fc.oneof(word, entity, fc.constantFrom('<div>', '"q"', '&', '  ')), { maxLength: 4 }),
  )
  .map(([marker, info, body]) => `${marker}${marker.startsWith('`') ? info.replace(/`/g, '') : info}\n${body.join(' ')}\n${marker}`);

const block: fc.Arbitrary<string> = fc.letrec<{ block: string }>((tie) => ({
  block: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 6, arbitrary: line },
    fc.tuple(fc.integer({ min: 1, max: 6 }), line).map(([level, text]) => `${'#'.repeat(level)} ${text}`),
    fc.tuple(line, fc.constantFrom('===', '---')).map(([text, underline]) => `${text}\n${underline}`),
    fc.constantFrom('---', '***', '* * *'),
    fc.array(fc.oneof(word, entity, fc.constantFrom('<x>', '"'))).map((text) => `    ${text.join(' ')}`),
    fence,
    table,
    fc.array(tie('block'), { minLength: 1, maxLength: 3 }).map((blocks) => blocks.join('\n\n').replace(/^/gm, '> ')),
    fc
      .tuple(
        fc.constantFrom('- ', '* ', '+ ', '1. ', '3. ', '0) ', '123456789. '),
        fc.array(tie('block'), { minLength: 1, maxLength: 3 }),
        fc.boolean(),
      )
      .map(([marker, items, loose]) =>
        items
          .map((item, i) => `${/\d/.test(marker) && i > 0 ? '1.' : marker.trim()} ${item.replace(/\n/g, `\n${' '.repeat(marker.length)}`)}`)
          .join(loose ? '\n\n' : '\n'),
      ),
    fc.constantFrom('[ref]: https://example.org/ref "R"', '[ref]: javascript:x', '[ref]: <../r e f>'),
  ),
})).block;
const document = fc
  .array(block, { minLength: 1, maxLength: 6 })
  .chain((blocks) =>
    fc
      .array(fc.constantFrom('\n\n', '\n', '\n\n\n'), { minLength: blocks.length, maxLength: blocks.length })
      .map((gaps) => blocks.map((b, i) => b + gaps[i]).join('')),
  );
/** Loose markup characters, which markdown-it pairs and nests in ways no piece above spells out. */
const soup = fc.string({
  unit: fc.constantFrom('*', '_', '`', '[', ']', '(', ')', '!', '<', '>', '&', '"', '\\', '\n', ' ', '|', '-', '#', 'a', ':', '/', ';'),
  maxLength: 80,
});

describe('plain Markdown written from the tokens, on generated Markdown', () => {
  it('is byte for byte what sanitize-html writes', () => {
    let direct = 0;
    fc.assert(
      fc.property(document, (source) => {
        if (expectSanitizerBytes(source, base, source)) direct++;
      }),
      RUNS,
    );
    // Most documents hold no raw HTML: the fast path is what is being tested.
    expect(direct).toBeGreaterThan(RUNS.numRuns / 2);
  });

  it('is byte for byte what sanitize-html writes, for loose markup characters', () => {
    fc.assert(
      fc.property(soup, (source) => {
        expectSanitizerBytes(source, base, source);
      }),
      { numRuns: 3000, seed: 18 },
    );
  });
});
