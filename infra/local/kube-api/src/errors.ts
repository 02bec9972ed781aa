/**
 * The embedded API server's own errors. A request that fails with a `metav1.Status` body is an
 * {@link ApiError} (status.ts); these are the errors of the server-side apply engine, which
 * api.ts turns into the status the real API server answers with.
 */

/** One `metav1.StatusCause` of an apply conflict. */
export interface ConflictCause {
  readonly type: 'FieldManagerConflict';
  readonly message: string;
  readonly field: string;
}

/** An apply that would change fields other managers own: 409 `Conflict`, as the API server. */
export class ApplyConflictError extends Error {
  override name = 'ApplyConflictError';
  readonly status = 409;
  readonly reason = 'Conflict';
  readonly causes: readonly ConflictCause[];

  constructor(message: string, causes: readonly ConflictCause[]) {
    super(message);
    this.causes = causes;
  }
}

/**
 * An object the apply engine cannot type (an associative list item without its key, managed
 * fields in an applied configuration): the real API server answers 500 for these.
 */
export class InvalidApplyError extends Error {
  override name = 'InvalidApplyError';
}
