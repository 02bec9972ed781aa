/**
 * Rows follow:
 * - kubernetes/kubernetes `test/integration/apiserver/apply/apply_test.go` (TestApplyManagedFields,
 *   TestApplyRemovesEmptyManagedFields, TestApplyUnsetExclusivelyOwnedFields,
 *   TestApplyUnsetSharedFields, TestApplyCanTransferFieldOwnershipToController,
 *   TestApplyCanRemoveMapItemsContributedToByControllers, TestApplyUpdateApplyConflictForced,
 *   TestApplyConvertsManagedFieldsVersion, TestClearManagedFieldsWithUpdate*, TestDefaultMissingKeys).
 * - sigs.k8s.io/structured-merge-diff `merge/multiple_appliers_test.go` (TestMultipleAppliersSet
 *   remove_one, same_value_no_conflict, change_value_yes_conflict; updater_claims_field) and
 *   `merge/update.go` (Apply: merge, prune, update; Update: modified+added-removed).
 * - k8s.io/apimachinery `pkg/util/managedfields/internal`: conflict_test.go TestNewConflictError
 *   (messages), stripmeta.go, skipnonapplied.go, managedfieldsupdater.go (time only moves when the
 *   object changes), managedfields.go (identifiers, entry order), fieldpath serialize.go (`.` first).
 */
import { describe, expect, it } from 'vitest';
import { ApplyConflictError } from '../src/errors.ts';
import { applyMergePatch } from '../src/patch.ts';
import { LIST_MAP_KEYS, recordUpdate, serverSideApply } from '../src/server-side-apply.ts';

type Obj = Record<string, unknown> & { metadata?: Record<string, unknown> };

type Step =
  | {
      readonly apply: object;
      readonly manager: string;
      readonly force?: boolean;
      readonly subresource?: string;
    }
  | { readonly mergePatch: object; readonly manager: string }
  | { readonly create: object; readonly manager: string };

const at = (step: number): string => `2024-05-01T10:0${step}:00Z`;

/** Runs writes in order, step i at time `at(i)`, the way the API server would. */
function run(
  steps: readonly Step[],
  apiVersion: string,
  listMapKeys: Record<string, readonly string[]> = {},
): Obj {
  let live: object | undefined;
  steps.forEach((step, i) => {
    const common = { manager: step.manager, apiVersion, now: at(i), listMapKeys };
    if ('apply' in step) {
      const sub = step.subresource === undefined ? {} : { subresource: step.subresource };
      live = serverSideApply(live, step.apply, {
        ...common,
        force: step.force ?? false,
        ...sub,
      }).object;
    } else if ('create' in step) live = recordUpdate(undefined, step.create, common);
    else live = recordUpdate(live, applyMergePatch(live, step.mergePatch) as object, common);
  });
  return live as unknown as Obj;
}

function managedOf(object: Obj): Record<string, unknown>[] {
  return (object.metadata?.managedFields ?? []) as Record<string, unknown>[];
}

/** `[manager, operation, time, fieldsV1]` of each managedFields entry, in order. */
function entries(object: Obj): unknown[][] {
  return managedOf(object).map((e) => [e.manager, e.operation, e.time, e.fieldsV1]);
}

function conflictOf(fn: () => unknown): ApplyConflictError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ApplyConflictError) return error;
    throw error;
  }
  throw new Error('expected an ApplyConflictError');
}

const GW = 'gateway.networking.k8s.io/v1';
const GW_KEYS = LIST_MAP_KEYS.Gateway as Record<string, readonly string[]>;
const MESH_LISTENER = { name: 'mesh', port: 15008, protocol: 'HBONE' };
const MESH_FIELDS = {
  'k:{"name":"mesh"}': { '.': {}, 'f:name': {}, 'f:port': {}, 'f:protocol': {} },
};

/** `labels` unless empty: an empty map in a configuration is a field of its own (tofieldset.go). */
function withLabels(labels: Record<string, string>): { labels?: Record<string, string> } {
  return Object.keys(labels).length === 0 ? {} : { labels };
}

function gateway(labels: Record<string, string>, listeners: object[] = [MESH_LISTENER]): object {
  return {
    apiVersion: GW,
    kind: 'Gateway',
    metadata: { name: 'waypoint', namespace: 'bookinfo', ...withLabels(labels) },
    spec: { gatewayClassName: 'istio-waypoint', listeners },
  };
}

const configMap = (extra: object = {}): object => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'test-cm', namespace: 'default' },
  ...extra,
});

