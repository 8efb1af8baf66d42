import { describe, expect, it } from 'vitest';
import { dollars, idleMonth, perMillionUploads, PRICES, s3Cost } from '../../bench/cost-model.ts';

describe('the cost model', () => {
  it('prices the figures issue 15 measured before the redesign as the issue did', () => {
    // One upload: 75 GETs and 16 HEADs, 20 PUTs, 3 DELETEs (free), 12 invalidated paths.
    const s3 = { reads: 75 + 16, writes: 20 };
    expect(s3Cost(s3) * 1_000_000).toBeCloseTo(136.4, 1);
    const run = { s3, durationMs: 0, memoryMb: 1024 };
    expect(perMillionUploads(run, { invalidationPaths: 12 }) - perMillionUploads(run)).toBeCloseTo(60_000, 6);
  });

  it('shares a batch run and its SQS receive and delete among the batch, not the sends', () => {
    const run = { s3: { reads: 0, writes: 0 }, durationMs: 0, memoryMb: 1024 };
    expect(perMillionUploads(run)).toBeCloseTo(3 * PRICES.sqsRequest * 1_000_000 + PRICES.lambdaInvocation * 1_000_000, 9);
    expect(perMillionUploads(run, { batchSize: 10 })).toBeCloseTo(
      1.2 * PRICES.sqsRequest * 1_000_000 + (PRICES.lambdaInvocation * 1_000_000) / 10,
      9,
    );
  });

  it('bills Lambda by GB-second and an idle month by its periodic runs', () => {
    const tick = { s3: { reads: 4, writes: 0 }, durationMs: 100, memoryMb: 1024 };
    const perRun = 4 * PRICES.s3Read + 0.1 * PRICES.lambdaGbSecond + PRICES.lambdaInvocation + PRICES.schedulerInvocation;
    expect(idleMonth([{ run: tick, perDay: 1440, scheduled: true }])).toBeCloseTo(43_200 * perRun, 9);
    expect(dollars(1234.5)).toBe('$1235');
    expect(dollars(12.345)).toBe('$12.35');
    expect(dollars(0.01234)).toBe('$0.0123');
  });
});
