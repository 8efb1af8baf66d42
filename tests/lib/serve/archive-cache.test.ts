/**
 * `herald serve` gives archive pages their own Cache-Control: a full page (one with a newer page after it) the
 * archives' long one, the newest page and the subscription documents the site's. The headers come from what the
 * pipeline stored with each file.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type HeraldServer } from '../../../lib/serve/server.ts';
import { SiteHarness } from '../../support/pipeline-harness.ts';
import { testSite } from '../../support/site-content.ts';

const LONG = 'public, max-age=31536000, immutable';
const SHORT = 'public, max-age=60';

describe('herald serve and archive pages', () => {
  let server: HeraldServer;
  let base: string;

  beforeAll(async () => {
    const site = new SiteHarness(testSite({ itemsPerFeed: 2, cacheControl: SHORT, archives: { pageSize: 3, cacheControl: LONG } }));
    // 2 in the subscription document, then pages of 3: 1 and 2 full, 3 (the newest) holding one.
    for (let i = 0; i < 9; i++) await site.write(`posts/p${i}.md`, { title: `P${i}`, date: `2025-05-0${i + 1}T00:00:00Z` });
    await site.rebuild();
    server = createServer({ storage: site.feedsStore });
    const address = await server.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${address.port}`;
  });
  afterAll(() => server.close());

  const cacheControl = async (path: string) => {
    const response = await fetch(`${base}/${path}`);
    expect(response.status, path).toBe(200);
    await response.arrayBuffer();
    return response.headers.get('cache-control');
  };

  it("serves full pages with the long Cache-Control, the newest page and the feeds with the site's", async () => {
    for (const file of ['rss.xml', 'atom.xml', 'feed.json']) {
      expect(await cacheControl(`archive/1/${file}`)).toBe(LONG);
      expect(await cacheControl(`archive/2/${file}`)).toBe(LONG);
      expect(await cacheControl(`archive/3/${file}`)).toBe(SHORT);
      expect(await cacheControl(file)).toBe(SHORT);
    }
    expect((await fetch(`${base}/archive/4/rss.xml`)).status).toBe(404);
  });
});
