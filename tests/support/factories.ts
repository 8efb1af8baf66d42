/**
 * Test data for SiteConfig, Term, Person, PostMeta and FeedItem: valid, fixed-date defaults that
 * a test overrides field by field. Everything is deterministic (no clock, no counters), so the
 * same call gives the same object in any test order.
 */
import { createHash } from 'node:crypto';
import { DEFAULT_CONFIG, type Person, type SiteConfig } from '../../lib/config.ts';
import type { FeedItem, PostMeta, Term } from '../../lib/post/types.ts';

export function siteConfig(overrides: Partial<SiteConfig> = {}): SiteConfig {
  const baseUrl = overrides.baseUrl ?? 'https://example.org/';
  return {
    title: 'Herald Example',
    description: 'Posts from the Herald example site',
    baseUrl,
    feedsUrl: baseUrl,
    language: 'en',
    timeZone: 'UTC',
    itemsPerFeed: 20,
    content: 'full',
    permalink: '/:section/:slug/',
    maxPostBytes: 1024 * 1024,
    maxTermsPerPost: 100,
    cacheControl: 'public, max-age=300, stale-while-revalidate=60, stale-if-error=86400',
    feeds: DEFAULT_CONFIG.feeds,
    pollMinutes: DEFAULT_CONFIG.pollMinutes,
    ...overrides,
  };
}

/** A term whose slug is a plain lowercase form of the name (the real rules live in lib/post/terms.ts). */
export function term(
  name: string,
  slug = name
    .trim()
    .toLowerCase()
    .replace(/[\s/\\]+/g, '-'),
): Term {
  return { name, slug };
}

export function person(name: string, extra: Omit<Person, 'name'> = {}): Person {
  return { name, ...extra };
}

/** A stable `urn:uuid:` for a content key, shaped like a name-based UUID (the real id comes from lib/post). */
export function idForKey(key: string): string {
  const hex = createHash('sha1').update(key).digest('hex');
  return `urn:uuid:${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Post metadata; `id` and `url` follow `key` unless given. */
export function postMeta(overrides: Partial<PostMeta> = {}, site: SiteConfig = siteConfig()): PostMeta {
  const key = overrides.key ?? 'posts/hello-world.md';
  const date = overrides.date ?? '2025-02-12T13:15:03.000Z';
  const slug = key.replace(/\.[^./]*$/, '').replace(/^.*\//, '');
  return {
    key,
    id: idForKey(key),
    title: 'Hello, world',
    url: `${site.baseUrl}posts/${encodeURIComponent(slug)}/`,
    date,
    updated: date,
    draft: false,
    categories: [],
    tags: [],
    authors: [],
    ...overrides,
  };
}

/** A feed item: post metadata plus body HTML. */
export function feedItem(overrides: Partial<FeedItem> = {}, site: SiteConfig = siteConfig()): FeedItem {
  const { html = '<p>Hello from Herald.</p>', ...meta } = overrides;
  return { ...postMeta(meta, site), html };
}
