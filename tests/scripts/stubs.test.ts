// The esbuild stubs (scripts/stubs/) replace parts of other packages and some reach into their internal files
// (htmlparser2's dist/esm/Parser.js, xml-js's lib/js2xml.js). Each header says what the importer calls and what
// the stubbed package holds, checked against one installed version of each: an upgrade must be re-checked.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { STUBS } from '../../scripts/bundle-plugins.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');

/** The folder of package `name` as Node finds it from `fromDir`: the nearest node_modules holding it. */
function packageDir(name: string, fromDir: string): string | undefined {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (path.dirname(dir) === dir) return undefined;
  }
}

function versionAt(dir: string): string {
  return (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string }).version;
}

/** `entities/decode` is a file of package `entities`; `@scope/name/sub` of `@scope/name`. */
function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

describe('the bundle stubs', () => {
  it.each(STUBS.map((stub) => [stub.file, stub] as const))('%s was checked against the installed packages', (_file, stub) => {
    const importerDir = packageDir(stub.importer, repoRoot);
    expect(importerDir, `${stub.importer} is not installed`).toBeDefined();
    const base = stub.resolveFrom ? packageDir(stub.resolveFrom, repoRoot) : importerDir;
    const moduleName = packageName(stub.module);
    const moduleDir = base && packageDir(moduleName, base);
    expect(moduleDir, `${moduleName} is not installed where ${stub.resolveFrom ?? stub.importer} finds it`).toBeDefined();
    const installed = { importer: versionAt(importerDir!), module: versionAt(moduleDir!) };
    expect(
      installed,
      `scripts/stubs/${stub.file} was checked with ${stub.importer} ${stub.checkedWith.importer} and ${moduleName} ` +
        `${stub.checkedWith.module}; now ${stub.importer} ${installed.importer} and ${moduleName} ${installed.module} are ` +
        `installed. Re-check what its header claims (what ${stub.importer} calls, which files of ${moduleName} it reaches), ` +
        'run tests/scripts/bundle.test.ts, then update checkedWith in scripts/bundle-plugins.ts.',
    ).toEqual(stub.checkedWith);
  });
});
