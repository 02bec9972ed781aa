/**
 * The one error family of waypointer. Each error says what is wrong in words a user can act on;
 * the edges (CLI, HTTP, Slack) map the class to an exit code, a status code or a reply.
 */

/** Base class: every error waypointer raises on purpose. */
export class WaypointerError extends Error {
  override name = 'WaypointerError';
  /** Facts a client can act on (the objects in the way, the allowed values...), shown as they are. */
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(message: string, options?: ErrorOptions & { details?: Record<string, unknown> }) {
    super(message, options);
    this.details = options?.details;
  }
}

/** One problem with one input field. `path` is dotted (`metadata.labels`, `waypoint`, `--for`). */
export interface FieldProblem {
  readonly path: string;
  readonly message: string;
}

/** The input is malformed or violates a rule: HTTP 400/422, CLI exit 1. */
export class ValidationError extends WaypointerError {
  override name = 'ValidationError';
  readonly problems: readonly FieldProblem[];

  constructor(
    message: string,
    problems: readonly FieldProblem[] = [],
    options?: ErrorOptions & { details?: Record<string, unknown> },
  ) {
    super(message, options);
    this.problems = problems;
  }
}

/** Something the request names does not exist: HTTP 404. */
export class NotFoundError extends WaypointerError {
  override name = 'NotFoundError';
}

/** The request conflicts with the current state (dependents, a concurrent change): HTTP 409. */
export class ConflictError extends WaypointerError {
  override name = 'ConflictError';
}

/** The caller is not allowed to do this (Kubernetes 403, a policy refusal): HTTP 403. */
export class ForbiddenError extends WaypointerError {
  override name = 'ForbiddenError';
}

/** The cluster did not accept the credentials (Kubernetes 401). */
export class UnauthorizedError extends WaypointerError {
  override name = 'UnauthorizedError';
}

/** The cluster could not be reached or kept failing (5xx, 429, timeouts) after retries: HTTP 503. */
export class UnavailableError extends WaypointerError {
  override name = 'UnavailableError';
}

/** Waiting for something (a waypoint to be Programmed) took longer than allowed: HTTP 504. */
export class TimeoutError extends WaypointerError {
  override name = 'TimeoutError';
}
