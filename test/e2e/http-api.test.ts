/**
 * The HTTP API end to end: HTTP requests through the local API gateway to the real handler, over
 * the embedded Kubernetes cluster.
 */
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePolicy } from '../../shared/app/authorization.ts';
import * as apiSchemas from '../../shared/schemas/api.ts';
import { type Api, startApi } from '../support/api.ts';
import { raw } from '../support/kube.ts';

const NS = '/v1/clusters/local/namespaces/default';
let api: Api;

beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  await api.stop();
});

type Row = string;
async function bindingsTable(): Promise<Row[]> {
  const { json } = await api.call('GET', `${NS}/bindings`);
  return [
    ...json.services.map((s: any) => `svc ${s.name} ${s.waypoint?.name ?? '-'} ${s.via ?? '-'}`),
    ...json.namespaces.map(
      (n: any) => `ns ${n.namespace} ${n.waypoint?.name ?? '-'} ${n.via ?? '-'}`,
    ),
    ...json.pods.map((p: any) => `pod ${p.name} ${p.waypoint?.name ?? '-'} ${p.via ?? '-'}`),
  ];
}

const changed = (result: any): string[] =>
  result.plan.map(
    (c: any) =>
      `${c.kind} ${c.name}: ${c.before?.waypoint?.name ?? '-'} -> ${c.after?.waypoint?.name ?? '-'}`,
  );

describe('the seed walkthrough over HTTP (Istio: Configure waypoint proxies)', () => {
  it('enrolls the namespace, then reviews, then the reviews v2 pods, and ends with the expected bindings', async () => {
    expect(await bindingsTable()).toEqual([
      'svc details - -',
      'svc productpage - -',
      'svc ratings - -',
      'svc reviews - -',
      'ns default - -',
    ]);
    const step1 = await api.call('PUT', `${NS}/waypoints/waypoint`, {
      body: { enrollNamespace: true, wait: true },
    });
    expect(step1.status).toBe(200);
    expect(step1.json.done).toEqual([
      'waypoint default/waypoint applied',
      'waypoint default/waypoint is ready!',
      'namespace default labeled with "istio.io/use-waypoint: waypoint"',
    ]);
    expect(changed(step1.json)).toEqual([
      'Service details: - -> waypoint',
      'Service productpage: - -> waypoint',
      'Service ratings: - -> waypoint',
      'Service reviews: - -> waypoint',
    ]);
    expect(
      (await api.call('PUT', `${NS}/waypoints/reviews-svc-waypoint`, { body: { wait: true } }))
        .status,
    ).toBe(200);
    const step2 = await api.call('PUT', `${NS}/services/reviews/enrollment`, {
      body: { waypoint: 'reviews-svc-waypoint' },
    });
    expect(changed(step2.json)).toEqual(['Service reviews: waypoint -> reviews-svc-waypoint']);
    expect(
      (
        await api.call('PUT', `${NS}/waypoints/reviews-v2-pod-waypoint`, {
          body: { for: 'workload', wait: true },
        })
      ).status,
    ).toBe(200);
    const step3 = await api.call(
      'PUT',
      `${NS}/pods/enrollment?selector=app%3Dreviews%2Cversion%3Dv2`,
      { body: { waypoint: 'reviews-v2-pod-waypoint' } },
    );
    expect(step3.json.done).toEqual([
      'labeled pods default/reviews-v2-6f85cb9b7c-9jbd8 with "istio.io/use-waypoint: reviews-v2-pod-waypoint"',
    ]);
    expect(changed(step3.json)).toEqual([
      'Pod reviews-v2-6f85cb9b7c-9jbd8: - -> reviews-v2-pod-waypoint',
    ]);
    const table = await bindingsTable();
    expect(table.filter((row) => !row.includes('waypoint-'))).toEqual([
      'svc details waypoint namespace',
      'svc productpage waypoint namespace',
      'svc ratings waypoint namespace',
      'svc reviews reviews-svc-waypoint service',
      'svc reviews-svc-waypoint - -',
      'svc reviews-v2-pod-waypoint - -',
      'svc waypoint - -',
      'ns default - -',
      'pod reviews-v2-6f85cb9b7c-9jbd8 reviews-v2-pod-waypoint pod',
    ]);
    expect(table.filter((row) => row.startsWith('pod ') && row.includes('waypoint-'))).toHaveLength(
      3,
    );
  });
});

