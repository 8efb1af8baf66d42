// Needs Debian's chromium at /usr/bin/chromium (`.ci/run` installs it) driven by playwright-core; skipped with a message
// without it, except under CI=true (tests/support/needs-program.ts).
// What a person sees on clicking a feed link: the example site in content/ built by the real pipeline, served by the
// preview server, each XML file opened in Chromium. Screenshots land in test-results/ (gitignored) as artifacts.
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type SiteConfig } from '../../lib/config.ts';
import { DIRECTORY_CSP } from '../../lib/directory/page.ts';
import { ARTIFACTS as artifacts, type BrowserSite, openExampleSite } from '../support/browser-site.ts';
import { CHROMIUM, describeWith } from '../support/needs-program.ts';

interface View {
  root: string;
  /** What the page shows, as a visitor's select-all and copy would take it: hidden elements are left out. */
  text: string;
  /** Generated text of the note, which the select-all leaves out. */
  note: string;
  /** Elements in no namespace the file declares on its root, nor XHTML: what an XSLT result or an injected banner would add. */
  foreign: number;
  titleSize: number;
  /** The titles of the items (RSS) or entries (Atom), in order. */
  items: string[];
}

// A string, not a function: the project type-checks without the DOM library.
const READ_VIEW = `(() => {
  const root = document.documentElement;
  const selection = getSelection();
  selection.selectAllChildren(root);
  const text = selection.toString();
  selection.removeAllRanges();
  const about = document.querySelector('.herald-about');
  const declared = [...root.attributes].filter((a) => a.name === 'xmlns' || a.prefix === 'xmlns').map((a) => a.value);
  const own = new Set([null, 'http://www.w3.org/1999/xhtml', ...declared]);
  const title = [...root.children].flatMap((c) => [c, ...c.children]).find((e) => e.localName === 'title');
  return {
    root: root.localName,
    text,
    note: about ? getComputedStyle(about, '::before').content : '',
    foreign: [...document.getElementsByTagName('*')].filter((e) => !own.has(e.namespaceURI)).length,
    titleSize: title ? parseFloat(getComputedStyle(title).fontSize) : 0,
    items: [...root.children].flatMap((c) => [c, ...c.children]).filter((e) => e.localName === 'item' || e.localName === 'entry')
      .map((e) => [...e.children].find((c) => c.localName === 'title')?.textContent ?? ''),
  };
})()`;

/**
 * Opens XML files of `browser`'s site as a visitor would and reads what each shows, after checking that nothing of
 * XSLT is involved. `read` reads the page in place (after a click); screenshots are named `<shots>-<file>.png`.
 */
function feedViewer({ page, origin }: BrowserSite, shots: string) {
  const console: string[] = [];
  page.on('console', (message) => console.push(`${message.type()}: ${message.text()}`));

  async function read(file: string): Promise<View> {
    // fullPage waits forever on an XML document (it measures an HTML body): the viewport is grown to the page instead.
    const height = await page.evaluate<number>('document.documentElement.scrollHeight');
    await page.setViewportSize({ width: 1000, height: Math.min(height, 4000) });
    await page.screenshot({ path: path.join(artifacts, `${shots}-${file.replaceAll('/', '-')}.png`) });
    await page.setViewportSize({ width: 1000, height: 900 });
    const view = await page.evaluate<View>(READ_VIEW);
    // No XSLT, so nothing of its deprecation: no banner in the page and no warning in the console; nothing refused
    // by a Content-Security-Policy either.
    expect(view.foreign, file).toBe(0);
    expect(
      console.filter((line) => /xslt|deprecat|refused/i.test(line)),
      file,
    ).toEqual([]);
    console.length = 0;
    return view;
  }

  async function open(file: string): Promise<View> {
    console.length = 0;
    const response = await page.goto(`${origin}/${encodeURI(file)}`);
    expect(response?.status(), file).toBe(200);
    expect(response?.headers()['content-type'], file).toBe('application/xml; charset=utf-8');
    return read(file);
  }

  return { open, read };
}

