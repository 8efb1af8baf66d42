/**
 * Synthetic sites for pipeline tests: a configuration, Markdown posts written from a few fields, and
 * storage snapshots to compare output trees byte for byte.
 */
import { parseConfig, type SiteConfig } from '../../lib/config.ts';
import type { Storage } from '../../lib/storage/storage.ts';

export function testSite(overrides: Record<string, unknown> = {}): SiteConfig {
  return parseConfig(
    JSON.stringify({
      title: 'Test Site',
      description: 'A site for tests',
      baseUrl: 'https://example.test/',
      language: 'en',
      timeZone: 'UTC',
      itemsPerFeed: 5,
      ...overrides,
    }),
    'test-site',
  );
}

export interface PostSpec {
  title: string;
  /** ISO 8601 with a zone. */
  date: string;
  categories?: string[];
  tags?: string[];
  draft?: boolean;
  publishDate?: string;
  expiryDate?: string;
  summary?: string;
  body?: string;
  /** Any other front-matter fields (`lang`, `authors`, `feeds`, `build`...), written as JSON, which YAML reads. */
  extra?: Record<string, unknown>;
}

/** A post with YAML front matter; strings are JSON-quoted, which YAML reads as double-quoted scalars. */
export function markdown(spec: PostSpec): string {
  const lines = ['---', `title: ${JSON.stringify(spec.title)}`, `date: ${JSON.stringify(spec.date)}`];
  if (spec.publishDate) lines.push(`publishDate: ${JSON.stringify(spec.publishDate)}`);
  if (spec.expiryDate) lines.push(`expiryDate: ${JSON.stringify(spec.expiryDate)}`);
  if (spec.summary) lines.push(`summary: ${JSON.stringify(spec.summary)}`);
  if (spec.draft) lines.push('draft: true');
  for (const field of ['categories', 'tags'] as const) {
    const terms = spec[field];
    if (terms?.length) lines.push(`${field}:`, ...terms.map((term) => `  - ${JSON.stringify(term)}`));
  }
  for (const [field, value] of Object.entries(spec.extra ?? {})) lines.push(`${field}: ${JSON.stringify(value)}`);
  lines.push('---', '', spec.body ?? `The body of *${spec.title}*.`, '');
  return lines.join('\n');
}

/** Every object under `prefix` as text, by key: two trees are equal when these are. */
export async function snapshot(storage: Storage, prefix = ''): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  for await (const { key } of storage.list(prefix)) {
    const object = await storage.get(key);
    if (object) result[key] = new TextDecoder().decode(object.body);
  }
  return result;
}