function rc(labels: Record<string, string>, replicas: number): object {
  return {
    apiVersion: 'v1',
    kind: 'ReplicationController',
    metadata: { name: 'rc', namespace: 'default', ...withLabels(labels) },
    spec: { replicas },
  };
}

describe('serverSideApply: ownership and pruning', () => {
  it.each([
    [
      'TestApplyManagedFields: updates move data.key to "updater", one grouped Update entry',
      [
        {
          manager: 'apply_test',
          apply: configMap({
            metadata: { name: 'test-cm', namespace: 'default', labels: { 'test-label': 'test' } },
            data: { key: 'value' },
          }),
        },
        { manager: 'updater', mergePatch: { data: { 'new-key': 'value' } } },
        { manager: 'updater', mergePatch: { data: { key: 'new value' } } },
      ],
      'v1',
      {},
      { data: { key: 'new value', 'new-key': 'value' } },
      [
        ['apply_test', 'Apply', at(0), { 'f:metadata': { 'f:labels': { 'f:test-label': {} } } }],
        ['updater', 'Update', at(2), { 'f:data': { 'f:key': {}, 'f:new-key': {} } }],
      ],
    ],
    [
      'TestApplyUnsetExclusivelyOwnedFields: re-applying a Gateway without a label removes it',
      [
        {
          manager: 'waypointer',
          apply: gateway({ 'istio.io/waypoint-for': 'service', team: 'a' }),
        },
        { manager: 'waypointer', apply: gateway({ 'istio.io/waypoint-for': 'service' }) },
      ],
      GW,
      GW_KEYS,
      {
        metadata: {
          name: 'waypoint',
          namespace: 'bookinfo',
          labels: { 'istio.io/waypoint-for': 'service' },
        },
      },
      [
        [
          'waypointer',
          'Apply',
          at(1),
          {
            'f:metadata': { 'f:labels': { 'f:istio.io/waypoint-for': {} } },
            'f:spec': { 'f:gatewayClassName': {}, 'f:listeners': MESH_FIELDS },
          },
        ],
      ],
    ],
    [
      'unset_scalar_sole_owner: the last owned label goes and takes the empty map with it',
      [
        { manager: 'waypointer', apply: gateway({ team: 'a' }) },
        { manager: 'waypointer', apply: gateway({}) },
      ],
      GW,
      GW_KEYS,
      { metadata: { name: 'waypoint', namespace: 'bookinfo' } },
      [
        [
          'waypointer',
          'Apply',
          at(1),
          { 'f:spec': { 'f:gatewayClassName': {}, 'f:listeners': MESH_FIELDS } },
        ],
      ],
    ],
    [
      'TestApplyUnsetSharedFields: two managers share a label; one drops it, the label stays',
      [
        { manager: 'shared_owner_1', apply: gateway({ team: 'a' }) },
        { manager: 'shared_owner_2', apply: gateway({ team: 'a' }) },
        { manager: 'shared_owner_1', apply: gateway({}) },
      ],
      GW,
      GW_KEYS,
      { metadata: { name: 'waypoint', namespace: 'bookinfo', labels: { team: 'a' } } },
      [
        // managedFieldsUpdater: an apply that changes nothing leaves the entry's time as it was
        // (shared_owner_2 never changed the object, so it has none and sorts first).
        [
          'shared_owner_2',
          'Apply',
          undefined,
          {
            'f:metadata': { 'f:labels': { 'f:team': {} } },
            'f:spec': { 'f:gatewayClassName': {}, 'f:listeners': MESH_FIELDS },
          },
        ],
        [
          'shared_owner_1',
          'Apply',
          at(0),
          { 'f:spec': { 'f:gatewayClassName': {}, 'f:listeners': MESH_FIELDS } },
        ],
      ],
    ],
    [
      'updater_claims_field + TestApplyCanTransferFieldOwnershipToController',
      [
        { manager: 'test_applier', apply: rc({ app: 'nginx' }, 3) },
        { manager: 'test_updater', mergePatch: { spec: { replicas: 4 } } },
        {
          manager: 'test_applier',
          apply: { ...rc({ app: 'nginx' }, 0), spec: {} },
        },
      ],
      'v1',
      {},
      { spec: { replicas: 4 } },
      [
        // The applier's `spec: {}` is a field of its own: an empty object is a leaf (tofieldset.go).
        [
          'test_applier',
          'Apply',
          at(0),
          { 'f:metadata': { 'f:labels': { 'f:app': {} } }, 'f:spec': {} },
        ],
        ['test_updater', 'Update', at(1), { 'f:spec': { 'f:replicas': {} } }],
      ],
    ],
    [
      'TestMultipleAppliersSet remove_one: Gateway spec.listeners is a list-map keyed by name',
      [
        {
          manager: 'apply-one',
          apply: gateway({}, [
            { name: 'a', port: 1 },
            { name: 'b', port: 2 },
          ]),
        },
        { manager: 'apply-two', apply: gateway({}, [{ name: 'c', port: 3 }]) },
        { manager: 'apply-one', apply: gateway({}, [{ name: 'a', port: 1 }]) },
      ],
      GW,
      GW_KEYS,
      {
        spec: {
          gatewayClassName: 'istio-waypoint',
          listeners: [
            { name: 'a', port: 1 },
            { name: 'c', port: 3 },
          ],
        },
      },
      [
        [
          'apply-two',
          'Apply',
          at(1),
          {
            'f:spec': {
              'f:gatewayClassName': {},
              'f:listeners': { 'k:{"name":"c"}': { '.': {}, 'f:name': {}, 'f:port': {} } },
            },
          },
        ],
        [
          'apply-one',
          'Apply',
          at(2),
          {
            'f:spec': {
              'f:gatewayClassName': {},
              'f:listeners': { 'k:{"name":"a"}': { '.': {}, 'f:name': {}, 'f:port': {} } },
            },
          },
        ],
      ],
    ],
    [
      'TestApplyRemovesEmptyManagedFields: name and namespace alone are owned by nobody',
      [
        { manager: 'apply_test', apply: configMap() },
        { manager: 'apply_test', apply: configMap() },
      ],
      'v1',
      {},
      { metadata: { name: 'test-cm', namespace: 'default' } },
      [],
    ],
  ])('%s', (_rule, steps, apiVersion, keys, expected, managed) => {
    const object = run(steps as Step[], apiVersion, keys);
    expect(object).toMatchObject(expected);
    if ('metadata' in expected) {
      const { managedFields: _, ...metadata } = object.metadata ?? {};
      expect(metadata).toEqual((expected as { metadata: object }).metadata);
    }
    expect(entries(object)).toEqual(managed);
  });

  it('TestApplyCanRemoveMapItemsContributedToByControllers: the item goes with its updated field', () => {
    const pod = (containers: object[]): object => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'default' },
      spec: { containers },
    });
    const object = run(
      [
        { manager: 'test_applier', apply: pod([{ name: 'nginx', image: 'nginx:latest' }]) },
        {
          manager: 'test_updater',
          mergePatch: {
            spec: { containers: [{ name: 'nginx', image: 'nginx:latest', workingDir: '/r' }] },
          },
        },
        { manager: 'test_applier', apply: pod([{ name: 'other-container', image: 'nginx' }]) },
      ],
      'v1',
      LIST_MAP_KEYS.Pod as Record<string, readonly string[]>,
    );
    expect((object.spec as { containers: unknown }).containers).toEqual([
      { name: 'other-container', image: 'nginx' },
    ]);
    expect(entries(object).map((e) => e[0])).toEqual(['test_applier']);
  });
});

