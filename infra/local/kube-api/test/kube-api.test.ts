/**
 * The embedded Kubernetes API server over real HTTPS: what kubectl and client-node rely on, with
 * the real server's status codes and messages.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { NAMESPACES } from '../src/api.ts';
import type { LocalCluster } from '../src/cluster.ts';
import type { EntryStatus } from '../src/istiod.ts';
import { KubeApiServer } from '../src/server.ts';
import { cluster, eventually, eventuallyAsync, raw, watch } from '../src/testing.ts';

const PODS = '/api/v1/namespaces/default/pods';
const GATEWAYS = '/apis/gateway.networking.k8s.io/v1/namespaces/default/gateways';

const pod = (name: string, labels: Record<string, string> = {}): object => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels },
  spec: { containers: [{ name: 'app', image: 'example/app:1' }] },
});

const waypoint = (name: string, labels: Record<string, string> = {}): object => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'Gateway',
  metadata: { name, namespace: 'default', labels },
  spec: {
    gatewayClassName: 'istio-waypoint',
    listeners: [{ name: 'mesh', port: 15008, protocol: 'HBONE' }],
  },
});

let local: LocalCluster;
beforeAll(async () => {
  local = await cluster();
});
afterAll(async () => {
  await local.stop();
});

describe('discovery', () => {
  it('serves /version, /api, /api/v1, /apis and the gateway group', async () => {
    expect((await raw(local, 'GET', '/version', { token: null })).json.gitVersion).toMatch(
      /^v1\.32\./,
    );
    expect((await raw(local, 'GET', '/api')).json.versions).toEqual(['v1']);
    const core = (await raw(local, 'GET', '/api/v1')).json;
    expect(core.resources.map((r: { name: string }) => r.name)).toEqual([
      'namespaces',
      'namespaces/status',
      'services',
      'services/status',
      'pods',
      'pods/status',
      'configmaps',
    ]);
    const groups = (await raw(local, 'GET', '/apis')).json.groups;
    expect(
      groups.map(
        (g: { preferredVersion: { groupVersion: string } }) => g.preferredVersion.groupVersion,
      ),
    ).toEqual([
      'rbac.authorization.k8s.io/v1',
      'gateway.networking.k8s.io/v1',
      'networking.istio.io/v1',
    ]);
    const istio = (await raw(local, 'GET', '/apis/networking.istio.io/v1')).json;
    expect(
      istio.resources.map((r: { name: string; namespaced: boolean; shortNames?: string[] }) => [
        r.name,
        r.namespaced,
        r.shortNames ?? [],
      ]),
    ).toEqual([
      ['serviceentries', true, ['se']],
      ['serviceentries/status', true, []],
      ['workloadentries', true, ['we']],
      ['workloadentries/status', true, []],
    ]);
    expect((await raw(local, 'GET', '/apis/networking.istio.io')).json.name).toBe(
      'networking.istio.io',
    );
    const gw = (await raw(local, 'GET', '/apis/gateway.networking.k8s.io/v1')).json;
    expect(
      gw.resources
        .filter((r: { name: string }) => !r.name.includes('/'))
        .map((r: { name: string; namespaced: boolean }) => [r.name, r.namespaced]),
    ).toEqual([
      ['gateways', true],
      ['gatewayclasses', false],
    ]);
  });

  it('answers unknown paths with a 404 Status', async () => {
    const response = await raw(local, 'GET', '/apis/apps/v1/deployments');
    expect([response.status, response.json.kind, response.json.reason]).toEqual([
      404,
      'Status',
      'NotFound',
    ]);
  });
});

describe('authentication and authorization', () => {
  it('refuses a request without a known bearer token with 401', async () => {
    for (const token of [null, 'wrong']) {
      const response = await raw(local, 'GET', PODS, { token });
      expect([response.status, response.json.reason, response.json.message]).toEqual([
        401,
        'Unauthorized',
        'Unauthorized',
      ]);
    }
  });

  it('lets a reader read and answers its writes with the authorizer 403', async () => {
    local.server.addToken('reader-token', {
      username: 'viewer',
      groups: ['system:readers', 'system:authenticated'],
    });
    expect((await raw(local, 'GET', PODS, { token: 'reader-token' })).status).toBe(200);
    const response = await raw(local, 'PATCH', '/api/v1/namespaces/default', {
      token: 'reader-token',
      body: { metadata: { labels: { a: 'b' } } },
      contentType: 'application/merge-patch+json',
    });
    expect([response.status, response.json.message]).toEqual([
      403,
      'namespaces "default" is forbidden: User "viewer" cannot patch resource "namespaces" in API group "" at the cluster scope',
    ]);
  });
});

describe('create, get, update, delete', () => {
  it('creates with defaults and refuses a duplicate with 409 AlreadyExists', async () => {
    const created = await raw(local, 'POST', PODS, { body: pod('p1') });
    expect(created.status).toBe(201);
    expect(created.json.metadata).toMatchObject({ name: 'p1', namespace: 'default' });
    expect(created.json.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.json.status.podIP).toMatch(/^10\.244\./);
    const again = await raw(local, 'POST', PODS, { body: pod('p1') });
    expect([again.status, again.json.reason, again.json.message, again.json.details]).toEqual([
      409,
      'AlreadyExists',
      'pods "p1" already exists',
      { name: 'p1', kind: 'pods' },
    ]);
  });

  it('answers a missing object and a missing namespace with 404 NotFound', async () => {
    const missing = await raw(local, 'GET', `${PODS}/nope`);
    expect([missing.status, missing.json.message]).toEqual([404, 'pods "nope" not found']);
    const gw = await raw(local, 'GET', `${GATEWAYS}/nope`);
    expect(gw.json.message).toBe('gateways.gateway.networking.k8s.io "nope" not found');
    const inMissing = await raw(local, 'POST', '/api/v1/namespaces/nope/pods', { body: pod('x') });
    expect([inMissing.status, inMissing.json.message]).toEqual([
      404,
      'namespaces "nope" not found',
    ]);
  });

  it.each<[string, object, string]>([
    [
      'a name that is no DNS subdomain',
      pod('Bad_Name'),
      "Pod \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    ],
    [
      'a label value with a space',
      pod('ok', { app: 'a b' }),
      "Pod \"ok\" is invalid: metadata.labels: Invalid value: \"a b\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
    ],
  ])('refuses %s with 422 Invalid and the API server message', async (_case, body, message) => {
    const response = await raw(local, 'POST', PODS, { body });
    expect([response.status, response.json.reason, response.json.message]).toEqual([
      422,
      'Invalid',
      message,
    ]);
    expect(response.json.details.causes[0].field).toMatch(/^metadata\./);
  });

  it.each<[string, string, string, object, number, string]>([
    [
      'labels that are no map',
      'POST',
      '/api/v1/namespaces',
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'typed', labels: 'x' } },
      400,
      'json: cannot unmarshal string into Go struct field ObjectMeta.metadata.labels of type map[string]string',
    ],
    [
      'Service ports that are no list',
      'POST',
      '/api/v1/namespaces/default/services',
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'typed' }, spec: { ports: 'x' } },
      400,
      'json: cannot unmarshal string into Go struct field ServiceSpec.spec.ports of type []v1.ServicePort',
    ],
    [
      'a Service port that is no number',
      'POST',
      '/api/v1/namespaces/default/services',
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'typed' },
        spec: { ports: [{ port: 'abc' }] },
      },
      400,
      'json: cannot unmarshal string into Go struct field ServicePort.spec.ports.port of type int32',
    ],
    [
      'Pod containers that are no list',
      'POST',
      PODS,
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'typed' }, spec: { containers: 'x' } },
      400,
      'json: cannot unmarshal string into Go struct field PodSpec.spec.containers of type []v1.Container',
    ],
    [
      'Gateway listeners that are no list',
      'POST',
      GATEWAYS,
      {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'Gateway',
        metadata: { name: 'typed' },
        spec: { gatewayClassName: 'istio-waypoint', listeners: 'x' },
      },
      422,
      'Gateway.gateway.networking.k8s.io "typed" is invalid: spec.listeners: Invalid value: "string": spec.listeners in body must be of type array: "string"',
    ],
    [
      'Gateway listeners of the wrong shape',
      'POST',
      GATEWAYS,
      {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'Gateway',
        metadata: { name: 'typed' },
        spec: {
          gatewayClassName: 'istio-waypoint',
          listeners: [null, { name: 'mesh', port: '1' }],
        },
      },
      422,
      'Gateway.gateway.networking.k8s.io "typed" is invalid: [spec.listeners[0]: Invalid value: "null": spec.listeners[0] in body must be of type object: "null", spec.listeners[1].port: Invalid value: "string": spec.listeners[1].port in body must be of type integer: "string", spec.listeners[1].protocol: Required value]',
    ],
  ])(
    'refuses %s as the real server does, storing nothing',
    async (_case, method, path, body, status, message) => {
      const response = await raw(local, method, path, { body });
      expect([response.status, response.json.message]).toEqual([status, message]);
      const name = (body as { metadata: { name: string } }).metadata.name;
      expect((await raw(local, 'GET', `${path}/${name}`)).status).toBe(404);
    },
  );

  it('refuses a merge patch that turns labels into a string with 400, changing nothing', async () => {
    const patched = await raw(local, 'PATCH', '/api/v1/namespaces/default', {
      body: { metadata: { labels: 'x' } },
      contentType: 'application/merge-patch+json',
    });
    expect([patched.status, patched.json.message]).toEqual([
      400,
      'json: cannot unmarshal string into Go struct field ObjectMeta.metadata.labels of type map[string]string',
    ]);
    const live = (await raw(local, 'GET', '/api/v1/namespaces/default')).json;
    expect(typeof live.metadata.labels).toBe('object');
  });

  it('refuses an update with a stale resourceVersion with 409 Conflict', async () => {
    const live = (await raw(local, 'POST', PODS, { body: pod('p2') })).json;
    const first = await raw(local, 'PUT', `${PODS}/p2`, {
      body: { ...live, metadata: { ...live.metadata, labels: { v: '1' } } },
    });
    expect(first.status).toBe(200);
    const stale = await raw(local, 'PUT', `${PODS}/p2`, {
      body: { ...live, metadata: { ...live.metadata, labels: { v: '2' } } },
    });
    expect([stale.status, stale.json.reason, stale.json.message]).toEqual([
      409,
      'Conflict',
      'Operation cannot be fulfilled on pods "p2": the object has been modified; please apply your changes to the latest version and try again',
    ]);
  });

  it('takes JSON and YAML bodies, and answers another media type with 415', async () => {
    const yaml = [
      'apiVersion: v1',
      'kind: Pod',
      'metadata:',
      '  name: p9-yaml',
      'spec:',
      '  containers:',
      '  - name: app',
      '    image: example/app:1',
      '',
    ].join('\n');
    const created = await raw(local, 'POST', PODS, { body: yaml, contentType: 'application/yaml' });
    expect([created.status, created.json.metadata.name]).toEqual([201, 'p9-yaml']);
    const updated = await raw(local, 'PUT', `${PODS}/p9-yaml`, {
      body: yaml.replace('  name: p9-yaml', '  name: p9-yaml\n  labels:\n    via: yaml'),
      contentType: 'application/yaml; charset=utf-8',
    });
    expect([updated.status, updated.json.metadata.labels]).toEqual([200, { via: 'yaml' }]);
    const protobuf = await raw(local, 'POST', PODS, {
      body: 'k8s\u0000\n\u0002v1',
      contentType: 'application/vnd.kubernetes.protobuf',
    });
    expect([protobuf.status, protobuf.json]).toEqual([
      415,
      {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message:
          'the body of the request was in an unknown format - accepted media types include: application/json, application/yaml',
        reason: 'UnsupportedMediaType',
        code: 415,
      },
    ]);
    expect((await raw(local, 'GET', `${PODS}/p9-yaml`)).json.metadata.labels).toEqual({
      via: 'yaml',
    });
  });

  it('hands out cluster and pod IPs that no stored object holds (the seed brings its own)', async () => {
    await raw(local, 'POST', '/api/v1/namespaces', {
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ipam' } },
    });
    for (let i = 0; i < 15; i++) {
      const service = { metadata: { name: `s${i}` }, spec: { ports: [{ port: 80 }] } };
      expect(
        (await raw(local, 'POST', '/api/v1/namespaces/ipam/services', { body: service })).status,
      ).toBe(201);
      expect(
        (await raw(local, 'POST', '/api/v1/namespaces/ipam/pods', { body: pod(`p${i}`) })).status,
      ).toBe(201);
    }
    const clusterIPs: string[] = (await raw(local, 'GET', '/api/v1/services')).json.items.map(
      (s: { spec: { clusterIP: string } }) => s.spec.clusterIP,
    );
    const podIPs: string[] = (await raw(local, 'GET', '/api/v1/pods')).json.items.map(
      (p: { status: { podIP: string } }) => p.status.podIP,
    );
    expect(clusterIPs).toContain('10.96.0.20');
    expect(podIPs).toContain('10.244.0.11');
    expect(new Set(clusterIPs).size).toBe(clusterIPs.length);
    expect(new Set(podIPs).size).toBe(podIPs.length);
  });

  it('deletes and returns the object', async () => {
    await raw(local, 'POST', PODS, { body: pod('p3') });
    const deleted = await raw(local, 'DELETE', `${PODS}/p3`);
    expect([deleted.status, deleted.json.metadata.name]).toEqual([200, 'p3']);
    expect((await raw(local, 'GET', `${PODS}/p3`)).status).toBe(404);
  });
});

describe('list', () => {
  it.each<[string, string[]]>([
    [
      'app=reviews',
      ['reviews-v1-6584ddcf65-qv7rn', 'reviews-v2-6f85cb9b7c-9jbd8', 'reviews-v3-6f5b775685-h2f4x'],
    ],
    ['app==reviews,version=v2', ['reviews-v2-6f85cb9b7c-9jbd8']],
    ['app=reviews,version!=v2', ['reviews-v1-6584ddcf65-qv7rn', 'reviews-v3-6f5b775685-h2f4x']],
    ['version in (v2,v3)', ['reviews-v2-6f85cb9b7c-9jbd8', 'reviews-v3-6f5b775685-h2f4x']],
    ['app notin (reviews,details,productpage)', ['ratings-v1-7c9bd4b87f-tm5v9']],
    ['version,app=details', ['details-v1-65cfcf56f9-4xk2p']],
    ['!version', []],
  ])('filters by labelSelector %s', async (selector, names) => {
    const response = await raw(
      local,
      'GET',
      `${PODS}?labelSelector=${encodeURIComponent(selector)}`,
    );
    expect(
      response.json.items
        .map((p: { metadata: { name: string } }) => p.metadata.name)
        .filter((n: string) => !/^p\d/.test(n)),
    ).toEqual(names);
  });

  it('filters by fieldSelector and rejects unknown fields and bad selectors with 400', async () => {
    const byName = await raw(
      local,
      'GET',
      `/api/v1/pods?fieldSelector=${encodeURIComponent('metadata.name=ratings-v1-7c9bd4b87f-tm5v9')}`,
    );
    expect(byName.json.items).toHaveLength(1);
    const unknown = await raw(local, 'GET', `${PODS}?fieldSelector=spec.bogus%3Dx`);
    expect([unknown.status, unknown.json.message]).toEqual([
      400,
      'field label not supported: spec.bogus',
    ]);
    const bad = await raw(local, 'GET', `${PODS}?labelSelector=${encodeURIComponent('app in (a')}`);
    expect([bad.status, bad.json.reason]).toEqual([400, 'BadRequest']);
  });

  it('pages with limit and continue', async () => {
    const names: string[] = [];
    let token = '';
    let pages = 0;
    do {
      const page = (
        await raw(local, 'GET', `/api/v1/pods?limit=2${token === '' ? '' : `&continue=${token}`}`)
      ).json;
      names.push(...page.items.map((p: { metadata: { name: string } }) => p.metadata.name));
      token = page.metadata.continue ?? '';
      if (token !== '') expect(page.metadata.remainingItemCount).toBeGreaterThan(0);
      pages++;
    } while (token !== '');
    const all = (await raw(local, 'GET', '/api/v1/pods')).json.items.map(
      (p: { metadata: { name: string } }) => p.metadata.name,
    );
    expect(names).toEqual(all);
    expect(pages).toBe(Math.ceil(all.length / 2));
  });

  it('answers a continue token older than the history with 410 Expired and a token to go on', async () => {
    const compacted = Buffer.from(
      JSON.stringify({ v: 'meta.k8s.io/v1', rv: 1, start: 'default/details-v1-65cfcf56f9-4xk2p' }),
    ).toString('base64url');
    const expired = await raw(local, 'GET', `${PODS}?limit=2&continue=${compacted}`);
    expect([expired.status, expired.json.reason, expired.json.message]).toEqual([
      410,
      'Expired',
      'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
    ]);
    const inconsistent = await raw(
      local,
      'GET',
      `${PODS}?limit=2&continue=${expired.json.metadata.continue}`,
    );
    const names = (await raw(local, 'GET', PODS)).json.items.map(
      (p: { metadata: { name: string } }) => p.metadata.name,
    );
    const after = names.indexOf('details-v1-65cfcf56f9-4xk2p') + 1;
    expect(inconsistent.status).toBe(200);
    expect(
      inconsistent.json.items.map((p: { metadata: { name: string } }) => p.metadata.name),
    ).toEqual(names.slice(after, after + 2));
  });

  it('serves kubectl Tables and metadata-only lists', async () => {
    const table = (
      await raw(local, 'GET', PODS, {
        accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json',
      })
    ).json;
    expect(table.kind).toBe('Table');
    expect(table.columnDefinitions.map((c: { name: string }) => c.name).slice(0, 5)).toEqual([
      'Name',
      'Ready',
      'Status',
      'Restarts',
      'Age',
    ]);
    expect(table.rows[0].object.kind).toBe('PartialObjectMetadata');
    const meta = (
      await raw(local, 'GET', PODS, {
        accept: 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1',
      })
    ).json;
    expect(meta.kind).toBe('PartialObjectMetadataList');
    expect(Object.keys(meta.items[0])).toEqual(['kind', 'apiVersion', 'metadata']);
  });
});

describe('ServiceEntries, WorkloadEntries and ConfigMaps', () => {
  const ENTRIES = '/apis/networking.istio.io/v1/namespaces/default/serviceentries';
  const WORKLOAD_ENTRIES = '/apis/networking.istio.io/v1/namespaces/default/workloadentries';
  const CONFIGMAPS = '/api/v1/namespaces/istio-system/configmaps';
  const entry = (name: string, labels: Record<string, string> = {}): object => ({
    apiVersion: 'networking.istio.io/v1',
    kind: 'ServiceEntry',
    metadata: { name, labels },
    spec: { hosts: [`${name}.example.com`], location: 'MESH_EXTERNAL', resolution: 'DNS' },
  });

  it('creates, lists by label, applies, merge-patches status and deletes ServiceEntries', async () => {
    const created = await raw(local, 'POST', ENTRIES, { body: entry('api', { team: 'a' }) });
    expect([created.status, created.json.metadata.generation]).toEqual([201, 1]);
    await raw(local, 'POST', ENTRIES, { body: entry('db') });
    const listed = (await raw(local, 'GET', `${ENTRIES}?labelSelector=team%3Da`)).json;
    expect([
      listed.kind,
      listed.items.map((i: { metadata: { name: string } }) => i.metadata.name),
    ]).toEqual(['ServiceEntryList', ['api']]);
    const applied = await raw(local, 'PATCH', `${ENTRIES}/api?fieldManager=waypointer`, {
      contentType: 'application/apply-patch+yaml',
      body: JSON.stringify({
        apiVersion: 'networking.istio.io/v1',
        kind: 'ServiceEntry',
        metadata: { name: 'api', labels: { 'istio.io/use-waypoint': 'egress' } },
      }),
    });
    expect(applied.status).toBe(200);
    expect(applied.json.metadata.labels).toEqual({ team: 'a', 'istio.io/use-waypoint': 'egress' });
    const condition = {
      type: 'istio.io/WaypointBound',
      status: 'False',
      reason: 'WaypointIsNotReady',
    };
    const status = await raw(local, 'PATCH', `${ENTRIES}/api/status`, {
      contentType: 'application/merge-patch+json',
      body: { status: { conditions: [condition] } },
    });
    expect([status.status, status.json.status.conditions]).toEqual([200, [condition]]);
    const strategic = await raw(local, 'PATCH', `${ENTRIES}/api`, {
      contentType: 'application/strategic-merge-patch+json',
      body: { metadata: { labels: { x: 'y' } } },
    });
    expect(strategic.status).toBe(415);
    expect((await raw(local, 'DELETE', `${ENTRIES}/db`)).status).toBe(200);
    expect((await raw(local, 'GET', `${ENTRIES}/db`)).status).toBe(404);
  });

  it('refuses a ServiceEntry without hosts with 422 naming spec.hosts', async () => {
    const response = await raw(local, 'POST', ENTRIES, {
      body: {
        apiVersion: 'networking.istio.io/v1',
        kind: 'ServiceEntry',
        metadata: { name: 'nohosts' },
        spec: {},
      },
    });
    expect([response.status, response.json.reason, response.json.details.causes[0].field]).toEqual([
      422,
      'Invalid',
      'spec.hosts',
    ]);
  });

  it('serves WorkloadEntries with the CRD printer columns', async () => {
    const body = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'WorkloadEntry',
      metadata: { name: 'vm-1', labels: { app: 'vm' } },
      spec: { address: '10.9.0.1', labels: { version: 'v1' } },
    };
    expect((await raw(local, 'POST', WORKLOAD_ENTRIES, { body })).status).toBe(201);
    const table = (
      await raw(local, 'GET', WORKLOAD_ENTRIES, {
        accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json',
      })
    ).json;
    expect(table.columnDefinitions.map((c: { name: string }) => c.name)).toEqual([
      'Name',
      'Age',
      'Address',
    ]);
    expect(table.rows[0].cells[2]).toBe('10.9.0.1');
    const entries = (
      await raw(local, 'GET', ENTRIES, {
        accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json',
      })
    ).json;
    expect(entries.columnDefinitions.map((c: { name: string }) => c.name)).toEqual([
      'Name',
      'Hosts',
      'Location',
      'Resolution',
      'Age',
    ]);
    expect(entries.rows[0].cells.slice(0, 4)).toEqual([
      'api',
      '["api.example.com"]',
      'MESH_EXTERNAL',
      'DNS',
    ]);
  });

  it('serves ConfigMaps, strategic merge patch included', async () => {
    const body = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'istio', labels: { 'istio.io/rev': 'default' } },
      data: { mesh: 'discoverySelectors: []\n' },
    };
    expect((await raw(local, 'POST', CONFIGMAPS, { body })).status).toBe(201);
    const patched = await raw(local, 'PATCH', `${CONFIGMAPS}/istio`, {
      contentType: 'application/strategic-merge-patch+json',
      body: { data: { meshNetworks: 'networks: {}' } },
    });
    expect([patched.status, Object.keys(patched.json.data)]).toEqual([
      200,
      ['mesh', 'meshNetworks'],
    ]);
    expect(patched.json.status).toBeUndefined();
  });
});

describe('patch', () => {
  const merge = 'application/merge-patch+json';

  it('merge patch sets and removes labels (null deletes)', async () => {
    await raw(local, 'POST', PODS, { body: pod('m1', { a: '1', b: '2' }) });
    const patched = await raw(local, 'PATCH', `${PODS}/m1`, {
      body: { metadata: { labels: { a: null, c: '3' } } },
      contentType: merge,
    });
    expect(patched.json.metadata.labels).toEqual({ b: '2', c: '3' });
  });

  it('JSON patch applies operations and fails a test op', async () => {
    const patched = await raw(local, 'PATCH', `${PODS}/m1`, {
      body: [{ op: 'add', path: '/metadata/labels/istio.io~1use-waypoint', value: 'w' }],
      contentType: 'application/json-patch+json',
    });
    expect(patched.json.metadata.labels['istio.io/use-waypoint']).toBe('w');
    const failed = await raw(local, 'PATCH', `${PODS}/m1`, {
      body: [{ op: 'test', path: '/metadata/labels/b', value: 'x' }],
      contentType: 'application/json-patch+json',
    });
    expect(failed.status).toBeGreaterThanOrEqual(400);
  });

  it('strategic merge patch works on core kinds and is refused for Gateways (415)', async () => {
    const core = await raw(local, 'PATCH', `${PODS}/m1`, {
      body: { metadata: { labels: { s: 'y' } } },
      contentType: 'application/strategic-merge-patch+json',
    });
    expect(core.json.metadata.labels.s).toBe('y');
    await raw(local, 'POST', GATEWAYS, { body: waypoint('smp') });
    const crd = await raw(local, 'PATCH', `${GATEWAYS}/smp`, {
      body: { metadata: { labels: { s: 'y' } } },
      contentType: 'application/strategic-merge-patch+json',
    });
    expect([crd.status, crd.json.reason]).toEqual([415, 'UnsupportedMediaType']);
  });

  it('server-side apply owns fields, removes what a re-apply drops, and reports conflicts', async () => {
    const apply = (body: object, query: string): Promise<Awaited<ReturnType<typeof raw>>> =>
      raw(local, 'PATCH', `${GATEWAYS}/ssa?${query}`, {
        body,
        contentType: 'application/apply-patch+yaml',
      });
    const created = await apply(
      waypoint('ssa', { 'istio.io/waypoint-for': 'all' }),
      'fieldManager=waypointer',
    );
    expect(created.status).toBe(201);
    const managers = created.json.metadata.managedFields.map(
      (m: { manager: string; operation: string }) => `${m.manager}/${m.operation}`,
    );
    expect(managers).toContain('waypointer/Apply');
    const conflict = await apply(
      waypoint('ssa', { 'istio.io/waypoint-for': 'workload' }),
      'fieldManager=someone-else',
    );
    expect([conflict.status, conflict.json.reason, conflict.json.message]).toEqual([
      409,
      'Conflict',
      'Apply failed with 1 conflict: conflict with "waypointer": .metadata.labels.istio.io/waypoint-for',
    ]);
    const forced = await apply(
      waypoint('ssa', { 'istio.io/waypoint-for': 'workload' }),
      'fieldManager=someone-else&force=true',
    );
    expect(forced.json.metadata.labels).toEqual({ 'istio.io/waypoint-for': 'workload' });
    const again = await apply(waypoint('ssa', { team: 'a' }), 'fieldManager=waypointer');
    expect(again.json.metadata.labels).toEqual({ 'istio.io/waypoint-for': 'workload', team: 'a' });
    const dropped = await apply(waypoint('ssa'), 'fieldManager=waypointer');
    expect(dropped.json.metadata.labels).toEqual({ 'istio.io/waypoint-for': 'workload' });
    const noManager = await apply(waypoint('ssa'), '');
    expect(noManager.status).toBe(400);
  });
});

describe('watch', () => {
  it('streams ADDED, MODIFIED and DELETED, and DELETED when an object leaves the selector', async () => {
    const all = watch(local, `${PODS}?watch=true&resourceVersion=${local.server.store.revision}`);
    const selected = watch(
      local,
      `${PODS}?watch=1&labelSelector=watched&resourceVersion=${local.server.store.revision}`,
    );
    await Promise.all([all.ready, selected.ready]);
    await raw(local, 'POST', PODS, { body: pod('w1', { watched: 'yes' }) });
    await raw(local, 'PATCH', `${PODS}/w1`, {
      body: { metadata: { labels: { watched: null } } },
      contentType: 'application/merge-patch+json',
    });
    await raw(local, 'DELETE', `${PODS}/w1`);
    await eventually(() => all.events.length >= 3);
    await eventually(() => selected.events.length >= 2);
    expect(all.events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual([
      'ADDED w1',
      'MODIFIED w1',
      'DELETED w1',
    ]);
    expect(selected.events.map((e) => e.type)).toEqual(['ADDED', 'DELETED']);
    all.close();
    selected.close();
  });

  it('ends a watch from a resourceVersion older than the history with an ERROR event (410)', async () => {
    const response = await raw(local, 'GET', `${PODS}?watch=true&resourceVersion=5`);
    expect(response.status).toBe(200);
    expect(
      response.text
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line)),
    ).toEqual([
      {
        type: 'ERROR',
        object: {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Failure',
          message: `too old resource version: 5 (${local.server.store.oldestRevision - 1})`,
          reason: 'Expired',
          code: 410,
        },
      },
    ]);
  });

  it('refuses a resourceVersion that is no number with 422, as the storage layer', async () => {
    const response = await raw(local, 'GET', `${PODS}?watch=true&resourceVersion=abc`);
    expect([response.status, response.json.reason, response.json.message]).toEqual([
      422,
      'Invalid',
      'resourceVersion: Invalid value: "abc": strconv.ParseUint: parsing "abc": invalid syntax',
    ]);
  });

  it('from a resourceVersion ahead of the store, streams only the events after it', async () => {
    const ahead = local.server.store.revision + 1;
    const w = watch(local, `${PODS}?watch=true&labelSelector=ahead&resourceVersion=${ahead}`);
    await w.ready;
    const first = await raw(local, 'POST', PODS, { body: pod('ahead-1', { ahead: 'y' }) });
    expect(first.json.metadata.resourceVersion).toBe(String(ahead));
    await raw(local, 'POST', PODS, { body: pod('ahead-2', { ahead: 'y' }) });
    await eventually(() => w.events.length >= 1);
    await new Promise((r) => setTimeout(r, 50));
    expect(w.events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(['ADDED ahead-2']);
    w.close();
  });

  it('clears its timeout when it closes', async () => {
    // The server's own timer for this watch (timeoutSeconds=3600), followed through the global
    // timer functions, not a count of every timer the process has.
    const set = vi.spyOn(globalThis, 'setTimeout');
    const cleared = vi.spyOn(globalThis, 'clearTimeout');
    try {
      const revision = local.server.store.revision;
      const w = watch(local, `${PODS}?watch=true&timeoutSeconds=3600&resourceVersion=${revision}`);
      await w.ready;
      const index = await eventually(() => {
        const i = set.mock.calls.findIndex(([, ms]) => ms === 3_600_000);
        return i >= 0 ? i : undefined;
      });
      const timer = set.mock.results[index]?.value;
      expect(cleared.mock.calls.some(([t]) => t === timer)).toBe(false);
      w.close();
      await eventually(() => cleared.mock.calls.some(([t]) => t === timer));
    } finally {
      set.mockRestore();
      cleared.mockRestore();
    }
  });

  it('sends the current objects first when no resourceVersion is given', async () => {
    const w = watch(local, '/api/v1/namespaces?watch=true');
    await w.ready;
    await eventually(() => w.events.length >= 3);
    expect(w.events.every((e) => e.type === 'ADDED')).toBe(true);
    w.close();
  });
});

describe('no-op writes', () => {
  it('keep the resourceVersion and send no watch event, as the storage skips them', async () => {
    const live = (await raw(local, 'POST', PODS, { body: pod('same', { a: '1' }) })).json;
    const rv = live.metadata.resourceVersion;
    const w = watch(
      local,
      `${PODS}?watch=true&fieldSelector=metadata.name%3Dsame&resourceVersion=${rv}`,
    );
    await w.ready;
    const merge = 'application/merge-patch+json';
    const patched = await raw(local, 'PATCH', `${PODS}/same`, {
      body: { metadata: { labels: { a: '1' } } },
      contentType: merge,
    });
    const put = await raw(local, 'PUT', `${PODS}/same`, { body: live });
    expect([patched.status, patched.json.metadata.resourceVersion]).toEqual([200, rv]);
    expect([put.status, put.json.metadata.resourceVersion]).toEqual([200, rv]);
    const apply = (): Promise<Awaited<ReturnType<typeof raw>>> =>
      raw(local, 'PATCH', `${PODS}/same?fieldManager=applier`, {
        body: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'same', labels: { a: '1' } } },
        contentType: 'application/apply-patch+yaml',
      });
    const owned = await apply();
    expect(owned.json.metadata.resourceVersion).not.toBe(rv);
    const again = await apply();
    expect(again.json.metadata.resourceVersion).toBe(owned.json.metadata.resourceVersion);
    const changed = await raw(local, 'PATCH', `${PODS}/same`, {
      body: { metadata: { labels: { b: '2' } } },
      contentType: merge,
    });
    await eventually(() => w.events.length >= 2);
    await new Promise((r) => setTimeout(r, 50));
    expect(w.events.map((e) => `${e.type} ${e.object.metadata.resourceVersion}`)).toEqual([
      `MODIFIED ${owned.json.metadata.resourceVersion}`,
      `MODIFIED ${changed.json.metadata.resourceVersion}`,
    ]);
    w.close();
  });
});

describe('namespace lifecycle', () => {
  it('deleting a namespace marks it Terminating, refuses new content, then removes it and its content', async () => {
    await raw(local, 'POST', '/api/v1/namespaces', {
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'doomed' } },
    });
    await raw(local, 'POST', '/api/v1/namespaces/doomed/pods', { body: pod('inside') });
    const deleting = await raw(local, 'DELETE', '/api/v1/namespaces/doomed');
    expect(deleting.json.status.phase).toBe('Terminating');
    const refused = await raw(local, 'POST', '/api/v1/namespaces/doomed/pods', {
      body: pod('late'),
    });
    expect([refused.status, refused.json.message]).toEqual([
      403,
      'pods "late" is forbidden: unable to create new content in namespace doomed because it is being terminated',
    ]);
    await eventuallyAsync(async () =>
      (await raw(local, 'GET', '/api/v1/namespaces/doomed')).status === 404 ? true : undefined,
    );
    expect((await raw(local, 'GET', '/api/v1/namespaces/doomed')).status).toBe(404);
    expect((await raw(local, 'GET', '/api/v1/namespaces/doomed/pods/inside')).status).toBe(404);
  });
});

describe('istiod, simulated', () => {
  it('deploys a waypoint: Service, pod, then addresses and Programmed', async () => {
    await raw(local, 'POST', GATEWAYS, { body: waypoint('sim') });
    const gateway = await eventuallyAsync(async () => {
      const g = (await raw(local, 'GET', `${GATEWAYS}/sim`)).json;
      return g.status?.addresses?.length > 0 ? g : undefined;
    });
    expect(gateway.status.addresses).toEqual([
      { type: 'Hostname', value: 'sim.default.svc.cluster.local' },
    ]);
    expect(
      gateway.status.conditions.map(
        (c: { type: string; status: string }) => `${c.type}=${c.status}`,
      ),
    ).toEqual(['Accepted=True', 'Programmed=True']);
    const service = (await raw(local, 'GET', '/api/v1/namespaces/default/services/sim')).json;
    expect(service.metadata.labels).toMatchObject({
      'gateway.istio.io/managed': 'istio.io-mesh-controller',
      'gateway.networking.k8s.io/gateway-name': 'sim',
    });
    const pods = (
      await raw(local, 'GET', `${PODS}?labelSelector=gateway.networking.k8s.io/gateway-name%3Dsim`)
    ).json.items;
    expect(pods).toHaveLength(1);
  });

  it("writes the entries' conditions its rules give, removes those they drop and keeps the others", async () => {
    const ENTRIES = '/apis/networking.istio.io/v1/namespaces/default/serviceentries';
    const body = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'ServiceEntry',
      metadata: { name: 'status-probe' },
      spec: { hosts: ['probe.example.com'] },
    };
    expect((await raw(local, 'POST', ENTRIES, { body })).status).toBe(201);
    const foreign = { type: 'example.com/Other', status: 'True', reason: 'Mine', message: 'kept' };
    await raw(local, 'PATCH', `${ENTRIES}/status-probe/status`, {
      contentType: 'application/merge-patch+json',
      body: { status: { conditions: [foreign] } },
    });
    // Rules that bind an entry while it carries the label `bound`, and say why not otherwise.
    type Conditions = EntryStatus['conditions'];
    local.istiod.entryRules = (objects) =>
      (objects.serviceentries ?? [])
        .filter((o) => o.metadata.name === 'status-probe')
        .map((o) => ({
          kind: 'ServiceEntry' as const,
          namespace: o.metadata.namespace ?? '',
          name: o.metadata.name,
          conditions: (o.metadata.labels?.bound === 'yes'
            ? {
                'istio.io/WaypointBound': {
                  status: 'True',
                  reason: 'WaypointAccepted',
                  message: 'bound',
                },
              }
            : {
                'istio.io/WaypointMissing': {
                  status: 'True',
                  reason: 'NoWaypointForWildcardService',
                  message: 'missing',
                },
              }) as Conditions,
        }));
    const conditionsOf = async (): Promise<string[]> =>
      ((await raw(local, 'GET', `${ENTRIES}/status-probe`)).json.status?.conditions ?? []).map(
        (c: { type: string; reason: string; observedGeneration?: number }) =>
          `${c.type}=${c.reason}@${c.observedGeneration ?? '-'}`,
      );
    expect(
      await eventuallyAsync(async () => {
        const c = await conditionsOf();
        return c.length === 2 ? c : undefined;
      }),
    ).toEqual([
      'example.com/Other=Mine@-',
      'istio.io/WaypointMissing=NoWaypointForWildcardService@1',
    ]);
    await raw(local, 'PATCH', `${ENTRIES}/status-probe`, {
      contentType: 'application/merge-patch+json',
      body: { metadata: { labels: { bound: 'yes' } } },
    });
    expect(
      await eventuallyAsync(async () => {
        const c = await conditionsOf();
        return c.some((x) => x.startsWith('istio.io/WaypointBound')) ? c : undefined;
      }),
    ).toEqual(['example.com/Other=Mine@-', 'istio.io/WaypointBound=WaypointAccepted@1']);
    local.istiod.entryRules = undefined;
  });

  it('keeps a waypoint unready on request, and collects its objects when it is deleted', async () => {
    local.istiod.keepUnready('default/stuck');
    await raw(local, 'POST', GATEWAYS, { body: waypoint('stuck') });
    await new Promise((r) => setTimeout(r, 100));
    const gateway = (await raw(local, 'GET', `${GATEWAYS}/stuck`)).json;
    expect(gateway.status.addresses).toBeUndefined();
    expect(
      gateway.status.conditions.find((c: { type: string }) => c.type === 'Programmed').status,
    ).toBe('False');
    await raw(local, 'DELETE', `${GATEWAYS}/stuck`);
    await eventuallyAsync(async () =>
      (await raw(local, 'GET', '/api/v1/namespaces/default/services/stuck')).status === 404
        ? true
        : undefined,
    );
  });
});

describe('audit', () => {
  it('posts audit.k8s.io/v1 EventLists to the webhook and appends CloudWatch Logs lines', async () => {
    const received: any[] = [];
    const hook = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push(JSON.parse(body));
        res.end('{}');
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', () => r()));
    const logFile = join(await mkdtemp(join(tmpdir(), 'audit-')), 'audit.log');
    const audited = await cluster({
      audit: { webhookUrl: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/`, logFile },
    });
    try {
      await raw(audited, 'PATCH', '/api/v1/namespaces/default', {
        body: { metadata: { labels: { 'istio.io/use-waypoint': 'waypoint' } } },
        contentType: 'application/merge-patch+json',
      });
      await raw(audited, 'POST', GATEWAYS, { body: waypoint('audited') });
      await raw(audited, 'GET', PODS);
      await raw(audited, 'POST', PODS, { body: '{"kind": "Pod", ' });
      await raw(audited, 'PATCH', `${PODS}/reviews-v1-6584ddcf65-qv7rn`, {
        body: '{"metadata": ',
        contentType: 'application/merge-patch+json',
      });
      await raw(audited, 'POST', `${PODS}/item`, { body: pod('item') });
      await raw(audited, 'POST', PODS, {
        body: 'x',
        contentType: 'application/vnd.kubernetes.protobuf',
      });
      await raw(audited, 'POST', PODS, { body: pod('Bad_Name') });
      audited.server.faults.failNext('500');
      await raw(audited, 'POST', PODS, { body: pod('faulted') });
      await audited.server.audit.flush();
      const events = received.flatMap((list) => list.items);
      expect(
        received.every(
          (list) => list.kind === 'EventList' && list.apiVersion === 'audit.k8s.io/v1',
        ),
      ).toBe(true);
      const patch = events.find((e) => e.verb === 'patch' && e.objectRef.resource === 'namespaces');
      expect(patch).toMatchObject({
        kind: 'Event',
        apiVersion: 'audit.k8s.io/v1',
        level: 'RequestResponse',
        stage: 'ResponseComplete',
        user: { username: 'kubernetes-admin' },
        responseStatus: { metadata: {}, code: 200 },
      });
      // As reference sample (a): the namespace of /api/v1/namespaces/<ns>, no uid or resourceVersion.
      expect(patch.objectRef).toEqual({
        resource: 'namespaces',
        namespace: 'default',
        name: 'default',
        apiVersion: 'v1',
      });
      const failed = (code: number) => events.find((e) => e.responseStatus.code === code);
      expect(failed(400)).toMatchObject({
        verb: 'create',
        objectRef: { resource: 'pods', namespace: 'default', apiVersion: 'v1' },
        responseStatus: { metadata: {}, status: 'Failure', reason: 'BadRequest', code: 400 },
      });
      expect(failed(400).responseStatus.message).toMatch(/^json: /);
      const badPatch = events.find((e) => e.verb === 'patch' && e.responseStatus.code === 400);
      expect(badPatch.responseStatus.message).toMatch(/^error decoding patch: /);
      expect(badPatch.objectRef.name).toBe('reviews-v1-6584ddcf65-qv7rn');
      expect(failed(405)).toMatchObject({
        verb: 'create',
        objectRef: { resource: 'pods', namespace: 'default', name: 'item' },
        responseStatus: {
          status: 'Failure',
          reason: 'MethodNotAllowed',
          message: 'the server does not allow this method on the requested resource',
          code: 405,
        },
      });
      expect(failed(415).responseStatus).toEqual({
        metadata: {},
        status: 'Failure',
        message:
          'the body of the request was in an unknown format - accepted media types include: application/json, application/yaml',
        reason: 'UnsupportedMediaType',
        code: 415,
      });
      expect(failed(422)).toMatchObject({
        objectRef: { name: 'Bad_Name' },
        responseStatus: { reason: 'Invalid', details: { name: 'Bad_Name', kind: 'Pod' } },
      });
      expect(failed(422).responseStatus.details.causes[0].field).toBe('metadata.name');
      expect(failed(500)).toBeUndefined();
      expect(patch.requestObject).toEqual({
        metadata: { labels: { 'istio.io/use-waypoint': 'waypoint' } },
      });
      const create = events.find(
        (e) =>
          e.verb === 'create' &&
          e.objectRef.resource === 'gateways' &&
          e.user.username === 'kubernetes-admin',
      );
      expect(create.level).toBe('Metadata');
      expect(create.requestObject).toBeUndefined();
      expect(create.objectRef).toMatchObject({
        apiGroup: 'gateway.networking.k8s.io',
        namespace: 'default',
        name: 'audited',
      });
      expect(
        events.some((e) => e.user.username === 'system:serviceaccount:istio-system:istiod'),
      ).toBe(true);
      expect(events.some((e) => e.verb === 'list' || e.verb === 'get')).toBe(false);
      const lines = (await readFile(logFile, 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(lines.map((l) => l.auditID)).toEqual(events.map((e) => e.auditID));
    } finally {
      await audited.stop();
      hook.close();
    }
  });
});

/** A webhook that answers as `respond` says (or never, when it returns false). */
async function webhook(
  respond: (res: ServerResponse, index: number) => boolean,
): Promise<{ url: string; received: any[]; server: Server }> {
  const received: any[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push(JSON.parse(body));
      if (respond(res, received.length - 1)) res.end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, received, server };
}

