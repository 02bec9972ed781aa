/**
 * fast-check arbitraries: small clusters that exercise every binding rule (labels drawn from the
 * values that matter), and mutations over them.
 */
import fc from 'fast-check';
import type { ClusterSnapshot, Gateway, Listener } from '../../shared/domain/model.ts';
import type { LabelTarget, Mutation } from '../../shared/domain/plan.ts';
import { gatewayClass, namespace, pod, service } from './builders.ts';

export const NAMESPACES = ['a', 'b', 'c'] as const;
const WAYPOINT_NAMES = ['w1', 'w2', 'none'] as const;

const optional = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> =>
  fc.option(arb, { nil: undefined, freq: 2 });

/** Labels an object may carry that the rules read. */
const bindingLabels = fc
  .record({
    use: optional(fc.constantFrom('w1', 'w2', 'none', '', 'missing')),
    useNs: optional(fc.constantFrom(...NAMESPACES)),
    gatewayName: optional(fc.constantFrom('w1', 'w2')),
    team: optional(fc.constantFrom('x', 'y')),
  })
  .map(({ use, useNs, gatewayName, team }) => {
    const labels: Record<string, string> = {};
    if (use !== undefined) labels['istio.io/use-waypoint'] = use;
    if (useNs !== undefined) labels['istio.io/use-waypoint-namespace'] = useNs;
    if (gatewayName !== undefined) labels['gateway.networking.k8s.io/gateway-name'] = gatewayName;
    if (team !== undefined) labels.team = team;
    return labels;
  });

const listener: fc.Arbitrary<Listener> = fc
  .constantFrom<Listener['allowedRoutes']>(
    undefined,
    { namespaces: { from: 'Same' } },
    { namespaces: { from: 'All' } },
    { namespaces: { from: 'Selector', selector: { matchLabels: { team: 'x' } } } },
    { namespaces: { from: 'Selector', selector: null } },
  )
  .map((allowedRoutes) => ({
    name: 'mesh',
    port: 15008,
    protocol: 'HBONE',
    ...(allowedRoutes === undefined ? {} : { allowedRoutes }),
  }));

const gatewayArb: fc.Arbitrary<Gateway> = fc
  .record({
    ns: fc.constantFrom(...NAMESPACES),
    name: fc.constantFrom(...WAYPOINT_NAMES),
    ready: fc.boolean(),
    trafficType: optional(fc.constantFrom('service', 'workload', 'all', 'none')),
    listener,
  })
  .map(({ ns, name, ready, trafficType, listener: l }) => ({
    metadata: {
      name,
      namespace: ns,
      ...(trafficType === undefined ? {} : { labels: { 'istio.io/waypoint-for': trafficType } }),
    },
    spec: { gatewayClassName: 'istio-waypoint', listeners: [l] },
    status: ready
      ? { addresses: [{ type: 'Hostname', value: `${name}.${ns}.svc.cluster.local` }] }
      : {},
  }));

function unique<T>(items: T[], key: (item: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const item of items) seen.set(key(item), item);
  return [...seen.values()];
}

/** A small cluster: namespaces a, b, c (some missing), Services, Pods and waypoints. */
export const snapshotArb: fc.Arbitrary<ClusterSnapshot> = fc
  .record({
    namespaces: fc
      .subarray([...NAMESPACES], { minLength: 1 })
      .chain((names) =>
        fc.tuple(...names.map((n) => bindingLabels.map((labels) => namespace(n, labels)))),
      ),
    services: fc.array(
      fc.tuple(
        fc.constantFrom(...NAMESPACES),
        fc.integer({ min: 0, max: 4 }),
        bindingLabels,
        fc.boolean(),
      ),
      { maxLength: 8 },
    ),
    pods: fc.array(
      fc.tuple(fc.constantFrom(...NAMESPACES), fc.integer({ min: 0, max: 6 }), bindingLabels),
      {
        maxLength: 10,
      },
    ),
    gateways: fc.array(gatewayArb, { maxLength: 4 }),
    classLabel: optional(fc.constantFrom('service', 'workload', 'all')),
  })
  .map(({ namespaces, services, pods, gateways, classLabel }) => ({
    namespaces,
    services: unique(
      services.map(([ns, i, labels, managed]) =>
        service(
          ns,
          `s${i}`,
          managed ? { ...labels, 'gateway.istio.io/managed': 'istio.io-mesh-controller' } : labels,
        ),
      ),
      (s) => `${s.metadata.namespace}/${s.metadata.name}`,
    ),
    pods: unique(
      pods.map(([ns, i, labels]) => pod(ns, `p${i}`, labels)),
      (p) => `${p.metadata.namespace}/${p.metadata.name}`,
    ),
    gateways: unique(gateways, (g) => `${g.metadata.namespace}/${g.metadata.name}`),
    gatewayClasses: [
      gatewayClass(
        'istio-waypoint',
        classLabel === undefined ? {} : { 'istio.io/waypoint-for': classLabel },
      ),
    ],
  }));

