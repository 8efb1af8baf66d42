import { parseConfig } from '../../../lib/config.ts';
import type { SiteConfig } from '../../../lib/config.ts';

/** A valid site configuration for post tests; `overrides` are validated like the real file. */
export function testSite(overrides: Partial<SiteConfig> = {}): SiteConfig {
  return parseConfig(
    JSON.stringify({
      title: 'Test Site',
      baseUrl: 'https://example.com/',
      timeZone: 'Asia/Shanghai',
      author: 'Site Author <site@example.com>',
    }),
    'test-site',
    overrides,
  );
}

export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
