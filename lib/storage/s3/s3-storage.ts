import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import {
  PreconditionFailedError,
  type GetOptions,
  type ObjectInfo,
  type OversizedObject,
  type PutOptions,
  type Storage,
  type StoredObject,
} from '../storage.ts';
import { validatePutOptions, toBytes } from '../semantics.ts';

export type S3RequestKind = 'get' | 'head' | 'put' | 'delete' | 'list';

/** S3 requests by kind, as the SDK was asked for them (its own retries of 5xx and throttling not counted). */
export type S3RequestCounts = Record<S3RequestKind, number>;

export function newRequestCounts(): S3RequestCounts {
  return { get: 0, head: 0, put: 0, delete: 0, list: 0 };
}

export interface S3StorageOptions {
  client: S3Client;
  bucket: string;
  /** Key prefix inside the bucket; a missing trailing `/` is added. Default: the whole bucket. */
  prefix?: string;
  /** Pass one object to several storages to count a run's requests across buckets. */
  counts?: S3RequestCounts;
}

/**
 * A bucket (or a prefix of it) as storage. Keys are relative to the prefix; listings strip it.
 * Conditional writes are S3's own (`If-Match`, `If-None-Match: *`): 412 and 409 (a concurrent conditional
 * write) surface as `PreconditionFailedError`, and so does `ifMatch` on a missing object (S3 answers 404).
 * Other errors, including 5xx after the SDK's retries, propagate unchanged.
 */
export class S3Storage implements Storage {
  readonly client: S3Client;
  readonly bucket: string;
  readonly prefix: string;
  readonly counts: S3RequestCounts;

  constructor({ client, bucket, prefix = '', counts = newRequestCounts() }: S3StorageOptions) {
    this.client = client;
    this.bucket = bucket;
    this.prefix = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
    this.counts = counts;
  }

  /** The storage key for a bucket key (from an S3 event), or null when it lies outside the prefix. */
  relativeKey(bucketKey: string): string | null {
    if (!bucketKey.startsWith(this.prefix) || bucketKey.length === this.prefix.length) return null;
    return bucketKey.slice(this.prefix.length);
  }

  get(key: string): Promise<StoredObject | null>;
  get(key: string, options: GetOptions): Promise<StoredObject | OversizedObject | null>;
  async get(key: string, { maxBytes = Number.POSITIVE_INFINITY }: GetOptions = {}): Promise<StoredObject | OversizedObject | null> {
    this.counts.get++;
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.prefix + key }));
      const size = response.ContentLength ?? 0;
      if (size > maxBytes) {
        // The headers tell the size before the body arrives: drop the connection rather than download it
        // (no HeadObject needed first).
        destroyBody(response.Body);
        return { oversized: true, etag: response.ETag ?? '', size };
      }
      return { body: (await response.Body?.transformToByteArray()) ?? new Uint8Array(), ...headersOf(response) };
    } catch (error) {
      if (isMissingObject(error)) return null;
      throw error;
    }
  }

  async head(key: string): Promise<(Omit<StoredObject, 'body'> & { size: number }) | null> {
    this.counts.head++;
    try {
      const response = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.prefix + key }));
      return { size: response.ContentLength ?? 0, ...headersOf(response) };
    } catch (error) {
      if (isMissingObject(error)) return null;
      throw error;
    }
  }

  async put(key: string, body: Uint8Array | string, options: PutOptions = {}): Promise<{ etag: string }> {
    this.counts.put++;
    try {
      const response = await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.prefix + key,
          Body: toBytes(body),
          ContentType: options.contentType,
          CacheControl: options.cacheControl,
          Metadata: validatePutOptions(options),
          IfMatch: options.ifMatch,
          IfNoneMatch: options.ifNoneMatch,
        }),
      );
      return { etag: response.ETag ?? '' };
    } catch (error) {
      const status = statusOf(error);
      if (status === 412 || status === 409 || (options.ifMatch !== undefined && nameOf(error) === 'NoSuchKey')) {
        throw new PreconditionFailedError(key);
      }
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    this.counts.delete++;
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.prefix + key }));
  }

  async *list(prefix = ''): AsyncIterable<ObjectInfo> {
    let token: string | undefined;
    do {
      this.counts.list++;
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.prefix + prefix, ContinuationToken: token }),
      );
      for (const object of page.Contents ?? []) {
        yield {
          key: object.Key!.slice(this.prefix.length),
          etag: object.ETag ?? '',
          size: object.Size ?? 0,
          ...(object.LastModified !== undefined && { lastModified: object.LastModified }),
        };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
  }
}

/** A response body left unread: in Node it is the socket's stream, which must be destroyed to free it. */
function destroyBody(body: unknown): void {
  (body as { destroy?: () => void } | undefined)?.destroy?.();
}

// Read by shape, not `instanceof`: a bundle may carry its own copy of the SDK's exception classes.
function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

function nameOf(error: unknown): string | undefined {
  return (error as { name?: string } | undefined)?.name;
}

/** GetObject says NoSuchKey; HeadObject has no body, so only its 404 tells. A missing bucket is an error. */
function isMissingObject(error: unknown): boolean {
  return nameOf(error) !== 'NoSuchBucket' && (statusOf(error) === 404 || nameOf(error) === 'NoSuchKey');
}

/** What GetObject and HeadObject both answer about an object, in the Storage interface's terms. */
function headersOf(response: {
  ETag?: string;
  ContentType?: string;
  CacheControl?: string;
  LastModified?: Date;
  Metadata?: Record<string, string>;
}): Omit<StoredObject, 'body'> {
  return {
    etag: response.ETag ?? '',
    ...(response.ContentType !== undefined && { contentType: response.ContentType }),
    ...(response.CacheControl !== undefined && { cacheControl: response.CacheControl }),
    ...(response.LastModified !== undefined && { lastModified: response.LastModified }),
    metadata: response.Metadata ?? {},
  };
}
