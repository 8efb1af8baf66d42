// scripts/markdown-it-fields.mjs: which of markdown-it's field definitions it writes as assignments, that nothing
// Herald loads could tell them apart (no name on a prototype chain, the same own properties), that it leaves alone
// what it cannot check, and that Markdown renders to the same bytes through the rewritten module.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type BuildOptions } from 'esbuild';
import fc from 'fast-check';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleEntry } from '../support/markdown-it-bundle.ts';
import { markdownItFields, rewriteFieldDefinitions, type RewrittenClass } from '../../scripts/markdown-it-fields.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const markdownItFile = createRequire(import.meta.url)
  .resolve('markdown-it')
  .replace(/markdown-it\.cjs\.js$/, 'markdown-it.mjs');
const installed = readFileSync(markdownItFile, 'utf8');

/** Field definitions rewritten in markdown-it 15.0.3: fewer after an upgrade means the shape changed. */
const REWRITTEN_AT_LEAST = 53;

type Module = {
  MarkdownIt: typeof import('markdown-it').default;
  renderMarkdown: typeof import('../../lib/post/render.ts').renderMarkdown;
};

const ENTRY = `export { default as MarkdownIt } from 'markdown-it'; export { renderMarkdown } from './lib/post/render.ts';`;

/** markdown-it and Herald's renderer bundled whole, as the Lambda functions are, with or without the rewrite. */
async function bundled(dir: string, name: string, rewrite: boolean): Promise<Module> {
  return import(pathToFileURL(await bundleEntry(ENTRY, path.join(dir, `${name}.mjs`), rewrite)).href);
}

let dir: string;
let original: Module;
let rewritten: Module;
let classes: RewrittenClass[];

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'herald-markdown-it-fields-'));
  [original, rewritten] = await Promise.all([bundled(dir, 'original', false), bundled(dir, 'rewritten', true)]);
  classes = rewriteFieldDefinitions(ts, installed).classes;
  // What is compared below differs where it should.
  expect(readFileSync(path.join(dir, 'original.mjs'), 'utf8')).toContain('_defineProperty(this, "bMarks", []);');
  expect(readFileSync(path.join(dir, 'rewritten.mjs'), 'utf8')).toContain('this.bMarks = [];');
}, 60_000);

afterAll(() => rm(dir, { recursive: true, force: true }));

/** The class a rewritten name is bound to in markdown-it: MarkdownIt itself, or one it exposes as a static. */
function runtimeClass(module: Module, name: string): { prototype: object } | undefined {
  return name === 'MarkdownIt' ? module.MarkdownIt : (module.MarkdownIt as unknown as Record<string, { prototype: object }>)[name];
}

/** One instance of each rewritten class, made as markdown-it makes them. */
function instances(module: Module): Record<string, object> {
  const { MarkdownIt } = module;
  const md = new MarkdownIt({ html: true });
  return {
    MarkdownIt: md,
    Token: new MarkdownIt.Token('paragraph_open', 'p', 1),
    Ruler: new MarkdownIt.Ruler(),
    Renderer: new MarkdownIt.Renderer(),
    ParserCore: new MarkdownIt.ParserCore(),
    ParserBlock: new MarkdownIt.ParserBlock(),
    ParserInline: new MarkdownIt.ParserInline(),
    StateCore: new MarkdownIt.StateCore('a *b*', md, {}),
    StateBlock: new MarkdownIt.StateBlock('a\n\n  b', md, {}, []),
    StateInline: new MarkdownIt.StateInline('a *b*', md, {}, []),
  };
}

/** Own properties in order, with their attributes and, for primitives, values (of each module's own objects, kinds). */
function shape(object: object) {
  const kind = (value: unknown) => {
    if (typeof value === 'function') return `function ${value.name}`;
    if (value !== null && typeof value === 'object') return Array.isArray(value) ? `array of ${value.length}` : 'object';
    return value;
  };
  return Object.entries(Object.getOwnPropertyDescriptors(object)).map(([key, { value, get, set, ...attributes }]) => ({
    key,
    ...attributes,
    accessor: get !== undefined || set !== undefined,
    value: kind(value),
  }));
}

