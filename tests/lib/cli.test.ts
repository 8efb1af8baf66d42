import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EXIT_OK, EXIT_REJECTED, EXIT_USAGE, main, type CliIo } from '../../lib/cli.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function capture(): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (line) => stdout.push(line), err: (line) => stderr.push(line), isTTY: false };
}

describe('herald build', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'herald-cli-'));
    await cp(path.join(repoRoot, 'content'), path.join(dir, 'content'), { recursive: true });
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const run = (io: CliIo, ...extra: string[]) =>
    main(['build', '--content', path.join(dir, 'content'), '--out', path.join(dir, 'public'), ...extra], io);

  it('builds the example site and prints a summary', async () => {
    const io = capture();
    expect(await run(io)).toBe(EXIT_OK);
    const summary = io.stdout.join('\n');
    expect(summary).toMatch(/posts: 9 read, 7 published, 2 skipped, 0 rejected/);
    expect(summary).toMatch(/skipped 1: draft/);
    const rss = await readFile(path.join(dir, 'public/rss.xml'), 'utf8');
    expect(rss).toContain('苹果与阿里为AI联手');
    await readFile(path.join(dir, 'public/index.html'), 'utf8');
    await readFile(path.join(dir, 'public/feeds.opml'), 'utf8');

    const again = capture();
    expect(await run(again)).toBe(EXIT_OK);
    expect(again.stdout.join('\n')).toMatch(/files: 0 written, \d+ unchanged, 0 deleted/);
    // Over the index the first build kept in public/.herald/index.
    expect(again.stdout.join('\n')).toMatch(/posts: 9 read \(9 unchanged since the last build, not parsed again\), 7 published/);
  });

  it('names a rejected post; --strict turns it into exit status 1', async () => {
    await writeFile(path.join(dir, 'content/en/blog/broken.md'), '---\ntitle: [unclosed\ndate: 2025-01-01\n---\nbody\n');
    const io = capture();
    expect(await run(io)).toBe(EXIT_OK);
    expect(io.stdout.join('\n')).toMatch(/rejected en\/blog\/broken\.md: .+/);
    expect(io.stdout.join('\n')).toMatch(/posts: 10 read, 7 published, 2 skipped, 1 rejected/);
    expect(await run(capture(), '--strict')).toBe(EXIT_REJECTED);
  });

  it('names a post published with a warning: a declared id that cannot be used, one another post has too', async () => {
    const post = (title: string, guid: string) => `---\ntitle: ${title}\ndate: 2025-01-01\nguid: "${guid}"\n---\nbody\n`;
    await writeFile(path.join(dir, 'content/en/blog/copy-1.md'), post('Copy 1', 'https://example.com/?p=1'));
    await writeFile(path.join(dir, 'content/en/blog/copy-2.md'), post('Copy 2', 'https://example.com/?p=1'));
    await writeFile(path.join(dir, 'content/en/blog/bad-id.md'), post('Bad id', 'p=2'));
    const io = capture();
    expect(await run(io)).toBe(EXIT_OK);
    const summary = io.stdout.join('\n');
    expect(summary).toMatch(/posts: 12 read, 10 published, 2 skipped, 0 rejected, 3 warnings/);
    expect(summary).toContain('warning en/blog/bad-id.md: guid: "p=2" is not an absolute IRI');
    expect(summary).toContain('warning en/blog/copy-1.md: its item id https://example.com/?p=1 is also the id of en/blog/copy-2.md');
    expect(summary).toContain('warning en/blog/copy-2.md: its item id https://example.com/?p=1 is also the id of en/blog/copy-1.md');
  });

  it('--base-url overrides the configured URLs', async () => {
    expect(await run(capture(), '--base-url', 'https://feeds.example.net/')).toBe(EXIT_OK);
    const atom = await readFile(path.join(dir, 'public/atom.xml'), 'utf8');
    expect(atom).toContain('href="https://feeds.example.net/atom.xml"');
  });

  it('--jobs sets the worker threads: 1 and 3 write the same files; anything but a whole number from 1 exits 2', async () => {
    const tree = async () => {
      const files: Record<string, string> = {};
      for (const file of await readdir(path.join(dir, 'public'), { recursive: true })) {
        if (!file.startsWith('.herald') && /\.(xml|json|html|opml|css)$/.test(file))
          files[file] = await readFile(path.join(dir, 'public', file), 'utf8');
      }
      return files;
    };
    expect(await run(capture(), '--jobs', '1')).toBe(EXIT_OK);
    const one = await tree();
    await rm(path.join(dir, 'public'), { recursive: true });
    expect(await run(capture(), '--jobs', '3')).toBe(EXIT_OK);
    expect(await tree()).toEqual(one);
    for (const bad of ['0', '1.5', 'many']) {
      const io = capture();
      expect(await run(io, '--jobs', bad)).toBe(EXIT_USAGE);
      expect(io.stderr.join('\n')).toMatch(/--jobs must be a whole number from 1/);
    }
  });

  it('exits 2 naming every bad key of the configuration', async () => {
    const config = path.join(dir, 'content/herald.config.json');
    await writeFile(config, JSON.stringify({ title: 'x', baseUrl: 'not a url', timeZone: 'Mars/Olympus', itemsPerFeed: 0 }));
    const io = capture();
    expect(await run(io)).toBe(EXIT_USAGE);
    const message = io.stderr.join('\n');
    expect(message).toContain(config);
    for (const key of ['baseUrl', 'timeZone', 'itemsPerFeed']) expect(message).toContain(key);
  });

  it('exits 2 when the configuration is missing, naming herald init and the required keys', async () => {
    await rm(path.join(dir, 'content/herald.config.json'));
    const io = capture();
    expect(await run(io)).toBe(EXIT_USAGE);
    const message = io.stderr.join('\n');
    expect(message).toMatch(/herald\.config\.json: no site configuration, and no Hugo configuration/);
    expect(message).toContain(`herald init --content ${path.join(dir, 'content')}`);
    expect(message).toContain('"title" and "baseUrl"');
  });
});

