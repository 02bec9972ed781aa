/**
 * diff, plan and the compact form: properties over generated clusters, and examples.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type BindingSet,
  computeBindings,
  computeNamespaceBindings,
  dependents,
  type NamespaceBinding,
  type PodBinding,
  podBindingFromCompact,
  type ServiceBinding,
} from '../../shared/domain/bindings.ts';
import { type BindingChange, diff } from '../../shared/domain/diff.ts';
import { NotFoundError, ValidationError } from '../../shared/domain/errors.ts';
import type { ClusterSnapshot } from '../../shared/domain/model.ts';
import { applyMutation, type LabelTarget, type Mutation, plan } from '../../shared/domain/plan.ts';
import { computeEntryBindings } from '../../shared/domain/service-entries.ts';
import { mutationArb, NAMESPACES, snapshotArb } from '../support/arbitraries.ts';
import { gateway, gatewayClass, namespace, pod, service } from '../support/builders.ts';

/** Replays changes onto a binding set: what a consumer of the published changes does. */
function patch(set: BindingSet, changes: readonly BindingChange[]): BindingSet {
  const key = (kind: string, namespace: string, name: string): string =>
    `${kind}/${namespace}/${name}`;
  const entries = new Map<string, unknown>();
  for (const n of set.namespaces) entries.set(key('Namespace', n.namespace, n.namespace), n);
  for (const s of set.services) entries.set(key('Service', s.namespace, s.name), s);
  for (const p of set.pods) entries.set(key('Pod', p.namespace, p.name), p);
  for (const c of changes) {
    const k = key(c.kind, c.namespace, c.name);
    if (c.after === null) entries.delete(k);
    else entries.set(k, c.after);
  }
  const pick = <T>(kind: string): T[] =>
    [...entries.entries()]
      .filter(([k]) => k.startsWith(`${kind}/`))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, v]) => v as T);
  return {
    namespaces: pick<NamespaceBinding>('Namespace'),
    services: pick<ServiceBinding>('Service'),
    pods: pick<PodBinding>('Pod'),
  };
}

function sorted(set: BindingSet): BindingSet {
  const by = (
    a: { namespace: string; name?: string },
    b: { namespace: string; name?: string },
  ): number => {
    const ka = `${a.namespace}/${a.name ?? ''}`;
    const kb = `${b.namespace}/${b.name ?? ''}`;
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  };
  return {
    namespaces: [...set.namespaces].sort(by),
    services: [...set.services].sort(by),
    pods: [...set.pods].sort(by),
  };
}

/** Runs a plan, or returns null when the mutation names something absent or invalid. */
function tryPlan(snapshot: ClusterSnapshot, mutation: Mutation): ReturnType<typeof plan> | null {
  try {
    return plan(snapshot, mutation);
  } catch (error) {
    if (error instanceof NotFoundError || error instanceof ValidationError) return null;
    throw error;
  }
}

type Labels = Record<string, string>;
const USE = 'istio.io/use-waypoint';
const USE_NS = 'istio.io/use-waypoint-namespace';

/** The selectors the arbitraries use, evaluated by hand. */
const SELECTORS: Record<string, (labels: Labels) => boolean> = {
  'team=x': (l) => l.team === 'x',
  'team!=x': (l) => l.team !== 'x',
  '!team': (l) => l.team === undefined,
  'team in (x,y)': (l) => l.team === 'x' || l.team === 'y',
};

function relabelled<T extends { metadata: { labels?: Readonly<Labels> } }>(
  o: T,
  edit: (l: Labels) => void,
): T {
  const labels = { ...o.metadata.labels };
  edit(labels);
  return { ...o, metadata: { ...o.metadata, labels } };
}

/**
 * An independent, deliberately plain model of each mutation: edit labels and Gateways by hand.
 * Returns null where the mutation must be refused (a missing object).
 */
function naiveApply(snapshot: ClusterSnapshot, m: Mutation): ClusterSnapshot | null {
  switch (m.op) {
    case 'enroll':
    case 'unenroll':
      return naiveRelabel(snapshot, m);
    case 'deleteWaypoint':
      return naiveDelete(snapshot, m);
    case 'applyWaypoint':
      return naiveApplyWaypoint(snapshot, m);
    case 'enrollCanary':
    case 'promoteCanary':
    case 'rollbackCanary':
      // Not generated here: test/unit/canary-plan.test.ts checks them row by row.
      throw new Error(`${m.op} is not modelled by the property test`);
  }
}

