/**
 * `npm run bundle`: one minified ESM file per Lambda function in `dist/functions/` (`regenerate.mjs`, `tick.mjs`, `check.mjs`,
 * `rebuild.mjs`, each exporting `handler`), with source maps, for Node 20 and 22. The AWS SDK is bundled
 * rather than taken from the runtime, so the code runs against the SDK version it was tested with.
 */
import { build, type BuildOptions, type Metafile } from 'esbuild';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CREATE_REQUIRE_BANNER } from '../lib/pipeline/threads.ts';
import { esmYaml, sdkSchemaTreeShaking, stubs } from './bundle-plugins.ts';
import { markdownItFields } from './markdown-it-fields.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const FUNCTIONS = ['regenerate', 'rebuild', 'tick', 'check', 'rebuild-worker'] as const;
export type FunctionName = (typeof FUNCTIONS)[number];

export const DEFAULT_OUT_DIR = path.join(repo, 'dist', 'functions');

export interface BundleResult {
  outDir: string;
  files: Record<FunctionName, string>;
  /** Bytes of each bundle (without its source map). */
  sizes: Record<FunctionName, number>;
  metafile: Metafile;
}

export { CREATE_REQUIRE_BANNER };

export async function bundleFunctions(outDir: string = DEFAULT_OUT_DIR): Promise<BundleResult> {
  const result = await build({
    ...bundleOptions(),
    entryPoints: Object.fromEntries(FUNCTIONS.map((name) => [name, path.join(repo, 'functions', `${name}.ts`)])),
    outdir: outDir,
  });
  const files = {} as Record<FunctionName, string>;
  const sizes = {} as Record<FunctionName, number>;
  for (const name of FUNCTIONS) {
    files[name] = path.join(outDir, `${name}.mjs`);
    const output = result.metafile.outputs[path.relative(process.cwd(), files[name]).split(path.sep).join('/')];
    sizes[name] = output?.bytes ?? 0;
  }
  return { outDir, files, sizes, metafile: result.metafile };
}

/** How every function is bundled, without its entry points: tests bundle their own entries the same way. */
export function bundleOptions() {
  return {
    outExtension: { '.js': '.mjs' },
    bundle: true,
    // One file per function: shared chunks would need an extra import at cold start.
    splitting: false,
    minify: true,
    sourcemap: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    // The SDK's ESM builds tree-shake; its CommonJS ones pull in everything.
    mainFields: ['module', 'main'],
    banner: { js: CREATE_REQUIRE_BANNER },
    legalComments: 'linked',
    // Code the functions never run, left out (each plugin says why that is safe), and markdown-it's class fields
    // set by assignment rather than through a helper (scripts/markdown-it-fields.mjs).
    plugins: [sdkSchemaTreeShaking(), esmYaml(), stubs(), markdownItFields()],
    metafile: true,
    logLevel: 'warning',
  } satisfies BuildOptions;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const outDir = process.argv[2] ? path.resolve(process.argv[2]) : DEFAULT_OUT_DIR;
  const { files, sizes } = await bundleFunctions(outDir);
  for (const name of FUNCTIONS) console.log(`${path.relative(process.cwd(), files[name])}  ${(sizes[name] / 1024).toFixed(0)} KB`);
}