const targetArb: fc.Arbitrary<LabelTarget> = fc.oneof(
  fc.constantFrom(...NAMESPACES).map((ns) => ({ kind: 'namespace' as const, namespace: ns })),
  fc
    .tuple(fc.constantFrom(...NAMESPACES), fc.integer({ min: 0, max: 4 }))
    .map(([ns, i]) => ({ kind: 'service' as const, namespace: ns, name: `s${i}` })),
  fc
    .tuple(fc.constantFrom(...NAMESPACES), fc.integer({ min: 0, max: 6 }))
    .map(([ns, i]) => ({ kind: 'pods' as const, namespace: ns, names: [`p${i}`] })),
  fc
    .tuple(
      fc.constantFrom(...NAMESPACES),
      fc.constantFrom('team=x', 'team!=x', '!team', 'team in (x,y)'),
    )
    .map(([ns, selector]) => ({ kind: 'pods' as const, namespace: ns, selector })),
);

/** Any mutation; some name objects that do not exist (the plan then refuses with NotFoundError). */
export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc
    .record({
      ns: fc.constantFrom(...NAMESPACES),
      name: fc.constantFrom('w1', 'w2'),
      traffic: optional(fc.constantFrom('service' as const, 'workload' as const, 'all' as const)),
      enrollNamespace: fc.boolean(),
      overwrite: fc.boolean(),
    })
    .map(({ ns, name, traffic, enrollNamespace, overwrite }) => ({
      op: 'applyWaypoint' as const,
      namespace: ns,
      name,
      ...(traffic === undefined ? {} : { for: traffic }),
      enrollNamespace,
      overwrite,
    })),
  fc
    .record({
      ns: fc.constantFrom(...NAMESPACES),
      name: fc.constantFrom('w1', 'w2'),
      unenroll: fc.boolean(),
    })
    .map(({ ns, name, unenroll }) => ({
      op: 'deleteWaypoint' as const,
      namespace: ns,
      name,
      unenroll,
    })),
  fc
    .record({
      target: targetArb,
      waypoint: fc.constantFrom('w1', 'w2', 'none'),
      waypointNamespace: optional(fc.constantFrom(...NAMESPACES)),
    })
    .map(({ target, waypoint, waypointNamespace }) => ({
      op: 'enroll' as const,
      target,
      waypoint,
      ...(waypointNamespace === undefined ? {} : { waypointNamespace }),
    })),
  targetArb.map((target) => ({ op: 'unenroll' as const, target })),
);

// Inputs for the never-5xx, never-crash properties of test/fuzz: arbitrary values near valid ones.

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** One edit of a JSON document: where (child indexes, taken modulo), and what to do there. */
interface JsonEdit {
  readonly path: readonly number[];
  readonly op: 'replace' | 'delete' | 'add';
  readonly key: string;
  readonly value: Json;
}

/** Strings that break parsers and validators: empty, huge, control and non-BMP characters, escapes. */
export const nastyString: fc.Arbitrary<string> = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    '%',
    '%zz',
    '%00',
    '../..',
    '__proto__',
    'constructor',
    'toString',
    'a'.repeat(300),
    '\ud800',
    '😀',
    '{{x}}',
    'null',
    '-1',
    '1e999',
    'default',
    'waypoint',
    'none',
    'istio-system',
  ),
);