function naiveRelabel(
  snapshot: ClusterSnapshot,
  m: Mutation & { op: 'enroll' | 'unenroll' },
): ClusterSnapshot | null {
  const t = m.target;
  if (!snapshot.namespaces.some((n) => n.metadata.name === t.namespace)) return null;
  const edit = (l: Labels): void => {
    delete l[USE];
    delete l[USE_NS];
    if (m.op !== 'enroll') return;
    l[USE] = m.waypoint;
    if (m.waypointNamespace !== undefined) l[USE_NS] = m.waypointNamespace;
  };
  const inNs = (o: { metadata: { namespace?: string } }): boolean =>
    o.metadata.namespace === t.namespace;
  if (t.kind === 'namespace') {
    return {
      ...snapshot,
      namespaces: snapshot.namespaces.map((n) =>
        n.metadata.name === t.namespace ? relabelled(n, edit) : n,
      ),
    };
  }
  if (t.kind === 'service') {
    const isIt = (x: ClusterSnapshot['services'][number]): boolean =>
      inNs(x) && x.metadata.name === t.name;
    if (!snapshot.services.some(isIt)) return null;
    return {
      ...snapshot,
      services: snapshot.services.map((x) => (isIt(x) ? relabelled(x, edit) : x)),
    };
  }
  // The generated mutations target no ServiceEntry or WorkloadEntry (test/unit/entry-enroll.test.ts does).
  if (t.kind === 'serviceentry' || t.kind === 'workloadentry') return null;
  if (
    'names' in t &&
    t.names.some((n) => !snapshot.pods.some((p) => inNs(p) && p.metadata.name === n))
  )
    return null;
  const chosen = (p: ClusterSnapshot['pods'][number]): boolean =>
    inNs(p) &&
    ('names' in t
      ? t.names.includes(p.metadata.name)
      : (SELECTORS[t.selector] as (l: Labels) => boolean)({ ...p.metadata.labels }));
  return { ...snapshot, pods: snapshot.pods.map((p) => (chosen(p) ? relabelled(p, edit) : p)) };
}

function naiveDelete(
  snapshot: ClusterSnapshot,
  m: Mutation & { op: 'deleteWaypoint' },
): ClusterSnapshot | null {
  const isIt = (g: ClusterSnapshot['gateways'][number]): boolean =>
    g.metadata.namespace === m.namespace && g.metadata.name === m.name;
  if (!snapshot.gateways.some((g) => isIt(g) && g.spec.gatewayClassName === 'istio-waypoint'))
    return null;
  const gateways = snapshot.gateways.filter((g) => !isIt(g));
  if (m.unenroll !== true) return { ...snapshot, gateways };
  const strip = <T extends { metadata: { labels?: Readonly<Labels> } }>(o: T, ns: string): T =>
    o.metadata.labels?.[USE] === m.name && (o.metadata.labels?.[USE_NS] ?? ns) === m.namespace
      ? relabelled(o, (l) => {
          delete l[USE];
          delete l[USE_NS];
        })
      : o;
  return {
    ...snapshot,
    gateways,
    namespaces: snapshot.namespaces.map((n) => strip(n, n.metadata.name)),
    services: snapshot.services.map((x) => strip(x, x.metadata.namespace ?? '')),
    pods: snapshot.pods.map((p) => strip(p, p.metadata.namespace ?? '')),
  };
}

