import { createHash } from 'node:crypto';
import { globalEndpoint, sendSigned, type Credentials, type SendOptions } from './signed-request.ts';
import { escapeText } from '../feeds/xml.ts';
import { HeraldError } from '../errors.ts';

/**
 * Past this many paths one wildcard is cheaper: CloudFront bills invalidation paths beyond 1,000 a month,
 * counts `/*` as one, and a burst that touched many feeds has changed most of the site anyway.
 */
export const DEFAULT_WILDCARD_THRESHOLD = 15;

/**
 * CloudFront paths for changed storage keys under the feeds root (the distribution's origin path is the
 * feeds prefix, so keys map to paths as they are). Each segment is percent-encoded, as a reader's request
 * for a Chinese tag arrives; a changed `index.html` also invalidates its folder, which the CDN serves as
 * the default root object. Sorted and deduplicated, so the same change always gives the same request.
 */
export function invalidationPaths(keys: Iterable<string>, wildcardThreshold = DEFAULT_WILDCARD_THRESHOLD): string[] {
  const paths = new Set<string>();
  for (const key of keys) {
    const path = `/${key.split('/').map(encodeURIComponent).join('/')}`;
    paths.add(path);
    if (key === 'index.html' || key.endsWith('/index.html')) paths.add(path.slice(0, -'index.html'.length));
  }
  if (paths.size > wildcardThreshold) return ['/*'];
  return [...paths].sort();
}

export interface InvalidationOptions {
  credentials: Credentials;
  /** No distribution, no invalidation: local runs and stacks without a CDN. */
  distributionId?: string;
  /** The functions' region: it names the partition, whose CloudFront API is used (default: AWS's global one). */
  region?: string;
  /** CloudFront's API base URL; an override for moto. */
  endpoint?: string;
  wildcardThreshold?: number;
  retry?: SendOptions;
}

export interface InvalidationResult {
  id: string;
  paths: string[];
}

/** CloudFront refused the invalidation; `code` is its error code (`NoSuchDistribution`, `AccessDenied`, ...). */
export class InvalidationError extends HeraldError {
  constructor(
    readonly status: number,
    readonly code: string,
    detail: string,
  ) {
    super(`CloudFront CreateInvalidation failed: ${status} ${code}${detail && `: ${detail}`}`);
    this.name = 'InvalidationError';
  }
}

const NAMESPACE = 'http://cloudfront.amazonaws.com/doc/2020-05-31/';

/** The CreateInvalidation request body (CloudFront API 2020-05-31, REST-XML). */
export function invalidationBatchXml(paths: string[], callerReference: string): string {
  const items = paths.map((path) => `<Path>${escapeText(path)}</Path>`).join('');
  return (
    `<?xml version="1.0" encoding="UTF-8"?>` +
    `<InvalidationBatch xmlns="${NAMESPACE}">` +
    `<Paths><Quantity>${paths.length}</Quantity><Items>${items}</Items></Paths>` +
    `<CallerReference>${escapeText(callerReference)}</CallerReference>` +
    `</InvalidationBatch>`
  );
}

/** The first `<name>` element's text in a CloudFront response; its values are plain tokens, never markup. */
function element(xml: string, name: string): string {
  return new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1] ?? '';
}

/**
 * One CreateInvalidation for a run's changed keys, or none when nothing changed or there is no distribution.
 * CloudFront is a global service: one API per partition (signed in us-east-1, or cn-northwest-1 from the
 * China regions). The caller reference is derived from the paths and
 * the time and stays the same across retries, so a retried request is not a second invalidation.
 */
export async function invalidate(keys: Iterable<string>, options: InvalidationOptions): Promise<InvalidationResult | null> {
  if (!options.distributionId) return null;
  const paths = invalidationPaths(keys, options.wildcardThreshold);
  if (paths.length === 0) return null;
  const reference = createHash('sha256')
    .update(`${Date.now()}\n${paths.join('\n')}`)
    .digest('hex')
    .slice(0, 32);
  const api = globalEndpoint('cloudfront', options.region);
  const response = await sendSigned(
    options.credentials,
    {
      service: 'cloudfront',
      region: api.region,
      endpoint: options.endpoint ?? api.endpoint,
      method: 'POST',
      path: `/2020-05-31/distribution/${encodeURIComponent(options.distributionId)}/invalidation`,
      headers: { 'content-type': 'application/xml' },
      body: invalidationBatchXml(paths, `herald-${reference}`),
    },
    options.retry,
  );
  if (response.status !== 201) {
    throw new InvalidationError(response.status, element(response.body, 'Code') || 'UnknownError', element(response.body, 'Message'));
  }
  return { id: element(response.body, 'Id'), paths };
}
