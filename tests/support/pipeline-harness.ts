/**
 * A site in memory for pipeline tests: content, feeds and index storages, a settable clock, and the
 * check at the heart of the pipeline: the feeds equal, byte for byte, what a full rebuild of the same
 * content writes into empty storage (given the feeds' history, where the site keeps archives).
 */
import type { SiteConfig } from '../../lib/config.ts';
import { FEEDS_PREFIX, ROOT_KEY, SCHEDULE_KEY } from '../../lib/index/layout.ts';
import { dueKeys, type Schedule } from '../../lib/index/schedule.ts';
import { isCurrent, type Root } from '../../lib/index/root.ts';
import { readJson } from '../../lib/index/store.ts';
import { type RebuildOptions, rebuild } from '../../lib/pipeline/rebuild.ts';
import { regenerate } from '../../lib/pipeline/regenerate.ts';
import type { PipelineDeps, RunReport } from '../../lib/pipeline/types.ts';
import { MemoryStorage } from '../../lib/storage/memory/memory-storage.ts';
import type { Storage } from '../../lib/storage/storage.ts';
import { markdown, snapshot, testSite, type PostSpec } from './site-content.ts';

export class SiteHarness {
  readonly content = new MemoryStorage();
  readonly feedsStore = new MemoryStorage();
  readonly stateStore = new MemoryStorage();
  /** What the pipeline talks to: the stores, or wrappers of them (faults, counters, interleavings). */
  feeds: Storage = this.feedsStore;
  state: Storage = this.stateStore;
  site: SiteConfig;
  clock: Date;

  constructor(site: SiteConfig = testSite(), clock = new Date('2025-06-01T00:00:00Z')) {
    this.site = site;
    this.clock = clock;
  }

  deps(overrides: Partial<PipelineDeps> = {}): PipelineDeps {
    return { content: this.content, feeds: this.feeds, state: this.state, site: this.site, now: () => this.clock, ...overrides };
  }

  async write(key: string, post: PostSpec | string): Promise<void> {
    await this.content.put(key, typeof post === 'string' ? post : markdown(post));
  }

  async remove(key: string): Promise<void> {
    await this.content.delete(key);
  }

  rebuild(overrides: Partial<PipelineDeps> = {}, options?: RebuildOptions): Promise<RunReport> {
    return rebuild(this.deps(overrides), options);
  }

  regenerate(keys: string[], overrides: Partial<PipelineDeps> = {}): Promise<RunReport> {
    return regenerate(this.deps(overrides), keys);
  }

  /** Whether the index is settled: built with the current configuration, nothing in its schedule due (what the next tick would do). */
  async indexSettled(): Promise<boolean> {
    const schedule = (await readJson<Schedule>(this.stateStore, SCHEDULE_KEY))?.value;
    const due = schedule ? dueKeys(schedule, this.clock) : [];
    return due.length === 0 && isCurrent((await readJson<Root>(this.stateStore, ROOT_KEY))?.value, this.site);
  }

  feedTree(): Promise<Record<string, string>> {
    return snapshot(this.feedsStore);
  }

  /**
   * What a rebuild of the current content, at the current clock, writes into empty storages. Where the site keeps
   * archives, the feeds' history is what the index remembers, not what the content says (where the pages were cut
   * before a post was dated into the middle, which deletions are still announced): that rebuild starts from the
   * lists' manifests alone, and parses every post again.
   */
  async freshTree(): Promise<Record<string, string>> {
    const feeds = new MemoryStorage();
    const state = new MemoryStorage();
    if (this.site.archives) await copyManifests(this.stateStore, state);
    const report = await rebuild({ content: this.content, feeds, state, site: this.site, now: () => this.clock });
    if (report.failed.length > 0) throw new Error(`fresh rebuild failed: ${JSON.stringify(report.failed)}`);
    return snapshot(feeds);
  }
}

/** Copies the feeds' manifests (their lists, newest items and history) from one index storage to another. */
export async function copyManifests(from: Storage, to: Storage): Promise<void> {
  for await (const { key } of from.list(FEEDS_PREFIX)) {
    const object = key.endsWith('/manifest.json') ? await from.get(key) : null;
    if (object) await to.put(key, object.body);
  }
}
