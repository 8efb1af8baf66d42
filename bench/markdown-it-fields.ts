// markdown-it with its class fields as assignments (scripts/markdown-it-fields.mjs) against markdown-it as installed:
// lib/post (parsePost, toFeedItem) bundled twice, as the Lambda functions are, with and without the plugin. For every
// post of the synthetic site (/tmp/synth10k) and of ../shared/corpus/{bulwark,sofastack,rust-blog} that is present, the
// two items must be the same bytes; then each bundle renders every post of each site in fresh processes, alternately,
// and the median CPU ms of the first pass (what a build pays) and of a later one are printed.
// Run: node --import tsx bench/markdown-it-fields.ts; HERALD_BENCH_ROUNDS (processes per bundle and site, default 5;
// 0 compares only).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { bundleEntry } from '../tests/support/markdown-it-bundle.ts';
import type { SiteConfig } from '../lib/config.ts';
import type { FeedItem, Post } from '../lib/post/types.ts';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const corpus = path.resolve(repo, '../shared/corpus');
const rounds = Number(process.env.HERALD_BENCH_ROUNDS ?? 5);

const SITES: Record<string, string> = {
  synthetic: '/tmp/synth10k',
  bulwark: path.join(corpus, 'bulwark/content'),
  sofastack: path.join(corpus, 'sofastack/content'),
  'rust-blog': path.join(corpus, 'rust-blog/content'),
};

interface Renderer {
  parseConfig(text: string, source: string): SiteConfig;
  parsePost(key: string, bytes: Uint8Array, site: SiteConfig): { status: string; post?: Post };
  toFeedItem(post: Post, site: SiteConfig): FeedItem;
  contentKeys(root: string): string[];
}

const ENTRY = `
import { readdirSync } from 'node:fs';
import path from 'node:path';
export { parseConfig } from './lib/config.ts';
export { parsePost } from './lib/post/parse.ts';
export { toFeedItem } from './lib/post/render.ts';
export const contentKeys = (root: string) =>
  readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && /\\.(?:md|markdown)$/i.test(entry.name))
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
    .sort();
`;

const SITE_CONFIG = JSON.stringify({ title: 'Bench', baseUrl: 'https://bench.example.com/', timeZone: 'UTC' });

/** In a fresh process: every post of `content` read and parsed, then rendered twice; CPU ms of each pass. */
const TIMED = `
const [bundle, content, config] = process.argv.slice(1);
const { readFileSync } = await import('node:fs');
const { parseConfig, parsePost, toFeedItem, contentKeys } = await import(bundle);
console.warn = () => {};
const site = parseConfig(config, 'bench');
const posts = [];
for (const key of contentKeys(content)) {
  const parsed = parsePost(key, new Uint8Array(readFileSync(content + '/' + key)), site);
  if (parsed.status === 'post') posts.push(parsed.post);
}
const pass = () => {
  const start = process.cpuUsage();
  for (const post of posts) toFeedItem(post, site);
  const { user, system } = process.cpuUsage(start);
  return (user + system) / 1000;
};
console.log(JSON.stringify([pass(), pass()]));
`;

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

const dir = await mkdtemp(path.join(os.tmpdir(), 'herald-bench-fields-'));
try {
  const files = {
    installed: await bundleEntry(ENTRY, path.join(dir, 'installed.mjs'), false),
    assignments: await bundleEntry(ENTRY, path.join(dir, 'assignments.mjs'), true),
  };
  const installed: Renderer = await import(pathToFileURL(files.installed).href);
  const assignments: Renderer = await import(pathToFileURL(files.assignments).href);
  console.warn = () => {};
  const site = installed.parseConfig(SITE_CONFIG, 'bench');
  for (const [name, content] of Object.entries(SITES)) {
    if (!existsSync(content)) {
      console.log(`${name}: ${content} absent, skipped`);
      continue;
    }
    let posts = 0;
    const differ: string[] = [];
    for (const key of installed.contentKeys(content)) {
      const parsed = installed.parsePost(key, new Uint8Array(await readFile(path.join(content, key))), site);
      if (parsed.status !== 'post') continue;
      posts++;
      const before = JSON.stringify(installed.toFeedItem(parsed.post!, site));
      const after = JSON.stringify(assignments.toFeedItem(parsed.post!, site));
      if (before !== after) differ.push(key);
    }
    const times = { installed: [] as number[][], assignments: [] as number[][] };
    for (let round = 0; round < rounds; round++) {
      for (const version of ['installed', 'assignments'] as const) {
        const args = ['--input-type=module', '-e', TIMED, pathToFileURL(files[version]).href, content, SITE_CONFIG];
        times[version].push(JSON.parse(execFileSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 20 })));
      }
    }
    const figures = (version: keyof typeof times) =>
      `first ${median(times[version].map(([first]) => first!)).toFixed(0)} ms, second ${median(times[version].map(([, second]) => second!)).toFixed(0)} ms`;
    const timing =
      rounds > 0
        ? `; installed ${figures('installed')}; assignments ${figures('assignments')} (CPU, medians of ${rounds} processes each)`
        : '';
    console.log(
      `${name}: ${posts} posts, ${differ.length} rendered differently${differ.length ? ` (${differ.slice(0, 5).join(', ')})` : ''}${timing}`,
    );
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
