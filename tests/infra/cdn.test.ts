import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { settingsFromContext } from '../../infra/context.ts';
import { functionCodeProblems } from '../../infra/function-code.ts';
import { ALIAS_PRESETS, parseAliases, viewerRequestCode } from '../../lib/aliases.ts';
import { FEED_KIND_KEYS } from '../../lib/config.ts';
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

describe('old feed URLs (aliases): a CloudFront Function on viewer request', () => {
  const aliases = parseAliases(Object.keys(ALIAS_PRESETS), FEED_KIND_KEYS).aliases;
  let withAliases: Synthesized;
  beforeAll(() => {
    withAliases = synth({ aliases });
  });
  const behaviorOf = (synthesized: Synthesized) =>
    synthesized.template.toJSON().Resources[synthesized.id(synthesized.stack.cdn.distribution)].Properties.DistributionConfig
      .DefaultCacheBehavior;

  it('is generated from the aliases, runs on cloudfront-js-2.0 and is published with the distribution', () => {
    const functions = withAliases.template.findResources('AWS::CloudFront::Function');
    expect(Object.keys(functions)).toHaveLength(1);
    const [id, resource] = Object.entries(functions)[0]!;
    expect(resource.Properties.AutoPublish).toBe(true);
    expect(resource.Properties.FunctionConfig).toMatchObject({ Runtime: 'cloudfront-js-2.0' });
    expect(resource.Properties.FunctionCode).toBe(viewerRequestCode(aliases));
    expect(behaviorOf(withAliases).FunctionAssociations).toEqual([
      { EventType: 'viewer-request', FunctionARN: { 'Fn::GetAtt': [id, 'FunctionARN'] } },
    ]);
  });

  it('deploys code within the runtime’s limits that redirects as configured', () => {
    const code = Object.values(withAliases.template.findResources('AWS::CloudFront::Function'))[0]!.Properties.FunctionCode as string;
    expect(functionCodeProblems(code)).toEqual([]);
    const context = vm.createContext({});
    new vm.Script(`${code}\nthis.handler = handler;`).runInContext(context);
    const event = { version: '1.0', context: { eventType: 'viewer-request' }, viewer: { ip: '198.51.100.1' } };
    const answer = (uri: string) =>
      (context.handler as (e: unknown) => { statusCode?: number; headers: Record<string, { value: string }> })({
        ...event,
        request: { method: 'GET', uri, querystring: {}, headers: {}, cookies: {} },
      });
    expect(answer('/index.xml')).toMatchObject({ statusCode: 301, headers: { location: { value: '/rss.xml' } } });
    expect(answer('/rss.xml').statusCode).toBeUndefined();
  });

  it('is absent without aliases: no function, no association, nothing to pay per request', () => {
    expect(s.template.findResources('AWS::CloudFront::Function')).toEqual({});
    expect(behaviorOf(s).FunctionAssociations).toBeUndefined();
  });

  it('fails the synth, saying why, when the aliases make code over 10 KB', () => {
    const many = Array.from({ length: 400 }, (_, i) => ({ from: `/old/feed-number-${i}.xml`, to: '/rss.xml' }));
    expect(() => synth({ aliases: many })).toThrow(/the aliases' CloudFront Function cannot run: \d+ bytes, over the 10240-byte limit/);
  });

  describe('from the site configuration (context herald:siteConfig)', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'herald-site-config-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const settings = (config: unknown) => {
      writeFileSync(path.join(dir, 'herald.config.json'), JSON.stringify(config));
      const context = { 'herald:siteConfig': 'herald.config.json' };
      return settingsFromContext((key) => context[key as keyof typeof context], Object.keys(context), dir);
    };
    const site = { title: 'Site', baseUrl: 'https://example.com/' };

    it('takes the aliases of the file it names', () => {
      expect(settings({ ...site, aliases: 'hugo' }).props.aliases).toEqual(parseAliases('hugo', FEED_KIND_KEYS).aliases);
      expect(settings(site).props.aliases).toEqual([]);
    });

    it('reports a bad alias or a missing file as herald build would', () => {
      expect(() => settings({ ...site, aliases: { '/:name.xml': '/rss.xml' } })).toThrow(
        /herald.config.json: 1 problem in the site configuration:\n {2}- aliases\["\/:name.xml"\]: the old path would hide \/rss.xml/,
      );
      const context = { 'herald:siteConfig': 'missing/herald.config.json' };
      expect(() => settingsFromContext((key) => context[key as keyof typeof context], Object.keys(context), dir)).toThrow(
        /context herald:siteConfig=".*missing\/herald.config.json": cannot read the site configuration \(ENOENT\)/,
      );
    });
  });
});
