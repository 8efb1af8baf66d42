// Reading posts from a folder: list and get of every post of a corpus (what a rebuild's reading costs in
// storage calls alone), and the memory an oversized post costs when read with maxBytes (a sparse file:
// no disk used). Usage: tsx bench/storage.ts [contentDir] — defaults to the bulwark corpus beside the repo.
import { closeSync, existsSync, ftruncateSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FsStorage } from '../lib/storage/fs/fs-storage.ts';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const contentDir = path.resolve(process.argv[2] ?? path.join(repo, '../shared/corpus/bulwark/content'));
const MAX_POST_BYTES = 10 * 1024 * 1024;
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;

if (existsSync(contentDir)) {
  const storage = new FsStorage(contentDir);
  for (const label of ['cold', 'warm']) {
    const started = performance.now();
    let posts = 0;
    let bytes = 0;
    for await (const { key } of storage.list()) {
      if (!key.endsWith('.md')) continue;
      const object = await storage.get(key, { maxBytes: MAX_POST_BYTES });
      if (object && 'body' in object) bytes += object.body.byteLength;
      posts++;
    }
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `storage ${label} read: ${posts} posts (${mib(bytes)}) in ${seconds.toFixed(2)} s = ${Math.round(posts / seconds)} posts/s`,
    );
  }
} else {
  console.log(`storage read: skipped (${contentDir} is absent)`);
}

const folder = mkdtempSync(path.join(os.tmpdir(), 'herald-bench-storage-'));
try {
  const size = 1536 * 1024 * 1024;
  const fd = openSync(path.join(folder, 'huge.md'), 'w');
  ftruncateSync(fd, size);
  closeSync(fd);
  const before = process.memoryUsage().rss;
  const object = await new FsStorage(folder).get('huge.md', { maxBytes: MAX_POST_BYTES });
  const after = process.memoryUsage().rss;
  console.log(
    `storage oversized get: a ${mib(size)} post answered as ${object && 'oversized' in object ? 'oversized' : 'read'}; RSS ${mib(before)} -> ${mib(after)}`,
  );
} finally {
  rmSync(folder, { recursive: true, force: true });
}
