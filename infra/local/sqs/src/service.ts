/**
 * The SQS API over queues held in memory: one method per operation of the AWS JSON 1.0 protocol
 * (`X-Amz-Target: AmazonSQS.<Operation>`), taking and returning the JSON members the service
 * model in `@aws-sdk/client-sqs` defines, plus ReceiveMessage long polling. Independent of HTTP,
 * so the local gateway can also call it directly.
 */
import {
  attributesSize,
  type MessageAttributes,
  type MessageAttributeValue,
  md5OfBody,
  md5OfMessageAttributes,
} from './attributes.ts';
import {
  defaultAttributes,
  knownAttributeNames,
  normalizeAttributes,
  type QueueAttributes,
  type READ_ONLY,
} from './config.ts';
import { errors, SqsError } from './errors.ts';
import {
  type Input,
  optionalInteger,
  optionalString,
  requiredString,
  stringList,
  stringMap,
  structureList,
  structureMap,
} from './input.ts';
import { type DeadLetterSink, Queue, type ReceivedMessage, type SendInput } from './queue.ts';

export type { Input } from './input.ts';

/** Options of the embedded SQS service. */
export interface SqsServiceOptions {
  /** The clock, epoch milliseconds (default `Date.now`); tests move it to pass time. */
  readonly now?: () => number;
  /** The region of queue ARNs (default `us-east-1`). */
  readonly region?: string;
  /** The account of queue URLs and ARNs (default `000000000000`). */
  readonly accountId?: string;
  /** The endpoint queue URLs start with, e.g. `http://127.0.0.1:4566`. */
  readonly endpoint?: () => string;
  /** How often a waiting ReceiveMessage looks for messages made visible by time (ms, default 50). */
  readonly pollIntervalMs?: number;
}

/** The JSON output of an operation. */
export type Output = Record<string, unknown>;

type Handler = (input: Input, signal?: AbortSignal) => Output | Promise<Output>;

interface Waiter {
  readonly queue: Queue;
  readonly attempt: () => ReceivedMessage[];
  finish(messages: ReceivedMessage[]): void;
}

/** The limit of a batch: entries and total payload (SendMessageBatch docs). */
const MAX_BATCH_ENTRIES = 10;
const MAX_BATCH_BYTES = 1_048_576;
const BATCH_ID = /^[A-Za-z0-9_-]{1,80}$/;
const STANDARD_NAME = /^[A-Za-z0-9_-]{1,80}$/;
const FIFO_NAME = /^[A-Za-z0-9_-]{1,75}\.fifo$/;

interface BatchFailure {
  Id: string;
  SenderFault: boolean;
  Code: string;
  Message: string;
}

function failure(id: string, error: unknown): BatchFailure {
  if (error instanceof SqsError) {
    return { Id: id, SenderFault: error.senderFault, Code: error.code, Message: error.message };
  }
  return { Id: id, SenderFault: false, Code: 'InternalError', Message: String(error) };
}

/** Checks the entries of a batch request: present, at most 10, valid and distinct ids. */
function checkBatch(input: Input, entryName: string): Input[] {
  if (input.Entries === undefined) throw errors.missingParameter('Entries');
  const entries = structureList(input, 'Entries');
  if (entries.length === 0) throw errors.emptyBatchRequest(entryName);
  if (entries.length > MAX_BATCH_ENTRIES) throw errors.tooManyEntriesInBatchRequest(entries.length);
  const ids = new Set<string>();
  for (const entry of entries) {
    const id = requiredString(entry, 'Id');
    if (!BATCH_ID.test(id)) throw errors.invalidBatchEntryId();
    if (ids.has(id)) throw errors.batchEntryIdsNotDistinct(id);
    ids.add(id);
  }
  return entries;
}

/** Runs each entry, collecting per-entry results and failures as the batch operations do. */
function runBatch(entries: Input[], run: (entry: Input) => Output): Output {
  const successful: Output[] = [];
  const failed: BatchFailure[] = [];
  for (const entry of entries) {
    const id = entry.Id as string;
    try {
      successful.push({ Id: id, ...run(entry) });
    } catch (error) {
      failed.push(failure(id, error));
    }
  }
  return { Successful: successful, Failed: failed };
}

function checkRange(name: string, value: number, min: number, max: number): number {
  if (value < min || value > max) {
    throw errors.invalidParameter(name, value, `Must be >= ${min} and <= ${max}, if provided.`);
  }
  return value;
}

