/**
 * The rebuild lease on the index root. A rebuild holds it while it rewrites the index; incremental runs
 * that find it held step aside and have their keys retried.
 *
 * The lease is short (LEASE_MS) and renewed while its holder works, rather than long enough for any
 * rebuild: a holder that dies (a Lambda timeout, a crash) blocks incremental runs for at most LEASE_MS,
 * not for the 15 minutes a rebuild may take. A holder that fails releases it at once.
 */
import { randomUUID } from 'node:crypto';
import type { SiteConfig } from '../config.ts';
import { PreconditionFailedError, type Storage } from '../storage/storage.ts';
import { ROOT_KEY } from './layout.ts';
import { INDEX_FORMAT, LEASE_MS, leaseHeld, siteFingerprint, type Root } from './root.ts';
import { readJson, retryOnConflict, writeJson } from './store.ts';
import { HeraldError } from '../errors.ts';

/** Another rebuild holds the index: this one does not start (its caller may retry later). */
export class IndexBusyError extends HeraldError {
  constructor(readonly until: string) {
    super(`a rebuild holds the index until ${until}`);
    this.name = 'IndexBusyError';
  }
}

/** This rebuild's lease lapsed (it stalled past it) or another took the index: it must write nothing more. */
export class LeaseLostError extends HeraldError {
  constructor() {
    super('the rebuild lost its lease on the index: another run may have taken it');
    this.name = 'LeaseLostError';
  }
}

export interface Lease {
  /** ETag of the root as this holder last wrote it: the condition of its renewals and its release. */
  etag: string;
  /** When the lease runs out (ms since the epoch), as last written. */
  until: number;
  /** A renewal was refused: another rebuild holds the index. */
  lost?: boolean;
  /** Names the holder: a rebuild started on another's behalf takes over the lease that names it. */
  build: string;
  /** The root before the lease: whether the records in the index were built with the same configuration. */
  previous?: Root;
}

/** Renewals per lease period: a holder misses two in a row (a slow or failed write) before it can lapse. */
const RENEWALS_PER_LEASE = 4;

function leasedRoot(build: string, now: Date): Root {
  return { format: INDEX_FORMAT, site: '', build, lease: { until: new Date(now.getTime() + LEASE_MS).toISOString() } };
}

/**
 * Takes the index for a rebuild. The root's fingerprint is cleared while it is held, so an index left
 * half-rebuilt (a crash) is never taken for a complete one: the next run rebuilds it again. `takeOver`
 * names a lease taken on this rebuild's behalf (`regenerate` reserving it before starting the rebuild
 * function): that one is not another rebuild's.
 */
export function acquireLease(state: Storage, now: Date, takeOver?: string): Promise<Lease> {
  return retryOnConflict(async () => {
    const current = await readJson<Root>(state, ROOT_KEY);
    const mine = takeOver !== undefined && current?.value.build === takeOver;
    if (!mine && leaseHeld(current?.value, now)) throw new IndexBusyError(current!.value.lease!.until);
    const build = randomUUID();
    const root = leasedRoot(build, now);
    const etag = await writeJson(state, ROOT_KEY, root, current?.etag ?? null);
    const lease: Lease = { etag, build, until: Date.parse(root.lease!.until) };
    // A reservation's root says nothing of the index: the one before it does.
    if (!mine && current) lease.previous = current.value;
    return lease;
  });
}

/** Gives the index back: current for `site` when the rebuild completed, to be rebuilt otherwise. */
export async function releaseLease(state: Storage, lease: Lease, site: SiteConfig | null): Promise<void> {
  const root: Root = { format: INDEX_FORMAT, site: site ? siteFingerprint(site) : '', build: randomUUID() };
  await writeJson(state, ROOT_KEY, root, lease.etag);
}

/**
 * Renews `lease` every LEASE_MS / 4 until `stop()`, which waits for a renewal in flight (so a release
 * that follows is conditional on the last one). A failed renewal is tried again at the next turn; a
 * refused one means the lease lapsed and another rebuild took the index: renewing stops, and the
 * holder's release will be refused in turn.
 *
 * `due()` renews at once when a quarter lease has passed since the last renewal: the holder calls it before each
 * write. A build that never waits on real I/O (a folder read synchronously, the index in memory) never lets the
 * timer run, and its lease would lapse under it: `herald build` failed so on any build past 45 s.
 */
export function keepLease(state: Storage, lease: Lease, now: () => Date): { stop(): Promise<void>; due(): Promise<void> | undefined } {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let inFlight: Promise<void> | undefined;
  // One renewal at a time, whoever asks: two would race on the root's ETag, and the loser would take the lease for lost.
  const renewOnce = (): Promise<void> => {
    inFlight ??= renew().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };
  const schedule = () => {
    timer = setTimeout(() => {
      void renewOnce().finally(() => {
        if (!stopped) schedule();
      });
    }, LEASE_MS / RENEWALS_PER_LEASE);
  };
  const renew = async () => {
    const root = leasedRoot(lease.build, now());
    try {
      lease.etag = await writeJson(state, ROOT_KEY, root, lease.etag);
      lease.until = Date.parse(root.lease!.until);
    } catch (error) {
      if (error instanceof PreconditionFailedError) {
        lease.lost = true;
        stopped = true;
      }
    }
  };
  schedule();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await inFlight;
    },
    // Nothing to wait for (undefined) most of the time, so that the holder's writes go on without a turn.
    due() {
      const renewedAt = lease.until - LEASE_MS;
      if (stopped || now().getTime() - renewedAt < LEASE_MS / RENEWALS_PER_LEASE) return inFlight;
      return renewOnce();
    },
  };
}

/**
 * Margin before a lease's end after which its holder writes nothing: a write sent just before the end can
 * still be in flight (SDK retries) when another rebuild starts. S3 has no fencing token across objects,
 * so the holder fences itself.
 */
const LEASE_MARGIN_MS = LEASE_MS / 4;

/** Throws `LeaseLostError` unless `lease` is safely held at `now`. */
export function assertLeaseHeld(lease: Lease, now: Date): void {
  if (lease.lost || now.getTime() >= lease.until - LEASE_MARGIN_MS) throw new LeaseLostError();
}
