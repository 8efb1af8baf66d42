// One entry bundled as the Lambda functions are (markdown-it inside), with markdown-it's class fields rewritten to
// assignments or left as installed: what tests/scripts/markdown-it-fields.test.ts and bench/markdown-it-fields.ts
// compare.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { NODE_ESM_BUNDLE } from '../../lib/pipeline/threads.ts';
import { markdownItFields } from '../../scripts/markdown-it-fields.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** `entry` (TypeScript, its imports resolved from the checkout) bundled into `outfile`, which it returns. */
export async function bundleEntry(entry: string, outfile: string, rewrite: boolean): Promise<string> {
  await build({
    stdin: { contents: entry, resolveDir: repo, loader: 'ts' },
    outfile,
    ...NODE_ESM_BUNDLE,
    plugins: rewrite ? [markdownItFields()] : [],
    logLevel: 'error',
  });
  return outfile;
}
