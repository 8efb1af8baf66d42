/**
 * esbuild plugins that keep code the Lambda functions never run out of their bundles (scripts/bundle.ts).
 * Each one is a claim about how Herald uses a dependency; tests/scripts/bundle.test.ts checks them.
 *
 * - `sdkSchemaTreeShaking`: the AWS SDK's schema modules key their objects by constants (`{ [_e]: _c }`),
 *   and esbuild must assume a computed key has side effects, so every shape of every operation stayed in
 *   (all of S3's API for the handful of operations Herald calls). Writing those keys as the string
 *   literals the constants hold lets esbuild drop unused shapes; the objects are the same.
 * - `esmYaml`: `yaml` resolves to its CommonJS build on Node, which esbuild cannot tree-shake; the same
 *   version's ES module build can be.
 * - `stubs`: replaces modules that a dependency loads but, as Herald calls it, never runs, with small
 *   modules in scripts/stubs/ that throw a clear error (and log a HERALD_NOT_BUNDLED warning) if run.
 *   Each stub says why it is safe; a stub applies only to the importer named here. One stub substitutes
 *   instead: htmlparser2 gets markdown-it's entity decoder rather than a second, older one
 *   (scripts/stubs/entities-decode.mjs says where the two differ).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'esbuild';

export const STUB_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'stubs');

/** The warning code a stub emits when it runs. */
export const NOT_BUNDLED_WARNING = 'HERALD_NOT_BUNDLED';

export interface Stub {
  /** The module specifier replaced. */
  module: string;
  /** The package whose imports of `module` are replaced (its own files only, not its dependencies'). */
  importer: string;
  /** File in scripts/stubs/. */
  file: string;
  /**
   * The package whose dependencies the stub's own bare imports come from; by default the importer's, so a
   * stub that narrows a package reaches the copy the importer depends on.
   */
  resolveFrom?: string;
  /**
   * The versions the stub's header was checked against: the importer (what it calls) and the package the
   * stub stands for (its files a stub may reach into). tests/scripts/stubs.test.ts fails when the installed
   * ones differ, so an upgrade cannot silently outdate a stub's claims.
   */
  checkedWith: { importer: string; module: string };
}

export const STUBS: readonly Stub[] = [
  { module: 'postcss', importer: 'sanitize-html', file: 'postcss.cjs', checkedWith: { importer: '2.17.5', module: '8.5.33' } },
  { module: 'htmlparser2', importer: 'sanitize-html', file: 'htmlparser2.mjs', checkedWith: { importer: '2.17.5', module: '10.1.0' } },
  { module: 'dayjs', importer: 'launder', file: 'dayjs.cjs', checkedWith: { importer: '1.7.2', module: '1.11.23' } },
  { module: 'js-yaml', importer: 'gray-matter', file: 'js-yaml.cjs', checkedWith: { importer: '4.0.3', module: '3.15.2' } },
  {
    module: 'entities/decode',
    importer: 'htmlparser2',
    file: 'entities-decode.mjs',
    resolveFrom: 'markdown-it',
    checkedWith: { importer: '10.1.0', module: '8.1.0' },
  },
  { module: 'linkify-it', importer: 'markdown-it', file: 'linkify-it.mjs', checkedWith: { importer: '15.0.3', module: '6.1.0' } },
  { module: 'xml-js', importer: 'feed', file: 'xml-js.mjs', checkedWith: { importer: '6.0.0', module: '1.6.11' } },
  {
    module: '@smithy/core/event-streams',
    importer: '@aws-sdk/client-s3',
    file: 'event-streams.mjs',
    checkedWith: { importer: '3.1175.0', module: '3.41.1' },
  },
  {
    module: '@smithy/core/event-streams',
    importer: '@smithy/core',
    file: 'event-streams.mjs',
    checkedWith: { importer: '3.41.1', module: '3.41.1' },
  },
  {
    module: '@aws-sdk/credential-provider-node',
    importer: '@aws-sdk/client-s3',
    file: 'credential-provider-node.mjs',
    checkedWith: { importer: '3.1175.0', module: '3.972.99' },
  },
];

/** The package holding a file: the name after the path's last `node_modules`. */
function packageOf(file: string): string | undefined {
  const parts = file.split(/[\\/]/);
  const at = parts.lastIndexOf('node_modules');
  if (at === -1) return undefined;
  const name = parts[at + 1];
  return name?.startsWith('@') ? `${name}/${parts[at + 2]}` : name;
}

