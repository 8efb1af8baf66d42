// What readers download per feed type (issue 12): every published file of a site, uncompressed, gzip level 6 and
// Brotli 5 (about what a CDN spends on the fly: CloudFront does not publish its levels; herald serve uses these) and
// Brotli 11 (what stored precompressed variants would give), with the compression CPU time of each level.
// Sites: the synthetic one (10,000 posts from ../shared/tools/gen_corpus.py, seed 1) and bulwark where ../shared is
// present, else the example site in content/. Each is built once into memory. Brotli 11 runs on an even sample of
// each type (every n-th file by key), compared with Brotli 5 on the same files: on all of them it would take minutes.
// Then the trade: what Brotli 11 saves per full download against the requests stored variants add per upload.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { loadSiteConfig } from '../lib/config.ts';
import { rebuild } from '../lib/pipeline/rebuild.ts';
import { brotliOptions, ON_THE_FLY_BROTLI_QUALITY } from '../lib/serve/server.ts';
import { FsStorage } from '../lib/storage/fs/fs-storage.ts';
import { MemoryStorage } from '../lib/storage/memory/memory-storage.ts';
import { dollars, PRICES } from './cost-model.ts';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const shared = path.resolve(repo, '../shared');
const SAMPLE_PER_TYPE = 20;
/**
 * Stored variants (Brotli 11 and gzip beside each file, backed out in e5738d8) added two PUTs per changed file:
 * 18 for one new post in the site, a category and a tag (pinned then at 34 -> 52 requests on memory storage).
 */
const VARIANT_PUTS_PER_UPLOAD = 18;
const FILES_PER_UPLOAD = 9;

const TYPES: [label: string, file: string][] = [
  ['RSS', 'rss.xml'],
  ['Atom', 'atom.xml'],
  ['JSON Feed', 'feed.json'],
  ['OPML', 'feeds.opml'],
  ['directory page', 'index.html'],
];
const LEVELS = {
  identity: (body: Uint8Array) => body,
  'gzip 6': (body: Uint8Array) => zlib.gzipSync(body, { level: 6 }),
  [`br ${ON_THE_FLY_BROTLI_QUALITY}`]: (body: Uint8Array) =>
    zlib.brotliCompressSync(body, brotliOptions(ON_THE_FLY_BROTLI_QUALITY, body.byteLength)),
  'br 11': (body: Uint8Array) => zlib.brotliCompressSync(body, brotliOptions(11, body.byteLength)),
} as const;
type Level = keyof typeof LEVELS;
const ON_THE_FLY: Level[] = ['identity', 'gzip 6', `br ${ON_THE_FLY_BROTLI_QUALITY}`];

interface Sizes {
  bytes: Record<string, number[]>;
  ms: Record<string, number>;
}

