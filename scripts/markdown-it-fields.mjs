/**
 * An esbuild plugin that gives bundles a markdown-it whose class fields are plain assignments. markdown-it's ES
 * module build (compiled by oxc) sets every field through a helper, `_defineProperty(this, "name", value)`, which
 * converts the key, asks `name in this`, and assigns (or calls `Object.defineProperty` when the name is there).
 * Through that one shared call site V8 cannot make the stores monomorphic: the helper took about 6% of a build's
 * CPU, and markdown-it rendered about a third faster with the calls written as `this.name = value`.
 *
 * Assignment does what the helper does whenever `name in this` is false at that point. A call is rewritten only
 * where the source shows that, for this version, as the file is written:
 * - the helpers (`_defineProperty` and the `toPropertyKey`, `toPrimitive` and `_typeof` it calls) are oxc's, letter
 *   for letter, and nothing else in the file declares, assigns or passes on those names (every other occurrence
 *   is a call);
 * - the call is one of the statements a constructor starts with, each `_defineProperty(this, "<literal>", value)`,
 *   of a class that extends nothing and declares no instance fields: `this` is a new object of the class whose own
 *   properties are only those the earlier statements defined;
 * - no value, nor a constructor parameter, mentions `this`, `super` or `eval`: the object has not been reached by
 *   anything else yet;
 * - the name is not one an earlier statement of the run defined, not a method or accessor of the class, and not
 *   on `Object.prototype`: so it is nowhere on the object or its prototype chain.
 * The run ends at the first statement that is not such a call; whatever the transform does not recognise (another
 * helper, a different shape, a parse error) it leaves as it was, and a file it cannot check at all is loaded
 * unchanged: slower, never different. What the source cannot show is code elsewhere (what a value calls included)
 * that subclasses these classes with an accessor of a field's name, or adds such names to their prototypes or to
 * `Object.prototype`: Herald does neither, and tests/scripts/markdown-it-fields.test.ts checks the prototype chains of
 * the classes once Herald has set markdown-it up.
 *
 * Plain JavaScript in scripts/ because bin/herald.mjs bundles the CLI before any TypeScript loader runs, and
 * scripts/bundle.ts (the Lambda functions) imports it too. The parser is TypeScript's (a devDependency, as esbuild
 * is, so whatever can bundle has it), loaded only when a bundle's cache does not already hold the result.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The file the transform applies to: markdown-it's ES module build, as bundles resolve it. */
const MARKDOWN_IT_FILE = /[\\/]node_modules[\\/]markdown-it[\\/]dist[\\/]markdown-it\.mjs$/;

/** oxc's runtime helpers (0.154.0) as markdown-it 15.0.3's build prints them; any difference leaves the file alone. */
const HELPERS = new Map([
  [
    '_typeof',
    'function _typeof(o) {\n\t"@babel/helpers - typeof";\n\treturn _typeof = "function" == typeof Symbol && "symbol" == typeof Symbol.iterator ? function(o) {\n\t\treturn typeof o;\n\t} : function(o) {\n\t\treturn o && "function" == typeof Symbol && o.constructor === Symbol && o !== Symbol.prototype ? "symbol" : typeof o;\n\t}, _typeof(o);\n}',
  ],
  [
    'toPrimitive',
    'function toPrimitive(t, r) {\n\tif ("object" != _typeof(t) || !t) return t;\n\tvar e = t[Symbol.toPrimitive];\n\tif (void 0 !== e) {\n\t\tvar i = e.call(t, r || "default");\n\t\tif ("object" != _typeof(i)) return i;\n\t\tthrow new TypeError("@@toPrimitive must return a primitive value.");\n\t}\n\treturn ("string" === r ? String : Number)(t);\n}',
  ],
  ['toPropertyKey', 'function toPropertyKey(t) {\n\tvar i = toPrimitive(t, "string");\n\treturn "symbol" == _typeof(i) ? i : i + "";\n}'],
  [
    '_defineProperty',
    'function _defineProperty(e, r, t) {\n\treturn (r = toPropertyKey(r)) in e ? Object.defineProperty(e, r, {\n\t\tvalue: t,\n\t\tenumerable: !0,\n\t\tconfigurable: !0,\n\t\twritable: !0\n\t}) : e[r] = t, e;\n}',
  ],
]);

const OBJECT_PROTOTYPE_NAMES = new Set(Object.getOwnPropertyNames(Object.prototype));

/** This file's bytes: a cached rewrite is one this very code made. */
const PLUGIN_SOURCE = readFileSync(fileURLToPath(import.meta.url));

/**
 * markdown-it's source with its classes' leading `_defineProperty(this, "name", value)` statements written as
 * `this.name = value;` where that is sound (see the header), and what was rewritten: each class (by the name it is
 * bound to) and its fields, in order. `ts` is the `typescript` module. Lines keep their numbers.
 *
 * @param {typeof import('typescript')} ts
 * @param {string} source
 * @returns {{ code: string, classes: { name: string, fields: string[] }[] }}
 */
