/**
 * One SQS queue: its messages in send order, visibility timeouts, FIFO message groups, the
 * 5-minute deduplication interval and sequence numbers. Time comes from the caller (epoch
 * milliseconds) so that tests can move it. Behaviour follows the SQS Developer Guide:
 *
 * - a received message stays in the queue, invisible until its visibility timeout ends, and is
 *   gone only when deleted with its latest receipt handle;
 * - FIFO: while any message of a group is in flight (or still delayed) no later message of that
 *   group is delivered; one ReceiveMessage may return several messages of a group, in order;
 * - FIFO: a send whose deduplication id (explicit, or SHA-256 of the body) was accepted in the
 *   last 5 minutes succeeds with the original MessageId and SequenceNumber and enqueues nothing,
 *   also after that message was deleted;
 * - a message received more than maxReceiveCount times moves to the dead-letter queue on the
 *   next receive attempt.
 */
import { createHash, randomUUID } from 'node:crypto';
import {
  attributesSize,
  invalidCharacter,
  type MessageAttributes,
  md5OfBody,
  md5OfMessageAttributes,
  selectAttributes,
  validateMessageAttributes,
} from './attributes.ts';
import { parseRedrivePolicy, type QueueAttributes, type RedrivePolicy } from './config.ts';
import { errors } from './errors.ts';

/** The deduplication interval of FIFO queues. */
export const DEDUPLICATION_INTERVAL_MS = 5 * 60 * 1000;

/** The sender id the embedded service reports (the account itself, as for root credentials). */
const SENDER_ID = '000000000000';

/** A message as stored. */
export interface StoredMessage {
  readonly id: string;
  readonly body: string;
  readonly attributes?: MessageAttributes;
  readonly traceHeader?: string;
  readonly groupId?: string;
  readonly deduplicationId?: string;
  sequenceNumber?: string;
  readonly sentAt: number;
  /** The start of the retention period (reset when a FIFO message moves to a DLQ). */
  enqueuedAt: number;
  /** The message is invisible (delayed or in flight) until then. */
  visibleAt: number;
  receiveCount: number;
  firstReceivedAt?: number;
  /** The nonce of the latest receipt handle. */
  receipt?: string;
  deadLetterSourceArn?: string;
}

/** A SendMessage request, as far as the queue is concerned. */
export interface SendInput {
  readonly body: string | undefined;
  readonly attributes?: MessageAttributes;
  readonly traceHeader?: string;
  readonly delaySeconds?: number;
  readonly groupId?: string;
  readonly deduplicationId?: string;
}

/** What a send reports back (without the MD5 digests, which the service adds). */
export interface SendResult {
  readonly MessageId: string;
  readonly SequenceNumber?: string;
}

/** A ReceiveMessage request, as far as the queue is concerned. */
export interface ReceiveInput {
  readonly max: number;
  readonly visibilityTimeout: number;
  readonly systemAttributeNames: readonly string[];
  readonly messageAttributeNames: readonly string[];
}

/** A message as ReceiveMessage returns it. */
export interface ReceivedMessage {
  MessageId: string;
  ReceiptHandle: string;
  MD5OfBody: string;
  Body: string;
  Attributes?: Record<string, string>;
  MD5OfMessageAttributes?: string;
  MessageAttributes?: MessageAttributes;
}

/** Moves a message to the dead-letter queue; false when there is none (the message stays). */
export type DeadLetterSink = (message: StoredMessage, policy: RedrivePolicy) => boolean;

interface DeduplicationEntry {
  readonly messageId: string;
  readonly sequenceNumber: string;
  readonly expiresAt: number;
}

const GROUP_OR_DEDUP_ID = /^[\x21-\x7E]{1,128}$/;

function checkId(name: string, value: string): void {
  if (!GROUP_OR_DEDUP_ID.test(value)) {
    throw errors.invalidParameter(
      name,
      value,
      `${name} can only include alphanumeric and punctuation characters. 1 to 128 in length.`,
    );
  }
}

const NOT_FOR_QUEUE_TYPE = 'The request include parameter that is not valid for this queue type.';

export class Queue {
  readonly name: string;
  readonly arn: string;
  readonly fifo: boolean;
  readonly createdAt: number;
  lastModifiedAt: number;
  /** Settable attributes, normalized, defaults included. */
  attributes: QueueAttributes;
  lastPurgeAt: number | undefined;
  readonly #messages = new Map<string, StoredMessage>();
  readonly #deduplication = new Map<string, DeduplicationEntry>();
  #sequence = 18_000_000_000_000_000_000n + BigInt(Math.floor(Math.random() * 1e15));

