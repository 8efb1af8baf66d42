/**
 * The environment contract between the CDK stack (infra/pipeline.ts), which sets the functions' variables,
 * and the functions (lib/aws/runtime.ts), which read them. Both go through this module: the stack writes
 * `environmentOf(settings)` and the functions read `readSettings(env)`, so a variable cannot be set by one
 * and ignored by the other (tests/infra/stack.test.ts reads every function's environment back).
 */
import { parseConfig, type SiteConfig } from '../config.ts';
import { headerValueProblem } from '../storage/semantics.ts';
import { DEFAULT_WILDCARD_THRESHOLD } from './invalidation.ts';
import { type Env, EnvironmentError } from './clients.ts';

export interface RuntimeSettings {
  contentBucket: string;
  contentPrefix: string;
  feedsBucket: string;
  feedsPrefix: string;
  statePrefix: string;
  distributionId?: string;
  cacheControl?: string;
  /** Cache-Control of sealed archive pages, over the site configuration's `archives.cacheControl` when archives are on. */
  archiveCacheControl?: string;
  websubHub?: string;
  wildcardThreshold: number;
  rebuildFunctionName?: string;
  /** The work queue of the fanned-out rebuild (lib/pipeline/fanout/); without it the rebuild reads every post itself. */
  rebuildQueueUrl?: string;
  /** Posts per task of a fanned-out rebuild (the rebuild's default when absent). */
  rebuildTaskKeys?: number;
}

/** Each setting's variable. */
export const VARIABLES = {
  contentBucket: 'CONTENT_BUCKET',
  contentPrefix: 'CONTENT_PREFIX',
  feedsBucket: 'FEEDS_BUCKET',
  feedsPrefix: 'FEEDS_PREFIX',
  statePrefix: 'STATE_PREFIX',
  distributionId: 'DISTRIBUTION_ID',
  cacheControl: 'CACHE_CONTROL',
  archiveCacheControl: 'ARCHIVE_CACHE_CONTROL',
  websubHub: 'WEBSUB_HUB',
  wildcardThreshold: 'INVALIDATION_WILDCARD_THRESHOLD',
  rebuildFunctionName: 'REBUILD_FUNCTION_NAME',
  rebuildQueueUrl: 'REBUILD_QUEUE_URL',
  rebuildTaskKeys: 'REBUILD_TASK_KEYS',
} as const satisfies Record<keyof RuntimeSettings, string>;

/** Key prefixes of the three stores. */
export interface Prefixes {
  /** Posts and the site configuration live under it in the content bucket. */
  content: string;
  /** What CloudFront serves, in the feeds bucket ('' = the whole bucket). */
  feeds: string;
  /** The pipeline's index in the feeds bucket: never served. */
  state: string;
}

export const DEFAULT_PREFIXES: Prefixes = { content: 'posts/', feeds: '', state: '_herald/' };

/** The one rule for a prefix: a problem that could widen a policy, a filter or a listing beyond what it says. */
export function prefixProblem(value: string, allowEmpty: boolean): string | undefined {
  if (value === '') return allowEmpty ? undefined : 'must not be empty';
  if (value.startsWith('/')) return 'must not start with "/"';
  if (!value.endsWith('/')) return 'must end with "/"';
  if (/[*?]/.test(value)) return 'must not contain "*" or "?" (it is used in IAM resource patterns)';
  if (value.split('/').some((segment) => segment === '.' || segment === '..')) return 'must not contain "." or ".." segments';
  return undefined;
}

/** The prefixes, checked together: the index must stay out of the served tree and out of the feed folders. */
export function checkPrefixes(prefixes: Prefixes, names: Record<keyof Prefixes, string>): string[] {
  const problems: string[] = [];
  for (const part of ['content', 'feeds', 'state'] as const) {
    const problem = prefixProblem(prefixes[part], part !== 'state');
    if (problem) problems.push(`${names[part]} ${JSON.stringify(prefixes[part])} ${problem}`);
  }
  const { feeds, state } = prefixes;
  // With a non-empty feeds prefix CloudFront's origin path is that prefix: state inside it would be in reach.
  if (feeds !== '' && (state.startsWith(feeds) || feeds.startsWith(state))) {
    problems.push(`${names.state} "${state}" and ${names.feeds} "${feeds}" must not contain one another`);
  }
  // The feed tree owns these folders (lib/feeds layout); the index must not share them.
  const feedFolders = ['categories/', 'tags/'].map((folder) => feeds + folder);
  if (feedFolders.some((folder) => state.startsWith(folder))) {
    problems.push(`${names.state} "${state}" lies inside the feed tree (${feedFolders.join(', ')})`);
  }
  return problems;
}

