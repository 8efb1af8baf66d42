/**
 * What Lambda's SQS event source mapping does, for the local AWS loop and the integration tests: receive
 * batches, call the handler with a real SQS event, delete the messages that succeeded (all of them, less
 * the handler's `batchItemFailures`; none if it threw), leave the rest to come back after their visibility
 * timeout. Up to `concurrency` batches are in flight at once, like the mapping's maximum concurrency.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type Message,
  SQSClient,
  type SQSClientConfig,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { awsSettings, type Env } from '../lib/aws/clients.ts';

/** An SQS client from the same environment contract as the functions' S3 client (lib/aws/clients.ts). */
export function createSqsClient(env: Env = process.env, config: SQSClientConfig = {}): SQSClient {
  const settings = awsSettings(env);
  return new SQSClient({ region: settings.region, endpoint: settings.endpoints.sqs, ...config });
}

export type SqsHandler = (event: SQSEvent) => Promise<SQSBatchResponse | undefined>;

export interface PollerOptions {
  sqs: SQSClient;
  queueUrl: string;
  handler: SqsHandler;
  /** Messages per event (SQS allows 10 per receive). */
  batchSize?: number;
  /** Batches in flight at once. */
  concurrency?: number;
  /**
   * Seconds a failed message stays invisible before it can be received again. Lambda leaves it to the
   * queue's visibility timeout; a short delay here keeps tests and the local loop quick.
   */
  retryDelaySeconds?: number;
  /** Long-poll wait of each receive (0 returns at once when the queue is empty). */
  waitTimeSeconds?: number;
  onBatch?: (outcome: BatchOutcome) => void;
}

export interface BatchOutcome {
  messages: number;
  failed: string[];
  /** The handler threw: every message of the batch failed. */
  error?: unknown;
}

export interface DrainResult {
  batches: number;
  messages: number;
  /** Handler invocations that reported failures or threw. */
  failedBatches: number;
}

export function sqsEvent(messages: Message[], queueArn: string, region: string): SQSEvent {
  return {
    Records: messages.map(
      (message): SQSRecord => ({
        messageId: message.MessageId!,
        receiptHandle: message.ReceiptHandle!,
        body: message.Body ?? '',
        attributes: {
          ApproximateReceiveCount: message.Attributes?.ApproximateReceiveCount ?? '1',
          SentTimestamp: message.Attributes?.SentTimestamp ?? String(Date.now()),
          SenderId: message.Attributes?.SenderId ?? '',
          ApproximateFirstReceiveTimestamp: message.Attributes?.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
        },
        messageAttributes: {},
        md5OfBody: message.MD5OfBody ?? '',
        eventSource: 'aws:sqs',
        eventSourceARN: queueArn,
        awsRegion: region,
      }),
    ),
  };
}

export class SqsPoller {
  private readonly options: Required<Omit<PollerOptions, 'onBatch'>> & Pick<PollerOptions, 'onBatch'>;
  private queueArn?: string;
  private region?: string;
  private running = false;
  private loops: Promise<void>[] = [];

  constructor(options: PollerOptions) {
    this.options = { batchSize: 10, concurrency: 2, retryDelaySeconds: 1, waitTimeSeconds: 0, ...options };
  }

