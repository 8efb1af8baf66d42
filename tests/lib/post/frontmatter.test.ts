import { describe, expect, it } from 'vitest';
import { FrontMatterError, MAX_YAML_ALIASES, indentQuotedContinuations, splitFrontMatter } from '../../../lib/post/frontmatter.ts';

const fails = (text: string, message: RegExp) => {
  expect(() => splitFrontMatter(text)).toThrow(FrontMatterError);
  expect(() => splitFrontMatter(text)).toThrow(message);
};

describe('splitFrontMatter', () => {
  it('reads YAML front matter and the body after it', () => {
    expect(splitFrontMatter('---\ntitle: Hello\ntags: [a, b]\n---\n\nBody\n---\nnot a delimiter\n')).toEqual({
      format: 'yaml',
      data: { title: 'Hello', tags: ['a', 'b'] },
      body: '\nBody\n---\nnot a delimiter\n',
    });
  });

  it('uses YAML 1.2 core: yes/no/on are strings, unquoted timestamps stay strings', () => {
    const { data } = splitFrontMatter('---\na: yes\nb: on\nc: 2019-06-13T15:00:00+08:00\nd: 0o17\ne: 1.5\nf: ~\n---\n');
    expect(data).toEqual({ a: 'yes', b: 'on', c: '2019-06-13T15:00:00+08:00', d: 15, e: 1.5, f: null });
  });

  it('reads TOML between +++ lines, with tables and dates', () => {
    const { format, data, body } = splitFrontMatter(
      '+++\ntitle = "Rust 1.0"\npath = "2014/09/15/Rust-1.0"\n[extra]\nteam = "core"\n+++\nBody',
    );
    expect(format).toBe('toml');
    expect(data).toEqual({ title: 'Rust 1.0', path: '2014/09/15/Rust-1.0', extra: { team: 'core' } });
    expect(body).toBe('Body');
  });

  it('strips a BOM and normalizes CRLF and lone CR', () => {
    expect(splitFrontMatter('\uFEFF---\r\ntitle: Hi\r\n---\r\nLine 1\r\nLine 2\rLine 3')).toEqual({
      format: 'yaml',
      data: { title: 'Hi' },
      body: 'Line 1\nLine 2\nLine 3',
    });
  });

  it('accepts a closing delimiter with trailing spaces (sofastack) and an empty block', () => {
    expect(splitFrontMatter('---\ntitle: x\n--- \nBody').body).toBe('Body');
    expect(splitFrontMatter('---\ntitle: x\n---')).toEqual({ format: 'yaml', data: { title: 'x' }, body: '' });
    expect(splitFrontMatter('---\n---\n').data).toEqual({});
    expect(splitFrontMatter('---\n# only a comment\n---\nx').data).toEqual({});
    expect(splitFrontMatter('---yaml\ntitle: x\n---\n').data).toEqual({ title: 'x' });
  });

  it('accepts unindented continuation lines of a quoted value, as libyaml does', () => {
    const text = '---\ntitle: "SOFA Weekly | 本周\n"\ndescription: \'one\ntwo\'\ntags: ["x"]\n---\n';
    expect(splitFrontMatter(text).data).toEqual({ title: 'SOFA Weekly | 本周 ', description: 'one two', tags: ['x'] });
    expect(indentQuotedContinuations('title: "a\nb"\nc: d')).toBe('title: "a\n b"\nc: d');
    expect(indentQuotedContinuations('title: "a \\" b"\nc: d')).toBeUndefined();
  });

  it('rejects an empty file and a file without front matter', () => {
    fails('', /^empty file$/);
    fails(' \n\n', /^empty file$/);
    fails('# Just Markdown\n', /^no front matter/);
    fails('----\ntitle: x\n----\n', /^no front matter/);
    fails('title: x\n---\n', /^no front matter/);
  });

  it('refuses every language but YAML and TOML without running it', () => {
    const flag = '__heraldFrontMatterRan';
    const payloads = [
      `---js\n{ title: (globalThis.${flag} = true, "pwned") }\n---\nBody`,
      `---javascript\n(function(){ globalThis.${flag} = true; return {}; })()\n---\n`,
      `--- js\nthrow new Error("executed")\n---\n`,
      `---coffee\ntitle: do -> globalThis.${flag} = true\n---\n`,
      `---json\n{"title": "x"}\n---\n`,
      `---toString\ntitle: x\n---\n`,
      `+++js\nglobalThis.${flag} = true\n+++\n`,
    ];
    for (const payload of payloads) fails(payload, /front matter language ".+" is not supported/);
    expect((globalThis as Record<string, unknown>)[flag]).toBeUndefined();
  });

  it('rejects malformed YAML and TOML with the parser message', () => {
    fails('---\ntitle: [unclosed\n---\n', /^malformed YAML front matter \(line 2, column \d+\): /);
    fails('---\ntitle: a\ntitle: b\n---\n', /^malformed YAML front matter \(line 3, column 1\): Map keys must be unique/);
    fails('---\ntitle: !custom x\n---\n', /^malformed YAML front matter \(line 2, column 8\): Unresolved tag: !custom/);
    fails('---\ndata: !!binary aGVsbG8=\n---\n', /^malformed YAML front matter \(line 2, column \d+\): Unresolved tag/);
    fails('+++\ntitle = \n+++\n', /^malformed TOML front matter \(line 2, column \d+\): /);
    fails('+++\ntitle = "a"\ntitle = "b"\n+++\n', /^malformed TOML front matter \(line 3, column \d+\): /);
  });

  it('rejects front matter that is not a mapping', () => {
    fails('---\n- a\n- b\n---\n', /must be a mapping of keys to values, not a list/);
    fails('---\njust a string\n---\n', /must be a mapping of keys to values, not string/);
  });

  it('rejects unclosed blocks and odd closing lines', () => {
    fails('---\ntitle: x\n', /front matter is not closed/);
    fails('+++\ntitle = "x"\n', /front matter is not closed/);
    fails('---\ntitle: x\n---more\nbody', /the closing line is "---more"/);
  });

  it('stops a billion-laughs alias bomb at the alias limit, before expanding it', () => {
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 10; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    fails(`---\ntitle: bomb\n${levels.join('\n')}\n---\n`, /Excessive alias count/);
    // A few aliases are fine.
    expect(splitFrontMatter(`---\nbase: &b [x]\nc: *b\n---\n`).data).toEqual({ base: ['x'], c: ['x'] });
    expect(MAX_YAML_ALIASES).toBe(100);
  });

  it('keeps __proto__ a plain key', () => {
    const { data } = splitFrontMatter('---\n__proto__: { polluted: true }\ntitle: x\n---\n');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
  });

  it('does not share results between calls (gray-matter caches when called without options)', () => {
    const text = '---\ntitle: x\ntags: [a]\n---\n';
    const first = splitFrontMatter(text);
    (first.data.tags as string[]).push('mutated');
    expect(splitFrontMatter(text).data.tags).toEqual(['a']);
  });
});
