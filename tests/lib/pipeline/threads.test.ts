// A full build spread over worker threads writes the same bytes as one thread, from the sources (whose worker
// side is bundled first) and from an esbuild bundle like the Lambda's (where the bundle file is the worker's entry).
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SiteConfig } from '../../../lib/config.ts';
import { rebuild } from '../../../lib/pipeline/rebuild.ts';
import { closeWork, lambdaJobs, threadedWork, type WorkerEntry, workerEntry, workerExecArgv } from '../../../lib/pipeline/threads.ts';
import type { RunReport } from '../../../lib/pipeline/types.ts';
import { localWork, type Work, WorkUnavailableError } from '../../../lib/pipeline/work.ts';
import { FsStorage } from '../../../lib/storage/fs/fs-storage.ts';
import { intercept } from '../../../lib/storage/intercept.ts';
import { MemoryStorage } from '../../../lib/storage/memory/memory-storage.ts';
import { bundleOptions } from '../../../scripts/bundle.ts';
import { corpusDir } from '../../support/shared-corpus.ts';
import { markdown, snapshot, testSite } from '../../support/site-content.ts';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const NOW = new Date('2025-06-01T00:00:00Z');

/** Enough posts that every thread gets many, of every kind: shown, pushed out, drafts, future, rejected, skipped. */
async function fixtureContent(): Promise<MemoryStorage> {
  const content = new MemoryStorage();
  const tags = ['Rust', 'rust', '科技', 'C#', 'Go', 'Web Dev', 'Ünïcödé'];
  for (let n = 0; n < 150; n++) {
    const day = String(1 + (n % 28)).padStart(2, '0');
    const hour = String(n % 24).padStart(2, '0');
    await content.put(
      `posts/${n % 5}/p${n}.md`,
      markdown({
        title: `Post ${n} <b>&amp;</b>`,
        date: `2025-0${1 + (n % 5)}-${day}T${hour}:00:00+08:00`,
        categories: [`Cat ${n % 4}`],
        tags: [tags[n % tags.length]!, tags[(n * 3) % tags.length]!],
        ...(n % 17 === 0 && { draft: true }),
        ...(n % 23 === 0 && { publishDate: '2025-09-01T00:00:00Z' }),
        ...(n % 7 === 0 && { summary: `Summary of ${n}` }),
        body: `Para *${n}* with [a link](/posts/${n}/) and ![img](img/${n}.png).\n\n<script>alert(${n})</script>\n\n${'长文 '.repeat(n * 5)}`,
      }),
    );
  }
  await content.put('posts/bad.md', '---\ntitle: [unclosed\n---\nbody\n');
  await content.put('posts/_index.md', '---\ntitle: Section\n---\n');
  await content.put('posts/binary.md', new Uint8Array([45, 45, 45, 0, 1, 2]));
  return content;
}

/**
 * Waits until every worker thread of `work` runs, so that they take steps too (a pool goes on without threads slow to
 * start). They start at the first step.
 */
async function allThreadsRunning(work: Work): Promise<void> {
  await work.item('warm.md', new TextEncoder().encode('---\ntitle: Warm\n---\n'));
  await expect.poll(async () => (await work.contentEtags?.())?.length ?? 0, { timeout: 30_000 }).toBe(work.jobs - 1);
}

interface Built {
  feeds: Record<string, string>;
  state: Record<string, string>;
  report: RunReport;
}

async function buildWith(content: MemoryStorage, site: SiteConfig, jobs: number): Promise<Built> {
  const feeds = new MemoryStorage();
  const state = new MemoryStorage();
  const work = threadedWork(site, jobs);
  try {
    const report = await rebuild({ content, feeds, state, site, now: () => NOW }, { work });
    // Index records carry no run-specific ids in a rebuild, but the root holds the lease's: it is compared apart.
    return { feeds: await snapshot(feeds), state: await snapshot(state, 'records/'), report: { ...report, durationMs: 0 } };
  } finally {
    await work.close();
  }
}

