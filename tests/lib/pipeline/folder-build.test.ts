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
import { FsStorage } from '../../../lib/storage/fs/fs-storage.ts';
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

async function build(content: string, out: string, warn: (line: string) => void = () => {}) {
  const { report } = await buildFolder(content, out, site, { jobs: 1, warn });
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

    writeFileSync(localIndexFile(out), 'herald-snapshot 3\n{"la');
    const warnings: string[] = [];
    await build(other, out, (line) => warnings.push(line));
    expect(warnings).toEqual([
      `herald build: ignoring the index kept from the last build (${localIndexFile(out)}: cut short); every post is read again`,
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