  /**
   * @example
   * ```ts
   * const queue = new Queue('jobs.fifo', 'arn:aws:sqs:us-east-1:000000000000:jobs.fifo', true,
   *   defaultAttributes(true), Date.now());
   * ```
   */
  constructor(name: string, arn: string, fifo: boolean, attributes: QueueAttributes, now: number) {
    this.name = name;
    this.arn = arn;
    this.fifo = fifo;
    this.attributes = attributes;
    this.createdAt = now;
    this.lastModifiedAt = now;
  }

  #number(name: string): number {
    return Number(this.attributes[name] ?? '0');
  }

  get maximumMessageSize(): number {
    return this.#number('MaximumMessageSize');
  }

  get visibilityTimeout(): number {
    return this.#number('VisibilityTimeout');
  }

  get receiveWaitTimeSeconds(): number {
    return this.#number('ReceiveMessageWaitTimeSeconds');
  }

  get redrivePolicy(): RedrivePolicy | undefined {
    return parseRedrivePolicy(this.attributes.RedrivePolicy);
  }

  /** Drops messages past the retention period. */
  #expire(now: number): void {
    const retention = this.#number('MessageRetentionPeriod') * 1000;
    for (const message of this.#messages.values()) {
      if (message.enqueuedAt + retention <= now) this.#messages.delete(message.id);
    }
    for (const [key, entry] of this.#deduplication) {
      if (entry.expiresAt <= now) this.#deduplication.delete(key);
    }
  }

  #nextSequenceNumber(): string {
    this.#sequence += 1n + BigInt(Math.floor(Math.random() * 65_536));
    return this.#sequence.toString();
  }

  /** Checks a message's body, attributes and size against this queue. Throws the SQS error. */
  validate(input: SendInput): void {
    const body = input.body;
    if (body === undefined || body === '') throw errors.missingParameter('MessageBody');
    const bad = invalidCharacter(body);
    if (bad !== undefined) throw errors.invalidMessageContents(bad);
    validateMessageAttributes(input.attributes);
    const size = Buffer.byteLength(body) + attributesSize(input.attributes);
    if (size > this.maximumMessageSize) {
      throw errors.invalidParameterValue(
        `One or more parameters are invalid. Reason: Message must be shorter than ${this.maximumMessageSize} bytes.`,
      );
    }
    if (input.delaySeconds !== undefined) this.#checkDelay(input.delaySeconds);
    if (this.fifo) this.#checkFifo(input);
    else this.#checkStandard(input);
  }

  #checkDelay(delay: number): void {
    if (this.fifo) throw errors.invalidParameter('DelaySeconds', delay, NOT_FOR_QUEUE_TYPE);
    if (!Number.isInteger(delay) || delay < 0 || delay > 900) {
      throw errors.invalidParameter('DelaySeconds', delay, 'DelaySeconds must be >= 0 and <= 900.');
    }
  }

  #checkFifo(input: SendInput): void {
    if (input.groupId === undefined) throw errors.missingParameter('MessageGroupId');
    checkId('MessageGroupId', input.groupId);
    if (input.deduplicationId !== undefined) {
      checkId('MessageDeduplicationId', input.deduplicationId);
    } else if (this.attributes.ContentBasedDeduplication !== 'true') {
      throw errors.invalidParameterValue(
        'The queue should either have ContentBasedDeduplication enabled or ' +
          'MessageDeduplicationId provided explicitly',
      );
    }
  }

  #checkStandard(input: SendInput): void {
    if (input.deduplicationId !== undefined) {
      throw errors.invalidParameter(
        'MessageDeduplicationId',
        input.deduplicationId,
        NOT_FOR_QUEUE_TYPE,
      );
    }
    // A MessageGroupId on a standard queue makes it a fair queue: accepted, no ordering.
    if (input.groupId !== undefined) checkId('MessageGroupId', input.groupId);
  }

  /** The deduplication id of a FIFO send and its key in the deduplication index. */
  #deduplicationKey(input: SendInput): { id: string; key: string } {
    const id =
      input.deduplicationId ??
      createHash('sha256')
        .update(input.body ?? '', 'utf8')
        .digest('hex');
    const key =
      this.attributes.DeduplicationScope === 'messageGroup'
        ? `${input.groupId ?? ''}\u0000${id}`
        : id;
    return { id, key };
  }

  /**
   * Enqueues a message (validate it first). FIFO duplicates within the deduplication interval
   * return the original MessageId and SequenceNumber and enqueue nothing.
   */
  send(input: SendInput, now: number): SendResult {
    this.#expire(now);
    const deduplication = this.fifo ? this.#deduplicationKey(input) : undefined;
    const seen = deduplication && this.#deduplication.get(deduplication.key);
    if (seen !== undefined) {
      return { MessageId: seen.messageId, SequenceNumber: seen.sequenceNumber };
    }
    const message = this.#message(input, deduplication?.id, now);
    this.#messages.set(message.id, message);
    if (deduplication === undefined) return { MessageId: message.id };
    const sequenceNumber = this.#nextSequenceNumber();
    message.sequenceNumber = sequenceNumber;
    this.#deduplication.set(deduplication.key, {
      messageId: message.id,
      sequenceNumber,
      expiresAt: now + DEDUPLICATION_INTERVAL_MS,
    });
    return { MessageId: message.id, SequenceNumber: sequenceNumber };
  }

  #message(input: SendInput, deduplicationId: string | undefined, now: number): StoredMessage {
    const delay = input.delaySeconds ?? this.#number('DelaySeconds');
    const attributes = input.attributes ?? {};
    return {
      id: randomUUID(),
      body: input.body ?? '',
      ...(Object.keys(attributes).length > 0 ? { attributes } : {}),
      ...(input.traceHeader !== undefined ? { traceHeader: input.traceHeader } : {}),
      ...(input.groupId !== undefined ? { groupId: input.groupId } : {}),
      ...(deduplicationId !== undefined ? { deduplicationId } : {}),
      sentAt: now,
      enqueuedAt: now,
      visibleAt: now + delay * 1000,
      receiveCount: 0,
    };
  }

  /** Takes a message moved here from the queue whose redrive policy names this one. */
  acceptDeadLetter(message: StoredMessage, sourceArn: string, now: number): void {
    message.deadLetterSourceArn = sourceArn;
    message.visibleAt = now;
    delete message.receipt;
    if (this.fifo) {
      // FIFO messages keep their group; their retention period starts again in the DLQ.
      message.enqueuedAt = now;
      message.sequenceNumber = this.#nextSequenceNumber();
    }
    this.#messages.set(message.id, message);
  }

  /**
   * Receives up to `input.max` messages, making them invisible for the visibility timeout.
   * Messages past maxReceiveCount go to `deadLetter` instead.
   */
  receive(input: ReceiveInput, now: number, deadLetter?: DeadLetterSink): ReceivedMessage[] {
    this.#expire(now);
    const policy = this.redrivePolicy;
    const blocked = new Set<string>();
    const received: ReceivedMessage[] = [];
    for (const message of this.#messages.values()) {
      if (received.length >= input.max) break;
      if (!this.#available(message, blocked, now)) continue;
      const exhausted = policy !== undefined && message.receiveCount >= policy.maxReceiveCount;
      if (exhausted && deadLetter?.(message, policy) === true) {
        this.#messages.delete(message.id);
        continue;
      }
      received.push(this.#deliver(message, input, now));
    }
    return received;
  }

  /**
   * Whether a message can be delivered now. On FIFO queues an invisible message (in flight or
   * delayed) blocks the rest of its group, which `blocked` collects in send order.
   */
  #available(message: StoredMessage, blocked: Set<string>, now: number): boolean {
    const group = this.fifo ? message.groupId : undefined;
    if (group !== undefined && blocked.has(group)) return false;
    if (message.visibleAt <= now) return true;
    if (group !== undefined) blocked.add(group);
    return false;
  }

  #deliver(message: StoredMessage, input: ReceiveInput, now: number): ReceivedMessage {
    message.receiveCount += 1;
    message.firstReceivedAt ??= now;
    message.visibleAt = now + input.visibilityTimeout * 1000;
    message.receipt = randomUUID();
    const view: ReceivedMessage = {
      MessageId: message.id,
      ReceiptHandle: this.#handle(message),
      MD5OfBody: md5OfBody(message.body),
      Body: message.body,
    };
    const attributes = this.#systemAttributes(message, input.systemAttributeNames);
    if (attributes !== undefined) view.Attributes = attributes;
    const selected = selectAttributes(message.attributes, input.messageAttributeNames);
    if (selected !== undefined) {
      view.MessageAttributes = selected;
      view.MD5OfMessageAttributes = md5OfMessageAttributes(selected) as string;
    }
    return view;
  }

  #systemAttributes(
    message: StoredMessage,
    names: readonly string[],
  ): Record<string, string> | undefined {
    const values: Record<string, string | undefined> = {
      SenderId: SENDER_ID,
      SentTimestamp: String(message.sentAt),
      ApproximateReceiveCount: String(message.receiveCount),
      ApproximateFirstReceiveTimestamp: String(message.firstReceivedAt ?? message.sentAt),
      AWSTraceHeader: message.traceHeader,
      MessageGroupId: message.groupId,
      MessageDeduplicationId: message.deduplicationId,
      SequenceNumber: message.sequenceNumber,
      DeadLetterQueueSourceArn: message.deadLetterSourceArn,
    };
    const all = names.includes('All');
    const selected: Record<string, string> = {};
    for (const [name, value] of Object.entries(values)) {
      if (value !== undefined && (all || names.includes(name))) selected[name] = value;
    }
    return Object.keys(selected).length === 0 ? undefined : selected;
  }

  #handle(message: StoredMessage): string {
    return Buffer.from(`${this.arn} ${message.id} ${message.receipt ?? ''}`, 'utf8').toString(
      'base64',
    );
  }

  /** Decodes a receipt handle of this queue: the message id and receipt nonce. */
  #parseHandle(handle: string): { id: string; receipt: string } {
    const parts = Buffer.from(handle, 'base64').toString('utf8').split(' ');
    const [arn, id, receipt] = parts;
    if (parts.length !== 3 || arn !== this.arn || id === undefined || receipt === undefined) {
      throw errors.receiptHandleIsInvalid(handle);
    }
    return { id, receipt };
  }

  /**
   * Deletes the message a receipt handle was issued for. An outdated handle (the message was
   * received again since) succeeds without deleting, as does one of a message already deleted;
   * on FIFO queues a handle whose visibility timeout has passed has expired.
   */
  delete(handle: string, now: number): void {
    const { id, receipt } = this.#parseHandle(handle);
    const message = this.#messages.get(id);
    if (message === undefined || message.receipt !== receipt) return;
    if (this.fifo && message.visibleAt <= now) throw errors.receiptHandleExpired(handle);
    this.#messages.delete(id);
  }

  /** Changes the visibility timeout of an in-flight message, counted from now. */
  changeVisibility(handle: string, timeout: number, now: number): void {
    if (!Number.isInteger(timeout) || timeout < 0 || timeout > 43_200) {
      throw errors.invalidParameter(
        'VisibilityTimeout',
        timeout,
        'VisibilityTimeout must be an integer between 0 and 43200.',
      );
    }
    const { id, receipt } = this.#parseHandle(handle);
    const message = this.#messages.get(id);
    if (message === undefined) {
      throw errors.invalidParameter(
        'ReceiptHandle',
        handle,
        'Message does not exist or is not available for visibility timeout change.',
      );
    }
    if (message.receipt === undefined || message.visibleAt <= now) {
      throw errors.messageNotInflight();
    }
    if (message.receipt !== receipt) throw errors.receiptHandleExpired(handle);
    message.visibleAt = now + timeout * 1000;
  }

  /** Deletes every message (at most once every 60 seconds). */
  purge(now: number): void {
    if (this.lastPurgeAt !== undefined && now - this.lastPurgeAt < 60_000) {
      throw errors.purgeQueueInProgress(this.name);
    }
    this.lastPurgeAt = now;
    this.#messages.clear();
  }

  /** The approximate counts of GetQueueAttributes: visible, in flight, delayed. */
  counts(now: number): { visible: number; inFlight: number; delayed: number } {
    this.#expire(now);
    let visible = 0;
    let inFlight = 0;
    let delayed = 0;
    for (const message of this.#messages.values()) {
      if (message.visibleAt <= now) visible += 1;
      else if (message.receiveCount > 0) inFlight += 1;
      else delayed += 1;
    }
    return { visible, inFlight, delayed };
  }
}
