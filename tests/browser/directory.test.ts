// Needs Debian's chromium at /usr/bin/chromium (`.ci/run` installs it) driven by playwright-core; skipped with a message
// without it, except under CI=true (tests/support/needs-program.ts).
// Builds the example site in content/ with the real pipeline, serves it with the preview server on 127.0.0.1 and checks the
// feed directory the way a visitor uses it. Screenshots land in test-results/ (gitignored) as artifacts.
import path from 'node:path';
import { parseFeed } from '@rowanmanning/feed-parser';
import type { BrowserContext, Page } from 'playwright-core';
import { SaxesParser } from 'saxes';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ARTIFACTS as artifacts, type BrowserSite, openExampleSite } from '../support/browser-site.ts';
import { CHROMIUM, describeWith } from '../support/needs-program.ts';

interface Link {
  href: string;
  type: string;
}

describeWith(CHROMIUM)('the feed directory in Chromium', () => {
  let browser: BrowserSite;
  let origin: string;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    browser = await openExampleSite();
    expect(browser.report.feeds.written).toContain('index.html');
    ({ origin, context, page } = browser);
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('loads with the site title and autodiscovery links for the site feeds', async () => {
    const response = await page.goto(`${origin}/`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-type']).toBe('text/html; charset=utf-8');
    expect(await page.locator('h1').textContent()).toBeTruthy();
    const alternates = await Promise.all((await page.locator('head link[rel="alternate"]').all()).map((link) => link.getAttribute('type')));
    expect(alternates).toEqual(['application/rss+xml', 'application/atom+xml', 'application/feed+json', 'text/x-opml']);
  });

  it('links only to feeds that answer 200 and parse', async () => {
    await page.goto(`${origin}/`);
    const links: Link[] = [];
    for (const element of await page.locator('a[href], link[rel="alternate"]').all()) {
      links.push({
        href: new URL((await element.getAttribute('href'))!, page.url()).href,
        type: (await element.getAttribute('type')) ?? '',
      });
    }
    const local = links.filter((link) => link.href.startsWith(origin));
    const feedLinks = local.filter((link) => link.type !== 'text/x-opml');
    expect(feedLinks.length).toBeGreaterThanOrEqual(9);
    // Every non-ASCII slug must reach the server percent-encoded and come back as its Unicode key.
    for (const link of local) {
      const response = await context.request.get(link.href);
      expect(response.status(), link.href).toBe(200);
      const body = await response.text();
      if (link.type === 'application/rss+xml' || link.type === 'application/atom+xml') {
        const feed = parseFeed(body);
        expect(feed.title, link.href).toBeTruthy();
        expect(feed.items.length, link.href).toBeGreaterThan(0);
      } else if (link.type === 'application/feed+json') {
        const feed = JSON.parse(body) as { version: string; items: unknown[] };
        expect(feed.version, link.href).toBe('https://jsonfeed.org/version/1.1');
        expect(feed.items.length, link.href).toBeGreaterThan(0);
      } else {
        expect(link.type, link.href).toBe('text/x-opml');
        const parser = new SaxesParser();
        let outlines = 0;
        parser.on('opentag', (tag) => {
          if (tag.name === 'outline' && tag.attributes.xmlUrl !== undefined) outlines++;
        });
        parser.write(body).close();
        expect(outlines).toBe(feedLinks.filter((l) => l.type === 'application/rss+xml').length - 1);
      }
    }
  });

  it('filters the term lists as the visitor types', async () => {
    await page.goto(`${origin}/`);
    const rows = page.locator('#categories li, #tags li');
    const total = await rows.count();
    expect(total).toBeGreaterThan(2);
    const filter = page.locator('#filter');
    await expect.poll(() => filter.isVisible()).toBe(true);
    const names = await page.locator('#tags li .name, #categories li .name').allTextContents();
    const target = names.find((name) => /[^\x00-\x7F]/.test(name)) ?? names[0]!;
    await filter.fill(target);
    const visible = await page.locator('#categories li:visible, #tags li:visible').allTextContents();
    expect(visible.length).toBeGreaterThan(0);
    expect(visible.length).toBeLessThan(total);
    for (const row of visible) expect(row.toLowerCase()).toContain(target.normalize('NFKC').toLowerCase());
    await filter.fill('no term is called this');
    expect(await page.locator('#categories li:visible, #tags li:visible').count()).toBe(0);
    expect(await page.locator('.none:visible').count()).toBeGreaterThan(0);
    await filter.fill('');
    expect(await page.locator('#categories li:visible, #tags li:visible').count()).toBe(total);
    // The site feed is never filtered away.
    await filter.fill('zzzz');
    expect(await page.locator('#site li:visible').count()).toBe(1);
  });

  it('is readable on a desktop and on a phone', async () => {
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${origin}/`);
    await page.screenshot({ path: path.join(artifacts, 'directory.png'), fullPage: true });

    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${origin}/`);
    // Strings, not functions: the project type-checks without the DOM library.
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    const fontSize = await page.evaluate<number>(`parseFloat(getComputedStyle(document.querySelector('.name')).fontSize)`);
    expect(fontSize).toBeGreaterThanOrEqual(14);
    await page.screenshot({ path: path.join(artifacts, 'directory-phone.png'), fullPage: true });
  });
});
