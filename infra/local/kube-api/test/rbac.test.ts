/**
 * rbac.authorization.k8s.io/v1 on the embedded API server: discovery, the verbs, server-side
 * apply, kubectl's Table, and the validation a real server applies (pkg/apis/rbac/validation).
 * The server stores these objects; it does not authorize requests with them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalCluster } from '../src/cluster.ts';
import { cluster, eventually, eventuallyAsync, raw, watch } from '../src/testing.ts';

const RBAC = '/apis/rbac.authorization.k8s.io/v1';
const CLUSTER_ROLES = `${RBAC}/clusterroles`;
const CLUSTER_ROLE_BINDINGS = `${RBAC}/clusterrolebindings`;
const ROLES = `${RBAC}/namespaces/default/roles`;
const ROLE_BINDINGS = `${RBAC}/namespaces/default/rolebindings`;
const APPLY = 'application/apply-patch+yaml';

const clusterRole = (name: string, rules: unknown[]): object => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'ClusterRole',
  metadata: { name },
  rules,
});

const binding = (
  kind: 'ClusterRoleBinding' | 'RoleBinding',
  name: string,
  roleRef: object,
  subjects: object[],
): object => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind,
  metadata: { name },
  roleRef,
  subjects,
});

const READ_PODS = { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] };

let local: LocalCluster;
beforeAll(async () => {
  local = await cluster();
});
afterAll(async () => {
  await local.stop();
});

describe('discovery', () => {
  it('lists the group in /apis and its four resources with their scope and verbs', async () => {
    const groups = (await raw(local, 'GET', '/apis')).json.groups.map(
      (g: { name: string; preferredVersion: { groupVersion: string } }) => [
        g.name,
        g.preferredVersion.groupVersion,
      ],
    );
    // Built-in groups come before the groups of custom resources, as on a real server.
    expect(groups).toEqual([
      ['rbac.authorization.k8s.io', 'rbac.authorization.k8s.io/v1'],
      ['gateway.networking.k8s.io', 'gateway.networking.k8s.io/v1'],
      ['networking.istio.io', 'networking.istio.io/v1'],
    ]);
    const group = (await raw(local, 'GET', '/apis/rbac.authorization.k8s.io')).json;
    expect([group.kind, group.preferredVersion.version]).toEqual(['APIGroup', 'v1']);
    const list = (await raw(local, 'GET', RBAC)).json;
    expect(list.groupVersion).toBe('rbac.authorization.k8s.io/v1');
    expect(
      list.resources.map((r: { name: string; namespaced: boolean; kind: string }) => [
        r.name,
        r.namespaced,
        r.kind,
      ]),
    ).toEqual([
      ['clusterrolebindings', false, 'ClusterRoleBinding'],
      ['clusterroles', false, 'ClusterRole'],
      ['rolebindings', true, 'RoleBinding'],
      ['roles', true, 'Role'],
    ]);
    for (const resource of list.resources) {
      expect(resource.verbs).toEqual([
        'create',
        'delete',
        'deletecollection',
        'get',
        'list',
        'patch',
        'update',
        'watch',
      ]);
      // The real server gives the RBAC resources no short names and no categories.
      expect(resource.shortNames).toBeUndefined();
      expect(resource.categories).toBeUndefined();
    }
  });

  it('publishes an OpenAPI v3 document for the group', async () => {
    const index = (await raw(local, 'GET', '/openapi/v3')).json;
    expect(Object.keys(index.paths)).toContain('apis/rbac.authorization.k8s.io/v1');
    const document = (await raw(local, 'GET', '/openapi/v3/apis/rbac.authorization.k8s.io/v1'))
      .json;
    expect(Object.keys(document.paths)).toContain(
      '/apis/rbac.authorization.k8s.io/v1/namespaces/{namespace}/roles/{name}',
    );
    expect(Object.keys(document.components.schemas)).toContain(
      'io.k8s.api.rbac.v1.ClusterRoleBinding',
    );
  });
});

describe('the verbs', () => {
  it('creates, gets, lists, watches, updates, patches and deletes a ClusterRole', async () => {
    const events = watch(local, `${CLUSTER_ROLES}?watch=true`);
    await events.ready;
    const created = await raw(local, 'POST', CLUSTER_ROLES, {
      body: clusterRole('pod-reader', [READ_PODS]),
    });
    expect([created.status, created.json.metadata.namespace, created.json.rules]).toEqual([
      201,
      undefined,
      [READ_PODS],
    ]);
    expect((await raw(local, 'GET', `${CLUSTER_ROLES}/pod-reader`)).json.rules).toEqual([
      READ_PODS,
    ]);
    const listed = (await raw(local, 'GET', CLUSTER_ROLES)).json;
    expect([
      listed.kind,
      listed.items.map((i: { metadata: { name: string } }) => i.metadata.name),
    ]).toEqual(['ClusterRoleList', ['pod-reader']]);
    const updated = await raw(local, 'PUT', `${CLUSTER_ROLES}/pod-reader`, {
      body: {
        ...created.json,
        rules: [{ ...READ_PODS, verbs: ['get', 'list', 'watch'] }],
      },
    });
    expect(updated.status).toBe(200);
    const patched = await raw(local, 'PATCH', `${CLUSTER_ROLES}/pod-reader`, {
      contentType: 'application/strategic-merge-patch+json',
      body: { metadata: { labels: { team: 'a' } } },
    });
    expect([patched.status, patched.json.metadata.labels, patched.json.rules[0].verbs]).toEqual([
      200,
      { team: 'a' },
      ['get', 'list', 'watch'],
    ]);
    expect((await raw(local, 'DELETE', `${CLUSTER_ROLES}/pod-reader`)).status).toBe(200);
    expect((await raw(local, 'GET', `${CLUSTER_ROLES}/pod-reader`)).json.message).toBe(
      'clusterroles.rbac.authorization.k8s.io "pod-reader" not found',
    );
    await eventually(() => (events.events.length >= 4 ? events.events : undefined));
    events.close();
    expect(events.events.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'MODIFIED', 'DELETED']);
  });

  it('keeps Roles and RoleBindings in their namespace', async () => {
    const role = await raw(local, 'POST', ROLES, {
      body: {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata: { name: 'r' },
        rules: [READ_PODS],
      },
    });
    expect([role.status, role.json.metadata.namespace]).toEqual([201, 'default']);
    const bound = await raw(local, 'POST', ROLE_BINDINGS, {
      body: binding(
        'RoleBinding',
        'r',
        { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'r' },
        [{ kind: 'ServiceAccount', name: 'default' }],
      ),
    });
    expect([bound.status, bound.json.metadata.namespace]).toEqual([201, 'default']);
    const elsewhere = (await raw(local, 'GET', `${RBAC}/namespaces/kube-system/roles`)).json;
    expect(elsewhere.items).toEqual([]);
    const everywhere = (await raw(local, 'GET', `${RBAC}/rolebindings`)).json;
    expect(everywhere.items.map((i: { metadata: { name: string } }) => i.metadata.name)).toEqual([
      'r',
    ]);
  });

  it('server-side applies a binding, defaults its API groups, and a re-apply changes nothing', async () => {
    const manifest = [
      'apiVersion: rbac.authorization.k8s.io/v1',
      'kind: ClusterRoleBinding',
      'metadata:',
      '  name: readers',
      'roleRef:',
      '  kind: ClusterRole',
      '  name: pod-reader',
      'subjects:',
      '  - kind: Group',
      '    name: readers',
      '',
    ].join('\n');
    const path = `${CLUSTER_ROLE_BINDINGS}/readers?fieldManager=kubectl`;
    const first = await raw(local, 'PATCH', path, { contentType: APPLY, body: manifest });
    expect([first.status, first.json.roleRef, first.json.subjects]).toEqual([
      201,
      { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'pod-reader' },
      [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'readers' }],
    ]);
    expect(first.json.metadata.managedFields[0].manager).toBe('kubectl');
    const again = await raw(local, 'PATCH', path, { contentType: APPLY, body: manifest });
    expect([again.status, again.json.metadata.resourceVersion]).toEqual([
      200,
      first.json.metadata.resourceVersion,
    ]);
  });
});

describe('validation', () => {
  it.each([
    [
      'a rule without verbs',
      clusterRole('no-verbs', [{ apiGroups: [''], resources: ['pods'] }]),
      'ClusterRole.rbac.authorization.k8s.io "no-verbs" is invalid: rules[0].verbs: Required value: verbs must contain at least one value',
    ],
    [
      'a resource rule without API groups or resources',
      clusterRole('no-groups', [{ verbs: ['get'] }]),
      'ClusterRole.rbac.authorization.k8s.io "no-groups" is invalid: [rules[0].apiGroups: Required value: resource rules must supply at least one api group, rules[0].resources: Required value: resource rules must supply at least one resource]',
    ],
    [
      'a rule on both resources and non-resource URLs',
      clusterRole('both', [{ ...READ_PODS, nonResourceURLs: ['/healthz'] }]),
      'ClusterRole.rbac.authorization.k8s.io "both" is invalid: rules[0].nonResourceURLs: Invalid value: []string{"/healthz"}: rules cannot apply to both regular resources and non-resource URLs',
    ],
    [
      'a name with a slash (RBAC names are path segments)',
      clusterRole('a/b', [READ_PODS]),
      `ClusterRole.rbac.authorization.k8s.io "a/b" is invalid: metadata.name: Invalid value: "a/b": may not contain '/'`,
    ],
  ])('refuses %s', async (_what, body, message) => {
    const response = await raw(local, 'POST', CLUSTER_ROLES, { body });
    expect([response.status, response.json.reason, response.json.message]).toEqual([
      422,
      'Invalid',
      message,
    ]);
  });

  it.each([
    [
      'rules that are not a list',
      CLUSTER_ROLES,
      { ...clusterRole('x', []), rules: 'get pods' },
      'json: cannot unmarshal string into Go struct field ClusterRole.rules of type []v1.PolicyRule',
    ],
    [
      'a rule that is not an object',
      ROLES,
      { ...clusterRole('x', ['get']), kind: 'Role' },
      'json: cannot unmarshal string into Go value of type v1.PolicyRule',
    ],
    [
      'verbs that are not a list',
      CLUSTER_ROLES,
      clusterRole('x', [{ ...READ_PODS, verbs: 'get' }]),
      'json: cannot unmarshal string into Go struct field PolicyRule.rules.verbs of type []string',
    ],
    [
      'a resource that is not a string',
      CLUSTER_ROLES,
      clusterRole('x', [{ ...READ_PODS, resources: [7] }]),
      'json: cannot unmarshal number into Go struct field PolicyRule.rules.resources of type string',
    ],
    [
      'a roleRef that is not an object',
      CLUSTER_ROLE_BINDINGS,
      { ...binding('ClusterRoleBinding', 'x', {}, []), roleRef: 'view' },
      'json: cannot unmarshal string into Go struct field ClusterRoleBinding.roleRef of type v1.RoleRef',
    ],
    [
      'a roleRef name that is not a string',
      ROLE_BINDINGS,
      binding('RoleBinding', 'x', { kind: 'Role', name: true }, []),
      'json: cannot unmarshal bool into Go struct field RoleRef.roleRef.name of type string',
    ],
    [
      'subjects that are not a list',
      CLUSTER_ROLE_BINDINGS,
      {
        ...binding('ClusterRoleBinding', 'x', { kind: 'ClusterRole', name: 'v' }, []),
        subjects: {},
      },
      'json: cannot unmarshal object into Go struct field ClusterRoleBinding.subjects of type []v1.Subject',
    ],
    [
      'a subject name that is not a string',
      CLUSTER_ROLE_BINDINGS,
      binding('ClusterRoleBinding', 'x', { kind: 'ClusterRole', name: 'v' }, [
        { kind: 'Group', name: 1 },
      ]),
      'json: cannot unmarshal number into Go struct field Subject.subjects.name of type string',
    ],
  ])('refuses %s as the decoder does (400)', async (_what, path, body, message) => {
    const before = (await raw(local, 'GET', path)).json.items.length;
    const response = await raw(local, 'POST', path, { body });
    expect([response.status, response.json.reason, response.json.message]).toEqual([
      400,
      'BadRequest',
      message,
    ]);
    expect((await raw(local, 'GET', path)).json.items.length).toBe(before);
  });

  it('refuses a bad shape on a server-side apply too', async () => {
    const response = await raw(local, 'PATCH', `${CLUSTER_ROLES}/applied?fieldManager=kubectl`, {
      contentType: APPLY,
      body: JSON.stringify({ ...clusterRole('applied', []), rules: [{ verbs: 'get' }] }),
    });
    expect([response.status, response.json.message]).toEqual([
      400,
      'json: cannot unmarshal string into Go struct field PolicyRule.rules.verbs of type []string',
    ]);
    expect((await raw(local, 'GET', `${CLUSTER_ROLES}/applied`)).status).toBe(404);
  });

  it('accepts a name with colons, as system roles have', async () => {
    const response = await raw(local, 'POST', CLUSTER_ROLES, {
      body: clusterRole('system:waypointer:probe', [READ_PODS]),
    });
    expect(response.status).toBe(201);
  });

  it.each([
    [
      'a subject of an unknown kind',
      binding('ClusterRoleBinding', 'b1', { kind: 'ClusterRole', name: 'x' }, [
        { kind: 'Team', name: 'a' },
      ]),
      'ClusterRoleBinding.rbac.authorization.k8s.io "b1" is invalid: subjects[0].kind: Unsupported value: "Team": supported values: "ServiceAccount", "User", "Group"',
    ],
    [
      'a service account without a namespace in a cluster binding',
      binding('ClusterRoleBinding', 'b2', { kind: 'ClusterRole', name: 'x' }, [
        { kind: 'ServiceAccount', name: 'a' },
      ]),
      'ClusterRoleBinding.rbac.authorization.k8s.io "b2" is invalid: subjects[0].namespace: Required value',
    ],
    [
      'a subject without a name',
      binding('ClusterRoleBinding', 'b3', { kind: 'ClusterRole', name: 'x' }, [{ kind: 'Group' }]),
      'ClusterRoleBinding.rbac.authorization.k8s.io "b3" is invalid: subjects[0].name: Required value',
    ],
    [
      'a cluster binding to a Role',
      binding('ClusterRoleBinding', 'b4', { kind: 'Role', name: 'x' }, []),
      'ClusterRoleBinding.rbac.authorization.k8s.io "b4" is invalid: roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"',
    ],
    [
      'a binding without a role name',
      binding('ClusterRoleBinding', 'b5', { kind: 'ClusterRole' }, []),
      'ClusterRoleBinding.rbac.authorization.k8s.io "b5" is invalid: roleRef.name: Required value',
    ],
  ])('refuses %s', async (_what, body, message) => {
    const response = await raw(local, 'POST', CLUSTER_ROLE_BINDINGS, { body });
    expect([response.status, response.json.message]).toEqual([422, message]);
  });

  it.each([
    [
      'a Role rule on non-resource URLs',
      ROLES,
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata: { name: 'urls' },
        rules: [{ nonResourceURLs: ['/healthz', '/livez'], verbs: ['get'] }],
      },
      'Role.rbac.authorization.k8s.io "urls" is invalid: rules[0].nonResourceURLs: Invalid value: []string{"/healthz", "/livez"}: namespaced rules cannot apply to non-resource URLs',
    ],
    [
      'a service account subject with an API group',
      ROLE_BINDINGS,
      binding('RoleBinding', 'sa-group', { kind: 'Role', name: 'r' }, [
        { kind: 'ServiceAccount', name: 'default', apiGroup: 'rbac.authorization.k8s.io' },
      ]),
      'RoleBinding.rbac.authorization.k8s.io "sa-group" is invalid: subjects[0].apiGroup: Unsupported value: "rbac.authorization.k8s.io": supported values: ""',
    ],
    [
      'a role reference to another API group',
      ROLE_BINDINGS,
      binding(
        'RoleBinding',
        'other-group',
        { apiGroup: 'example.com', kind: 'Role', name: 'r' },
        [],
      ),
      'RoleBinding.rbac.authorization.k8s.io "other-group" is invalid: roleRef.apiGroup: Unsupported value: "example.com": supported values: "rbac.authorization.k8s.io"',
    ],
  ])('refuses %s in a namespace', async (_what, path, body, message) => {
    const response = await raw(local, 'POST', path, { body });
    expect([response.status, response.json.message]).toEqual([422, message]);
  });

  it('replaces the rules on a strategic merge patch (no patch strategy on rules)', async () => {
    await raw(local, 'POST', CLUSTER_ROLES, {
      body: clusterRole('patched', [READ_PODS, { ...READ_PODS, resources: ['services'] }]),
    });
    const patched = await raw(local, 'PATCH', `${CLUSTER_ROLES}/patched`, {
      contentType: 'application/strategic-merge-patch+json',
      body: { rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['watch'] }] },
    });
    expect([patched.status, patched.json.rules]).toEqual([
      200,
      [{ apiGroups: [''], resources: ['pods'], verbs: ['watch'] }],
    ]);
    const emptied = await raw(local, 'PATCH', `${CLUSTER_ROLES}/patched`, {
      contentType: 'application/merge-patch+json',
      body: { rules: [{ apiGroups: [''], resources: ['pods'], verbs: [] }] },
    });
    expect([emptied.status, emptied.json.message]).toEqual([
      422,
      'ClusterRole.rbac.authorization.k8s.io "patched" is invalid: rules[0].verbs: Required value: verbs must contain at least one value',
    ]);
  });

  it('refuses to change the roleRef of a binding, by update and by apply', async () => {
    const created = await raw(local, 'POST', CLUSTER_ROLE_BINDINGS, {
      body: binding('ClusterRoleBinding', 'fixed', { kind: 'ClusterRole', name: 'view' }, []),
    });
    expect(created.status).toBe(201);
    const message =
      'ClusterRoleBinding.rbac.authorization.k8s.io "fixed" is invalid: roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"ClusterRole", Name:"edit"}: cannot change roleRef';
    const updated = await raw(local, 'PUT', `${CLUSTER_ROLE_BINDINGS}/fixed`, {
      body: { ...created.json, roleRef: { ...created.json.roleRef, name: 'edit' } },
    });
    expect([updated.status, updated.json.message]).toEqual([422, message]);
    // Without force the apply conflicts with the creator's field manager first; forced, it is
    // refused by validation.
    const applied = await raw(
      local,
      'PATCH',
      `${CLUSTER_ROLE_BINDINGS}/fixed?fieldManager=kubectl&force=true`,
      {
        contentType: APPLY,
        body: JSON.stringify(
          binding('ClusterRoleBinding', 'fixed', { kind: 'ClusterRole', name: 'edit' }, []),
        ),
      },
    );
    expect([applied.status, applied.json.message]).toEqual([422, message]);
    const live = (await raw(local, 'GET', `${CLUSTER_ROLE_BINDINGS}/fixed`)).json;
    expect(live.roleRef.name).toBe('view');
  });
});

describe('namespace termination', () => {
  it('removes the Roles and RoleBindings of a deleted namespace', async () => {
    await raw(local, 'POST', '/api/v1/namespaces', {
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'doomed' } },
    });
    const role = await raw(local, 'POST', `${RBAC}/namespaces/doomed/roles`, {
      body: {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata: { name: 'r' },
        rules: [READ_PODS],
      },
    });
    expect(role.status).toBe(201);
    await raw(local, 'DELETE', '/api/v1/namespaces/doomed');
    await eventuallyAsync(async () =>
      (await raw(local, 'GET', '/api/v1/namespaces/doomed')).status === 404 ? true : undefined,
    );
    expect((await raw(local, 'GET', `${RBAC}/namespaces/doomed/roles`)).json.items).toEqual([]);
  });
});

describe('kubectl Table output', () => {
  it('shows roles with their creation time and bindings with their role', async () => {
    const accept = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';
    await raw(local, 'POST', CLUSTER_ROLES, { body: clusterRole('table-role', [READ_PODS]) });
    const roles = (await raw(local, 'GET', `${CLUSTER_ROLES}/table-role`, { accept })).json;
    expect(roles.columnDefinitions.map((c: { name: string }) => c.name)).toEqual([
      'Name',
      'Created At',
    ]);
    expect(roles.rows[0].cells[1]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    await raw(local, 'POST', CLUSTER_ROLE_BINDINGS, {
      body: binding(
        'ClusterRoleBinding',
        'table-binding',
        { kind: 'ClusterRole', name: 'table-role' },
        [
          { kind: 'Group', name: 'g1' },
          { kind: 'User', name: 'u1' },
          { kind: 'ServiceAccount', name: 'sa', namespace: 'default' },
        ],
      ),
    });
    const bindings = (await raw(local, 'GET', `${CLUSTER_ROLE_BINDINGS}/table-binding`, { accept }))
      .json;
    expect(
      bindings.columnDefinitions.map((c: { name: string; priority: number }) => [
        c.name,
        c.priority,
      ]),
    ).toEqual([
      ['Name', 0],
      ['Role', 0],
      ['Age', 0],
      ['Users', 1],
      ['Groups', 1],
      ['ServiceAccounts', 1],
    ]);
    expect([bindings.rows[0].cells[1], ...bindings.rows[0].cells.slice(3)]).toEqual([
      'ClusterRole/table-role',
      'u1',
      'g1',
      'default/sa',
    ]);
  });
});
