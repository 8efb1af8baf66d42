// The per-post CPU path of a full build (issue 13), without storage, threads or feeds: for the synthetic site
// (10,000 posts from ../shared/tools/gen_corpus.py, seed 1, in /tmp/synth10k) and bulwark (30,197 posts), every
// post's bytes, read beforehand, parsed into a post (parsePost, as the record step does) and each post rendered into
// its feed item (toFeedItem, as the item step does). Prints the CPU ms of each phase (this process, all its threads:
// on a shared machine far steadier than wall time), median of the rounds, and a SHA-256 of every result: a change
// meant only to be faster must leave the digests as they were.
// Run: node --import tsx bench/post-path.ts [synthetic|bulwark ...]; HERALD_BENCH_ROUNDS (default 3).
// With `node --cpu-prof --import tsx` the profile shows where the time goes.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseConfig, type SiteConfig } from '../lib/config.ts';
import { parsePost } from '../lib/post/parse.ts';
import { toFeedItem } from '../lib/post/render.ts';
import type { Post } from '../lib/post/types.ts';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const shared = path.resolve(repo, '../shared');
const rounds = Number(process.env.HERALD_BENCH_ROUNDS ?? 3);

const SITES = {
  synthetic: { content: '/tmp/synth10k', config: path.join(shared, 'tools/synthetic.json') },
  bulwark: { content: path.join(shared, 'corpus/bulwark/content'), config: path.join(shared, 'tools/bulwark.json') },
};

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** Content keys (paths under the root, `/`-separated) of every Markdown file, in a stable order. */
function contentKeys(root: string): string[] {
  const keys = readdirSync(root, { recursive: true, encoding: 'utf8' })
    .map((name) => name.split(path.sep).join('/'))
    .filter((key) => /\.(?:md|markdown)$/i.test(key));
  return keys.sort();
}

/** One timed run of `step` over every input, with the digest of what it returned. */
function timed<T>(inputs: readonly T[], step: (input: T) => unknown): { ms: number; digest: string } {
  const results: unknown[] = new Array(inputs.length);
  const start = process.cpuUsage();
  for (let i = 0; i < inputs.length; i++) results[i] = step(inputs[i]!);
  const { user, system } = process.cpuUsage(start);
  const ms = (user + system) / 1000;
  const hash = createHash('sha256');
  for (const result of results) hash.update(`${JSON.stringify(result)}\n`);
  return { ms, digest: hash.digest('hex').slice(0, 16) };
}

function benchSite(name: string, content: string, site: SiteConfig): void {
  const files = contentKeys(content).map((key) => ({ key, bytes: new Uint8Array(readFileSync(path.join(content, key))) }));
  // The first pass is what a build's fresh process pays: code not yet optimized, caches (time-zone offsets) empty.
  const posts: Post[] = [];
  const first = timed(files, ({ key, bytes }) => {
    const parsed = parsePost(key, bytes, site);
    if (parsed.status === 'post') posts.push(parsed.post);
    return parsed;
  });
  const parse: number[] = [];
  const render: number[] = [];
  const digests = new Set<string>();
  for (let round = 0; round < rounds; round++) {
    const parsed = timed(files, ({ key, bytes }) => parsePost(key, bytes, site));
    const rendered = timed(posts, (post) => toFeedItem(post, site));
    parse.push(parsed.ms);
    render.push(rendered.ms);
    digests.add(`parse ${parsed.digest} render ${rendered.digest}`);
  }
  const per10k = (ms: number, n: number) => ((ms * 10_000) / n).toFixed(0);
  console.log(
    `${name}: ${files.length} files, ${posts.length} posts; ` +
      `first parse ${first.ms.toFixed(0)} ms, parse ${median(parse).toFixed(0)} ms (${per10k(median(parse), files.length)} per 10k) [${parse.map((ms) => ms.toFixed(0)).join(' ')}], ` +
      `render ${median(render).toFixed(0)} ms (${per10k(median(render), posts.length)} per 10k) [${render.map((ms) => ms.toFixed(0)).join(' ')}]; ` +
      [...digests].join(' | '),
  );
}

// Warnings (bodies shown as plain text, bad ids) are part of the work but not of the figures.
console.warn = () => {};
const wanted = process.argv.slice(2).length > 0 ? process.argv.slice(2) : Object.keys(SITES);
for (const name of wanted) {
  const entry = SITES[name as keyof typeof SITES];
  if (!entry) throw new Error(`unknown site ${name} (one of ${Object.keys(SITES).join(', ')})`);
  if (!existsSync(entry.content)) {
    console.log(`${name}: ${entry.content} absent, skipped`);
    continue;
  }
  benchSite(name, entry.content, parseConfig(readFileSync(entry.config, 'utf8'), entry.config));
}