function required(env: Env, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new EnvironmentError(`${name} is not set`);
  return value;
}

function optional(env: Env, name: string): string | undefined {
  return env[name]?.trim() || undefined;
}

function wholeNumber(env: Env, name: string, minimum: number): number | undefined {
  const value = optional(env, name);
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < minimum) {
    throw new EnvironmentError(`${name} must be a whole number${minimum > 0 ? ` from ${minimum}` : ''}, got ${value}`);
  }
  return Number(value);
}

function url(env: Env, name: string): string | undefined {
  const value = optional(env, name);
  if (value !== undefined && !URL.canParse(value)) throw new EnvironmentError(`${name} is not a URL: ${value}`);
  return value;
}

// CACHE_CONTROL is checked where it replaces the file's value (parseConfig); this one is applied after parsing.
function headerValue(env: Env, name: string): string | undefined {
  const value = optional(env, name);
  const problem = value === undefined ? null : headerValueProblem(value);
  if (problem !== null) throw new EnvironmentError(`${name} ${problem}, got ${JSON.stringify(value)}`);
  return value;
}

/** Reads and checks the environment contract; throws `EnvironmentError` naming the variable. */
export function readSettings(env: Env = process.env): RuntimeSettings {
  const prefixes: Prefixes = {
    content: env[VARIABLES.contentPrefix] ?? DEFAULT_PREFIXES.content,
    feeds: env[VARIABLES.feedsPrefix] ?? DEFAULT_PREFIXES.feeds,
    state: env[VARIABLES.statePrefix] ?? DEFAULT_PREFIXES.state,
  };
  const problems = checkPrefixes(prefixes, {
    content: VARIABLES.contentPrefix,
    feeds: VARIABLES.feedsPrefix,
    state: VARIABLES.statePrefix,
  });
  if (problems.length > 0) throw new EnvironmentError(problems.join('; '));
  const settings: RuntimeSettings = {
    contentBucket: required(env, VARIABLES.contentBucket),
    contentPrefix: prefixes.content,
    feedsBucket: required(env, VARIABLES.feedsBucket),
    feedsPrefix: prefixes.feeds,
    statePrefix: prefixes.state,
    wildcardThreshold: wholeNumber(env, VARIABLES.wildcardThreshold, 0) ?? DEFAULT_WILDCARD_THRESHOLD,
  };
  const distributionId = optional(env, VARIABLES.distributionId);
  if (distributionId) settings.distributionId = distributionId;
  const cacheControl = optional(env, VARIABLES.cacheControl);
  if (cacheControl) settings.cacheControl = cacheControl;
  const archiveCacheControl = headerValue(env, VARIABLES.archiveCacheControl);
  if (archiveCacheControl) settings.archiveCacheControl = archiveCacheControl;
  const websubHub = url(env, VARIABLES.websubHub);
  if (websubHub) settings.websubHub = websubHub;
  const rebuildFunctionName = optional(env, VARIABLES.rebuildFunctionName);
  if (rebuildFunctionName) settings.rebuildFunctionName = rebuildFunctionName;
  const rebuildQueueUrl = url(env, VARIABLES.rebuildQueueUrl);
  if (rebuildQueueUrl) settings.rebuildQueueUrl = rebuildQueueUrl;
  const rebuildTaskKeys = wholeNumber(env, VARIABLES.rebuildTaskKeys, 1);
  if (rebuildTaskKeys !== undefined) settings.rebuildTaskKeys = rebuildTaskKeys;
  return settings;
}

/** The variables that give these settings: what the stack sets (values may be CloudFormation tokens there). */
export function environmentOf(settings: Partial<RuntimeSettings>): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const [field, name] of Object.entries(VARIABLES) as [keyof RuntimeSettings, string][]) {
    const value = settings[field];
    if (value !== undefined) environment[name] = String(value);
  }
  return environment;
}

/**
 * The site configuration the functions run with: `herald.config.json` with the stack's values over the file's. Every
 * function reads it through here, since the index and a fanned-out rebuild's tasks carry its fingerprint.
 */
export function siteConfigOf(text: string, source: string, settings: RuntimeSettings): SiteConfig {
  const { websubHub, cacheControl, archiveCacheControl } = settings;
  const site = parseConfig(text, source, { websubHub, cacheControl });
  // The stack says how long sealed pages may be kept, not whether there are any: a file that turns archives off wins.
  if (site.archives && archiveCacheControl) site.archives = { ...site.archives, cacheControl: archiveCacheControl };
  return site;
}