  /** Receives and handles one batch; 0 when the queue had nothing visible. */
  async pollOnce(onBatch = this.options.onBatch): Promise<number> {
    const { sqs, queueUrl, batchSize, waitTimeSeconds } = this.options;
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: batchSize,
        WaitTimeSeconds: waitTimeSeconds,
        MessageSystemAttributeNames: ['All'],
      }),
    );
    if (Messages.length === 0) return 0;
    await this.handle(Messages, onBatch);
    return Messages.length;
  }

  /**
   * Polls with `concurrency` workers until nothing is visible. With `untilEmpty`, also waits for failed
   * messages to come back and handles them again, until the queue holds nothing at all (or `timeoutMs`
   * passes, or `maxBatches` have been handled: then it throws). For tests and scripts that need "everything
   * delivered so far is done". Tests bound the work with `maxBatches`, which a slow machine does not trip.
   */
  async drain(options: { untilEmpty?: boolean; timeoutMs?: number; maxBatches?: number } = {}): Promise<DrainResult> {
    const { untilEmpty = false, maxBatches = Number.POSITIVE_INFINITY } = options;
    const timeoutMs = options.timeoutMs ?? (options.maxBatches === undefined ? 60_000 : Number.POSITIVE_INFINITY);
    const deadline = Date.now() + timeoutMs;
    const result: DrainResult = { batches: 0, messages: 0, failedBatches: 0 };
    const counting = (outcome: BatchOutcome) => {
      result.batches++;
      result.messages += outcome.messages;
      if (outcome.failed.length > 0) result.failedBatches++;
      this.options.onBatch?.(outcome);
    };
    const worker = async () => {
      while (result.batches < maxBatches && (await this.pollOnce(counting)) > 0);
    };
    for (;;) {
      await Promise.all(Array.from({ length: this.options.concurrency }, worker));
      if (!untilEmpty || (await this.pending()) === 0) return result;
      if (result.batches >= maxBatches) throw new Error(`queue not empty after ${result.batches} batches: ${JSON.stringify(result)}`);
      if (Date.now() > deadline) throw new Error(`queue not empty after ${timeoutMs} ms: ${JSON.stringify(result)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Messages in the queue, visible or not. */
  async pending(): Promise<number> {
    const { Attributes = {} } = await this.options.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: this.options.queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return Number(Attributes.ApproximateNumberOfMessages ?? 0) + Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0);
  }

  /** Polls until `stop()`: the local AWS loop. */
  start(): void {
    if (this.running) return;
    this.running = true;
    const loop = async () => {
      while (this.running) {
        try {
          const received = await this.pollOnce();
          if (received === 0 && this.options.waitTimeSeconds === 0) await new Promise((r) => setTimeout(r, 500));
        } catch (error) {
          this.options.onBatch?.({ messages: 0, failed: [], error });
          await new Promise((r) => setTimeout(r, 1_000));
        }
      }
    };
    this.loops = Array.from({ length: this.options.concurrency }, loop);
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
    this.loops = [];
  }

  private async target(): Promise<{ arn: string; region: string }> {
    if (this.queueArn === undefined || this.region === undefined) {
      const { Attributes } = await this.options.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: this.options.queueUrl, AttributeNames: ['QueueArn'] }),
      );
      this.queueArn = Attributes?.QueueArn ?? '';
      this.region = this.queueArn.split(':')[3] ?? (await this.options.sqs.config.region());
    }
    return { arn: this.queueArn, region: this.region };
  }

  private async handle(messages: Message[], onBatch = this.options.onBatch): Promise<void> {
    const { arn, region } = await this.target();
    let failed: string[];
    let error: unknown;
    try {
      const response = await this.options.handler(sqsEvent(messages, arn, region));
      failed = (response?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier);
    } catch (thrown) {
      error = thrown;
      failed = messages.map((message) => message.MessageId!);
    }
    const failedSet = new Set(failed);
    const succeeded = messages.filter((message) => !failedSet.has(message.MessageId!));
    const retried = messages.filter((message) => failedSet.has(message.MessageId!));
    const { sqs, queueUrl, retryDelaySeconds } = this.options;
    if (succeeded.length > 0) {
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: succeeded.map((message, i) => ({ Id: String(i), ReceiptHandle: message.ReceiptHandle! })),
        }),
      );
    }
    if (retried.length > 0) {
      await sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: queueUrl,
          Entries: retried.map((message, i) => ({
            Id: String(i),
            ReceiptHandle: message.ReceiptHandle!,
            VisibilityTimeout: retryDelaySeconds,
          })),
        }),
      );
    }
    onBatch?.({ messages: messages.length, failed, ...(error !== undefined && { error }) });
  }
}
