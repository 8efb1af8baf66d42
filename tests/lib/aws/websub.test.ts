// Needs no external server: a WebSub hub of the test's own on 127.0.0.1 (tests/support/websub-hub.ts).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { changedFeedUrls, publishToHub } from '../../../lib/aws/websub.ts';
import { startTestHub, type TestHub } from '../../support/websub-hub.ts';

describe('changedFeedUrls', () => {
  it('keeps only feed files and spells their URLs like rel="self"', () => {
    const keys = ['rss.xml', 'tags/科技/atom.xml', 'categories/a b/feed.json', 'index.html', 'feeds.opml', 'rss.xml'];
    expect(changedFeedUrls('https://feeds.example.org/', keys)).toEqual([
      'https://feeds.example.org/categories/a%20b/feed.json',
      'https://feeds.example.org/rss.xml',
      'https://feeds.example.org/tags/%E7%A7%91%E6%8A%80/atom.xml',
    ]);
  });
});

describe('publishToHub', () => {
  let hub: TestHub;
  beforeEach(async () => {
    hub = await startTestHub();
  });
  afterEach(async () => {
    await hub.close();
  });

  it('posts hub.mode=publish with one hub.url per feed, form-encoded', async () => {
    const urls = ['https://example.org/rss.xml', 'https://example.org/tags/a%20b/atom.xml'];
    const result = await publishToHub(hub.url, urls);
    expect(result).toEqual({ published: expect.arrayContaining(urls), failed: [] });
    expect(hub.pings).toHaveLength(2);
    for (const ping of hub.pings) {
      expect(ping.mode).toBe('publish');
      expect(ping.contentType).toBe('application/x-www-form-urlencoded');
    }
    expect(hub.publishedUrls()).toEqual(urls);
  });

  it('reports a refusing hub without throwing', async () => {
    hub.respondWith(500);
    const reported: string[] = [];
    const result = await publishToHub(hub.url, ['https://example.org/rss.xml'], {
      onFailure: (url, reason) => reported.push(`${url}: ${reason}`),
    });
    expect(result.published).toEqual([]);
    expect(reported).toEqual(['https://example.org/rss.xml: hub answered 500 Internal Server Error']);
  });

  it('gives up on a hub that never answers within its time budget', async () => {
    hub.respondWith('hang');
    // The hub never answers: that the call returns at all shows the budget at work, on a machine of any speed.
    const result = await publishToHub(hub.url, ['https://example.org/rss.xml', 'https://example.org/atom.xml'], { timeoutMs: 200 });
    expect(result.failed.map((failure) => failure.reason)).toEqual(['hub did not answer in time', 'hub did not answer in time']);
  });

  it('reports an unreachable hub', async () => {
    await hub.close();
    const result = await publishToHub(hub.url, ['https://example.org/rss.xml']);
    expect(result.failed[0]?.reason).toMatch(/ECONNREFUSED/);
  });

  it('sends nothing for no feeds', async () => {
    expect(await publishToHub(hub.url, [])).toEqual({ published: [], failed: [] });
    expect(hub.pings).toEqual([]);
  });
});
