// Needs a real moto_server (tests/support/moto.ts): the check compares S3's listing (ETags, LastModified to
// the second) with the index's, so it is run against S3's own answers. No events are delivered here: every
// change after the first build is one the pipeline never heard of.
import { CreateBucketCommand, DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { createHandler as createCheck } from '../../functions/check.ts';
import { createHandler as createRebuild } from '../../functions/rebuild.ts';
import type { Env } from '../../lib/aws/clients.ts';
import { mapLimit } from '../../lib/pipeline/concurrency.ts';
import { Runtime } from '../../lib/aws/runtime.ts';
import { copyFeedHistory } from '../support/aws-pipeline.ts';
import { markdownPost, siteConfigJson } from '../support/markdown-posts.ts';
import { useMoto } from '../support/moto.ts';
import { recordingLog } from '../support/recording-log.ts';
import { snapshot } from '../support/site-content.ts';

describe('the consistency check on moto_server', () => {
  const moto = useMoto();

  it('repairs lost uploads, edits and deletions, and then finds nothing', { timeout: 5 * 60_000 }, async () => {
    process.env.AWS_ACCESS_KEY_ID ??= 'testing';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'testing';
    const { s3 } = moto();
    for (const bucket of ['content', 'feeds', 'fresh']) await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const put = (key: string, body: string) => s3.send(new PutObjectCommand({ Bucket: 'content', Key: `posts/${key}`, Body: body }));
    await put('herald.config.json', siteConfigJson());
    await mapLimit(
      Array.from({ length: 200 }, (_, i) => i),
      8,
      (i) =>
        put(
          `${i}.md`,
          markdownPost({ title: `Post ${i}`, date: new Date(Date.UTC(2025, 0, 1) + i * 60_000).toISOString(), tags: [`t${i % 4}`] }),
        ),
    );
    await put('draft.md', markdownPost({ title: 'Draft', draft: true }));
    const env: Env = { ...moto().env, CONTENT_BUCKET: 'content', FEEDS_BUCKET: 'feeds', LOG_LEVEL: 'ERROR' };
    await createRebuild({ env, log: recordingLog() })({});
    // S3 dates objects to the second: a change within the second of the rebuild's record would look older.
    await new Promise((resolve) => setTimeout(resolve, 1_100));

    await put('7.md', markdownPost({ title: 'Post 7, edited', date: '2025-01-01T00:07:00Z', tags: ['t3'] }));
    await put('new.md', markdownPost({ title: 'New', date: '2026-01-01T00:00:00Z', tags: ['fresh'] }));
    await put('draft.md', markdownPost({ title: 'Draft, published' }));
    await s3.send(new DeleteObjectCommand({ Bucket: 'content', Key: 'posts/9.md' }));

    const check = createCheck({ env, log: recordingLog() });
    expect(await check({})).toMatchObject({ posts: 201, differing: 4, rebuildStarted: false });
    expect(await check({})).toMatchObject({ posts: 201, differing: 0, feedsWritten: 0 });

    // The served files (the index under _herald/ names its rebuild, and is compared by the fan-out test).
    const tree = async (bucket: string) => {
      const all = await snapshot(new Runtime({ env: { ...env, FEEDS_BUCKET: bucket }, log: recordingLog() }).stores().feeds);
      return Object.fromEntries(Object.entries(all).filter(([key]) => !key.startsWith('_herald/')));
    };
    await copyFeedHistory(env, 'fresh');
    await createRebuild({ env: { ...env, FEEDS_BUCKET: 'fresh' }, log: recordingLog() })({});
    expect(await tree('feeds')).toEqual(await tree('fresh'));
  });
});