describe('herald build of a Hugo site without herald.config.json', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'herald-hugo-site-'));
    await cp(path.join(repoRoot, 'tests/fixtures/hugo-site'), dir, { recursive: true });
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const run = (io: CliIo, ...extra: string[]) =>
    main(['build', '--content', path.join(dir, 'content'), '--out', path.join(dir, 'public'), ...extra], io);

  it("publishes with hugo.toml's URL, title, language, time zone, permalinks and feed length, and says so", async () => {
    const io = capture();
    expect(await run(io)).toBe(EXIT_OK);
    const summary = io.stdout.join('\n');
    expect(summary).toMatch(/configuration: Hugo's, as there is no herald\.config\.json/);
    expect(summary).toMatch(
      /from .*hugo\.toml: title, baseUrl from baseURL, language from languageCode, timeZone, .*itemsPerFeed from services\.rss\.limit/,
    );
    expect(summary).toMatch(/posts: 6 read, 5 published, 1 skipped, 0 rejected/);
    expect(summary).toMatch(/aliases from Hugo's feed URLs/);

    const rss = await readFile(path.join(dir, 'public/rss.xml'), 'utf8');
    expect(rss).toContain('<title>Field Notes</title>');
    expect(rss).toContain('<language>en-gb</language>');
    expect(rss).toContain('<description>Short notes from the field.</description>');
    expect(rss).toContain('<atom:link href="https://notes.example.org/rss.xml" rel="self"');
    expect(rss.match(/<item>/g)).toHaveLength(3);
    // 00:30 on 1 July in London is still 30 June in UTC: the zone is hugo.toml's, the month in the URL London's.
    expect(rss).toContain('<link>https://notes.example.org/2025/07/midsummer/</link>');
    expect(rss).toContain('<pubDate>Mon, 30 Jun 2025 23:30:00 GMT</pubDate>');
    expect(rss).toContain('<link>https://notes.example.org/2025/03/bundle-of-notes/</link>');

    const atom = await readFile(path.join(dir, 'public/tags/garden/atom.xml'), 'utf8');
    expect(atom).toContain('href="https://notes.example.org/tags/garden/atom.xml"');
    const sectionFeed = JSON.parse(await readFile(path.join(dir, 'public/sections/notes/feed.json'), 'utf8')) as {
      items: { url: string }[];
    };
    expect(sectionFeed.items.map((item) => item.url)).toEqual(['https://notes.example.org/2024/12/seeds/']);
    // The Hugo site has no categories taxonomy (frost.md's categories are a plain parameter there): no category feeds.
    expect(await readdir(path.join(dir, 'public'))).not.toContain('categories');
  });

  it('names the file and the problem when hugo.toml is broken', async () => {
    await writeFile(path.join(dir, 'hugo.toml'), 'title = "Field Notes"\nbaseURL = \n');
    const io = capture();
    expect(await run(io)).toBe(EXIT_USAGE);
    expect(io.stderr.join('\n')).toContain(`${path.join(dir, 'hugo.toml')}: not valid TOML (line 2`);
    await writeFile(path.join(dir, 'hugo.toml'), 'title = 42\nbaseURL = "https://notes.example.org/"\n');
    const typed = capture();
    expect(await run(typed)).toBe(EXIT_USAGE);
    expect(typed.stderr.join('\n')).toMatch(/hugo\.toml: 1 problem in the Hugo configuration:\n {2}- title: must be a string, not 42/);
  });
});