describe('meta and generate', () => {
  it('GET /healthz answers without a caller', async () => {
    expect(await api.call('GET', '/healthz', { caller: '' })).toMatchObject({
      status: 200,
      json: { status: 'ok' },
    });
  });

  it('GET /v1/openapi.json is a valid OpenAPI 3.1 document with every route', async () => {
    const { json } = await api.call('GET', '/v1/openapi.json');
    const result = await new Validator().validate(json);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(json.openapi).toBe('3.1.0');
    const operations = Object.entries(json.paths).flatMap(([path, ops]) =>
      Object.keys(ops as object).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(operations).toEqual(
      expect.arrayContaining([
        'POST /v1/generate',
        'GET /v1/clusters',
        'GET /v1/clusters/{cluster}/waypoints',
        'GET /v1/clusters/{cluster}/namespaces/{namespace}/waypoints/{name}',
        'PUT /v1/clusters/{cluster}/namespaces/{namespace}/waypoints/{name}',
        'DELETE /v1/clusters/{cluster}/namespaces/{namespace}/waypoints/{name}',
        'PUT /v1/clusters/{cluster}/namespaces/{namespace}/enrollment',
        'DELETE /v1/clusters/{cluster}/namespaces/{namespace}/enrollment',
        'PUT /v1/clusters/{cluster}/namespaces/{namespace}/services/{service}/enrollment',
        'DELETE /v1/clusters/{cluster}/namespaces/{namespace}/services/{service}/enrollment',
        'PUT /v1/clusters/{cluster}/namespaces/{namespace}/serviceentries/{serviceentry}/canary',
        'DELETE /v1/clusters/{cluster}/namespaces/{namespace}/serviceentries/{serviceentry}/canary',
        'POST /v1/clusters/{cluster}/namespaces/{namespace}/serviceentries/{serviceentry}/canary/promote',
        'PUT /v1/clusters/{cluster}/namespaces/{namespace}/serviceentries/{serviceentry}/enrollment',
        'DELETE /v1/clusters/{cluster}/namespaces/{namespace}/serviceentries/{serviceentry}/enrollment',
        'PUT /v1/clusters/{cluster}/namespaces/{namespace}/workloadentries/{workloadentry}/enrollment',
        'DELETE /v1/clusters/{cluster}/namespaces/{namespace}/workloadentries/{workloadentry}/enrollment',
        'PUT /v1/clusters/{cluster}/namespaces/{namespace}/pods/{pod}/enrollment',
        'DELETE /v1/clusters/{cluster}/namespaces/{namespace}/pods/{pod}/enrollment',
        'PUT /v1/clusters/{cluster}/namespaces/{namespace}/pods/enrollment',
        'DELETE /v1/clusters/{cluster}/namespaces/{namespace}/pods/enrollment',
        'GET /v1/clusters/{cluster}/namespaces/{namespace}/bindings',
        'GET /v1/clusters/{cluster}/bindings',
        'POST /v1/clusters/{cluster}/namespaces/{namespace}/reconcile',
        'GET /healthz',
        'GET /v1/openapi.json',
      ]),
    );
    expect(operations).toHaveLength(32);
  });

  it('POST /v1/generate answers JSON, or istioctl YAML when asked', async () => {
    const json = await api.call('POST', '/v1/generate', {
      body: { namespace: 'default', for: 'all' },
    });
    expect(json.json).toMatchObject({
      kind: 'Gateway',
      metadata: {
        name: 'waypoint',
        namespace: 'default',
        labels: { 'istio.io/waypoint-for': 'all' },
      },
    });
    const yaml = await api.call('POST', '/v1/generate', {
      body: {},
      headers: { accept: 'application/yaml' },
    });
    expect(yaml.type).toBe('application/yaml');
    expect(yaml.text).toBe(
      'apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata:\n  name: waypoint\nspec:\n  gatewayClassName: istio-waypoint\n  listeners:\n  - name: mesh\n    port: 15008\n    protocol: HBONE\n',
    );
  });

  it('GET /v1/clusters lists the configured clusters', async () => {
    expect((await api.call('GET', '/v1/clusters')).json).toEqual({ items: [{ name: 'local' }] });
  });
});

describe('waypoints', () => {
  it('lists waypoints with istioctl columns, the effective traffic type and bound counts', async () => {
    const { json } = await api.call('GET', '/v1/clusters/local/waypoints?namespace=default');
    const waypoint = json.items.find((w: any) => w.name === 'waypoint');
    expect(waypoint).toEqual({
      namespace: 'default',
      name: 'waypoint',
      gatewayClassName: 'istio-waypoint',
      revision: 'default',
      trafficType: 'none',
      effectiveTrafficType: 'service',
      programmed: 'True',
      // The namespace is enrolled on it: it counts, though a service waypoint binds no pods.
      bound: { services: 3, pods: 0, namespaces: 1, serviceEntries: 0, workloadEntries: 0 },
    });
  });

  it('shows a waypoint status and what is bound to it', async () => {
    const { status, json } = await api.call('GET', `${NS}/waypoints/reviews-v2-pod-waypoint`);
    expect(status).toBe(200);
    expect(json.status).toMatchObject({ type: 'Programmed', status: 'True' });
    expect(json.boundPods.map((p: any) => p.name)).toEqual(['reviews-v2-6f85cb9b7c-9jbd8']);
    expect(json.referencedBy).toEqual([
      { kind: 'Pod', namespace: 'default', name: 'reviews-v2-6f85cb9b7c-9jbd8' },
    ]);
  });

  it('previews an apply with dryRun and changes nothing', async () => {
    const { json } = await api.call('PUT', `${NS}/waypoints/preview`, {
      body: { for: 'all', dryRun: true },
    });
    expect(json).toMatchObject({ dryRun: true, done: [], plan: [] });
    expect((await api.call('GET', `${NS}/waypoints/preview`)).status).toBe(404);
  });

  it('warns and changes nothing when the namespace already has a waypoint (istioctl), unless overwrite', async () => {
    const { json } = await api.call('PUT', `${NS}/waypoints/other`, {
      body: { enrollNamespace: true },
    });
    expect(json.warnings).toEqual([
      'namespace (default) already has an enrolled Waypoint. Consider adding the `--overwrite` flag to your apply command.',
    ]);
    expect(json.done).toEqual([]);
    expect((await api.call('GET', `${NS}/waypoints/other`)).status).toBe(404);
  });

  it('times out waiting for a waypoint that never becomes ready (504)', async () => {
    api.local.istiod.keepUnready('default/stuck');
    const { status, json } = await api.call('PUT', `${NS}/waypoints/stuck`, {
      body: { wait: true, timeoutSeconds: 1 },
    });
    expect([status, json.detail]).toEqual([
      504,
      'timed out while waiting for waypoint\tdefault/stuck',
    ]);
  });

  it('refuses to delete a waypoint in use (409, with the dependents), then deletes with unenroll', async () => {
    const refused = await api.call('DELETE', `${NS}/waypoints/reviews-svc-waypoint`);
    expect(refused.status).toBe(409);
    expect(refused.json.dependents).toEqual([
      { kind: 'Service', namespace: 'default', name: 'reviews' },
    ]);
    const preview = await api.call(
      'DELETE',
      `${NS}/waypoints/reviews-svc-waypoint?unenroll=true&dryRun=true`,
    );
    expect(preview.json.dryRun).toBe(true);
    expect(changed(preview.json)).toContain('Service reviews: reviews-svc-waypoint -> waypoint');
    expect((await api.call('GET', `${NS}/waypoints/reviews-svc-waypoint`)).status).toBe(200);
    const deleted = await api.call('DELETE', `${NS}/waypoints/reviews-svc-waypoint?unenroll=true`);
    expect(deleted.json.done).toEqual([
      'removed istio.io/use-waypoint from Service default/reviews',
      'waypoint default/reviews-svc-waypoint deleted',
    ]);
    expect((await api.call('GET', `${NS}/waypoints/reviews-svc-waypoint`)).status).toBe(404);
    expect(await bindingsTable()).toContain('svc reviews waypoint namespace');
  });

  it('deletes a waypoint in use with force, leaving the references dangling (with a warning)', async () => {
    await api.call('PUT', `${NS}/waypoints/doomed`, { body: {} });
    await api.call('PUT', `${NS}/services/ratings/enrollment`, {
      body: { waypoint: 'doomed', overwrite: true },
    });
    const deleted = await api.call('DELETE', `${NS}/waypoints/doomed?force=true`);
    expect(deleted.json.warnings).toEqual([
      'these now name a waypoint that does not exist: Service default/ratings',
    ]);
    const bindings = (await api.call('GET', `${NS}/bindings`)).json;
    const ratings = bindings.services.find((s: any) => s.name === 'ratings');
    expect(ratings.condition).toEqual({
      status: 'False',
      reason: 'WaypointIsNotReady',
      message: 'waypoint "default/doomed" is not ready',
    });
    expect(bindings.diagnostics.map((d: any) => `${d.code} ${d.subject}`)).toContain(
      'dangling-reference Service default/ratings',
    );
    expect(bindings.diagnostics).toContainEqual(
      expect.objectContaining({
        code: 'dangling-reference',
        namespace: 'default',
        waypoint: { namespace: 'default', name: 'doomed' },
        object: { kind: 'Service', namespace: 'default', name: 'ratings' },
      }),
    );
    expect(apiSchemas.bindingsPage.safeParse(bindings).success).toBe(true);
    await api.call('DELETE', `${NS}/services/ratings/enrollment`);
  });

  it('deletes a waypoint of any waypoint class it lists, and no other Gateway', async () => {
    const gateways = '/apis/gateway.networking.k8s.io/v1/namespaces/default/gateways';
    await raw(api.local, 'POST', '/apis/gateway.networking.k8s.io/v1/gatewayclasses', {
      body: {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'GatewayClass',
        metadata: { name: 'custom-waypoint' },
        spec: { controllerName: 'istio.io/mesh-controller' },
      },
    });
    const gateway = (name: string, gatewayClassName: string): object => ({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name },
      spec: {
        gatewayClassName,
        listeners: [{ name: 'mesh', port: 15008, protocol: 'HBONE' }],
      },
    });
    await raw(api.local, 'POST', gateways, { body: gateway('cw', 'custom-waypoint') });
    await raw(api.local, 'POST', gateways, { body: gateway('ingress', 'istio') });
    const listed = (
      await api.call('GET', '/v1/clusters/local/waypoints?namespace=default')
    ).json.items.map((w: any) => w.name);
    expect([listed.includes('cw'), listed.includes('ingress')]).toEqual([true, false]);
    await api.call('PUT', `${NS}/services/ratings/enrollment`, {
      body: { waypoint: 'cw', overwrite: true },
    });
    const refused = await api.call('DELETE', `${NS}/waypoints/cw`);
    expect([refused.status, refused.json.dependents]).toEqual([
      409,
      [{ kind: 'Service', namespace: 'default', name: 'ratings' }],
    ]);
    const deleted = await api.call('DELETE', `${NS}/waypoints/cw?unenroll=true`);
    expect(deleted.json.done).toEqual([
      'removed istio.io/use-waypoint from Service default/ratings',
      'waypoint default/cw deleted',
    ]);
    const other = await api.call('DELETE', `${NS}/waypoints/ingress`);
    expect([other.status, other.json.detail]).toEqual([404, 'waypoint default/ingress not found']);
    expect((await raw(api.local, 'GET', `${gateways}/ingress`)).status).toBe(200);
    await raw(api.local, 'DELETE', `${gateways}/ingress`);
  });

  it('answers 404 for a Gateway that is no istio-waypoint', async () => {
    const { status, json } = await api.call('DELETE', `${NS}/waypoints/nope`);
    expect([status, json.detail]).toEqual([404, 'waypoint default/nope not found']);
  });
});

