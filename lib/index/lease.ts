import { randomUUID } from 'node:crypto';
import type { SiteConfig } from '../config.ts';
import type { Storage } from '../storage/storage.ts';
import { ROOT_KEY } from './layout.ts';
import { INDEX_FORMAT, LEASE_MS, leaseHeld, siteFingerprint, type Root } from './root.ts';
import { readJson, retryOnConflict, writeJson } from './store.ts';

/** Another rebuild holds the index: this one does not start (its caller may retry later). */
export class IndexBusyError extends Error {
  constructor(readonly until: string) {
    super(`a rebuild holds the index until ${until}`);
    this.name = 'IndexBusyError';
  }
}

export interface Lease {
  etag: string;
  /** The root before the lease: whether the records in the index were built with the same configuration. */
  previous?: Root;
}

/**
 * Takes the index for a rebuild. The root's fingerprint is cleared while it is held, so an index left
 * half-rebuilt (a crash) is never taken for a complete one: the next run rebuilds it again.
 */
export function acquireLease(state: Storage, now: Date): Promise<Lease> {
  return retryOnConflict(async () => {
    const current = await readJson<Root>(state, ROOT_KEY);
    if (leaseHeld(current?.value, now)) throw new IndexBusyError(current!.value.lease!.until);
    const root: Root = {
      format: INDEX_FORMAT,
      site: '',
      build: randomUUID(),
      lease: { until: new Date(now.getTime() + LEASE_MS).toISOString() },
    };
    const etag = await writeJson(state, ROOT_KEY, root, current?.etag ?? null);
    return current ? { etag, previous: current.value } : { etag };
  });
}

/** Gives the index back: current for `site` when the rebuild completed, to be rebuilt otherwise. */
export async function releaseLease(state: Storage, lease: Lease, site: SiteConfig | null): Promise<void> {
  const root: Root = { format: INDEX_FORMAT, site: site ? siteFingerprint(site) : '', build: randomUUID() };
  await writeJson(state, ROOT_KEY, root, lease.etag);
}
