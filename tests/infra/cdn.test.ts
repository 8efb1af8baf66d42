import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import { Duration } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARCHIVE_PATH_PATTERNS } from '../../infra/cdn.ts';
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

const distributionConfig = (synthesized: Synthesized) =>
  synthesized.template.toJSON().Resources[synthesized.id(synthesized.stack.cdn.distribution)].Properties.DistributionConfig;

/**
 * The behavior CloudFront picks for a request path: the first cache behavior whose pattern matches, else the default.
 * A pattern's `*` matches any run of characters, `/` included, and `?` one; a leading `/` makes no difference.
 */
function behaviorFor(config: { DefaultCacheBehavior: unknown; CacheBehaviors?: { PathPattern: string }[] }, path: string) {
  const matches = (pattern: string) => {
    const source = [...pattern.replace(/^\//, '')].map((c) =>
      c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&'),
    );
    return new RegExp(`^${source.join('')}$`).test(path.replace(/^\//, ''));
  };
  return config.CacheBehaviors?.find((behavior) => matches(behavior.PathPattern)) ?? config.DefaultCacheBehavior;
}

describe('compression at the edge', () => {
  it('is on for every behavior, with gzip and Brotli in the cache key (CloudFront normalizes Accept-Encoding to them)', () => {
    const config = distributionConfig(s);
    for (const behavior of [config.DefaultCacheBehavior, ...config.CacheBehaviors]) expect(behavior.Compress).toBe(true);
    const policies = Object.values(s.template.findResources('AWS::CloudFront::CachePolicy'));
    expect(policies).toHaveLength(2);
    for (const policy of policies) {
      const key = policy.Properties.CachePolicyConfig.ParametersInCacheKeyAndForwardedToOrigin;
      expect(key.EnableAcceptEncodingGzip).toBe(true);
      expect(key.EnableAcceptEncodingBrotli).toBe(true);
      // Not as a named header: that would key the cache on every raw Accept-Encoding a client sends.
      expect(key.HeadersConfig).toEqual({ HeaderBehavior: 'none' });
    }
  });

  it('applies to every file the pipeline publishes: each has a media type CloudFront compresses', () => {
    const published = [...Object.values(FEED_FILES), ...directoryFiles(siteConfig(), [])].map((file) => file.contentType);
    expect(published).toHaveLength(6);
    for (const contentType of published) {
      expect(COMPRESSIBLE_TYPES.has(contentType.split(';')[0]!), contentType).toBe(true);
    }
  });
});

describe('archive pages: a behavior of their own, with a cache policy that lets sealed pages stay', () => {
  const policyOf = (synthesized: Synthesized, behavior: { CachePolicyId: { Ref: string } }) =>
    synthesized.template.toJSON().Resources[behavior.CachePolicyId.Ref].Properties.CachePolicyConfig;

  it('covers the archive folders of the site feed and of every term feed, with the default behavior otherwise the same', () => {
    const config = distributionConfig(s);
    expect(config.CacheBehaviors.map((behavior: { PathPattern: string }) => behavior.PathPattern)).toEqual([...ARCHIVE_PATH_PATTERNS]);
    const archiveCache = { Ref: s.id(s.stack.cdn.node.findChild('ArchiveCache')) };
    const { CachePolicyId: feedCache, ...sameAsDefault } = config.DefaultCacheBehavior;
    expect(feedCache).toEqual({ Ref: s.id(s.stack.cdn.node.findChild('FeedCache')) });
    for (const { PathPattern, ...behavior } of config.CacheBehaviors) {
      expect(behavior, PathPattern).toEqual({ ...sameAsDefault, CachePolicyId: archiveCache });
    }
    expect(sameAsDefault).toMatchObject({ Compress: true, ResponseHeadersPolicyId: { Ref: expect.stringMatching(/FeedHeaders/) } });
  });

  it('keeps a page as long as its own Cache-Control says, up to a year; a page that says nothing, the normal freshness', () => {
    const config = distributionConfig(s);
    expect(policyOf(s, config.CacheBehaviors[0])).toMatchObject({ MinTTL: 0, DefaultTTL: 60, MaxTTL: 31_536_000 });
    expect(policyOf(s, config.DefaultCacheBehavior)).toMatchObject({ MinTTL: 0, DefaultTTL: 60, MaxTTL: 60 });
  });

  it.each([
    ['/archive/1/rss.xml', true],
    ['/archive/12/feed.json', true],
    ['/tags/rust/archive/3/atom.xml', true],
    ['/tags/%E7%A7%91%E6%8A%80/archive/1/rss.xml', true],
    ['/categories/news/archive/2/feed.json', true],
    ['/authors/jane-doe/archive/1/atom.xml', true],
    // A tag named "archive": its subscription documents carry the short Cache-Control, which the archive policy obeys.
    ['/tags/archive/rss.xml', true],
    ['/rss.xml', false],
    ['/tags/rust/atom.xml', false],
    ['/archives/rss.xml', false],
    ['/tags/archived/feed.json', false],
    ['/index.html', false],
    ['/feeds.opml', false],
  ])('%s falls under the archive behavior: %s', (path, archived) => {
    const config = distributionConfig(s);
    expect(behaviorFor(config, path) === config.DefaultCacheBehavior).toBe(!archived);
  });

  it('redirects aliases there too: the same viewer-request function on every behavior', () => {
    const aliases = parseAliases(['hugo'], FEED_KIND_KEYS).aliases;
    const config = distributionConfig(synth({ aliases }));
    expect(config.DefaultCacheBehavior.FunctionAssociations).toHaveLength(1);
    for (const behavior of config.CacheBehaviors)
      expect(behavior.FunctionAssociations).toEqual(config.DefaultCacheBehavior.FunctionAssociations);
  });

  it('takes herald:archiveFreshnessSeconds, writes it as max-age for sealed pages, and refuses less than the freshness', () => {
    const custom = synth({ freshness: Duration.minutes(5), archiveFreshness: Duration.days(7) });
    const config = distributionConfig(custom);
    expect(policyOf(custom, config.CacheBehaviors[1])).toMatchObject({ MinTTL: 0, DefaultTTL: 300, MaxTTL: 604_800 });
    for (const fn of [custom.stack.pipeline.regenerate, custom.stack.pipeline.rebuild, custom.stack.pipeline.rebuildWorker]) {
      expect(custom.template.toJSON().Resources[custom.id(fn)].Properties.Environment.Variables.ARCHIVE_CACHE_CONTROL).toBe(
        'public, max-age=604800, immutable',
      );
    }
    expect(() => synth({ freshness: Duration.minutes(5), archiveFreshness: Duration.minutes(1) })).toThrow(
      'archiveFreshness 60 s must be from freshness (300 s) to 1 year',
    );
    expect(() => synth({ archiveFreshness: Duration.days(366) })).toThrow(
      'archiveFreshness 31622400 s must be from freshness (60 s) to 1 year',
    );
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
