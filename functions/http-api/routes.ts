/**
 * The HTTP API's routes: for each, its schemas (path, query, body, response) and the one use case
 * it calls with the caller. Authorization is the use cases' (they ask the Authorizer port for every
 * namespace they touch). The router and the OpenAPI document are built from this table, so they
 * cannot disagree.
 */
import type { z } from 'zod';
import { z as zod } from 'zod';
import type { Deadline, Requested } from '../../shared/app/deps.ts';
import {
  applyWaypoint,
  changeCanary,
  deleteWaypoint,
  enroll,
  unenroll,
} from '../../shared/app/mutations.ts';
import {
  getClusterBindings,
  getNamespaceBindings,
  listClusters,
  listWaypoints,
  waypointStatus,
} from '../../shared/app/queries.ts';
import { type ReconcileNowDeps, reconcileNow } from '../../shared/app/reconcile-now.ts';
import {
  generateWaypoint,
  renderWaypointYaml,
  waypointManifest,
} from '../../shared/domain/generate.ts';
import type { CanaryTarget, LabelTarget } from '../../shared/domain/plan.ts';
import type { Caller } from '../../shared/ports.ts';
import * as api from '../../shared/schemas/api.ts';

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** What a route handler receives, parsed and checked. */
export interface RouteInput<P, Q, B> {
  readonly params: P;
  readonly query: Q;
  readonly body: B;
  /** The request's Accept header (for YAML or JSON). */
  readonly accept: string;
  /** Who is calling (on public routes called anonymously, one with an empty id). */
  readonly caller: Caller;
  /** When the request's work must stop (from the Lambda's remaining time). */
  readonly deadline?: Deadline;
}

/** The caller and the deadline of a route's input, as every use case takes them. */
function requested(input: RouteInput<unknown, unknown, unknown>): Requested {
  return {
    caller: input.caller,
    ...(input.deadline === undefined ? {} : { deadline: input.deadline }),
  };
}

/** What routes use: the use cases' ports, and the reconcile queue when the pipeline is deployed. */
export type RouteDeps = ReconcileNowDeps;

/** A response: JSON unless `contentType` says otherwise. */
export interface RouteResult {
  readonly status: number;
  readonly body: unknown;
  readonly contentType?: string;
}

// biome-ignore lint/suspicious/noExplicitAny: the table holds routes of every input type.
export interface Route<P = any, Q = any, B = any> {
  readonly method: Method;
  readonly path: string;
  readonly summary: string;
  readonly tag: string;
  /** Served without an authenticated caller (health checks). */
  readonly public?: boolean;
  readonly params?: z.ZodType<P>;
  readonly query?: z.ZodType<Q>;
  readonly body?: z.ZodType<B>;
  readonly response: z.ZodType;
  readonly run: (deps: RouteDeps, input: RouteInput<P, Q, B>) => Promise<RouteResult> | RouteResult;
}

const ok = (body: unknown): RouteResult => ({ status: 200, body });

function route<P, Q, B>(definition: Route<P, Q, B>): Route<P, Q, B> {
  return definition;
}

type NsParams = z.infer<typeof api.namespaceParams>;

/** The objects a route's path names, as the label targets of enrollment and canary routes. */
const namespaceOf = (i: { params: NsParams }) => ({
  kind: 'namespace' as const,
  namespace: i.params.namespace,
});
const serviceOf = (i: { params: NsParams }) => ({
  kind: 'service' as const,
  namespace: i.params.namespace,
  name: (i.params as z.infer<typeof api.serviceParams>).service,
});
const serviceEntryOf = (i: { params: NsParams }) => ({
  kind: 'serviceentry' as const,
  namespace: i.params.namespace,
  name: (i.params as z.infer<typeof api.serviceEntryParams>).serviceentry,
});