/** The AWSTraceHeader of MessageSystemAttributes, the only system attribute a send may carry. */
function traceHeader(system: MessageAttributes | undefined): string | undefined {
  for (const [name, value] of Object.entries(system ?? {})) {
    if (name !== 'AWSTraceHeader') {
      throw errors.invalidParameterValue(`Message system attribute name '${name}' is invalid.`);
    }
    if (value.DataType !== 'String' || typeof value.StringValue !== 'string') {
      throw errors.invalidParameterValue(
        "Message system attribute 'AWSTraceHeader' must be of type String with a StringValue.",
      );
    }
    return value.StringValue;
  }
  return undefined;
}

function sendInput(input: Input): SendInput & { system?: MessageAttributes } {
  const attributes = structureMap<MessageAttributeValue>(input, 'MessageAttributes');
  const system = structureMap<MessageAttributeValue>(input, 'MessageSystemAttributes');
  const trace = traceHeader(system);
  const delaySeconds = optionalInteger(input, 'DelaySeconds');
  const groupId = optionalString(input, 'MessageGroupId');
  const deduplicationId = optionalString(input, 'MessageDeduplicationId');
  return {
    body: optionalString(input, 'MessageBody'),
    ...(attributes !== undefined ? { attributes } : {}),
    ...(system !== undefined && trace !== undefined ? { system, traceHeader: trace } : {}),
    ...(delaySeconds !== undefined ? { delaySeconds } : {}),
    ...(groupId !== undefined ? { groupId } : {}),
    ...(deduplicationId !== undefined ? { deduplicationId } : {}),
  };
}

/** The size a batch entry counts towards the 1 MiB batch limit: body and attributes. */
function entrySize(input: Input): number {
  const body = typeof input.MessageBody === 'string' ? Buffer.byteLength(input.MessageBody) : 0;
  const map = input.MessageAttributes;
  const attributes =
    typeof map === 'object' && map !== null && !Array.isArray(map)
      ? attributesSize(map as MessageAttributes)
      : 0;
  return body + attributes;
}

/**
 * The embedded SQS service.
 *
 * @example
 * ```ts
 * const sqs = new SqsService({ endpoint: () => 'http://127.0.0.1:4566' });
 * const { QueueUrl } = await sqs.call('CreateQueue', { QueueName: 'jobs' });
 * await sqs.call('SendMessage', { QueueUrl, MessageBody: 'hello' });
 * ```
 */
