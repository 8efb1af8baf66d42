// A worker thread starts without the loader of the thread that made it: from the sources, tsx compiles
// the TypeScript here as well (a Lambda bundle needs no such step: it is its own entry, lib/pipeline/threads.ts).
import { tsImport } from 'tsx/esm/api';

await tsImport('./thread-worker.ts', import.meta.url);