export function rewriteFieldDefinitions(ts, source) {
  const unchanged = { code: source, classes: [] };
  const file = ts.createSourceFile('markdown-it.mjs', source, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  if (file.parseDiagnostics.length > 0) return unchanged;

  const declarations = new Set();
  for (const statement of file.statements) {
    if (!ts.isFunctionDeclaration(statement) || !statement.name || !HELPERS.has(statement.name.text)) continue;
    if (statement.getText(file) !== HELPERS.get(statement.name.text)) return unchanged;
    declarations.add(statement);
  }
  if (declarations.size !== HELPERS.size) return unchanged;

  let helpersOnlyCalled = true;
  const classes = [];
  const visit = (node) => {
    if (declarations.has(node)) return;
    if (ts.isIdentifier(node) && HELPERS.has(node.text) && !(ts.isCallExpression(node.parent) && node.parent.expression === node)) {
      helpersOnlyCalled = false;
    }
    if (ts.isClassLike(node)) classes.push(node);
    ts.forEachChild(node, visit);
  };
  visit(file);
  if (!helpersOnlyCalled) return unchanged;

  const edits = [];
  const rewritten = [];
  for (const node of classes) {
    const fields = leadingFields(ts, file, node);
    if (fields.length === 0) continue;
    rewritten.push({ name: className(ts, node), fields: fields.map((field) => field.name) });
    edits.push(...fields);
  }
  edits.sort((a, b) => a.start - b.start);
  let code = '';
  let at = 0;
  for (const { start, end, name, value } of edits) {
    const original = source.slice(start, end);
    const key = /^[A-Za-z_$][\w$]*$/.test(name) ? `.${name}` : `[${JSON.stringify(name)}]`;
    code += `${source.slice(at, start)}this${key} = ${value};${'\n'.repeat(newlines(original) - newlines(value))}`;
    at = end;
  }
  return { code: code + source.slice(at), classes: rewritten };
}

/** The statements a class's constructor starts with that may be assignments (the header says when). */
function leadingFields(ts, file, node) {
  if (node.heritageClauses?.length) return [];
  const onPrototype = new Set();
  let init;
  for (const member of node.members) {
    if (ts.isConstructorDeclaration(member)) init = member;
    else if (ts.isSemicolonClassElement(member)) continue;
    else if (ts.isClassStaticBlockDeclaration(member) || isStatic(ts, member)) continue;
    else if (ts.isPropertyDeclaration(member) || !member.name || !(ts.isIdentifier(member.name) || ts.isStringLiteral(member.name)))
      return [];
    else onPrototype.add(member.name.text);
  }
  if (!init?.body || init.parameters.some((parameter) => reachesThis(ts, parameter))) return [];
  const fields = [];
  for (const statement of init.body.statements) {
    const call = ts.isExpressionStatement(statement) ? statement.expression : undefined;
    if (!call || !ts.isCallExpression(call) || !ts.isIdentifier(call.expression) || call.expression.text !== '_defineProperty') break;
    const [target, key, value, ...rest] = call.arguments;
    if (rest.length > 0 || target?.kind !== ts.SyntaxKind.ThisKeyword || !key || !ts.isStringLiteral(key) || !value) break;
    const name = key.text;
    if (reachesThis(ts, value) || onPrototype.has(name) || OBJECT_PROTOTYPE_NAMES.has(name)) break;
    if (fields.some((field) => field.name === name)) break;
    fields.push({ start: statement.getStart(file), end: statement.end, name, value: value.getText(file) });
  }
  return fields;
}

function isStatic(ts, member) {
  return member.modifiers?.some((modifier) => modifier.kind === ts.SyntaxKind.StaticKeyword) ?? false;
}

/** Whether `node` mentions `this`, `super` or `eval` anywhere (in nested functions too: no finer claim is needed). */
function reachesThis(ts, node) {
  if (node.kind === ts.SyntaxKind.ThisKeyword || node.kind === ts.SyntaxKind.SuperKeyword) return true;
  if (ts.isIdentifier(node) && node.text === 'eval') return true;
  return ts.forEachChild(node, (child) => reachesThis(ts, child) || undefined) ?? false;
}

function className(ts, node) {
  if (node.name) return node.name.text;
  return ts.isVariableDeclaration(node.parent) && ts.isIdentifier(node.parent.name) ? node.parent.name.text : '(anonymous)';
}

function newlines(text) {
  return text.split('\n').length - 1;
}

/**
 * The package folder Node finds for bare `name` imported from a file in `dir`: the nearest `node_modules/<name>`
 * up the tree (ES modules consult nothing else), its symbolic links followed as Node follows them.
 */
function packageFolder(name, dir) {
  for (let at = dir; ; at = path.dirname(at)) {
    const folder = path.join(at, 'node_modules', name);
    if (existsSync(path.join(folder, 'package.json'))) return realpathSync(folder);
    if (path.dirname(at) === at) return undefined;
  }
}

/** A bare import's package name: `entities` of `entities/decode`, `@scope/name` of `@scope/name/x`. */
function packageName(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/**
 * The packages an ES module imports, if it names them all in `import` and `export` declarations (no `import()`,
 * `require` or `import.meta`, whose meaning could change with the file's place), and each is a bare specifier.
 */
function staticImports(ts, source) {
  const file = ts.createSourceFile('module.mjs', source, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  const specifiers = [];
  for (const statement of file.statements) {
    if (!ts.isImportDeclaration(statement) && !ts.isExportDeclaration(statement)) continue;
    const specifier = statement.moduleSpecifier;
    if (!specifier) continue;
    if (!ts.isStringLiteral(specifier) || /^[./]/.test(specifier.text)) return undefined;
    specifiers.push(specifier.text);
  }
  const loadsOtherwise = (node) =>
    (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) ||
    (ts.isMetaProperty(node) && node.keywordToken === ts.SyntaxKind.ImportKeyword) ||
    (ts.isIdentifier(node) && node.text === 'require') ||
    ts.forEachChild(node, loadsOtherwise);
  return loadsOtherwise(file) ? undefined : specifiers;
}

let typescript;

/** The `typescript` module, or undefined where it cannot be loaded (then nothing is rewritten). */
function parser() {
  typescript ??= import('typescript').then(
    (module) => module.default,
    () => undefined,
  );
  return typescript;
}

/** Analyses made in this process, by key: tests and benches bundle many times. */
const made = new Map();

/**
 * markdown-it's file rewritten, and the packages it imports (null where `staticImports` cannot tell), taken from
 * `cache` when that holds them for these very bytes of the file and of this plugin: loading TypeScript and parsing
 * take 0.7 s of CPU, three times the rest of the CLI's bundling, which runs again after every change to lib/.
 */
async function analyse(file, cache) {
  const source = await readFile(file, 'utf8');
  const key = createHash('sha256').update(PLUGIN_SOURCE).update(source).digest('hex');
  if (cache) {
    const cached = await readFile(cache, 'utf8').then(JSON.parse, () => undefined);
    if (cached?.key === key) return cached;
  }
  if (!made.has(key)) {
    made.set(
      key,
      parser().then((ts) => ts && { key, code: rewriteFieldDefinitions(ts, source).code, imports: staticImports(ts, source) ?? null }),
    );
  }
  const analysis = await made.get(key);
  if (cache && analysis) {
    // Written aside and renamed, as bin/herald.mjs writes the bundle: bundles made together never read half of it.
    const partial = `${cache}.${process.pid}.tmp`;
    await writeFile(partial, JSON.stringify(analysis))
      .then(() => rename(partial, cache))
      .catch(() => rm(partial, { force: true }));
  }
  return analysis;
}

/**
 * The plugin. By default it rewrites markdown-it where the bundle takes it in (the Lambda functions bundle their
 * dependencies). With `inline`, the output file of a bundle that leaves packages to be imported at run time
 * (`packages: 'external'`, as bin/herald.mjs's), it takes markdown-it's own file into that bundle, so that there is
 * something to rewrite, while markdown-it's imports stay imports: only when Node, from the bundle's folder, finds the
 * same markdown-it and the same package for each of its imports as it does from where they are installed. `cache`, a
 * file, keeps the rewritten module between bundles.
 *
 * @param {{ inline?: string, cache?: string }} [options]
 * @returns {import('esbuild').Plugin}
 */
export function markdownItFields(options = {}) {
  return {
    name: 'markdown-it-fields',
    setup(build) {
      const analyses = new Map();
      const analysed = (file) => {
        let analysis = analyses.get(file);
        if (!analysis) {
          analysis = analyse(file, options.cache).catch(() => undefined);
          analyses.set(file, analysis);
        }
        return analysis;
      };

      if (options.inline) {
        const bundleDir = path.dirname(path.resolve(options.inline));
        build.onResolve({ filter: /^markdown-it$/ }, async (args) => {
          const file = fileURLToPath(import.meta.resolve('markdown-it'));
          const installed = packageFolder('markdown-it', path.dirname(fileURLToPath(import.meta.url)));
          if (!MARKDOWN_IT_FILE.test(file) || !installed || !file.startsWith(installed + path.sep)) return undefined;
          if (packageFolder('markdown-it', args.resolveDir) !== installed || packageFolder('markdown-it', bundleDir) !== installed) {
            return undefined;
          }
          const imports = (await analysed(file))?.imports;
          if (!imports) return undefined;
          for (const specifier of imports) {
            const name = packageName(specifier);
            if (packageFolder(name, path.dirname(file)) !== packageFolder(name, bundleDir)) return undefined;
          }
          return { path: file };
        });
      }

      build.onLoad({ filter: MARKDOWN_IT_FILE }, async (args) => {
        const analysis = await analysed(args.path);
        return analysis && { contents: analysis.code, loader: 'js' };
      });
    },
  };
}
