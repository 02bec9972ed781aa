/**
 * ServiceEntries, WorkloadEntries and inline endpoints against Istio's rules (docs/istio-semantics.md
 * §15). Each row names the rule id and the Istio file and line (istio/istio master 86c9f01), or the
 * Istio test case it reproduces.
 */
import { describe, expect, it } from 'vitest';
import type {
  ClusterSnapshot,
  Gateway,
  MeshConfig,
  Namespace,
  Service,
  ServiceEntry,
  WorkloadEntry,
} from '../../shared/domain/model.ts';
import {
  computeEntryBindings,
  type EntryConditions,
  workloadEntryLabels,
} from '../../shared/domain/service-entries.ts';
import { gateway, gatewayClass, hbone, namespace, service } from '../support/builders.ts';

const USE = 'istio.io/use-waypoint';
const USE_NS = 'istio.io/use-waypoint-namespace';
const FOR = 'istio.io/waypoint-for';
type Labels = Record<string, string>;

function entry(
  ns: string,
  name: string,
  options: {
    labels?: Labels;
    annotations?: Labels;
    hosts?: string[];
    created?: string;
    endpoints?: { address?: string; labels?: Labels }[];
  } = {},
): ServiceEntry {
  return {
    metadata: {
      name,
      namespace: ns,
      labels: options.labels ?? {},
      ...(options.annotations === undefined ? {} : { annotations: options.annotations }),
      creationTimestamp: options.created ?? '2026-01-01T00:00:00Z',
    },
    spec: {
      hosts: options.hosts ?? [`${name}.example.com`],
      resolution: 'STATIC',
      ...(options.endpoints === undefined ? {} : { endpoints: options.endpoints }),
    },
  };
}

function workloadEntry(
  ns: string,
  name: string,
  labels: Labels = {},
  specLabels?: Labels,
): WorkloadEntry {
  return {
    metadata: { name, namespace: ns, labels },
    spec: { address: '1.2.3.4', ...(specLabels === undefined ? {} : { labels: specLabels }) },
  };
}

interface World {
  namespaces?: Namespace[];
  gateways?: Gateway[];
  services?: Service[];
  entries?: ServiceEntry[];
  workloadEntries?: WorkloadEntry[];
  mesh?: Partial<MeshConfig>;
}

function snapshotOf(world: World): ClusterSnapshot {
  return {
    namespaces: world.namespaces ?? [namespace('ns'), namespace('other')],
    services: world.services ?? [],
    pods: [],
    gateways: world.gateways ?? [],
    gatewayClasses: [gatewayClass('istio-waypoint')],
    serviceEntries: world.entries ?? [],
    workloadEntries: world.workloadEntries ?? [],
    ...(world.mesh === undefined
      ? {}
      : {
          meshConfig: {
            discoverySelectors: [],
            serviceEntryVisibility: null,
            revision: '',
            ...world.mesh,
          },
        }),
  };
}

/** `ns/name via reason` of the one ServiceEntry, or its absence. */
function seOutcome(world: World): [string | null, string | null, string | null] {
  const [b] = computeEntryBindings(snapshotOf(world)).serviceEntries;
  if (b === undefined) return ['absent', null, null];
  return [
    b.waypoint && `${b.waypoint.namespace}/${b.waypoint.name}`,
    b.via,
    b.conditions['istio.io/WaypointBound']?.reason ?? null,
  ];
}

const svcWaypoint = gateway('ns', 'waypoint');
const crossNsWaypoint = gateway('other', 'waypoint', {
  listeners: [hbone({ namespaces: { from: 'All' } })],
});
const workloadWaypoint = gateway('ns', 'wl', { labels: { [FOR]: 'workload' } });
const allWaypoint = gateway('ns', 'all-waypoint', { labels: { [FOR]: 'all' } });
const namespaceVisibility = { serviceEntryVisibility: { defaultVisibility: 'NAMESPACE' } };