function enrollmentRoutes<P extends NsParams>(
  path: string,
  noun: string,
  params: z.ZodType<P>,
  target: (input: RouteInput<P, { selector?: string; dryRun?: boolean }, unknown>) => LabelTarget,
  query: z.ZodType<{ selector?: string; dryRun?: boolean }> = api.dryRunQuery,
): Route[] {
  return [
    route<P, { selector?: string; dryRun?: boolean }, z.infer<typeof api.enrollBody>>({
      method: 'PUT',
      path,
      tag: 'enrollment',
      summary: `Enroll ${noun}: set istio.io/use-waypoint (and istio.io/use-waypoint-namespace)`,
      params,
      query,
      body: api.enrollBody,
      response: api.mutationResult,
      run: async (deps, input) =>
        ok(
          await enroll(deps, {
            ...requested(input),
            cluster: input.params.cluster,
            target: target(input),
            waypoint: input.body.waypoint,
            ...(input.body.waypointNamespace === undefined
              ? {}
              : { waypointNamespace: input.body.waypointNamespace }),
            overwrite: input.body.overwrite === true,
            force: input.body.force === true,
            dryRun: input.body.dryRun === true || input.query.dryRun === true,
          }),
        ),
    }),
    route<P, { selector?: string; dryRun?: boolean }, undefined>({
      method: 'DELETE',
      path,
      tag: 'enrollment',
      summary: `Unenroll ${noun}: remove istio.io/use-waypoint and istio.io/use-waypoint-namespace`,
      params,
      query,
      response: api.mutationResult,
      run: async (deps, input) =>
        ok(
          await unenroll(deps, {
            ...requested(input),
            cluster: input.params.cluster,
            target: target(input),
            dryRun: input.query.dryRun === true,
          }),
        ),
    }),
  ] as Route[];
}

/** Set (PUT), drop (DELETE: roll back) and promote (POST .../promote) the canary of a target. */
function canaryRoutes<P extends NsParams>(
  path: string,
  noun: string,
  params: z.ZodType<P>,
  target: (input: RouteInput<P, unknown, unknown>) => CanaryTarget,
): Route[] {
  type Query = { dryRun?: boolean };
  const run = (
    deps: RouteDeps,
    input: RouteInput<P, Query, unknown>,
    op: 'promoteCanary' | 'rollbackCanary',
  ) =>
    changeCanary(deps, {
      ...requested(input),
      cluster: input.params.cluster,
      mutation: { op, target: target(input) },
      dryRun: input.query.dryRun === true,
    });
  return [
    route<P, Query, z.infer<typeof api.canaryBody>>({
      method: 'PUT',
      path,
      tag: 'enrollment',
      summary: `Set the canary waypoint of ${noun} (Istio 1.31+): istio.io/use-waypoint-canary, -namespace and the weight annotation`,
      params,
      query: api.dryRunQuery,
      body: api.canaryBody,
      response: api.mutationResult,
      run: async (deps, input) =>
        ok(
          await changeCanary(deps, {
            ...requested(input),
            cluster: input.params.cluster,
            mutation: {
              op: 'enrollCanary',
              target: target(input),
              canary: input.body.canary,
              ...(input.body.canaryNamespace === undefined
                ? {}
                : { canaryNamespace: input.body.canaryNamespace }),
              ...(input.body.weight === undefined ? {} : { weight: input.body.weight }),
            },
            overwrite: input.body.overwrite === true,
            dryRun: input.body.dryRun === true || input.query.dryRun === true,
          }),
        ),
    }),
    route<P, Query, undefined>({
      method: 'DELETE',
      path,
      tag: 'enrollment',
      summary: `Roll back the canary of ${noun}: remove its canary labels and weight; the waypoint stays`,
      params,
      query: api.dryRunQuery,
      response: api.mutationResult,
      run: async (deps, input) => ok(await run(deps, input, 'rollbackCanary')),
    }),
    route<P, Query, undefined>({
      method: 'POST',
      path: `${path}/promote`,
      tag: 'enrollment',
      summary: `Promote the canary of ${noun}: it becomes istio.io/use-waypoint; the canary labels and weight go`,
      params,
      query: api.dryRunQuery,
      response: api.mutationResult,
      run: async (deps, input) => ok(await run(deps, input, 'promoteCanary')),
    }),
  ] as Route[];
}