describe('enrollment', () => {
  it('previews and enrolls a namespace, a Service and a Pod by name, and unenrolls them', async () => {
    const preview = await api.call('PUT', `${NS}/services/details/enrollment`, {
      body: { waypoint: 'none', dryRun: true },
    });
    expect(changed(preview.json)).toEqual(['Service details: waypoint -> -']);
    expect(await bindingsTable()).toContain('svc details waypoint namespace');
    const optOut = await api.call('PUT', `${NS}/services/details/enrollment`, {
      body: { waypoint: 'none' },
    });
    expect(optOut.json.done).toEqual([
      'labeled service default/details with "istio.io/use-waypoint: none"',
    ]);
    const back = await api.call('DELETE', `${NS}/services/details/enrollment`);
    expect(changed(back.json)).toEqual(['Service details: - -> waypoint']);
    const pod = await api.call('PUT', `${NS}/pods/reviews-v1-6584ddcf65-qv7rn/enrollment`, {
      body: { waypoint: 'reviews-v2-pod-waypoint' },
    });
    expect(changed(pod.json)).toEqual([
      'Pod reviews-v1-6584ddcf65-qv7rn: - -> reviews-v2-pod-waypoint',
    ]);
    const unpod = await api.call(
      'DELETE',
      `${NS}/pods/reviews-v1-6584ddcf65-qv7rn/enrollment?dryRun=true`,
    );
    expect(changed(unpod.json)).toEqual([
      'Pod reviews-v1-6584ddcf65-qv7rn: reviews-v2-pod-waypoint -> -',
    ]);
  });

  it('refuses to replace another waypoint without overwrite (409)', async () => {
    const { status, json } = await api.call('PUT', `${NS}/enrollment`, {
      body: { waypoint: 'another' },
    });
    expect([status, json.detail]).toEqual([
      409,
      'Namespace default already use another waypoint: pass overwrite=true to replace it',
    ]);
  });

  it('refuses a cross-namespace waypoint whose allowedRoutes deny the namespace (422), unless force', async () => {
    await api
      .call('PUT', '/v1/clusters/local/namespaces/istio-system/waypoints/shared', { body: {} })
      .then(() => undefined);
    const { raw } = await import('../support/kube.ts');
    await raw(api.local, 'POST', '/api/v1/namespaces', {
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'mesh' } },
    });
    await raw(api.local, 'POST', '/apis/gateway.networking.k8s.io/v1/namespaces/mesh/gateways', {
      body: {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'Gateway',
        metadata: { name: 'shared' },
        spec: {
          gatewayClassName: 'istio-waypoint',
          listeners: [{ name: 'mesh', port: 15008, protocol: 'HBONE' }],
        },
      },
    });
    const denied = await api.call('PUT', `${NS}/services/productpage/enrollment`, {
      body: { waypoint: 'shared', waypointNamespace: 'mesh', overwrite: true },
    });
    expect(denied.status).toBe(422);
    expect(denied.json.errors).toEqual([
      {
        path: 'waypointNamespace',
        message: 'waypoint mesh/shared does not admit namespace default',
      },
    ]);
    const forced = await api.call('PUT', `${NS}/services/productpage/enrollment`, {
      body: {
        waypoint: 'shared',
        waypointNamespace: 'mesh',
        overwrite: true,
        force: true,
        dryRun: true,
      },
    });
    expect(forced.status).toBe(200);
  });

  it.each<[string, string, unknown, number, { path: string; message: string }[] | undefined]>([
    [
      'a waypoint name that is no label value',
      `${NS}/enrollment`,
      { waypoint: 'Not Valid' },
      400,
      undefined,
    ],
    [
      'a missing waypoint',
      `${NS}/enrollment`,
      {},
      400,
      [{ path: 'body.waypoint', message: 'Invalid input: expected string, received undefined' }],
    ],
    [
      'an unknown field',
      `${NS}/enrollment`,
      { waypoint: 'w', wait: true },
      400,
      [{ path: 'body', message: 'unknown field(s): wait' }],
    ],
    [
      'a bad namespace name',
      '/v1/clusters/local/namespaces/Bad_NS/enrollment',
      { waypoint: 'w' },
      400,
      undefined,
    ],
    [
      'a bad selector',
      `${NS}/pods/enrollment?selector=app%20in%20(a`,
      { waypoint: 'w' },
      400,
      undefined,
    ],
    [
      'a blank selector (apimachinery reads it as every pod)',
      `${NS}/pods/enrollment?selector=%20%20`,
      { waypoint: 'w' },
      400,
      [
        {
          path: 'query.selector',
          message:
            'the selector names no label, so it would match every pod of the namespace: give a label (e.g. app=reviews), or enroll the namespace instead',
        },
      ],
    ],
    [
      'a missing selector',
      `${NS}/pods/enrollment`,
      { waypoint: 'w' },
      400,
      [{ path: 'query.selector', message: 'Invalid input: expected string, received undefined' }],
    ],
  ])('refuses %s with a problem naming the field', async (_case, path, body, status, errors) => {
    const response = await api.call('PUT', path, { body });
    expect(response.status).toBe(status);
    expect(response.type).toBe('application/problem+json');
    expect(response.json.errors?.length ?? 0).toBeGreaterThan(0);
    if (errors !== undefined) expect(response.json.errors).toEqual(errors);
  });

  it('warns, as waypointer plan does, when a Service is enrolled onto a workload-only waypoint', async () => {
    const response = await api.call('PUT', `${NS}/services/ratings/enrollment`, {
      body: { waypoint: 'reviews-v2-pod-waypoint', dryRun: true },
    });
    expect(response.status).toBe(200);
    expect(response.json.warnings).toEqual([
      'waypoint default/reviews-v2-pod-waypoint serves workload traffic (istio.io/waypoint-for: workload), not service traffic: the Service gets no waypoint (UnsupportedTrafficType); apply it with --for service or all',
    ]);
  });

  it('answers 404 for a Service or a Pod that does not exist, with the Kubernetes message', async () => {
    const service = await api.call('PUT', `${NS}/services/nope/enrollment`, {
      body: { waypoint: 'w' },
    });
    expect([service.status, service.json.detail]).toEqual([404, 'services "nope" not found']);
    const pod = await api.call('DELETE', `${NS}/pods/nope/enrollment`);
    expect([pod.status, pod.json.detail]).toEqual([404, 'pods "nope" not found']);
  });
});