it('TestApplyRemoveContainerPort: a list nested in a list-map item is pruned too', () => {
  const pod = (container: object): object => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'default' },
    spec: { containers: [container] },
  });
  const object = run(
    [
      {
        manager: 'apply_test',
        apply: pod({
          name: 'nginx',
          image: 'nginx',
          ports: [{ containerPort: 80, protocol: 'TCP' }],
        }),
      },
      { manager: 'apply_test', apply: pod({ name: 'nginx', image: 'nginx' }) },
    ],
    'v1',
    LIST_MAP_KEYS.Pod as Record<string, readonly string[]>,
  );
  expect(object.spec).toEqual({ containers: [{ name: 'nginx', image: 'nginx' }] });
});

describe('serverSideApply: conflicts', () => {
  it.each([
    [
      'change_value_yes_conflict: an applier owning the listener port',
      [{ manager: 'apply-one', apply: gateway({}) }],
      { manager: 'apply-two', apply: gateway({}, [{ ...MESH_LISTENER, port: 15009 }]) },
      GW,
      GW_KEYS,
      'Apply failed with 1 conflict: conflict with "apply-one": .spec.listeners[name="mesh"].port',
      [
        {
          type: 'FieldManagerConflict',
          message: 'conflict with "apply-one"',
          field: '.spec.listeners[name="mesh"].port',
        },
      ],
    ],
    [
      'printManager: an Update manager prints "using <apiVersion>"',
      [
        {
          manager: 'kubectl-client-side-apply',
          create: {
            apiVersion: 'v1',
            kind: 'Service',
            metadata: { name: 's', namespace: 'default', labels: { app: 'a' } },
          },
        },
      ],
      {
        manager: 'kubectl',
        apply: {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: 's', namespace: 'default', labels: { app: 'b' } },
        },
      },
      'v1',
      {},
      'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using v1: .metadata.labels.app',
      [
        {
          type: 'FieldManagerConflict',
          message: 'conflict with "kubectl-client-side-apply" using v1',
          field: '.metadata.labels.app',
        },
      ],
    ],
    [
      'TestDefaultMissingKeys: Service ports key on port and protocol (protocol defaults to TCP)',
      [
        {
          manager: 'first',
          apply: {
            apiVersion: 'v1',
            kind: 'Service',
            metadata: { name: 's', namespace: 'default' },
            spec: { ports: [{ port: 80, targetPort: 8080 }] },
          },
        },
      ],
      {
        manager: 'second',
        apply: {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: 's', namespace: 'default' },
          spec: { ports: [{ port: 80, protocol: 'TCP', targetPort: 9090 }] },
        },
      },
      'v1',
      LIST_MAP_KEYS.Service,
      'Apply failed with 1 conflict: conflict with "first": .spec.ports[port=80,protocol="TCP"].targetPort',
      [
        {
          type: 'FieldManagerConflict',
          message: 'conflict with "first"',
          field: '.spec.ports[port=80,protocol="TCP"].targetPort',
        },
      ],
    ],
  ])('%s', (_rule, setup, step, apiVersion, keys, message, causes) => {
    const live = run(setup as Step[], apiVersion, keys as Record<string, readonly string[]>);
    const s = step as { apply: object; manager: string };
    const error = conflictOf(() =>
      serverSideApply(live, s.apply, {
        manager: s.manager,
        force: false,
        apiVersion,
        now: at(9),
        listMapKeys: keys as Record<string, readonly string[]>,
      }),
    );
    expect(error.message).toBe(message);
    expect(error.causes).toEqual(causes);
    expect([error.status, error.reason]).toEqual([409, 'Conflict']);
  });

  it('TestNewConflictError: several conflicts are grouped by sorted manager', () => {
    const live = run(
      [
        { manager: 'bar', apply: rc({ app: 'a' }, 1) },
        { manager: 'foo', mergePatch: { spec: { replicas: 2 } } },
      ],
      'v1',
    );
    const error = conflictOf(() =>
      serverSideApply(live, rc({ app: 'b' }, 3), {
        manager: 'baz',
        force: false,
        apiVersion: 'v1',
        now: at(9),
        listMapKeys: {},
      }),
    );
    expect(error.message).toBe(
      'Apply failed with 2 conflicts: conflicts with "bar":\n- .metadata.labels.app\n' +
        'conflicts with "foo" using v1:\n- .spec.replicas',
    );
    expect(error.causes).toEqual([
      {
        type: 'FieldManagerConflict',
        message: 'conflict with "bar"',
        field: '.metadata.labels.app',
      },
      {
        type: 'FieldManagerConflict',
        message: 'conflict with "foo" using v1',
        field: '.spec.replicas',
      },
    ]);
  });

  it('TestApplyUpdateApplyConflictForced: force takes the field; the emptied updater entry goes', () => {
    const steps: Step[] = [
      { manager: 'apply_test', apply: rc({ app: 'nginx' }, 3) },
      { manager: 'kubectl-patch', mergePatch: { spec: { replicas: 5 } } },
    ];
    const live = run(steps, 'v1');
    const options = { manager: 'apply_test', apiVersion: 'v1', now: at(2), listMapKeys: {} };
    const again = (): unknown =>
      serverSideApply(live, rc({ app: 'nginx' }, 3), { ...options, force: false });
    expect(conflictOf(again).message).toBe(
      'Apply failed with 1 conflict: conflict with "kubectl-patch" using v1: .spec.replicas',
    );
    const forced = serverSideApply(live, rc({ app: 'nginx' }, 3), { ...options, force: true })
      .object as Obj;
    expect(forced.spec).toEqual({ replicas: 3 });
    expect(entries(forced)).toEqual([
      [
        'apply_test',
        'Apply',
        at(2),
        { 'f:metadata': { 'f:labels': { 'f:app': {} } }, 'f:spec': { 'f:replicas': {} } },
      ],
    ]);
  });

  it('same_value_no_conflict: applying the same value shares ownership', () => {
    const object = run(
      [
        { manager: 'apply-one', apply: gateway({}) },
        { manager: 'apply-two', apply: gateway({}) },
      ],
      GW,
      GW_KEYS,
    );
    expect(entries(object).map((e) => [e[0], e[3]])).toEqual([
      ['apply-two', { 'f:spec': { 'f:gatewayClassName': {}, 'f:listeners': MESH_FIELDS } }],
      ['apply-one', { 'f:spec': { 'f:gatewayClassName': {}, 'f:listeners': MESH_FIELDS } }],
    ]);
  });
});

