/**
 * The use cases of a deployed waypointer, over its REST API (`/v1`, see functions/http-api/routes.ts
 * and the README's route table), with requests signed with AWS SigV4 for API Gateway's IAM
 * authorization (service `execute-api`). The command line's `--api URL` runs every command through
 * it, so a deployment answers exactly what a cluster connection would.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import type { CanaryInput } from '../../app/mutations.ts';
import type { CommandUseCases } from '../../app/run-command.ts';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  TimeoutError,
  UnauthorizedError,
  UnavailableError,
  ValidationError,
  WaypointerError,
} from '../../domain/errors.ts';
import type { LabelTarget, Mutation } from '../../domain/plan.ts';
import type { Caller } from '../../ports.ts';

/** How to reach and sign for a deployed API. */
export interface ApiOptions {
  /** The API's base URL (`https://abc123.execute-api.eu-west-1.amazonaws.com`). */
  readonly url: string;
  /** Where signing credentials come from (the Node provider chain at the composition root). */
  readonly credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** The region to sign for; read from an `execute-api` URL when not given. */
  readonly region?: string;
  /** The HTTP client (the global fetch by default). */
  readonly fetch?: typeof fetch;
}

/**
 * The region of an API Gateway URL (`<id>.execute-api.<region>.amazonaws.com`), else `fallback`.
 *
 * @example
 * regionOf('https://a1.execute-api.eu-west-1.amazonaws.com/', undefined); // 'eu-west-1'
 */
export function regionOf(url: string, fallback: string | undefined): string | undefined {
  return /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com/.exec(new URL(url).hostname)?.[1] ?? fallback;
}

const ERRORS: Readonly<Record<number, new (message: string) => WaypointerError>> = {
  400: ValidationError,
  401: UnauthorizedError,
  403: ForbiddenError,
  404: NotFoundError,
  409: ConflictError,
  422: ValidationError,
  503: UnavailableError,
  504: TimeoutError,
};

type Query = Readonly<Record<string, string | number | boolean | undefined>>;

const enc = encodeURIComponent;

/** A client of the REST API that signs every request. */
export class ApiClient {
  readonly #base: URL;
  readonly #signer: SignatureV4;
  readonly #fetch: typeof fetch;

