/**
 * The one error family of waypointer. Each error says what is wrong in words a user can act on;
 * the edges (CLI, HTTP, Slack) map the class to an exit code, a status code or a reply.
 */
/** Base class: every error waypointer raises on purpose. */
export declare class WaypointerError extends Error {
  name: string;
  /** Facts a client can act on (the objects in the way, the allowed values...), shown as they are. */
  readonly details: Readonly<Record<string, unknown>> | undefined;
  constructor(
    message: string,
    options?: ErrorOptions & {
      details?: Record<string, unknown>;
    },
  );
}
/** One problem with one input field. `path` is dotted (`metadata.labels`, `waypoint`, `--for`). */
export interface FieldProblem {
  readonly path: string;
  readonly message: string;
}
/** The input is malformed or violates a rule: HTTP 400/422, CLI exit 1. */
export declare class ValidationError extends WaypointerError {
  name: string;
  readonly problems: readonly FieldProblem[];
  constructor(
    message: string,
    problems?: readonly FieldProblem[],
    options?: ErrorOptions & {
      details?: Record<string, unknown>;
    },
  );
}
/** Something the request names does not exist: HTTP 404. */
export declare class NotFoundError extends WaypointerError {
  name: string;
}
/** The request conflicts with the current state (dependents, a concurrent change): HTTP 409. */
export declare class ConflictError extends WaypointerError {
  name: string;
}
/** The caller is not allowed to do this (Kubernetes 403, a policy refusal): HTTP 403. */
export declare class ForbiddenError extends WaypointerError {
  name: string;
}
/** The cluster did not accept the credentials (Kubernetes 401). */
export declare class UnauthorizedError extends WaypointerError {
  name: string;
}
/** The cluster could not be reached or kept failing (5xx, 429, timeouts) after retries: HTTP 503. */
export declare class UnavailableError extends WaypointerError {
  name: string;
}
/** Waiting for something (a waypoint to be Programmed) took longer than allowed: HTTP 504. */
export declare class TimeoutError extends WaypointerError {
  name: string;
}
