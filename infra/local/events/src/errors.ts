/**
 * EventBridge errors as the AWS JSON 1.1 protocol carries them: an HTTP status and a body
 * `{"__type": "<error name>", "message": "..."}`, from which the SDKs name the exception. Request
 * errors only: a PutEvents entry that fails is not an error response but a result entry with
 * `ErrorCode` and `ErrorMessage` (see {@link entryFailures}).
 */

/** An EventBridge error response. Thrown by the service and rendered by the HTTP server. */
export class EventsError extends Error {
  /** The `__type` of the JSON error body, e.g. `ValidationException`. */
  readonly type: string;
  /** The HTTP status code. */
  readonly status: number;

  /**
   * @example
   * ```ts
   * throw new EventsError('ResourceNotFoundException', 400, 'Rule r does not exist.');
   * ```
   */
  constructor(type: string, status: number, message: string) {
    super(message);
    this.name = type;
    this.type = type;
    this.status = status;
  }
}

/** The message of a coral (service framework) constraint violation on one request member. */
function constraint(member: string, value: string, reason: string): string {
  return `1 validation error detected: Value ${value} at '${member}' failed to satisfy constraint: ${reason}`;
}

/**
 * The request errors of the EventBridge API, with the service's messages.
 *
 * @example
 * ```ts
 * throw errors.requestTooLarge();
 * // 400 ValidationException: Total size of the entries in the request is over the limit.
 * ```
 */
export const errors = {
  /** A member that must be present is absent. */
  missing: (member: string): EventsError =>
    new EventsError(
      'ValidationException',
      400,
      constraint(member, 'null', 'Member must not be null'),
    ),
  /** A list shorter or longer than the model allows. */
  length: (member: string, value: string, min: number, max: number, actual: number): EventsError =>
    new EventsError(
      'ValidationException',
      400,
      constraint(
        member,
        `'${value}'`,
        actual < min
          ? `Member must have length greater than or equal to ${min}`
          : `Member must have length less than or equal to ${max}`,
      ),
    ),
  requestTooLarge: (): EventsError =>
    new EventsError(
      'ValidationException',
      400,
      'Total size of the entries in the request is over the limit.',
    ),
  resourceNotFound: (message: string): EventsError =>
    new EventsError('ResourceNotFoundException', 400, message),
  invalidEventPattern: (reason: string): EventsError =>
    new EventsError(
      'InvalidEventPatternException',
      400,
      `Event pattern is not valid. Reason: ${reason}`,
    ),
  /** A member of the wrong JSON type, or a body that is not JSON. */
  serialization: (message: string): EventsError =>
    new EventsError('SerializationException', 400, message),
  unknownOperation: (): EventsError => new EventsError('UnknownOperationException', 400, ''),
  internal: (message: string): EventsError => new EventsError('InternalException', 500, message),
} as const;

/** A PutEvents result entry for an entry that failed (the request itself succeeds). */
export interface EntryFailure {
  readonly ErrorCode: string;
  readonly ErrorMessage: string;
}

/**
 * The per-entry failures of PutEvents, with the codes and messages the service returns.
 *
 * @example
 * ```ts
 * entryFailures.required('Source');
 * // { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter Source is not valid. Reason: Source is a required argument.' }
 * ```
 */
export const entryFailures = {
  required: (parameter: 'Source' | 'DetailType' | 'Detail'): EntryFailure => ({
    ErrorCode: 'InvalidArgument',
    ErrorMessage: `Parameter ${parameter} is not valid. Reason: ${parameter} is a required argument.`,
  }),
  malformedDetail: (): EntryFailure => ({
    ErrorCode: 'MalformedDetail',
    ErrorMessage: 'Detail is malformed.',
  }),
} as const;