describe('ServiceEntry binding (§15.2)', () => {
  it.each<[string, World, [string | null, string | null, string | null]]>([
    [
      'S1 own label binds, waypoints.go L152-186',
      { gateways: [svcWaypoint], entries: [entry('ns', 'se', { labels: { [USE]: 'waypoint' } })] },
      ['ns/waypoint', 'serviceentry', 'WaypointAccepted'],
    ],
    [
      'S1 namespace label binds (R3 via fetchWaypointForTarget), waypoints.go L129-145',
      {
        namespaces: [namespace('ns', { [USE]: 'waypoint' })],
        gateways: [svcWaypoint],
        entries: [entry('ns', 'se')],
      },
      ['ns/waypoint', 'namespace', 'WaypointAccepted'],
    ],
    [
      'S1 own label beats namespace, no fallback (R1, R4), waypoints.go L113-127',
      {
        namespaces: [namespace('ns', { [USE]: 'waypoint' })],
        gateways: [svcWaypoint],
        entries: [entry('ns', 'se', { labels: { [USE]: 'missing' } })],
      },
      [null, 'serviceentry', 'WaypointIsNotReady'],
    ],
    [
      'S1 none opts out (R2), waypoints.go L217-219',
      {
        namespaces: [namespace('ns', { [USE]: 'waypoint' })],
        gateways: [svcWaypoint],
        entries: [entry('ns', 'se', { labels: { [USE]: 'none' } })],
      },
      [null, 'serviceentry', null],
    ],
    [
      'S1 workload-only waypoint: UnsupportedTrafficType, waypoints.go L167-172',
      { gateways: [workloadWaypoint], entries: [entry('ns', 'se', { labels: { [USE]: 'wl' } })] },
      [null, 'serviceentry', 'UnsupportedTrafficType'],
    ],
    [
      'S1 a waypoint ServiceEntry gets none, waypoints.go L155-158',
      {
        namespaces: [namespace('ns', { [USE]: 'waypoint' })],
        gateways: [svcWaypoint],
        entries: [
          entry('ns', 'se', { labels: { 'gateway.istio.io/managed': 'istio.io-mesh-controller' } }),
        ],
      },
      [null, null, null],
    ],
    [
      'S1 cross-namespace denied by allowedRoutes (A1), waypoints.go L120-122',
      {
        gateways: [gateway('other', 'waypoint')],
        entries: [entry('ns', 'se', { labels: { [USE]: 'waypoint', [USE_NS]: 'other' } })],
      },
      [null, 'serviceentry', 'AttachmentDenied'],
    ],
    [
      'S2 services_test.go L1229 "NAMESPACE visibility refuses cross-namespace waypoint binding"',
      {
        gateways: [crossNsWaypoint],
        entries: [
          entry('ns', 'ns-crossns-wp', { labels: { [USE]: 'waypoint', [USE_NS]: 'other' } }),
        ],
        mesh: namespaceVisibility,
      },
      [null, 'serviceentry', 'CrossNamespaceWaypointForbidden'],
    ],
    [
      'S2 services_test.go L1277 "NAMESPACE visibility keeps same-namespace waypoint binding"',
      {
        gateways: [svcWaypoint],
        entries: [entry('ns', 'ns-samens-wp', { labels: { [USE]: 'waypoint', [USE_NS]: 'ns' } })],
        mesh: namespaceVisibility,
      },
      ['ns/waypoint', 'serviceentry', 'WaypointAccepted'],
    ],
    [
      'S2 services_test.go L1323 "PUBLIC visibility keeps cross-namespace waypoint binding"',
      {
        gateways: [crossNsWaypoint],
        entries: [
          entry('ns', 'public-crossns-wp', { labels: { [USE]: 'waypoint', [USE_NS]: 'other' } }),
        ],
      },
      ['other/waypoint', 'serviceentry', 'WaypointAccepted'],
    ],
    [
      'S3 services_test.go L1037 "ServiceEntry visibility NONE is dropped", services.go L497-506',
      {
        gateways: [svcWaypoint],
        entries: [entry('ns', 'vis-none-se', { labels: { [USE]: 'waypoint' } })],
        mesh: { serviceEntryVisibility: { defaultVisibility: 'NONE' } },
      },
      [null, null, null],
    ],
    [
      'S4 a Kubernetes Service of the namespace owns its hostname, services.go L120-124',
      {
        gateways: [svcWaypoint],
        services: [service('ns', 'reviews')],
        entries: [
          entry('ns', 'shadow', {
            labels: { [USE]: 'waypoint' },
            hosts: ['reviews.ns.svc.cluster.local'],
          }),
        ],
      },
      [null, null, null],
    ],
    [
      'S4 services_test.go L1448 "kube Service is canonical over an older camping PUBLIC ServiceEntry": the entry of another namespace keeps the host',
      {
        gateways: [svcWaypoint],
        services: [service('other', 'svc')],
        entries: [
          entry('ns', 'camp', {
            labels: { [USE]: 'waypoint' },
            hosts: ['svc.other.svc.cluster.local'],
          }),
        ],
      },
      ['ns/waypoint', 'serviceentry', 'WaypointAccepted'],
    ],
    [
      'S4 an ExternalName Service owns no hostname, services.go L255-262',
      {
        gateways: [svcWaypoint],
        services: [service('ns', 'ext', {}, 'ExternalName')],
        entries: [
          entry('ns', 'se', { labels: { [USE]: 'waypoint' }, hosts: ['ext.ns.svc.cluster.local'] }),
        ],
      },
      ['ns/waypoint', 'serviceentry', 'WaypointAccepted'],
    ],
    [
      'S5 a ServiceEntry without hosts is not configured, services.go L581-620',
      {
        gateways: [svcWaypoint],
        entries: [entry('ns', 'se', { labels: { [USE]: 'waypoint' }, hosts: [] })],
      },
      [null, null, null],
    ],
  ])('%s', (_rule, world, expected) => {
    expect(seOutcome(world)).toEqual(expected);
  });

  it("S2 gives Istio's exact reason and message, status.go L58-64", () => {
    const [b] = computeEntryBindings(
      snapshotOf({
        gateways: [crossNsWaypoint],
        entries: [entry('ns', 'se', { labels: { [USE]: 'waypoint', [USE_NS]: 'other' } })],
        mesh: namespaceVisibility,
      }),
    ).serviceEntries;
    expect(b?.conditions['istio.io/WaypointBound']).toEqual({
      status: 'False',
      reason: 'CrossNamespaceWaypointForbidden',
      message:
        'cannot bind to waypoint "other/waypoint" in another namespace: cross-namespace waypoint binding is not permitted for a ServiceEntry with NAMESPACE visibility',
    });
  });

  it.each<[string, ServiceEntry[], Record<string, string | null>]>([
    [
      'S4 services_test.go L1437 "same namespace: older NAMESPACE beats newer PUBLIC": the older entry keeps the host',
      [
        entry('ns', 'pub', { hosts: ['shared.example.com'], created: '2026-01-01T00:03:20Z' }),
        entry('ns', 'nslocal', { hosts: ['shared.example.com'], created: '2026-01-01T00:01:40Z' }),
      ],
      { nslocal: 'ns/waypoint', pub: null },
    ],
    [
      'S4 services_test.go L1458 "cross namespace: PUBLIC is canonical, NAMESPACE is not": each namespace keeps its own',
      [
        entry('ns', 'nslocal', { hosts: ['shared.example.com'], created: '2026-01-01T00:01:40Z' }),
        entry('other', 'pub', { hosts: ['shared.example.com'], created: '2026-01-01T00:03:20Z' }),
      ],
      { nslocal: 'ns/waypoint', pub: 'ns/waypoint' },
    ],
    [
      "S4 equal creation times: the first name wins (waypointer's tie-break), in either order",
      [
        entry('ns', 'b', { hosts: ['shared.example.com'] }),
        entry('ns', 'a', { hosts: ['shared.example.com'] }),
      ],
      { a: 'ns/waypoint', b: null },
    ],
    [
      'S4/S5 an entry keeps the hosts it wins and loses only the others, workloads.go L912-918',
      [
        entry('ns', 'old', { hosts: ['one.example.com'], created: '2026-01-01T00:00:00Z' }),
        entry('ns', 'new', {
          hosts: ['one.example.com', 'two.example.com'],
          created: '2026-02-01T00:00:00Z',
        }),
      ],
      { new: 'ns/waypoint', old: 'ns/waypoint' },
    ],
  ])('%s', (_rule, entries, expected) => {
    const gateways = [
      allWaypoint,
      crossNsWaypoint,
      gateway('ns', 'waypoint', { listeners: [hbone({ namespaces: { from: 'All' } })] }),
    ];
    const world: World = {
      namespaces: [
        namespace('ns', { [USE]: 'waypoint', [USE_NS]: 'ns' }),
        namespace('other', { [USE]: 'waypoint', [USE_NS]: 'ns' }),
      ],
      gateways,
      entries,
    };
    for (const order of [entries, [...entries].reverse()]) {
      const bindings = computeEntryBindings(
        snapshotOf({ ...world, entries: order }),
      ).serviceEntries;
      expect(
        Object.fromEntries(
          bindings.map((b) => [b.name, b.waypoint && `${b.waypoint.namespace}/${b.waypoint.name}`]),
        ),
      ).toEqual(expected);
    }
  });
});

