// Types of scripts/v8-pool.mjs (plain JavaScript so that bin/herald.mjs can load it before any TypeScript loader).

export const VALUE_OPTIONS: readonly string[];

export function poolOptions(
  argv: readonly string[],
  started?: { execArgv?: readonly string[]; nodeOptions?: string; cores?: number },
): string[];

export function runWith(options: readonly string[]): Promise<number>;