describe('the installed markdown-it', () => {
  it(`has at least ${REWRITTEN_AT_LEAST} field definitions rewritten, and no constructor's left as it was`, () => {
    const { code } = rewriteFieldDefinitions(ts, installed);
    expect(classes.flatMap((rewrittenClass) => rewrittenClass.fields).length).toBeGreaterThanOrEqual(REWRITTEN_AT_LEAST);
    expect(code).not.toMatch(/_defineProperty\(\s*this\b/);
    // The statics (`_defineProperty(MarkdownIt, "Token", Token)`) are not fields of `this`.
    expect(code).toContain('_defineProperty(MarkdownIt, "Token", Token);');
    expect(code.split('\n').length).toBe(installed.split('\n').length);
  });

  it('has none of the rewritten names on the prototype chain of its class, as Herald has set markdown-it up', async () => {
    await import('../../lib/post/render.ts');
    const fromNodeModules = { MarkdownIt: (await import('markdown-it')).default } as Module;
    for (const module of [fromNodeModules, original, rewritten]) {
      for (const { name, fields } of classes) {
        const made = runtimeClass(module, name);
        expect(made?.prototype, name).toBeDefined();
        for (let prototype: object | null = made!.prototype; prototype; prototype = Object.getPrototypeOf(prototype)) {
          expect(
            fields.filter((field) => Object.hasOwn(prototype, field)),
            name,
          ).toEqual([]);
        }
      }
    }
  });

  it('is not subclassed by Herald, nor its State classes replaced', () => {
    const names = classes.map((rewrittenClass) => rewrittenClass.name).join('|');
    const subclass = new RegExp(`extends\\s+[\\w.]*\\b(${names})\\b|\\.State\\s*=|setPrototypeOf`);
    for (const folder of ['lib', 'functions']) {
      for (const entry of readdirSync(path.join(repo, folder), { recursive: true, withFileTypes: true })) {
        if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
        const file = path.join(entry.parentPath, entry.name);
        expect(subclass.exec(readFileSync(file, 'utf8'))?.[0], file).toBeUndefined();
      }
    }
  });

  it('makes instances with the same own properties, in the same order, with the same attributes', () => {
    const before = instances(original);
    const after = instances(rewritten);
    expect(Object.keys(before).sort()).toEqual(classes.map((rewrittenClass) => rewrittenClass.name).sort());
    for (const name of Object.keys(before)) {
      expect(after[name], name).toBeInstanceOf(runtimeClass(rewritten, name));
      expect(shape(after[name]!), name).toEqual(shape(before[name]!));
    }
  });
});

describe('renders the same bytes through the rewritten module', () => {
  const base = 'https://example.org/posts/a/';
  const same = (source: string) => {
    const render = (module: Module) => {
      const outputs: unknown[] = [];
      for (const options of [{}, { sanitizer: true }]) {
        try {
          outputs.push(module.renderMarkdown(source, base, options));
        } catch (error) {
          outputs.push(String(error));
        }
      }
      for (const preset of ['default', 'commonmark', 'zero'] as const) {
        const md = new module.MarkdownIt(preset, { html: true, linkify: false, typographer: true });
        outputs.push(md.render(source), JSON.stringify(md.parse(source, {})));
      }
      return outputs;
    };
    expect(render(rewritten)).toEqual(render(original));
  };

  it('for every Markdown file of tests/fixtures', () => {
    const files = readdirSync(path.join(repo, 'tests/fixtures'), { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile() && entry.name.endsWith('.md'))
      .map((entry) => path.join(entry.parentPath, entry.name));
    expect(files.length).toBeGreaterThan(30);
    for (const file of files) same(readFileSync(file, 'utf8'));
  });

  it('for generated Markdown', () => {
    const piece = fc.oneof(
      fc.constantFrom(
        ...['*', '_', '**', '__', '`', '```\n', '~~~', '# ', '## ', '> ', '- ', '* ', '1. ', '2) ', '[', ']', '](', ')', '![', '[x]: ']
          .concat(['<b>', '</b>', '<div>\n', '</div>', '<!-- c -->', '<think>', '&amp;', '&#12;', '&copy;', '\\', '~~', '|', ' | ', '---'])
          .concat([
            '\n',
            '\n\n',
            '    ',
            '\t',
            ' ',
            '"',
            "'",
            'http://example.com/a b',
            'mailto:x@y.z',
            'javascript:x',
            'word',
            '中文',
            '😀',
          ]),
      ),
      fc.string({ maxLength: 8 }),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 60 }), (pieces) => same(pieces.join(''))),
      { numRuns: 400 },
    );
  });
});

