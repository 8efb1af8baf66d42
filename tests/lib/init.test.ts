import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CONFIG_FILE, ConfigError, loadSiteConfig, parseConfig } from '../../lib/config.ts';
import { importHugoConfig } from '../../lib/hugo-config.ts';
import { guessConfig, InitError, initConfig, PLACEHOLDER_BASE_URL } from '../../lib/init.ts';

const fixture = path.resolve(import.meta.dirname, '../fixtures/hugo-site');
const written = (keys: ReturnType<typeof guessConfig>) =>
  Object.fromEntries(keys.filter((entry) => !entry.source.startsWith('not taken')).map((entry) => [entry.key, entry.value]));

describe('guessConfig', () => {
  it('without Hugo: the folder name, a placeholder URL, and the defaults written out, all marked for checking', () => {
    const keys = guessConfig({ siteName: 'my-blog' });
    expect(written(keys)).toEqual({ title: 'my-blog', baseUrl: PLACEHOLDER_BASE_URL, language: 'en', timeZone: 'UTC' });
    expect(keys.every((entry) => entry.check)).toBe(true);
    expect(written(guessConfig({ siteName: 'b', cname: 'b.example.org' })).baseUrl).toBe('https://b.example.org/');
    expect(written(guessConfig({ siteName: 'b', cname: 'b.example.org', baseUrl: 'https://c.example/' })).baseUrl).toBe(
      'https://c.example/',
    );
  });

  it('leaves out a Hugo value Herald refuses and says why, so the file it writes always loads', () => {
    const hugo = importHugoConfig([
      { file: '/s/hugo.toml', text: 'title = "T"\nbaseURL = "/"\nlanguageCode = "en us"\ntimeZone = "Mars/Olympus"' },
    ]);
    const keys = guessConfig({ siteName: 's', hugo });
    expect(written(keys)).toEqual({
      title: 'T',
      baseUrl: PLACEHOLDER_BASE_URL,
      language: 'en',
      timeZone: 'UTC',
      feeds: { sections: true },
      itemIds: 'url',
      aliases: 'hugo',
    });
    const dropped = keys.filter((entry) => entry.source.startsWith('not taken'));
    expect(dropped.map((entry) => entry.source)).toEqual([
      'not taken from baseURL in hugo.toml: must be an absolute http(s) URL, not "/"',
      'not taken from languageCode in hugo.toml: must be a language tag such as "en" or "zh-CN", not "en us"',
      'not taken from timeZone in hugo.toml: must be an IANA time zone such as "UTC" or "Asia/Shanghai", not "Mars/Olympus"',
    ]);
  });

  it('writes a configuration parseConfig accepts for any Hugo configuration it can read', () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.constantFrom('title', 'baseURL', 'languageCode', 'timeZone', 'params', 'permalinks', 'taxonomies', 'rssLimit'),
          fc.jsonValue(),
        ),
        fc.string({ unit: 'binary' }),
        (data, siteName) => {
          let hugo: ReturnType<typeof importHugoConfig>;
          try {
            hugo = importHugoConfig([{ file: '/p/hugo.json', text: JSON.stringify(data) }]);
          } catch (error) {
            expect(error).toBeInstanceOf(ConfigError);
            return;
          }
          expect(() => parseConfig(JSON.stringify(written(guessConfig({ siteName, hugo }))), 'x')).not.toThrow();
        },
      ),
    );
  });
});

describe('initConfig', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'herald-init-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("writes Hugo's values, which then load as they would have from Hugo", async () => {
    await cp(fixture, dir, { recursive: true });
    const content = path.join(dir, 'content');
    const fromHugo = await loadSiteConfig(content);
    const result = await initConfig(content);
    expect(result.file).toBe(path.join(content, CONFIG_FILE));
    expect(await readFile(result.file, 'utf8')).toBe(result.text);
    expect(await loadSiteConfig(content)).toEqual(fromHugo);
    expect(result.lines[0]).toBe(`herald init: wrote ${result.file}`);
    expect(result.lines.join('\n')).toMatch(/baseUrl\s+"https:\/\/notes\.example\.org\/"\s+\(baseURL in hugo\.toml\)/);
    expect(result.lines.join('\n')).toMatch(/note: taxonomies: series get no feeds/);
  });

  it('guesses from the folder: the site is named after the parent of content/, the domain from static/CNAME', async () => {
    const content = path.join(dir, 'my-site', 'content');
    await mkdir(path.join(dir, 'my-site', 'static'), { recursive: true });
    await mkdir(content);
    await writeFile(path.join(dir, 'my-site', 'static', 'CNAME'), 'blog.example.net\n');
    const result = await initConfig(content);
    expect(JSON.parse(result.text)).toEqual({ title: 'my-site', baseUrl: 'https://blog.example.net/', language: 'en', timeZone: 'UTC' });
    expect(result.lines.join('\n')).toMatch(/check title\s+"my-site"\s+\(the folder's name\)/);
  });

  it('never overwrites, and refuses a folder that does not exist', async () => {
    const file = path.join(dir, CONFIG_FILE);
    await writeFile(file, '{"mine": true}');
    await expect(initConfig(dir)).rejects.toThrow(InitError);
    await expect(initConfig(dir)).rejects.toThrow(`${file} already exists; herald init never overwrites it`);
    expect(await readFile(file, 'utf8')).toBe('{"mine": true}');
    await expect(initConfig(path.join(dir, 'missing'))).rejects.toThrow(/no such folder/);
  });

  it('writes where --config says, with --base-url', async () => {
    const target = path.join(dir, 'site.json');
    await initConfig(dir, target, 'https://x.example/');
    expect(JSON.parse(await readFile(target, 'utf8')).baseUrl).toBe('https://x.example/');
  });
});
