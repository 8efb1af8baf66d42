import { cp, mkdir, mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSiteConfig } from '../../../lib/cli.ts';
import { openPreview, PreviewError, type Preview } from '../../../lib/serve/preview.ts';

const repoRoot = path.resolve(import.meta.dirname, '../../..');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until the check passes: the watcher debounces, then regenerates, so changes show up shortly after. */
async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean, what: string, timeoutMs = 8000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(value).slice(0, 300)}`);
    await sleep(50);
  }
}

function post(title: string, tag: string): string {
  return `---\ntitle: "${title}"\ndate: 2024-03-01T10:00:00Z\ncategories: [Preview]\ntags: ["${tag}"]\n---\nBody of ${title}.\n`;
}

describe('openPreview: build, serve and regenerate on changes (a temporary copy of content/)', () => {
  let work: string;
  let contentDir: string;
  let preview: Preview;
  const lines: string[] = [];

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
      quietMs: 100,
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
    await eventually(
      () => fetchText(firstTag),
      (r) => r.status === 200 && r.body.includes(title),
      'the new tag feed',
    );
    expect((await fetchText('/rss.xml')).body).toContain(title);
    expect((await fetchText('/')).body).toContain('watch-first');

    await writeFile(file, post(title, '预览'));
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
    const soon = (ms: number) => new Date(Date.now() + ms).toISOString();
    // 20 ms apart: on a busy machine the second falls due while the first one's run is going on.
    const title = 'Scheduled preview post';
    const expiring = 'Expiring preview post';
    await writeFile(path.join(contentDir, 'scheduled.md'), `---\ntitle: "${title}"\ndate: ${soon(2500)}\n---\nSoon.\n`);
    await writeFile(
      path.join(contentDir, 'expiring.md'),
      `---\ntitle: "${expiring}"\ndate: 2024-03-01T10:00:00Z\nexpiryDate: ${soon(2520)}\n---\nGoing.\n`,
    );
    await eventually(
      () => fetchText('/rss.xml'),
      (r) => r.body.includes(expiring),
      'the expiring post to appear',
    );
    expect((await fetchText('/rss.xml')).body).not.toContain(title);

    await eventually(
      () => fetchText('/rss.xml'),
      (r) => r.body.includes(title) && !r.body.includes(expiring),
      'the schedule to turn',
      10_000,
    );
    expect(lines.some((line) => line.includes('scheduled posts due'))).toBe(true);
    await unlink(path.join(contentDir, 'scheduled.md'));
    await unlink(path.join(contentDir, 'expiring.md'));
    await eventually(
      () => fetchText('/rss.xml'),
      (r) => !r.body.includes(title),
      'the scheduled post’s removal',
    );
    await eventually(sitePosts, (n) => n === before, 'the directory page to count the removal');
  });

  it('debounces a burst of 500 new files into a few runs, and a removed folder into the removal of each post', async () => {
    const before = await sitePosts();
    const runsBefore = lines.filter((line) => line.startsWith('[')).length;
    const folder = path.join(contentDir, 'burst');
    await mkdir(folder);
    // As fast as a `git checkout` writes them; on a loaded machine that can take seconds, hence maxWait runs.
    const started = Date.now();
    await Promise.all(
      Array.from({ length: 500 }, (_, i) =>
        writeFile(path.join(folder, `post-${String(i).padStart(3, '0')}.md`), post(`Burst ${i}`, 'burst')),
      ),
    );
    const writing = Date.now() - started;
    await eventually(sitePosts, (n) => n === before + 500, 'all 500 posts', 30_000);
    const runs = lines.filter((line) => line.startsWith('[')).length - runsBefore;
    expect(runs, `${runs} runs for 500 files written in ${writing} ms`).toBeLessThanOrEqual(2 + Math.ceil(writing / 1000));
    expect((await fetchText('/tags/burst/rss.xml')).status).toBe(200);

    await rm(folder, { recursive: true });
    await eventually(sitePosts, (n) => n === before, 'the burst posts to go', 30_000);
    await eventually(
      () => fetchText('/tags/burst/rss.xml'),
      (r) => r.status === 404,
      'the burst tag feed to go',
    );
  });

  it('names a rejected post in the log and keeps serving', async () => {
    const file = path.join(contentDir, 'broken-preview.md');
    await writeFile(file, '---\ntitle: [unclosed\n---\nbody\n');
    await eventually(
      async () => lines.join('\n'),
      (log) => log.includes('rejected broken-preview.md'),
      'the rejection',
    );
    expect((await fetchText('/rss.xml')).status).toBe(200);
    await unlink(file);
  });

  it('rebuilds on a configuration change', async () => {
    const configFile = path.join(contentDir, 'herald.config.json');
    const config = JSON.parse(await readFile(configFile, 'utf8')) as { title: string };
    config.title = 'Retitled by the preview test';
    await writeFile(configFile, JSON.stringify(config, null, 2));
    await eventually(
      () => fetchText('/rss.xml'),
      (r) => r.body.includes('Retitled by the preview test'),
      'the new title',
    );
    expect(lines.some((line) => line.includes('configuration changed'))).toBe(true);
  });

  it('keeps the previous configuration when the new one is invalid', async () => {
    const configFile = path.join(contentDir, 'herald.config.json');
    const before = await readFile(configFile, 'utf8');
    await writeFile(configFile, '{ "title": ');
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
