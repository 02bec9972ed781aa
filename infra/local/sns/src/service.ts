/**
 * The SNS API over topics held in memory, fanning messages out to SQS queues: CreateTopic,
 * GetTopicAttributes, DeleteTopic, Subscribe (protocol `sqs`), Unsubscribe,
 * ListSubscriptionsByTopic, Publish and PublishBatch, taking and returning the members of the
 * service model in `@aws-sdk/client-sns`. Delivery goes through an injected SQS (`SendMessage`,
 * `GetQueueUrl`), so the queues are whatever SQS the caller runs. Independent of HTTP.
 */
import { createHash, randomUUID } from 'node:crypto';
import { errors, SnsError } from './errors.ts';
import type { Input, Member, Output } from './query.ts';

/** The SQS a topic delivers to: the `call` of `@waypointer/sqs-endpoint`'s `SqsService`. */
export interface SqsTarget {
  call(operation: string, input: Record<string, unknown>): Promise<Record<string, unknown>>;
}

/** A delivery that failed, and where the message went instead. */
export interface DeliveryFailure {
  readonly subscriptionArn: string;
  readonly endpoint: string;
  readonly messageId: string;
  readonly error: string;
  /** The subscription's dead-letter queue, when it has one and the message reached it. */
  readonly deadLetterQueue?: string;
}

/** Options of the embedded SNS service. */
export interface SnsServiceOptions {
  /** Where `sqs` subscriptions deliver. */
  readonly sqs: SqsTarget;
  /** The clock, epoch milliseconds (default `Date.now`); tests move it to pass time. */
  readonly now?: () => number;
  /** The region of topic ARNs (default `us-east-1`). */
  readonly region?: string;
  /** The account of topic ARNs (default `000000000000`). */
  readonly accountId?: string;
  /** Told of each failed delivery (default: one JSON line on stderr). */
  readonly onDeliveryFailure?: (failure: DeliveryFailure) => void;
}

/** SNS's default largest message, and the largest batch (body and attributes): 256 KiB. */
export const DEFAULT_MAX_MESSAGE_BYTES = 262_144;
/** The FIFO deduplication interval: 5 minutes. */
const DEDUPLICATION_MS = 300_000;
const MAX_BATCH_ENTRIES = 10;
const NAME = /^[A-Za-z0-9_-]{1,256}$/;
const FIFO_NAME = /^[A-Za-z0-9_-]{1,251}\.fifo$/;
const BATCH_ID = /^[A-Za-z0-9_-]{1,80}$/;
const DEDUPLICATION_ID = /^[\x21-\x7e]{1,128}$/;
const QUEUE_ARN = /^arn:aws[\w-]*:sqs:[\w-]+:\d{12}:([\w-]{1,80}(?:\.fifo)?)$/;

/** The topic attributes CreateTopic takes; the others of the model are refused, not ignored. */
const SETTABLE = new Set([
  'FifoTopic',
  'ContentBasedDeduplication',
  'FifoThroughputScope',
  'DisplayName',
  'Policy',
  'DeliveryPolicy',
  'KmsMasterKeyId',
  'SignatureVersion',
  'TracingConfig',
  'MaximumMessageSize',
]);
const BOOLEAN = new Set(['FifoTopic', 'ContentBasedDeduplication']);

interface Subscription {
  readonly arn: string;
  readonly topicArn: string;
  readonly endpoint: string;
  readonly raw: boolean;
  readonly deadLetterTargetArn: string | undefined;
}

interface Topic {
  readonly arn: string;
  readonly name: string;
  readonly fifo: boolean;
  readonly attributes: ReadonlyMap<string, string>;
  readonly subscriptions: Map<string, Subscription>;
  /** Deduplication ids of the last 5 minutes: the message id and sequence number they got. */
  readonly seen: Map<string, { at: number; messageId: string; sequenceNumber?: string }>;
}

/** One message to publish, as Publish and each PublishBatch entry give it. */
interface Publication {
  readonly Message: string;
  readonly Subject?: string;
  readonly MessageGroupId?: string;
  readonly MessageDeduplicationId?: string;
  readonly MessageAttributes: Readonly<Record<string, MessageAttribute>>;
}