function measure(bodies: Uint8Array[], levels: Level[]): Sizes {
  const sizes: Sizes = { bytes: {}, ms: {} };
  for (const level of levels) {
    const started = performance.now();
    sizes.bytes[level] = bodies.map((body) => LEVELS[level](body).byteLength);
    sizes.ms[level] = performance.now() - started;
  }
  return sizes;
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
const kb = (bytes: number) => (bytes >= 1_000_000 ? `${(bytes / 1e6).toFixed(1)} MB` : `${(bytes / 1000).toFixed(1)} KB`);
const pct = (part: number, whole: number) => `${((100 * part) / whole).toFixed(1)}%`;

async function report(name: string, contentDir: string, configPath?: string): Promise<void> {
  const site = await loadSiteConfig(contentDir, configPath);
  const feeds = new MemoryStorage();
  const built = await rebuild({
    content: new FsStorage(contentDir),
    feeds,
    state: new MemoryStorage(),
    site,
    now: () => new Date('2026-01-01T00:00:00Z'),
  });
  console.log(`\ncompression, ${name}: ${built.posts.published} posts published, ${built.feeds.written.length} files`);
  const head = (width: number) => ON_THE_FLY.map((level) => level.padStart(width)).join('');
  console.log('bytes per type: the total of all files | the median file | on a sample, the median file at Brotli 5 and 11 and the totals');
  console.log(`${'type'.padEnd(15)} files | ${head(10)} |   ${head(8)} | sample  br 5 -> br 11`);
  let brotli5Ms = 0;
  let brotli11Ms = 0;
  let sampledBytes = 0;
  /** Medians per file name: identity bytes, and bytes Brotli 11 saves over Brotli 5. */
  const identity: Record<string, number> = {};
  const saved: Record<string, number> = {};
  for (const [label, file] of TYPES) {
    const keys = built.feeds.written.filter((key) => key.slice(key.lastIndexOf('/') + 1) === file).sort();
    const bodies = await Promise.all(keys.map(async (key) => (await feeds.get(key))!.body));
    const all = measure(bodies, ON_THE_FLY);
    const step = Math.max(1, Math.ceil(keys.length / SAMPLE_PER_TYPE));
    const sample = bodies.filter((_, index) => index % step === 0);
    const sampled = measure(sample, [`br ${ON_THE_FLY_BROTLI_QUALITY}`, 'br 11']);
    brotli5Ms += sampled.ms[`br ${ON_THE_FLY_BROTLI_QUALITY}`]!;
    brotli11Ms += sampled.ms['br 11']!;
    sampledBytes += sum(sample.map((body) => body.byteLength));
    const [b5, b11] = [sampled.bytes[`br ${ON_THE_FLY_BROTLI_QUALITY}`]!, sampled.bytes['br 11']!];
    saved[file] = median(b5.map((size, index) => size - b11[index]!));
    identity[file] = median(all.bytes.identity!);
    const totals = ON_THE_FLY.map((level) => kb(sum(all.bytes[level]!)).padStart(10));
    const medians = ON_THE_FLY.map((level) => kb(median(all.bytes[level]!)).padStart(8));
    console.log(
      `${label.padEnd(15)} ${String(keys.length).padStart(5)} | ${totals.join('')} |   ${medians.join('')} | ${String(sample.length).padStart(6)}  ` +
        `${kb(median(b5))} -> ${kb(median(b11))} (total ${pct(sum(b11), sum(b5))} of br 5)`,
    );
  }
  const msPerMb = (ms: number) => ((ms / sampledBytes) * 1e6).toFixed(0);
  console.log(`CPU on the sampled files: br ${ON_THE_FLY_BROTLI_QUALITY} ${msPerMb(brotli5Ms)} ms/MB, br 11 ${msPerMb(brotli11Ms)} ms/MB`);
  // One new post rewrites its three feeds' RSS, Atom and JSON Feed; priced at their median sizes.
  const perFeed = (byFile: Record<string, number>) => byFile['rss.xml']! + byFile['atom.xml']! + byFile['feed.json']!;
  const savedPerUpload = (FILES_PER_UPLOAD / 3) * perFeed(saved);
  const brotli11PerUploadMs = ((FILES_PER_UPLOAD / 3) * perFeed(identity) * brotli11Ms) / sampledBytes;
  const transferUsdPerByte = PRICES.cloudfrontTransferGb / 1e9;
  const variantsUsd = VARIANT_PUTS_PER_UPLOAD * PRICES.s3Write + (brotli11PerUploadMs / 1000) * PRICES.lambdaGbSecond;
  console.log(
    `stored Brotli 11 variants, per upload: ${VARIANT_PUTS_PER_UPLOAD} more PUTs and ${brotli11PerUploadMs.toFixed(0)} ms of Brotli 11 ` +
      `(1 GB function) = ${dollars(variantsUsd * 1e6)} per million uploads; one full download of each of the ${FILES_PER_UPLOAD} ` +
      `rewritten files then saves ${kb(savedPerUpload)} over Brotli ${ON_THE_FLY_BROTLI_QUALITY} ` +
      `(${dollars(savedPerUpload * transferUsdPerByte * 1e6)} per million uploads at $${PRICES.cloudfrontTransferGb}/GB): ` +
      `they pay off from ${Math.ceil(variantsUsd / (savedPerUpload * transferUsdPerByte))} full downloads of each rewritten file per upload`,
  );
}

const sites: [name: string, contentDir: string, configPath?: string][] = [];
let generated: string | undefined;
if (existsSync(shared)) {
  generated = await mkdtemp(path.join(os.tmpdir(), 'herald-bench-compression-'));
  const run = spawnSync('python3', [path.join(shared, 'tools/gen_corpus.py'), '--n', '10000', '--seed', '1', '--out', generated], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (run.status !== 0) throw new Error(`gen_corpus.py failed (exit ${run.status})`);
  sites.push(['synthetic site (10,000 posts, seed 1)', generated, path.join(shared, 'tools/synthetic.json')]);
  sites.push(['bulwark', path.join(shared, 'corpus/bulwark/content'), path.join(shared, 'tools/bulwark.json')]);
} else {
  console.log(`compression: ${shared} is absent, so the example site in content/ stands in for the corpora`);
  sites.push(['example site', path.join(repo, 'content')]);
}
try {
  for (const [name, contentDir, configPath] of sites) await report(name, contentDir, configPath);
} finally {
  if (generated) await rm(generated, { recursive: true, force: true });
}
