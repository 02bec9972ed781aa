/**
 * `metav1.Status` failures with the real API server's reasons and messages
 * (k8s.io/apimachinery/pkg/api/errors/errors.go).
 */
import { qualifiedResource, type ResourceType } from './resources.ts';

export interface StatusCause {
  readonly reason?: string;
  readonly message: string;
  readonly field?: string;
  readonly type?: string;
}

/** A request that fails with a `metav1.Status` body. */
export class ApiError extends Error {
  override name = 'ApiError';
  readonly code: number;
  readonly reason: string;
  readonly details: Record<string, unknown> | undefined;
  readonly headers: Record<string, string>;
  /** The Status's ListMeta (`continue` of an expired list). */
  readonly listMeta: Record<string, string>;

  constructor(
    code: number,
    reason: string,
    message: string,
    details?: Record<string, unknown>,
    headers: Record<string, string> = {},
    listMeta: Record<string, string> = {},
  ) {
    super(message);
    this.code = code;
    this.reason = reason;
    this.details = details;
    this.headers = headers;
    this.listMeta = listMeta;
  }

  /** The response body. */
  toStatus(): object {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: { ...this.listMeta },
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      ...(this.details === undefined ? {} : { details: this.details }),
      code: this.code,
    };
  }
}

function details(
  type: ResourceType,
  name: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return { name, ...(type.group === '' ? {} : { group: type.group }), kind: type.plural, ...extra };
}

/** `NewNotFound`: `pods "x" not found`. */
export function notFound(type: ResourceType, name: string): ApiError {
  return new ApiError(
    404,
    'NotFound',
    `${qualifiedResource(type)} "${name}" not found`,
    details(type, name),
  );
}

/** `NewAlreadyExists`: `pods "x" already exists`. */
export function alreadyExists(type: ResourceType, name: string): ApiError {
  return new ApiError(
    409,
    'AlreadyExists',
    `${qualifiedResource(type)} "${name}" already exists`,
    details(type, name),
  );
}

/** `NewConflict` for a stale `resourceVersion`. */
export function conflict(type: ResourceType, name: string, why: string): ApiError {
  return new ApiError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualifiedResource(type)} "${name}": ${why}`,
    details(type, name),
  );
}

export const STALE =
  'the object has been modified; please apply your changes to the latest version and try again';

/** `NewInvalid`: `Pod "x" is invalid: <field errors>` (one error bare, several in brackets). */
export function invalid(
  type: ResourceType,
  name: string,
  causes: readonly StatusCause[],
): ApiError {
  const messages = causes.map((c) =>
    c.field === undefined ? c.message : `${c.field}: ${c.message}`,
  );
  const summary = messages.length === 1 ? messages[0] : `[${messages.join(', ')}]`;
  return new ApiError(
    422,
    'Invalid',
    `${type.kind}${type.group === '' ? '' : `.${type.group}`} "${name}" is invalid: ${summary}`,
    { name, ...(type.group === '' ? {} : { group: type.group }), kind: type.kind, causes },
  );
}

/** `NewBadRequest`. */
export function badRequest(message: string): ApiError {
  return new ApiError(400, 'BadRequest', message);
}

/** `NewMethodNotSupported` and 404 for unknown paths. */
export function pathNotFound(): ApiError {
  return new ApiError(404, 'NotFound', 'the server could not find the requested resource', {});
}

/** `negotiation.NewUnsupportedMediaTypeError`: a Status without details. */
export function unsupportedMediaType(accepted: readonly string[]): ApiError {
  return new ApiError(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
  );
}

export function unauthorized(): ApiError {
  return new ApiError(401, 'Unauthorized', 'Unauthorized');
}

/** `NewForbidden` as the authorizer reports it. */
export function forbidden(
  user: string,
  verb: string,
  type: ResourceType,
  name: string,
  namespace: string | undefined,
): ApiError {
  const subject = name === '' ? qualifiedResource(type) : `${qualifiedResource(type)} "${name}"`;
  const scope =
    namespace === undefined ? 'at the cluster scope' : `in the namespace "${namespace}"`;
  return new ApiError(
    403,
    'Forbidden',
    `${subject} is forbidden: User "${user}" cannot ${verb} resource "${type.plural}" in API group "${type.group}" ${scope}`,
    details(type, name),
  );
}

export function tooManyRequests(retryAfterSeconds: number): ApiError {
  return new ApiError(
    429,
    'TooManyRequests',
    'the server has received too many requests and has asked us to try again later',
    { retryAfterSeconds },
    { 'retry-after': String(retryAfterSeconds) },
  );
}

export function internalError(message: string): ApiError {
  return new ApiError(500, 'InternalError', `Internal error occurred: ${message}`, {
    causes: [{ message }],
  });
}

/** `NewResourceExpired` (410 Expired), with the ListMeta an expired list carries. */
export function gone(message: string, listMeta: Record<string, string> = {}): ApiError {
  return new ApiError(410, 'Expired', message, undefined, {}, listMeta);
}

/**
 * A resourceVersion that is no unsigned integer: the storage layer's InvalidError
 * (`APIObjectVersioner.ParseResourceVersion`), which the API server answers with 422 Invalid and
 * no details (`responsewriters.convertStorageErrorOrNot`).
 */
export function invalidResourceVersion(resourceVersion: string): ApiError {
  const why = /^\d+$/.test(resourceVersion) ? 'value out of range' : 'invalid syntax';
  return new ApiError(
    422,
    'Invalid',
    `resourceVersion: Invalid value: ${JSON.stringify(resourceVersion)}: strconv.ParseUint: parsing ${JSON.stringify(resourceVersion)}: ${why}`,
  );
}
