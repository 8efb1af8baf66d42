/**
 * The real content trees of ../shared/corpus (bulwark, sofastack, rust-blog: see DEVELOPERS.md) live outside the
 * repository, so a fresh clone has none of them and the tests that read them skip. HERALD_CORPUS names another
 * folder; pointing it at a missing one shows those skips on a machine that has the corpora.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(process.env.HERALD_CORPUS ?? path.join(import.meta.dirname, '../../../shared/corpus'));

/** The folder of one corpus, or undefined where it is absent. Decide skips with it before reading anything. */
export function corpusDir(name: 'bulwark' | 'sofastack' | 'rust-blog'): string | undefined {
  const dir = path.join(root, name);
  return existsSync(dir) ? dir : undefined;
}