describe('edge cases of the input', () => {
  const winner = (a: ServiceEntry, b: ServiceEntry): string[] =>
    computeEntryBindings(snapshotOf({ gateways: [svcWaypoint], entries: [a, b] }))
      .serviceEntries.filter((e) => e.waypoint !== null)
      .map((e) => e.name);
  const labelled = { [USE]: 'waypoint' };
  const withTime = (name: string, created: string | Date | undefined): ServiceEntry => {
    const e = entry('ns', name, { labels: labelled, hosts: ['same.example.com'] });
    const { creationTimestamp: _, ...meta } = e.metadata;
    return {
      ...e,
      metadata: created === undefined ? meta : { ...meta, creationTimestamp: created },
    };
  };

  it.each<[string, string | Date | undefined, string | Date | undefined, string[]]>([
    [
      'S4 a creation time as a Date (client-node) counts as one',
      new Date('2026-01-01T00:00:00Z'),
      '2026-02-01T00:00:00Z',
      ['x'],
    ],
    [
      'S4 an entry without a creation time loses to one with',
      undefined,
      '2026-02-01T00:00:00Z',
      ['y'],
    ],
    [
      'S4 an unreadable creation time loses to a readable one',
      'yesterday',
      '2026-02-01T00:00:00Z',
      ['y'],
    ],
  ])('%s', (_rule, x, y, expected) => {
    expect(winner(withTime('x', x), withTime('y', y))).toEqual(expected);
  });

  it('a snapshot that read no entries has none', () => {
    const { serviceEntries: _s, workloadEntries: _w, ...bare } = snapshotOf({});
    expect(computeEntryBindings(bare)).toEqual({ serviceEntries: [], workloadEntries: [] });
  });

  it('E1 a WorkloadEntry without any label, and an endpoint without an address', () => {
    const bare: WorkloadEntry = { metadata: { name: 'bare', namespace: 'ns' } };
    const se = entry('ns', 'se', { endpoints: [{}] });
    expect(workloadEntryLabels(bare)).toBeUndefined();
    expect(
      computeEntryBindings(
        snapshotOf({ workloadEntries: [bare], entries: [se] }),
      ).workloadEntries.map((b) => [b.name, b.serviceEntryEndpoint]),
    ).toEqual([
      ['bare', undefined],
      ['se', ''],
    ]);
  });
});