describe('threadedWork', () => {
  let content: MemoryStorage;
  const site = testSite({ itemsPerFeed: 4 });
  let single: Built;

  beforeAll(async () => {
    content = await fixtureContent();
    single = await buildWith(content, site, 1);
  }, 60_000);

  it('writes the same feeds, records and report with 1, 2 and 4 threads', async () => {
    expect(Object.keys(single.feeds).length).toBeGreaterThan(30);
    expect(single.report.posts.rejected.length).toBe(2);
    for (const jobs of [2, 4]) {
      const threaded = await buildWith(content, site, jobs);
      expect(Object.keys(threaded.feeds)).toEqual(Object.keys(single.feeds));
      for (const [key, body] of Object.entries(single.feeds)) expect(threaded.feeds[key], `${key} with ${jobs} jobs`).toBe(body);
      expect(threaded.state).toEqual(single.state);
      expect(threaded.report).toEqual(single.report);
    }
  }, 60_000);

  it('renders each shown post in the thread that parsed it, from the post as parsed: no post is read twice', async () => {
    // Without archives: records carry no items, and the shown posts' are rendered after every post is read.
    const plain = testSite({ itemsPerFeed: 4, archives: false });
    const built = async (jobs: number) => {
      const reads = new Map<string, number>();
      const counted = intercept(content, {
        before: (call) => void (call.op === 'get' && reads.set(call.key, (reads.get(call.key) ?? 0) + 1)),
      });
      const feeds = new MemoryStorage();
      const work = threadedWork(plain, jobs);
      await allThreadsRunning(work);
      const report = await rebuild({ content: counted, feeds, state: new MemoryStorage(), site: plain, now: () => NOW }, { work }).finally(
        () => work.close(),
      );
      return { reads, feeds: await snapshot(feeds), report: { ...report, durationMs: 0 } };
    };
    const one = await built(1);
    for (const jobs of [1, 2, 4]) {
      const { reads, feeds, report } = jobs === 1 ? one : await built(jobs);
      expect(reads.size, `${jobs} jobs`).toBe(153);
      expect(Math.max(...reads.values()), `${jobs} jobs`).toBe(1);
      expect({ feeds, report }).toEqual({ feeds: one.feeds, report: one.report });
    }
  }, 60_000);

  it('reads a content folder in the threads given it, with the same feeds, records and report (oversized posts too)', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'herald-threads-content-'));
    try {
      const folder = new FsStorage(dir);
      for await (const { key } of content.list('')) await folder.put(key, (await content.get(key))!.body);
      // Some posts over the limit: rejected from their size alone, in whichever thread reads them.
      const small = { ...site, maxPostBytes: 2_000 };
      const built = async (jobs: number, threadsRead: boolean) => {
        const feeds = new MemoryStorage();
        const state = new MemoryStorage();
        const work = threadedWork(small, jobs, threadsRead ? { content: folder } : {});
        expect(work.read !== undefined).toBe(threadsRead && jobs > 1);
        const report = await rebuild({ content: folder, feeds, state, site: small, now: () => NOW }, { work }).finally(() => work.close());
        return { feeds: await snapshot(feeds), state: await snapshot(state, 'records/'), report: { ...report, durationMs: 0 } };
      };
      const one = await built(1, false);
      expect(one.report.posts.rejected.some(({ message }) => message.includes('maxPostBytes'))).toBe(true);
      for (const jobs of [1, 2, 3]) expect(await built(jobs, true)).toEqual(one);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('hands back the ETags its worker threads computed, so that the calling thread keeps every post read', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'herald-threads-etags-'));
    try {
      const written = new FsStorage(dir);
      const keys: string[] = [];
      for await (const { key } of content.list('')) {
        await written.put(key, (await content.get(key))!.body);
        keys.push(key);
      }
      const folder = new FsStorage(dir);
      const work = threadedWork(site, 3, { content: folder });
      try {
        // Both worker threads read posts too.
        await allThreadsRunning(work);
        await rebuild({ content: folder, feeds: new MemoryStorage(), state: new MemoryStorage(), site, now: () => NOW }, { work });
      } finally {
        await closeWork(work, folder);
      }
      const known = folder.knownEtags(false);
      expect(Object.keys(known).sort()).toEqual(keys.filter((key) => key.endsWith('.md')).sort());
      for (const [key, [, etag]] of Object.entries(known)) expect(etag, key).toBe((await written.head(key))!.etag);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('starts its worker threads at the first step, not before (a build that finds nothing changed takes none)', async () => {
    const work = threadedWork(site, 3);
    try {
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(await work.contentEtags!()).toEqual([]);
      await work.item('a.md', new TextEncoder().encode('---\ntitle: A\ndate: 2025-01-01\n---\nBody\n'));
      await expect.poll(async () => (await work.contentEtags!()).length, { timeout: 30_000 }).toBe(2);
    } finally {
      await work.close();
    }
  }, 60_000);

  it('with one job runs in the calling thread', () => {
    expect(threadedWork(site, 1).jobs).toBe(1);
    expect(localWork(site).jobs).toBe(1);
  });

  it('fails every step once closed, and a rebuild whose threads are gone publishes nothing', async () => {
    const closed = threadedWork(site, 2);
    await closed.close();
    await expect(closed.item('a.md', new TextEncoder().encode('---\ntitle: a\n---\n'))).rejects.toThrow(WorkUnavailableError);

    const work = threadedWork(site, 2);
    const feeds = new MemoryStorage();
    const state = new MemoryStorage();
    const build = rebuild(
      {
        content,
        feeds,
        state,
        site,
        now: () => NOW,
        // The threads go while the posts are read.
        onProgress: (done) => void (done === 20 && work.close()),
      },
      { work },
    );
    await expect(build).rejects.toThrow(WorkUnavailableError);
    expect(await snapshot(feeds)).toEqual({});
  });

  it('fails a rebuild whose threads cannot start, publishing nothing', async () => {
    const work = threadedWork(site, 2, { entry: () => Promise.reject(new Error('esbuild is missing')) });
    const feeds = new MemoryStorage();
    const build = rebuild({ content, feeds, state: new MemoryStorage(), site, now: () => NOW }, { work }).finally(() => work.close());
    await expect(build).rejects.toThrow(/the worker threads could not start: esbuild is missing/);
    expect(await snapshot(feeds)).toEqual({});
  });

  it('takes steps in the calling thread too: a build whose worker threads are slow to start does not wait for them', async () => {
    let started!: (entry: WorkerEntry) => void;
    const work = threadedWork(site, 2, { entry: () => new Promise((resolve) => (started = resolve)) });
    const feeds = new MemoryStorage();
    const state = new MemoryStorage();
    const report = await rebuild({ content, feeds, state, site, now: () => NOW }, { work });
    expect(await snapshot(feeds)).toEqual(single.feeds);
    expect(await snapshot(state, 'records/')).toEqual(single.state);
    expect({ ...report, durationMs: 0 }).toEqual(single.report);
    // Closed before its threads could start: none is started after.
    const closed = work.close();
    started({ url: new URL('file:///nonexistent/thread.mjs'), dispose: async () => {} });
    await closed;
  });

  it('fails only the step that throws on its input, as the calling thread would: the threads go on', async () => {
    const work = threadedWork(site, 2);
    try {
      const failed = work.feed('site', { name: undefined, items: [null as never] });
      await expect(failed).rejects.toThrow(Error);
      await expect(failed).rejects.not.toThrow(WorkUnavailableError);
      const item = await work.item('a.md', new TextEncoder().encode('---\ntitle: A\ndate: 2025-01-01\n---\nbody\n'));
      expect(item?.title).toBe('A');
    } finally {
      await work.close();
    }
  });

  it('starts workers in a bundle from the bundle itself, and from the sources from a bundle of their worker side', async () => {
    const bundled = await workerEntry('file:///var/task/rebuild.mjs');
    expect(bundled.url.href).toBe('file:///var/task/rebuild.mjs');
    const fromSources = await workerEntry();
    const file = fileURLToPath(fromSources.url);
    expect(existsSync(file)).toBe(true);
    await fromSources.dispose();
    expect(existsSync(file)).toBe(false);
  }, 30_000);

  describe('in an esbuild bundle (the Lambda functions)', () => {
    let dir: string;

    beforeAll(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'herald-threads-'));
      // The test's own entry, bundled as the functions are: it builds the fixture content in memory and prints the feeds.
      const entry = path.join(dir, 'entry.ts');
      await writeFile(
        entry,
        `import { isMainThread } from 'node:worker_threads';
import { rebuild } from ${JSON.stringify(path.join(repo, 'lib/pipeline/rebuild.ts'))};
import { threadedWork } from ${JSON.stringify(path.join(repo, 'lib/pipeline/threads.ts'))};
import { MemoryStorage } from ${JSON.stringify(path.join(repo, 'lib/storage/memory/memory-storage.ts'))};
if (isMainThread) {
  const { readFileSync } = await import('node:fs');
  const { site, posts, now, jobs } = JSON.parse(readFileSync(0, 'utf8'));
  const content = new MemoryStorage();
  for (const [key, body] of posts) await content.put(key, new Uint8Array(body));
  const feeds = new MemoryStorage();
  const work = threadedWork(site, jobs);
  await rebuild({ content, feeds, state: new MemoryStorage(), site, now: () => new Date(now) }, { work });
  await work.close();
  const tree = {};
  for await (const { key } of feeds.list('')) tree[key] = new TextDecoder().decode((await feeds.get(key)).body);
  process.stdout.write(JSON.stringify({ jobs: work.jobs, tree }));
}
`,
      );
      await build({ ...bundleOptions(), entryPoints: { entry }, outdir: dir, sourcemap: false, metafile: false, logLevel: 'error' });
    }, 60_000);

    afterAll(() => rm(dir, { recursive: true, force: true }));

    it('writes the same feeds with 3 threads as the sources with one', async () => {
      const posts: [string, number[]][] = [];
      for await (const { key } of content.list('')) posts.push([key, [...(await content.get(key))!.body]]);
      const run = spawnSync(process.execPath, [path.join(dir, 'entry.mjs')], {
        input: JSON.stringify({ site, posts, now: NOW, jobs: 3 }),
        encoding: 'utf8',
        maxBuffer: 1 << 28,
      });
      expect(run.stderr).toBe('');
      const { jobs, tree } = JSON.parse(run.stdout) as { jobs: number; tree: Record<string, string> };
      expect(jobs).toBe(3);
      expect(tree).toEqual(single.feeds);
    }, 60_000);
  });
});

