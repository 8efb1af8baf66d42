#!/usr/bin/env node
// The CLI is TypeScript, run from a bundle of it (scripts/cli-module.mjs says when and why). A build runs in a
// process of its own when V8's thread pool should be smaller than Node makes it (scripts/v8-pool.mjs says why).
import { cliModule } from '../scripts/cli-module.mjs';
import { poolOptions, runWith } from '../scripts/v8-pool.mjs';

const argv = process.argv.slice(2);
const options = poolOptions(argv);
if (options.length > 0) {
  process.exitCode = await runWith(options);
} else {
  const { main } = await cliModule();
  process.exitCode = await main(argv);
}
