import { cp, mkdir, mkdtemp, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIG_FILE, loadConfiguration, loadSiteConfig } from '../../../lib/config.ts';
import { openPreview, PreviewError, type Preview } from '../../../lib/serve/preview.ts';
import { eventually, until } from '../../support/eventually.ts';
import { ManualClock } from '../../support/manual-clock.ts';

const repoRoot = path.resolve(import.meta.dirname, '../../..');
const QUIET_MS = 100;
const HOUR_MS = 60 * 60 * 1000;

function post(title: string, tag: string): string {
  return `---\ntitle: "${title}"\ndate: 2024-03-01T10:00:00Z\ncategories: [Preview]\ntags: ["${tag}"]\n---\nBody of ${title}.\n`;
}

describe('openPreview: build, serve and regenerate on changes (a temporary copy of content/)', () => {
  let work: string;
  let contentDir: string;
  let preview: Preview;
  const lines: string[] = [];
  // The preview's time: debouncing and the schedule move when a test says, not when a loaded machine gets there.
  const clock = new ManualClock(Date.now());
  const queued = new Set<string>();

  /** Once the watcher has taken in every key, lets the quiet time pass: the run for them starts. */
  const settle = async (...keys: string[]) => {
    await until(() => keys.every((key) => queued.has(key)), `the watcher to take in ${keys.slice(0, 3).join(', ')}`);
    queued.clear();
    clock.advance(QUIET_MS);
  };
  /**
   * Writes a post whole, by a rename into the content folder: the watcher reports it once. A file written in place
   * can be reported again after `settle` (its creation, then its write), and the next `clock.advance` would end that
   * report's quiet time too, starting a run the test did not mean.
   */
  const place = async (name: string, text: string) => {
    const staged = path.join(work, `staged-${name}`);
    await writeFile(staged, text);
    await rename(staged, path.join(contentDir, name));
  };
  /** Lines of the runs logged so far. */
  const runs = () => lines.filter((line) => line.startsWith('['));

  const fetchText = async (urlPath: string) => {
    const response = await fetch(new URL(urlPath, preview.url));
    return { status: response.status, body: await response.text() };
  };
  /** The site's post count: items of the site's JSON Feed, which this preview lets hold every post. */
  const sitePosts = async () => (JSON.parse((await fetchText('/feed.json')).body) as { items: unknown[] }).items.length;

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'herald-preview-'));
    contentDir = path.join(work, 'content');
    await cp(path.join(repoRoot, 'content'), contentDir, { recursive: true });
    const site = { ...(await loadSiteConfig(contentDir)), itemsPerFeed: 10_000 };
    preview = await openPreview({
      contentDir,
      outDir: path.join(work, 'public'),
      site,
      port: 0,
      host: '127.0.0.1',
      log: (line) => lines.push(line),
      clock,
      onQueued: (key) => queued.add(key),
      quietMs: QUIET_MS,
      maxWaitMs: 1000,
    });
  });
  afterAll(async () => {
    await preview?.close();
    await rm(work, { recursive: true, force: true });
  });

  it('builds first and serves the directory page, with feeds linking to the preview', async () => {
    expect(preview.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(lines.some((line) => line.includes('built'))).toBe(true);
    expect(lines.at(-1)).toContain(`at ${preview.url}`);
    const index = await fetchText('/');
    expect(index.status).toBe(200);
    expect(index.body).toContain('href="rss.xml"');
    const rss = await fetchText('/rss.xml');
    expect(rss.status).toBe(200);
    expect(rss.body).toContain(`${preview.url}rss.xml`);
    expect((await fetchText('/feeds.opml')).body).toContain(`xmlUrl="${preview.url}rss.xml"`);
  });

  it('publishes an added post, moves it to another tag when edited, and withdraws it when deleted', async () => {
    const file = path.join(contentDir, 'preview-watch-test.md');
    const title = 'Watch test post';
    const firstTag = '/tags/watch-first/rss.xml';
    const secondTag = `/tags/${encodeURIComponent('预览')}/rss.xml`;

    await writeFile(file, post(title, 'watch-first'));
    await settle('preview-watch-test.md');
    await eventually(
      () => fetchText(firstTag),
      (r) => r.status === 200 && r.body.includes(title),
      'the new tag feed',
    );
    expect((await fetchText('/rss.xml')).body).toContain(title);
    expect((await fetchText('/')).body).toContain('watch-first');

    await writeFile(file, post(title, '预览'));
    await settle('preview-watch-test.md');
    await eventually(
      () => fetchText(secondTag),
      (r) => r.status === 200 && r.body.includes(title),
      'the edited tag feed',
    );
    await eventually(
      () => fetchText(firstTag),
      (r) => r.status === 404,
      'the emptied tag feed to go',
    );

    await unlink(file);
    await settle('preview-watch-test.md');
    await eventually(
      () => fetchText(secondTag),
      (r) => r.status === 404,
      'the deleted post’s tag feed to go',
    );
    expect((await fetchText('/rss.xml')).body).not.toContain(title);
    expect(lines.some((line) => line.includes('preview-watch-test.md'))).toBe(true);
  });

  it('publishes a future-dated post when its time comes, and withdraws an expiring one, with no file changed', async () => {
    const before = await sitePosts();
    const fromNow = (ms: number) => new Date(clock.now() + ms).toISOString();
    const title = 'Scheduled preview post';
    const expiring = 'Expiring preview post';
    // Placed whole: the hour the clock moves next must end no report's quiet time, so only the schedule starts a run.
    await place('scheduled.md', `---\ntitle: "${title}"\ndate: ${fromNow(HOUR_MS)}\n---\nSoon.\n`);
    await place(
      'expiring.md',
      `---\ntitle: "${expiring}"\ndate: 2024-03-01T10:00:00Z\nexpiryDate: ${fromNow(HOUR_MS + 20)}\n---\nGoing.\n`,
    );
    await settle('scheduled.md', 'expiring.md');
    await eventually(
      () => fetchText('/rss.xml'),
      (r) => r.body.includes(expiring),
      'the expiring post to appear',
    );
    expect((await fetchText('/rss.xml')).body).not.toContain(title);

    clock.advance(HOUR_MS);
    // The expiry falls due while the run the first one woke is under way: that run must wake the timer again.
    await new Promise(setImmediate);
    clock.advance(20);
    await eventually(
      () => fetchText('/rss.xml'),
      (r) => r.body.includes(title) && !r.body.includes(expiring),
      'the schedule to turn',
    );
    // The run has written the feed before it returns and logs: under load a fetch sees the one before the other.
    await eventually(
      () => runs().slice(-4),
      (last) => last.some((line) => line.includes('scheduled posts due')),
      'the scheduled run to be logged (last value: the runs logged last)',
    );
    await unlink(path.join(contentDir, 'scheduled.md'));
    await unlink(path.join(contentDir, 'expiring.md'));
    await settle('scheduled.md', 'expiring.md');
    await eventually(
      () => fetchText('/rss.xml'),
      (r) => !r.body.includes(title),
      'the scheduled post’s removal',
    );
    await eventually(sitePosts, (n) => n === before, 'the directory page to count the removal');
  });

  it('debounces a burst of 500 new files into one run, and a removed folder into the removal of each post', async () => {
    const before = await sitePosts();
    const runsBefore = runs().length;
    const folder = path.join(contentDir, 'burst');
    await mkdir(folder);
    const names = Array.from({ length: 500 }, (_, i) => `post-${String(i).padStart(3, '0')}.md`);
    // As fast as a `git checkout` writes them: all at once.
    await Promise.all(names.map((name, i) => writeFile(path.join(folder, name), post(`Burst ${i}`, 'burst'))));
    await settle(...names.map((name) => `burst/${name}`));
    await eventually(sitePosts, (n) => n === before + 500, 'all 500 posts');
    // Logged once the run returns, which is after it wrote the directory page.
    await until(() => runs().length > runsBefore, 'the burst run to be logged');
    expect(runs().slice(runsBefore)).toEqual([expect.stringContaining('500 changes (burst/post-000.md')]);
    expect((await fetchText('/tags/burst/rss.xml')).status).toBe(200);

    await rm(folder, { recursive: true });
    await settle(...names.map((name) => `burst/${name}`));
    await eventually(sitePosts, (n) => n === before, 'the burst posts to go');
    await eventually(
      () => fetchText('/tags/burst/rss.xml'),
      (r) => r.status === 404,
      'the burst tag feed to go',
    );
  });

  it('names a rejected post in the log and keeps serving', async () => {
    const file = path.join(contentDir, 'broken-preview.md');
    await writeFile(file, '---\ntitle: [unclosed\n---\nbody\n');
    await settle('broken-preview.md');
    await eventually(
      async () => lines.join('\n'),
      (log) => log.includes('rejected broken-preview.md'),
      'the rejection',
    );
    expect((await fetchText('/rss.xml')).status).toBe(200);
    await unlink(file);
  });

  it('rebuilds on a configuration change, and answers with its aliases as they now are', async () => {
    // The example site keeps Hugo's feed URLs (its `aliases` is the `hugo` preset); the test's change drops them.
    const oldFeed = new URL('/tags/rss-%E9%98%85%E8%AF%BB%E5%99%A8/index.xml', preview.url);
    const moved = await fetch(oldFeed, { redirect: 'manual' });
    expect(moved.status).toBe(301);
    expect(moved.headers.get('location')).toBe('/tags/rss-%E9%98%85%E8%AF%BB%E5%99%A8/rss.xml');
    const configFile = path.join(contentDir, 'herald.config.json');
    const config = JSON.parse(await readFile(configFile, 'utf8')) as { title: string; aliases?: unknown };
    config.title = 'Retitled by the preview test';
    delete config.aliases;
    await writeFile(configFile, JSON.stringify(config, null, 2));
    await settle(CONFIG_FILE);
    await eventually(
      () => fetchText('/rss.xml'),
      (r) => r.body.includes('Retitled by the preview test'),
      'the new title',
    );
    // The feed is written before the rebuild ends and logs.
    await until(() => lines.some((line) => line.includes('configuration changed')), 'the rebuild to be logged');
    expect((await fetch(oldFeed, { redirect: 'manual' })).status).toBe(404);
    expect((await fetchText('/tags/rss-%E9%98%85%E8%AF%BB%E5%99%A8/rss.xml')).body).toContain('Retitled by the preview test');
  });

  it('keeps the previous configuration when the new one is invalid', async () => {
    const configFile = path.join(contentDir, 'herald.config.json');
    const before = await readFile(configFile, 'utf8');
    await writeFile(configFile, '{ "title": ');
    await settle(CONFIG_FILE);
    await eventually(
      async () => lines.join('\n'),
      (log) => log.includes('configuration not applied'),
      'the config error',
    );
    expect((await fetchText('/rss.xml')).status).toBe(200);
    await writeFile(configFile, before);
  });

  it('says clearly when the port is taken', async () => {
    const port = Number(new URL(preview.url).port);
    const site = await loadSiteConfig(contentDir);
    const attempt = openPreview({ contentDir, outDir: path.join(work, 'other'), site, port, host: '127.0.0.1', log: () => {} });
    await expect(attempt).rejects.toBeInstanceOf(PreviewError);
    await expect(attempt).rejects.toThrow(`port ${port} on 127.0.0.1 is already in use`);
  });
});

