// Needs Debian's chromium at /usr/bin/chromium (`.ci/run` installs it) driven by playwright-core; skipped with a message
// without it, except under CI=true (tests/support/needs-program.ts).
// The directory page and the feeds under the Content-Security-Policy: the example site in content/ built by the real
// pipeline and served by the preview server, which sends the policy with HTML. On AWS the response headers policy sends
// it with every file, so the feeds are also opened with it added, the way CloudFront would.
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DIRECTORY_CSP } from '../../lib/directory/page.ts';
import { ARTIFACTS as artifacts, type BrowserSite, openExampleSite } from '../support/browser-site.ts';
import { CHROMIUM, describeWith } from '../support/needs-program.ts';

// Strings, not functions: the project type-checks without the DOM library. Init scripts come from the browser, not
// the page, so the policy does not apply to this one.
const RECORD_VIOLATIONS = `window.__violations = [];
document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));`;
const VIOLATIONS = 'window.__violations';

describeWith(CHROMIUM)('the Content-Security-Policy in Chromium', () => {
  let browser: BrowserSite;
  let origin: string;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    browser = await openExampleSite();
    ({ origin, page } = browser);
    await browser.context.addInitScript(RECORD_VIOLATIONS);
    page.on('console', (message) => {
      // Chromium reports each blocked resource as a console error too; the favicon's 404 is not one.
      if (message.type() === 'error' && !/status of 404/.test(message.text())) errors.push(message.text());
    });
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('lets the directory page style itself and filter, with no violation reported', async () => {
    errors.length = 0;
    const response = await page.goto(`${origin}/`);
    expect(response?.headers()['content-security-policy']).toBe(DIRECTORY_CSP);
    // The style applied: feed links are pills, not underlined text.
    expect(await page.evaluate(`getComputedStyle(document.querySelector('.links a')).textDecorationLine`)).toBe('none');
    // The script ran: it shows the filter, which filters.
    const filter = page.locator('#filter');
    await expect.poll(() => filter.isVisible()).toBe(true);
    const rows = page.locator('#categories li, #tags li');
    const total = await rows.count();
    await page.keyboard.press('/');
    expect(await page.evaluate(`document.activeElement === document.getElementById('filter')`)).toBe(true);
    await filter.fill('time');
    expect(await page.locator('#categories li:visible, #tags li:visible').count()).toBeLessThan(total);
    await filter.fill('');
    expect(await page.locator('#categories li:visible, #tags li:visible').count()).toBe(total);
    await page.screenshot({ path: path.join(artifacts, 'directory-csp.png'), fullPage: true });
    expect(await page.evaluate<string[]>(VIOLATIONS)).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('reports what it blocks: an injected inline script does not run', async () => {
    await page.goto(`${origin}/`);
    await page.evaluate(
      `(() => { const s = document.createElement('script'); s.textContent = 'window.__ran = true'; document.body.append(s); })()`,
    );
    await expect.poll(() => page.evaluate<string[]>(VIOLATIONS)).toEqual([expect.stringMatching(/^script-src/)]);
    expect(await page.evaluate('window.__ran === true')).toBe(false);
  });

  it.each(['rss.xml', 'tags/herald/atom.xml', 'feeds.opml'])(
    'styles %s under the policy CloudFront sends with every file',
    async (file) => {
      errors.length = 0;
      await page.route(`${origin}/**`, async (route) => {
        const response = await route.fetch();
        await route.fulfill({ response, headers: { ...response.headers(), 'content-security-policy': DIRECTORY_CSP } });
      });
      try {
        const response = await page.goto(`${origin}/${file}`);
        expect(response?.headers()['content-security-policy']).toBe(DIRECTORY_CSP);
        const size = await page.evaluate<number>(`parseFloat(getComputedStyle(document.documentElement.querySelector('title')).fontSize)`);
        expect(size).toBeGreaterThanOrEqual(24);
        expect(await page.evaluate<string[]>(VIOLATIONS)).toEqual([]);
        expect(errors).toEqual([]);
      } finally {
        await page.unrouteAll();
      }
    },
  );
});
