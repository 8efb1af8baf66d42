import { closeSync, ftruncateSync, mkdirSync, mkdtempSync, openSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SiteConfig } from '../../../lib/config.ts';
import { rebuild } from '../../../lib/pipeline/rebuild.ts';
import { regenerate } from '../../../lib/pipeline/regenerate.ts';
import type { PipelineDeps } from '../../../lib/pipeline/types.ts';
import { FsStorage } from '../../../lib/storage/fs/fs-storage.ts';
import { MemoryStorage } from '../../../lib/storage/memory/memory-storage.ts';
import type { GetOptions, Storage } from '../../../lib/storage/storage.ts';
import { markdown, snapshot, testSite } from '../../support/site-content.ts';

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});
function tempRoot(): string {
  const root = mkdtempSync(path.join(tmpdir(), 'herald-source-'));
  roots.push(root);
  return root;
}

/** The storage, and for each key the byte counts of the bodies `get` handed out: what was read into memory. */
function readsOf(storage: Storage): { storage: Storage; bodies: Map<string, number[]> } {
  const bodies = new Map<string, number[]>();
  const get = async (key: string, options: GetOptions = {}) => {
    const object = await storage.get(key, options);
    if (object && 'body' in object) bodies.set(key, [...(bodies.get(key) ?? []), object.body.byteLength]);
    return object;
  };
  return {
    bodies,
    storage: {
      get: get as Storage['get'],
      head: (key) => storage.head(key),
      put: (key, body, options) => storage.put(key, body, options),
      delete: (key) => storage.delete(key),
      list: (prefix, options) => storage.list(prefix, options),
    },
  };
}

function depsOf(content: Storage, site: SiteConfig): PipelineDeps {
  return { content, feeds: new MemoryStorage(), state: new MemoryStorage(), site, now: () => new Date('2025-06-01T00:00:00Z') };
}

const post = (title: string) => markdown({ title, date: '2025-05-01T10:00:00Z' });

describe('posts larger than maxPostBytes', () => {
  it('are rejected by a rebuild over a folder from their size alone: the bytes are never read', async () => {
    const root = tempRoot();
    mkdirSync(path.join(root, 'posts'));
    writeFileSync(path.join(root, 'posts/small.md'), post('Small'));
    // Sparse: 64 MiB on paper, no disk and no memory unless something reads it.
    const fd = openSync(path.join(root, 'posts/huge.md'), 'w');
    ftruncateSync(fd, 64 * 1024 * 1024);
    closeSync(fd);
    const { storage, bodies } = readsOf(new FsStorage(root));
    const site = testSite({ maxPostBytes: 1024 * 1024 });
    const deps = depsOf(storage, site);

    const report = await rebuild(deps);
    expect(report.posts.rejected.map(String)).toEqual([
      `PostError: posts/huge.md: file is ${64 * 1024 * 1024} bytes, larger than maxPostBytes (1048576)`,
    ]);
    expect(report.posts.published).toBe(1);
    expect(report.failed).toEqual([]);
    expect(bodies.has('posts/huge.md')).toBe(false);
    expect(bodies.get('posts/small.md')?.length).toBeGreaterThan(0);
  });

  it('are rejected by regenerate (an S3 event) without reading them, and the other keys of the batch publish', async () => {
    const memory = new MemoryStorage();
    const { storage, bodies } = readsOf(memory);
    const site = testSite({ maxPostBytes: 1000 });
    const deps = depsOf(storage, site);
    await rebuild(deps);
    await memory.put('posts/a.md', post('Alpha'));
    await memory.put('posts/big.md', `${post('Big')}${'x'.repeat(1000)}`);
    const report = await regenerate(deps, ['posts/a.md', 'posts/big.md']);
    expect(report.posts.rejected.map((error) => error.message)).toEqual([
      `posts/big.md: file is ${Buffer.byteLength(post('Big')) + 1000} bytes, larger than maxPostBytes (1000)`,
    ]);
    expect(report.posts.published).toBe(1);
    expect(bodies.has('posts/big.md')).toBe(false);
    expect((await snapshot(deps.feeds))['feed.json']).toContain('Alpha');
  });
});

describe('keys with "." or ".." segments', () => {
  it('are rejected with the key named, never published outside baseUrl (memory, as S3 keys)', async () => {
    const content = new MemoryStorage();
    const site = testSite({ baseUrl: 'https://example.test/blog/' });
    const deps = depsOf(content, site);
    await rebuild(deps);
    const keys = ['posts/../escape.md', 'posts/x/../../y.md', 'posts/./dot.md', 'posts//empty.md', 'posts/fine.md'];
    for (const key of keys) await content.put(key, post(key));
    const report = await regenerate(deps, keys);
    expect(report.posts.rejected.map((error) => error.key)).toEqual(keys.slice(0, 4).sort());
    for (const error of report.posts.rejected) expect(error.reason).toMatch(/path segment, which a permalink cannot hold/);
    expect(report.posts.published).toBe(1);
    const feed = JSON.parse((await snapshot(deps.feeds))['feed.json']!) as { items: { url: string }[] };
    expect(feed.items.map((item) => item.url)).toEqual(['https://example.test/blog/posts/fine/']);

    // A rebuild agrees.
    const rebuilt = await rebuild(depsOf(content, site));
    expect(rebuilt.posts.rejected.map((error) => error.key)).toEqual(keys.slice(0, 4).sort());
  });

  it('are rejected with the key named on a folder, which cannot hold them', async () => {
    const root = tempRoot();
    mkdirSync(path.join(root, 'posts'));
    writeFileSync(path.join(root, 'posts/fine.md'), post('Fine'));
    writeFileSync(path.join(root, 'escape.md'), post('Escape'));
    const deps = depsOf(new FsStorage(path.join(root, 'posts')), testSite());
    await rebuild(deps);
    const report = await regenerate(deps, ['../escape.md', 'fine.md']);
    expect(report.posts.rejected.map((error) => error.message)).toEqual([
      '../escape.md: invalid storage key "../escape.md": has a ".." segment',
    ]);
    expect(report.failed).toEqual([]);
  });
});

describe('unreadable entries in a content folder', () => {
  it('do not stop a rebuild: a symbolic link loop is reported with the rejected posts, the rest publishes', async () => {
    const root = tempRoot();
    mkdirSync(path.join(root, 'posts'));
    writeFileSync(path.join(root, 'posts/ok.md'), post('Fine'));
    symlinkSync('loop-b.md', path.join(root, 'posts/loop-a.md'));
    symlinkSync('loop-a.md', path.join(root, 'posts/loop-b.md'));
    symlinkSync('.', path.join(root, 'posts/self'));
    const report = await rebuild(depsOf(new FsStorage(root), testSite()));
    expect(report.posts.rejected.map((error) => `${error.key}: ${error.reason.replace(/\(to .*\)/, '(...)')}`)).toEqual([
      'posts/loop-a.md: symbolic link loop',
      'posts/loop-b.md: symbolic link loop',
      'posts/self: symbolic link loop (...)',
    ]);
    expect(report.posts.published).toBe(1);
    expect(report.failed).toEqual([]);
  });
});
