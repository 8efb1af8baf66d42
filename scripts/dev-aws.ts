/**
 * `npm run dev:aws`: the AWS pipeline on this machine. Starts moto_server, creates the content and feeds
 * buckets, the queue and the content bucket's notifications (posts under CONTENT_PREFIX ending `.md`, and
 * the site config), bundles the functions and runs the SQS poller, which calls the bundled `regenerate`
 * with real SQS events. Then: `aws --endpoint-url <printed> s3 cp post.md s3://herald-content/posts/`.
 *
 *   npm run dev:aws [-- --content <dir>] [--serve <port>]
 *
 * --content  uploads a folder's posts and herald.config.json first (default: ./content, if present)
 * --serve    also serves the feeds bucket over HTTP the way CloudFront would (default port 8081; 0 = off)
 */
import { messageOf } from '../lib/errors.ts';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { CreateBucketCommand, PutBucketNotificationConfigurationCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Env } from '../lib/aws/clients.ts';
import { CONFIG_FILE } from '../lib/config.ts';
import { DEFAULT_PREFIXES, environmentOf } from '../lib/aws/environment.ts';
import { SqsPoller } from './sqs-poller.ts';
import { bundleFunctions } from './bundle.ts';

export interface LocalAwsNames {
  contentBucket: string;
  feedsBucket: string;
  queue: string;
  contentPrefix: string;
}

export const DEFAULT_NAMES: LocalAwsNames = {
  contentBucket: 'herald-content',
  feedsBucket: 'herald-feeds',
  queue: 'herald-events',
  contentPrefix: 'posts/',
};

/**
 * Buckets, queue and notifications as the CDK stack makes them: created, removed and expired posts
 * (prefix + `.md`) and the site config (prefix + `herald.config.json`, suffix `.json`: S3 accepts two
 * filters on one event type only when they cannot both match a key). Returns the queue URL.
 */
export async function createLocalAws(clients: { s3: S3Client; sqs: SQSClient }, names: LocalAwsNames = DEFAULT_NAMES): Promise<string> {
  const { s3, sqs } = clients;
  await s3.send(new CreateBucketCommand({ Bucket: names.contentBucket }));
  await s3.send(new CreateBucketCommand({ Bucket: names.feedsBucket }));
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: names.queue }));
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  const events = ['s3:ObjectCreated:*', 's3:ObjectRemoved:*', 's3:LifecycleExpiration:*'] as const;
  const filter = (prefix: string, suffix: string) => ({
    Key: {
      FilterRules: [
        { Name: 'prefix' as const, Value: prefix },
        { Name: 'suffix' as const, Value: suffix },
      ],
    },
  });
  await s3.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: names.contentBucket,
      NotificationConfiguration: {
        QueueConfigurations: [
          { Id: 'posts', QueueArn: Attributes!.QueueArn!, Events: [...events], Filter: filter(names.contentPrefix, '.md') },
          {
            Id: 'config',
            QueueArn: Attributes!.QueueArn!,
            Events: [...events],
            Filter: filter(names.contentPrefix + CONFIG_FILE, '.json'),
          },
        ],
      },
    }),
  );
  return QueueUrl!;
}

/** The functions' environment contract for these names on a local endpoint. */
export function localEnv(motoEnv: Env, names: LocalAwsNames = DEFAULT_NAMES): Env {
  return {
    ...motoEnv,
    ...environmentOf({
      contentBucket: names.contentBucket,
      contentPrefix: names.contentPrefix,
      feedsBucket: names.feedsBucket,
      statePrefix: DEFAULT_PREFIXES.state,
    }),
  };
}

async function uploadFolder(s3: S3Client, dir: string, names: LocalAwsNames): Promise<number> {
  let count = 0;
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !(entry.name.endsWith('.md') || entry.name === CONFIG_FILE)) continue;
    const file = path.join(entry.parentPath, entry.name);
    const key = names.contentPrefix + path.relative(dir, file).split(path.sep).join('/');
    await s3.send(new PutObjectCommand({ Bucket: names.contentBucket, Key: key, Body: await readFile(file) }));
    count++;
  }
  return count;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { content: { type: 'string' }, serve: { type: 'string' } } });
  const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const { startMoto } = await import('../tests/support/moto.ts');
  const { S3Storage } = await import('../lib/storage/s3/s3-storage.ts');
  const { createServer } = await import('../lib/serve/server.ts');

  console.log('bundling the functions...');
  const bundle = await bundleFunctions();
  const moto = await startMoto();
  const names = DEFAULT_NAMES;
  const queueUrl = await createLocalAws(moto, names);
  const env = localEnv(moto.env, names);
  for (const [name, value] of Object.entries(moto.env)) process.env[name] ??= value;
  const regenerate = await import(pathToFileURL(bundle.files.regenerate).href);
  const poller = new SqsPoller({
    sqs: moto.sqs,
    queueUrl,
    handler: regenerate.createHandler({ env }),
    waitTimeSeconds: 1,
    retryDelaySeconds: 5,
    onBatch: ({ messages, failed, error }) => {
      if (error) console.error(`batch of ${messages} failed: ${messageOf(error)}`);
      else if (failed.length > 0) console.error(`batch of ${messages}: ${failed.length} to retry`);
    },
  });
  poller.start();

  const contentDir = path.resolve(values.content ?? path.join(repo, 'content'));
  const uploaded = await uploadFolder(moto.s3, contentDir, names).catch(() => 0);
  const port = Number(values.serve ?? 8081);
  let server: { close(): Promise<void> } | undefined;
  let served = '';
  if (port > 0) {
    const feeds = new S3Storage({ client: moto.s3, bucket: names.feedsBucket });
    const http = createServer({ storage: feeds, onError: (error, key) => console.error(`serving ${key}: ${messageOf(error)}`) });
    const address = await http.listen(port, '127.0.0.1');
    server = http;
    served = `\nFeeds, served like CloudFront: http://127.0.0.1:${address.port}/`;
  }

  const endpoint = moto.endpoint;
  console.log(`
moto_server: ${endpoint}   (${uploaded} files uploaded from ${path.relative(process.cwd(), contentDir) || '.'})${served}

Try (dummy credentials: AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=${moto.region}):
  aws --endpoint-url ${endpoint} s3 cp post.md s3://${names.contentBucket}/${names.contentPrefix}
  aws --endpoint-url ${endpoint} s3 rm s3://${names.contentBucket}/${names.contentPrefix}post.md
  aws --endpoint-url ${endpoint} s3 ls s3://${names.feedsBucket}/ --recursive
The site configuration is s3://${names.contentBucket}/${names.contentPrefix}${CONFIG_FILE}. Ctrl-C stops everything.`);

  const stop = async () => {
    await poller.stop();
    await server?.close();
    await moto.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
