/**
 * Errors as RFC 9457 `application/problem+json`: waypointer's error family mapped to HTTP status
 * codes, with the fields at fault in `errors`. 5xx answers never show internals.
 */
import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import { ZodError } from 'zod';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  TimeoutError,
  UnauthorizedError,
  UnavailableError,
  ValidationError,
  WaypointerError,
} from '../../shared/domain/errors.ts';

export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly errors?: readonly { path: string; message: string }[];
  readonly [extension: string]: unknown;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** A request the caller got wrong before any use case ran (shape, JSON, authentication). */
export class RequestError extends WaypointerError {
  override name = 'RequestError';
  readonly status: number;
  readonly problems: readonly { path: string; message: string }[];

  constructor(
    status: number,
    message: string,
    problems: readonly { path: string; message: string }[] = [],
  ) {
    super(message);
    this.status = status;
    this.problems = problems;
  }
}

/** zod issues as problems, their paths under `prefix` (`body`, `query`, `path`). */
export function fromZod(error: ZodError, prefix: string): RequestError {
  const problems = error.issues.map((issue) => {
    const path = [prefix, ...issue.path.map(String)].join('.');
    const message =
      issue.code === 'unrecognized_keys'
        ? `unknown field(s): ${issue.keys.join(', ')}`
        : issue.message;
    return { path, message };
  });
  const first = problems[0];
  return new RequestError(
    400,
    first === undefined ? `invalid ${prefix}` : `${first.path}: ${first.message}`,
    problems,
  );
}

function statusOf(error: unknown): number {
  if (error instanceof RequestError) return error.status;
  if (error instanceof ValidationError) return 422;
  if (error instanceof NotFoundError) return 404;
  if (error instanceof ConflictError) return 409;
  if (error instanceof ForbiddenError) return 403;
  // The cluster refused waypointer's own credentials: a server-side problem.
  if (error instanceof UnauthorizedError) return 502;
  if (error instanceof UnavailableError) return 503;
  if (error instanceof TimeoutError) return 504;
  const status = (error as { statusCode?: unknown }).statusCode;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : 500;
}

/** The problem document of an error, and whether it is the server's fault (to log it). */
export function toProblem(
  error: unknown,
  instance?: string,
): { problem: Problem; serverError: boolean } {
  const status = statusOf(error);
  const serverError = status >= 500 && status !== 503 && status !== 504 && status !== 502;
  const detail = serverError
    ? 'an internal error occurred; it has been logged'
    : error instanceof Error
      ? error.message
      : String(error);
  const errors =
    error instanceof RequestError || error instanceof ValidationError
      ? error.problems
      : error instanceof ZodError
        ? fromZod(error, 'input').problems
        : undefined;
  const details = error instanceof WaypointerError && !serverError ? error.details : undefined;
  return {
    problem: {
      type: 'about:blank',
      title: TITLES[status] ?? 'Error',
      status,
      detail,
      ...(instance === undefined ? {} : { instance }),
      ...(errors === undefined || errors.length === 0 ? {} : { errors }),
      ...(details ?? {}),
    },
    serverError,
  };
}

export function problemResponse(problem: Problem): APIGatewayProxyResultV2 {
  return {
    statusCode: problem.status,
    headers: { 'content-type': 'application/problem+json' },
    body: JSON.stringify(problem),
  };
}
