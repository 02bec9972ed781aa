/**
 * SQS FIFO adapters: the ChangePublisher (`binding-changes.fifo`) and the ReconcileQueue
 * (`reconcile-requests.fifo`). Both send with SendMessageBatch (at most 10 entries and 1 MiB a
 * call) and resend the entries SQS reports as failed, with backoff, before giving up.
 */
import {
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { UnavailableError } from '../../domain/errors.ts';
import { messageGroupId, requestDeduplicationId, sendBatches } from '../../domain/message.ts';
import type {
  ChangePublisher,
  OutgoingMessage,
  ReconcileQueue,
  ReconcileRequestMessage,
} from '../../ports.ts';

export interface SqsOptions {
  /** Attempts for entries SQS refuses with a retryable error (default 4). */
  readonly attempts?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Sends one batch, resending failed entries; throws UnavailableError when some never made it. */
async function sendBatch(
  client: SQSClient,
  queueUrl: string,
  entries: SendMessageBatchRequestEntry[],
  options: SqsOptions,
): Promise<void> {
  const attempts = options.attempts ?? 4;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let pending = entries;
  for (let attempt = 1; pending.length > 0; attempt++) {
    const result = await client.send(
      new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: pending }),
    );
    const failed = new Map((result.Failed ?? []).map((f) => [f.Id, f]));
    const permanent = [...failed.values()].filter((f) => f.SenderFault === true);
    if (permanent.length > 0) {
      throw new UnavailableError(
        `SQS refused ${permanent.length} message(s) to ${queueUrl}: ${permanent.map((f) => `${f.Code}: ${f.Message}`).join('; ')}`,
      );
    }
    pending = pending.filter((e) => failed.has(e.Id));
    if (pending.length === 0) return;
    if (attempt >= attempts) {
      throw new UnavailableError(
        `SQS kept failing ${pending.length} message(s) to ${queueUrl} after ${attempts} attempts`,
      );
    }
    await sleep(100 * 2 ** attempt);
  }
}

/** Publishes binding-change messages in order, a batch at a time (a FIFO group keeps their order). */
export class SqsChangePublisher implements ChangePublisher {
  readonly #client: SQSClient;
  readonly #queueUrl: string;
  readonly #options: SqsOptions;

  constructor(client: SQSClient, queueUrl: string, options: SqsOptions = {}) {
    this.#client = client;
    this.#queueUrl = queueUrl;
    this.#options = options;
  }

  async publish(messages: readonly OutgoingMessage[]): Promise<void> {
    for (const batch of sendBatches([...messages])) {
      const entries = batch.map((m, i) => ({
        Id: `m${i}`,
        MessageBody: m.body,
        MessageGroupId: m.groupId,
        MessageDeduplicationId: m.deduplicationId,
      }));
      await sendBatch(this.#client, this.#queueUrl, entries, this.#options);
    }
  }
}

/** Enqueues reconcile requests, one group per cluster/namespace, deduplicated by their audit ids. */
export class SqsReconcileQueue implements ReconcileQueue {
  readonly #client: SQSClient;
  readonly #queueUrl: string;
  readonly #options: SqsOptions;
  readonly #now: () => number;

  constructor(
    client: SQSClient,
    queueUrl: string,
    options: SqsOptions & { now?: () => number } = {},
  ) {
    this.#client = client;
    this.#queueUrl = queueUrl;
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  async enqueue(requests: readonly ReconcileRequestMessage[]): Promise<void> {
    for (let i = 0; i < requests.length; i += 10) {
      const entries = requests.slice(i, i + 10).map((request, j) => ({
        Id: `r${j}`,
        MessageBody: JSON.stringify(request),
        MessageGroupId: messageGroupId(request.cluster, request.namespace),
        MessageDeduplicationId: requestDeduplicationId(request, String(this.#now())),
      }));
      await sendBatch(this.#client, this.#queueUrl, entries, this.#options);
    }
  }
}
