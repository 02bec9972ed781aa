/** The ChatOps queue on SQS FIFO: one message group per Slack channel, deduplicated by job id. */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';

/** A job as the queue takes it: an id (deduplication), a group, and a JSON body. */
export interface QueuedJob {
  /** At most 100 characters of letters, digits and punctuation (a hex digest). */
  readonly id: string;
  readonly team: string;
  readonly channel: string;
}

/**
 * Sends ChatOps jobs to a FIFO queue: the group is the Slack channel (its commands run in order),
 * the deduplication id the job's (a replayed request within five minutes is dropped by SQS).
 */
export class SqsJobQueue<J extends QueuedJob> {
  readonly #client: SQSClient;
  readonly #queueUrl: string;

  constructor(client: SQSClient, queueUrl: string) {
    this.#client = client;
    this.#queueUrl = queueUrl;
  }

  /** Sends one job; throws what SQS throws. */
  async send(job: J & { readonly kind: string }): Promise<void> {
    await this.#client.send(
      new SendMessageCommand({
        QueueUrl: this.#queueUrl,
        MessageBody: JSON.stringify(job),
        MessageGroupId: `${job.team}/${job.channel}`,
        MessageDeduplicationId: `${job.kind}-${job.id}`,
      }),
    );
  }
}