describe('openPreview of a Hugo site without herald.config.json', () => {
  it("answers Hugo's feed URLs with redirects, and rebuilds when hugo.toml, beside the content folder, changes", async () => {
    const work = await mkdtemp(path.join(os.tmpdir(), 'herald-preview-hugo-'));
    await cp(path.join(repoRoot, 'tests/fixtures/hugo-site'), work, { recursive: true });
    const contentDir = path.join(work, 'content');
    const loaded = await loadConfiguration(contentDir);
    const clock = new ManualClock(Date.now());
    const queued = new Set<string>();
    const preview = await openPreview({
      contentDir,
      outDir: path.join(work, 'public'),
      site: loaded.site,
      hugoConfigFiles: loaded.hugo?.files,
      port: 0,
      host: '127.0.0.1',
      log: () => {},
      clock,
      onQueued: (key) => queued.add(key),
      quietMs: QUIET_MS,
      maxWaitMs: 1000,
    });
    const rss = async () => (await fetch(new URL('/rss.xml', preview.url))).text();
    try {
      expect(await rss()).toContain('<title>Field Notes</title>');
      for (const [old, now] of [
        ['/index.xml', '/rss.xml'],
        ['/tags/garden/index.xml', '/tags/garden/rss.xml'],
        ['/posts/index.xml', '/sections/posts/rss.xml'],
      ]) {
        const moved = await fetch(new URL(old!, preview.url), { redirect: 'manual' });
        expect([moved.status, moved.headers.get('location')]).toEqual([301, now]);
        expect((await fetch(new URL(now!, preview.url))).status).toBe(200);
      }
      const hugoToml = path.join(work, 'hugo.toml');
      await writeFile(hugoToml, (await readFile(hugoToml, 'utf8')).replace("title = 'Field Notes'", "title = 'Notes, retitled'"));
      await until(() => queued.has(CONFIG_FILE), 'the watcher to take in hugo.toml');
      clock.advance(QUIET_MS);
      await eventually(rss, (body) => body.includes('<title>Notes, retitled</title>'), 'the title from the edited hugo.toml');
    } finally {
      await preview.close();
      await rm(work, { recursive: true, force: true });
    }
  });
});