function naiveApplyWaypoint(
  snapshot: ClusterSnapshot,
  m: Mutation & { op: 'applyWaypoint' },
): ClusterSnapshot | null {
  const ns = snapshot.namespaces.find((n) => n.metadata.name === m.namespace);
  if (ns === undefined) return null;
  if (
    m.enrollNamespace === true &&
    (ns.metadata.labels?.[USE] ?? '') !== '' &&
    m.overwrite !== true
  )
    return snapshot;
  const isIt = (g: ClusterSnapshot['gateways'][number]): boolean =>
    g.metadata.namespace === m.namespace && g.metadata.name === m.name;
  const existing = snapshot.gateways.find(isIt);
  const typeLabel: Labels = m.for === undefined ? {} : { 'istio.io/waypoint-for': m.for };
  const gw =
    existing === undefined
      ? gateway(m.namespace, m.name, { labels: typeLabel })
      : relabelled(existing, (l) => {
          delete l['istio.io/waypoint-for'];
          Object.assign(l, typeLabel);
        });
  const withGateway = { ...snapshot, gateways: [...snapshot.gateways.filter((g) => !isIt(g)), gw] };
  if (m.enrollNamespace !== true) return withGateway;
  const enroll = (l: Labels): void => {
    l[USE] = m.name;
  };
  return {
    ...withGateway,
    namespaces: snapshot.namespaces.map((n) => (n === ns ? relabelled(n, enroll) : n)),
  };
}

describe('diff', () => {
  it('of a binding set with itself is empty', () => {
    fc.assert(
      fc.property(snapshotArb, (snapshot) => {
        const set = computeBindings(snapshot);
        expect(diff(set, set)).toEqual([]);
      }),
    );
  });

  it('replayed onto before gives after', () => {
    fc.assert(
      fc.property(snapshotArb, snapshotArb, (a, b) => {
        const before = computeBindings(a);
        const after = computeBindings(b);
        expect(sorted(patch(before, diff(before, after)))).toEqual(sorted(after));
      }),
    );
  });

  it('reversed swaps before and after', () => {
    fc.assert(
      fc.property(snapshotArb, snapshotArb, (a, b) => {
        const forward = diff(computeBindings(a), computeBindings(b));
        const backward = diff(computeBindings(b), computeBindings(a));
        const flip = (c: BindingChange): BindingChange => ({
          ...c,
          before: c.after,
          after: c.before,
        });
        const key = (c: BindingChange): string => `${c.kind}/${c.namespace}/${c.name}`;
        expect(backward.map(flip).sort((x, y) => (key(x) < key(y) ? -1 : 1))).toEqual(
          [...forward].sort((x, y) => (key(x) < key(y) ? -1 : 1)),
        );
      }),
    );
  });

  it('reports a new, a changed and a removed binding', () => {
    const before = computeBindings({
      namespaces: [namespace('default')],
      services: [service('default', 'kept'), service('default', 'gone')],
      pods: [],
      gateways: [gateway('default', 'w')],
      gatewayClasses: [gatewayClass('istio-waypoint')],
    });
    const after = computeBindings({
      namespaces: [namespace('default')],
      services: [
        service('default', 'kept', { 'istio.io/use-waypoint': 'w' }),
        service('default', 'new'),
      ],
      pods: [],
      gateways: [gateway('default', 'w')],
      gatewayClasses: [gatewayClass('istio-waypoint')],
    });
    expect(
      diff(before, after).map((c) => [
        c.kind,
        c.name,
        c.before?.waypoint?.name ?? null,
        c.after?.waypoint?.name ?? null,
        c.before === null,
        c.after === null,
      ]),
    ).toEqual([
      ['Service', 'gone', null, null, false, true],
      ['Service', 'kept', null, 'w', false, false],
      ['Service', 'new', null, null, true, false],
    ]);
  });
});