/** JSON values of every type, weighted to the edge cases. */
export const nastyJson: fc.Arbitrary<Json> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>,
  nastyString,
  fc.constantFrom<Json>(null, true, false, 0, -1, 1.5, 1e308, -0, [], {}, [null], { '': null }),
  fc.integer(),
);

const jsonEdit: fc.Arbitrary<JsonEdit> = fc.record({
  path: fc.array(fc.nat(), { maxLength: 6 }),
  op: fc.constantFrom('replace' as const, 'delete' as const, 'add' as const),
  key: fc.oneof(nastyString, fc.constantFrom('metadata', 'labels', 'items', 'kind', 'spec')),
  value: nastyJson,
});

function children(value: Json): [string | number, Json][] {
  if (Array.isArray(value)) return value.map((v, i) => [i, v]);
  if (value !== null && typeof value === 'object') return Object.entries(value);
  return [];
}

function set(target: Record<string, Json>, key: string | number, value: Json): void {
  // defineProperty: a key such as `__proto__` becomes an own property, as JSON.parse makes it.
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

/** The edit at the end of its path. */
function editHere(value: Json, edit: JsonEdit): Json {
  if (edit.op === 'replace') return edit.value;
  if (Array.isArray(value)) return edit.op === 'add' ? [...value, edit.value] : value.slice(1);
  if (value === null || typeof value !== 'object') return edit.op === 'delete' ? null : edit.value;
  const copy = { ...value };
  if (edit.op === 'add') set(copy, edit.key, edit.value);
  else delete copy[Object.keys(copy)[0] ?? ''];
  return copy;
}

function applyEdit(value: Json, edit: JsonEdit, depth = 0): Json {
  const inside = children(value);
  const step = edit.path[depth];
  if (step === undefined || inside.length === 0) return editHere(value, edit);
  const [key, child] = inside[step % inside.length] as [string | number, Json];
  const edited = applyEdit(child, edit, depth + 1);
  if (Array.isArray(value)) return value.map((v, i) => (i === key ? edited : v));
  const copy = { ...(value as Record<string, Json>) };
  set(copy, key, edited);
  return copy;
}

/**
 * A valid document with a few random edits (values replaced by any JSON, keys added or removed, at
 * any depth): inputs that pass the first checks and fail deeper ones.
 */
export function editedJson(base: unknown, maxEdits = 4): fc.Arbitrary<unknown> {
  return fc
    .array(jsonEdit, { minLength: 0, maxLength: maxEdits })
    .map((edits) => edits.reduce<Json>((doc, edit) => applyEdit(doc, edit), base as Json));
}

// Mutations through the public HTTP API and the cluster, for the fault scenarios of test/faults.

/** The objects scenario mutations name: Bookinfo's, and a second namespace `team-a`. */
export const SCENARIO = {
  namespaces: ['default', 'team-a'],
  waypoints: ['waypoint', 'reviews-svc-waypoint', 'reviews-v2-pod-waypoint', 'w1'],
  services: {
    default: ['details', 'productpage', 'ratings', 'reviews'],
    'team-a': ['api'],
  },
  pods: {
    default: [
      'details-v1-65cfcf56f9-4xk2p',
      'productpage-v1-d5789fdfb-8l2zq',
      'ratings-v1-7c9bd4b87f-tm5v9',
      'reviews-v1-6584ddcf65-qv7rn',
      'reviews-v2-6f85cb9b7c-9jbd8',
      'reviews-v3-6f5b775685-h2f4x',
    ],
    'team-a': ['api-1'],
  },
  selectors: ['app=reviews', 'app=reviews,version=v2', 'version in (v1,v3)', 'app=api'],
} as const;

type ScenarioNamespace = (typeof SCENARIO.namespaces)[number];

/** What an enrollment names: a namespace, a Service, a Pod, or the Pods a selector matches. */
export type ScenarioTarget =
  | { readonly kind: 'namespace'; readonly namespace: string }
  | { readonly kind: 'service'; readonly namespace: string; readonly name: string }
  | { readonly kind: 'pod'; readonly namespace: string; readonly name: string }
  | { readonly kind: 'pods'; readonly namespace: string; readonly selector: string };

/** One step of a scenario: an HTTP API call, or a user's server-side apply of a label. */
export type ScenarioMutation =
  | {
      readonly op: 'apply';
      readonly namespace: string;
      readonly name: string;
      readonly for?: 'service' | 'workload' | 'all';
      readonly enrollNamespace: boolean;
      readonly overwrite: boolean;
      readonly wait: boolean;
    }
  | {
      readonly op: 'delete';
      readonly namespace: string;
      readonly name: string;
      readonly mode: 'unenroll' | 'force' | 'refuse';
    }
  | {
      readonly op: 'enroll';
      readonly target: ScenarioTarget;
      readonly waypoint: string;
      readonly waypointNamespace?: string;
      readonly overwrite: boolean;
      readonly force: boolean;
    }
  | { readonly op: 'unenroll'; readonly target: ScenarioTarget }
  | {
      readonly op: 'label';
      readonly target: Exclude<ScenarioTarget, { kind: 'pods' }>;
      readonly label: string;
      readonly value: string | null;
    };

const scenarioNamespace = fc.constantFrom<ScenarioNamespace>(...SCENARIO.namespaces);
const scenarioWaypoint = fc.constantFrom(...SCENARIO.waypoints);

const objectTarget: fc.Arbitrary<Exclude<ScenarioTarget, { kind: 'pods' }>> =
  scenarioNamespace.chain((ns) =>
    fc.oneof(
      fc.constant({ kind: 'namespace' as const, namespace: ns }),
      fc
        .constantFrom(...SCENARIO.services[ns])
        .map((name) => ({ kind: 'service' as const, namespace: ns, name })),
      fc
        .constantFrom(...SCENARIO.pods[ns])
        .map((name) => ({ kind: 'pod' as const, namespace: ns, name })),
    ),
  );

const scenarioTarget: fc.Arbitrary<ScenarioTarget> = fc.oneof(
  { weight: 3, arbitrary: objectTarget },
  {
    weight: 1,
    arbitrary: fc
      .tuple(scenarioNamespace, fc.constantFrom(...SCENARIO.selectors))
      .map(([namespace, selector]) => ({ kind: 'pods' as const, namespace, selector })),
  },
);

/** Any scenario mutation; some are refused (404, 409, 422), as a user's would be. */
export const scenarioMutationArb: fc.Arbitrary<ScenarioMutation> = fc.oneof(
  fc.record(
    {
      op: fc.constant('apply' as const),
      namespace: scenarioNamespace,
      name: scenarioWaypoint,
      for: fc.constantFrom('service' as const, 'workload' as const, 'all' as const),
      enrollNamespace: fc.boolean(),
      overwrite: fc.boolean(),
      wait: fc.boolean(),
    },
    { requiredKeys: ['op', 'namespace', 'name', 'enrollNamespace', 'overwrite', 'wait'] },
  ),
  fc.record({
    op: fc.constant('delete' as const),
    namespace: scenarioNamespace,
    name: scenarioWaypoint,
    mode: fc.constantFrom('unenroll' as const, 'force' as const, 'refuse' as const),
  }),
  fc.record(
    {
      op: fc.constant('enroll' as const),
      target: scenarioTarget,
      waypoint: fc.oneof(scenarioWaypoint, fc.constant('none')),
      waypointNamespace: scenarioNamespace,
      overwrite: fc.boolean(),
      force: fc.boolean(),
    },
    { requiredKeys: ['op', 'target', 'waypoint', 'overwrite', 'force'] },
  ),
  fc.record({ op: fc.constant('unenroll' as const), target: scenarioTarget }),
  fc.record({
    op: fc.constant('label' as const),
    target: objectTarget,
    label: fc.constantFrom(
      'istio.io/use-waypoint',
      'istio.io/use-waypoint-namespace',
      'istio.io/dataplane-mode',
      'team',
    ),
    value: fc.option(fc.constantFrom('waypoint', 'w1', 'none', 'default', 'team-a', 'ambient'), {
      nil: null,
    }),
  }),
);
