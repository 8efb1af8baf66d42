#!/usr/bin/env node
// The CLI is TypeScript; tsx loads it without a compile step so `npx herald` works from a checkout.
import { tsImport } from 'tsx/esm/api';

const { main } = await tsImport('../lib/cli.ts', import.meta.url);
process.exitCode = await main(process.argv.slice(2));