describe('plan', () => {
  it("applying a plan's mutation and recomputing gives the plan's after", () => {
    fc.assert(
      fc.property(snapshotArb, mutationArb, (snapshot, mutation) => {
        const result = tryPlan(snapshot, mutation);
        const expected = naiveApply(snapshot, mutation);
        expect(result === null).toBe(expected === null);
        if (result === null || expected === null) return;
        // A plan covers ServiceEntries and WorkloadEntries too (§15).
        const every = (s: ClusterSnapshot) => ({
          ...computeBindings(s),
          ...computeEntryBindings(s),
        });
        expect(result.before).toEqual(every(snapshot));
        expect(result.after).toEqual(every(expected));
        expect(sorted(patch(result.before, result.changes))).toEqual(sorted(result.after));
      }),
      { numRuns: 400 },
    );
  });

  it('unenroll after enroll of the same target restores the labels-free bindings', () => {
    fc.assert(
      fc.property(snapshotArb, mutationArb, (snapshot, mutation) => {
        fc.pre(mutation.op === 'enroll');
        if (mutation.op !== 'enroll') return;
        const enrolled = tryPlan(snapshot, mutation);
        fc.pre(enrolled !== null);
        const cleared = applyMutation(snapshot, {
          op: 'unenroll',
          target: mutation.target,
        }).snapshot;
        const roundTrip = applyMutation(applyMutation(snapshot, mutation).snapshot, {
          op: 'unenroll',
          target: mutation.target,
        });
        expect(computeBindings(roundTrip.snapshot)).toEqual(computeBindings(cleared));
      }),
      { numRuns: 200 },
    );
  });

  const bookinfo: ClusterSnapshot = {
    namespaces: [
      namespace('default', { 'istio.io/dataplane-mode': 'ambient' }),
      namespace('legacy'),
    ],
    services: [service('default', 'reviews'), service('default', 'ratings')],
    pods: [
      pod('default', 'reviews-v1', { app: 'reviews', version: 'v1' }),
      pod('default', 'reviews-v2', { app: 'reviews', version: 'v2' }),
    ],
    gateways: [],
    gatewayClasses: [gatewayClass('istio-waypoint')],
  };

  it('apply --enroll-namespace binds every Service of the namespace, and no Pod', () => {
    const result = plan(bookinfo, {
      op: 'applyWaypoint',
      namespace: 'default',
      name: 'waypoint',
      enrollNamespace: true,
    });
    expect(result.warnings).toEqual([]);
    expect(
      result.changes.map(
        (c) => `${c.kind} ${c.name} -> ${c.after?.waypoint?.name ?? '-'} via ${c.after?.via}`,
      ),
    ).toEqual([
      'Service ratings -> waypoint via namespace',
      'Service reviews -> waypoint via namespace',
    ]);
  });

  it('apply --enroll-namespace warns and does nothing when the namespace already has a waypoint (istioctl)', () => {
    const enrolled = applyMutation(bookinfo, {
      op: 'enroll',
      target: { kind: 'namespace', namespace: 'default' },
      waypoint: 'other',
    }).snapshot;
    const result = plan(enrolled, {
      op: 'applyWaypoint',
      namespace: 'default',
      name: 'waypoint',
      enrollNamespace: true,
    });
    expect(result.warnings).toEqual([
      'namespace (default) already has an enrolled Waypoint. Consider adding the `--overwrite` flag to your apply command.',
    ]);
    expect(result.changes).toEqual([]);
    expect(
      applyMutation(enrolled, {
        op: 'applyWaypoint',
        namespace: 'default',
        name: 'waypoint',
        enrollNamespace: true,
      }).snapshot,
    ).toBe(enrolled);
  });

  it('apply --enroll-namespace on a namespace outside ambient warns and goes on', () => {
    const result = plan(bookinfo, {
      op: 'applyWaypoint',
      namespace: 'legacy',
      name: 'waypoint',
      enrollNamespace: true,
    });
    expect(result.warnings).toEqual([
      'namespace is not enrolled in ambient. Consider running\t`kubectl label namespace legacy istio.io/dataplane-mode=ambient`',
    ]);
    expect(result.changes).toEqual([]);
    const applied = applyMutation(bookinfo, {
      op: 'applyWaypoint',
      namespace: 'legacy',
      name: 'waypoint',
      enrollNamespace: true,
    });
    expect(
      applied.snapshot.namespaces.find((n) => n.metadata.name === 'legacy')?.metadata.labels,
    ).toMatchObject({
      'istio.io/use-waypoint': 'waypoint',
    });
  });

  it('re-applying without --for removes the traffic type label it set (server-side apply)', () => {
    const withType = applyMutation(bookinfo, {
      op: 'applyWaypoint',
      namespace: 'default',
      name: 'w',
      for: 'all',
    }).snapshot;
    const again = applyMutation(withType, {
      op: 'applyWaypoint',
      namespace: 'default',
      name: 'w',
    }).snapshot;
    expect(again.gateways[0]?.metadata.labels).toEqual({});
    expect(again.gateways[0]?.status).toEqual(withType.gateways[0]?.status);
  });

  it('enroll pods by selector labels only the matching pods', () => {
    const result = plan(
      applyMutation(bookinfo, {
        op: 'applyWaypoint',
        namespace: 'default',
        name: 'pw',
        for: 'workload',
      }).snapshot,
      {
        op: 'enroll',
        target: { kind: 'pods', namespace: 'default', selector: 'app=reviews,version=v2' },
        waypoint: 'pw',
      },
    );
    expect(
      result.changes.map(
        (c) => `${c.kind} ${c.name} -> ${c.after?.waypoint?.name} via ${c.after?.via}`,
      ),
    ).toEqual(['Pod reviews-v2 -> pw via pod']);
  });

  it.each<[string, Mutation, string]>([
    [
      'a missing namespace',
      { op: 'enroll', target: { kind: 'namespace', namespace: 'nope' }, waypoint: 'w' },
      'namespaces "nope" not found',
    ],
    [
      'a missing service',
      {
        op: 'enroll',
        target: { kind: 'service', namespace: 'default', name: 'nope' },
        waypoint: 'w',
      },
      'services "nope" not found',
    ],
    [
      'a missing pod',
      { op: 'unenroll', target: { kind: 'pods', namespace: 'default', names: ['nope'] } },
      'pods "nope" not found',
    ],
    [
      'a missing waypoint',
      { op: 'deleteWaypoint', namespace: 'default', name: 'nope' },
      'waypoint default/nope not found',
    ],
    [
      'a waypoint in a missing namespace (istioctl apply)',
      { op: 'applyWaypoint', namespace: 'nope', name: 'waypoint' },
      'namespace: nope not found',
    ],
  ])('refuses %s with NotFoundError', (_case, mutation, message) => {
    expect(() => plan(bookinfo, mutation)).toThrow(new NotFoundError(message));
  });

  it.each<[string, Mutation, string]>([
    [
      'a waypoint name that is no label value',
      { op: 'enroll', target: { kind: 'namespace', namespace: 'default' }, waypoint: 'Bad Name' },
      'waypoint',
    ],
    [
      'a bad selector',
      {
        op: 'enroll',
        target: { kind: 'pods', namespace: 'default', selector: 'app in (' },
        waypoint: 'w',
      },
      'selector',
    ],
    [
      'a blank selector, which apimachinery reads as every pod',
      {
        op: 'enroll',
        target: { kind: 'pods', namespace: 'default', selector: ' \t' },
        waypoint: 'w',
      },
      'selector',
    ],
    ['the reserved name none', { op: 'applyWaypoint', namespace: 'default', name: 'none' }, 'name'],
  ])('refuses %s with a ValidationError naming the field', (_case, mutation, path) => {
    try {
      plan(bookinfo, mutation);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).problems[0]?.path).toBe(path);
    }
  });

  it('delete --unenroll removes every label that names the waypoint, and only those', () => {
    const world = applyMutation(bookinfo, {
      op: 'applyWaypoint',
      namespace: 'default',
      name: 'waypoint',
      enrollNamespace: true,
    }).snapshot;
    const labelled = applyMutation(world, {
      op: 'enroll',
      target: { kind: 'pods', namespace: 'default', names: ['reviews-v1'] },
      waypoint: 'other',
    }).snapshot;
    expect(dependents(labelled, { namespace: 'default', name: 'waypoint' })).toEqual([
      { kind: 'Namespace', namespace: 'default', name: 'default' },
    ]);
    const after = applyMutation(labelled, {
      op: 'deleteWaypoint',
      namespace: 'default',
      name: 'waypoint',
      unenroll: true,
    }).snapshot;
    expect(dependents(after, { namespace: 'default', name: 'waypoint' })).toEqual([]);
    expect(
      after.pods.find((p) => p.metadata.name === 'reviews-v1')?.metadata.labels?.[
        'istio.io/use-waypoint'
      ],
    ).toBe('other');
  });
});