interface MessageAttribute {
  readonly DataType: string;
  readonly StringValue?: string;
  readonly BinaryValue?: string;
}

type Handler = (input: Input) => Output | Promise<Output>;

function str(input: Input, name: string): string | undefined {
  const value = input[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw errors.invalidParameter(`Invalid parameter: ${name}`);
  return value;
}

function required(input: Input, name: string): string {
  const value = str(input, name);
  if (value === undefined || value === '')
    throw errors.invalidParameter(`Invalid parameter: ${name} Reason: is required`);
  return value;
}

function map(input: Input, name: string): Readonly<Record<string, Member>> {
  const value = input[name];
  if (value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value))
    throw errors.invalidParameter(`Invalid parameter: ${name}`);
  return value as Record<string, Member>;
}

function onlyKnown(input: Input, known: readonly string[], action: string): void {
  const unknown = Object.keys(input).filter((k) => !known.includes(k));
  if (unknown.length > 0)
    throw errors.invalidParameter(
      `Invalid parameter: ${unknown.join(', ')} Reason: not a parameter of ${action}`,
    );
}

/** CreateTopic's attributes, checked: strings, known names, `true`/`false` where boolean. */
function topicAttributes(input: Input): Map<string, string> {
  const attributes = new Map<string, string>();
  for (const [name, value] of Object.entries(map(input, 'Attributes'))) {
    if (typeof value !== 'string' || !SETTABLE.has(name))
      throw errors.invalidParameter(
        `Invalid parameter: Attributes Reason: Unknown attribute ${name}`,
      );
    if (BOOLEAN.has(name) && value !== 'true' && value !== 'false')
      throw errors.invalidParameter(
        `Invalid parameter: Attributes Reason: ${name}: Invalid value [${value}]. Must be true or false.`,
      );
    if (name === 'FifoThroughputScope' && value !== 'Topic' && value !== 'MessageGroup')
      throw errors.invalidParameter(
        `Invalid parameter: Attributes Reason: FifoThroughputScope: Invalid value [${value}]. Please use Topic or MessageGroup.`,
      );
    if (name === 'MaximumMessageSize' && !validMaximumSize(value))
      throw errors.invalidParameter(
        `Invalid parameter: Attributes Reason: MaximumMessageSize: Invalid value [${value}]. Must be an integer from 1024 to 1048576.`,
      );
    attributes.set(name, value);
  }
  return attributes;
}

function validMaximumSize(value: string): boolean {
  const bytes = Number(value);
  return /^\d+$/.test(value) && bytes >= 1024 && bytes <= 1_048_576;
}

const sameAttributes = (a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean =>
  a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);

/** The message attributes of a publication, checked as SNS checks them. */
function messageAttributes(input: Input): Record<string, MessageAttribute> {
  const result: Record<string, MessageAttribute> = {};
  for (const [name, value] of Object.entries(map(input, 'MessageAttributes'))) {
    const attribute = value as Record<string, Member>;
    const dataType = attribute.DataType;
    if (typeof dataType !== 'string' || !/^(String|Number|Binary)(\..+)?$/.test(dataType))
      throw errors.invalidParameter(
        `Invalid parameter: MessageAttributes Reason: The message attribute '${name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.`,
      );
    const field = dataType.startsWith('Binary') ? 'BinaryValue' : 'StringValue';
    const content = attribute[field];
    if (typeof content !== 'string' || content === '')
      throw errors.invalidParameter(
        `Invalid parameter: MessageAttributes Reason: The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${dataType}'.`,
      );
    result[name] = { DataType: dataType, [field]: content };
  }
  return result;
}

function publication(input: Input): Publication {
  const message = str(input, 'Message');
  if (message === undefined || message === '')
    throw errors.invalidParameter('Invalid parameter: Empty message');
  return {
    Message: message,
    ...optional(input, 'Subject'),
    ...optional(input, 'MessageGroupId'),
    ...optional(input, 'MessageDeduplicationId'),
    MessageAttributes: messageAttributes(input),
  };
}

