import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { S3Storage } from '../../../lib/storage/s3/s3-storage.ts';
import { PreconditionFailedError } from '../../../lib/storage/storage.ts';

function s3Error(name: string, status: number): S3ServiceException {
  return new S3ServiceException({
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
    message: name,
  });
}

describe('S3Storage: requests and error mapping (aws-sdk-client-mock)', () => {
  // Mocks every S3Client's send until restored, so the scripted-endpoint tests below run unmocked.
  const s3 = mockClient(S3Client);
  afterEach(() => s3.reset());
  afterAll(() => s3.restore());
  const storage = () => new S3Storage({ client: new S3Client({ region: 'us-east-1' }), bucket: 'feeds', prefix: 'site/' });

  it('sends content type, cache control, lowercased metadata and conditions, under the prefix', async () => {
    s3.on(PutObjectCommand).resolves({ ETag: '"e"' });
    expect(
      await storage().put('rss.xml', 'x', {
        contentType: 'application/rss+xml; charset=utf-8',
        cacheControl: 'public, max-age=300',
        metadata: { SHA256: 'abc' },
        ifMatch: '"old"',
      }),
    ).toEqual({ etag: '"e"' });
    const input = s3.commandCalls(PutObjectCommand)[0]!.args[0].input;
    expect(input).toMatchObject({
      Bucket: 'feeds',
      Key: 'site/rss.xml',
      ContentType: 'application/rss+xml; charset=utf-8',
      CacheControl: 'public, max-age=300',
      Metadata: { sha256: 'abc' },
      IfMatch: '"old"',
    });
    expect(new TextDecoder().decode(input.Body as Uint8Array)).toBe('x');
  });

  it.each([
    ['PreconditionFailed', 412, { ifMatch: '"e"' }],
    ['PreconditionFailed', 412, { ifNoneMatch: '*' as const }],
    ['ConditionalRequestConflict', 409, { ifNoneMatch: '*' as const }],
    ['NoSuchKey', 404, { ifMatch: '"e"' }],
  ])('maps %s (%i) on a conditional put to PreconditionFailedError', async (name, status, options) => {
    s3.on(PutObjectCommand).rejects(s3Error(name, status));
    const error = await storage()
      .put('index/a.json', '{}', options)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PreconditionFailedError);
    expect((error as PreconditionFailedError).key).toBe('index/a.json');
  });

  it.each([
    ['InternalError', 500],
    ['SlowDown', 503],
    ['NoSuchBucket', 404],
    ['AccessDenied', 403],
  ])('lets %s (%i) through unchanged: the caller retries or fails', async (name, status) => {
    s3.on(PutObjectCommand).rejects(s3Error(name, status));
    await expect(storage().put('a', 'x', { ifMatch: '"e"' })).rejects.toMatchObject({ name });
    s3.on(GetObjectCommand).rejects(s3Error(name, status));
    await expect(storage().get('a')).rejects.toMatchObject({ name });
  });

  it('answers null for a missing object, from GetObject (NoSuchKey) and HeadObject (bare 404)', async () => {
    s3.on(GetObjectCommand).rejects(s3Error('NoSuchKey', 404));
    s3.on(HeadObjectCommand).rejects(s3Error('NotFound', 404));
    expect(await storage().get('a')).toBeNull();
    expect(await storage().head('a')).toBeNull();
  });

  it('answers an object above maxBytes from the GetObject headers: the body is dropped unread, no HeadObject sent', async () => {
    const body = { transformToByteArray: vi.fn(), destroy: vi.fn() };
    s3.on(GetObjectCommand).resolves({ ContentLength: 600 * 1024 * 1024, ETag: '"big"', Body: body as never });
    expect(await storage().get('posts/big.md', { maxBytes: 10 * 1024 * 1024 })).toEqual({
      oversized: true,
      etag: '"big"',
      size: 600 * 1024 * 1024,
    });
    expect(body.transformToByteArray).not.toHaveBeenCalled();
    expect(body.destroy).toHaveBeenCalledOnce();
    expect(s3.commandCalls(HeadObjectCommand)).toHaveLength(0);
  });

  it('follows continuation tokens and strips the prefix', async () => {
    s3.on(ListObjectsV2Command, { ContinuationToken: undefined }).resolves({
      IsTruncated: true,
      NextContinuationToken: 'page-2',
      Contents: [{ Key: 'site/tags/a/rss.xml', ETag: '"1"', Size: 1 }],
    });
    s3.on(ListObjectsV2Command, { ContinuationToken: 'page-2' }).resolves({
      IsTruncated: false,
      Contents: [{ Key: 'site/tags/b/rss.xml', ETag: '"2"', Size: 2 }],
    });
    const s = storage();
    const listed = [];
    for await (const info of s.list('tags/')) listed.push(info);
    expect(listed).toEqual([
      { key: 'tags/a/rss.xml', etag: '"1"', size: 1 },
      { key: 'tags/b/rss.xml', etag: '"2"', size: 2 },
    ]);
    expect(s3.commandCalls(ListObjectsV2Command).map((call) => call.args[0].input.Prefix)).toEqual(['site/tags/', 'site/tags/']);
    expect(s.counts.list).toBe(2);
  });
});