describe('ServiceEntries by Istio version', () => {
  it('S2/S8 Istio 1.30 has no serviceEntryVisibility: the cross-namespace waypoint binds, no VisibilityApplied', () => {
    const snapshot = {
      ...snapshotOf({
        gateways: [crossNsWaypoint],
        entries: [entry('ns', 'se', { labels: { [USE]: 'waypoint', [USE_NS]: 'other' } })],
        mesh: namespaceVisibility,
      }),
      istioVersion: '1.30' as const,
    };
    const [b] = computeEntryBindings(snapshot).serviceEntries;
    expect([b?.waypoint, Object.keys(b?.conditions ?? {})]).toEqual([
      { namespace: 'other', name: 'waypoint' },
      ['istio.io/WaypointBound'],
    ]);
  });

  it("1.31 resolves a ServiceEntry's canary as a Service's (waypoints.go L320-352, services.go L489)", () => {
    const canary = gateway('ns', 'canary');
    const se = entry('ns', 'se', {
      labels: { [USE]: 'waypoint', 'istio.io/use-waypoint-canary': 'canary' },
      annotations: { 'istio.io/use-waypoint-canary-weight': '10' },
    });
    const [b] = computeEntryBindings(
      snapshotOf({ gateways: [svcWaypoint, canary], entries: [se] }),
    ).serviceEntries;
    expect([b?.waypoint, b?.canary]).toEqual([
      { namespace: 'ns', name: 'waypoint' },
      { waypoint: { namespace: 'ns', name: 'canary' }, weight: 10 },
    ]);
  });
});