function optional(input: Input, name: string): Record<string, string> {
  const value = str(input, name);
  return value === undefined ? {} : { [name]: value };
}

/** The bytes SNS counts for a message: its body and each attribute's name, type and value. */
export function messageBytes(p: Pick<Publication, 'Message' | 'MessageAttributes'>): number {
  let bytes = Buffer.byteLength(p.Message, 'utf8');
  for (const [name, a] of Object.entries(p.MessageAttributes))
    bytes += Buffer.byteLength(name + a.DataType + (a.StringValue ?? a.BinaryValue ?? ''), 'utf8');
  return bytes;
}

/** The SQS message attributes of a raw delivery (SNS passes its own through, same shape). */
function sqsAttributes(attributes: Readonly<Record<string, MessageAttribute>>) {
  return Object.keys(attributes).length === 0 ? {} : { MessageAttributes: attributes };
}

/**
 * The embedded SNS service.
 *
 * @example
 * ```ts
 * const sqs = new SqsService();
 * const sns = new SnsService({ sqs });
 * const { TopicArn } = await sns.call('CreateTopic', { Name: 'changes.fifo', Attributes: { FifoTopic: 'true' } });
 * ```
 */
export class SnsService {
  readonly region: string;
  readonly accountId: string;
  readonly #sqs: SqsTarget;
  readonly #now: () => number;
  readonly #onDeliveryFailure: (failure: DeliveryFailure) => void;
  readonly #topics = new Map<string, Topic>();
  readonly #failures: DeliveryFailure[] = [];
  #sequence = 0n;
  #delivered = 0;
  readonly #operations: Record<string, Handler> = {
    CreateTopic: (input) => this.#createTopic(input),
    GetTopicAttributes: (input) => this.#getTopicAttributes(input),
    DeleteTopic: (input) => this.#deleteTopic(input),
    Subscribe: (input) => this.#subscribe(input),
    Unsubscribe: (input) => this.#unsubscribe(input),
    ListSubscriptionsByTopic: (input) => this.#listSubscriptionsByTopic(input),
    Publish: (input) => this.#publish(input),
    PublishBatch: (input) => this.#publishBatch(input),
  };

  constructor(options: SnsServiceOptions) {
    this.#sqs = options.sqs;
    this.#now = options.now ?? Date.now;
    this.region = options.region ?? 'us-east-1';
    this.accountId = options.accountId ?? '000000000000';
    this.#onDeliveryFailure =
      options.onDeliveryFailure ??
      ((failure) => process.stderr.write(`${JSON.stringify({ snsDeliveryFailure: failure })}\n`));
  }

  /** The names of the operations this service implements. */
  get operations(): string[] {
    return Object.keys(this.#operations);
  }

  /** Deliveries made and failed so far. */
  stats(): { delivered: number; failed: number } {
    return { delivered: this.#delivered, failed: this.#failures.length };
  }

  /** Every failed delivery so far, oldest first. */
  deliveryFailures(): readonly DeliveryFailure[] {
    return [...this.#failures];
  }

  /**
   * Runs an operation on its structured input. Throws {@link SnsError} as the service would.
   *
   * @example
   * ```ts
   * await sns.call('Publish', { TopicArn, Message: 'hi', MessageGroupId: 'g', MessageDeduplicationId: 'd' });
   * ```
   */
  async call(operation: string, input: Input): Promise<Output> {
    const handler = Object.hasOwn(this.#operations, operation)
      ? this.#operations[operation]
      : undefined;
    if (handler === undefined) throw errors.invalidAction(operation);
    return await handler(input);
  }

  #topic(input: Input, name = 'TopicArn'): Topic {
    const arn = required(input, name);
    const topic = this.#topics.get(arn);
    if (topic === undefined) throw errors.notFound('Topic does not exist');
    return topic;
  }

  #createTopic(input: Input): Output {
    onlyKnown(input, ['Name', 'Attributes', 'Tags', 'DataProtectionPolicy'], 'CreateTopic');
    const name = required(input, 'Name');
    const attributes = topicAttributes(input);
    const fifo = attributes.get('FifoTopic') === 'true';
    if (fifo && !FIFO_NAME.test(name))
      throw errors.invalidParameter(
        'Invalid parameter: Fifo Topic names must end with .fifo and must be made up of only uppercase and lowercase ASCII letters, numbers, underscores, and hyphens, and must be between 1 and 256 characters long.',
      );
    if (!fifo && !NAME.test(name))
      throw errors.invalidParameter(
        'Invalid parameter: Topic Name: must be made up of only uppercase and lowercase ASCII letters, numbers, underscores, and hyphens, and must be between 1 and 256 characters long.',
      );
    if (
      !fifo &&
      (attributes.has('ContentBasedDeduplication') || attributes.has('FifoThroughputScope'))
    )
      throw errors.invalidParameter(
        'Invalid parameter: Attributes Reason: ContentBasedDeduplication and FifoThroughputScope apply to FIFO topics only',
      );
    const arn = `arn:aws:sns:${this.region}:${this.accountId}:${name}`;
    const existing = this.#topics.get(arn);
    if (existing !== undefined) {
      if (attributes.size > 0 && !sameAttributes(existing.attributes, attributes))
        throw errors.invalidParameter(
          'Invalid parameter: Attributes Reason: Topic already exists with different attributes',
        );
      return { TopicArn: arn };
    }
    this.#topics.set(arn, {
      arn,
      name,
      fifo,
      attributes,
      subscriptions: new Map(),
      seen: new Map(),
    });
    return { TopicArn: arn };
  }

  #getTopicAttributes(input: Input): Output {
    onlyKnown(input, ['TopicArn'], 'GetTopicAttributes');
    const topic = this.#topic(input);
    const attributes = new Map<string, string>([
      ['TopicArn', topic.arn],
      ['Owner', this.accountId],
      ['DisplayName', ''],
      ['SubscriptionsConfirmed', String(topic.subscriptions.size)],
      ['SubscriptionsPending', '0'],
      ['SubscriptionsDeleted', '0'],
      ...(topic.fifo
        ? [
            ['FifoTopic', 'true'] as [string, string],
            ['ContentBasedDeduplication', 'false'] as [string, string],
          ]
        : []),
      ...topic.attributes,
    ]);
    return { Attributes: attributes };
  }

  #deleteTopic(input: Input): Output {
    onlyKnown(input, ['TopicArn'], 'DeleteTopic');
    // Deleting a topic that does not exist is not an error (API reference).
    this.#topics.delete(required(input, 'TopicArn'));
    return {};
  }

  #subscribe(input: Input): Output {
    onlyKnown(
      input,
      ['TopicArn', 'Protocol', 'Endpoint', 'Attributes', 'ReturnSubscriptionArn'],
      'Subscribe',
    );
    const topic = this.#topic(input);
    const protocol = required(input, 'Protocol');
    if (protocol !== 'sqs')
      throw errors.invalidParameter(
        `Invalid parameter: Protocol Reason: ${protocol} is not served by the embedded SNS (sqs only)`,
      );
    const endpoint = required(input, 'Endpoint');
    const queue = QUEUE_ARN.exec(endpoint)?.[1];
    if (queue === undefined) throw errors.invalidParameter('Invalid parameter: SQS endpoint ARN');
    if (!topic.fifo && queue.endsWith('.fifo'))
      throw errors.invalidParameter(
        'Invalid parameter: Invalid parameter: Endpoint Reason: FIFO SQS Queues can not be subscribed to standard SNS topics',
      );
    const { raw, deadLetterTargetArn } = subscriptionAttributes(map(input, 'Attributes'));
    const same = [...topic.subscriptions.values()].find((s) => s.endpoint === endpoint);
    if (same !== undefined) {
      if (same.raw !== raw || same.deadLetterTargetArn !== deadLetterTargetArn)
        throw errors.invalidParameter(
          'Invalid parameter: Attributes Reason: Subscription already exists with different attributes',
        );
      return { SubscriptionArn: same.arn };
    }
    const arn = `${topic.arn}:${randomUUID()}`;
    topic.subscriptions.set(arn, { arn, topicArn: topic.arn, endpoint, raw, deadLetterTargetArn });
    return { SubscriptionArn: arn };
  }

  #unsubscribe(input: Input): Output {
    onlyKnown(input, ['SubscriptionArn'], 'Unsubscribe');
    const arn = required(input, 'SubscriptionArn');
    const topic = [...this.#topics.values()].find((t) => t.subscriptions.has(arn));
    if (topic === undefined) throw errors.notFound('Subscription does not exist');
    topic.subscriptions.delete(arn);
    return {};
  }

  #listSubscriptionsByTopic(input: Input): Output {
    onlyKnown(input, ['TopicArn', 'NextToken'], 'ListSubscriptionsByTopic');
    const topic = this.#topic(input);
    const all = [...topic.subscriptions.values()];
    const start = Number(str(input, 'NextToken') ?? '0');
    if (!Number.isInteger(start) || start < 0 || start > all.length)
      throw errors.invalidParameter('Invalid parameter: NextToken');
    const page = all.slice(start, start + 100);
    const next = start + page.length < all.length ? String(start + page.length) : undefined;
    return {
      Subscriptions: page.map((s) => ({
        SubscriptionArn: s.arn,
        Owner: this.accountId,
        Protocol: 'sqs',
        Endpoint: s.endpoint,
        TopicArn: s.topicArn,
      })),
      NextToken: next,
    };
  }

  async #publish(input: Input): Promise<Output> {
    onlyKnown(
      input,
      [
        'TopicArn',
        'TargetArn',
        'Message',
        'Subject',
        'MessageStructure',
        'MessageAttributes',
        'MessageGroupId',
        'MessageDeduplicationId',
      ],
      'Publish',
    );
    if (input.MessageStructure !== undefined)
      throw errors.invalidParameter(
        'Invalid parameter: MessageStructure Reason: not served by the embedded SNS',
      );
    const topic = this.#topic(input, input.TargetArn === undefined ? 'TopicArn' : 'TargetArn');
    const message = publication(input);
    const size = messageBytes(message);
    if (size > this.#maxBytes(topic))
      throw errors.invalidParameter('Invalid parameter: Message too long');
    return await this.#accept(topic, message);
  }

  async #publishBatch(input: Input): Promise<Output> {
    onlyKnown(input, ['TopicArn', 'PublishBatchRequestEntries'], 'PublishBatch');
    const topic = this.#topic(input);
    const entries = batchEntries(input);
    const total = entries.reduce(
      (sum, e) => sum + Buffer.byteLength(str(e, 'Message') ?? '', 'utf8') + attributeBytes(e),
      0,
    );
    if (total > this.#maxBytes(topic)) throw errors.batchTooLong(total, this.#maxBytes(topic));
    const successful: Output[] = [];
    const failed: Output[] = [];
    for (const { Id, ...entry } of entries) {
      try {
        successful.push({ Id: Id as string, ...(await this.#accept(topic, publication(entry))) });
      } catch (error) {
        if (!(error instanceof SnsError)) throw error;
        failed.push({
          Id: Id as string,
          Code: error.code,
          Message: error.message,
          SenderFault: error.senderFault,
        });
      }
    }
    return { Successful: successful, Failed: failed };
  }

  #maxBytes(topic: Topic): number {
    return Number(topic.attributes.get('MaximumMessageSize') ?? DEFAULT_MAX_MESSAGE_BYTES);
  }

  /** Checks a message against the topic's kind, deduplicates it, and delivers it if it is new. */
  async #accept(topic: Topic, message: Publication): Promise<Output> {
    const key = this.#deduplicationKey(topic, message);
    if (key === undefined) {
      const messageId = randomUUID();
      await this.#fanOut(topic, message, messageId, undefined);
      return { MessageId: messageId };
    }
    const now = this.#now();
    for (const [k, v] of topic.seen) if (now - v.at >= DEDUPLICATION_MS) topic.seen.delete(k);
    const earlier = topic.seen.get(key.scope);
    if (earlier !== undefined)
      return { MessageId: earlier.messageId, SequenceNumber: earlier.sequenceNumber };
    const messageId = randomUUID();
    this.#sequence += 1n;
    const sequenceNumber = String(10_000_000_000_000_000_000n + this.#sequence);
    topic.seen.set(key.scope, { at: now, messageId, sequenceNumber });
    await this.#fanOut(
      topic,
      { ...message, MessageDeduplicationId: key.id },
      messageId,
      sequenceNumber,
    );
    return { MessageId: messageId, SequenceNumber: sequenceNumber };
  }

  /** A FIFO message's deduplication id and the key it is remembered by; none on a standard topic. */
  #deduplicationKey(topic: Topic, message: Publication): { id: string; scope: string } | undefined {
    if (!topic.fifo) {
      for (const name of ['MessageGroupId', 'MessageDeduplicationId'] as const)
        if (message[name] !== undefined)
          throw errors.invalidParameter(
            `Invalid parameter: The request includes ${name} parameter that is not valid for this topic type`,
          );
      return undefined;
    }
    const group = message.MessageGroupId;
    if (group === undefined || !DEDUPLICATION_ID.test(group))
      throw errors.invalidParameter(
        'Invalid parameter: The MessageGroupId parameter is required for FIFO topics',
      );
    const content = topic.attributes.get('ContentBasedDeduplication') === 'true';
    const id =
      message.MessageDeduplicationId ??
      (content ? createHash('sha256').update(message.Message).digest('hex') : undefined);
    if (id === undefined)
      throw errors.invalidParameter(
        'Invalid parameter: The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly',
      );
    if (!DEDUPLICATION_ID.test(id))
      throw errors.invalidParameter('Invalid parameter: MessageDeduplicationId');
    const byGroup = topic.attributes.get('FifoThroughputScope') === 'MessageGroup';
    return { id, scope: byGroup ? `${group}\u0000${id}` : id };
  }

  /** Delivers to every subscription, in subscription order; a failure goes to its DLQ. */
  async #fanOut(
    topic: Topic,
    message: Publication,
    messageId: string,
    sequenceNumber: string | undefined,
  ): Promise<void> {
    for (const subscription of topic.subscriptions.values()) {
      const body = subscription.raw
        ? { MessageBody: message.Message, ...sqsAttributes(message.MessageAttributes) }
        : {
            MessageBody: JSON.stringify(
              this.#envelope(subscription, message, messageId, sequenceNumber),
            ),
          };
      try {
        await this.#send(subscription.endpoint, body, message);
        this.#delivered++;
      } catch (error) {
        await this.#failed(subscription, body, message, messageId, error);
      }
    }
  }

  async #send(
    queueArn: string,
    body: Record<string, unknown>,
    message: Publication,
  ): Promise<void> {
    const queueName = QUEUE_ARN.exec(queueArn)?.[1] as string;
    const { QueueUrl } = await this.#sqs.call('GetQueueUrl', { QueueName: queueName });
    const fifo = queueName.endsWith('.fifo');
    await this.#sqs.call('SendMessage', {
      QueueUrl,
      ...body,
      ...(fifo && message.MessageGroupId !== undefined
        ? {
            MessageGroupId: message.MessageGroupId,
            MessageDeduplicationId: message.MessageDeduplicationId,
          }
        : {}),
    });
  }

  async #failed(
    subscription: Subscription,
    body: Record<string, unknown>,
    message: Publication,
    messageId: string,
    error: unknown,
  ): Promise<void> {
    let deadLetterQueue: string | undefined;
    if (subscription.deadLetterTargetArn !== undefined) {
      try {
        await this.#send(subscription.deadLetterTargetArn, body, message);
        deadLetterQueue = subscription.deadLetterTargetArn;
      } catch {
        // Counted below, without a dead-letter queue.
      }
    }
    const failure: DeliveryFailure = {
      subscriptionArn: subscription.arn,
      endpoint: subscription.endpoint,
      messageId,
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      ...(deadLetterQueue === undefined ? {} : { deadLetterQueue }),
    };
    this.#failures.push(failure);
    this.#onDeliveryFailure(failure);
  }

  /** The JSON notification a subscription without raw message delivery receives. */
  #envelope(
    subscription: Subscription,
    message: Publication,
    messageId: string,
    sequenceNumber: string | undefined,
  ): Record<string, unknown> {
    const attributes = Object.entries(message.MessageAttributes);
    return {
      Type: 'Notification',
      MessageId: messageId,
      ...(sequenceNumber === undefined ? {} : { SequenceNumber: sequenceNumber }),
      TopicArn: subscription.topicArn,
      ...(message.Subject === undefined ? {} : { Subject: message.Subject }),
      Message: message.Message,
      Timestamp: new Date(this.#now()).toISOString(),
      UnsubscribeURL: `http://127.0.0.1/?Action=Unsubscribe&SubscriptionArn=${subscription.arn}`,
      ...(attributes.length === 0
        ? {}
        : {
            MessageAttributes: Object.fromEntries(
              attributes.map(([k, a]) => [
                k,
                { Type: a.DataType, Value: a.StringValue ?? a.BinaryValue },
              ]),
            ),
          }),
    };
  }
}