describe('threadedWork on the real corpora (skipped where ../shared is absent)', () => {
  const corpora = [
    ['rust-blog', 'UTC', 3],
    ['sofastack', 'Asia/Shanghai', 3],
    ['bulwark', 'Asia/Shanghai', 2],
  ] as const;
  for (const [name, timeZone, jobs] of corpora) {
    const dir = corpusDir(name);
    it.skipIf(dir === undefined)(
      `${name}: ${jobs} threads write the same feeds and records as one`,
      async () => {
        const content = new FsStorage(path.join(dir!, 'content'));
        // Every kind of feed on, so every renderer sees real content. bulwark's whole history is 1.1 GB of feeds,
        // too much to hold twice in memory: its threads are compared on the newest items, the others' on every page.
        const site = testSite({
          timeZone,
          itemsPerFeed: 20,
          feeds: { sections: true, languages: true, authors: true },
          ...(name === 'bulwark' && { archives: false }),
        });
        const built = async (threads: number) => {
          const feeds = new MemoryStorage();
          const state = new MemoryStorage();
          const work = threadedWork(site, threads, { content });
          const report = await rebuild({ content, feeds, state, site, now: () => NOW }, { work }).finally(() => work.close());
          return { feeds: await snapshot(feeds), records: await snapshot(state, 'records/'), published: report.posts.published };
        };
        const one = await built(1);
        const many = await built(jobs);
        expect(many.published).toBe(one.published);
        expect(Object.keys(many.feeds)).toEqual(Object.keys(one.feeds));
        for (const [key, body] of Object.entries(one.feeds)) expect(many.feeds[key] === body, key).toBe(true);
        for (const [key, body] of Object.entries(one.records)) expect(many.records[key] === body, key).toBe(true);
      },
      180_000,
    );
  }
});

