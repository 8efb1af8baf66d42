import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ROOT_KEY } from '../../../lib/index/layout.ts';
import { acquireLease, IndexBusyError, keepLease, releaseLease } from '../../../lib/index/lease.ts';
import { LEASE_MS, type Root } from '../../../lib/index/root.ts';
import { readJson } from '../../../lib/index/store.ts';
import { intercept } from '../../../lib/storage/intercept.ts';
import { MemoryStorage } from '../../../lib/storage/memory/memory-storage.ts';
import { resendingLostReplies } from '../../support/lost-reply.ts';

const START = Date.parse('2025-06-01T00:00:00Z');

describe('the rebuild lease', () => {
  let clock: number;
  const now = () => new Date(clock);
  beforeEach(() => {
    vi.useFakeTimers();
    clock = START;
  });
  afterEach(() => vi.useRealTimers());

  /** Moves the lease clock and the timers together. */
  const pass = async (ms: number) => {
    clock += ms;
    await vi.advanceTimersByTimeAsync(ms);
  };

  it('is renewed while its holder works, and lapses within LEASE_MS of the holder dying', async () => {
    const state = new MemoryStorage();
    const lease = await acquireLease(state, now());
    const kept = keepLease(state, lease, now);
    // Ten lease periods of work: the holder keeps it all along.
    for (let i = 0; i < 40; i++) {
      await pass(LEASE_MS / 4);
      await expect(acquireLease(state, now())).rejects.toBeInstanceOf(IndexBusyError);
    }
    // The holder dies (no release, no more renewals): another takes the index once the lease has run out.
    await kept.stop();
    await pass(LEASE_MS / 2);
    await expect(acquireLease(state, now())).rejects.toBeInstanceOf(IndexBusyError);
    await pass(LEASE_MS / 2);
    await expect(acquireLease(state, now())).resolves.toMatchObject({ build: expect.any(String) });
  });

  it('rides out a failed renewal, and stops renewing a lease another rebuild took', async () => {
    const store = new MemoryStorage();
    let failing = true;
    const state = intercept(store, {
      before: (call) => {
        if (failing && call.op === 'put' && clock > START) throw new Error('SlowDown');
      },
    });
    const lease = await acquireLease(state, now());
    const kept = keepLease(state, lease, now);
    await pass(LEASE_MS / 4);
    failing = false;
    await pass(LEASE_MS / 4);
    const renewed = (await readJson<Root>(store, ROOT_KEY))!.value.lease!.until;
    expect(Date.parse(renewed)).toBe(clock + LEASE_MS);
    // Stalled past its lease (say, a frozen process): another rebuild takes over, and this one's renewals stop.
    await kept.stop();
    await pass(LEASE_MS);
    const other = await acquireLease(store, now());
    const stale = keepLease(state, lease, now);
    await pass(LEASE_MS / 4);
    await stale.stop();
    expect((await readJson<Root>(store, ROOT_KEY))!.etag).toBe(other.etag);
    await expect(releaseLease(state, lease, null)).rejects.toThrow();
  });

  it('takes the index for itself when its write landed but the reply was lost', async () => {
    const state = resendingLostReplies(new MemoryStorage(), () => true);
    const lease = await acquireLease(state, now());
    await releaseLease(state, lease, null);
    expect((await readJson<Root>(state, ROOT_KEY))!.value.lease).toBeUndefined();
  });

  it('is taken over by the rebuild it was reserved for, and by no other', async () => {
    const state = new MemoryStorage();
    const reserved = await acquireLease(state, now());
    await expect(acquireLease(state, now())).rejects.toBeInstanceOf(IndexBusyError);
    await expect(acquireLease(state, now(), 'another build')).rejects.toBeInstanceOf(IndexBusyError);
    const taken = await acquireLease(state, now(), reserved.build);
    expect(taken.build).not.toBe(reserved.build);
    expect(taken.previous).toBeUndefined();
  });
});
