/**
 * ServiceEntries and WorkloadEntries (docs/istio-semantics.md §15) in the diff and the published
 * binding-change messages: kinds `ServiceEntry` (service traffic, with canary) and `WorkloadEntry`
 * (workload traffic, inline endpoints included), `before`/`after` in the bindings item shape.
 */
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { type BindingSet, EMPTY_BINDINGS } from '../../shared/domain/bindings.ts';
import { diff } from '../../shared/domain/diff.ts';
import {
  type BindingChangeEvent,
  type BindingChangesInput,
  bindingChangeMessages,
  eventSource,
} from '../../shared/domain/message.ts';
import type { ClusterSnapshot } from '../../shared/domain/model.ts';
import {
  computeEntryBindings,
  type ServiceEntryBinding,
  type WorkloadEntryBinding,
} from '../../shared/domain/service-entries.ts';
import { gateway, gatewayClass, namespace } from '../support/builders.ts';

const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule })
  .default ?? addFormatsModule) as unknown as (ajv: Ajv2020) => Ajv2020;
const schema = JSON.parse(
  readFileSync(new URL('../../schemas/binding-changes.v1.schema.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;
const validate = addFormats(
  new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true }),
).compile(schema);

const waypoint = { namespace: 'ns', name: 'waypoint' };
const accepted = {
  'istio.io/WaypointBound': {
    status: 'True' as const,
    reason: 'WaypointAccepted',
    message: 'Successfully attached to waypoint ns/waypoint',
  },
};

const se = (overrides: Partial<ServiceEntryBinding> = {}): ServiceEntryBinding => ({
  namespace: 'ns',
  name: 'external',
  waypoint,
  via: 'serviceentry',
  canary: null,
  conditions: accepted,
  ...overrides,
});

const we = (overrides: Partial<WorkloadEntryBinding> = {}): WorkloadEntryBinding => ({
  namespace: 'ns',
  name: 'vm-1',
  waypoint,
  via: 'workloadentry',
  conditions: accepted,
  ...overrides,
});

const set = (
  serviceEntries: ServiceEntryBinding[],
  workloadEntries: WorkloadEntryBinding[],
): BindingSet => ({ ...EMPTY_BINDINGS, serviceEntries, workloadEntries });

const input = (before: BindingSet, after: BindingSet): BindingChangesInput => ({
  cluster: 'prod',
  namespace: 'ns',
  generation: 2,
  previousGeneration: 1,
  changes: diff(before, after),
  cause: { trigger: 'sweep', actor: null, auditIds: [] },
  source: eventSource('prod'),
  time: '2026-01-29T10:00:00Z',
});

function publish(before: BindingSet, after: BindingSet): BindingChangeEvent {
  const messages = bindingChangeMessages(input(before, after));
  expect(messages).toHaveLength(1);
  const event = JSON.parse(messages[0]?.body ?? '') as BindingChangeEvent;
  const ok = validate(event);
  expect(ok ? [] : validate.errors).toEqual([]);
  return event;
}

describe('diff of ServiceEntries and WorkloadEntries', () => {
  it('is empty for the same entries, and a stored state without entries reads as none', () => {
    const state = set([se()], [we()]);
    expect(diff(state, state)).toEqual([]);
    expect(diff(EMPTY_BINDINGS, { ...EMPTY_BINDINGS })).toEqual([]);
    expect(diff(EMPTY_BINDINGS, set([], []))).toEqual([]);
  });

  it.each([
    ['S1 a new ServiceEntry', set([], []), set([se()], []), null, se()],
    ['S1 a deleted ServiceEntry', set([se()], []), set([], []), se(), null],
    [
      'S1 a ServiceEntry moved to another waypoint',
      set([se()], []),
      set([se({ waypoint: { namespace: 'ns', name: 'other' } })], []),
      se(),
      se({ waypoint: { namespace: 'ns', name: 'other' } }),
    ],
    [
      '§5.1 a canary added to a ServiceEntry',
      set([se()], []),
      set([se({ canary: { waypoint: { namespace: 'ns', name: 'canary' }, weight: 10 } })], []),
      se(),
      se({ canary: { waypoint: { namespace: 'ns', name: 'canary' }, weight: 10 } }),
    ],
    [
      'S7 only a condition changed (WaypointMissing appears)',
      set([se({ waypoint: null, via: null, conditions: {} })], []),
      set(
        [
          se({
            waypoint: null,
            via: null,
            conditions: {
              'istio.io/WaypointMissing': {
                status: 'True',
                reason: 'NoWaypointForWildcardService',
                message: 'ServiceEntry will not apply until it is bound to a valid waypoint.',
              },
            },
          }),
        ],
        [],
      ),
      se({ waypoint: null, via: null, conditions: {} }),
      'changed',
    ],
  ])('%s is a ServiceEntry change of service traffic', (_, before, after, was, is) => {
    const [change, ...rest] = diff(before, after);
    expect(rest).toEqual([]);
    expect(change).toMatchObject({ kind: 'ServiceEntry', namespace: 'ns', name: 'external' });
    expect(change?.traffic).toBe('service');
    expect(change?.before).toEqual(was);
    if (is !== 'changed') expect(change?.after).toEqual(is);
  });

  it('E2 a WorkloadEntry is a change of workload traffic; E4 inline endpoints are told apart by address', () => {
    const endpoint = (address: string, w = waypoint): WorkloadEntryBinding =>
      we({ name: 'external', serviceEntryEndpoint: address, waypoint: w, conditions: {} });
    const before = set([], [we(), endpoint('10.0.0.1'), endpoint('10.0.0.2')]);
    const after = set(
      [],
      [endpoint('10.0.0.1'), endpoint('10.0.0.2', { namespace: 'ns', name: 'other' })],
    );
    const changes = diff(before, after);
    expect(changes.map((c) => [c.kind, c.name, c.traffic])).toEqual([
      ['WorkloadEntry', 'external', 'workload'],
      ['WorkloadEntry', 'vm-1', 'workload'],
    ]);
    expect(changes[0]?.before).toEqual(endpoint('10.0.0.2'));
    expect(changes[1]?.after).toBeNull();
  });

  it('condition key order does not make a change (a stored state may list them in any order)', () => {
    const two = {
      'istio.io/WaypointBound': accepted['istio.io/WaypointBound'],
      'istio.io/VisibilityApplied': { status: 'True' as const, reason: 'Public', message: 'x' },
    };
    const reversed = {
      'istio.io/VisibilityApplied': two['istio.io/VisibilityApplied'],
      'istio.io/WaypointBound': two['istio.io/WaypointBound'],
    };
    expect(
      diff(set([se({ conditions: two })], []), set([se({ conditions: reversed })], [])),
    ).toEqual([]);
  });
});

describe('published ServiceEntry and WorkloadEntry changes', () => {
  it('publish schema-valid, after Services and Pods, in the bindings item shape of their kind', () => {
    const canary = { waypoint: { namespace: 'ns', name: 'canary' }, weight: 5 };
    const after: BindingSet = {
      services: [
        {
          namespace: 'ns',
          name: 'svc',
          waypoint,
          canary: null,
          via: 'namespace',
          condition: {
            status: 'True',
            reason: 'WaypointAccepted',
            message: 'Successfully attached to waypoint ns/waypoint',
          },
        },
      ],
      pods: [{ namespace: 'ns', name: 'pod', waypoint, via: 'pod' }],
      namespaces: [{ namespace: 'ns', waypoint, via: 'namespace' }],
      serviceEntries: [se({ canary })],
      workloadEntries: [
        we(),
        we({ name: 'external', serviceEntryEndpoint: '10.0.0.1', conditions: {} }),
      ],
    };
    const event = publish(EMPTY_BINDINGS, after);
    expect(event.data.changes.map((c) => [c.kind, c.name, c.traffic])).toEqual([
      ['Namespace', 'ns', 'workload'],
      ['Service', 'svc', 'service'],
      ['Pod', 'pod', 'workload'],
      ['ServiceEntry', 'external', 'service'],
      ['WorkloadEntry', 'external', 'workload'],
      ['WorkloadEntry', 'vm-1', 'workload'],
    ]);
    expect(event.data.changes[3]).toEqual({
      kind: 'ServiceEntry',
      name: 'external',
      traffic: 'service',
      before: null,
      after: {
        namespace: 'ns',
        name: 'external',
        waypoint,
        canary,
        via: 'serviceentry',
        conditions: accepted,
      },
    });
    expect(event.data.changes[4]?.after).toEqual({
      namespace: 'ns',
      name: 'external',
      waypoint,
      via: 'workloadentry',
      conditions: {},
      serviceEntryEndpoint: '10.0.0.1',
    });
    expect(event.data.changes[5]?.after).toEqual({
      namespace: 'ns',
      name: 'vm-1',
      waypoint,
      via: 'workloadentry',
      conditions: accepted,
    });
  });

  it('publish a removed entry with after null', () => {
    const event = publish(set([se()], [we()]), set([], []));
    expect(event.data.changes.map((c) => [c.kind, c.before === null, c.after === null])).toEqual([
      ['ServiceEntry', false, true],
      ['WorkloadEntry', false, true],
    ]);
  });

  it('publish what computeEntryBindings computes for a real snapshot (S1, E2, E4)', () => {
    const snapshot: ClusterSnapshot = {
      namespaces: [namespace('ns', { 'istio.io/use-waypoint': 'waypoint' })],
      services: [],
      pods: [],
      gateways: [gateway('ns', 'waypoint', { labels: { 'istio.io/waypoint-for': 'all' } })],
      gatewayClasses: [gatewayClass('istio-waypoint')],
      serviceEntries: [
        {
          metadata: {
            name: 'external',
            namespace: 'ns',
            creationTimestamp: '2026-01-01T00:00:00Z',
          },
          spec: {
            hosts: ['api.example.com'],
            resolution: 'STATIC',
            endpoints: [{ address: '10.0.0.1' }, { address: '10.0.0.2' }],
          },
        },
      ],
      workloadEntries: [
        { metadata: { name: 'vm-1', namespace: 'ns' }, spec: { address: '1.2.3.4' } },
      ],
    };
    const event = publish(EMPTY_BINDINGS, {
      ...EMPTY_BINDINGS,
      ...computeEntryBindings(snapshot, 'ns'),
    });
    expect(event.data.changes.map((c) => [c.kind, c.name])).toEqual([
      ['ServiceEntry', 'external'],
      ['WorkloadEntry', 'external'],
      ['WorkloadEntry', 'external'],
      ['WorkloadEntry', 'vm-1'],
    ]);
    expect(event.data.changes.every((c) => c.after?.waypoint?.name === 'waypoint')).toBe(true);
  });

  it.each([
    ['a Service via on a ServiceEntry', 'ServiceEntry', { via: 'service' }],
    ['a pod via on a WorkloadEntry', 'WorkloadEntry', { via: 'pod' }],
    ['a condition without a reason', 'ServiceEntry', { conditions: { x: { status: 'True' } } }],
    ['a ServiceEntry condition (singular) field', 'ServiceEntry', { condition: null }],
  ])('the schema rejects %s', (_, kind, edit) => {
    const event = publish(EMPTY_BINDINGS, set([se()], [we()]));
    const change = event.data.changes.find((c) => c.kind === kind) as unknown as {
      after: Record<string, unknown>;
    };
    Object.assign(change.after, edit);
    expect(validate(JSON.parse(JSON.stringify(event)))).toBe(false);
  });

  it('refuses a via of another kind instead of publishing it', () => {
    const bad = se({ via: 'service' as unknown as 'serviceentry' });
    expect(() => bindingChangeMessages(input(EMPTY_BINDINGS, set([bad], [])))).toThrow(
      /ServiceEntry external: after.via "service" is not valid here/,
    );
  });
});