export class SqsService {
  readonly region: string;
  readonly accountId: string;
  readonly #now: () => number;
  readonly #endpoint: () => string;
  readonly #pollIntervalMs: number;
  readonly #queues = new Map<string, Queue>();
  readonly #waiters = new Set<Waiter>();
  #closed = false;
  readonly #operations: Record<string, Handler> = {
    CreateQueue: (input) => this.#createQueue(input),
    GetQueueUrl: (input) => this.#getQueueUrl(input),
    ListQueues: (input) => this.#listQueues(input),
    DeleteQueue: (input) => this.#deleteQueue(input),
    GetQueueAttributes: (input) => this.#getQueueAttributes(input),
    SetQueueAttributes: (input) => this.#setQueueAttributes(input),
    SendMessage: (input) => this.#sendMessage(input),
    SendMessageBatch: (input) => this.#sendMessageBatch(input),
    ReceiveMessage: (input, signal) => this.#receiveMessage(input, signal),
    DeleteMessage: (input) => this.#deleteMessage(input),
    DeleteMessageBatch: (input) => this.#deleteMessageBatch(input),
    ChangeMessageVisibility: (input) => this.#changeMessageVisibility(input),
    ChangeMessageVisibilityBatch: (input) => this.#changeMessageVisibilityBatch(input),
    PurgeQueue: (input) => this.#purgeQueue(input),
  };

  /**
   * @example
   * ```ts
   * const sqs = new SqsService({ now: () => fakeTime, endpoint: () => 'http://127.0.0.1:4566' });
   * ```
   */
  constructor(options: SqsServiceOptions = {}) {
    this.region = options.region ?? 'us-east-1';
    this.accountId = options.accountId ?? '000000000000';
    this.#now = options.now ?? Date.now;
    this.#endpoint = options.endpoint ?? (() => 'http://127.0.0.1');
    this.#pollIntervalMs = options.pollIntervalMs ?? 50;
  }

  /** The names of the operations this service implements. */
  get operations(): string[] {
    return Object.keys(this.#operations);
  }

  /**
   * The URL of a queue (whether or not it exists).
   *
   * @example
   * ```ts
   * sqs.queueUrl('jobs.fifo'); // 'http://127.0.0.1:4566/000000000000/jobs.fifo'
   * ```
   */
  queueUrl(name: string): string {
    return `${this.#endpoint()}/${this.accountId}/${name}`;
  }

  /**
   * The ARN of a queue (whether or not it exists).
   *
   * @example
   * ```ts
   * sqs.queueArn('jobs.fifo'); // 'arn:aws:sqs:us-east-1:000000000000:jobs.fifo'
   * ```
   */
  queueArn(name: string): string {
    return `arn:aws:sqs:${this.region}:${this.accountId}:${name}`;
  }

  /**
   * Runs an operation on its JSON input. Throws {@link SqsError} as the service would.
   *
   * @example
   * ```ts
   * await sqs.call('GetQueueUrl', { QueueName: 'jobs' }); // { QueueUrl: '...' }
   * ```
   */
  async call(operation: string, input: Input, signal?: AbortSignal): Promise<Output> {
    const handler = Object.hasOwn(this.#operations, operation)
      ? this.#operations[operation]
      : undefined;
    if (handler === undefined) {
      throw errors.unsupportedOperation(`The embedded SQS does not implement ${operation}.`);
    }
    return await handler(input, signal);
  }

  /**
   * Ends every waiting ReceiveMessage with no messages; later receives do not wait.
   *
   * @example
   * ```ts
   * sqs.close();
   * ```
   */
  close(): void {
    this.#closed = true;
    for (const waiter of [...this.#waiters]) waiter.finish([]);
  }

  #queue(input: Input): Queue {
    const url = requiredString(input, 'QueueUrl');
    let path: string;
    try {
      path = new URL(url).pathname;
    } catch {
      throw errors.invalidAddress(url);
    }
    const segments = path.split('/').filter((s) => s !== '');
    const name = segments.length === 2 ? segments[1] : undefined;
    if (name === undefined) throw errors.invalidAddress(url);
    const queue = this.#queues.get(decodeURIComponent(name));
    if (queue === undefined) throw errors.queueDoesNotExist();
    return queue;
  }

  #byArn(arn: string): Queue | undefined {
    for (const queue of this.#queues.values()) if (queue.arn === arn) return queue;
    return undefined;
  }

  #lookup = (arn: string): { fifo: boolean } | undefined => this.#byArn(arn);

  #createQueue(input: Input): Output {
    const name = requiredString(input, 'QueueName');
    const attributes = stringMap(input, 'Attributes');
    const fifo = attributes.FifoQueue?.toLowerCase() === 'true';
    if (fifo && !FIFO_NAME.test(name)) {
      throw errors.invalidParameterValue(
        'The name of a FIFO queue can only include alphanumeric characters, hyphens, or ' +
          'underscores, must end with .fifo suffix and be 1 to 80 in length.',
      );
    }
    if (!fifo && !STANDARD_NAME.test(name)) {
      throw errors.invalidParameterValue(
        'Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length',
      );
    }
    const normalized = normalizeAttributes(attributes, fifo, this.#lookup);
    const existing = this.#queues.get(name);
    if (existing !== undefined) {
      for (const [key, value] of Object.entries(normalized)) {
        if (existing.attributes[key] !== value) {
          throw errors.queueNameExists(
            `A queue already exists with the same name and a different value for attribute ${key}`,
          );
        }
      }
      return { QueueUrl: this.queueUrl(name) };
    }
    const merged: QueueAttributes = { ...defaultAttributes(fifo), ...normalized };
    if (merged.RedrivePolicy === '') delete merged.RedrivePolicy;
    this.#queues.set(name, new Queue(name, this.queueArn(name), fifo, merged, this.#now()));
    return { QueueUrl: this.queueUrl(name) };
  }

  #getQueueUrl(input: Input): Output {
    const name = requiredString(input, 'QueueName');
    if (!this.#queues.has(name)) throw errors.queueDoesNotExist();
    return { QueueUrl: this.queueUrl(name) };
  }

  #listQueues(input: Input): Output {
    const prefix = optionalString(input, 'QueueNamePrefix') ?? '';
    const max = optionalInteger(input, 'MaxResults');
    if (max !== undefined) checkRange('MaxResults', max, 1, 1000);
    const token = optionalString(input, 'NextToken');
    const after = token === undefined ? '' : Buffer.from(token, 'base64').toString('utf8');
    const names = [...this.#queues.keys()]
      .filter((n) => n.startsWith(prefix) && n > after)
      .sort((a, b) => (a < b ? -1 : 1));
    const page = names.slice(0, max ?? 1000);
    const output: Output = {};
    if (page.length > 0) output.QueueUrls = page.map((n) => this.queueUrl(n));
    const last = page.at(-1);
    if (max !== undefined && names.length > page.length && last !== undefined) {
      output.NextToken = Buffer.from(last, 'utf8').toString('base64');
    }
    return output;
  }

  #deleteQueue(input: Input): Output {
    const queue = this.#queue(input);
    this.#queues.delete(queue.name);
    this.#notify(queue);
    return {};
  }

  #getQueueAttributes(input: Input): Output {
    const queue = this.#queue(input);
    const requested = stringList(input, 'AttributeNames');
    const known = knownAttributeNames(queue.fifo);
    for (const name of requested) {
      if (name !== 'All' && !known.includes(name)) throw errors.invalidAttributeName(name);
    }
    if (requested.length === 0) return {};
    const all = this.#allAttributes(queue);
    const wanted = requested.includes('All') ? Object.keys(all) : requested;
    const attributes: Record<string, string> = {};
    for (const name of wanted) {
      const value = all[name];
      if (value !== undefined) attributes[name] = value;
    }
    return { Attributes: attributes };
  }

  #allAttributes(queue: Queue): Record<string, string> {
    const counts = queue.counts(this.#now());
    const computed: Record<(typeof READ_ONLY)[number], string> = {
      ApproximateNumberOfMessages: String(counts.visible),
      ApproximateNumberOfMessagesDelayed: String(counts.delayed),
      ApproximateNumberOfMessagesNotVisible: String(counts.inFlight),
      CreatedTimestamp: String(Math.floor(queue.createdAt / 1000)),
      LastModifiedTimestamp: String(Math.floor(queue.lastModifiedAt / 1000)),
      QueueArn: queue.arn,
    };
    return { ...computed, ...queue.attributes };
  }

  #setQueueAttributes(input: Input): Output {
    const queue = this.#queue(input);
    if (input.Attributes === undefined) throw errors.missingParameter('Attributes');
    const normalized = normalizeAttributes(
      stringMap(input, 'Attributes'),
      queue.fifo,
      this.#lookup,
    );
    if (normalized.FifoQueue !== undefined && normalized.FifoQueue !== String(queue.fifo)) {
      throw errors.invalidAttributeValue('FifoQueue', 'Modifying queue type is not supported.');
    }
    const merged: QueueAttributes = { ...queue.attributes, ...normalized };
    if (merged.RedrivePolicy === '') delete merged.RedrivePolicy;
    queue.attributes = merged;
    queue.lastModifiedAt = this.#now();
    this.#notify(queue);
    return {};
  }

  #send(queue: Queue, input: Input): Output {
    const request = sendInput(input);
    queue.validate(request);
    const result = queue.send(request, this.#now());
    this.#notify(queue);
    const output: Output = {
      MessageId: result.MessageId,
      MD5OfMessageBody: md5OfBody(request.body ?? ''),
    };
    const attributesMd5 = md5OfMessageAttributes(request.attributes);
    if (attributesMd5 !== undefined) output.MD5OfMessageAttributes = attributesMd5;
    const systemMd5 = md5OfMessageAttributes(request.system);
    if (systemMd5 !== undefined) output.MD5OfMessageSystemAttributes = systemMd5;
    if (result.SequenceNumber !== undefined) output.SequenceNumber = result.SequenceNumber;
    return output;
  }

  #sendMessage(input: Input): Output {
    return this.#send(this.#queue(input), input);
  }

  #sendMessageBatch(input: Input): Output {
    const queue = this.#queue(input);
    const entries = checkBatch(input, 'SendMessageBatchRequestEntry');
    const size = entries.reduce((sum, entry) => sum + entrySize(entry), 0);
    if (size > MAX_BATCH_BYTES) throw errors.batchRequestTooLong(MAX_BATCH_BYTES, size);
    return runBatch(entries, (entry) => this.#send(queue, entry));
  }

  #deadLetter(source: Queue): DeadLetterSink {
    return (message, policy) => {
      const target = this.#byArn(policy.deadLetterTargetArn);
      if (target === undefined || target === source) return false;
      target.acceptDeadLetter(message, source.arn, this.#now());
      this.#notify(target);
      return true;
    };
  }

  async #receiveMessage(input: Input, signal?: AbortSignal): Promise<Output> {
    const queue = this.#queue(input);
    const max = optionalInteger(input, 'MaxNumberOfMessages') ?? 1;
    if (max < 1 || max > 10) {
      throw errors.invalidParameter(
        'MaxNumberOfMessages',
        max,
        'Must be between 1 and 10, if provided.',
      );
    }
    const visibility = optionalInteger(input, 'VisibilityTimeout') ?? queue.visibilityTimeout;
    checkRange('VisibilityTimeout', visibility, 0, 43_200);
    const wait = optionalInteger(input, 'WaitTimeSeconds') ?? queue.receiveWaitTimeSeconds;
    checkRange('WaitTimeSeconds', wait, 0, 20);
    const request = {
      max,
      visibilityTimeout: visibility,
      systemAttributeNames: [
        ...stringList(input, 'AttributeNames'),
        ...stringList(input, 'MessageSystemAttributeNames'),
      ],
      messageAttributeNames: stringList(input, 'MessageAttributeNames'),
    };
    const attempt = (): ReceivedMessage[] =>
      queue.receive(request, this.#now(), this.#deadLetter(queue));
    let messages = attempt();
    if (messages.length === 0 && wait > 0 && !this.#closed && signal?.aborted !== true) {
      messages = await this.#wait(queue, wait * 1000, attempt, signal);
    }
    return messages.length === 0 ? {} : { Messages: messages };
  }

  #wait(
    queue: Queue,
    ms: number,
    attempt: () => ReceivedMessage[],
    signal?: AbortSignal,
  ): Promise<ReceivedMessage[]> {
    return new Promise((resolve) => {
      const onAbort = (): void => waiter.finish([]);
      const waiter: Waiter = {
        queue,
        attempt,
        finish: (messages) => {
          clearTimeout(timeout);
          clearInterval(tick);
          signal?.removeEventListener('abort', onAbort);
          this.#waiters.delete(waiter);
          resolve(messages);
        },
      };
      const timeout = setTimeout(() => waiter.finish([]), ms);
      const tick = setInterval(() => this.#try(waiter), this.#pollIntervalMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.add(waiter);
    });
  }

  #try(waiter: Waiter): void {
    if (!this.#waiters.has(waiter)) return;
    if (this.#closed || this.#queues.get(waiter.queue.name) !== waiter.queue) {
      waiter.finish([]);
      return;
    }
    const messages = waiter.attempt();
    if (messages.length > 0) waiter.finish(messages);
  }

  /** Lets waiting receives of a queue look again, once the current operation is done. */
  #notify(queue: Queue): void {
    queueMicrotask(() => {
      for (const waiter of [...this.#waiters]) if (waiter.queue === queue) this.#try(waiter);
    });
  }

  #deleteMessage(input: Input): Output {
    const queue = this.#queue(input);
    queue.delete(requiredString(input, 'ReceiptHandle'), this.#now());
    this.#notify(queue);
    return {};
  }

  #deleteMessageBatch(input: Input): Output {
    const queue = this.#queue(input);
    const entries = checkBatch(input, 'DeleteMessageBatchRequestEntry');
    const output = runBatch(entries, (entry) => {
      queue.delete(requiredString(entry, 'ReceiptHandle'), this.#now());
      return {};
    });
    this.#notify(queue);
    return output;
  }

  #changeVisibility(queue: Queue, input: Input): Output {
    const handle = requiredString(input, 'ReceiptHandle');
    const timeout = optionalInteger(input, 'VisibilityTimeout');
    if (timeout === undefined) throw errors.missingParameter('VisibilityTimeout');
    queue.changeVisibility(handle, timeout, this.#now());
    return {};
  }

  #changeMessageVisibility(input: Input): Output {
    const queue = this.#queue(input);
    const output = this.#changeVisibility(queue, input);
    this.#notify(queue);
    return output;
  }

  #changeMessageVisibilityBatch(input: Input): Output {
    const queue = this.#queue(input);
    const entries = checkBatch(input, 'ChangeMessageVisibilityBatchRequestEntry');
    const output = runBatch(entries, (entry) => this.#changeVisibility(queue, entry));
    this.#notify(queue);
    return output;
  }

  #purgeQueue(input: Input): Output {
    const queue = this.#queue(input);
    queue.purge(this.#now());
    return {};
  }
}
