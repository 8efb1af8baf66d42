// Issue 12: what precompressed variants save. Every published file of a site is measured as stored (identity),
// as the stored variants (Brotli 11, gzip -9: lib/publish.ts), as an edge compressing on the fly would send it
// (Brotli 5 and gzip -6 stand in for CloudFront's undisclosed levels), and as CloudFront sent it before the
// variants (only the media types on its list compressed: not Atom, JSON Feed or OPML). The CPU time the
// variants cost is what a rebuild pays once per changed file. Sites: the example site, a synthetic one
// (../shared/tools/gen_corpus.py) and bulwark (../shared/corpus), each only where present.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { parseConfig, type SiteConfig } from '../lib/config.ts';
import { rebuild } from '../lib/pipeline/rebuild.ts';
import { compressVariant, isVariant } from '../lib/publish.ts';
import { FsStorage } from '../lib/storage/fs/fs-storage.ts';
import { MemoryStorage } from '../lib/storage/memory/memory-storage.ts';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const shared = path.join(repo, '../shared');
/** What CloudFront's own compression covered among the types Herald writes. */
const CLOUDFRONT_TYPES = new Set(['application/rss+xml', 'application/xml', 'text/xml', 'text/html', 'application/json']);

interface Row {
  files: number;
  identity: number;
  br11: number;
  gz9: number;
  br5: number;
  gz6: number;
  cloudfrontBefore: number;
  compressMs: number;
  maxMs: number;
}

async function measure(label: string, contentDir: string, site: SiteConfig): Promise<void> {
  const feeds = new MemoryStorage();
  await rebuild({
    content: new FsStorage(contentDir),
    feeds,
    state: new MemoryStorage(),
    site,
    now: () => new Date('2026-01-01T00:00:00Z'),
  });
  const rows = new Map<string, Row>();
  for await (const { key } of feeds.list()) {
    if (isVariant(key)) continue;
    const object = (await feeds.get(key))!;
    const name = key.slice(key.lastIndexOf('/') + 1);
    const row = rows.get(name) ?? { files: 0, identity: 0, br11: 0, gz9: 0, br5: 0, gz6: 0, cloudfrontBefore: 0, compressMs: 0, maxMs: 0 };
    rows.set(name, row);
    const bytes = object.body;
    const started = performance.now();
    const br11 = compressVariant(bytes, 'br').byteLength;
    const gz9 = compressVariant(bytes, 'gzip').byteLength;
    const ms = performance.now() - started;
    const br5 = zlib.brotliCompressSync(bytes, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5 } }).byteLength;
    const gz6 = zlib.gzipSync(bytes, { level: 6 }).byteLength;
    const mediaType = (object.contentType ?? '').split(';')[0]!.trim();
    // CloudFront compressed 1,000 to 10,000,000 bytes of the types on its list, Brotli for most viewers.
    const edge = CLOUDFRONT_TYPES.has(mediaType) && bytes.byteLength >= 1000 ? br5 : bytes.byteLength;
    Object.assign(row, {
      files: row.files + 1,
      identity: row.identity + bytes.byteLength,
      br11: row.br11 + br11,
      gz9: row.gz9 + gz9,
      br5: row.br5 + br5,
      gz6: row.gz6 + gz6,
      cloudfrontBefore: row.cloudfrontBefore + edge,
      compressMs: row.compressMs + ms,
      maxMs: Math.max(row.maxMs, ms),
    });
  }
  const kb = (n: number, files: number) => `${(n / files / 1024).toFixed(1)} KB`;
  for (const [name, r] of [...rows].sort()) {
    console.log(
      `compression ${label} ${name}: ${r.files} files, mean identity ${kb(r.identity, r.files)}, stored br-11 ${kb(r.br11, r.files)} ` +
        `(${((100 * r.br11) / r.identity).toFixed(1)}%), gzip-9 ${kb(r.gz9, r.files)}; on the fly br-5 ${kb(r.br5, r.files)}, ` +
        `gzip-6 ${kb(r.gz6, r.files)}; CloudFront before the variants ${kb(r.cloudfrontBefore, r.files)}; ` +
        `variants cost ${(r.compressMs / r.files).toFixed(1)} ms CPU per file (max ${r.maxMs.toFixed(0)} ms)`,
    );
  }
  const all = [...rows.values()].reduce((sum, r) => sum + r.compressMs, 0);
  const files = [...rows.values()].reduce((sum, r) => sum + r.files, 0);
  console.log(`compression ${label}: writing every variant of a full rebuild costs ${(all / 1000).toFixed(2)} s CPU for ${files} files`);
}

const example = path.join(repo, 'content');
await measure('example site', example, parseConfig(readFileSync(path.join(example, 'herald.config.json'), 'utf8'), 'herald.config.json'));

const bench = parseConfig(
  JSON.stringify({ title: 'Bench', description: 'bench', baseUrl: 'https://bench.invalid/', language: 'en', timeZone: 'Asia/Shanghai' }),
  'bench',
);
const generator = path.join(shared, 'tools/gen_corpus.py');
if (existsSync(generator)) {
  const out = await mkdtemp(path.join(os.tmpdir(), 'herald-compression-'));
  try {
    const made = spawnSync('python3', [generator, '--n', '2000', '--seed', '1', '--out', out], { stdio: 'ignore' });
    if (made.status === 0)
      await measure('synthetic 2,000 posts', existsSync(path.join(out, 'content')) ? path.join(out, 'content') : out, bench);
    else console.log('compression synthetic: skipped (gen_corpus.py failed)');
  } finally {
    await rm(out, { recursive: true, force: true });
  }
} else console.log(`compression synthetic: skipped (${generator} is absent)`);

const bulwark = path.join(shared, 'corpus/bulwark/content');
if (existsSync(bulwark)) await measure('bulwark', bulwark, bench);
else console.log(`compression bulwark: skipped (${bulwark} is absent)`);
