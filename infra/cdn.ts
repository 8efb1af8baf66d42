import { Annotations, Duration } from 'aws-cdk-lib';
import type { ICertificate } from 'aws-cdk-lib/aws-certificatemanager';
import {
  AccessLevel,
  AllowedMethods,
  type BehaviorOptions,
  CachedMethods,
  CachePolicy,
  CacheCookieBehavior,
  CacheHeaderBehavior,
  CacheQueryStringBehavior,
  Distribution,
  Function as CloudFrontFunction,
  FunctionCode,
  FunctionEventType,
  FunctionRuntime,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  type PriceClass,
  ResponseHeadersPolicy,
  SecurityPolicyProtocol,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { Effect, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { Bucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { type FeedAlias, viewerRequestCode } from '../lib/aliases.ts';
import { DIRECTORY_CSP } from '../lib/directory/page.ts';
import { functionCodeProblems } from './function-code.ts';
import type { Prefixes } from './prefixes.ts';

/**
 * The Cache-Control the functions write (`CACHE_CONTROL`) for a freshness window. `max-age` equals the cache
 * policy's TTLs, and every cache counts the window from the moment the copy left S3 (CloudFront sends `Age`),
 * so no copy anywhere outlives a write by more than the window. No `stale-while-revalidate`: it would let
 * CloudFront serve the old bytes past the window; `stale-if-error` only covers an S3 outage.
 */
export function cacheControlFor(freshness: Duration): string {
  return `public, max-age=${freshness.toSeconds()}, stale-if-error=86400`;
}

/**
 * The Cache-Control of sealed archive pages (`ARCHIVE_CACHE_CONTROL`): a page that has a newer one changes only when
 * one of its posts is edited or deleted, so every cache may keep it for the archive freshness without asking again.
 */
export function archiveCacheControlFor(archiveFreshness: Duration): string {
  return `public, max-age=${archiveFreshness.toSeconds()}, immutable`;
}

/**
 * The archive pages of every feed, `<feed dir>archive/<n>/<file>`: the site feed's at the root, a term feed's under its
 * folder. `*` matches across `/`, so the second pattern also takes the files of a term literally named "archive"
 * (`tags/archive/rss.xml`): harmless, they carry the short Cache-Control, which the archive policy obeys.
 */
export const ARCHIVE_PATH_PATTERNS = ['archive/*', '*/archive/*'] as const;

export interface CdnProps {
  feeds: Bucket;
  prefixes: Prefixes;
  /** How long CloudFront keeps a copy before revalidating it against S3's ETag. */
  freshness: Duration;
  /** How long CloudFront may keep an archive page, when the page's own Cache-Control allows it (sealed pages). */
  archiveFreshness: Duration;
  /** Custom domain names; `certificate` must then cover them (ACM, us-east-1). */
  domainNames?: string[];
  certificate?: ICertificate;
  priceClass: PriceClass;
  /** Old feed paths answered with permanent redirects (the site configuration's `aliases`, lib/aliases.ts). */
  aliases?: readonly FeedAlias[];
}

/** CloudFront in front of the feeds bucket, reaching it only through Origin Access Control. */
export class Cdn extends Construct {
  readonly distribution: Distribution;

  constructor(scope: Construct, id: string, props: CdnProps) {
    super(scope, id);
    const { feeds, prefixes } = props;

    // Freshness without invalidations: outside the archive pages no copy is kept longer than `freshness`, whatever an
    // object's own Cache-Control says; an expired copy is revalidated with If-None-Match against S3's ETag, which
    // answers 304 for the many files an upload leaves unchanged. Origin fetches cost S3 GETs ($0.0004 per
    // 1,000) and are bounded by time, not by uploads; invalidations cost $0.005 per path per upload.
    // No cookies, query strings or headers in the key: every reader shares one cached copy, and
    // CloudFront answers conditional GETs (If-None-Match / If-Modified-Since) from it with 304s.
    const feedCache = (id: string, comment: string, defaultTtl: Duration, maxTtl: Duration) =>
      new CachePolicy(this, id, {
        comment,
        minTtl: Duration.seconds(0),
        defaultTtl,
        maxTtl,
        cookieBehavior: CacheCookieBehavior.none(),
        headerBehavior: CacheHeaderBehavior.none(),
        queryStringBehavior: CacheQueryStringBehavior.none(),
        enableAcceptEncodingGzip: true,
        enableAcceptEncodingBrotli: true,
      });
    const cachePolicy = feedCache(
      'FeedCache',
      `Herald feeds: revalidate against S3 after ${props.freshness.toSeconds()} s`,
      props.freshness,
      props.freshness,
    );
    // A sealed archive page never changes but for an edit or a deletion of one of its posts, so the first policy's cap
    // would only buy revalidations. Under this one the object's Cache-Control decides, up to the archive freshness:
    // sealed pages carry ARCHIVE_CACHE_CONTROL and stay, the newest page carries CACHE_CONTROL and refreshes like any
    // feed. The default TTL, for an object without Cache-Control, stays the short one: only a page that says so is
    // kept long.
    const archiveCachePolicy = feedCache(
      'ArchiveCache',
      `Herald archive pages: as their Cache-Control says, at most ${props.archiveFreshness.toSeconds()} s`,
      props.freshness,
      props.archiveFreshness,
    );

    // Feeds are public documents: web-based readers may fetch any of them (JSON Feed above all) from any origin.
    // A feed fetch is a CORS-simple GET (browser revalidation adds If-None-Match without a preflight), so
    // GET and HEAD suffice and no OPTIONS request needs to reach S3.
    const responseHeadersPolicy = new ResponseHeadersPolicy(this, 'FeedHeaders', {
      comment: 'Herald feeds: nosniff, CORS GET from any origin',
      corsBehavior: {
        accessControlAllowOrigins: ['*'],
        accessControlAllowMethods: ['GET', 'HEAD'],
        accessControlAllowHeaders: ['*'],
        accessControlExposeHeaders: ['ETag', 'Last-Modified'],
        accessControlAllowCredentials: false,
        accessControlMaxAge: Duration.days(1),
        originOverride: true,
      },
      securityHeadersBehavior: {
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN, override: true },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(365), includeSubdomains: false, override: true },
        // The directory page's policy: its inline style and script by hash; for the feeds, their stylesheet.
        contentSecurityPolicy: { contentSecurityPolicy: DIRECTORY_CSP, override: true },
      },
    });

    // Old feed URLs redirect at the edge, before the cache: a function run costs $0.10 per million requests,
    // and with no aliases there is no function at all.
    const aliases = props.aliases ?? [];
    let redirects: CloudFrontFunction | undefined;
    if (aliases.length > 0) {
      const code = viewerRequestCode(aliases);
      const problems = functionCodeProblems(code);
      if (problems.length > 0) throw new Error(`the aliases' CloudFront Function cannot run: ${problems.join('; ')}`);
      redirects = new CloudFrontFunction(this, 'Aliases', {
        comment: `Herald: ${aliases.length} old feed paths redirected (aliases)`,
        runtime: FunctionRuntime.JS_2_0,
        code: FunctionCode.fromInline(code),
      });
    }

    const origin = S3BucketOrigin.withOriginAccessControl(feeds, {
      originPath: prefixes.feeds === '' ? undefined : `/${prefixes.feeds.slice(0, -1)}`,
      // LIST lets S3 answer 404 (not 403) for a feed that does not exist (yet, or any more), which readers
      // understand. CloudFront never forwards a query string, so no listing request can be made through it.
      originAccessLevels: [AccessLevel.READ, AccessLevel.LIST],
    });

    const behavior: BehaviorOptions = {
      origin,
      viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
      cachedMethods: CachedMethods.CACHE_GET_HEAD,
      compress: true,
      functionAssociations: redirects && [{ function: redirects, eventType: FunctionEventType.VIEWER_REQUEST }],
      cachePolicy,
      responseHeadersPolicy,
    };
    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'Herald feeds',
      defaultRootObject: 'index.html',
      httpVersion: HttpVersion.HTTP2_AND_3,
      enableIpv6: true,
      priceClass: props.priceClass,
      domainNames: props.domainNames,
      certificate: props.certificate,
      // Only a custom certificate has a choice of TLS policy; CloudFront's default one is fixed.
      minimumProtocolVersion: props.certificate ? SecurityPolicyProtocol.TLS_V1_2_2021 : undefined,
      defaultBehavior: behavior,
      additionalBehaviors: Object.fromEntries(
        ARCHIVE_PATH_PATTERNS.map((pattern) => [pattern, { ...behavior, cachePolicy: archiveCachePolicy }]),
      ),
    });

    // The root object is set above, which is what the LIST warning asks for.
    Annotations.of(this.distribution).acknowledgeWarning(
      '@aws-cdk/aws-cloudfront-origins:listBucketSecurityRisk',
      'defaultRootObject is index.html and no query string reaches the origin',
    );

    // The index shares the bucket: an explicit Deny outranks the Allow that OAC adds for the whole bucket,
    // so no path, encoding trick or future behavior can serve it.
    feeds.addToResourcePolicy(
      new PolicyStatement({
        sid: 'NeverServeState',
        effect: Effect.DENY,
        principals: [new ServicePrincipal('cloudfront.amazonaws.com')],
        actions: ['s3:GetObject'],
        resources: [feeds.arnForObjects(`${prefixes.state}*`)],
      }),
    );
  }
}
