/**
 * SQS errors as the AWS JSON 1.0 protocol carries them: an HTTP status, a body
 * `{"__type": "<shape id>", "message": "..."}` and the `x-amzn-query-error: <code>;<fault>` header
 * that query-compatible clients (all current SDKs) use to name the error. The codes, statuses and
 * shape ids follow the `awsQueryError` traits of the service model shipped in
 * `@aws-sdk/client-sqs`; errors the model does not declare (MissingParameter,
 * InvalidParameterValue) use the generic coral shapes the service sends for them.
 */

/** An SQS error response. Thrown by the service and rendered by the HTTP server. */
export class SqsError extends Error {
  /** The `__type` of the JSON error body, e.g. `com.amazonaws.sqs#QueueDoesNotExist`. */
  readonly type: string;
  /** The legacy query error code of the `x-amzn-query-error` header. */
  readonly code: string;
  /** The HTTP status code. */
  readonly status: number;
  /** True when the caller is at fault (`Sender`), false for `Receiver` faults. */
  readonly senderFault: boolean;

  /**
   * @example
   * ```ts
   * throw new SqsError('com.amazonaws.sqs#OverLimit', 'OverLimit', 403, 'Too many in flight.');
   * ```
   */
  constructor(type: string, code: string, status: number, message: string, senderFault = true) {
    super(message);
    this.name = code;
    this.type = type;
    this.code = code;
    this.status = status;
    this.senderFault = senderFault;
  }

  /** The `x-amzn-query-error` header value, e.g. `AWS.SimpleQueueService.NonExistentQueue;Sender`. */
  get queryError(): string {
    return `${this.code};${this.senderFault ? 'Sender' : 'Receiver'}`;
  }
}

const SQS = 'com.amazonaws.sqs#';
const CORAL = 'com.amazon.coral.service#';
const LEGACY = 'AWS.SimpleQueueService.';

/** A modeled SQS error: shape name, query code and status from the service model. */
function modeled(shape: string, code: string, status: number, message: string): SqsError {
  return new SqsError(`${SQS}${shape}`, code, status, message);
}

/**
 * The errors of the SQS API (named as the SDK names them), with the service's messages.
 *
 * @example
 * ```ts
 * throw errors.missingParameter('MessageGroupId');
 * // 400, MissingParameter: The request must contain the parameter MessageGroupId.
 * ```
 */
export const errors = {
  queueDoesNotExist: (): SqsError =>
    modeled(
      'QueueDoesNotExist',
      `${LEGACY}NonExistentQueue`,
      400,
      'The specified queue does not exist.',
    ),
  queueNameExists: (message: string): SqsError =>
    modeled('QueueNameExists', 'QueueAlreadyExists', 400, message),
  invalidAddress: (address: string): SqsError =>
    modeled(
      'InvalidAddress',
      'InvalidAddress',
      404,
      `The address ${address} is not valid for this endpoint.`,
    ),
  missingParameter: (name: string): SqsError =>
    new SqsError(
      `${CORAL}MissingParameterException`,
      'MissingParameter',
      400,
      `The request must contain the parameter ${name}.`,
    ),
  invalidParameterValue: (message: string): SqsError =>
    new SqsError(`${CORAL}InvalidParameterValueException`, 'InvalidParameterValue', 400, message),
  /** InvalidParameterValue in the service's `Value X for parameter Y is invalid. Reason: Z` form. */
  invalidParameter: (name: string, value: unknown, reason: string): SqsError =>
    errors.invalidParameterValue(
      `Value ${String(value)} for parameter ${name} is invalid. Reason: ${reason}`,
    ),
  invalidAttributeName: (name: string): SqsError =>
    modeled('InvalidAttributeName', 'InvalidAttributeName', 400, `Unknown Attribute ${name}.`),
  invalidAttributeValue: (name: string, reason?: string): SqsError =>
    modeled(
      'InvalidAttributeValue',
      'InvalidAttributeValue',
      400,
      `Invalid value for the parameter ${name}.${reason === undefined ? '' : ` Reason: ${reason}`}`,
    ),
  invalidMessageContents: (codePoint: number): SqsError =>
    modeled(
      'InvalidMessageContents',
      'InvalidMessageContents',
      400,
      `Invalid binary character '#x${codePoint.toString(16).toUpperCase()}' was found in the ` +
        'message body, the set of allowed characters is #x9 | #xA | #xD | #x20 to #xD7FF | ' +
        '#xE000 to #xFFFD | #x10000 to #x10FFFF',
    ),
  receiptHandleIsInvalid: (handle: string): SqsError =>
    modeled(
      'ReceiptHandleIsInvalid',
      'ReceiptHandleIsInvalid',
      404,
      `The input receipt handle "${handle}" is not a valid receipt handle.`,
    ),
  receiptHandleExpired: (handle: string): SqsError =>
    errors.invalidParameter('ReceiptHandle', handle, 'The receipt handle has expired.'),
  messageNotInflight: (): SqsError =>
    modeled(
      'MessageNotInflight',
      `${LEGACY}MessageNotInflight`,
      400,
      'The message referred to is not in flight.',
    ),
  emptyBatchRequest: (entry: string): SqsError =>
    modeled(
      'EmptyBatchRequest',
      `${LEGACY}EmptyBatchRequest`,
      400,
      `There should be at least one ${entry} in the request.`,
    ),
  tooManyEntriesInBatchRequest: (count: number): SqsError =>
    modeled(
      'TooManyEntriesInBatchRequest',
      `${LEGACY}TooManyEntriesInBatchRequest`,
      400,
      `Maximum number of entries per request are 10. You have sent ${count}.`,
    ),
  batchEntryIdsNotDistinct: (id: string): SqsError =>
    modeled(
      'BatchEntryIdsNotDistinct',
      `${LEGACY}BatchEntryIdsNotDistinct`,
      400,
      `Id ${id} repeated.`,
    ),
  invalidBatchEntryId: (): SqsError =>
    modeled(
      'InvalidBatchEntryId',
      `${LEGACY}InvalidBatchEntryId`,
      400,
      'A batch entry id can only contain alphanumeric characters, hyphens and underscores. ' +
        'It can be at most 80 letters long.',
    ),
  batchRequestTooLong: (limit: number, size: number): SqsError =>
    modeled(
      'BatchRequestTooLong',
      `${LEGACY}BatchRequestTooLong`,
      400,
      `Batch requests cannot be longer than ${limit} bytes. You have sent ${size} bytes.`,
    ),
  purgeQueueInProgress: (name: string): SqsError =>
    modeled(
      'PurgeQueueInProgress',
      `${LEGACY}PurgeQueueInProgress`,
      403,
      `Only one PurgeQueue operation on ${name} is allowed every 60 seconds.`,
    ),
  unsupportedOperation: (message: string): SqsError =>
    modeled('UnsupportedOperation', `${LEGACY}UnsupportedOperation`, 400, message),
  unknownOperation: (): SqsError =>
    new SqsError(`${CORAL}UnknownOperationException`, 'InvalidAction', 400, ''),
  serialization: (message: string): SqsError =>
    new SqsError(`${CORAL}SerializationException`, 'SerializationException', 400, message),
} as const;
