/**
 * SQS FIFO adapters: the ChangePublisher (`binding-changes.fifo`) and the ReconcileQueue
 * (`reconcile-requests.fifo`). Both send with SendMessageBatch (at most 10 entries and 1 MiB a
 * call, see {@link sendBatches}) and resend the entries SQS reports as failed, with backoff, before
 * giving up.
 */
import { createHash } from 'node:crypto';
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { ValidationError } from '../../domain/errors.ts';
import { messageGroupId, SQS_MAX_BYTES } from '../../domain/message.ts';
import type { ChangePublisher, Clock, OutgoingMessage, ReconcileQueue } from '../../ports.ts';
import type { ReconcileRequest } from '../../schemas/reconcile-request.ts';
import { systemClock } from '../clock.ts';
import { type BatchSendOptions, sendEntries } from './batch-send.ts';

/** SQS's largest number of entries in one SendMessageBatch call. */
export const SEND_BATCH_MAX_ENTRIES = 10;

/** How the SQS adapters retry and tell time. */
export type SqsOptions = BatchSendOptions;

/**
 * Splits messages, in order, into SendMessageBatch calls: at most 10 entries, at most 1 MiB of
 * bodies in all (SQS's largest batch payload is its largest message), no id twice in one call
 * (entry ids must be unique per request) and no message group twice in one call: SQS reports each
 * entry on its own, so a failed entry resent after a later one of its group went through would
 * break the group's order. Only bodies are counted: a caller that adds message attributes must
 * leave room for them.
 *
 * @example
 * sendBatches(messagesOf23Groups).map((batch) => batch.length); // => [10, 10, 3]
 * sendBatches(threeChunksOfOneGroup).map((batch) => batch.length); // => [1, 1, 1]
 */
export function sendBatches<M extends OutgoingMessage>(
  messages: readonly M[],
  limits: { readonly maxEntries?: number; readonly maxBytes?: number } = {},
): M[][] {
  const maxEntries = limits.maxEntries ?? SEND_BATCH_MAX_ENTRIES;
  const maxBytes = limits.maxBytes ?? SQS_MAX_BYTES;
  const batches: M[][] = [];
  let current: M[] = [];
  let bytes = 0;
  for (const message of messages) {
    const size = Buffer.byteLength(message.body, 'utf8');
    if (size > maxBytes) {
      throw new ValidationError(`message ${message.id} is ${size} bytes, over ${maxBytes} bytes`);
    }
    const full = current.length >= maxEntries || bytes + size > maxBytes;
    const clash = current.some((m) => m.id === message.id || m.groupId === message.groupId);
    if (current.length > 0 && (full || clash)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(message);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/**
 * A FIFO deduplication id for a reconcile request: the same audit events give the same id (so a
 * replayed audit event is dropped); requests without audit events are told apart by `salt`.
 *
 * @example
 * requestDeduplicationId(request, String(Date.now())).length; // => 64
 */
export function requestDeduplicationId(
  request: Pick<ReconcileRequest, 'cluster' | 'namespace' | 'trigger' | 'auditIds'>,
  salt = '',
): string {
  const basis =
    request.auditIds.length > 0 ? request.auditIds.join(',') : `${request.trigger}:${salt}`;
  return createHash('sha256')
    .update(`${request.cluster}/${request.namespace}/${basis}`)
    .digest('hex');
}

/** Sends one batch, resending failed entries; throws UnavailableError when some never made it. */
function sendBatch(
  client: SQSClient,
  queueUrl: string,
  batch: readonly OutgoingMessage[],
  options: SqsOptions,
): Promise<void> {
  const entries = batch.map((m, i) => ({
    Id: `m${i}`,
    MessageBody: m.body,
    MessageGroupId: m.groupId,
    MessageDeduplicationId: m.deduplicationId,
  }));
  return sendEntries(
    entries,
    (pending) => client.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: pending })),
    'SQS',
    queueUrl,
    options,
  );
}

/** Sends messages in order, a batch at a time (a FIFO group keeps their order). */
async function sendAll(
  client: SQSClient,
  queueUrl: string,
  messages: readonly OutgoingMessage[],
  options: SqsOptions,
): Promise<void> {
  for (const batch of sendBatches(messages)) await sendBatch(client, queueUrl, batch, options);
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

  publish(messages: readonly OutgoingMessage[]): Promise<void> {
    return sendAll(this.#client, this.#queueUrl, messages, this.#options);
  }
}

/** Enqueues reconcile requests, one group per cluster/namespace, deduplicated by their audit ids. */
export class SqsReconcileQueue implements ReconcileQueue {
  readonly #client: SQSClient;
  readonly #queueUrl: string;
  readonly #options: SqsOptions;
  readonly #clock: Clock;

  constructor(client: SQSClient, queueUrl: string, options: SqsOptions = {}) {
    this.#client = client;
    this.#queueUrl = queueUrl;
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
  }

  enqueue(requests: readonly ReconcileRequest[]): Promise<void> {
    const salt = String(this.#clock.now().getTime());
    const messages = requests.map((request) => {
      const id = requestDeduplicationId(request, salt);
      return {
        id,
        groupId: messageGroupId(request.cluster, request.namespace),
        deduplicationId: id,
        body: JSON.stringify(request),
      };
    });
    return sendAll(this.#client, this.#queueUrl, messages, this.#options);
  }
}
