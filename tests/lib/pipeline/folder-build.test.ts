/**
 * `herald build` over the index the last build into the same folder kept: the same feeds a build from nothing
 * writes, without reading unchanged posts again, and archive pages kept as cut.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { localIndexFile } from '../../../lib/index/local-index.ts';
import { buildFolder } from '../../../lib/pipeline/folder-build.ts';
import { Rebuild } from '../../../lib/pipeline/rebuild.ts';
import { FsStorage } from '../../../lib/storage/fs/fs-storage.ts';
import { MemoryStorage } from '../../../lib/storage/memory/memory-storage.ts';
import { readSnapshot, writeSnapshot } from '../../../lib/storage/memory/snapshot.ts';
import { markdown, type PostSpec, testSite } from '../../support/site-content.ts';

const folders: string[] = [];
afterEach(() => {
  vi.restoreAllMocks();
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});
function folder(): string {
  const made = mkdtempSync(path.join(tmpdir(), 'herald-folder-build-'));
  folders.push(made);
  return made;
}

const day = (n: number) => new Date(Date.UTC(2025, 0, 1) + n * 86_400_000).toISOString();
/** The site feed only, two newest items, pages of three. */
const site = testSite({ itemsPerFeed: 2, feeds: { categories: false, tags: false }, archives: { pageSize: 3, tombstoneDays: 1 } });

function write(content: string, key: string, spec: PostSpec): void {
  mkdirSync(path.dirname(path.join(content, key)), { recursive: true });
  writeFileSync(path.join(content, key), markdown(spec));
}

function siteWith(posts: number): string {
  const content = folder();
  for (let i = 0; i < posts; i++) write(content, `posts/p${i}.md`, { title: `P${i}`, date: day(i * 10) });
  return content;
}

/** Every file a reader can fetch, by path: `.herald/` (sidecars, the kept index) left out. */
function tree(out: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const entry of readdirSync(out, { recursive: true, withFileTypes: true })) {
    const file = path.join(entry.parentPath, entry.name);
    const key = path.relative(out, file).split(path.sep).join('/');
    if (entry.isFile() && !key.startsWith('.herald/')) files[key] = readFileSync(file, 'utf8');
  }
  return files;
}

async function build(content: string, out: string, warn: (line: string) => void = () => {}, now?: () => Date, on = site) {
  const { report } = await buildFolder(content, out, on, { jobs: 1, warn, ...(now && { now }) });
  expect(report.failed).toEqual([]);
  return report;
}

const titles = (json: string | undefined) => (JSON.parse(json!) as { items: { title: string }[] }).items.map(({ title }) => title);

