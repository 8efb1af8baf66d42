// Needs a real moto_server (tests/support/moto.ts): 500 uploads and 100 deletions through real S3
// notifications and SQS, handled by the BUNDLED regenerate in batches of 10, two at a time (as the event
// source mapping's maximum concurrency 2), racing on the same few terms.
import { describe, expect, it } from 'vitest';
import { mapLimit } from '../../lib/pipeline/concurrency.ts';
import { useAwsPipeline } from '../support/aws-pipeline.ts';
import { markdownPost } from '../support/markdown-posts.ts';

const TAGS = ['Rust', 'Go', 'TypeScript', 'Python', 'Zig'];
const CATEGORIES = ['Notes', 'Releases'];

/**
 * 600 messages make at least 60 batches (60 here, none retried); a run that loses a race on the index is retried.
 * The bound is on work, so a slow machine passes where a runaway retry loop fails.
 */
const MAX_BATCHES = 600;

describe('a burst through the bundled pipeline on moto', () => {
  const aws = useAwsPipeline({ itemsPerFeed: 10 });

  // The timeout is a hang guard only: this takes one to two minutes here, uploads included.
  it('absorbs 500 uploads and 100 deletions and ends equal to a full rebuild', { timeout: 15 * 60_000 }, async () => {
    const pipeline = aws();
    const keys = Array.from({ length: 500 }, (_, i) => `burst/post-${String(i).padStart(3, '0')}.md`);
    const started = performance.now();
    await mapLimit(keys, 8, (key, i) =>
      pipeline.put(
        key,
        markdownPost({
          title: `Burst ${i}`,
          date: new Date(Date.UTC(2024, 0, 1) + i * 3_600_000).toISOString(),
          tags: [TAGS[i % TAGS.length]!, TAGS[(i * 7) % TAGS.length]!],
          categories: [CATEGORIES[i % CATEGORIES.length]!],
        }),
      ),
    );
    // The newest 100 go: every feed's newest items change, the hardest case for the index.
    await mapLimit(keys.slice(-100), 8, (key) => pipeline.remove(key));
    const uploaded = performance.now();

    const result = await pipeline.poller().drain({ untilEmpty: true, maxBatches: MAX_BATCHES });
    const drained = performance.now();
    expect(result.messages).toBeGreaterThanOrEqual(600);
    expect(
      Math.max(...pipeline.log.lines.filter((l) => l.message === 'regenerate finished').map((l) => Number(l.extra.keys))),
    ).toBeLessThanOrEqual(10);
    const runs = pipeline.log.lines.filter((line) => line.message === 'regenerate finished');
    const requests = runs.reduce((sum, line) => sum + Number(line.extra.s3Requests ?? 0), 0);
    console.log(
      `burst: ${runs.length} runs, ${requests} S3 requests (${Math.round(requests / Math.max(1, runs.length))} per run); uploads ${((uploaded - started) / 1000).toFixed(1)} s, ${result.batches} batches drained in ${((drained - uploaded) / 1000).toFixed(1)} s, ` +
        `${result.failedBatches} with retries`,
    );

    const rss = await pipeline.feed('rss.xml');
    expect(rss).toContain('<title>Burst 399</title>');
    expect(rss).not.toContain('<title>Burst 400</title>');
    const incremental = await pipeline.feedTree();
    const rebuilt = await pipeline.freshRebuild();
    expect([...incremental.keys()].sort()).toEqual([...rebuilt.keys()].sort());
    for (const [key, file] of rebuilt) expect(incremental.get(key), key).toEqual(file);
  });
});
