import { createHash } from 'node:crypto';
import type { SiteConfig } from '../config.ts';

/** Bumped whenever the layout or meaning of the index changes: an index of another format is rebuilt. */
// 2: manifests carry their feed's newest items, the catalog names only, pending markers name their run.
export const INDEX_FORMAT = 2;

/**
 * How long a rebuild's lease lasts unless renewed (lib/index/lease.ts): how long incremental runs wait
 * for a rebuild that died before they take the index back.
 */
export const LEASE_MS = 60 * 1000;

/**
 * `index.json`. `site` fingerprints the configuration the index was built with, and is only set by a
 * rebuild that completed: records, lists and items depend on the configuration (URLs, time zone, items
 * per feed), so an index built otherwise, or left half-done, is rebuilt rather than updated. While a
 * rebuild runs it holds `lease`; incremental runs then step aside and have their keys retried.
 */
export interface Root {
  format: number;
  site: string;
  /**
   * Names the rebuild that wrote the root: two rebuilds with one configuration must not leave equal
   * bytes (an equal ETag), or a run could not tell that a rebuild happened while it worked.
   */
  build: string;
  lease?: { until: string };
}

export function siteFingerprint(site: SiteConfig): string {
  return createHash('sha256').update(canonicalJson(site)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The index is usable for incremental runs with this configuration. */
export function isCurrent(root: Root | undefined, site: SiteConfig): boolean {
  return root !== undefined && root.format === INDEX_FORMAT && root.site === siteFingerprint(site);
}

export function leaseHeld(root: Root | undefined, now: Date): boolean {
  return root?.lease !== undefined && Date.parse(root.lease.until) > now.getTime();
}