describe('the transform', () => {
  const helpers = installed.slice(installed.indexOf('function _typeof('), installed.indexOf('//#region src/token.ts'));
  const program = (body: string) => `${helpers}\n${body}`;
  const fieldsOf = (source: string) => rewriteFieldDefinitions(ts, source).classes;

  /** The own properties an instance of `Probe` gets, run as written and as rewritten. */
  const probe = (source: string) => {
    const run = (code: string) => shape(new Function(`${code}\nreturn new Probe();`)());
    return { before: run(source), after: run(rewriteFieldDefinitions(ts, source).code) };
  };

  it('rewrites a base class whose constructor starts with field definitions, and the instance is the same', () => {
    const source = program(
      'var Probe = class {\n\tconstructor(a = 1) {\n\t\t_defineProperty(this, "x", [a]);\n\t\t_defineProperty(this, "y", 0);\n\t}\n};',
    );
    expect(fieldsOf(source)).toEqual([{ name: 'Probe', fields: ['x', 'y'] }]);
    const { before, after } = probe(source);
    expect(after).toEqual(before);
  });

  it.each([
    [
      'a class that extends another',
      'class Base {}\nvar Probe = class extends Base {\n\tconstructor() {\n\t\tsuper();\n\t\t_defineProperty(this, "x", 1);\n\t}\n};',
    ],
    [
      'a name with an accessor on the class',
      'var Probe = class {\n\tconstructor() {\n\t\t_defineProperty(this, "x", 1);\n\t}\n\tget x() { return 2; }\n\tset x(v) {}\n};',
    ],
    ['a name of a method of the class', 'var Probe = class {\n\tconstructor() {\n\t\t_defineProperty(this, "x", 1);\n\t}\n\tx() {}\n};'],
    ['a name on Object.prototype', 'var Probe = class {\n\tconstructor() {\n\t\t_defineProperty(this, "toString", 1);\n\t}\n};'],
    ['a value that reaches `this`', 'var Probe = class {\n\tconstructor() {\n\t\t_defineProperty(this, "x", (() => this)());\n\t}\n};'],
    ['a value that calls eval', 'var Probe = class {\n\tconstructor() {\n\t\t_defineProperty(this, "x", eval("1"));\n\t}\n};'],
    ['a parameter that reaches `this`', 'var Probe = class {\n\tconstructor(a = this) {\n\t\t_defineProperty(this, "x", 1);\n\t}\n};'],
    [
      'a definition after another statement',
      'var Probe = class {\n\tconstructor() {\n\t\tthis.x = 2;\n\t\t_defineProperty(this, "x", 1);\n\t}\n};',
    ],
    ['a native instance field', 'var Probe = class {\n\tx = 2;\n\tconstructor() {\n\t\t_defineProperty(this, "x", 1);\n\t}\n};'],
    ['a computed method name', 'var Probe = class {\n\tconstructor() {\n\t\t_defineProperty(this, "x", 1);\n\t}\n\t[String("x")]() {}\n};'],
    ['a computed key', 'var Probe = class {\n\tconstructor() {\n\t\t_defineProperty(this, "x" + "", 1);\n\t}\n};'],
    ['an object other than `this`', 'var Probe = class {\n\tconstructor() {\n\t\t_defineProperty(Probe, "x", 1);\n\t}\n};'],
  ])('leaves %s alone', (_case, body) => {
    const source = program(body);
    expect(fieldsOf(source)).toEqual([]);
    expect(rewriteFieldDefinitions(ts, source).code).toBe(source);
  });

  it('stops at a name defined twice, keeping the definitions before it', () => {
    const source = program(
      'var Probe = class {\n\tconstructor() {\n\t\t_defineProperty(this, "x", 1);\n\t\t_defineProperty(this, "y", 1);\n\t\t_defineProperty(this, "x", 2);\n\t}\n};',
    );
    expect(fieldsOf(source)).toEqual([{ name: 'Probe', fields: ['x', 'y'] }]);
    const { before, after } = probe(source);
    expect(after).toEqual(before);
  });

  it.each([
    ['helpers that differ from oxc', program('').replace('enumerable: !0', 'enumerable: !1')],
    ['a helper shadowed somewhere', program('function elsewhere(_defineProperty) {}')],
    ['a helper reassigned', program('_defineProperty = function() {};')],
    ['a helper missing', program('').replace(/function toPrimitive[\s\S]*?\n}\n/, '')],
    ['a syntax error', program('var = ;')],
  ])('leaves a file with %s alone', (_case, preamble) => {
    const source = `${preamble}\nvar Probe = class {\n\tconstructor() {\n\t\t_defineProperty(this, "x", 1);\n\t}\n};`;
    expect(rewriteFieldDefinitions(ts, source)).toEqual({ code: source, classes: [] });
  });
});

