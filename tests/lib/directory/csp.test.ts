import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DIRECTORY_CSP, renderDirectory } from '../../../lib/directory/page.ts';
import { siteFeed, termFeed } from '../../../lib/feeds/feeds.ts';
import type { FeedSummary } from '../../../lib/feeds/types.ts';
import { createServer } from '../../../lib/serve/server.ts';
import { MemoryStorage } from '../../../lib/storage/memory/memory-storage.ts';
import { siteConfig } from '../../support/factories.ts';

const site = siteConfig({ title: 'CSP <site>', description: 'with "quotes"' });
const feeds: FeedSummary[] = [{ feed: siteFeed(site) }, { feed: termFeed('tag', { name: 'Rust', slug: 'rust' }, site) }];
const page = renderDirectory(site, feeds);

function directives(policy: string): Map<string, string[]> {
  return new Map(
    policy
      .split(';')
      .map((d) => d.trim().split(/\s+/) as [string, ...string[]])
      .map(([name, ...values]) => [name, values]),
  );
}

describe('the directory page under its Content-Security-Policy', () => {
  const policy = directives(DIRECTORY_CSP);
  const hash = (source: string) => `'sha256-${createHash('sha256').update(source).digest('base64')}'`;

  it('allows each inline style and script of the page by its hash, and nothing inline besides', () => {
    const styles = [...page.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => m[1]!);
    const scripts = [...page.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
    expect(styles).toHaveLength(1);
    expect(scripts).toHaveLength(1);
    expect(policy.get('style-src')).toEqual(["'self'", ...styles.map(hash)]);
    expect(policy.get('script-src')).toEqual(scripts.map(hash));
    // Attributes the hashes do not cover would be blocked: inline styles, event handlers, javascript: URLs.
    expect(page).not.toMatch(/\sstyle=|\son[a-z]+=|javascript:/i);
    expect(DIRECTORY_CSP).not.toMatch(/unsafe-|\*/);
  });

  it('denies everything else', () => {
    expect(policy.get('default-src')).toEqual(["'none'"]);
    expect(policy.get('base-uri')).toEqual(["'none'"]);
    expect(policy.get('form-action')).toEqual(["'none'"]);
    expect(policy.get('frame-ancestors')).toEqual(["'none'"]);
  });

  it('is sent by herald serve with HTML, and only with HTML', async () => {
    const storage = new MemoryStorage();
    await storage.put('index.html', page, { contentType: 'text/html; charset=utf-8' });
    await storage.put('rss.xml', '<?xml version="1.0"?><rss/>', { contentType: 'application/xml; charset=utf-8' });
    const server = createServer({ storage });
    const { port } = await server.listen(0, '127.0.0.1');
    try {
      const html = await fetch(`http://127.0.0.1:${port}/`);
      expect(html.headers.get('content-security-policy')).toBe(DIRECTORY_CSP);
      const xml = await fetch(`http://127.0.0.1:${port}/rss.xml`);
      expect(xml.headers.get('content-security-policy')).toBeNull();
      await Promise.all([html.text(), xml.text()]);
    } finally {
      await server.close();
    }
  });
});
