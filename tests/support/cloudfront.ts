import {
  CreateDistributionCommand,
  GetInvalidationCommand,
  ListInvalidationsCommand,
  type CloudFrontClient,
} from '@aws-sdk/client-cloudfront';

/** A minimal distribution in moto, to receive invalidations. Returns its id. */
export async function createTestDistribution(client: CloudFrontClient, origin = 'feeds.s3.amazonaws.com'): Promise<string> {
  const response = await client.send(
    new CreateDistributionCommand({
      DistributionConfig: {
        CallerReference: `test-${Math.random().toString(36).slice(2)}`,
        Comment: 'herald test',
        Enabled: true,
        Origins: { Quantity: 1, Items: [{ Id: 'feeds', DomainName: origin, S3OriginConfig: { OriginAccessIdentity: '' } }] },
        DefaultCacheBehavior: {
          TargetOriginId: 'feeds',
          ViewerProtocolPolicy: 'redirect-to-https',
          MinTTL: 0,
          ForwardedValues: { QueryString: false, Cookies: { Forward: 'none' } },
        },
      },
    }),
  );
  return response.Distribution!.Id!;
}

/** The paths of every invalidation a distribution received, oldest first. */
export async function invalidatedPaths(client: CloudFrontClient, distributionId: string): Promise<string[][]> {
  const list = await client.send(new ListInvalidationsCommand({ DistributionId: distributionId }));
  const batches: { time: number; paths: string[] }[] = [];
  for (const item of list.InvalidationList?.Items ?? []) {
    const { Invalidation } = await client.send(new GetInvalidationCommand({ DistributionId: distributionId, Id: item.Id! }));
    batches.push({ time: Invalidation?.CreateTime?.getTime() ?? 0, paths: Invalidation?.InvalidationBatch?.Paths?.Items ?? [] });
  }
  // Ordered by creation, not by the listing's order (which differs between CloudFront and moto).
  return batches.sort((a, b) => a.time - b.time).map((batch) => batch.paths);
}
