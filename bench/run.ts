// `npm run bench`: each benchmark in a fresh process, so peak memory and cold-start figures are its own.
// Not run here, as they measure one step for whoever changes it (run each alone with `npx tsx bench/<file>`):
// post-path.ts (parsing and rendering per post), rss-items.ts (RSS items against `feed`'s), markdown-it-fields.ts
// (the bundles' markdown-it against the installed one).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const benches = [
  'build.ts',
  'rebuild-memory.ts',
  'storage.ts',
  'pipeline.ts',
  'infra.ts',
  'pathological.ts',
  'fanout.ts',
  'compression.ts',
].filter((file) => existsSync(path.join(here, file)));
/** A million synthetic posts live in this process's memory, with their index and feeds: about 7 GB. */
const nodeOptions: Record<string, string[]> = { 'fanout.ts': ['--max-old-space-size=14336'] };
let failed = false;
for (const file of benches) {
  console.log(`\n== bench/${file}`);
  const run = spawnSync(process.execPath, [...(nodeOptions[file] ?? []), '--import', 'tsx', path.join(here, file)], { stdio: 'inherit' });
  failed ||= run.status !== 0;
}
process.exitCode = failed ? 1 : 0;
