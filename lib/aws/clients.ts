import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { HeraldError } from '../errors.ts';

/**
 * AWS clients built from the environment contract (README): `AWS_REGION` (or `AWS_DEFAULT_REGION`),
 * `AWS_ENDPOINT_URL` (the SDK's own variable, also per service: `AWS_ENDPOINT_URL_S3`, ...) and
 * `S3_FORCE_PATH_STYLE` for S3-compatible endpoints (moto, MinIO) that cannot serve `bucket.host` names.
 * Credentials come from the SDK's default provider chain unless `config` says otherwise.
 *
 * The SDK reads region and endpoint from `process.env` by itself; resolving them here from an explicit
 * `env` lets tests and the local AWS loop point clients at moto without touching the process environment.
 */
export type Env = Record<string, string | undefined>;

export interface AwsSettings {
  region?: string;
  /** Per-service endpoints; absent means the SDK default (AWS itself). */
  endpoints: { s3?: string; sqs?: string; cloudfront?: string; lambda?: string };
  forcePathStyle: boolean;
}

export class EnvironmentError extends HeraldError {
  constructor(message: string) {
    super(message);
    this.name = 'EnvironmentError';
  }
}

const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['', '0', 'false', 'no', 'off']);

/** Parses a boolean variable; anything unrecognized is an error rather than a silent `false`. */
export function envFlag(env: Env, name: string): boolean {
  const raw = (env[name] ?? '').trim().toLowerCase();
  if (TRUE.has(raw)) return true;
  if (FALSE.has(raw)) return false;
  throw new EnvironmentError(`${name} must be true or false, got ${JSON.stringify(env[name])}`);
}

function endpoint(env: Env, service: string): string | undefined {
  const name = env[`AWS_ENDPOINT_URL_${service}`] ? `AWS_ENDPOINT_URL_${service}` : 'AWS_ENDPOINT_URL';
  const value = env[name] || undefined;
  if (value === undefined) return undefined;
  // `localhost:9000` parses as a URL with the scheme `localhost:`: insist on http(s).
  if (!/^https?:$/.test(protocolOf(value))) {
    throw new EnvironmentError(`${name} must be an http(s) URL, got ${JSON.stringify(value)}`);
  }
  return value;
}

function protocolOf(url: string): string {
  try {
    return new URL(url).protocol;
  } catch {
    return '';
  }
}

export function awsSettings(env: Env = process.env): AwsSettings {
  return {
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined,
    endpoints: {
      s3: endpoint(env, 'S3'),
      sqs: endpoint(env, 'SQS'),
      cloudfront: endpoint(env, 'CLOUDFRONT'),
      lambda: endpoint(env, 'LAMBDA'),
    },
    forcePathStyle: envFlag(env, 'S3_FORCE_PATH_STYLE'),
  };
}

export function createS3Client(env: Env = process.env, config: S3ClientConfig = {}): S3Client {
  const settings = awsSettings(env);
  return new S3Client({
    region: settings.region,
    endpoint: settings.endpoints.s3,
    forcePathStyle: settings.forcePathStyle,
    ...config,
  });
}
