/**
 * The embedded Kubernetes API server over real HTTPS: what kubectl and client-node rely on, with
 * the real server's status codes and messages.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalCluster } from '../../infra/local/cluster.ts';
import { cluster, eventually, raw, watch } from '../support/kube.ts';

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
    ]);
    expect((await raw(local, 'GET', '/apis')).json.groups[0].preferredVersion.groupVersion).toBe(
      'gateway.networking.k8s.io/v1',
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

  it('sends the current objects first when no resourceVersion is given', async () => {
    const w = watch(local, '/api/v1/namespaces?watch=true');
    await w.ready;
    await eventually(() => w.events.length >= 3);
    expect(w.events.every((e) => e.type === 'ADDED')).toBe(true);
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
        objectRef: { resource: 'namespaces', name: 'default', apiVersion: 'v1' },
        responseStatus: { code: 200 },
      });
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

async function eventuallyAsync<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 3000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
