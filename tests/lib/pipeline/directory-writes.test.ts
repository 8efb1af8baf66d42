/**
 * What an upload costs at the CDN and in S3 writes besides its feeds: the directory page and the OPML are
 * written only when the set of feeds or a feed's name changes, so an ordinary upload neither PUTs them
 * nor (with invalidation enabled) adds `/`, `/index.html` and `/feeds.opml` to the invalidation.
 */
import { describe, expect, it } from 'vitest';
import { invalidationPaths } from '../../../lib/aws/invalidation.ts';
import { DIRECTORY_PATH, OPML_PATH } from '../../../lib/pipeline/outputs.ts';
import type { RunReport } from '../../../lib/pipeline/types.ts';
import { intercept } from '../../../lib/storage/intercept.ts';
import { SiteHarness } from '../../support/pipeline-harness.ts';
import { testSite } from '../../support/site-content.ts';

interface Measured {
  report: RunReport;
  /** Feed-store PUTs by key. */
  puts: string[];
  paths: string[];
}

async function measure(site: SiteHarness, keys: string[]): Promise<Measured> {
  const puts: string[] = [];
  const feeds = intercept(site.feedsStore, { before: (call) => void (call.op === 'put' && puts.push(call.key)) });
  const report = await site.regenerate(keys, { feeds });
  expect(report.failed).toEqual([]);
  return { report, puts, paths: invalidationPaths([...report.feeds.written, ...report.feeds.deleted]) };
}

const directoryPuts = (m: Measured) => m.puts.filter((key) => key === DIRECTORY_PATH || key === OPML_PATH).sort();

async function seeded(): Promise<SiteHarness> {
  // Without archives: an upload then writes the subscription documents alone (with them, each feed's open page too).
  const site = new SiteHarness(testSite({ archives: false }));
  for (let i = 0; i < 20; i++) {
    await site.write(`posts/${i}.md`, {
      title: `Post ${i}`,
      date: new Date(Date.UTC(2025, 0, 1) + i * 3_600_000).toISOString(),
      categories: [`c${i % 2}`],
      tags: [`t${i % 4}`],
    });
  }
  await site.rebuild();
  return site;
}

describe('directory page and OPML writes per upload', () => {
  it('are none for a new post, an edit or a deletion within existing feeds: 9 invalidation paths instead of 12', async () => {
    const site = await seeded();
    await site.write('posts/new.md', { title: 'New', date: '2025-03-01T00:00:00Z', categories: ['c0'], tags: ['t0'] });
    const upload = await measure(site, ['posts/new.md']);
    expect(directoryPuts(upload)).toEqual([]);
    // The site feed, its category and its tag, three formats each: nothing else.
    expect(upload.report.feeds.written).toHaveLength(9);
    expect(upload.paths).toHaveLength(9);
    expect(upload.paths).not.toEqual(expect.arrayContaining(['/']));

    await site.write('posts/new.md', { title: 'New, edited', date: '2025-03-01T00:00:00Z', categories: ['c0'], tags: ['t0'] });
    expect(directoryPuts(await measure(site, ['posts/new.md']))).toEqual([]);
    await site.remove('posts/new.md');
    const deletion = await measure(site, ['posts/new.md']);
    expect(directoryPuts(deletion)).toEqual([]);
    expect(deletion.paths).toHaveLength(9);
    expect(await site.feedTree()).toEqual(await site.freshTree());
  });

  it('are both files when a feed appears, is renamed or disappears', async () => {
    const site = await seeded();
    await site.write('posts/new.md', { title: 'New', date: '2025-03-01T00:00:00Z', categories: ['c0'], tags: ['fresh'] });
    const added = await measure(site, ['posts/new.md']);
    expect(directoryPuts(added)).toEqual([OPML_PATH, DIRECTORY_PATH].sort());
    expect(added.paths).toEqual(expect.arrayContaining(['/', '/index.html', '/feeds.opml']));

    // The newest post's spelling names a term.
    await site.write('posts/new.md', { title: 'New', date: '2025-03-01T00:00:00Z', categories: ['c0'], tags: ['Fresh'] });
    expect(directoryPuts(await measure(site, ['posts/new.md']))).toEqual([OPML_PATH, DIRECTORY_PATH].sort());

    await site.remove('posts/new.md');
    expect(directoryPuts(await measure(site, ['posts/new.md']))).toEqual([OPML_PATH, DIRECTORY_PATH].sort());
    expect(await site.feedTree()).toEqual(await site.freshTree());
  });
});