describe('audit delivery', () => {
  const label = (value: string): object => ({ metadata: { labels: { batch: value } } });
  const merge = 'application/merge-patch+json';

  it('batches the events recorded while a delivery is in flight into one EventList', async () => {
    let release = (): void => {};
    const hook = await webhook((res, index) => {
      if (index > 0) return true;
      release = () => res.end('{}');
      return false;
    });
    const audited = await cluster({ audit: { webhookUrl: hook.url } });
    try {
      const patch = (value: string): Promise<unknown> =>
        raw(audited, 'PATCH', '/api/v1/namespaces/default', {
          body: label(value),
          contentType: merge,
        });
      await patch('1');
      await eventually(() => hook.received.length === 1);
      await patch('2');
      await patch('3');
      await patch('4');
      release();
      await audited.server.audit.flush();
      expect(hook.received.map((list) => list.items.length)).toEqual([1, 3]);
      expect(hook.received[1].items.map((e: any) => e.requestObject.metadata.labels.batch)).toEqual(
        ['2', '3', '4'],
      );
    } finally {
      await audited.stop();
      hook.server.closeAllConnections();
      hook.server.close();
    }
  });

  it('stops within the delivery timeout when the webhook never answers', async () => {
    const hook = await webhook(() => false);
    const audited = await cluster({ audit: { webhookUrl: hook.url, webhookTimeoutMs: 200 } });
    try {
      await raw(audited, 'PATCH', '/api/v1/namespaces/default', {
        body: label('x'),
        contentType: merge,
      });
      await raw(audited, 'PATCH', '/api/v1/namespaces/default', {
        body: label('y'),
        contentType: merge,
      });
      await eventually(() => hook.received.length >= 1);
      const started = Date.now();
      await audited.stop();
      expect(Date.now() - started).toBeLessThan(1500);
      expect(audited.server.audit.failures.length).toBeGreaterThan(0);
    } finally {
      hook.server.closeAllConnections();
      hook.server.close();
    }
  });
});

