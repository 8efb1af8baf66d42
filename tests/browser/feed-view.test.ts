// Needs Debian's chromium at /usr/bin/chromium (`.ci/run` installs it) driven by playwright-core; skipped with a message
// without it, except under CI=true (tests/support/needs-program.ts).
// What a person sees on clicking a feed link: the example site in content/ built by the real pipeline, served by the
// preview server, each XML file opened in Chromium. Screenshots land in test-results/ (gitignored) as artifacts.
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { SiteConfig } from '../../lib/config.ts';
import { ARTIFACTS as artifacts, type BrowserSite, openExampleSite } from '../support/browser-site.ts';
import { CHROMIUM, describeWith } from '../support/needs-program.ts';

interface View {
  root: string;
  /** What the page shows, as a visitor's select-all and copy would take it: hidden elements are left out. */
  text: string;
  /** Generated text of the note, which the select-all leaves out. */
  note: string;
  /** Elements neither in the file's own namespaces nor XHTML: what an XSLT result or an injected banner would add. */
  foreign: number;
  titleSize: number;
}

// A string, not a function: the project type-checks without the DOM library.
const READ_VIEW = `(() => {
  const root = document.documentElement;
  const selection = getSelection();
  selection.selectAllChildren(root);
  const text = selection.toString();
  selection.removeAllRanges();
  const about = document.querySelector('.herald-about');
  const own = new Set([null, 'http://www.w3.org/2005/Atom', 'http://www.w3.org/1999/xhtml', 'http://purl.org/dc/elements/1.1/',
    'http://purl.org/rss/1.0/modules/content/', 'http://search.yahoo.com/mrss/', 'http://purl.org/rss/1.0/modules/syndication/']);
  const title = [...root.children].flatMap((c) => [c, ...c.children]).find((e) => e.localName === 'title');
  return {
    root: root.localName,
    text,
    note: about ? getComputedStyle(about, '::before').content : '',
    foreign: [...document.getElementsByTagName('*')].filter((e) => !own.has(e.namespaceURI)).length,
    titleSize: title ? parseFloat(getComputedStyle(title).fontSize) : 0,
  };
})()`;

describeWith(CHROMIUM)('a feed opened in Chromium', () => {
  let browser: BrowserSite;
  let origin: string;
  let site: SiteConfig;
  let page: Page;
  const console: string[] = [];

  beforeAll(async () => {
    browser = await openExampleSite();
    expect(browser.report.feeds.written).toContain('feed.css');
    ({ origin, site, page } = browser);
    page.on('console', (message) => console.push(`${message.type()}: ${message.text()}`));
    await page.setViewportSize({ width: 1000, height: 900 });
  });

  afterAll(async () => {
    await browser?.close();
  });

  async function open(file: string): Promise<View> {
    console.length = 0;
    const response = await page.goto(`${origin}/${encodeURI(file)}`);
    expect(response?.status(), file).toBe(200);
    expect(response?.headers()['content-type'], file).toBe('application/xml; charset=utf-8');
    // fullPage waits forever on an XML document (it measures an HTML body): the viewport is grown to the page instead.
    const height = await page.evaluate<number>('document.documentElement.scrollHeight');
    await page.setViewportSize({ width: 1000, height: Math.min(height, 4000) });
    await page.screenshot({ path: path.join(artifacts, `feed-view-${file.replaceAll('/', '-')}.png`) });
    await page.setViewportSize({ width: 1000, height: 900 });
    const view = await page.evaluate<View>(READ_VIEW);
    // No XSLT, so nothing of its deprecation: no banner in the page and no warning in the console.
    expect(view.foreign, file).toBe(0);
    expect(
      console.filter((line) => /xslt|deprecat/i.test(line)),
      file,
    ).toEqual([]);
    return view;
  }

  it.each([
    ['rss.xml', 'rss'],
    ['atom.xml', 'feed'],
    ['tags/rss-阅读器/rss.xml', 'rss'],
    ['categories/guides/atom.xml', 'feed'],
  ])('shows %s as a page: title, note, address to copy, items', async (file, root) => {
    const view = await open(file);
    expect(view.root).toBe(root);
    expect(view.titleSize).toBeGreaterThanOrEqual(24);
    expect(view.text).toContain(site.title);
    expect(view.note).toMatch(/web feed.*feed reader/);
    expect(view.text).toContain(`${site.feedsUrl}${encodeURI(file)}`);
    expect(view.text).toContain('All feeds of this site');
    // Items with their dates and links, and none of the machinery (guids, generator, raw HTML bodies).
    expect(view.text).toMatch(root === 'rss' ? /\d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT/ : /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/);
    expect(view.text).toContain(site.baseUrl);
    expect(view.text).not.toMatch(/<p>|\nHerald\n|urn:uuid|CDATA/);
  });

  it('shows the OPML as its list of feeds, with the note for a subscription list', async () => {
    const view = await open('feeds.opml');
    expect(view.root).toBe('opml');
    expect(view.note).toMatch(/OPML/);
    expect(view.text).toContain(`${site.feedsUrl}feeds.opml`);
    const outlines = await page.evaluate<string>(
      `[...document.querySelectorAll('outline[xmlUrl]')].map((o) => getComputedStyle(o, '::after').content).join(' ')`,
    );
    expect(outlines).toContain(`${site.feedsUrl}rss.xml`);
  });

  it.each(['feed.json', 'tags/rss-阅读器/feed.json'])('shows %s as its text, not as a download', async (file) => {
    const downloads: string[] = [];
    const onDownload = (download: { suggestedFilename(): string }) => downloads.push(download.suggestedFilename());
    page.on('download', onDownload);
    try {
      // A type Chromium does not display would make goto fail with "Download is starting".
      const response = await page.goto(`${origin}/${encodeURI(file)}`);
      expect(response?.status(), file).toBe(200);
      expect(response?.headers()['content-type'], file).toBe('application/json; charset=utf-8');
      expect(['br', 'gzip'], file).toContain(response?.headers()['content-encoding']);
      await page.screenshot({ path: path.join(artifacts, `feed-view-${file.replaceAll('/', '-')}.png`) });
      const shown = await page.evaluate<string>('document.body.innerText');
      expect(JSON.parse(shown)).toEqual(JSON.parse((await response!.body()).toString('utf8')));
      expect(shown).toContain('"version": "https://jsonfeed.org/version/1.1"');
      expect(shown).toContain(site.title);
      expect(downloads).toEqual([]);
    } finally {
      page.off('download', onDownload);
    }
  });

  it('takes the visitor from a tag feed to the directory page', async () => {
    await open('tags/rss-阅读器/rss.xml');
    await page.click('text=All feeds of this site');
    await page.waitForURL(`${origin}/index.html`);
    expect(await page.locator('h1').textContent()).toBe(site.title);
  });
});