describe('ServiceEntry conditions (§15.2 S6-S8)', () => {
  const conditions = (world: World): EntryConditions =>
    computeEntryBindings(snapshotOf(world)).serviceEntries[0]?.conditions ?? {};

  it.each<[string, World, EntryConditions]>([
    [
      'S6 bound with the ingress label of the namespace, model/service.go L1373-1395',
      {
        namespaces: [namespace('ns', { 'istio.io/ingress-use-waypoint': 'true' })],
        gateways: [svcWaypoint],
        entries: [entry('ns', 'se', { labels: { [USE]: 'waypoint' } })],
      },
      {
        'istio.io/WaypointBound': {
          status: 'True',
          reason: 'WaypointAccepted',
          message:
            'Successfully attached to waypoint ns/waypoint. Ingress traffic will traverse the waypoint',
        },
      },
    ],
    [
      'S7 wildcard host without a waypoint: WaypointMissing, model/service.go L1404-1412',
      { entries: [entry('ns', 'wild', { hosts: ['*.example.com'] })] },
      {
        'istio.io/WaypointMissing': {
          status: 'True',
          reason: 'NoWaypointForWildcardService',
          message: 'ServiceEntry will not apply until it is bound to a valid waypoint.',
        },
      },
    ],
    [
      'S7 wildcard host with an unready waypoint: both conditions, model/service.go L1396-1412',
      { entries: [entry('ns', 'wild', { hosts: ['*.example.com'], labels: { [USE]: 'egress' } })] },
      {
        'istio.io/WaypointBound': {
          status: 'False',
          reason: 'WaypointIsNotReady',
          message: 'waypoint "ns/egress" is not ready',
        },
        'istio.io/WaypointMissing': {
          status: 'True',
          reason: 'NoWaypointForWildcardService',
          message: 'ServiceEntry will not apply until it is bound to a valid waypoint.',
        },
      },
    ],
    [
      'S7 wildcard host bound: no WaypointMissing, model/service.go L1373',
      {
        gateways: [svcWaypoint],
        entries: [entry('ns', 'wild', { hosts: ['*.example.com'], labels: { [USE]: 'waypoint' } })],
      },
      {
        'istio.io/WaypointBound': {
          status: 'True',
          reason: 'WaypointAccepted',
          message: 'Successfully attached to waypoint ns/waypoint',
        },
      },
    ],
    [
      'S7 racing connect strategy without a waypoint, model/service.go L1413-1421, L897-902',
      {
        entries: [
          entry('ns', 'race', {
            annotations: { 'istio.io/connect-strategy': 'race_first_tcp_connect' },
          }),
        ],
      },
      {
        'istio.io/WaypointMissing': {
          status: 'True',
          reason: 'NoWaypointForRacingConnectStrategy',
          message:
            'ServiceEntry has a non-default connect strategy but no waypoint bound. A waypoint is required for connect strategies to take effect for ambient clients.',
        },
      },
    ],
    [
      'S8 model/service_test.go "ServiceEntry PUBLIC": VisibilityApplied Public, model/service.go L1429-1444',
      {
        entries: [entry('ns', 'se')],
        mesh: { serviceEntryVisibility: { defaultVisibility: 'PUBLIC' } },
      },
      {
        'istio.io/VisibilityApplied': {
          status: 'True',
          reason: 'Public',
          message: 'ServiceEntry is visible to the entire mesh (PUBLIC).',
        },
      },
    ],
    [
      'S8 model/service_test.go "ServiceEntry NAMESPACE"',
      { entries: [entry('ns', 'se')], mesh: namespaceVisibility },
      {
        'istio.io/VisibilityApplied': {
          status: 'True',
          reason: 'Namespace',
          message:
            'ServiceEntry is visible only within its own namespace (NAMESPACE), per mesh serviceEntryVisibility.',
        },
      },
    ],
    [
      'S8 model/service_test.go "ServiceEntry unconfigured": no condition',
      { entries: [entry('ns', 'se')], mesh: {} },
      {},
    ],
  ])('%s', (_rule, world, expected) => {
    expect(conditions(world)).toEqual(expected);
  });
});

