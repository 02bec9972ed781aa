/**
 * The SNS FIFO adapter: a ChangePublisher that publishes binding changes to a FIFO topic, which
 * fans each message out to every consumer's own queue (ADR 0015). It sends what
 * {@link SqsChangePublisher} sends to `binding-changes.fifo` (the same body, group id and
 * deduplication id), with PublishBatch (at most 10 entries and 256 KiB a call), and handles
 * failed entries the same way: a sender fault fails at once, others are resent with backoff.
 */
import { PublishBatchCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { ChangePublisher, OutgoingMessage } from '../../ports.ts';
import { type BatchSendOptions, sendEntries } from './batch-send.ts';
import { SEND_BATCH_MAX_ENTRIES, sendBatches } from './sqs.ts';

/** SNS's largest PublishBatch payload (the sum of its messages) and largest message: 256 KiB. */
export const PUBLISH_BATCH_MAX_BYTES = 262_144;

/** How the SNS publisher retries and tells time (as the SQS adapters do). */
export type SnsOptions = BatchSendOptions;

/** Publishes one batch, resending failed entries; throws UnavailableError when some never made it. */
function publishBatch(
  client: SNSClient,
  topicArn: string,
  batch: readonly OutgoingMessage[],
  options: SnsOptions,
): Promise<void> {
  const entries = batch.map((m, i) => ({
    Id: `m${i}`,
    Message: m.body,
    MessageGroupId: m.groupId,
    MessageDeduplicationId: m.deduplicationId,
  }));
  return sendEntries(
    entries,
    (pending) =>
      client.send(
        new PublishBatchCommand({ TopicArn: topicArn, PublishBatchRequestEntries: pending }),
      ),
    'SNS',
    topicArn,
    options,
  );
}

/**
 * Publishes binding-change messages to an SNS FIFO topic in order, a batch at a time (one FIFO
 * group per namespace keeps their order on every subscribed queue).
 *
 * @example
 * const publisher = new SnsChangePublisher(new SNSClient({}), topicArn, { clock });
 * await publisher.publish(messages);
 */
export class SnsChangePublisher implements ChangePublisher {
  readonly #client: SNSClient;
  readonly #topicArn: string;
  readonly #options: SnsOptions;

  constructor(client: SNSClient, topicArn: string, options: SnsOptions = {}) {
    this.#client = client;
    this.#topicArn = topicArn;
    this.#options = options;
  }

  async publish(messages: readonly OutgoingMessage[]): Promise<void> {
    const batches = sendBatches(messages, {
      maxEntries: SEND_BATCH_MAX_ENTRIES,
      maxBytes: PUBLISH_BATCH_MAX_BYTES,
    });
    for (const batch of batches)
      await publishBatch(this.#client, this.#topicArn, batch, this.#options);
  }
}
