import type { SiteConfig } from '../config.ts';
import type { PostError } from '../post/types.ts';
import type { Storage } from '../storage/storage.ts';

/** Everything a pipeline run touches, injected so the same code runs on S3, a folder or memory. */
export interface PipelineDeps {
  /** Content root: post keys (`*.md`) and `herald.config.json` are relative to it. */
  content: Storage;
  /** Feeds root: what the CDN serves. */
  feeds: Storage;
  /** Index state: never served. May be the feeds storage under a private prefix, or its own. */
  state: Storage;
  site: SiteConfig;
  /** Injected clock: decides which future-dated posts are visible. */
  now: () => Date;
  /**
   * Starts a rebuild elsewhere (on AWS the `rebuild` function, which has 15 minutes), for the lease reserved
   * under `build`. When set, `regenerate` hands it a missing or outdated index instead of rebuilding inline,
   * and reports its keys for a later retry.
   */
  startRebuild?: (build: string) => Promise<void>;
  /** Called while posts are read, for progress bars. */
  onProgress?: (done: number, total: number) => void;
}

export interface RunReport {
  posts: {
    /** Content files looked at. */
    read: number;
    /**
     * Of those, posts a rebuild did not read again: their bytes and the configuration are those its stored record was
     * made from (`herald build` over the index it kept, a rebuild on AWS).
     */
    unchanged: number;
    /** Posts visible in feeds after the run (rebuild: all of them; regenerate: among the changed keys). */
    published: number;
    /** Not items, not errors: drafts, future-dated, expired, section pages, no title. */
    skipped: { key: string; reason: string }[];
    /** Bad input: named file and reason. Never stops the run. */
    rejected: PostError[];
    /**
     * Published, with something its author should fix: a declared id that cannot be used, a body shown as plain text
     * (past a limit), or an item id another post in the same feed has (readers show only one of them). Named file
     * and reason.
     */
    warned: { key: string; reason: string }[];
  };
  feeds: {
    /** Storage keys under the feeds root whose bytes changed and were written. */
    written: string[];
    unchanged: number;
    /** Feed files removed because their term has no posts any more. */
    deleted: string[];
  };
  /** Keys that could not be processed (storage faults): the caller retries them. */
  failed: { key: string; error: string }[];
  durationMs: number;
}