describe('WorkloadEntry binding (§15.3), workloads_test.go TestWorkloadEntryConditions', () => {
  const waypointNs = namespace('waypoint-ns');
  const selectorWaypoint = gateway('waypoint-ns', 'waypoint', {
    labels: { [FOR]: 'all' },
    listeners: [
      hbone({
        namespaces: {
          from: 'Selector',
          selector: { matchLabels: { 'kubernetes.io/metadata.name': 'ns' } },
        },
      }),
    ],
  });
  const serviceOnly = gateway('ns', 'service-waypoint');
  const outcome = (world: World): [string | null, string | null, EntryConditions] => {
    const [b] = computeEntryBindings(snapshotOf(world)).workloadEntries;
    return [
      b?.waypoint ? `${b.waypoint.namespace}/${b.waypoint.name}` : null,
      b?.via ?? null,
      b?.conditions ?? {},
    ];
  };

  it.each<[string, World, [string | null, string | null, EntryConditions]]>([
    [
      'E3 L1505 "workload entry bound to waypoint"',
      {
        namespaces: [namespace('ns'), waypointNs],
        gateways: [selectorWaypoint],
        workloadEntries: [
          workloadEntry('ns', 'name', { [USE]: 'waypoint', [USE_NS]: 'waypoint-ns' }),
        ],
      },
      [
        'waypoint-ns/waypoint',
        'workloadentry',
        {
          'istio.io/WaypointBound': {
            status: 'True',
            reason: 'WaypointAccepted',
            message: 'Successfully attached to waypoint waypoint-ns/waypoint',
          },
        },
      ],
    ],
    [
      'E3 L1532 "workload entry with waypoint not ready"',
      { workloadEntries: [workloadEntry('ns', 'name', { [USE]: 'missing-waypoint' })] },
      [
        null,
        'workloadentry',
        {
          'istio.io/WaypointBound': {
            status: 'False',
            reason: 'WaypointIsNotReady',
            message: 'waypoint "ns/missing-waypoint" is not ready',
          },
        },
      ],
    ],
    [
      'E3 L1557 "workload entry without waypoint"',
      { workloadEntries: [workloadEntry('ns', 'name')] },
      [null, null, {}],
    ],
    [
      'E2 L1573 "namespace-inherited service-only waypoint produces no condition"',
      {
        namespaces: [namespace('ns', { [USE]: 'service-waypoint' })],
        gateways: [serviceOnly],
        workloadEntries: [workloadEntry('ns', 'name')],
      },
      [null, null, {}],
    ],
    [
      'E2 L1610 "direct service-only waypoint label produces error"',
      {
        gateways: [serviceOnly],
        workloadEntries: [workloadEntry('ns', 'name', { [USE]: 'service-waypoint' })],
      },
      [
        null,
        'workloadentry',
        {
          'istio.io/WaypointBound': {
            status: 'False',
            reason: 'UnsupportedTrafficType',
            message:
              'attempting to bind to traffic type "workload" which the waypoint "ns/service-waypoint" does not support',
          },
        },
      ],
    ],
    [
      'E2 L1646 "namespace-inherited all-traffic waypoint binds successfully"',
      {
        namespaces: [namespace('ns', { [USE]: 'all-waypoint' })],
        gateways: [allWaypoint],
        workloadEntries: [workloadEntry('ns', 'name')],
      },
      [
        'ns/all-waypoint',
        'namespace',
        {
          'istio.io/WaypointBound': {
            status: 'True',
            reason: 'WaypointAccepted',
            message: 'Successfully attached to waypoint ns/all-waypoint',
          },
        },
      ],
    ],
    [
      'E1 the use-waypoint label may sit in spec.labels, conversion.go L169-181',
      {
        gateways: [allWaypoint],
        workloadEntries: [workloadEntry('ns', 'name', {}, { [USE]: 'all-waypoint' })],
      },
      [
        'ns/all-waypoint',
        'workloadentry',
        {
          'istio.io/WaypointBound': {
            status: 'True',
            reason: 'WaypointAccepted',
            message: 'Successfully attached to waypoint ns/all-waypoint',
          },
        },
      ],
    ],
    [
      'E2 an instance of a ready waypoint gets none, waypoints.go L87-96, workloads.go L627-634',
      {
        namespaces: [namespace('ns', { [USE]: 'all-waypoint' })],
        gateways: [allWaypoint],
        workloadEntries: [
          workloadEntry('ns', 'name', { 'gateway.networking.k8s.io/gateway-name': 'all-waypoint' }),
        ],
      },
      [null, null, {}],
    ],
  ])('%s', (_rule, world, expected) => {
    expect(outcome(world)).toEqual(expected);
  });

  it('E1 merges spec.labels under metadata.labels: metadata wins a shared key', () => {
    expect(
      workloadEntryLabels(
        workloadEntry('ns', 'we', { a: 'meta', b: 'meta' }, { a: 'spec', c: 'spec' }),
      ),
    ).toEqual({
      a: 'meta',
      b: 'meta',
      c: 'spec',
    });
  });
});