const NS = '/v1/clusters/{cluster}/namespaces/{namespace}';

/** Every route of the API, in the order of the documentation. */
export const ROUTES: readonly Route[] = [
  route({
    method: 'GET',
    path: '/healthz',
    tag: 'meta',
    public: true,
    summary: 'Liveness',
    response: zod.object({ status: zod.literal('ok') }),
    run: () => ok({ status: 'ok' }),
  }),
  route<unknown, unknown, z.infer<typeof api.generateBody>>({
    method: 'POST',
    path: '/v1/generate',
    tag: 'waypoints',
    summary:
      'The waypoint Gateway `istioctl waypoint generate` prints (YAML with Accept: application/yaml)',
    body: api.generateBody,
    response: zod.record(zod.string(), zod.unknown()),
    run: (_deps, input) => {
      const gateway = generateWaypoint(input.body ?? {});
      return input.accept.includes('yaml')
        ? { status: 200, body: renderWaypointYaml(gateway), contentType: 'application/yaml' }
        : ok(waypointManifest(gateway));
    },
  }),
  route({
    method: 'GET',
    path: '/v1/clusters',
    tag: 'clusters',
    summary: 'The clusters this deployment manages',
    response: zod.object({ items: zod.array(zod.object({ name: zod.string() })) }),
    run: (deps, input) => ok({ items: listClusters(deps, input) }),
  }),
  route<z.infer<typeof api.clusterParams>, z.infer<typeof api.waypointsQuery>, undefined>({
    method: 'GET',
    path: '/v1/clusters/{cluster}/waypoints',
    tag: 'waypoints',
    summary:
      'Waypoints of every waypoint class, with their effective traffic type and what is bound to them',
    params: api.clusterParams,
    query: api.waypointsQuery,
    response: zod.object({ items: zod.array(api.waypointSummary) }),
    run: async (deps, input) =>
      ok({
        items: await listWaypoints(deps, {
          caller: input.caller,
          cluster: input.params.cluster,
          ...(input.query.namespace === undefined ? {} : { namespace: input.query.namespace }),
        }),
      }),
  }),
  route<z.infer<typeof api.waypointParams>, z.infer<typeof api.statusQuery>, undefined>({
    method: 'GET',
    path: `${NS}/waypoints/{name}`,
    tag: 'waypoints',
    summary:
      "A waypoint's status (istioctl waypoint status) and what is bound to it; never blocks unless wait=true",
    params: api.waypointParams,
    query: api.statusQuery,
    response: api.waypointStatus,
    run: async (deps, input) =>
      ok(
        await waypointStatus(deps, {
          caller: input.caller,
          ...input.params,
          wait: input.query.wait === true,
          ...(input.query.timeoutSeconds === undefined
            ? {}
            : { timeoutSeconds: input.query.timeoutSeconds }),
        }),
      ),
  }),
  route<
    z.infer<typeof api.waypointParams>,
    z.infer<typeof api.dryRunQuery>,
    z.infer<typeof api.applyWaypointBody>
  >({
    method: 'PUT',
    path: `${NS}/waypoints/{name}`,
    tag: 'waypoints',
    summary:
      'Apply a waypoint (istioctl waypoint apply): server-side apply, optional wait and namespace enrollment',
    params: api.waypointParams,
    query: api.dryRunQuery,
    body: api.applyWaypointBody,
    response: api.mutationResult,
    run: async (deps, input) =>
      ok(
        await applyWaypoint(deps, {
          ...requested(input),
          ...input.params,
          ...input.body,
          dryRun: input.body.dryRun === true || input.query.dryRun === true,
        }),
      ),
  }),
  route<z.infer<typeof api.waypointParams>, z.infer<typeof api.deleteWaypointQuery>, undefined>({
    method: 'DELETE',
    path: `${NS}/waypoints/{name}`,
    tag: 'waypoints',
    summary:
      'Delete a waypoint; refused (409) while objects use it, unless unenroll=true or force=true',
    params: api.waypointParams,
    query: api.deleteWaypointQuery,
    response: api.mutationResult,
    run: async (deps, input) =>
      ok(await deleteWaypoint(deps, { ...requested(input), ...input.params, ...input.query })),
  }),
  ...canaryRoutes(`${NS}/canary`, 'a namespace', api.namespaceParams, namespaceOf),
  ...canaryRoutes(`${NS}/services/{service}/canary`, 'a Service', api.serviceParams, serviceOf),
  ...canaryRoutes(
    `${NS}/serviceentries/{serviceentry}/canary`,
    'a ServiceEntry',
    api.serviceEntryParams,
    serviceEntryOf,
  ),
  ...enrollmentRoutes(`${NS}/enrollment`, 'a namespace', api.namespaceParams, namespaceOf),
  ...enrollmentRoutes(
    `${NS}/services/{service}/enrollment`,
    'a Service',
    api.serviceParams,
    serviceOf,
  ),
  ...enrollmentRoutes(
    `${NS}/serviceentries/{serviceentry}/enrollment`,
    'a ServiceEntry',
    api.serviceEntryParams,
    serviceEntryOf,
  ),
  ...enrollmentRoutes(
    `${NS}/workloadentries/{workloadentry}/enrollment`,
    'a WorkloadEntry',
    api.workloadEntryParams,
    (i) => ({
      kind: 'workloadentry',
      namespace: i.params.namespace,
      name: (i.params as z.infer<typeof api.workloadEntryParams>).workloadentry,
    }),
  ),
  ...enrollmentRoutes(`${NS}/pods/{pod}/enrollment`, 'a Pod', api.podParams, (i) => ({
    kind: 'pods',
    namespace: i.params.namespace,
    names: [(i.params as z.infer<typeof api.podParams>).pod],
  })),
  ...enrollmentRoutes(
    `${NS}/pods/enrollment`,
    'the Pods a label selector matches',
    api.namespaceParams,
    (i) => ({ kind: 'pods', namespace: i.params.namespace, selector: i.query.selector as string }),
    api.podSelectorQuery,
  ),
  route<NsParams, unknown, undefined>({
    method: 'GET',
    path: `${NS}/bindings`,
    tag: 'bindings',
    summary:
      "A namespace's bindings: every Service, the namespace default for pods, and each pod with its own label",
    params: api.namespaceParams,
    response: api.bindingsPage,
    run: async (deps, input) =>
      ok(await getNamespaceBindings(deps, { caller: input.caller, ...input.params })),
  }),
  route<z.infer<typeof api.clusterParams>, z.infer<typeof api.bindingsQuery>, undefined>({
    method: 'GET',
    path: '/v1/clusters/{cluster}/bindings',
    tag: 'bindings',
    summary: "A cluster's bindings, a page of namespaces at a time (limit, cursor)",
    params: api.clusterParams,
    query: api.bindingsQuery,
    response: api.bindingsPage,
    run: async (deps, input) =>
      ok(
        await getClusterBindings(deps, {
          caller: input.caller,
          cluster: input.params.cluster,
          ...input.query,
        }),
      ),
  }),
  route<NsParams, unknown, undefined>({
    method: 'POST',
    path: `${NS}/reconcile`,
    tag: 'bindings',
    summary:
      "Recompute a namespace's bindings now (and publish their changes, where the event pipeline is deployed)",
    params: api.namespaceParams,
    response: api.bindingsPage,
    run: async (deps, input) =>
      ok(await reconcileNow(deps, { caller: input.caller, ...input.params })),
  }),
] as Route[];