describe('herald init', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'herald-init-cli-'));
    await cp(path.join(repoRoot, 'tests/fixtures/hugo-site'), dir, { recursive: true });
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('writes herald.config.json from hugo.toml, prints it, then refuses to overwrite it with exit 2', async () => {
    const content = path.join(dir, 'content');
    const io = capture();
    expect(await main(['init', '--content', content], io)).toBe(EXIT_OK);
    const file = path.join(content, 'herald.config.json');
    expect(io.stdout[0]).toBe(`herald init: wrote ${file}`);
    expect(io.stdout.join('\n')).toMatch(/title\s+"Field Notes"\s+\(title in hugo\.toml\)/);
    const config = JSON.parse(await readFile(file, 'utf8'));
    expect(config).toMatchObject({ title: 'Field Notes', baseUrl: 'https://notes.example.org/', language: 'en-gb', itemsPerFeed: 3 });

    const again = capture();
    expect(await main(['init', '--content', content], again)).toBe(EXIT_USAGE);
    expect(again.stderr.join('\n')).toContain(`herald init: ${file} already exists`);

    const build = capture();
    expect(await main(['build', '--content', content, '--out', path.join(dir, 'public')], build)).toBe(EXIT_OK);
    expect(build.stdout.join('\n')).toMatch(
      /configuration: .*herald\.config\.json \(.*hugo\.toml not read: herald\.config\.json takes precedence\)/,
    );
  });
});

describe('herald usage', () => {
  it('prints help with exit 0', async () => {
    const io = capture();
    expect(await main(['--help'], io)).toBe(EXIT_OK);
    expect(io.stdout.join('\n')).toMatch(/herald build --content <dir> --out <dir>/);
  });

  it('exits 2 on an unknown command, an unknown flag or no command', async () => {
    expect(await main(['publish'], capture())).toBe(EXIT_USAGE);
    expect(await main(['build', '--bogus'], capture())).toBe(EXIT_USAGE);
    expect(await main([], capture())).toBe(EXIT_USAGE);
  });

  it('prints the version', async () => {
    const io = capture();
    expect(await main(['--version'], io)).toBe(EXIT_OK);
    expect(io.stdout[0]).toMatch(/^herald \d+\.\d+\.\d+$/);
  });
});

describe('bin/herald.mjs', () => {
  const run = async (env: Record<string, string> = {}) => {
    const { execFileSync } = await import('node:child_process');
    return execFileSync(process.execPath, [path.join(repoRoot, 'bin/herald.mjs'), '--version'], {
      encoding: 'utf8',
      env: { ...process.env, ...env },
    }).trim();
  };

  it('runs the TypeScript CLI as a plain node process, from a bundle newer than every source', async () => {
    expect(await run()).toMatch(/^herald \d+\.\d+\.\d+$/);
    const { readdirSync, statSync } = await import('node:fs');
    const sources = readdirSync(path.join(repoRoot, 'lib'), { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile());
    const newest = Math.max(...sources.map((entry) => statSync(path.join(entry.parentPath, entry.name)).mtimeMs));
    expect(statSync(path.join(repoRoot, 'dist/cli.mjs')).mtimeMs).toBeGreaterThan(newest);
  });

  it('runs the sources through tsx when told to', async () => {
    expect(await run({ HERALD_FROM_SOURCES: '1' })).toBe(await run());
  });
});
