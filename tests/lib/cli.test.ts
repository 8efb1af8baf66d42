import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
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
  });

  it('names a rejected post; --strict turns it into exit status 1', async () => {
    await writeFile(path.join(dir, 'content/en/blog/broken.md'), '---\ntitle: [unclosed\ndate: 2025-01-01\n---\nbody\n');
    const io = capture();
    expect(await run(io)).toBe(EXIT_OK);
    expect(io.stdout.join('\n')).toMatch(/rejected en\/blog\/broken\.md: .+/);
    expect(io.stdout.join('\n')).toMatch(/posts: 10 read, 7 published, 2 skipped, 1 rejected/);
    expect(await run(capture(), '--strict')).toBe(EXIT_REJECTED);
  });

  it('--base-url overrides the configured URLs', async () => {
    expect(await run(capture(), '--base-url', 'https://feeds.example.net/')).toBe(EXIT_OK);
    const atom = await readFile(path.join(dir, 'public/atom.xml'), 'utf8');
    expect(atom).toContain('href="https://feeds.example.net/atom.xml"');
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

  it('exits 2 when the configuration is missing', async () => {
    await rm(path.join(dir, 'content/herald.config.json'));
    const io = capture();
    expect(await run(io)).toBe(EXIT_USAGE);
    expect(io.stderr.join('\n')).toMatch(/herald\.config\.json: cannot read the site configuration/);
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
  it('runs the TypeScript CLI as a plain node process', async () => {
    const { execFileSync } = await import('node:child_process');
    const out = execFileSync(process.execPath, [path.join(repoRoot, 'bin/herald.mjs'), '--version'], { encoding: 'utf8' });
    expect(out.trim()).toMatch(/^herald \d+\.\d+\.\d+$/);
  });
});