/** The members of a PublishBatch entry this endpoint serves (not MessageStructure). */
const BATCH_ENTRY_MEMBERS = [
  'Id',
  'Message',
  'Subject',
  'MessageAttributes',
  'MessageGroupId',
  'MessageDeduplicationId',
];

/** PublishBatch's entries: 1 to 10, each with a well-formed Id of its own. */
function batchEntries(input: Input): Input[] {
  const entries = input.PublishBatchRequestEntries;
  // The query protocol sends an empty list as `PublishBatchRequestEntries=`.
  if (entries === undefined || entries === '' || (Array.isArray(entries) && entries.length === 0))
    throw errors.emptyBatch();
  if (!Array.isArray(entries))
    throw errors.invalidParameter('Invalid parameter: PublishBatchRequestEntries');
  if (entries.length > MAX_BATCH_ENTRIES) throw errors.tooManyEntries(entries.length);
  const ids = new Set<string>();
  for (const entry of entries as Input[]) {
    onlyKnown(entry, BATCH_ENTRY_MEMBERS, 'PublishBatchRequestEntry');
    const id = str(entry, 'Id') ?? '';
    if (!BATCH_ID.test(id)) throw errors.invalidBatchEntryId(id);
    if (ids.has(id)) throw errors.idsNotDistinct(id);
    ids.add(id);
  }
  return entries as Input[];
}