describe('the CLI bundle (packages left to be imported at run time)', () => {
  const cli = (outfile: string): BuildOptions => ({
    stdin: { contents: `import MarkdownIt from 'markdown-it'; export default MarkdownIt;`, resolveDir: path.join(repo, 'lib') },
    outfile,
    bundle: true,
    write: false,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    plugins: [markdownItFields({ inline: outfile })],
    logLevel: 'silent',
  });

  it('takes markdown-it in, rewritten, and leaves its imports to Node, which finds them from dist/ as from markdown-it', async () => {
    const [output] = (await build(cli(path.join(repo, 'dist', 'probe.mjs')))).outputFiles!;
    expect(output!.text).toContain('this.bMarks = [];');
    expect(output!.text).not.toMatch(/_defineProperty\(\s*this\b/);
    expect(output!.text).toMatch(/^import \* as mdurl from "mdurl";$/m);
  });

  it('leaves markdown-it to be imported where Node would find another copy, or none, from the bundle', async () => {
    const [output] = (await build(cli(path.join(os.tmpdir(), 'nowhere', 'probe.mjs')))).outputFiles!;
    expect(output!.text).toMatch(/^import MarkdownIt from "markdown-it";$/m);
  });

  it('keeps the rewrite in its cache, taken as it is for the same bytes and made again for others', async () => {
    const cache = path.join(dir, 'cache.json');
    const options = {
      ...cli(path.join(repo, 'dist', 'probe.mjs')),
      plugins: [markdownItFields({ inline: path.join(repo, 'dist', 'probe.mjs'), cache })],
    };
    const text = async () => (await build(options)).outputFiles![0]!.text;
    expect(await text()).toContain('this.bMarks = [];');
    const cached = JSON.parse(readFileSync(cache, 'utf8'));
    expect(cached.imports).toEqual(['mdurl', 'uc.micro', 'entities', 'linkify-it', 'punycode.js']);

    writeFileSync(cache, JSON.stringify({ ...cached, code: `${cached.code}\nglobalThis.fromCache = 1;` }));
    expect(await text()).toContain('globalThis.fromCache = 1;');

    writeFileSync(cache, JSON.stringify({ ...cached, key: 'other bytes', code: 'globalThis.fromCache = 2;' }));
    const remade = await text();
    expect(remade).toContain('this.bMarks = [];');
    expect(remade).not.toContain('fromCache');
    expect(JSON.parse(readFileSync(cache, 'utf8'))).toEqual(cached);
  });

  it('is what bin/herald.mjs runs, made again when the plugin changes', () => {
    execFileSync(process.execPath, [path.join(repo, 'bin/herald.mjs'), '--version'], { encoding: 'utf8' });
    const bundle = path.join(repo, 'dist', 'cli.mjs');
    expect(statSync(bundle).mtimeMs).toBeGreaterThan(statSync(path.join(repo, 'scripts/markdown-it-fields.mjs')).mtimeMs);
    const text = readFileSync(bundle, 'utf8');
    expect(text).toContain('this.bMarks = [];');
    expect(text).not.toMatch(/_defineProperty\(\s*this\b/);
  });
});
