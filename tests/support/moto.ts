/**
 * A real `moto_server` (Python moto 5.2.1) on a free loopback port: S3 (conditional writes, notifications),
 * SQS and CloudFront for integration tests. Elsewhere: `pip install "moto[server]"`.
 *
 *   const moto = useMoto();                 // in a describe/file: starts in beforeAll, stops in afterAll
 *   await moto().s3.send(new CreateBucketCommand({ Bucket: 'feeds' }));
 *
 * `startMoto()` is the same without vitest (for scripts such as a local AWS loop).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import { CreateBucketCommand, PutBucketNotificationConfigurationCommand, type S3Client, type Event } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { createS3Client, type Env } from '../../lib/aws/clients.ts';
import { createSqsClient } from '../../scripts/sqs-poller.ts';

export interface Moto {
  endpoint: string;
  port: number;
  region: string;
  /** The environment contract pointing at this server (dummy credentials, path-style S3). */
  env: Env;
  /** moto's dummy credentials, for requests signed without an SDK client. */
  credentials: { accessKeyId: string; secretAccessKey: string };
  s3: S3Client;
  sqs: SQSClient;
  /** For tests only: Herald itself calls CloudFront without the SDK (lib/aws/invalidation.ts). */
  cloudfront: CloudFrontClient;
  /** Forgets every bucket, queue and distribution (moto's reset API): isolates tests sharing a server. */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

const REGION = 'us-east-1';
/** Python's `sitecustomize` for moto (tests/support/moto-site/sitecustomize.py): why it is there is said there. */
const MOTO_SITE = fileURLToPath(new URL('./moto-site', import.meta.url));
/** A hang guard: moto takes a few seconds to start here, more on a loaded machine; vitest's hookTimeout is longer. */
const START_TIMEOUT_MS = 120_000;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function answers(endpoint: string): Promise<boolean> {
  try {
    const response = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(1_000) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

/** Resolves once moto answers; rejects with its output if it exits or never comes up. */
async function waitUntilUp(child: ChildProcess, endpoint: string, output: () => string): Promise<void> {
  let exit: string | undefined;
  const onSpawnError = (error: NodeJS.ErrnoException) => {
    exit =
      error.code === 'ENOENT'
        ? 'moto_server is not on PATH. Install it with: pip install "moto[server]==5.2.1"'
        : `moto_server could not start: ${error.message}`;
  };
  child.once('error', onSpawnError);
  child.once('exit', (code, signal) => {
    exit ??= `moto_server exited (${signal ?? `code ${code}`}) before answering:\n${output()}`;
  });
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (exit !== undefined) throw new Error(exit);
    if (await answers(endpoint)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`moto_server did not answer on ${endpoint} within ${START_TIMEOUT_MS / 1000} s:\n${output()}`);
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export async function startMoto(): Promise<Moto> {
  // Another process may take the port between probing and binding; moto then exits and we try again.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const endpoint = `http://127.0.0.1:${port}`;
    const child = spawn('moto_server', ['-p', String(port), '-H', '127.0.0.1'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        PYTHONUNBUFFERED: '1',
        PYTHONPATH: [MOTO_SITE, process.env.PYTHONPATH].filter(Boolean).join(path.delimiter),
      },
    });
    // Should the test process end without afterAll (a crash, a timeout), take moto down with it.
    const killOnExit = () => child.kill('SIGKILL');
    process.once('exit', killOnExit);
    child.once('exit', () => process.off('exit', killOnExit));
    let log = '';
    const keep = (chunk: Buffer) => {
      log = (log + chunk.toString()).slice(-4_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    try {
      await waitUntilUp(child, endpoint, () => log);
    } catch (error) {
      if (attempt < 3 && /address already in use/i.test(log)) continue;
      throw error;
    }
    // Past startup its output is only ever read on a failure to start: stop collecting it.
    child.stdout?.off('data', keep).resume();
    child.stderr?.off('data', keep).resume();

    const env: Env = {
      AWS_ENDPOINT_URL: endpoint,
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      S3_FORCE_PATH_STYLE: 'true',
    };
    const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
    // The factories take region and endpoint from `env`, not credentials: those come from the process.
    const s3 = createS3Client(env, { credentials });
    const sqs = createSqsClient(env, { credentials });
    const cloudfront = new CloudFrontClient({ region: REGION, endpoint, credentials });
    return {
      endpoint,
      port,
      region: REGION,
      env,
      credentials,
      s3,
      sqs,
      cloudfront,
      async reset() {
        const response = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
        if (!response.ok) throw new Error(`moto reset failed: ${response.status}`);
      },
      async stop() {
        for (const client of [s3, sqs, cloudfront]) client.destroy();
        await stopProcess(child);
      },
    };
  }
}

/** Starts moto for the enclosing describe block (or file) and stops it afterwards. */
export function useMoto(): () => Moto {
  let moto: Moto | undefined;
  beforeAll(async () => {
    moto = await startMoto();
  });
  afterAll(async () => {
    await moto?.stop();
  });
  return () => {
    if (!moto) throw new Error('moto is not running: call useMoto() at describe level and use it inside tests');
    return moto;
  };
}

export interface QueueNotification {
  bucket: string;
  queue: string;
  /** Key filters, as in the bucket notification configuration. */
  prefix?: string;
  suffix?: string;
  events?: Event[];
}

/**
 * Creates the bucket and the queue and wires S3 notifications from one to the other, as the CDK stack does.
 * Returns the queue URL. Moto delivers the notification synchronously with the PutObject/DeleteObject call.
 */
export async function connectBucketToQueue(moto: Moto, options: QueueNotification): Promise<string> {
  await moto.s3.send(new CreateBucketCommand({ Bucket: options.bucket }));
  const { QueueUrl } = await moto.sqs.send(new CreateQueueCommand({ QueueName: options.queue }));
  const { Attributes } = await moto.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  const rules = [
    ...(options.prefix ? [{ Name: 'prefix' as const, Value: options.prefix }] : []),
    ...(options.suffix ? [{ Name: 'suffix' as const, Value: options.suffix }] : []),
  ];
  await moto.s3.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: options.bucket,
      NotificationConfiguration: {
        QueueConfigurations: [
          {
            QueueArn: Attributes!.QueueArn!,
            Events: options.events ?? ['s3:ObjectCreated:*', 's3:ObjectRemoved:*'],
            ...(rules.length > 0 ? { Filter: { Key: { FilterRules: rules } } } : {}),
          },
        ],
      },
    }),
  );
  return QueueUrl!;
}