function attributeBytes(entry: Input): number {
  try {
    return messageBytes({ Message: '', MessageAttributes: messageAttributes(entry) });
  } catch {
    return 0;
  }
}

/** Subscribe's attributes: RawMessageDelivery and RedrivePolicy; the others are refused. */
function subscriptionAttributes(attributes: Readonly<Record<string, Member>>): {
  raw: boolean;
  deadLetterTargetArn: string | undefined;
} {
  let raw = false;
  let deadLetterTargetArn: string | undefined;
  for (const [name, value] of Object.entries(attributes)) {
    if (name === 'RawMessageDelivery' && (value === 'true' || value === 'false')) {
      raw = value === 'true';
    } else if (name === 'RedrivePolicy' && typeof value === 'string') {
      deadLetterTargetArn = redriveTarget(value);
    } else {
      throw errors.invalidParameter(
        `Invalid parameter: Attributes Reason: ${name} ${typeof value === 'string' ? `[${value}] ` : ''}is not a subscription attribute the embedded SNS serves (RawMessageDelivery true|false, RedrivePolicy)`,
      );
    }
  }
  return { raw, deadLetterTargetArn };
}

function redriveTarget(policy: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(policy);
  } catch {
    throw errors.invalidParameter('Invalid parameter: RedrivePolicy: Invalid JSON');
  }
  const target = (parsed as { deadLetterTargetArn?: unknown } | null)?.deadLetterTargetArn;
  if (typeof target !== 'string' || !QUEUE_ARN.test(target))
    throw errors.invalidParameter(
      'Invalid parameter: RedrivePolicy: deadLetterTargetArn is not an SQS queue ARN',
    );
  return target;
}
