/**
 * Queue attributes that CreateQueue and SetQueueAttributes accept: their ranges, defaults and
 * the FIFO-only ones, validated with the errors SQS returns (InvalidAttributeName for names a
 * queue of that type does not have, InvalidAttributeValue for values out of range,
 * InvalidParameterValue for a bad RedrivePolicy). Ranges and defaults are those of the
 * CreateQueue documentation in `@aws-sdk/client-sqs` (MaximumMessageSize 1,024 to 1,048,576
 * bytes, default 1 MiB).
 */
import { errors } from './errors.ts';

export type QueueAttributes = Record<string, string>;

/** What the caller needs to know of a dead-letter target to validate a RedrivePolicy. */
export interface DeadLetterTarget {
  readonly fifo: boolean;
}

export interface RedrivePolicy {
  readonly deadLetterTargetArn: string;
  readonly maxReceiveCount: number;
}

type Normalizer = (name: string, value: string) => string;

const integer =
  (min: number, max: number): Normalizer =>
  (name, value) => {
    const n = Number(value.trim());
    if (!/^\s*[+-]?\d+\s*$/.test(value) || n < min || n > max) {
      throw errors.invalidAttributeValue(name);
    }
    return String(n);
  };

const boolean: Normalizer = (name, value) => {
  const v = value.trim().toLowerCase();
  if (v !== 'true' && v !== 'false') throw errors.invalidAttributeValue(name);
  return v;
};

const oneOf =
  (...allowed: string[]): Normalizer =>
  (name, value) => {
    if (!allowed.includes(value)) throw errors.invalidAttributeValue(name);
    return value;
  };

const text: Normalizer = (_name, value) => value;

/** Attributes of every queue type. */
const COMMON: Record<string, Normalizer> = {
  DelaySeconds: integer(0, 900),
  MaximumMessageSize: integer(1024, 1_048_576),
  MessageRetentionPeriod: integer(60, 1_209_600),
  ReceiveMessageWaitTimeSeconds: integer(0, 20),
  VisibilityTimeout: integer(0, 43_200),
  KmsDataKeyReusePeriodSeconds: integer(60, 86_400),
  SqsManagedSseEnabled: boolean,
  KmsMasterKeyId: text,
  Policy: text,
  RedriveAllowPolicy: text,
  RedrivePolicy: text,
};

/** Attributes of FIFO queues only. */
const FIFO: Record<string, Normalizer> = {
  FifoQueue: boolean,
  ContentBasedDeduplication: boolean,
  DeduplicationScope: oneOf('queue', 'messageGroup'),
  FifoThroughputLimit: oneOf('perQueue', 'perMessageGroupId'),
};

/** Attributes computed by SQS, readable with GetQueueAttributes only. */
export const READ_ONLY = [
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesDelayed',
  'ApproximateNumberOfMessagesNotVisible',
  'CreatedTimestamp',
  'LastModifiedTimestamp',
  'QueueArn',
] as const;

/**
 * The attributes a new queue has before any are given.
 *
 * @example
 * ```ts
 * defaultAttributes(true).FifoQueue; // 'true'
 * ```
 */
export function defaultAttributes(fifo: boolean): QueueAttributes {
  const common: QueueAttributes = {
    DelaySeconds: '0',
    MaximumMessageSize: '1048576',
    MessageRetentionPeriod: '345600',
    ReceiveMessageWaitTimeSeconds: '0',
    VisibilityTimeout: '30',
    SqsManagedSseEnabled: 'true',
  };
  if (!fifo) return common;
  return {
    ...common,
    FifoQueue: 'true',
    ContentBasedDeduplication: 'false',
    DeduplicationScope: 'queue',
    FifoThroughputLimit: 'perQueue',
  };
}

/**
 * The names GetQueueAttributes knows for a queue type (FIFO-only names are unknown to standard
 * queues, as in SQS).
 *
 * @example
 * ```ts
 * knownAttributeNames(false).includes('FifoQueue'); // false
 * ```
 */
export function knownAttributeNames(fifo: boolean): string[] {
  return [...Object.keys(COMMON), ...(fifo ? Object.keys(FIFO) : []), ...READ_ONLY];
}

/**
 * Parses a stored RedrivePolicy attribute.
 *
 * @example
 * ```ts
 * parseRedrivePolicy('{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq","maxReceiveCount":3}');
 * ```
 */
export function parseRedrivePolicy(value: string | undefined): RedrivePolicy | undefined {
  if (value === undefined || value === '') return undefined;
  return JSON.parse(value) as RedrivePolicy;
}

function redrivePolicy(
  value: string,
  fifo: boolean,
  lookup: (arn: string) => DeadLetterTarget | undefined,
): string {
  if (value === '') return '';
  const invalid = (reason: string): Error =>
    errors.invalidParameter('RedrivePolicy', value, reason);
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw invalid('Redrive policy is not a valid JSON map.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw invalid('Redrive policy is not a valid JSON map.');
  }
  const { deadLetterTargetArn: arn, maxReceiveCount: raw } = parsed as Record<string, unknown>;
  if (typeof arn !== 'string')
    throw invalid('Redrive policy does not contain mandatory attribute: deadLetterTargetArn.');
  if (raw === undefined)
    throw invalid('Redrive policy does not contain mandatory attribute: maxReceiveCount.');
  const count = Number(raw);
  if (!Number.isInteger(count) || count < 1 || count > 1000) {
    throw invalid(
      `Invalid value for maxReceiveCount: ${String(raw)}, valid values are from 1 to 1000 both inclusive.`,
    );
  }
  const target = lookup(arn);
  if (target === undefined) throw invalid('Dead letter target does not exist.');
  if (target.fifo !== fifo) {
    throw invalid('Dead-letter queue must be same type of queue as the source.');
  }
  return JSON.stringify({ deadLetterTargetArn: arn, maxReceiveCount: count });
}

/**
 * Validates and normalizes the attributes of a CreateQueue or SetQueueAttributes request.
 *
 * @example
 * ```ts
 * normalizeAttributes({ VisibilityTimeout: '60' }, false, () => undefined);
 * // { VisibilityTimeout: '60' }
 * ```
 */
export function normalizeAttributes(
  attributes: Record<string, string>,
  fifo: boolean,
  lookup: (arn: string) => DeadLetterTarget | undefined,
): QueueAttributes {
  const normalized: QueueAttributes = {};
  for (const [name, value] of Object.entries(attributes)) {
    const normalize = COMMON[name] ?? (fifo ? FIFO[name] : undefined);
    if (normalize === undefined || typeof value !== 'string') {
      throw errors.invalidAttributeName(name);
    }
    normalized[name] =
      name === 'RedrivePolicy' ? redrivePolicy(value, fifo, lookup) : normalize(name, value);
  }
  if (
    normalized.FifoThroughputLimit === 'perMessageGroupId' &&
    normalized.DeduplicationScope === 'queue'
  ) {
    throw errors.invalidAttributeValue(
      'FifoThroughputLimit',
      'perMessageGroupId is allowed only when DeduplicationScope is messageGroup.',
    );
  }
  return normalized;
}