describe('inline endpoints (§15.3 E4-E6)', () => {
  const bindings = (world: World) =>
    computeEntryBindings(snapshotOf(world)).workloadEntries.map((b) => [
      b.serviceEntryEndpoint,
      b.waypoint && `${b.waypoint.namespace}/${b.waypoint.name}`,
      b.via,
      b.conditions,
    ]);

  it("E4 each endpoint is bound by its own labels, not the entry's, and gets no condition, workloads.go L940-952", () => {
    const se = entry('ns', 'se', {
      labels: { [USE]: 'all-waypoint' },
      endpoints: [
        { address: '2.3.4.5', labels: { [USE]: 'all-waypoint' } },
        { address: '2.3.4.6' },
        { address: '2.3.4.7', labels: { [USE]: 'missing' } },
      ],
    });
    expect(bindings({ gateways: [allWaypoint], entries: [se] })).toEqual([
      ['2.3.4.5', 'ns/all-waypoint', 'workloadentry', {}],
      ['2.3.4.6', null, null, {}],
      ['2.3.4.7', null, 'workloadentry', {}],
    ]);
  });

  it("E4 an endpoint without labels inherits the namespace's workload waypoint", () => {
    const se = entry('ns', 'se', { endpoints: [{ address: '2.3.4.5' }] });
    const world = {
      namespaces: [namespace('ns', { [USE]: 'all-waypoint' })],
      gateways: [allWaypoint],
      entries: [se],
    };
    expect(bindings(world)).toEqual([['2.3.4.5', 'ns/all-waypoint', 'namespace', {}]]);
  });

  it.each<[string, World]>([
    [
      'E5 implicit endpoints (none listed) never get a waypoint, workloads.go L897-926',
      { entries: [entry('ns', 'se')] },
    ],
    [
      'E6 endpoints of a NONE-visibility entry are not workloads, services.go L501-506',
      {
        entries: [
          entry('ns', 'se', {
            endpoints: [{ address: '2.3.4.5', labels: { [USE]: 'all-waypoint' } }],
          }),
        ],
        mesh: { serviceEntryVisibility: { defaultVisibility: 'NONE' } },
      },
    ],
    [
      'E6 endpoints of an entry that lost every host are not workloads, workloads.go L912-918',
      {
        services: [service('ns', 'reviews')],
        entries: [
          entry('ns', 'se', {
            hosts: ['reviews.ns.svc.cluster.local'],
            endpoints: [{ address: '2.3.4.5', labels: { [USE]: 'all-waypoint' } }],
          }),
        ],
      },
    ],
  ])('%s', (_rule, world) => {
    expect(bindings({ gateways: [allWaypoint], ...world })).toEqual([]);
  });
});