describe('compact form', () => {
  it('expands to exactly the full bindings of every pod, for every namespace', () => {
    fc.assert(
      fc.property(snapshotArb, (snapshot) => {
        const full = computeBindings(snapshot);
        for (const ns of NAMESPACES) {
          const compact = computeNamespaceBindings(snapshot, ns);
          expect(compact.services).toEqual(full.services.filter((s) => s.namespace === ns));
          for (const p of snapshot.pods.filter((x) => x.metadata.namespace === ns)) {
            expect(podBindingFromCompact(compact, p)).toEqual(
              full.pods.find((b) => b.namespace === ns && b.name === p.metadata.name),
            );
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('holds only the pods that carry a label the rules read', () => {
    const snapshot: ClusterSnapshot = {
      namespaces: [namespace('default')],
      services: [],
      pods: [
        pod('default', 'plain'),
        pod('default', 'own', { 'istio.io/use-waypoint': 'none' }),
        pod('default', 'gw', { 'gateway.networking.k8s.io/gateway-name': 'w' }),
      ],
      gateways: [],
      gatewayClasses: [],
    };
    expect(computeNamespaceBindings(snapshot, 'default').pods.map((p) => p.name)).toEqual([
      'gw',
      'own',
    ]);
  });
});

describe('enrollWarnings: what an enrollment will not do as asked', () => {
  const snapshot: ClusterSnapshot = {
    namespaces: [namespace('shop', { 'istio.io/dataplane-mode': 'ambient' })],
    services: [service('shop', 'cart')],
    pods: [pod('shop', 'cart-1', { app: 'cart' })],
    gateways: [
      gateway('shop', 'svc-wp'),
      gateway('shop', 'pod-wp', { labels: { 'istio.io/waypoint-for': 'workload' } }),
      gateway('shop', 'both-wp', { labels: { 'istio.io/waypoint-for': 'all' } }),
      gateway('shop', 'off-wp', { labels: { 'istio.io/waypoint-for': 'none' } }),
      gateway('shop', 'class-wp', { className: 'workload-class' }),
    ],
    gatewayClasses: [
      gatewayClass('istio-waypoint'),
      gatewayClass('workload-class', { 'istio.io/waypoint-for': 'workload' }),
    ],
  };
  const enroll = (target: LabelTarget, waypoint: string): string[] => [
    ...plan(snapshot, { op: 'enroll', target, waypoint }).warnings,
  ];
  const svc = { kind: 'service', namespace: 'shop', name: 'cart' } as const;
  const pods = { kind: 'pods', namespace: 'shop', selector: 'app=cart' } as const;
  const ns = { kind: 'namespace', namespace: 'shop' } as const;

  it.each([
    ['a Service onto a service waypoint (T1)', svc, 'svc-wp', []],
    ['a Service onto an all waypoint', svc, 'both-wp', []],
    ['pods onto a workload waypoint', pods, 'pod-wp', []],
    ['a namespace onto any waypoint: each object takes what it can', ns, 'pod-wp', []],
    ['opting out with none', svc, 'none', []],
    [
      'a Service onto a workload waypoint (UnsupportedTrafficType)',
      svc,
      'pod-wp',
      [
        'waypoint shop/pod-wp serves workload traffic (istio.io/waypoint-for: workload), not service traffic: the Service gets no waypoint (UnsupportedTrafficType); apply it with --for service or all',
      ],
    ],
    [
      'a Service onto a waypoint whose class is for workload (T2)',
      svc,
      'class-wp',
      [
        'waypoint shop/class-wp serves workload traffic (istio.io/waypoint-for: workload), not service traffic: the Service gets no waypoint (UnsupportedTrafficType); apply it with --for service or all',
      ],
    ],
    [
      'pods onto a service waypoint',
      pods,
      'svc-wp',
      [
        'waypoint shop/svc-wp serves service traffic (istio.io/waypoint-for: service), not workload traffic: the pods get no waypoint (UnsupportedTrafficType); apply it with --for workload or all',
      ],
    ],
    [
      'pods onto a waypoint for none',
      pods,
      'off-wp',
      [
        'waypoint shop/off-wp serves none traffic (istio.io/waypoint-for: none), not workload traffic: the pods get no waypoint (UnsupportedTrafficType); apply it with --for workload or all',
      ],
    ],
    [
      'a waypoint that does not exist',
      svc,
      'ghost',
      [
        'waypoint shop/ghost does not exist yet: the binding dangles (no waypoint) until it is applied',
      ],
    ],
  ])('%s', (_case, target, waypoint, warnings) => {
    expect(enroll(target, waypoint)).toEqual(warnings);
  });
});
