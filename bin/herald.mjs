#!/usr/bin/env node
// The CLI is TypeScript, run from a bundle of it (scripts/cli-module.mjs says when and why). A build runs in a
// process of its own, started with V8 options that only a new process can take (scripts/v8-options.mjs says why).
import { cliModule } from '../scripts/cli-module.mjs';
import { runWith, v8Options } from '../scripts/v8-options.mjs';

const argv = process.argv.slice(2);
const options = v8Options(argv);
if (options.length > 0) {
  process.exitCode = await runWith(options);
} else {
  const { main } = await cliModule();
  process.exitCode = await main(argv);
}