/** An S3 endpoint that answers each PutObject from a script: the SDK's real retry logic runs against it. */
async function scriptedS3(script: { status: number; code?: string }[]) {
  const seen: string[] = [];
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    request.resume();
    request.on('end', () => {
      seen.push(`${request.method} ${new URL(request.url!, 'http://s3').pathname}`);
      const step = script[Math.min(seen.length - 1, script.length - 1)]!;
      if (step.status === 200) {
        response.writeHead(200, { ETag: '"ok"' }).end();
        return;
      }
      response
        .writeHead(step.status, { 'Content-Type': 'application/xml' })
        .end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${step.code}</Code><Message>${step.code}</Message></Error>`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = new S3Client({
    region: 'us-east-1',
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    forcePathStyle: true,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    maxAttempts: 3,
  });
  return {
    seen,
    storage: new S3Storage({ client, bucket: 'feeds' }),
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

describe('S3Storage: the SDK retries server faults (scripted HTTP endpoint)', () => {
  it('rides out 503 SlowDown: the write succeeds, one request counted, three sent', async () => {
    const s3 = await scriptedS3([{ status: 503, code: 'SlowDown' }, { status: 503, code: 'SlowDown' }, { status: 200 }]);
    try {
      expect(await s3.storage.put('rss.xml', '<rss/>')).toEqual({ etag: '"ok"' });
      expect(s3.seen).toEqual(Array(3).fill('PUT /feeds/rss.xml'));
      expect(s3.storage.counts.put).toBe(1);
    } finally {
      await s3.close();
    }
  });

  it('surfaces a 500 that outlasts the retries as itself, not as a lost condition', async () => {
    const s3 = await scriptedS3([{ status: 500, code: 'InternalError' }]);
    try {
      const error = await s3.storage.put('index/a.json', '{}', { ifMatch: '"e"' }).catch((e: unknown) => e);
      expect(error).not.toBeInstanceOf(PreconditionFailedError);
      expect(error).toMatchObject({ name: 'InternalError', $metadata: { httpStatusCode: 500 } });
      expect(s3.seen).toHaveLength(3);
    } finally {
      await s3.close();
    }
  });

  it('does not retry a 412: a lost conditional write comes back at once', async () => {
    const s3 = await scriptedS3([{ status: 412, code: 'PreconditionFailed' }]);
    try {
      await expect(s3.storage.put('index/a.json', '{}', { ifNoneMatch: '*' })).rejects.toBeInstanceOf(PreconditionFailedError);
      expect(s3.seen).toHaveLength(1);
    } finally {
      await s3.close();
    }
  });
});