describe('stopping', () => {
  it('cancels pending namespace terminations', async () => {
    const stopped = await cluster();
    await raw(stopped, 'POST', '/api/v1/namespaces', {
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ending' } },
    });
    expect((await raw(stopped, 'DELETE', '/api/v1/namespaces/ending')).status).toBe(200);
    await stopped.stop();
    await new Promise((r) => setTimeout(r, 400));
    // Still Terminating: the timer that would have removed it was cancelled with the server.
    const left = stopped.server.store.get(NAMESPACES, undefined, 'ending');
    expect(left?.status).toEqual({ phase: 'Terminating' });
  });

  it('keeps only the last requests in its log', async () => {
    const server = new KubeApiServer({ requestLogSize: 3 });
    await server.start();
    try {
      const served = { url: server.url, server } as unknown as LocalCluster;
      for (let i = 0; i < 5; i++) await raw(served, 'GET', `/version?n=${i}`);
      expect(server.requests).toEqual(['GET /version?n=2', 'GET /version?n=3', 'GET /version?n=4']);
      expect(server.requestCount).toBe(5);
      expect(server.requestsSince(3)).toEqual(['GET /version?n=3', 'GET /version?n=4']);
    } finally {
      await server.stop();
    }
  });
});

describe('faults', () => {
  it('fails the next requests as told: 500, then 429 with Retry-After', async () => {
    local.server.faults.failNext('500', '429');
    const first = await raw(local, 'GET', PODS);
    expect([first.status, first.json.reason]).toEqual([500, 'InternalError']);
    const second = await raw(local, 'GET', PODS);
    expect([second.status, second.json.reason, second.headers['retry-after']]).toEqual([
      429,
      'TooManyRequests',
      '1',
    ]);
    expect((await raw(local, 'GET', PODS)).status).toBe(200);
  });
});