describe('herald build into a folder it built before', () => {
  it('reads no unchanged post again and writes nothing', async () => {
    const content = siteWith(9);
    const out = folder();
    await build(content, out);
    const before = tree(out);
    const kept = statSync(localIndexFile(out));
    const gets = vi.spyOn(FsStorage.prototype, 'get');
    const report = await build(content, out);
    expect(gets.mock.contexts.filter((storage) => (storage as FsStorage).root === path.resolve(content))).toEqual([]);
    expect(report.posts).toMatchObject({ read: 9, unchanged: 9, published: 9 });
    expect(report.feeds.written).toEqual([]);
    expect(tree(out)).toEqual(before);
    // Nothing changed but the index's root (its lease): the kept index is not written again (a write is a new file).
    expect(statSync(localIndexFile(out)).ino).toBe(kept.ino);
    write(content, 'posts/p8.md', { title: 'P8, edited', date: day(80) });
    await build(content, out);
    expect(statSync(localIndexFile(out)).ino).not.toBe(kept.ino);
  });

  it('publishes an edit, a new post and a deletion as a build from nothing does', async () => {
    const content = siteWith(9);
    const out = folder();
    await build(content, out);
    write(content, 'posts/p8.md', { title: 'P8, edited', date: day(80) });
    write(content, 'posts/new.md', { title: 'New', date: day(100) });
    unlinkSync(path.join(content, 'posts/p7.md'));
    // Seven posts as they were; the edited one and the new one are read.
    expect((await build(content, out)).posts).toMatchObject({ read: 9, unchanged: 7 });
    const fresh = folder();
    await build(content, fresh);
    const [kept, fromNothing] = [tree(out), tree(fresh)];
    expect(titles(kept['feed.json'])).toEqual(['New', 'P8, edited']);
    // Pages as cut before keep their posts; the deletion is announced on the page that held it, as on AWS.
    expect(titles(kept['archive/3/feed.json'])).toEqual(['P6']);
    expect(kept['atom.xml']).toBe(fromNothing['atom.xml']);
    expect(kept['feed.json']).toBe(fromNothing['feed.json']);
    expect(kept['rss.xml']).toBe(fromNothing['rss.xml']);
  });

  it('keeps archive pages as cut: a back-dated post joins the page its date falls in, the later pages stay', async () => {
    const content = siteWith(9);
    const out = folder();
    await build(content, out);
    const before = tree(out);
    write(content, 'posts/old.md', { title: 'Old', date: day(5) });
    const report = await build(content, out);
    expect(report.feeds.written.filter((key) => key.startsWith('archive/')).map((key) => key.split('/')[1])).toEqual(['1', '1', '1']);
    const after = tree(out);
    expect(titles(after['archive/1/feed.json'])).toEqual(['P2', 'P1', 'Old', 'P0']);
    for (const page of ['archive/2/feed.json', 'archive/3/feed.json']) expect(after[page]).toBe(before[page]);
    // A build from nothing cuts the pages afresh.
    const fresh = folder();
    await build(content, fresh);
    expect(titles(tree(fresh)['archive/2/feed.json'])).toEqual(['P4', 'P3', 'P2']);
  });

  describe('finding nothing changed', () => {
    // A minute on: the posts just written count as settled, so their ETags are passed on to the next build.
    const later = () => () => new Date(Date.now() + 60_000);
    /** Posts of every kind the report names, in categories and tags, with archive pages. */
    function varied(): string {
      const content = folder();
      for (let i = 0; i < 8; i++)
        write(content, `posts/p${i}.md`, { title: `P${i}`, date: day(i * 10), tags: [`t${i % 2}`], categories: ['c'] });
      write(content, 'posts/draft.md', { title: 'Draft', date: day(3), draft: true });
      write(content, 'posts/soon.md', { title: 'Soon', date: day(4), publishDate: '2099-01-01T00:00:00Z' });
      write(content, 'posts/odd-id.md', { title: 'Odd id', date: day(5), extra: { guid: 'p=1' } });
      write(content, 'posts/copy-a.md', { title: 'Copy A', date: day(200), extra: { guid: 'https://example.test/?p=2' } });
      write(content, 'posts/copy-b.md', { title: 'Copy B', date: day(201), extra: { guid: 'https://example.test/?p=2' } });
      writeFileSync(path.join(content, 'posts/broken.md'), '---\ntitle: [unclosed\n---\nbody\n');
      return content;
    }
    const terms = { itemsPerFeed: 2, archives: { pageSize: 3, tombstoneDays: 1 } };
    const withTerms = testSite(terms);
    const readsRecords = () => vi.spyOn(Rebuild.prototype, 'readKeys');

    it('publishes from the stored lists, reads no record but the notable posts, and reports what a full build does', async () => {
      for (const on of [withTerms, testSite({ itemsPerFeed: 2, archives: false })]) {
        const content = varied();
        const out = folder();
        const first = await build(content, out, undefined, later(), on);
        const before = tree(out);
        const reads = readsRecords();
        const gets = vi.spyOn(MemoryStorage.prototype, 'get');
        const again = await build(content, out, undefined, later(), on);
        expect(reads).not.toHaveBeenCalled();
        const records = gets.mock.calls.map(([key]) => key).filter((key) => key.startsWith('records/'));
        expect(records.sort()).toEqual(
          ['broken', 'copy-a', 'copy-b', 'draft', 'odd-id', 'soon'].map((name) => `records/posts/${name}.md.json`),
        );
        vi.restoreAllMocks();
        expect(again.posts).toEqual({ ...first.posts, unchanged: first.posts.read });
        expect(again.posts.warned.map(({ key }) => key)).toEqual(['posts/copy-a.md', 'posts/copy-b.md', 'posts/odd-id.md']);
        expect(again.feeds).toEqual({ written: [], unchanged: Object.keys(before).length, deleted: [] });
        expect(tree(out)).toEqual(before);
      }
    });

    it('writes again what was removed from the output folder, as it was', async () => {
      const content = varied();
      const out = folder();
      await build(content, out, undefined, later(), withTerms);
      const before = tree(out);
      unlinkSync(path.join(out, 'rss.xml'));
      unlinkSync(path.join(out, 'archive/1/atom.xml'));
      const reads = readsRecords();
      const again = await build(content, out, undefined, later(), withTerms);
      expect(reads).not.toHaveBeenCalled();
      expect(again.feeds.written).toEqual(['archive/1/atom.xml', 'rss.xml']);
      expect(tree(out)).toEqual(before);
    });

    it('goes the whole way after an edit, a new post, a deletion, a post whose time came, or another configuration', async () => {
      const changes: [string, (content: string) => void, (() => Date)?, typeof site?][] = [
        ['an edit', (content) => write(content, 'posts/p3.md', { title: 'P3, edited', date: day(30), tags: ['t1'], categories: ['c'] })],
        ['a new post', (content) => write(content, 'posts/new.md', { title: 'New', date: day(300) })],
        ['a deletion', (content) => unlinkSync(path.join(content, 'posts/p2.md'))],
        ['a post whose time came', () => {}, () => new Date('2099-01-02T00:00:00Z')],
        ['another configuration', () => {}, undefined, testSite({ ...terms, title: 'Renamed' })],
      ];
      for (const [what, change, at = later(), on = withTerms] of changes) {
        const content = varied();
        const out = folder();
        await build(content, out, undefined, later(), withTerms);
        change(content);
        const reads = readsRecords();
        const report = await build(content, out, undefined, at, on);
        expect(reads, what).toHaveBeenCalledTimes(1);
        vi.restoreAllMocks();
        const fresh = folder();
        const fromNothing = await build(content, fresh, undefined, at, on);
        expect(report.posts.published, what).toBe(fromNothing.posts.published);
        // The newest items as a build from nothing shows them (archive pages are kept as cut, so not whole files).
        expect(titles(tree(out)['feed.json']), what).toEqual(titles(tree(fresh)['feed.json']));
        expect(titles(tree(out)['tags/t1/feed.json']), what).toEqual(titles(tree(fresh)['tags/t1/feed.json']));
      }
    });

    it('goes the whole way when a post whose ETag was not passed on (written just before the last build) is gone', async () => {
      const content = varied();
      const out = folder();
      await build(content, out, undefined, later(), withTerms);
      const kept = readSnapshot(localIndexFile(out))!;
      const { 'posts/p7.md': _unsettled, ...etags } = kept.label.etags as Record<string, unknown>;
      writeSnapshot(localIndexFile(out), kept.storage, { ...kept.label, etags });
      unlinkSync(path.join(content, 'posts/p7.md'));
      const reads = readsRecords();
      await build(content, out, undefined, later(), withTerms);
      expect(reads).toHaveBeenCalledTimes(1);
      expect(titles(tree(out)['feed.json'])).not.toContain('P7');
    });

    it('goes the whole way when the clock went back past the last build: its schedule holds only what came after', async () => {
      const content = varied();
      const out = folder();
      await build(content, out, undefined, later(), withTerms);
      const reads = readsRecords();
      await build(content, out, undefined, () => new Date(Date.now() - 86_400_000), withTerms);
      expect(reads).toHaveBeenCalledTimes(1);
    });

    it('goes the whole way over an index kept without the notable posts (an older version), then keeps them', async () => {
      const content = varied();
      const out = folder();
      await build(content, out, undefined, later(), withTerms);
      const kept = readSnapshot(localIndexFile(out))!;
      const { notable, ...label } = kept.label;
      expect(notable).toEqual([
        'posts/broken.md',
        'posts/copy-a.md',
        'posts/copy-b.md',
        'posts/draft.md',
        'posts/odd-id.md',
        'posts/soon.md',
      ]);
      writeSnapshot(localIndexFile(out), kept.storage, label);
      const reads = readsRecords();
      await build(content, out, undefined, later(), withTerms);
      expect(reads).toHaveBeenCalledTimes(1);
      await build(content, out, undefined, later(), withTerms);
      expect(reads).toHaveBeenCalledTimes(1);
    });
  });

  it('starts from nothing when the kept index is of another content folder, or unreadable, and says why', async () => {
    const out = folder();
    await build(siteWith(9), out);
    // Another site into the same folder: none of the first one's posts turn into announced deletions.
    const other = folder();
    write(other, 'posts/only.md', { title: 'Only', date: day(1) });
    await build(other, out);
    const fresh = folder();
    await build(other, fresh);
    expect(tree(out)['atom.xml']).toBe(tree(fresh)['atom.xml']);

    writeFileSync(localIndexFile(out), 'herald-snapshot 4\n{"la');
    const warnings: string[] = [];
    await build(other, out, (line) => warnings.push(line));
    expect(warnings).toEqual([
      `herald build: ignoring the index kept from the last build (${localIndexFile(out)}: cut short); every post is read again`,
    ]);
    expect(tree(out)).toEqual(tree(fresh));

    // A byte changed amid the records (a post's title, say): the build would have published it as read from there.
    const kept = readFileSync(localIndexFile(out));
    kept[kept.indexOf('Only')]! ^= 0x20;
    writeFileSync(localIndexFile(out), kept);
    warnings.length = 0;
    await build(other, out, (line) => warnings.push(line));
    expect(warnings).toEqual([
      `herald build: ignoring the index kept from the last build (${localIndexFile(out)}: damaged or cut short: its bytes do not match their checksum); every post is read again`,
    ]);
    expect(tree(out)).toEqual(tree(fresh));

    // A folder where the index goes: the build publishes all the same, and says it could not keep its index.
    rmSync(localIndexFile(out));
    mkdirSync(localIndexFile(out));
    warnings.length = 0;
    await build(other, out, (line) => warnings.push(line));
    expect(warnings).toHaveLength(2);
    expect(warnings[1]).toMatch(/^herald build: could not keep the index for the next build \(.*\); it will read every post$/);
    expect(tree(out)).toEqual(tree(fresh));
    expect(readdirSync(path.dirname(localIndexFile(out)))).not.toContainEqual(expect.stringMatching(/\.tmp$/));
  });
});