describe('workerExecArgv', () => {
  it('passes a thread the profiling and warning options, in either spelling, and nothing else', () => {
    expect(
      workerExecArgv([
        '--import',
        'tsx',
        '--cpu-prof',
        '--cpu-prof-dir',
        '/tmp/prof',
        '--require=x.cjs',
        '-r',
        'y.cjs',
        '--input-type=module',
        '--max-old-space-size=900',
        '--v8-pool-size',
        '1',
        '--expose-gc',
        '--heap-prof-dir=/tmp/heap',
        '--no-warnings',
      ]),
    ).toEqual(['--cpu-prof', '--cpu-prof-dir', '/tmp/prof', '--heap-prof-dir=/tmp/heap', '--no-warnings']);
  });

  it('gives options a worker thread starts with', async () => {
    // What Node refuses in a thread: V8's options and the process's own.
    const given = ['--max-old-space-size=900', '--max-semi-space-size', '8', '--v8-pool-size=1', '--stack-size=900', '--no-warnings'];
    const worker = new Worker('require("node:worker_threads").parentPort.postMessage(process.execArgv)', {
      eval: true,
      execArgv: workerExecArgv(given),
    });
    const [argv] = (await once(worker, 'message')) as [string[]];
    expect(argv).toEqual(['--no-warnings']);
  });
});

describe('lambdaJobs', () => {
  it('gives a Lambda function one thread per vCPU its memory buys, at least one, never more than the cores', () => {
    expect(lambdaJobs(128)).toBe(1);
    expect(lambdaJobs(2048)).toBe(1);
    expect(lambdaJobs(Number.NaN)).toBe(1);
    expect(lambdaJobs(3538)).toBe(Math.min(2, os.availableParallelism()));
    expect(lambdaJobs(10_240)).toBe(Math.min(6, os.availableParallelism()));
  });
});
