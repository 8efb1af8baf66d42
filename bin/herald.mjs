#!/usr/bin/env node
// The CLI is TypeScript, run from a bundle of it (scripts/cli-module.mjs says when and why).
import { cliModule } from '../scripts/cli-module.mjs';

const { main } = await cliModule();
process.exitCode = await main(process.argv.slice(2));
