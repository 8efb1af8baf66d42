import { checkPrefixes, DEFAULT_PREFIXES, type Prefixes } from '../lib/aws/environment.ts';

export type { Prefixes };

/** The stack's prefixes, checked by the functions' own rule (lib/aws/environment.ts) before any resource uses them. */
export function resolvePrefixes(given: Partial<Prefixes>): Prefixes {
  const prefixes: Prefixes = {
    content: given.content ?? DEFAULT_PREFIXES.content,
    feeds: given.feeds ?? DEFAULT_PREFIXES.feeds,
    state: given.state ?? DEFAULT_PREFIXES.state,
  };
  const problems = checkPrefixes(prefixes, { content: 'contentPrefix', feeds: 'feedsPrefix', state: 'statePrefix' });
  if (problems.length > 0) throw new Error(problems.join('; '));
  return prefixes;
}