describe('bindings', () => {
  it('pages a cluster by namespaces', async () => {
    const first = await api.call('GET', '/v1/clusters/local/bindings?limit=1');
    expect(first.json.namespaces.map((n: any) => n.namespace)).toEqual(['default']);
    expect(first.json.nextCursor).toBe('default');
    const second = await api.call(
      'GET',
      `/v1/clusters/local/bindings?limit=1&cursor=${first.json.nextCursor}`,
    );
    expect(second.json.namespaces.map((n: any) => n.namespace)).toEqual(['istio-system']);
    expect((await api.call('GET', '/v1/clusters/local/bindings?limit=0')).status).toBe(400);
  });

  it('recomputes a namespace on request', async () => {
    const { status, json } = await api.call('POST', `${NS}/reconcile`);
    expect(status).toBe(200);
    expect(json.services.length).toBeGreaterThan(3);
  });

  it('answers 404 for a namespace that does not exist', async () => {
    const { status, json } = await api.call('GET', '/v1/clusters/local/namespaces/nope/bindings');
    expect([status, json.detail]).toEqual([404, 'namespaces "nope" not found']);
  });
});

describe('errors', () => {
  it.each<[string, string, string, unknown, Record<string, string>, number, string]>([
    [
      'an unknown route',
      'GET',
      '/v2/nothing',
      undefined,
      {},
      404,
      'no route for GET /v2/nothing; see GET /v1/openapi.json',
    ],
    [
      'a method a route does not take',
      'POST',
      '/v1/clusters',
      undefined,
      {},
      405,
      'POST is not allowed on /v1/clusters; use GET',
    ],
    [
      'a body that is no JSON',
      'PUT',
      `${NS}/enrollment`,
      '{nope',
      {},
      400,
      "the request body is not valid JSON: Expected property name or '}' in JSON at position 1 (line 1 column 2)",
    ],
    [
      'a body of another type',
      'PUT',
      `${NS}/enrollment`,
      'waypoint=w',
      { 'content-type': 'application/x-www-form-urlencoded' },
      415,
      'the request body must be JSON (Content-Type: application/json), not application/x-www-form-urlencoded',
    ],
    [
      'an unknown cluster',
      'GET',
      '/v1/clusters/prod/waypoints',
      undefined,
      {},
      404,
      'cluster "prod" is not configured; known clusters: local',
    ],
    [
      'a reserved waypoint name',
      'PUT',
      `${NS}/waypoints/none`,
      {},
      {},
      422,
      "failed to create gateway: invalid name provided for waypoint, 'none' is a reserved value",
    ],
  ])('answers %s with problem+json', async (_case, method, path, body, headers, status, detail) => {
    const response = await api.call(method, path, {
      ...(body === undefined ? {} : { body }),
      headers,
    });
    expect([
      response.status,
      response.type,
      response.json.title !== undefined,
      response.json.detail,
    ]).toEqual([status, 'application/problem+json', true, detail]);
  });

  it('refuses a body on a route that takes none (so a dryRun there cannot be silently ignored)', async () => {
    const response = await api.call('DELETE', `${NS}/services/reviews/enrollment`, {
      body: { dryRun: true },
    });
    expect([response.status, response.json.errors]).toEqual([
      400,
      [{ path: 'body', message: 'not allowed on this route' }],
    ]);
  });

  it.each([
    ['PUT', `${NS}/waypoints/probe?bogus=1`, { for: 'service' }],
    ['POST', `${NS}/reconcile?bogus=1`, undefined],
    ['GET', '/v1/clusters?bogus=1', undefined],
    ['GET', `${NS}/bindings?limit=2`, undefined],
  ])('refuses unknown query parameters: %s %s', async (method, path, body) => {
    const response = await api.call(method, path, body === undefined ? {} : { body });
    const name = new URL(path, 'http://x').searchParams.keys().next().value as string;
    expect([response.status, response.type, response.json.errors]).toEqual([
      400,
      'application/problem+json',
      [{ path: 'query', message: `unknown field(s): ${name}` }],
    ]);
    expect(
      (
        await raw(
          api.local,
          'GET',
          `/apis/gateway.networking.k8s.io/v1/namespaces/default/gateways/probe`,
        )
      ).status,
    ).toBe(404);
  });

  it('honours ?dryRun=true on PUT waypoints: a preview, nothing applied', async () => {
    const response = await api.call('PUT', `${NS}/waypoints/dry-probe?dryRun=true`, {
      body: { for: 'service' },
    });
    expect([response.status, response.json.dryRun, response.json.done]).toEqual([200, true, []]);
    const gateway = await raw(
      api.local,
      'GET',
      '/apis/gateway.networking.k8s.io/v1/namespaces/default/gateways/dry-probe',
    );
    expect(gateway.status).toBe(404);
  });

  it('answers 404 at once when waiting for a waypoint that does not exist', async () => {
    const started = Date.now();
    const response = await api.call('GET', `${NS}/waypoints/ghost?wait=true&timeoutSeconds=30`);
    expect([response.status, response.json.detail]).toEqual([
      404,
      'waypoint default/ghost not found',
    ]);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('answers 503 without internals when the cluster keeps failing', async () => {
    api.local.server.faults.configure({ rate: 1, kinds: ['500'] });
    const response = await api.call('GET', `${NS}/bindings`);
    api.local.server.faults.configure({ rate: 0 });
    expect(response.status).toBe(503);
    expect(response.json.detail).toMatch(/^the Kubernetes API kept failing after 6 attempts/);
  });
});

describe('authorization', () => {
  let guarded: Api;
  beforeAll(async () => {
    guarded = await startApi({
      local: api.local,
      policy: parsePolicy(
        JSON.stringify({
          version: 1,
          rules: [
            {
              subjects: ['arn:aws:iam::111111111111:role/viewers-*'],
              role: 'viewer',
              clusters: ['*'],
              namespaces: ['*'],
            },
            {
              subjects: ['jwt:*', 'arn:aws:iam::111111111111:role/team-a'],
              role: 'operator',
              clusters: ['local'],
              namespaces: ['team-*'],
            },
          ],
        }),
      ),
    });
  });
  afterAll(async () => {
    await guarded.stop();
  });

  it('answers 401 without a caller', async () => {
    const response = await guarded.call('GET', '/v1/clusters', { caller: '' });
    expect(response.status).toBe(401);
  });

  it('lets a viewer read and refuses its mutations (403)', async () => {
    const viewer = 'arn:aws:iam::111111111111:role/viewers-ops';
    expect((await guarded.call('GET', `${NS}/bindings`, { caller: viewer })).status).toBe(200);
    const refused = await guarded.call('PUT', `${NS}/enrollment`, {
      caller: viewer,
      body: { waypoint: 'w', dryRun: true },
    });
    expect(refused.status).toBe(403);
    expect(refused.json.detail).toContain('arn:aws:iam::111111111111:role/viewers-ops');
    for (const path of ['serviceentries/api/enrollment', 'workloadentries/vm-1/enrollment']) {
      const entry = await guarded.call('DELETE', `${NS}/${path}?dryRun=true`, { caller: viewer });
      expect([path, entry.status]).toEqual([path, 403]);
    }
  });

  it('lets an operator change only its namespaces', async () => {
    const operator = 'arn:aws:iam::111111111111:role/team-a';
    expect(
      (
        await guarded.call('PUT', `${NS}/enrollment`, {
          caller: operator,
          body: { waypoint: 'w', dryRun: true },
        })
      ).status,
    ).toBe(403);
    expect(
      (
        await guarded.call('GET', '/v1/clusters/local/namespaces/team-a/bindings', {
          caller: operator,
        })
      ).status,
    ).toBe(404);
  });

  it('refuses a delete with unenroll that would change a namespace the caller may not touch', async () => {
    const { raw } = await import('../support/kube.ts');
    await raw(api.local, 'POST', '/api/v1/namespaces', {
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } },
    });
    await raw(api.local, 'POST', '/api/v1/namespaces', {
      body: {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: {
          name: 'payments',
          labels: {
            'istio.io/use-waypoint': 'shared-a',
            'istio.io/use-waypoint-namespace': 'team-a',
          },
        },
      },
    });
    await raw(api.local, 'POST', '/apis/gateway.networking.k8s.io/v1/namespaces/team-a/gateways', {
      body: {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'Gateway',
        metadata: { name: 'shared-a' },
        spec: {
          gatewayClassName: 'istio-waypoint',
          listeners: [
            {
              name: 'mesh',
              port: 15008,
              protocol: 'HBONE',
              allowedRoutes: { namespaces: { from: 'All' } },
            },
          ],
        },
      },
    });
    const operator = 'arn:aws:iam::111111111111:role/team-a';
    const refused = await guarded.call(
      'DELETE',
      '/v1/clusters/local/namespaces/team-a/waypoints/shared-a?unenroll=true',
      { caller: operator },
    );
    expect(refused.status).toBe(403);
    expect(refused.json.detail).toContain('payments');
    const namespace = (await raw(api.local, 'GET', '/api/v1/namespaces/payments')).json;
    expect(namespace.metadata.labels['istio.io/use-waypoint']).toBe('shared-a');
  });

  it('shows a caller only the namespaces it may read in cluster-wide lists', async () => {
    const operator = 'arn:aws:iam::111111111111:role/team-a';
    const bindings = await guarded.call('GET', '/v1/clusters/local/bindings?limit=500', {
      caller: operator,
    });
    expect(bindings.json.namespaces.map((n: any) => n.namespace)).toEqual(['team-a']);
    const waypoints = await guarded.call('GET', '/v1/clusters/local/waypoints', {
      caller: operator,
    });
    expect(waypoints.json.items.map((w: any) => `${w.namespace}/${w.name}`)).toEqual([
      'team-a/shared-a',
    ]);
    expect(
      (
        await guarded.call('GET', '/v1/clusters', {
          caller: 'arn:aws:iam::999999999999:user/nobody',
        })
      ).json,
    ).toEqual({ items: [] });
  });

  it("shows in a waypoint's status, counts and 409s only what the caller may read", async () => {
    const operator = 'arn:aws:iam::111111111111:role/team-a';
    const status = await guarded.call(
      'GET',
      '/v1/clusters/local/namespaces/team-a/waypoints/shared-a',
      {
        caller: operator,
      },
    );
    expect(status.status).toBe(200);
    expect(JSON.stringify(status.json)).not.toContain('payments');
    expect(status.json.waypoint.bound).toEqual({
      services: 0,
      pods: 0,
      namespaces: 0,
      serviceEntries: 0,
      workloadEntries: 0,
    });
    const list = await guarded.call('GET', '/v1/clusters/local/waypoints?namespace=team-a', {
      caller: operator,
    });
    expect(list.json.items[0].bound).toEqual({
      services: 0,
      pods: 0,
      namespaces: 0,
      serviceEntries: 0,
      workloadEntries: 0,
    });
    const conflict = await guarded.call(
      'DELETE',
      '/v1/clusters/local/namespaces/team-a/waypoints/shared-a?dryRun=true',
      { caller: operator },
    );
    expect(conflict.status).toBe(409);
    expect(JSON.stringify(conflict.json)).not.toContain('payments');
    expect(conflict.json.detail).toContain('1 object(s) in namespaces you may not read');
    // An admin of every namespace sees them all.
    const all = await api.call('GET', '/v1/clusters/local/namespaces/team-a/waypoints/shared-a');
    expect(all.json.referencedBy).toEqual([
      { kind: 'Namespace', namespace: 'payments', name: 'payments' },
    ]);
  });

  it('does not tell an enroll dry run whether a waypoint in an unreadable namespace exists or admits it', async () => {
    await raw(
      api.local,
      'POST',
      '/apis/gateway.networking.k8s.io/v1/namespaces/payments/gateways',
      {
        body: {
          apiVersion: 'gateway.networking.k8s.io/v1',
          kind: 'Gateway',
          metadata: { name: 'hidden' },
          spec: {
            gatewayClassName: 'istio-waypoint',
            listeners: [{ name: 'mesh', port: 15008, protocol: 'HBONE' }],
          },
        },
      },
    );
    const operator = 'arn:aws:iam::111111111111:role/team-a';
    const attempt = (waypoint: string) =>
      guarded.call('PUT', '/v1/clusters/local/namespaces/team-a/enrollment', {
        caller: operator,
        body: { waypoint, waypointNamespace: 'payments', dryRun: true },
      });
    const existing = await attempt('hidden');
    const missing = await attempt('nothing-here');
    expect([existing.status, missing.status]).toEqual([200, 200]);
    expect(existing.json.warnings).toEqual([
      'waypoint payments/hidden is in namespace payments, which you may not read: whether it exists and admits namespace team-a is not checked',
    ]);
    expect(missing.json.warnings).toEqual([
      'waypoint payments/nothing-here is in namespace payments, which you may not read: whether it exists and admits namespace team-a is not checked',
    ]);
  });

  it('refuses force=true when the dangling labels would be in a protected namespace', async () => {
    await raw(api.local, 'POST', '/apis/gateway.networking.k8s.io/v1/namespaces/default/gateways', {
      body: {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'Gateway',
        metadata: { name: 'used-by-system' },
        spec: {
          gatewayClassName: 'istio-waypoint',
          listeners: [{ name: 'mesh', port: 15008, protocol: 'HBONE' }],
        },
      },
    });
    const labels = (value: string | null) =>
      raw(api.local, 'PATCH', '/api/v1/namespaces/kube-system', {
        body: {
          metadata: {
            labels: {
              'istio.io/use-waypoint': value,
              'istio.io/use-waypoint-namespace': value === null ? null : 'default',
            },
          },
        },
        contentType: 'application/merge-patch+json',
      });
    await labels('used-by-system');
    try {
      const refused = await api.call('DELETE', `${NS}/waypoints/used-by-system?force=true`);
      expect([refused.status, refused.json.detail]).toEqual([
        403,
        'caller arn:aws:iam::000000000000:user/local-developer may not mutate namespace kube-system: it is protected (set allowProtectedNamespaces in the policy to allow it)',
      ]);
      const gateway = await raw(
        api.local,
        'GET',
        '/apis/gateway.networking.k8s.io/v1/namespaces/default/gateways/used-by-system',
      );
      expect(gateway.status).toBe(200);
    } finally {
      await labels(null);
    }
  });

  it('refuses protected namespaces, even to the permissive local policy', async () => {
    const response = await api.call('PUT', '/v1/clusters/local/namespaces/kube-system/enrollment', {
      body: { waypoint: 'w' },
    });
    expect([response.status, response.json.detail]).toEqual([
      403,
      'caller arn:aws:iam::000000000000:user/local-developer may not mutate namespace kube-system: it is protected (set allowProtectedNamespaces in the policy to allow it)',
    ]);
  });
});

