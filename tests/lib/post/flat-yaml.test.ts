import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseFlatYaml } from '../../../lib/post/flat-yaml.ts';
import { corpusDir } from '../../support/shared-corpus.ts';

/** What the `yaml` package makes of a block (the same schema as lib/post/frontmatter.ts), or an error. */
function reference(source: string): unknown {
  try {
    return parse(source, { version: '1.2', schema: 'core', uniqueKeys: true, resolveKnownTags: false, logLevel: 'silent' });
  } catch (error) {
    return error;
  }
}

/** The fast path either declines or agrees with `yaml` exactly. */
function agrees(source: string): boolean {
  const fast = parseFlatYaml(source);
  if (fast === undefined) return false;
  expect(fast, source).toEqual(reference(source));
  return true;
}

const ACCEPTED = [
  'title: "Hello \\"world\\" \\\\ \\/ \\u00e9 \\n \\t"\ndate: "2025-02-12 21:15:03"',
  "title: 'It''s'\nsummary: \"\"\nmenu: ''",
  'categories:\n  - "qq"\nlang:\n  - "zh-CN"\ntags:\n- a\n- b c\n-\n- "d"',
  'tags: ["SOFA Weekly", \'x\', plain, 42, true, null]\nempty: []\nspaced: [ a , b ]',
  'comments: false\npager: true\nt: TRUE\nn: ~\nm: Null\nk:\nnum: 42\nplus: +7\nlead: 007',
  'date: 2019-06-13T15:00:00+08:00\nurl: https://example.com/a:b?c=d#e\nplainq: 5" screen [draft] {x}',
  '# a comment\ntitle: x # trailing comment\n\n  # indented comment\ntags: # comment\n  - a # comment\n  - "b" # comment',
  'title: 苹果与阿里为AI联手！iPhone有救了\nsummary: "（图源：百度股市通截图）..."',
  'title: a:b\nother: x:y',
  'unicode: "\\uD83D\\uDE00"\nspace3000: x\u3000',
];

const DECLINED = [
  'title: &a x\nother: *a', // anchors and aliases
  'title: !tag x', // tags
  'nested:\n  key: value', // nested mapping
  'text: |\n  block', // block scalar
  'text: >\n  folded',
  'title: "multi\n  line"',
  'title: plain\n  continued',
  'title: "bad \\x41 escape"',
  'title: "\\e escape"',
  'a: 1.5', // floats, octal, hex, inf, nan
  'a: 0o17',
  'a: 0x1F',
  'a: .inf',
  'a: 1e3',
  'a: -5', // starts with an indicator
  'a: 123456789012345678901', // beyond the safe-integer digits
  'a: x\na: y', // duplicate key
  '__proto__: x',
  'true: x', // keys resolve like values
  'Null: x',
  'a: [x, [y]]',
  'a: [x, ]',
  'a: {x: 1}',
  'a: "x" trailing',
  'a: x #ok\n\tb: tab',
  'a: "tab\there"',
  '- a\n- b', // a sequence document
  'key:value',
  'a: b: c',
  'a: x:',
  '? complex key\n: value',
  'a: x\n  - item',
  'list:\n  - a\n    - b',
  'list:\n  - a\n - b',
  'list:\n  - key: value',
  'a: "unterminated',
  "a: 'unterminated",
  'a: @reserved',
  '%YAML 1.2\n---\na: b',
  'a: "\u2028"',
  'a: b\u0085c',
];

describe('parseFlatYaml', () => {
  it('agrees with yaml on every construct it accepts', () => {
    for (const source of ACCEPTED) expect(agrees(source), source).toBe(true);
  });

  it('declines everything outside the flat subset', () => {
    for (const source of DECLINED) expect(parseFlatYaml(source), source).toBeUndefined();
  });
});

describe('parseFlatYaml on the corpora', () => {
  function frontMatters(root: string, every: number): string[] {
    const blocks: string[] = [];
    let index = 0;
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
        const file = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(file);
        else if (entry.name.endsWith('.md') && index++ % every === 0) {
          const text = readFileSync(file, 'utf8').replace(/\r\n?/g, '\n');
          const end = text.indexOf('\n---', 4);
          if (text.startsWith('---\n') && end !== -1) blocks.push(text.slice(4, end + 1));
        }
      }
    };
    walk(root);
    return blocks;
  }

  for (const [name, every, coverage] of [
    ['sofastack', 1, 0.9],
    ['bulwark', 10, 1],
  ] as const) {
    const dir = corpusDir(name);
    it.skipIf(!dir)(`${name}: every block the fast path reads equals yaml`, () => {
      const blocks = frontMatters(path.join(dir!, 'content'), every);
      expect(blocks.length).toBeGreaterThan(100);
      const fast = blocks.filter(agrees).length;
      expect(fast / blocks.length).toBeGreaterThanOrEqual(coverage);
    });
  }
});