  constructor(options: ApiOptions) {
    this.#base = new URL(options.url);
    const region = regionOf(options.url, options.region);
    if (region === undefined)
      throw new ValidationError(
        `cannot tell the AWS region of ${options.url}: set AWS_REGION to sign requests for it`,
      );
    this.#signer = new SignatureV4({
      service: 'execute-api',
      region,
      credentials: options.credentials,
      sha256: Sha256,
    });
    this.#fetch = options.fetch ?? fetch;
  }

  /** Sends a signed request; answers the JSON body, or throws the error class of the status. */
  async call(method: string, path: string, query: Query = {}, body?: unknown): Promise<unknown> {
    const url = new URL(this.#base.pathname.replace(/\/$/, '') + path, this.#base);
    const params: Record<string, string> = {};
    for (const [key, value] of Object.entries(query))
      if (value !== undefined) params[key] = String(value);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const signed = await this.#signer.sign(
      new HttpRequest({
        method,
        protocol: url.protocol,
        hostname: url.hostname,
        ...(url.port === '' ? {} : { port: Number(url.port) }),
        path: url.pathname,
        query: params,
        headers: {
          host: url.host,
          accept: 'application/json',
          ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(payload === undefined ? {} : { body: payload }),
      }),
    );
    const search = new URLSearchParams(params).toString();
    let response: Response;
    try {
      response = await this.#fetch(
        `${url.origin}${url.pathname}${search === '' ? '' : `?${search}`}`,
        {
          method,
          headers: signed.headers,
          ...(payload === undefined ? {} : { body: payload }),
        },
      );
    } catch (error) {
      throw new UnavailableError(`cannot reach ${url.origin}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    const text = await response.text();
    let json: unknown;
    try {
      json = text === '' ? null : JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (response.ok) return json;
    const detail = (json as { detail?: unknown } | undefined)?.detail;
    const message =
      typeof detail === 'string' ? detail : `${method} ${url.pathname}: HTTP ${response.status}`;
    const ErrorClass = ERRORS[response.status] ?? WaypointerError;
    throw new ErrorClass(message);
  }
}

function ns(cluster: string, namespace: string): string {
  return `/v1/clusters/${enc(cluster)}/namespaces/${enc(namespace)}`;
}

/** The enrollment route of a target, and its query (pods by selector). */
function enrollment(cluster: string, target: LabelTarget): { path: string; query: Query }[] {
  const base = ns(cluster, target.namespace);
  if (target.kind === 'namespace') return [{ path: `${base}/enrollment`, query: {} }];
  if (target.kind === 'service')
    return [{ path: `${base}/services/${enc(target.name)}/enrollment`, query: {} }];
  if (target.kind === 'serviceentry')
    return [{ path: `${base}/serviceentries/${enc(target.name)}/enrollment`, query: {} }];
  if (target.kind === 'workloadentry')
    return [{ path: `${base}/workloadentries/${enc(target.name)}/enrollment`, query: {} }];
  if ('selector' in target)
    return [{ path: `${base}/pods/enrollment`, query: { selector: target.selector } }];
  return target.names.map((pod) => ({ path: `${base}/pods/${enc(pod)}/enrollment`, query: {} }));
}

/** Several answers of one label change (one per pod named), as one. */
function merged(results: unknown[]): never {
  const all = results as {
    dryRun: boolean;
    done: string[];
    warnings: string[];
    plan: unknown[];
    changes?: unknown[];
  }[];
  return {
    dryRun: all[0]?.dryRun ?? false,
    done: all.flatMap((r) => r.done),
    warnings: all.flatMap((r) => r.warnings),
    plan: all.flatMap((r) => r.plan),
    ...(all.every((r) => r.changes !== undefined)
      ? { changes: all.flatMap((r) => r.changes ?? []) }
      : {}),
  } as never;
}

function seconds(timeout: number | undefined): number | undefined {
  return timeout === undefined ? undefined : Math.min(900, Math.max(1, Math.ceil(timeout)));
}

/**
 * The command use cases over a deployed API. `plan` previews one mutation (the API's `dryRun`);
 * `explain` needs a cluster connection (the API has no route for it).
 */
/** A mutation of a plan as the dry run of its use case (the API previews one at a time). */
function dryRunOf(
  useCases: CommandUseCases,
  m: Mutation,
  request: { readonly cluster: string; readonly caller: Caller },
): Promise<unknown> {
  const base = { cluster: request.cluster, caller: request.caller, dryRun: true };
  switch (m.op) {
    case 'applyWaypoint':
      return useCases.applyWaypoint({ ...base, ...m });
    case 'deleteWaypoint':
      return useCases.deleteWaypoint({ ...base, ...m });
    case 'enroll':
      return useCases.enroll({ ...base, ...m });
    case 'unenroll':
      return useCases.unenroll({ ...base, ...m });
    case 'enrollCanary':
    case 'promoteCanary':
    case 'rollbackCanary':
      return useCases.changeCanary({ ...base, mutation: m });
  }
}

/** The canary route of a target and the call a canary mutation makes to it. */
function canaryCall(
  cluster: string,
  mutation: CanaryInput['mutation'],
): [method: 'PUT' | 'DELETE' | 'POST', path: string] {
  const t = mutation.target;
  const plural = t.kind === 'serviceentry' ? 'serviceentries' : 'services';
  const base =
    t.kind === 'namespace'
      ? `${ns(cluster, t.namespace)}/canary`
      : `${ns(cluster, t.namespace)}/${plural}/${enc(t.name)}/canary`;
  if (mutation.op === 'enrollCanary') return ['PUT', base];
  if (mutation.op === 'rollbackCanary') return ['DELETE', base];
  return ['POST', `${base}/promote`];
}

export function apiUseCases(client: ApiClient): CommandUseCases {
  const useCases: CommandUseCases = {
    applyWaypoint: async (i) =>
      (await client.call(
        'PUT',
        `${ns(i.cluster, i.namespace)}/waypoints/${enc(i.name ?? 'waypoint')}`,
        {},
        {
          ...(i.for === undefined ? {} : { for: i.for }),
          ...(i.revision === undefined ? {} : { revision: i.revision }),
          enrollNamespace: i.enrollNamespace === true,
          overwrite: i.overwrite === true,
          wait: i.wait === true,
          ...(i.wait === true && i.timeoutSeconds !== undefined
            ? { timeoutSeconds: seconds(i.timeoutSeconds) }
            : {}),
          dryRun: i.dryRun === true,
        },
      )) as never,
    deleteWaypoint: async (i) =>
      (await client.call('DELETE', `${ns(i.cluster, i.namespace)}/waypoints/${enc(i.name)}`, {
        unenroll: i.unenroll === true,
        force: i.force === true,
        dryRun: i.dryRun === true,
      })) as never,
    enroll: async (i) =>
      merged(
        await Promise.all(
          enrollment(i.cluster, i.target).map((r) =>
            client.call('PUT', r.path, r.query, {
              waypoint: i.waypoint,
              ...(i.waypointNamespace === undefined
                ? {}
                : { waypointNamespace: i.waypointNamespace }),
              overwrite: i.overwrite === true,
              force: i.force === true,
              dryRun: i.dryRun === true,
            }),
          ),
        ),
      ),
    unenroll: async (i) =>
      merged(
        await Promise.all(
          enrollment(i.cluster, i.target).map((r) =>
            client.call('DELETE', r.path, { ...r.query, dryRun: i.dryRun === true }),
          ),
        ),
      ),
    changeCanary: async (i) => {
      const [method, path] = canaryCall(i.cluster, i.mutation);
      const m = i.mutation;
      const body =
        m.op === 'enrollCanary'
          ? {
              canary: m.canary,
              ...(m.canaryNamespace === undefined ? {} : { canaryNamespace: m.canaryNamespace }),
              ...(m.weight === undefined ? {} : { weight: m.weight }),
              overwrite: i.overwrite === true,
            }
          : undefined;
      const query = { dryRun: i.dryRun === true ? true : undefined };
      return (await client.call(method, path, query, body)) as never;
    },
    listWaypoints: async (i) =>
      (
        (await client.call('GET', `/v1/clusters/${enc(i.cluster)}/waypoints`, {
          namespace: i.namespace,
        })) as { items: never }
      ).items,
    waypointStatus: async (i) =>
      (await client.call('GET', `${ns(i.cluster, i.namespace)}/waypoints/${enc(i.name)}`, {
        wait: i.wait === true ? true : undefined,
        timeoutSeconds: i.wait === true ? seconds(i.timeoutSeconds) : undefined,
      })) as never,
    getNamespaceBindings: async (i) =>
      (await client.call('GET', `${ns(i.cluster, i.namespace)}/bindings`)) as never,
    getClusterBindings: async (i) =>
      (await client.call('GET', `/v1/clusters/${enc(i.cluster)}/bindings`, {
        limit: i.limit,
        cursor: i.cursor,
      })) as never,
    previewPlan: async (i) => {
      const [only, ...more] = i.mutations;
      if (only === undefined || more.length > 0)
        throw new ValidationError(
          'over --api, plan previews one mutation (the API has no sequence preview): use --kubeconfig to preview several',
        );
      const result = (await dryRunOf(useCases, only, i)) as { warnings: string[]; plan: never[] };
      return [{ mutation: only, warnings: result.warnings, skipped: false, changes: result.plan }];
    },
    explainBinding: async () => {
      throw new ValidationError(
        'explain reads the cluster itself: use --kubeconfig (the API has no explain route)',
      );
    },
  };
  return useCases;
}

/** The clusters a deployment manages (`GET /v1/clusters`). */
export async function apiClusters(client: ApiClient): Promise<string[]> {
  const clusters = (await client.call('GET', '/v1/clusters')) as { items: { name: string }[] };
  return clusters.items.map((c) => c.name);
}