describe('canary waypoints (Istio 1.31)', () => {
  const DETAILS = `${NS}/services/details`;
  const service = async (): Promise<{ labels: object; annotations: object }> => {
    const got = await raw(api.local, 'GET', '/api/v1/namespaces/default/services/details');
    return {
      labels: got.json.metadata.labels ?? {},
      annotations: got.json.metadata.annotations ?? {},
    };
  };
  const details = async (): Promise<unknown> => {
    const { json } = await api.call('GET', `${NS}/bindings`);
    const found = json.services.find((s: any) => s.name === 'details');
    return { waypoint: found.waypoint?.name ?? null, canary: found.canary };
  };

  it('sets a canary with its weight, promotes it, and refuses what Istio would not read', async () => {
    for (const name of ['canary-a', 'canary-b'])
      expect(
        (await api.call('PUT', `${NS}/waypoints/${name}`, { body: { wait: true } })).status,
      ).toBe(200);
    expect(
      (
        await api.call('PUT', `${DETAILS}/enrollment`, {
          body: { waypoint: 'canary-a', overwrite: true },
        })
      ).status,
    ).toBe(200);

    const set = await api.call('PUT', `${DETAILS}/canary`, {
      body: { canary: 'canary-b', weight: 20 },
    });
    expect([set.status, set.json.done]).toEqual([
      200,
      ['set the canary of service default/details'],
    ]);
    expect(set.json.plan.map((c: any) => c.after.canary)).toEqual([
      { waypoint: { namespace: 'default', name: 'canary-b' }, weight: 20 },
    ]);
    expect(await service()).toMatchObject({
      labels: { 'istio.io/use-waypoint': 'canary-a', 'istio.io/use-waypoint-canary': 'canary-b' },
      annotations: { 'istio.io/use-waypoint-canary-weight': '20' },
    });
    expect(await details()).toEqual({
      waypoint: 'canary-a',
      canary: { waypoint: { namespace: 'default', name: 'canary-b' }, weight: 20 },
    });

    const preview = await api.call('POST', `${DETAILS}/canary/promote?dryRun=true`);
    expect([preview.status, preview.json.done, preview.json.plan.length]).toEqual([200, [], 1]);
    expect(await details()).toMatchObject({ waypoint: 'canary-a' });

    const promoted = await api.call('POST', `${DETAILS}/canary/promote`);
    expect(promoted.status).toBe(200);
    expect(await details()).toEqual({ waypoint: 'canary-b', canary: null });
    const after = await service();
    expect(after.labels).toMatchObject({ 'istio.io/use-waypoint': 'canary-b' });
    expect(after.labels).not.toHaveProperty('istio.io/use-waypoint-canary');
    expect(after.annotations).not.toHaveProperty('istio.io/use-waypoint-canary-weight');

    const nothing = await api.call('DELETE', `${DETAILS}/canary`);
    expect([nothing.status, nothing.type, nothing.json.errors]).toEqual([
      422,
      'application/problem+json',
      [
        {
          path: 'target',
          message:
            'service default/details has no canary of its own (label istio.io/use-waypoint-canary)',
        },
      ],
    ]);
    const heavy = await api.call('PUT', `${DETAILS}/canary`, {
      body: { canary: 'canary-a', weight: 101 },
    });
    expect([heavy.status, heavy.json.errors?.[0]?.path]).toEqual([400, 'body.weight']);

    // A waypoint a canary label names is in use: delete refuses, --unenroll drops the canary.
    expect(
      (await api.call('PUT', `${DETAILS}/canary`, { body: { canary: 'canary-a', weight: 10 } }))
        .status,
    ).toBe(200);
    const refused = await api.call('DELETE', `${NS}/waypoints/canary-a`);
    expect([refused.status, refused.json.detail]).toEqual([
      409,
      'waypoint default/canary-a is still used by Service default/details (canary): pass unenroll=true to remove their istio.io/use-waypoint labels too, or force=true to leave them dangling',
    ]);
    const deleted = await api.call('DELETE', `${NS}/waypoints/canary-a?unenroll=true`);
    expect(deleted.status).toBe(200);
    const left = await service();
    expect(left.labels).toMatchObject({ 'istio.io/use-waypoint': 'canary-b' });
    expect(left.labels).not.toHaveProperty('istio.io/use-waypoint-canary');
    expect(left.annotations).not.toHaveProperty('istio.io/use-waypoint-canary-weight');
    expect(await details()).toEqual({ waypoint: 'canary-b', canary: null });
  });
});

