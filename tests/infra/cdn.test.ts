import { beforeAll, describe, expect, it } from 'vitest';
import { DIRECTORY_CSP } from '../../lib/directory/page.ts';
import { FEED_FILES } from '../../lib/feeds/types.ts';
import { directoryFiles } from '../../lib/pipeline/outputs.ts';
import { COMPRESSIBLE_TYPES } from '../../lib/serve/server.ts';
import { siteConfig } from '../support/factories.ts';
import { synth, type Synthesized } from './synth.ts';

let s: Synthesized;
beforeAll(() => {
  s = synth();
});

describe('compression at the edge', () => {
  it('is on for the behavior, with gzip and Brotli in the cache key (CloudFront normalizes Accept-Encoding to them)', () => {
    const behavior = s.template.toJSON().Resources[s.id(s.stack.cdn.distribution)].Properties.DistributionConfig.DefaultCacheBehavior;
    expect(behavior.Compress).toBe(true);
    const policies = Object.values(s.template.findResources('AWS::CloudFront::CachePolicy'));
    expect(policies).toHaveLength(1);
    const key = policies[0]!.Properties.CachePolicyConfig.ParametersInCacheKeyAndForwardedToOrigin;
    expect(key.EnableAcceptEncodingGzip).toBe(true);
    expect(key.EnableAcceptEncodingBrotli).toBe(true);
    // Not as a named header: that would key the cache on every raw Accept-Encoding a client sends.
    expect(key.HeadersConfig).toEqual({ HeaderBehavior: 'none' });
  });

  it('applies to every file the pipeline publishes: each has a media type CloudFront compresses', () => {
    const published = [...Object.values(FEED_FILES), ...directoryFiles(siteConfig(), [])].map((file) => file.contentType);
    expect(published).toHaveLength(6);
    for (const contentType of published) {
      expect(COMPRESSIBLE_TYPES.has(contentType.split(';')[0]!), contentType).toBe(true);
    }
  });
});

describe('the response headers policy', () => {
  it("sends the directory page's Content-Security-Policy, which also lets the feeds load their stylesheet", () => {
    const policies = Object.values(s.template.findResources('AWS::CloudFront::ResponseHeadersPolicy'));
    expect(policies).toHaveLength(1);
    const security = policies[0]!.Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig;
    expect(security.ContentSecurityPolicy).toEqual({ ContentSecurityPolicy: DIRECTORY_CSP, Override: true });
    expect(DIRECTORY_CSP).toMatch(/style-src 'self' /);
    // CloudFront's limit on the header's value.
    expect(DIRECTORY_CSP.length).toBeLessThanOrEqual(1783);
  });
});