describe('openPreview over the index the last one kept', () => {
  it('reads again only the posts that changed while it was stopped', async () => {
    const work = await mkdtemp(path.join(os.tmpdir(), 'herald-preview-kept-'));
    const contentDir = path.join(work, 'content');
    await cp(path.join(repoRoot, 'content'), contentDir, { recursive: true });
    const site = await loadSiteConfig(contentDir, undefined, 'https://feeds.example.test/');
    const lines: string[] = [];
    // With the URL given, the configuration is the same at every start, whatever port the preview gets.
    const open = () =>
      openPreview({
        contentDir,
        outDir: path.join(work, 'public'),
        site,
        baseUrl: 'https://feeds.example.test/',
        port: 0,
        host: '127.0.0.1',
        log: (line) => lines.push(line),
      });
    try {
      await (await open()).close();
      expect(lines.find((line) => line.includes('built'))).not.toContain('unchanged');
      const file = path.join(contentDir, 'en/blog/welcome-to-herald.md');
      await writeFile(file, (await readFile(file, 'utf8')).replace('title:', 'title: Edited —'));
      lines.length = 0;
      const again = await open();
      try {
        expect(lines.find((line) => line.includes('built'))).toMatch(
          /: 8 unchanged since the last build, 7 published, 2 skipped, \d+ files written/,
        );
        expect(await (await fetch(new URL('/rss.xml', again.url))).text()).toContain('Edited —');
      } finally {
        await again.close();
      }
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });
});