describe('ServiceEntry and WorkloadEntry enrollment (docs/istio-semantics.md §15)', () => {
  const ENS = '/v1/clusters/local/namespaces/entries';
  const KUBE = '/apis/networking.istio.io/v1/namespaces/entries';
  const labelsOf = async (path: string): Promise<Record<string, string>> =>
    (await raw(api.local, 'GET', `${KUBE}/${path}`)).json.metadata.labels ?? {};

  beforeAll(async () => {
    await raw(api.local, 'POST', '/api/v1/namespaces', {
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'entries' } },
    });
    for (const [name, body] of [
      ['egress', { for: 'all', wait: true }],
      ['svc-only', { wait: true }],
    ] as const)
      expect((await api.call('PUT', `${ENS}/waypoints/${name}`, { body })).status).toBe(200);
    const se = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'ServiceEntry',
      metadata: { name: 'api' },
      spec: { hosts: ['api.example.com'], resolution: 'STATIC' },
    };
    expect((await raw(api.local, 'POST', `${KUBE}/serviceentries`, { body: se })).status).toBe(201);
    const we = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'WorkloadEntry',
      metadata: { name: 'vm-1' },
      spec: { address: '10.9.0.1' },
    };
    expect((await raw(api.local, 'POST', `${KUBE}/workloadentries`, { body: we })).status).toBe(
      201,
    );
  });

  it('previews, enrolls and unenrolls a ServiceEntry and a WorkloadEntry; delete counts them as dependents', async () => {
    const preview = await api.call('PUT', `${ENS}/serviceentries/api/enrollment?dryRun=true`, {
      body: { waypoint: 'egress' },
    });
    expect(preview.status).toBe(200);
    expect(changed(preview.json)).toEqual(['ServiceEntry api: - -> egress']);
    expect(await labelsOf('serviceentries/api')).toEqual({});

    const se = await api.call('PUT', `${ENS}/serviceentries/api/enrollment`, {
      body: { waypoint: 'egress' },
    });
    expect(se.status).toBe(200);
    expect(se.json.done).toEqual([
      'labeled serviceentry entries/api with "istio.io/use-waypoint: egress"',
    ]);
    expect(await labelsOf('serviceentries/api')).toEqual({ 'istio.io/use-waypoint': 'egress' });
    const taken = await api.call('PUT', `${ENS}/serviceentries/api/enrollment`, {
      body: { waypoint: 'svc-only' },
    });
    expect([taken.status, taken.json.detail]).toEqual([
      409,
      'ServiceEntry entries/api already use another waypoint: pass overwrite=true to replace it',
    ]);

    const warned = await api.call('PUT', `${ENS}/workloadentries/vm-1/enrollment`, {
      body: { waypoint: 'svc-only', dryRun: true },
    });
    expect(warned.json.warnings).toEqual([
      'waypoint entries/svc-only serves service traffic (istio.io/waypoint-for: service), not workload traffic: the WorkloadEntry gets no waypoint (UnsupportedTrafficType); apply it with --for workload or all',
    ]);
    const we = await api.call('PUT', `${ENS}/workloadentries/vm-1/enrollment`, {
      body: { waypoint: 'egress' },
    });
    expect(changed(we.json)).toEqual(['WorkloadEntry vm-1: - -> egress']);
    expect(await labelsOf('workloadentries/vm-1')).toEqual({ 'istio.io/use-waypoint': 'egress' });

    // list and status count and show the entries bound to the waypoint.
    const list = await api.call('GET', '/v1/clusters/local/waypoints?namespace=entries');
    expect(list.json.items.map((w: any) => [w.name, w.bound])).toEqual([
      ['egress', { services: 0, pods: 0, namespaces: 0, serviceEntries: 1, workloadEntries: 1 }],
      ['svc-only', { services: 0, pods: 0, namespaces: 0, serviceEntries: 0, workloadEntries: 0 }],
    ]);
    const status = await api.call('GET', `${ENS}/waypoints/egress`);
    expect(status.json.boundServiceEntries.map((b: any) => [b.name, b.via])).toEqual([
      ['api', 'serviceentry'],
    ]);
    expect(status.json.boundWorkloadEntries.map((b: any) => [b.name, b.via])).toEqual([
      ['vm-1', 'workloadentry'],
    ]);

    const refused = await api.call('DELETE', `${ENS}/waypoints/egress`);
    expect(refused.status).toBe(409);
    expect(refused.json.dependents).toEqual([
      { kind: 'ServiceEntry', namespace: 'entries', name: 'api' },
      { kind: 'WorkloadEntry', namespace: 'entries', name: 'vm-1' },
    ]);

    // §5.1 canaries of a ServiceEntry: set (labels and weight annotation), then dropped.
    const canary = await api.call('PUT', `${ENS}/serviceentries/api/canary`, {
      body: { canary: 'svc-only', weight: 10 },
    });
    expect([canary.status, canary.json.done]).toEqual([
      200,
      ['set the canary of serviceentry entries/api'],
    ]);
    expect(canary.json.plan.map((c: any) => [c.kind, c.after.canary])).toEqual([
      ['ServiceEntry', { waypoint: { namespace: 'entries', name: 'svc-only' }, weight: 10 }],
    ]);
    const annotated = (await raw(api.local, 'GET', `${KUBE}/serviceentries/api`)).json.metadata;
    expect(annotated.labels['istio.io/use-waypoint-canary']).toBe('svc-only');
    expect(annotated.annotations['istio.io/use-waypoint-canary-weight']).toBe('10');
    const dropped = await api.call('DELETE', `${ENS}/serviceentries/api/canary`);
    expect(dropped.json.done).toEqual(['removed the canary of serviceentry entries/api']);
    expect(await labelsOf('serviceentries/api')).toEqual({ 'istio.io/use-waypoint': 'egress' });

    const back = await api.call('DELETE', `${ENS}/serviceentries/api/enrollment`);
    expect(back.status).toBe(200);
    expect(changed(back.json)).toEqual(['ServiceEntry api: egress -> -']);
    expect(await labelsOf('serviceentries/api')).toEqual({});
    const deleted = await api.call('DELETE', `${ENS}/waypoints/egress?unenroll=true`);
    expect(deleted.json.done).toEqual([
      'removed istio.io/use-waypoint from WorkloadEntry entries/vm-1',
      'waypoint entries/egress deleted',
    ]);
    expect(await labelsOf('workloadentries/vm-1')).toEqual({});
  });

  it('E1 warns that unenroll leaves a WorkloadEntry label of spec.labels in place', async () => {
    const we = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'WorkloadEntry',
      metadata: { name: 'vm-2' },
      spec: { address: '10.9.0.2', labels: { 'istio.io/use-waypoint': 'svc-only' } },
    };
    expect((await raw(api.local, 'POST', `${KUBE}/workloadentries`, { body: we })).status).toBe(
      201,
    );
    for (const query of ['?dryRun=true', '']) {
      const response = await api.call('DELETE', `${ENS}/workloadentries/vm-2/enrollment${query}`);
      expect(response.status).toBe(200);
      expect(response.json.warnings).toEqual([
        'WorkloadEntry entries/vm-2 keeps istio.io/use-waypoint: svc-only in spec.labels, which unenroll does not change (istiod reads spec.labels under metadata.labels): remove it from the WorkloadEntry to unenroll it',
      ]);
    }
    const deleting = await api.call(
      'DELETE',
      `${ENS}/waypoints/svc-only?unenroll=true&dryRun=true`,
    );
    expect(deleting.json.warnings).toEqual([
      'WorkloadEntry entries/vm-2 keeps istio.io/use-waypoint: svc-only in spec.labels, which unenroll does not change (istiod reads spec.labels under metadata.labels): remove it from the WorkloadEntry to unenroll it',
    ]);
    // The waypoint serves services only: its status diagnoses the WorkloadEntry that names it (E2).
    const status = await api.call('GET', `${ENS}/waypoints/svc-only`);
    expect(
      status.json.diagnostics
        .filter((d: any) => d.object.kind === 'WorkloadEntry')
        .map((d: any) => [d.code, d.subject]),
    ).toEqual([['traffic-type-mismatch', 'WorkloadEntry entries/vm-2']]);
  });

  it('answers 404 for an entry that does not exist, and 400 naming the field for bad input', async () => {
    const missing = await api.call('PUT', `${ENS}/serviceentries/nope/enrollment`, {
      body: { waypoint: 'w' },
    });
    expect([missing.status, missing.json.detail]).toEqual([
      404,
      'serviceentries.networking.istio.io "nope" not found',
    ]);
    const gone = await api.call('DELETE', `${ENS}/workloadentries/nope/enrollment`);
    expect([gone.status, gone.json.detail]).toEqual([
      404,
      'workloadentries.networking.istio.io "nope" not found',
    ]);
    const noWaypoint = await api.call('PUT', `${ENS}/serviceentries/api/enrollment`, { body: {} });
    expect(noWaypoint.status).toBe(400);
    expect(noWaypoint.type).toBe('application/problem+json');
    expect(noWaypoint.json.errors).toEqual([
      { path: 'body.waypoint', message: 'Invalid input: expected string, received undefined' },
    ]);
    const badName = await api.call('PUT', `${ENS}/workloadentries/Bad_Name/enrollment`, {
      body: { waypoint: 'w' },
    });
    expect(badName.status).toBe(400);
    expect(badName.json.errors.map((e: { path: string }) => e.path)).toEqual([
      'path.workloadentry',
    ]);
  });
});
