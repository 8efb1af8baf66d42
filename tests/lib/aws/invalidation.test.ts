// Needs a real moto_server (tests/support/moto.ts): CloudFront CreateInvalidation, read back with List/GetInvalidation.
import { GetInvalidationCommand, ListInvalidationsCommand } from '@aws-sdk/client-cloudfront';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_WILDCARD_THRESHOLD,
  invalidate,
  invalidationBatchXml,
  InvalidationError,
  invalidationPaths,
} from '../../../lib/aws/invalidation.ts';
import { createTestDistribution } from '../../support/cloudfront.ts';
import { useMoto } from '../../support/moto.ts';
import { startScriptedServer } from '../../support/scripted-server.ts';

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

describe('invalidationBatchXml', () => {
  it('writes CloudFront’s 2020-05-31 request body, escaped', () => {
    expect(invalidationBatchXml(['/a.xml', '/b&c'], 'ref')).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><InvalidationBatch xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/">' +
        '<Paths><Quantity>2</Quantity><Items><Path>/a.xml</Path><Path>/b&amp;c</Path></Items></Paths>' +
        '<CallerReference>ref</CallerReference></InvalidationBatch>',
    );
  });
});

describe('invalidate against a throttling CloudFront', () => {
  it('retries with the same caller reference, so CloudFront sees one invalidation', async () => {
    const server = await startScriptedServer([
      {
        status: 400,
        body: '<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error></ErrorResponse>',
      },
      { status: 201, body: '<Invalidation><Id>I2J0I21PCUYOIK</Id><Status>InProgress</Status></Invalidation>' },
    ]);
    try {
      const result = await invalidate(['rss.xml'], {
        credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
        endpoint: server.endpoint,
        distributionId: 'E1',
        retry: { baseMs: 1 },
      });
      expect(result).toEqual({ id: 'I2J0I21PCUYOIK', paths: ['/rss.xml'] });
      const bodies = server.seen.map((request) => request.body);
      expect(bodies).toHaveLength(2);
      expect(bodies[1]).toBe(bodies[0]);
    } finally {
      await server.close();
    }
  });
});

describe('invalidate', () => {
  const moto = useMoto();

  it('sends one CreateInvalidation with exactly the changed paths', async () => {
    const id = await createTestDistribution(moto().cloudfront);
    const result = await invalidate(['tags/科技/rss.xml', 'rss.xml'], {
      credentials: moto().credentials,
      endpoint: moto().endpoint,
      distributionId: id,
    });
    expect(result?.paths).toEqual(['/rss.xml', '/tags/%E7%A7%91%E6%8A%80/rss.xml']);

    const list = await moto().cloudfront.send(new ListInvalidationsCommand({ DistributionId: id }));
    expect(list.InvalidationList?.Items).toHaveLength(1);
    const stored = await moto().cloudfront.send(new GetInvalidationCommand({ DistributionId: id, Id: result!.id }));
    expect(stored.Invalidation?.InvalidationBatch?.Paths?.Items).toEqual(result!.paths);
  });

  it('makes no call without a distribution or without changes', async () => {
    const id = await createTestDistribution(moto().cloudfront);
    expect(await invalidate(['rss.xml'], { credentials: moto().credentials, endpoint: moto().endpoint })).toBeNull();
    expect(await invalidate([], { credentials: moto().credentials, endpoint: moto().endpoint, distributionId: id })).toBeNull();
    const list = await moto().cloudfront.send(new ListInvalidationsCommand({ DistributionId: id }));
    expect(list.InvalidationList?.Items ?? []).toHaveLength(0);
  });

  it('reports CloudFront’s error code and message when it refuses', async () => {
    const error = await invalidate(['rss.xml'], {
      credentials: moto().credentials,
      endpoint: moto().endpoint,
      distributionId: 'ENOSUCH',
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidationError);
    expect(error).toMatchObject({ status: 404, code: 'NoSuchDistribution' });
    expect((error as Error).message).toMatch(/^CloudFront CreateInvalidation failed: 404 NoSuchDistribution/);
  });
});
