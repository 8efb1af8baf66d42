import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe } from 'vitest';
import { FsStorage } from '../../../lib/storage/fs/index.ts';
import { storageContract } from './contract.ts';

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});
function tempRoot(): string {
  const root = mkdtempSync(path.join(tmpdir(), 'herald-fs-'));
  roots.push(root);
  return root;
}

describe('FsStorage: the storage contract', () => {
  storageContract(() => new FsStorage(tempRoot()));
});
