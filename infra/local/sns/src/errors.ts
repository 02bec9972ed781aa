/**
 * SNS errors as the AWS query protocol carries them: an HTTP status and an XML body
 * `<ErrorResponse><Error><Type>Sender</Type><Code>NotFound</Code><Message>...</Message></Error>`,
 * whose `Code` the SDKs turn into the exception name (`NotFoundException`, ...). The codes and
 * statuses are the `awsQueryError` traits of the service model in `@aws-sdk/client-sns`.
 */

/** An SNS error response. Thrown by the service and rendered by the HTTP server. */
export class SnsError extends Error {
  /** The query error code, e.g. `InvalidParameter`. */
  readonly code: string;
  /** The HTTP status code. */
  readonly status: number;
  /** True when the caller is at fault (`Sender`), false for `Receiver` faults. */
  readonly senderFault: boolean;

  /**
   * @example
   * ```ts
   * throw new SnsError('NotFound', 404, 'Topic does not exist');
   * ```
   */
  constructor(code: string, status: number, message: string, senderFault = true) {
    super(message);
    this.name = code;
    this.code = code;
    this.status = status;
    this.senderFault = senderFault;
  }
}

/**
 * The errors of the SNS API, with the service's messages.
 *
 * @example
 * ```ts
 * throw errors.invalidParameter('Invalid parameter: Empty message');
 * ```
 */
export const errors = {
  /** A parameter that is missing, malformed or not allowed here (`InvalidParameterException`). */
  invalidParameter: (message: string): SnsError => new SnsError('InvalidParameter', 400, message),
  /** A topic or subscription that does not exist (`NotFoundException`). */
  notFound: (message: string): SnsError => new SnsError('NotFound', 404, message),
  emptyBatch: (): SnsError =>
    new SnsError('EmptyBatchRequest', 400, 'The batch request does not contain any entries.'),
  tooManyEntries: (count: number): SnsError =>
    new SnsError(
      'TooManyEntriesInBatchRequest',
      400,
      `The batch request contains more entries than permissible: ${count} (at most 10).`,
    ),
  idsNotDistinct: (id: string): SnsError =>
    new SnsError(
      'BatchEntryIdsNotDistinct',
      400,
      `Two or more batch entries in the request have the same Id: ${id}.`,
    ),
  invalidBatchEntryId: (id: string): SnsError =>
    new SnsError(
      'InvalidBatchEntryId',
      400,
      `The Id of a batch entry in a batch request doesn't abide by the specification: ${JSON.stringify(id)}.`,
    ),
  batchTooLong: (bytes: number, max: number): SnsError =>
    new SnsError(
      'BatchRequestTooLong',
      400,
      `The length of all the messages put together is more than the limit: ${bytes} bytes (at most ${max}).`,
    ),
  /** A parameter the operation does not have, or an Action this endpoint does not serve. */
  invalidAction: (action: string): SnsError =>
    new SnsError('InvalidAction', 400, `The action ${action} is not valid for this endpoint.`),
  internal: (message: string): SnsError => new SnsError('InternalError', 500, message, false),
} as const;