describe('managedFields encoding', () => {
  it('TestApplyConvertsManagedFieldsVersion: exact FieldsV1 bytes, no f:metadata.f:name', () => {
    const object = run(
      [
        {
          manager: 'sidecar_controller',
          apply: {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            metadata: { name: 'deployment', labels: { sidecar_version: 'release' } },
            spec: {
              template: { spec: { containers: [{ name: 'sidecar', image: 'sidecar:latest' }] } },
            },
          },
        },
      ],
      'apps/v1',
      { 'spec.template.spec.containers': ['name'] },
    );
    const [entry] = managedOf(object);
    expect(entry).toEqual({
      manager: 'sidecar_controller',
      operation: 'Apply',
      apiVersion: 'apps/v1',
      time: at(0),
      fieldsType: 'FieldsV1',
      fieldsV1: expect.anything(),
    });
    expect(JSON.stringify(entry?.fieldsV1)).toBe(
      '{"f:metadata":{"f:labels":{"f:sidecar_version":{}}},"f:spec":{"f:template":{"f:spec":{"f:containers":{"k:{\\"name\\":\\"sidecar\\"}":{".":{},"f:image":{},"f:name":{}}}}}}}',
    );
  });

  it.each([
    [
      'Update on create (kubectl create Service): new maps and lists are members too',
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 's', namespace: 'default', labels: { app: 'a' } },
        spec: { ports: [{ port: 80, protocol: 'TCP', targetPort: 8080 }] },
      },
      'v1',
      '{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:ports":{".":{},"k:{\\"port\\":80,\\"protocol\\":\\"TCP\\"}":{".":{},"f:port":{},"f:protocol":{},"f:targetPort":{}}}}}',
    ],
    [
      'Update on create of a custom resource: it starts empty, so spec is a member',
      { apiVersion: GW, kind: 'Gateway', metadata: { name: 'w' }, spec: { gatewayClassName: 'x' } },
      GW,
      '{"f:spec":{".":{},"f:gatewayClassName":{}}}',
    ],
  ])('%s', (_rule, created, apiVersion, fieldsV1) => {
    const object = run(
      [{ manager: 'kubectl-create', create: created }],
      apiVersion,
      LIST_MAP_KEYS.Service,
    );
    expect(entries(object).map((e) => [e[0], e[1], e[2]])).toEqual([
      ['kubectl-create', 'Update', at(0)],
    ]);
    const [entry] = managedOf(object);
    expect(JSON.stringify(entry?.fieldsV1)).toBe(fieldsV1);
  });

  it('metadata.finalizers is a set (v: elements) and ownerReferences a list-map on uid', () => {
    const object = run(
      [
        {
          manager: 'm',
          apply: configMap({
            metadata: {
              name: 'test-cm',
              namespace: 'default',
              finalizers: ['example.com/x'],
              ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: 'p', uid: 'u1' }],
            },
          }),
        },
      ],
      'v1',
    );
    expect(JSON.stringify(entries(object)[0]?.[3])).toBe(
      '{"f:metadata":{"f:finalizers":{"v:\\"example.com/x\\"":{}},"f:ownerReferences":{"k:{\\"uid\\":\\"u1\\"}":{".":{},"f:apiVersion":{},"f:kind":{},"f:name":{},"f:uid":{}}}}}',
    );
  });

  it('managedFieldsUpdater: a no-op re-apply keeps the entry time', () => {
    const object = run(
      [
        { manager: 'waypointer', apply: gateway({ a: 'b' }) },
        { manager: 'waypointer', apply: gateway({ a: 'b' }) },
      ],
      GW,
      GW_KEYS,
    );
    expect(entries(object).map((e) => e[2])).toEqual([at(0)]);
  });
});

