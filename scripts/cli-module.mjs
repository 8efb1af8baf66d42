// The CLI's module (lib/cli.ts), as `herald` runs it: from one bundled file (dist/cli.mjs), made here with esbuild
// whenever a source is newer than it. Loading the sources through tsx costs 0.3 to 0.5 s at every start (and again
// in each worker thread of a build) and 35 to 50 MB, the bundle a tenth of that. Where the bundle cannot be made (no
// esbuild, a read-only checkout), tsx loads the sources as they are. HERALD_FROM_SOURCES=1 always does. The bundle
// leaves packages to be imported at run time but takes markdown-it in, with its class fields written as assignments
// (scripts/markdown-it-fields.mjs says why that is the same, and faster). bin/herald.mjs runs it; so does
// bench/build-run.mjs, which times builds as users run them.
import { mkdirSync, readdirSync, renameSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// One level below the checkout, as lib/ is: the CLI finds package.json at `../package.json`.
const bundle = path.join(repo, 'dist', 'cli.mjs');
// A file of the checkout the bundle depends on beside lib/ and the packages: the plugin that makes it.
const PLUGIN = 'scripts/markdown-it-fields.mjs';

/** The newest modification time among the sources the bundle is made of, and what decides their dependencies. */
function sourcesTime() {
  let newest = 0;
  for (const file of ['package.json', 'package-lock.json', 'tsconfig.json', PLUGIN]) {
    newest = Math.max(newest, statSync(path.join(repo, file), { throwIfNoEntry: false })?.mtimeMs ?? 0);
  }
  for (const entry of readdirSync(path.join(repo, 'lib'), { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

async function bundled() {
  if (process.env.HERALD_FROM_SOURCES === '1') return undefined;
  try {
    if ((statSync(bundle, { throwIfNoEntry: false })?.mtimeMs ?? 0) > sourcesTime()) return bundle;
    const { build, stop } = await import('esbuild');
    const { markdownItFields } = await import(pathToFileURL(path.join(repo, PLUGIN)).href);
    mkdirSync(path.dirname(bundle), { recursive: true });
    // Written aside and renamed: runs starting together never load a half-written bundle.
    const partial = `${bundle}.${process.pid}.tmp`;
    await build({
      entryPoints: [path.join(repo, 'lib', 'cli.ts')],
      outfile: partial,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'esm',
      packages: 'external',
      plugins: [markdownItFields({ inline: partial, cache: path.join(repo, 'dist', 'markdown-it-fields.json') })],
      logLevel: 'silent',
    }).finally(stop);
    renameSync(partial, bundle);
    return bundle;
  } catch {
    return undefined;
  }
}

/** @returns {Promise<typeof import('../lib/cli.ts')>} */
export async function cliModule() {
  const file = await bundled();
  return file ? import(pathToFileURL(file).href) : (await import('tsx/esm/api')).tsImport('../lib/cli.ts', import.meta.url);
}
