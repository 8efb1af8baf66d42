/**
 * For the Chromium tests (tests/browser/): the example site in content/ built by the real pipeline, served by the
 * preview server on 127.0.0.1, and Chromium (Debian's, driven by playwright-core) in a fresh profile. Wrap the suite in
 * `describeWith(CHROMIUM)` (needs-program.ts). Screenshots go to `ARTIFACTS` (test-results/, gitignored).
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { loadSiteConfig, type SiteConfig } from '../../lib/config.ts';
import { rebuild } from '../../lib/pipeline/rebuild.ts';
import type { RunReport } from '../../lib/pipeline/types.ts';
import { createServer } from '../../lib/serve/server.ts';
import { FsStorage } from '../../lib/storage/fs/fs-storage.ts';
import { MemoryStorage } from '../../lib/storage/memory/memory-storage.ts';
import { CHROMIUM } from './needs-program.ts';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];
const REPO_ROOT = path.resolve(import.meta.dirname, '../..');
export const ARTIFACTS = path.join(REPO_ROOT, 'test-results');

export interface BrowserSite {
  site: SiteConfig;
  /** What building the example site did. */
  report: RunReport;
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  origin: string;
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

/** `overrides` replace keys of the example site's configuration (e.g. small archive pages, so every feed has some). */
export async function openExampleSite(overrides: Partial<SiteConfig> = {}): Promise<BrowserSite> {
  const contentDir = path.join(REPO_ROOT, 'content');
  const feeds = new MemoryStorage();
  const site = { ...(await loadSiteConfig(contentDir)), ...overrides };
  const report = await rebuild({ content: new FsStorage(contentDir), feeds, state: new MemoryStorage(), site, now: () => new Date() });
  const server = createServer({ storage: feeds, cacheControl: site.cacheControl });
  const { port } = await server.listen(0, '127.0.0.1');
  const profile = await mkdtemp(path.join(os.tmpdir(), 'herald-chromium-'));
  const close = async () => {
    await context?.close();
    await server.close();
    await rm(profile, { recursive: true, force: true });
  };
  let context: BrowserContext | undefined;
  try {
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM.path, headless: true, args: ARGS });
    const page = context.pages()[0] ?? (await context.newPage());
    await mkdir(ARTIFACTS, { recursive: true });
    return { site, report, origin: `http://127.0.0.1:${port}`, context, page, close };
  } catch (error) {
    await close();
    throw error;
  }
}
