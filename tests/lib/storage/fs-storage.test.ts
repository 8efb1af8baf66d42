import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  closeSync,
  ftruncateSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readdirSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { FsStorage, InvalidKeyError, RESERVED_DIR } from '../../../lib/storage/fs/fs-storage.ts';
import { PreconditionFailedError } from '../../../lib/storage/storage.ts';
import { storageContract } from './contract.ts';

const md5 = (text: string) => createHash('md5').update(text).digest('hex');

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});
function tempRoot(): string {
  const root = mkdtempSync(path.join(tmpdir(), 'herald-fs-'));
  roots.push(root);
  return root;
}

describe('FsStorage: the storage contract', () => {
  storageContract(() => new FsStorage(tempRoot()));
});

const read = (storage: FsStorage, key: string) =>
  storage.get(key).then((object) => (object ? new TextDecoder().decode(object.body) : null));

async function keysOf(storage: FsStorage, prefix?: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const info of storage.list(prefix)) keys.push(info.key);
  return keys;
}

describe('FsStorage: a folder', () => {
  it('stores each key as a plain file under the root, so the folder can be served as is', async () => {
    const root = tempRoot();
    const storage = new FsStorage(root);
    await storage.put('tags/科技/rss.xml', '<rss/>', { contentType: 'application/rss+xml; charset=utf-8' });
    expect(readFileSync(path.join(root, 'tags/科技/rss.xml'), 'utf8')).toBe('<rss/>');
    // Temporary files are renamed into place: none is left behind.
    expect(readdirSync(path.join(root, RESERVED_DIR, 'tmp'))).toEqual([]);
  });

  it.each([
    ['', 'empty'],
    ['/etc/passwd', 'absolute'],
    ['../outside', '".." segment'],
    ['tags/../../outside', '".." segment'],
    ['./rss.xml', '"." segment'],
    ['tags//rss.xml', 'empty path segment'],
    ['tags/', 'empty path segment'],
    ['tags\\..\\..\\outside', 'backslash'],
    ['rss.xml\0.png', 'NUL'],
  ])('refuses the key %j (%s) for every operation', async (key, reason) => {
    const root = tempRoot();
    const storage = new FsStorage(path.join(root, 'site'));
    await expect(storage.put(key, 'x')).rejects.toThrow(InvalidKeyError);
    await expect(storage.put(key, 'x')).rejects.toThrow(reason);
    await expect(storage.get(key)).rejects.toThrow(InvalidKeyError);
    await expect(storage.head(key)).rejects.toThrow(InvalidKeyError);
    await expect(storage.delete(key)).rejects.toThrow(InvalidKeyError);
    expect(readdirSync(root)).toEqual([]);
  });

  it('keeps its own files out of the key space', async () => {
    const root = tempRoot();
    const storage = new FsStorage(root);
    await storage.put('rss.xml', 'x', { metadata: { sha256: 'abc' } });
    expect(await keysOf(storage)).toEqual(['rss.xml']);
    expect(await storage.get(`${RESERVED_DIR}/tmp`)).toBeNull();
    const sidecars = readdirSync(path.join(root, RESERVED_DIR), { recursive: true, withFileTypes: true });
    const sidecar = sidecars.find((entry) => entry.isFile())!;
    expect(await storage.get(path.relative(root, path.join(sidecar.parentPath, sidecar.name)))).toBeNull();
    await expect(storage.put(`${RESERVED_DIR}/meta/x.json`, '{}')).rejects.toThrow(InvalidKeyError);
    await expect(storage.delete(RESERVED_DIR)).rejects.toThrow(InvalidKeyError);
  });

  it('reads files nobody put (hand-written posts): S3 ETag, no content type, no metadata', async () => {
    const root = tempRoot();
    mkdirSync(path.join(root, 'posts/2025'), { recursive: true });
    writeFileSync(path.join(root, 'posts/2025/hello world.md'), '# Hello');
    // A name that is no valid key is not listed, rather than listed and then refused.
    writeFileSync(path.join(root, 'posts/back\\slash.md'), 'x');
    const storage = new FsStorage(root);
    const object = await storage.get('posts/2025/hello world.md');
    expect(object).toMatchObject({ etag: `"${md5('# Hello')}"`, metadata: {} });
    expect(object!.contentType).toBeUndefined();
    expect(await keysOf(storage, 'posts/')).toEqual(['posts/2025/hello world.md']);
  });

  it('forgets what a put stored once the file is edited behind its back', async () => {
    const root = tempRoot();
    const storage = new FsStorage(root);
    await storage.put('feed.json', '{"v":1}', { contentType: 'application/feed+json', metadata: { sha256: 'v1' } });
    expect((await storage.head('feed.json'))!.metadata).toEqual({ sha256: 'v1' });
    // Same size, so only the file's identity (inode, times) tells it changed; the wait outlasts coarse clocks.
    await new Promise((resolve) => setTimeout(resolve, 20));
    writeFileSync(path.join(root, 'feed.json'), '{"v":2}');
    const head = await storage.head('feed.json');
    expect(head).toMatchObject({ etag: `"${md5('{"v":2}')}"`, metadata: {} });
    expect(head!.contentType).toBeUndefined();
    expect(await storage.get('feed.json')).toMatchObject({ etag: `"${md5('{"v":2}')}"`, metadata: {} });
  });

  it('believes what a put recorded while the file keeps its identity, without hashing it in another instance', async () => {
    const root = tempRoot();
    const written = await new FsStorage(root).put('feed.json', '{"v":1}', { contentType: 'application/feed+json' });
    const [sidecarFile] = readdirSync(path.join(root, RESERVED_DIR, 'meta'), { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => path.join(entry.parentPath, entry.name));
    const sidecar = JSON.parse(readFileSync(sidecarFile!, 'utf8')) as { etag?: string; contentType: string };
    // The put hashed nothing for the sidecar (a build never asks for its files' ETags); its answer hashes when read.
    expect(sidecar.etag).toBeUndefined();
    expect(written.etag).toBe(`"${md5('{"v":1}')}"`);
    // A content type no put gave: seen only if the sidecar is believed on the file's identity alone.
    writeFileSync(sidecarFile!, JSON.stringify({ ...sidecar, contentType: 'text/believed' }));
    const head = (await new FsStorage(root).head('feed.json'))!;
    expect(head).toMatchObject({ contentType: 'text/believed', etag: `"${md5('{"v":1}')}"` });
    // An ETag no hash of the bytes gives, recorded with the stamp (as puts before this one did): believed as it is.
    writeFileSync(sidecarFile!, JSON.stringify({ ...sidecar, etag: '"believed"' }));
    expect((await new FsStorage(root).head('feed.json'))!.etag).toBe('"believed"');
    // Edited behind its back (same size): a new instance hashes it again and drops the sidecar.
    await new Promise((resolve) => setTimeout(resolve, 20));
    writeFileSync(path.join(root, 'feed.json'), '{"v":2}');
    expect(await new FsStorage(root).head('feed.json')).toMatchObject({ etag: `"${md5('{"v":2}')}"`, metadata: {} });
  });

  it('passes the ETags it computed to another instance, which believes them while each file keeps its identity', async () => {
    const root = tempRoot();
    writeFileSync(path.join(root, 'a.md'), 'alpha');
    writeFileSync(path.join(root, 'b.md'), 'bravo');
    const etagsOf = async (storage: FsStorage) => {
      const etags: Record<string, string> = {};
      for await (const { key, etag } of storage.list('')) etags[key] = etag;
      return etags;
    };
    // Started long after the files last changed, so that it may pass their ETags on.
    const later = () => Date.now() + 60_000;
    const first = new FsStorage(root, { now: later });
    expect(await etagsOf(first)).toEqual({ 'a.md': `"${md5('alpha')}"`, 'b.md': `"${md5('bravo')}"` });
    const known = first.knownEtags();
    expect(Object.keys(known).sort()).toEqual(['a.md', 'b.md']);
    // An ETag no hash gives, with the file's identity: seen only if it is believed without reading the file.
    known['a.md']![1] = '"believed"';
    const second = new FsStorage(root, { knownEtags: { ...known, 'gone.md': ['0:0:0:0:0', '"stale"'] }, now: later });
    // Edited in place to the same size: its change time moves, and it is hashed again.
    await new Promise((resolve) => setTimeout(resolve, 20));
    writeFileSync(path.join(root, 'b.md'), 'BRAVO');
    expect(await etagsOf(second)).toEqual({ 'a.md': '"believed"', 'b.md': `"${md5('BRAVO')}"` });
    // Only what it checked is passed on: nothing of a file that is gone.
    expect(Object.keys(second.knownEtags()).sort()).toEqual(['a.md', 'b.md']);
    expect(second.knownEtagsChanged()).toBe(true);
    // Given exactly what it then finds, it says so without comparing; a file hashed, or one given but not seen, is a change.
    const given = second.knownEtags();
    // etagsAsGiven: every ETag answered was given, and every one given answered (what tells herald build nothing changed).
    const same = new FsStorage(root, { knownEtags: given, now: later });
    await etagsOf(same);
    expect([same.knownEtagsChanged(), same.etagsAsGiven()]).toEqual([false, true]);
    const unseen = new FsStorage(root, { knownEtags: { ...given, 'gone.md': ['0:0:0:0:0', '"stale"'] }, now: later });
    await etagsOf(unseen);
    expect([unseen.knownEtagsChanged(), unseen.etagsAsGiven()]).toEqual([true, false]);
    const { 'a.md': _hashed, ...partial } = given;
    const hashing = new FsStorage(root, { knownEtags: partial, now: later });
    await etagsOf(hashing);
    expect([hashing.knownEtagsChanged(), hashing.etagsAsGiven()]).toEqual([true, false]);
    // A file hashed that changed too recently to be passed on changes nothing kept, but was not given.
    const recent = new FsStorage(root, { knownEtags: partial });
    await etagsOf(recent);
    expect([recent.etagsAsGiven(), 'a.md' in recent.knownEtags()]).toEqual([false, false]);
    const deleting = new FsStorage(root, { knownEtags: given, now: later });
    await etagsOf(deleting);
    await deleting.delete('a.md');
    expect([deleting.knownEtagsChanged(), deleting.etagsAsGiven()]).toEqual([true, false]);
    // A file changed just before a storage started could change again within the same clock tick unseen: not passed on.
    const now = new FsStorage(root);
    await etagsOf(now);
    expect(now.knownEtags()).toEqual({});
  });

  it('shares one folder between instances: each sees the other’s writes and ETags', async () => {
    const root = tempRoot();
    const a = new FsStorage(root);
    const b = new FsStorage(root);
    const first = await a.put('index.json', 'one');
    expect((await b.head('index.json'))!.etag).toBe(first.etag);
    const second = await b.put('index.json', 'two', { ifMatch: first.etag });
    expect((await a.head('index.json'))!.etag).toBe(second.etag);
    await expect(a.put('index.json', 'three', { ifMatch: first.etag })).rejects.toBeInstanceOf(PreconditionFailedError);
  });

  it('runs writes of one key in the order they were asked for, and reads see each write with its headers', async () => {
    // Each write makes its files in the thread pool and finishes in a later turn: none may land inside another.
    const storage = new FsStorage(tempRoot());
    const puts = Array.from({ length: 20 }, (_, n) =>
      storage.put('feed.xml', `version ${n}`, { contentType: `text/v${n}`, metadata: { n: String(n) } }),
    );
    const heads = puts.map((put, n) => put.then(() => storage.head('feed.xml')).then((head) => [n, head] as const));
    const deleted = storage.delete('feed.xml');
    const afterDelete = storage.head('feed.xml');
    const last = storage.put('feed.xml', 'last', { contentType: 'text/vlast', metadata: { n: 'last' }, ifNoneMatch: '*' });
    for (const [n, head] of await Promise.all(heads)) {
      // A read waits for the writes in flight, so it sees the newest of them, whole: never a file with another's headers.
      expect(head === null || head.contentType === `text/v${head.metadata.n}`, `head after put ${n}`).toBe(true);
    }
    await deleted;
    expect(await afterDelete).toBeNull();
    await last;
    expect(await read(storage, 'feed.xml')).toBe('last');
    expect((await new FsStorage(storage.root).head('feed.xml'))!.contentType).toBe('text/vlast');
    expect(readdirSync(path.join(storage.root, RESERVED_DIR, 'tmp'))).toEqual([]);
  });
  it('explains keys a folder cannot hold, where S3 could: an object and a folder of the same name', async () => {
    const storage = new FsStorage(tempRoot());
    await storage.put('tags/a', 'object');
    await expect(storage.put('tags/a/rss.xml', 'x')).rejects.toThrow(/already an object/);
    await storage.put('categories/b/rss.xml', 'x');
    await expect(storage.put('categories/b', 'x')).rejects.toThrow(/names a folder/);
    await expect(storage.put('categories/b', 'x', { ifNoneMatch: '*' })).rejects.toThrow(/names a folder/);
    expect(await storage.get('categories/b')).toBeNull();
    await storage.delete('categories/b');
    expect(await read(storage, 'categories/b/rss.xml')).toBe('x');
  });

  it('removes folders a delete leaves empty, up to the root but never the root', async () => {
    const root = tempRoot();
    const storage = new FsStorage(root);
    await storage.put('tags/a/rss.xml', 'a');
    await storage.put('tags/b/rss.xml', 'b');
    await storage.delete('tags/a/rss.xml');
    expect(readdirSync(path.join(root, 'tags'))).toEqual(['b']);
    await storage.delete('tags/b/rss.xml');
    expect(readdirSync(root)).toEqual([RESERVED_DIR]);
  });

  it('writes into folders removed behind its back, and refuses one replaced by a file, though it made them before', async () => {
    const root = tempRoot();
    const storage = new FsStorage(root);
    await storage.put('tags/a/rss.xml', 'a');
    // Another instance's delete prunes the folder; a hand removes the storage's own.
    await new FsStorage(root).delete('tags/a/rss.xml');
    rmSync(path.join(root, RESERVED_DIR), { recursive: true });
    await storage.put('tags/a/atom.xml', 'b', { contentType: 'application/atom+xml' });
    await storage.put('tags/a/rss.xml', 'c', { ifNoneMatch: '*' });
    expect(await read(storage, 'tags/a/atom.xml')).toBe('b');
    expect((await new FsStorage(root).head('tags/a/atom.xml'))!.contentType).toBe('application/atom+xml');
    rmSync(path.join(root, 'tags/a'), { recursive: true });
    writeFileSync(path.join(root, 'tags/a'), 'now a file');
    await expect(storage.put('tags/a/rss.xml', 'd')).rejects.toThrow(/already an object/);
    expect(readdirSync(path.join(root, RESERVED_DIR, 'tmp'))).toEqual([]);
  });

  it('lists from the folder a prefix names and nothing for a prefix no key can have', async () => {
    const storage = new FsStorage(tempRoot());
    await storage.put('tags/a/rss.xml', 'a');
    expect(await keysOf(storage, 'tags/a/r')).toEqual(['tags/a/rss.xml']);
    expect(await keysOf(storage, '../')).toEqual([]);
    expect(await keysOf(storage, `${RESERVED_DIR}/`)).toEqual([]);
    expect(await keysOf(new FsStorage(path.join(tempRoot(), 'never-created')))).toEqual([]);
  });
});

/** Runs `body` (an async function body using `FsStorage` and `root`) in a child process: a blocking open cannot hang the test run. */
function inChild(root: string, body: string): { status: number | null; stdout: string; stderr: string; timedOut: boolean } {
  const module = pathToFileURL(path.resolve('lib/storage/fs/fs-storage.ts')).href;
  const script = `import { FsStorage } from ${JSON.stringify(module)};\nconst root = ${JSON.stringify(root)};\n(async () => {\n${body}\n})().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });`;
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  return {
    status: result.status,
    stdout: result.stdout,
    stderr: result.stderr,
    timedOut: result.error !== undefined || result.signal !== null,
  };
}

describe('FsStorage: only regular files inside the folder are objects', () => {
  it('never blocks on a FIFO named like a post: get, head and list answer at once', () => {
    const root = tempRoot();
    mkdirSync(path.join(root, 'posts'));
    writeFileSync(path.join(root, 'posts/ok.md'), 'ok');
    execFileSync('mkfifo', [path.join(root, 'posts/pipe.md')]);
    const child = inChild(
      root,
      `const storage = new FsStorage(root);
       const skipped = [];
       const keys = [];
       for await (const info of storage.list('', { onUnreadable: (key, reason) => skipped.push([key, reason]) })) keys.push(info.key);
       console.log(JSON.stringify({ get: await storage.get('posts/pipe.md'), bounded: await storage.get('posts/pipe.md', { maxBytes: 10 }), head: await storage.head('posts/pipe.md'), keys, skipped }));`,
    );
    expect(child.timedOut, 'the FIFO blocked the process').toBe(false);
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toEqual({
      get: null,
      bounded: null,
      head: null,
      keys: ['posts/ok.md'],
      skipped: [['posts/pipe.md', 'not a regular file (a FIFO, socket or device)']],
    });
  }, 30_000);

  it('checks maxBytes against the file size before reading: a sparse 2 GiB file is never read', async () => {
    const root = tempRoot();
    const file = path.join(root, 'huge.md');
    const size = 2 ** 31 + 1;
    const fd = openSync(file, 'w');
    ftruncateSync(fd, size);
    closeSync(fd);
    const storage = new FsStorage(root);
    // Reading it whole would fail (Node reads at most 2 GiB into one buffer), so an answer proves it was not read.
    const object = await storage.get('huge.md', { maxBytes: 10 * 1024 * 1024 });
    expect(object).toMatchObject({ oversized: true, size });
    expect(object && 'body' in object).toBe(false);
  });

  it('skips and names a symbolic link loop, and a link to a folder that contains it, instead of failing the listing', async () => {
    const root = tempRoot();
    mkdirSync(path.join(root, 'posts'));
    writeFileSync(path.join(root, 'posts/ok.md'), 'ok');
    symlinkSync('b.md', path.join(root, 'posts/a.md'));
    symlinkSync('a.md', path.join(root, 'posts/b.md'));
    symlinkSync('.', path.join(root, 'posts/again'));
    symlinkSync('..', path.join(root, 'posts/up'));
    const storage = new FsStorage(root);
    const skipped: string[] = [];
    const keys: string[] = [];
    for await (const info of storage.list('', { onUnreadable: (key, reason) => skipped.push(`${key}: ${reason}`) })) keys.push(info.key);
    expect(keys).toEqual(['posts/ok.md']);
    expect(skipped).toEqual([
      'posts/a.md: symbolic link loop',
      `posts/again: symbolic link loop (to ${realpathSync(path.join(root, 'posts'))}, which contains it)`,
      'posts/b.md: symbolic link loop',
      `posts/up: symbolic link loop (to ${realpathSync(root)}, which contains it)`,
    ]);
    expect(await storage.get('posts/a.md')).toBeNull();
    expect(await storage.head('posts/a.md')).toBeNull();
  });

  it('follows links inside the folder but not out of it, as a bucket holds only its own objects', async () => {
    const outside = tempRoot();
    writeFileSync(path.join(outside, 'passwd'), 'root:x:0:0');
    mkdirSync(path.join(outside, 'etc'));
    writeFileSync(path.join(outside, 'etc/secret.md'), 'secret');
    const root = tempRoot();
    mkdirSync(path.join(root, 'real'));
    writeFileSync(path.join(root, 'real/post.md'), 'inside');
    symlinkSync(path.join(root, 'real'), path.join(root, 'alias'));
    symlinkSync(path.join(root, 'real/post.md'), path.join(root, 'linked.md'));
    symlinkSync(path.join(outside, 'etc'), path.join(root, 'etc'));
    symlinkSync(path.join(outside, 'passwd'), path.join(root, 'passwd'));
    const storage = new FsStorage(root);
    expect(await read(storage, 'alias/post.md')).toBe('inside');
    expect(await read(storage, 'linked.md')).toBe('inside');
    expect(await storage.get('passwd')).toBeNull();
    expect(await storage.get('etc/secret.md')).toBeNull();
    expect(await storage.get('etc/secret.md', { maxBytes: 100 })).toBeNull();
    expect(await storage.head('passwd')).toBeNull();
    const skipped: string[] = [];
    const keys: string[] = [];
    for await (const info of storage.list('', { onUnreadable: (key) => skipped.push(key) })) keys.push(info.key);
    expect(keys).toEqual(['alias/post.md', 'linked.md', 'real/post.md']);
    expect(skipped).toEqual(['etc', 'passwd']);
  });

  it('keeps the reserved folder out of the key space in any case and Unicode form', async () => {
    const root = tempRoot();
    const storage = new FsStorage(root);
    await storage.put('rss.xml', 'x', { metadata: { sha256: 'abc' } });
    for (const name of ['.HERALD', '.Herald', '．ｈｅｒａｌｄ']) {
      await expect(storage.put(`${name}/meta/x.json`, '{}')).rejects.toThrow(InvalidKeyError);
      expect(await storage.get(`${name}/tmp`)).toBeNull();
      expect(await keysOf(storage, `${name}/`)).toEqual([]);
    }
  });
});
