// Types of scripts/markdown-it-fields.mjs (plain JavaScript so that bin/herald.mjs can load it before any TypeScript loader).
import type { Plugin } from 'esbuild';

export interface RewrittenClass {
  /** The name the class is bound to (`var Token = class {...}`). */
  name: string;
  /** Its fields now set by assignment, in order. */
  fields: string[];
}

export function rewriteFieldDefinitions(ts: typeof import('typescript'), source: string): { code: string; classes: RewrittenClass[] };

export function markdownItFields(options?: {
  /** The output file of a bundle made with `packages: 'external'`: markdown-it is taken into it where that is the same. */
  inline?: string;
  /** A file that keeps the rewritten module between bundles. */
  cache?: string;
}): Plugin;
