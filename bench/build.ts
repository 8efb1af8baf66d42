// Full build of a corpus: wall time, posts per second and peak memory (RSS) of this process.
// Usage: tsx bench/build.ts [contentDir] — defaults to the bulwark corpus (30,197 posts) beside the repo.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '../lib/config.ts';
import { rebuild } from '../lib/pipeline/rebuild.ts';
import { FsStorage } from '../lib/storage/fs/fs-storage.ts';
import { MemoryStorage } from '../lib/storage/memory/memory-storage.ts';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const contentDir = path.resolve(process.argv[2] ?? path.join(repo, '../shared/corpus/bulwark/content'));
if (!existsSync(contentDir)) {
  console.log(`build: skipped (${contentDir} is absent)`);
  process.exit(0);
}

// The corpus has no config of its own; its Hugo site runs on Asia/Shanghai time.
const site = parseConfig(
  JSON.stringify({ title: 'Bench', description: 'bench', baseUrl: 'https://bench.invalid/', language: 'en', timeZone: 'Asia/Shanghai' }),
  'bench',
);
const out = await mkdtemp(path.join(os.tmpdir(), 'herald-bench-'));
try {
  for (const label of ['cold build', 'unchanged rebuild']) {
    const started = performance.now();
    const report = await rebuild({
      content: new FsStorage(contentDir),
      feeds: new FsStorage(out),
      state: new MemoryStorage(),
      site,
      now: () => new Date('2026-01-01T00:00:00Z'),
    });
    const seconds = (performance.now() - started) / 1000;
    const { posts, feeds } = report;
    console.log(
      `build ${label}: ${posts.read} posts in ${seconds.toFixed(2)} s = ${Math.round(posts.read / seconds)} posts/s; ` +
        `${posts.published} published, ${posts.rejected.length} rejected; ` +
        `${feeds.written.length} files written, ${feeds.unchanged} unchanged; ` +
        // maxRSS is the process's high-water mark in KiB: after the first run, the cold build's own peak.
        `peak RSS so far ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`,
    );
  }
  console.log('goal: the cold build under 5 s with peak memory under 400 MB');
} finally {
  await rm(out, { recursive: true, force: true });
}
