/** Key prefixes of the three stores, checked once so that IAM resources, filters and env vars agree. */
export interface Prefixes {
  /** Posts and `herald.config.json` live under it in the content bucket. */
  content: string;
  /** What CloudFront serves, in the feeds bucket ('' = the whole bucket). */
  feeds: string;
  /** The pipeline's index in the feeds bucket: never served. */
  state: string;
}

export const DEFAULT_PREFIXES: Prefixes = { content: 'posts/', feeds: '', state: '_herald/' };

export const CONFIG_FILE = 'herald.config.json';

/** Throws an error naming the property when a prefix could widen a policy or a filter beyond what it says. */
export function checkPrefix(name: string, value: string, allowEmpty: boolean): string {
  const problem =
    value === ''
      ? allowEmpty
        ? undefined
        : 'must not be empty'
      : value.startsWith('/')
        ? 'must not start with "/"'
        : !value.endsWith('/')
          ? 'must end with "/"'
          : /[*?]/.test(value)
            ? 'must not contain "*" or "?" (it is used in IAM resource patterns)'
            : value.split('/').some((segment) => segment === '.' || segment === '..')
              ? 'must not contain "." or ".." segments'
              : undefined;
  if (problem) throw new Error(`${name} ${JSON.stringify(value)} ${problem}`);
  return value;
}

export function resolvePrefixes(given: Partial<Prefixes>): Prefixes {
  const prefixes: Prefixes = {
    content: checkPrefix('contentPrefix', given.content ?? DEFAULT_PREFIXES.content, true),
    feeds: checkPrefix('feedsPrefix', given.feeds ?? DEFAULT_PREFIXES.feeds, true),
    state: checkPrefix('statePrefix', given.state ?? DEFAULT_PREFIXES.state, false),
  };
  // With a non-empty feeds prefix CloudFront's origin path is that prefix: state inside it would be in reach.
  if (prefixes.feeds !== '' && (prefixes.state.startsWith(prefixes.feeds) || prefixes.feeds.startsWith(prefixes.state))) {
    throw new Error(`statePrefix "${prefixes.state}" and feedsPrefix "${prefixes.feeds}" must not contain one another`);
  }
  // The feed tree owns these folders (lib/feeds layout); the index must not share them.
  const feedFolders = ['categories/', 'tags/'].map((folder) => prefixes.feeds + folder);
  if (feedFolders.some((folder) => prefixes.state.startsWith(folder))) {
    throw new Error(`statePrefix "${prefixes.state}" lies inside the feed tree (${feedFolders.join(', ')})`);
  }
  return prefixes;
}
