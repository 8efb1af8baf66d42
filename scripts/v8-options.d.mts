// Types of scripts/v8-options.mjs (plain JavaScript so that bin/herald.mjs can load it before any TypeScript loader).

export const VALUE_OPTIONS: readonly string[];

export function v8Options(
  argv: readonly string[],
  started?: { execArgv?: readonly string[]; nodeOptions?: string; cores?: number },
): string[];

export function buildEnvironment(env?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;

export function runWith(options: readonly string[]): Promise<number>;