describe('untracked objects, subresources and reset fields', () => {
  it('skipNonApplied.Apply: an untracked object gets a before-first-apply entry first', () => {
    const live = configMap({ data: { a: '1' } });
    const out = serverSideApply(live, configMap({ data: { b: '2' } }), {
      manager: 'kubectl',
      force: false,
      apiVersion: 'v1',
      now: at(1),
      listMapKeys: {},
    }).object as Obj;
    expect(out.data).toEqual({ a: '1', b: '2' });
    expect(entries(out)).toEqual([
      ['kubectl', 'Apply', at(1), { 'f:data': { 'f:b': {} } }],
      ['before-first-apply', 'Update', at(1), { 'f:data': { '.': {}, 'f:a': {} } }],
    ]);
  });

  it.each([
    ['TestClearManagedFieldsWithUpdateEmptyList: managedFields [] stops tracking', []],
    ['TestClearManagedFieldsWithUpdate: managedFields [{}] stops tracking', [{}]],
  ])('%s', (_rule, reset) => {
    const live = run([{ manager: 'apply_test', apply: configMap({ data: { k: 'v' } }) }], 'v1');
    const put = { ...live, metadata: { ...live.metadata, managedFields: reset } };
    const cleared = recordUpdate(live, put, {
      manager: 'kubectl-replace',
      apiVersion: 'v1',
      now: at(1),
      listMapKeys: {},
    }) as Obj;
    expect(cleared.metadata?.managedFields).toBeUndefined();
    const patched = applyMergePatch(cleared, { data: { k: 'w' } }) as object;
    const after = recordUpdate(cleared, patched, {
      manager: 'kubectl-patch',
      apiVersion: 'v1',
      now: at(2),
      listMapKeys: {},
    }) as Obj;
    expect(after.metadata?.managedFields).toBeUndefined();
  });

  it('reset fields: the main resource ignores status; /status applies track only status', () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'default' },
      spec: { containers: [{ name: 'c', image: 'i' }] },
    };
    const keys = LIST_MAP_KEYS.Pod as Record<string, readonly string[]>;
    const created = run(
      [{ manager: 'apply_test', apply: { ...pod, status: { phase: 'Running' } } }],
      'v1',
      keys,
    );
    expect(created.status).toBeUndefined();
    expect(JSON.stringify(entries(created)[0]?.[3])).not.toContain('f:status');
    const status = serverSideApply(
      created,
      { ...pod, spec: { containers: [] }, status: { phase: 'Running' } },
      {
        manager: 'kubelet',
        force: false,
        apiVersion: 'v1',
        now: at(1),
        listMapKeys: keys,
        subresource: 'status',
      },
    ).object as Obj;
    expect(status.status).toEqual({ phase: 'Running' });
    expect(status.spec).toEqual(pod.spec);
    const kubelet = managedOf(status).find((e) => e.manager === 'kubelet');
    expect(kubelet).toEqual({
      manager: 'kubelet',
      operation: 'Apply',
      apiVersion: 'v1',
      time: at(1),
      fieldsType: 'FieldsV1',
      fieldsV1: { 'f:status': { 'f:phase': {} } },
      subresource: 'status',
    });
  });

  it('rejects an applied object carrying managedFields (structuredMergeManager.Apply)', () => {
    expect(() =>
      serverSideApply(undefined, configMap({ metadata: { name: 'x', managedFields: [] } }), {
        manager: 'm',
        force: false,
        apiVersion: 'v1',
        now: at(0),
        listMapKeys: {},
      }),
    ).toThrow('metadata.managedFields must be nil');
  });
});

describe('what the differential suite against structured-merge-diff found (test/oracles)', () => {
  const cm = (data: object) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'c', namespace: 'd' },
    ...data,
  });

  it('owns an empty object it applies as a leaf (tofieldset.go visitMapItems)', () => {
    const live = run([{ apply: cm({ data: {} }), manager: 'a' }], 'v1');
    expect(live.data).toEqual({});
    expect(entries(live).map((e) => e[3])).toEqual([{ 'f:data': {} }]);
  });

  it("drops others' ownership of an object's children when a forced apply makes it a scalar (merge.go deduceAtom per side)", () => {
    const live = run(
      [
        { apply: cm({ spec: { extra: { b: false } } }), manager: 'b' },
        { apply: cm({ spec: { extra: 'c' } }), manager: 'a', force: true },
      ],
      'v1',
    );
    expect((live.spec as Record<string, unknown>).extra).toBe('c');
    expect(entries(live).map((e) => [e[0], e[3]])).toEqual([
      ['a', { 'f:spec': { 'f:extra': {} } }],
    ]);
  });
});
