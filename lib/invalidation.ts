import { CreateInvalidationCommand, type CloudFrontClient } from '@aws-sdk/client-cloudfront';
import { createHash } from 'node:crypto';

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
  client: CloudFrontClient;
  /** No distribution, no invalidation: local runs and stacks without a CDN. */
  distributionId?: string;
  wildcardThreshold?: number;
}

export interface InvalidationResult {
  id: string;
  paths: string[];
}

/**
 * One CreateInvalidation for a run's changed keys, or none when nothing changed or there is no distribution.
 * The caller reference is derived from the paths and the time, so a retried SDK call is not a second request.
 */
export async function invalidate(keys: Iterable<string>, options: InvalidationOptions): Promise<InvalidationResult | null> {
  if (!options.distributionId) return null;
  const paths = invalidationPaths(keys, options.wildcardThreshold);
  if (paths.length === 0) return null;
  const reference = createHash('sha256').update(`${Date.now()}\n${paths.join('\n')}`).digest('hex').slice(0, 32);
  const response = await options.client.send(
    new CreateInvalidationCommand({
      DistributionId: options.distributionId,
      InvalidationBatch: { CallerReference: `herald-${reference}`, Paths: { Quantity: paths.length, Items: paths } },
    }),
  );
  return { id: response.Invalidation?.Id ?? '', paths };
}
