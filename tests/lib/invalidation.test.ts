// Needs a real moto_server (tests/support/moto.ts): CloudFront CreateInvalidation, read back with List/GetInvalidation.
import { GetInvalidationCommand, ListInvalidationsCommand } from '@aws-sdk/client-cloudfront';
import { describe, expect, it } from 'vitest';
import { DEFAULT_WILDCARD_THRESHOLD, invalidate, invalidationPaths } from '../../lib/invalidation.ts';
import { createTestDistribution } from '../support/cloudfront.ts';
import { useMoto } from '../support/moto.ts';

describe('invalidationPaths', () => {
  it('maps feed keys to percent-encoded paths, sorted and deduplicated', () => {
    expect(invalidationPaths(['tags/科技/rss.xml', 'rss.xml', 'tags/a b+c/feed.json', 'rss.xml'])).toEqual([
      '/rss.xml',
      '/tags/%E7%A7%91%E6%8A%80/rss.xml',
      '/tags/a%20b%2Bc/feed.json',
    ]);
  });

  it('invalidates the folder of a changed index.html too: the CDN serves it as the root object', () => {
    expect(invalidationPaths(['index.html', 'feeds.opml'])).toEqual(['/', '/feeds.opml', '/index.html']);
  });

  it('switches to one wildcard past the threshold, counting distinct paths', () => {
    const keys = Array.from({ length: DEFAULT_WILDCARD_THRESHOLD }, (_, i) => `tags/t${i}/rss.xml`);
    expect(invalidationPaths([...keys, ...keys])).toHaveLength(DEFAULT_WILDCARD_THRESHOLD);
    expect(invalidationPaths([...keys, 'rss.xml'])).toEqual(['/*']);
    expect(invalidationPaths(['a.xml', 'b.xml', 'c.xml'], 2)).toEqual(['/*']);
  });

  it('gives nothing for nothing', () => {
    expect(invalidationPaths([])).toEqual([]);
  });
});

describe('invalidate', () => {
  const moto = useMoto();

  it('sends one CreateInvalidation with exactly the changed paths', async () => {
    const id = await createTestDistribution(moto().cloudfront);
    const result = await invalidate(['tags/科技/rss.xml', 'rss.xml'], { client: moto().cloudfront, distributionId: id });
    expect(result?.paths).toEqual(['/rss.xml', '/tags/%E7%A7%91%E6%8A%80/rss.xml']);

    const list = await moto().cloudfront.send(new ListInvalidationsCommand({ DistributionId: id }));
    expect(list.InvalidationList?.Items).toHaveLength(1);
    const stored = await moto().cloudfront.send(new GetInvalidationCommand({ DistributionId: id, Id: result!.id }));
    expect(stored.Invalidation?.InvalidationBatch?.Paths?.Items).toEqual(result!.paths);
  });

  it('makes no call without a distribution or without changes', async () => {
    const id = await createTestDistribution(moto().cloudfront);
    expect(await invalidate(['rss.xml'], { client: moto().cloudfront })).toBeNull();
    expect(await invalidate([], { client: moto().cloudfront, distributionId: id })).toBeNull();
    const list = await moto().cloudfront.send(new ListInvalidationsCommand({ DistributionId: id }));
    expect(list.InvalidationList?.Items ?? []).toHaveLength(0);
  });
});