/** The folder of package `name` that holds `entry`, one of its files: `.../node_modules/<name>/`. */
function packageRoot(entry: string, name: string): string | undefined {
  const marker = `${path.sep}node_modules${path.sep}${name.split('/').join(path.sep)}${path.sep}`;
  const at = entry.lastIndexOf(marker);
  return at === -1 ? undefined : entry.slice(0, at + marker.length);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

interface StubData {
  /** Where the replaced import was resolved from: the stub's own bare imports resolve from there too. */
  resolveDir: string;
}

export function stubs(list: readonly Stub[] = STUBS): Plugin {
  return {
    name: 'herald-stubs',
    setup(build) {
      const filter = new RegExp(`^(${list.map((stub) => escapeRegExp(stub.module)).join('|')})$`);
      build.onResolve({ filter }, async (args) => {
        const stub = list.find((candidate) => candidate.module === args.path && candidate.importer === packageOf(args.importer));
        if (!stub) return undefined;
        let resolveDir = args.resolveDir;
        if (stub.resolveFrom) {
          const entry = await build.resolve(stub.resolveFrom, { kind: 'import-statement', resolveDir: args.resolveDir });
          const root = entry.errors.length === 0 ? packageRoot(entry.path, stub.resolveFrom) : undefined;
          if (!root) return { errors: [{ text: `stub ${stub.file}: cannot find ${stub.resolveFrom}` }, ...entry.errors] };
          resolveDir = root;
        }
        return { path: path.join(STUB_DIR, stub.file), pluginData: { resolveDir } satisfies StubData };
      });
      const inStubDir = new RegExp(`^${escapeRegExp(STUB_DIR)}[\\\\/]`);
      build.onLoad({ filter: inStubDir }, async (args) => ({
        contents: await readFile(args.path, 'utf8'),
        loader: 'js',
        resolveDir: STUB_DIR,
        pluginData: args.pluginData as StubData | undefined,
      }));
      // A stub's bare imports (the real package it narrows) resolve as the replaced import would have, so
      // they reach the copy the importing package depends on. A file inside a package whose `exports` do
      // not list it is found from the package's own entry point.
      build.onResolve({ filter: /^[^./]/ }, async (args) => {
        const data = args.pluginData as StubData | undefined;
        if (!data || !inStubDir.test(args.importer)) return undefined;
        const result = await build.resolve(args.path, { kind: args.kind, resolveDir: data.resolveDir });
        if (result.errors.length === 0) return { path: result.path, sideEffects: result.sideEffects };
        const [, name, subpath] = /^((?:@[^/]+\/)?[^/]+)\/(.+)$/.exec(args.path) ?? [];
        if (!name || !subpath) return { errors: result.errors };
        const entry = await build.resolve(name, { kind: args.kind, resolveDir: data.resolveDir });
        const root = entry.errors.length === 0 ? packageRoot(entry.path, name) : undefined;
        const file = root && path.join(root, subpath);
        if (!file || !existsSync(file)) return { errors: result.errors };
        return { path: file };
      });
    },
  };
}

/**
 * The source with each computed key `[_name]:` written as the string literal that the module-level
 * `const _name = "..."` holds. Keys are rewritten only right after `{` or `,`, where a bracket can only
 * open a computed key, and never to `"__proto__"`, which as a literal key would set the prototype.
 */
export function inlineSchemaKeys(source: string): string {
  const constants = new Map<string, string>();
  for (const [, name, literal] of source.matchAll(/^const (_\w+) = ("[^"\\\n]*");$/gm)) {
    if (literal !== '"__proto__"') constants.set(name!, literal!);
  }
  return source.replace(/([{,]\s*)\[(_\w+)\]:/g, (all, before: string, name: string) => {
    const literal = constants.get(name);
    return literal === undefined ? all : `${before}${literal}:`;
  });
}

/** The AWS SDK clients' generated schema modules. */
export const SDK_SCHEMA_FILE = /[\\/]node_modules[\\/]@aws-sdk[\\/][^\\/]+[\\/]dist-es[\\/](?:.+[\\/])?schemas[\\/]schemas_\d+\.js$/;

export function sdkSchemaTreeShaking(): Plugin {
  return {
    name: 'herald-sdk-schema-tree-shaking',
    setup(build) {
      build.onLoad({ filter: SDK_SCHEMA_FILE }, async (args) => ({
        contents: inlineSchemaKeys(await readFile(args.path, 'utf8')),
        loader: 'js',
      }));
    },
  };
}

/**
 * `yaml` from its ES module build (`browser/dist/`, the same sources as the CommonJS `dist/`). They differ
 * only where lib/post/frontmatter.ts never goes: warnings (it parses with `logLevel: 'silent'`), the YAML
 * 1.1 `!!binary` tag (it uses the core schema without known tags), and a debug log switch.
 */
export function esmYaml(): Plugin {
  return {
    name: 'herald-esm-yaml',
    setup(build) {
      build.onResolve({ filter: /^yaml$/ }, async (args) => {
        if ((args.pluginData as { esmYaml?: boolean } | undefined)?.esmYaml) return undefined;
        const result = await build.resolve(args.path, {
          kind: args.kind,
          importer: args.importer,
          resolveDir: args.resolveDir,
          pluginData: { esmYaml: true },
        });
        if (result.errors.length > 0) return { errors: result.errors };
        const root = /^(.*[\\/]node_modules[\\/]yaml)[\\/]dist[\\/]index\.js$/.exec(result.path)?.[1];
        const esm = root && path.join(root, 'browser', 'dist', 'index.js');
        if (!esm || !existsSync(esm)) {
          return {
            errors: [
              {
                text: `yaml resolved to ${result.path}, not the dist/index.js beside a browser/dist/index.js that herald-esm-yaml expects`,
              },
            ],
          };
        }
        return { path: esm };
      });
    },
  };
}
