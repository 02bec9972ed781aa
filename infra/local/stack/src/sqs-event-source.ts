/**
 * Lambda's SQS event source mapping, on loopback: a poller that receives a queue's messages, hands
 * them to a function as the SQS event Lambda builds, and deletes those the function did not report
 * in `batchItemFailures` (the rest become visible again, as in AWS).
 */
import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

/** The record Lambda's SQS event source mapping builds from a received message. */
export function toRecord(message: Message, queueArn: string): SQSRecord {
  const attributes = message.Attributes ?? {};
  return {
    messageId: message.MessageId as string,
    receiptHandle: message.ReceiptHandle as string,
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? 'local',
      ApproximateFirstReceiveTimestamp:
        attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
      ...(attributes.SequenceNumber === undefined
        ? {}
        : { SequenceNumber: attributes.SequenceNumber }),
      ...(attributes.MessageGroupId === undefined
        ? {}
        : { MessageGroupId: attributes.MessageGroupId }),
      ...(attributes.MessageDeduplicationId === undefined
        ? {}
        : { MessageDeduplicationId: attributes.MessageDeduplicationId }),
    },
    messageAttributes: {},
    md5OfBody: message.MD5OfBody as string,
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: 'us-east-1',
  };
}

/** What the poller is given: the queue, and the function its batches go to. */
export interface SqsEventSourceOptions {
  readonly client: SQSClient;
  readonly queueUrl: string;
  readonly queueArn: string;
  /** The function; a throw fails the whole batch. */
  readonly handler: (event: SQSEvent) => Promise<SQSBatchResponse>;
  /** Told of a batch the function failed as a whole. */
  readonly onError: (error: unknown) => void;
}

/**
 * Starts polling (long polls of one second); `stop()` ends it after the batch under way.
 *
 * @example
 * const source = startSqsEventSource({ client, queueUrl, queueArn, handler, onError });
 * await source.stop();
 */
export function startSqsEventSource(options: SqsEventSourceOptions): { stop(): Promise<void> } {
  const { client, queueUrl } = options;
  let running = true;
  const poll = async (): Promise<void> => {
    while (running) {
      const { Messages = [] } = await client
        .send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 1,
            MessageSystemAttributeNames: ['All'],
          }),
        )
        .catch(() => ({ Messages: [] as Message[] }));
      if (Messages.length === 0 || !running) continue;
      const event: SQSEvent = { Records: Messages.map((m) => toRecord(m, options.queueArn)) };
      const response = await options.handler(event).catch((error: unknown) => {
        options.onError(error);
        return { batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })) };
      });
      const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
      const done = event.Records.filter((r) => !failed.has(r.messageId));
      if (done.length > 0) {
        // If SQS stopped first, the messages simply become visible again.
        await client
          .send(
            new DeleteMessageBatchCommand({
              QueueUrl: queueUrl,
              Entries: done.map((r, i) => ({ Id: `d${i}`, ReceiptHandle: r.receiptHandle })),
            }),
          )
          .catch(() => undefined);
      }
    }
  };
  const poller = poll();
  return {
    stop: async () => {
      running = false;
      await poller;
    },
  };
}
