/**
 * `herald build`: a full rebuild of a content folder into an output folder, over the index the last build there
 * kept (lib/index/local-index.ts), spread over `jobs` threads.
 */
import type { SiteConfig } from '../config.ts';
import { notableKeys, openLocalIndex, saveLocalIndex } from '../index/local-index.ts';
import { FsStorage } from '../storage/fs/fs-storage.ts';
import { rebuild } from './rebuild.ts';
import { closeWork, threadedWork } from './threads.ts';
import type { PipelineDeps, RunReport } from './types.ts';

export interface FolderBuildOptions {
  /** Threads, the calling one included (lib/pipeline/threads.ts). */
  jobs: number;
  onProgress?: PipelineDeps['onProgress'];
  /** Told why a kept index is not used, or cannot be kept. */
  warn: (line: string) => void;
  /** The build's clock (tests move it); the content folder's storage starts by it too. */
  now?: () => Date;
}

export async function buildFolder(
  contentDir: string,
  outDir: string,
  site: SiteConfig,
  { jobs, onProgress, warn, now = () => new Date() }: FolderBuildOptions,
): Promise<{ report: RunReport; jobs: number }> {
  const started = performance.now();
  const said = (line: string) => warn(`herald build: ${line}`);
  const kept = openLocalIndex(outDir, contentDir, said);
  // Its files are let go however the build ends.
  try {
    const { index, notable, builtAt } = kept;
    const at = now().toISOString();
    const content = new FsStorage(contentDir, { knownEtags: kept.contentEtags, now: () => now().getTime() });
    const work = threadedWork(site, jobs, { content });
    const deps: PipelineDeps = { content, feeds: new FsStorage(outDir), state: index, site, now, onProgress };
    let report: RunReport;
    try {
      // Every post listed with the ETag it had when the last build here finished: nothing changed since. Unless the
      // clock went back past that build's start: the visibility changes its schedule holds all come after it.
      const known = notable && builtAt !== undefined && at >= builtAt && { unchanged: () => content.etagsAsGiven(), notable };
      report = await rebuild(deps, { work, ...(known && { known }) });
    } finally {
      await closeWork(work, content);
    }
    saveLocalIndex(
      outDir,
      contentDir,
      kept,
      content,
      report.failed.length === 0 ? { notable: notableKeys(report), builtAt: at } : undefined,
      said,
    );
    // The whole build, as its user waits for it: the kept index read and saved, and the threads started and stopped.
    report.durationMs = Math.round(performance.now() - started);
    return { report, jobs: work.jobs };
  } finally {
    kept.close();
  }
}