describeWith(CHROMIUM)('a feed opened in Chromium', () => {
  let browser: BrowserSite;
  let origin: string;
  let site: SiteConfig;
  let page: Page;
  let open: (file: string) => Promise<View>;

  beforeAll(async () => {
    browser = await openExampleSite();
    expect(browser.report.feeds.written).toContain('feed.css');
    ({ origin, site, page } = browser);
    ({ open } = feedViewer(browser, 'feed-view'));
    await page.setViewportSize({ width: 1000, height: 900 });
  });

  afterAll(async () => {
    await browser?.close();
  });

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

describeWith(CHROMIUM)('a feed with archive pages opened in Chromium', () => {
  // The example site with 3 items in each subscription document and 2 on each archive page: the site feed and the
  // blog section's get pages (the tag feeds are too small to).
  const ITEMS = 3;
  const PAGE_SIZE = 2;
  let browser: BrowserSite;
  let origin: string;
  let site: SiteConfig;
  let page: Page;
  let viewer: ReturnType<typeof feedViewer>;

  beforeAll(async () => {
    browser = await openExampleSite({ itemsPerFeed: ITEMS, archives: { ...DEFAULT_CONFIG.archives, pageSize: PAGE_SIZE } });
    expect(browser.report.feeds.written).toEqual(expect.arrayContaining(['archive/2/rss.xml', 'sections/blog/archive/1/atom.xml']));
    ({ origin, site, page } = browser);
    viewer = feedViewer(browser, 'feed-view-archives');
    // Archive pages get a behavior of their own on CloudFront, with the same response headers policy as every file.
    await page.route(`${origin}/**`, async (route) => {
      const response = await route.fetch();
      await route.fulfill({ response, headers: { ...response.headers(), 'content-security-policy': DIRECTORY_CSP } });
    });
    await page.setViewportSize({ width: 1000, height: 900 });
  });

  afterAll(async () => {
    await browser?.close();
  });

  it.each([
    ['archive/1/rss.xml', 'rss.xml', 'rss'],
    ['archive/2/atom.xml', 'atom.xml', 'feed'],
    ['sections/blog/archive/1/atom.xml', 'sections/blog/atom.xml', 'feed'],
  ])('shows %s as a page of its feed: title, archive note, the feed address, items', async (file, subscription, root) => {
    const view = await viewer.open(file);
    expect(view.root).toBe(root);
    expect(view.titleSize).toBeGreaterThanOrEqual(24);
    expect(view.text).toContain(site.title);
    expect(view.note).toMatch(/archive page of a web feed.*feed reader/);
    // The address to copy is the feed's, not the page's: a reader subscribed to an archive page would get nothing new.
    expect(view.text).toContain(`${site.feedsUrl}${subscription}`);
    expect(view.text).not.toContain(`${site.feedsUrl}${file}`);
    expect(view.items.length).toBeGreaterThanOrEqual(1);
    expect(view.items.length).toBeLessThanOrEqual(PAGE_SIZE);
    expect(view.text).toMatch(root === 'rss' ? /\d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT/ : /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/);
    // Of the history only the navigation shows: no fh: marker, no link element's URL, no relation names.
    expect(view.text).toContain('Latest items');
    expect(view.text).not.toMatch(/archive\/\d|prev-archive|next-archive|<p>|urn:uuid|CDATA/);
  });

  it('walks the site feed from its subscription document to the oldest page and back, every item once', async () => {
    const walked: string[][] = [];
    let view = await viewer.open('rss.xml');
    expect(view.note).toMatch(/^"This is a web feed/);
    expect(view.text).toContain('Older items');
    expect(view.text).not.toMatch(/Newer items|Latest items/);
    expect(view.items).toHaveLength(ITEMS);
    walked.push(view.items);
    // Pages are numbered from the oldest; the subscription document links the newest, each page the one before it.
    const pages = browser.report.feeds.written.filter((file) => /^archive\/\d+\/rss\.xml$/.test(file)).length;
    for (let k = pages; k >= 1; k--) {
      await page.click('a[rel=prev-archive]');
      await page.waitForURL(`${origin}/archive/${k}/rss.xml`);
      view = await viewer.read(`archive/${k}/rss.xml`);
      expect(view.text).toContain(k > 1 ? 'Older items' : 'Latest items');
      if (k === 1) expect(view.text).not.toContain('Older items');
      walked.push(view.items);
    }
    const titles = walked.flat();
    expect(new Set(titles).size).toBe(titles.length);
    expect(titles.length).toBeGreaterThan(ITEMS);

    await page.click('a[rel=next-archive]');
    await page.waitForURL(`${origin}/archive/2/rss.xml`);
    await page.click('a[rel=current]');
    await page.waitForURL(`${origin}/rss.xml`);
    expect((await viewer.read('rss.xml')).items).toEqual(walked[0]);
  });
});
