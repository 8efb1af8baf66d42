import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Duration } from 'aws-cdk-lib';
import { PriceClass } from 'aws-cdk-lib/aws-cloudfront';
import { Schedule } from 'aws-cdk-lib/aws-events';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { FeedAlias } from '../lib/aliases.ts';
import { parseConfig } from '../lib/config.ts';
import { messageOf } from '../lib/errors.ts';
import type { LogLevel } from './pipeline.ts';
import type { HeraldStackProps } from './stack.ts';

/**
 * Stack props from CDK context (`cdk.json` or `-c herald:name=value`), so a deployment is configured without
 * editing code. Values given with `-c` arrive as strings; `cdk.json` may hold numbers, booleans or arrays.
 */
export const CONTEXT_KEYS = [
  'stackName',
  'code',
  'contentPrefix',
  'feedsPrefix',
  'statePrefix',
  'domainNames',
  'certificateArn',
  'priceClass',
  'alarmTopicArn',
  'checkSchedule',
  'websubHub',
  'freshnessSeconds',
  'archiveFreshnessSeconds',
  'invalidation',
  'logLevel',
  'logRetentionDays',
  'regenerateMemory',
  'regenerateTimeoutSeconds',
  'rebuildMemory',
  'rebuildTimeoutSeconds',
  'batchSize',
  'batchingWindowSeconds',
  'noncurrentVersionDays',
  'siteConfig',
] as const;
export type ContextKey = (typeof CONTEXT_KEYS)[number];

export class ContextError extends Error {
  constructor(key: ContextKey, value: unknown, problem: string) {
    super(`context herald:${key}=${JSON.stringify(value)}: ${problem}`);
    this.name = 'ContextError';
  }
}

const LOG_LEVELS: readonly LogLevel[] = ['DEBUG', 'INFO', 'WARN', 'ERROR'];
const PRICE_CLASSES = Object.values(PriceClass) as string[];
const RETENTION_DAYS = Object.values(RetentionDays).filter((days): days is number => typeof days === 'number');

export interface AppSettings {
  stackName: string;
  props: HeraldStackProps;
}

/**
 * The `aliases` of the site's herald.config.json (`herald:siteConfig`), answered by a CloudFront Function: the stack
 * needs them at deploy time, while the functions read the configuration from the content bucket. A mistake in the
 * file fails the synth with the same problems `herald build` reports.
 */
function aliasesOf(file: string): FeedAlias[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ContextError(
      'siteConfig',
      file,
      `cannot read the site configuration (${(error as NodeJS.ErrnoException).code ?? messageOf(error)})`,
    );
  }
  return parseConfig(text, file).aliases ?? [];
}

/** `get` reads one context value (`node.tryGetContext`); unknown `herald:` keys are reported, not ignored. */
export function settingsFromContext(get: (key: string) => unknown, allKeys: string[] = [], cwd = process.cwd()): AppSettings {
  const unknown = allKeys.filter((key) => key.startsWith('herald:') && !(CONTEXT_KEYS as readonly string[]).includes(key.slice(7)));
  if (unknown.length > 0)
    throw new Error(`unknown context ${unknown.join(', ')}; known: ${CONTEXT_KEYS.map((k) => `herald:${k}`).join(', ')}`);

  const raw = (key: ContextKey): unknown => get(`herald:${key}`);
  const text = (key: ContextKey): string | undefined => {
    const value = raw(key);
    if (value === undefined) return undefined;
    if (typeof value !== 'string') throw new ContextError(key, value, 'must be a string');
    return value;
  };
  const int = (key: ContextKey, min: number, max: number): number | undefined => {
    const value = raw(key);
    if (value === undefined) return undefined;
    const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : NaN;
    if (!Number.isInteger(n) || n < min || n > max) throw new ContextError(key, value, `must be an integer from ${min} to ${max}`);
    return n;
  };
  const oneOf = <T extends string | number>(key: ContextKey, allowed: readonly T[], parsed: T | undefined): T | undefined => {
    if (parsed !== undefined && !allowed.includes(parsed)) throw new ContextError(key, raw(key), `must be one of ${allowed.join(', ')}`);
    return parsed;
  };
  const flag = (key: ContextKey): boolean | undefined => {
    const value = raw(key);
    if (value === undefined || typeof value === 'boolean') return value;
    if (value === 'true' || value === 'false') return value === 'true';
    throw new ContextError(key, value, 'must be true or false');
  };
  const seconds = (key: ContextKey, min: number, max: number) => {
    const n = int(key, min, max);
    return n === undefined ? undefined : Duration.seconds(n);
  };
  const size = (memoryKey: ContextKey, timeoutKey: ContextKey) => {
    const memorySize = int(memoryKey, 128, 10_240);
    const timeout = seconds(timeoutKey, 1, 900);
    return { ...(memorySize === undefined ? {} : { memorySize }), ...(timeout === undefined ? {} : { timeout }) };
  };

  const domains = raw('domainNames');
  const domainNames =
    domains === undefined
      ? undefined
      : Array.isArray(domains) && domains.every((d) => typeof d === 'string')
        ? domains
        : typeof domains === 'string'
          ? domains
              .split(',')
              .map((d) => d.trim())
              .filter(Boolean)
          : (() => {
              throw new ContextError('domainNames', domains, 'must be a list of names or a comma-separated string');
            })();
  const schedule = text('checkSchedule');
  if (schedule !== undefined && !/^(rate|cron)\(.+\)$/.test(schedule)) {
    throw new ContextError('checkSchedule', schedule, 'must be an EventBridge expression like "rate(1 day)" or "cron(0 4 * * ? *)"');
  }
  const code = text('code');
  const siteConfig = text('siteConfig');
  const logLevel = text('logLevel')?.toUpperCase() as LogLevel | undefined;

  const props: HeraldStackProps = {
    codePath: code === undefined ? undefined : path.resolve(cwd, code),
    contentPrefix: text('contentPrefix'),
    feedsPrefix: text('feedsPrefix'),
    statePrefix: text('statePrefix'),
    domainNames,
    certificateArn: text('certificateArn'),
    priceClass: oneOf('priceClass', PRICE_CLASSES, text('priceClass')) as PriceClass | undefined,
    alarmTopicArn: text('alarmTopicArn'),
    checkSchedule: schedule === undefined ? undefined : Schedule.expression(schedule),
    websubHub: text('websubHub'),
    freshness: seconds('freshnessSeconds', 1, 86_400),
    archiveFreshness: seconds('archiveFreshnessSeconds', 1, 31_536_000),
    invalidation: flag('invalidation'),
    logLevel: oneOf('logLevel', LOG_LEVELS, logLevel),
    logRetention: oneOf('logRetentionDays', RETENTION_DAYS, int('logRetentionDays', 1, 10_000)) as RetentionDays | undefined,
    regenerate: size('regenerateMemory', 'regenerateTimeoutSeconds'),
    rebuild: size('rebuildMemory', 'rebuildTimeoutSeconds'),
    batchSize: int('batchSize', 1, 10_000),
    batchingWindow: seconds('batchingWindowSeconds', 0, 300),
    noncurrentVersionDays: int('noncurrentVersionDays', 0, 36_500),
    aliases: siteConfig === undefined ? undefined : aliasesOf(path.resolve(cwd, siteConfig)),
  };
  const defined = Object.fromEntries(Object.entries(props).filter(([, value]) => value !== undefined)) as HeraldStackProps;
  return { stackName: text('stackName') ?? 'Herald', props: defined };
}