describe('what istiod sees (§15.1 M2, M4)', () => {
  it('M2 objects of undiscovered namespaces are absent, and a waypoint there is dangling', () => {
    const world: World = {
      namespaces: [namespace('ns', { mesh: 'on' }), namespace('other')],
      gateways: [crossNsWaypoint],
      entries: [
        entry('ns', 'se', { labels: { [USE]: 'waypoint', [USE_NS]: 'other' } }),
        entry('other', 'hidden'),
      ],
      workloadEntries: [workloadEntry('other', 'hidden-we')],
      mesh: { discoverySelectors: [{ matchLabels: { mesh: 'on' } }] },
    };
    const bindings = computeEntryBindings(snapshotOf(world));
    expect(
      bindings.serviceEntries.map((b) => [b.name, b.conditions['istio.io/WaypointBound']?.reason]),
    ).toEqual([['se', 'WaypointIsNotReady']]);
    expect(bindings.workloadEntries).toEqual([]);
  });

  it.each<[string, string, Labels, boolean]>([
    ['M4 no istio.io/rev label: kept, model.go L112-116', 'canary', {}, true],
    ['M4 matching revision: kept, model.go L122-123', 'canary', { 'istio.io/rev': 'canary' }, true],
    [
      'M4 another revision: ignored, model.go L122-123',
      'canary',
      { 'istio.io/rev': 'stable' },
      false,
    ],
    [
      'M4 istiod without revision takes all, model.go L117-121',
      '',
      { 'istio.io/rev': 'stable' },
      true,
    ],
  ])('%s', (_rule, revision, labels, kept) => {
    const world: World = {
      entries: [entry('ns', 'se', { labels })],
      workloadEntries: [workloadEntry('ns', 'we', labels)],
      mesh: { revision },
    };
    const bindings = computeEntryBindings(snapshotOf(world));
    expect([bindings.serviceEntries.length, bindings.workloadEntries.length]).toEqual(
      kept ? [1, 1] : [0, 0],
    );
  });

  it('keeps to one namespace when asked', () => {
    const world: World = {
      entries: [entry('ns', 'a'), entry('other', 'b')],
      workloadEntries: [workloadEntry('ns', 'w1'), workloadEntry('other', 'w2')],
    };
    const bindings = computeEntryBindings(snapshotOf(world), 'other');
    expect([
      bindings.serviceEntries.map((b) => b.name),
      bindings.workloadEntries.map((b) => b.name),
    ]).toEqual([['b'], ['w2']]);
  });
});
