/**
 * The client-node Cluster adapter against the embedded API server, over real HTTPS.
 */
import { ApiException, CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import type { LocalCluster } from '@waypointer/kube-api';
import { findResource, type ResourceType } from '@waypointer/kube-api';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  KubernetesCluster,
  type RetryOptions,
  sleepUnless,
  toWaypointerError,
  withRetries,
} from '../../shared/adapters/kubernetes/cluster.ts';
import {
  type EksKubeConfigOptions,
  EksTokenSource,
  eksToken,
} from '../../shared/adapters/kubernetes/eks-auth.ts';
import { computeNamespaceBindings, hasWorkload } from '../../shared/domain/bindings.ts';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  TimeoutError,
  UnauthorizedError,
  UnavailableError,
  ValidationError,
} from '../../shared/domain/errors.ts';
import { generateWaypoint, waypointManifest } from '../../shared/domain/generate.ts';
import { computeEntryBindings } from '../../shared/domain/service-entries.ts';
import { cluster, kubeConfigOf } from '../support/kube.ts';

const PODS = findResource('', 'v1', 'pods') as ResourceType;
const NAMESPACES = findResource('', 'v1', 'namespaces') as ResourceType;

let local: LocalCluster;
let adapter: KubernetesCluster;
/**
 * For counting requests: the default request timeout, as a list of thousands of pods on a busy
 * machine may take over 500 ms, and a retry would count as a request.
 */
let counted: KubernetesCluster;
const sleeps: number[] = [];
const options = {
  pollIntervalMs: 10,
  requestTimeoutMs: 500,
  baseDelayMs: 1,
  sleep: async (ms: number) => {
    sleeps.push(ms);
  },
};

beforeAll(async () => {
  local = await cluster();
  adapter = new KubernetesCluster(kubeConfigOf(local), options);
  counted = new KubernetesCluster(kubeConfigOf(local), { ...options, requestTimeoutMs: 10_000 });
});
afterAll(async () => {
  await local.stop();
});

const manifest = (name: string, type?: string): Record<string, unknown> =>
  waypointManifest(
    generateWaypoint({ namespace: 'default', name, ...(type === undefined ? {} : { for: type }) }),
  );

/** Seeds `count` unlabelled pods into a fresh namespace, straight into the store. */
function seedNamespace(name: string, count: number): void {
  const now = new Date().toISOString();
  local.server.store.put(
    NAMESPACES,
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name, uid: name, creationTimestamp: now } },
    'ADDED',
  );
  for (let i = 0; i < count; i++) {
    local.server.store.put(
      PODS,
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: `p-${i}`, namespace: name, labels: { app: 'x' } },
        spec: { containers: [] },
      },
      'ADDED',
    );
  }
  local.server.store.put(
    PODS,
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'labelled', namespace: name, labels: { 'istio.io/use-waypoint': 'w' } },
      spec: { containers: [] },
    },
    'ADDED',
  );
}

describe('snapshots', () => {
  it('reads a namespace with its Services, only its labelled pods, and all waypoints', async () => {
    await adapter.applyGateway(manifest('snap'));
    await adapter.setLabels(
      { kind: 'pods', namespace: 'default', selector: 'version=v2' },
      { 'istio.io/use-waypoint': 'snap' },
    );
    const snapshot = await adapter.namespaceSnapshot('default');
    expect(snapshot.namespaces.map((n) => n.metadata.name)).toEqual(['default']);
    expect(snapshot.services.map((s) => s.metadata.name)).toContain('reviews');
    expect(snapshot.pods.map((p) => p.metadata.name)).toContain('reviews-v2-6f85cb9b7c-9jbd8');
    expect(
      snapshot.pods.every(
        (p) =>
          p.metadata.labels?.['istio.io/use-waypoint'] !== undefined ||
          p.metadata.labels?.['gateway.networking.k8s.io/gateway-name'] !== undefined,
      ),
    ).toBe(true);
    expect(snapshot.gateways.map((g) => g.metadata.name)).toContain('snap');
    expect(snapshot.gatewayClasses.map((c) => c.metadata.name)).toEqual(['istio-waypoint']);
    expect(computeNamespaceBindings(snapshot, 'default').services.length).toBe(
      snapshot.services.length,
    );
  });

  it('takes the same number of requests at 10 and at 10,000 pods', async () => {
    seedNamespace('small', 10);
    seedNamespace('large', 10_000);
    const count = async (namespace: string): Promise<{ requests: number; pods: number }> => {
      const before = local.server.requestCount;
      const snapshot = await counted.namespaceSnapshot(namespace);
      return { requests: local.server.requestCount - before, pods: snapshot.pods.length };
    };
    const small = await count('small');
    const large = await count('large');
    // namespace, services, 2 labelled-pod lists and, for each label, the lists of its pods
    // istiod builds no workload for (Succeeded, Failed, no IP), gateways, classes,
    // ServiceEntries, WorkloadEntries, the mesh ConfigMap
    expect(small).toEqual({ requests: 15, pods: 1 });
    expect(large).toEqual(small);
  });

  it('tells which named pods exist: a read each for a few, one paged list for many', async () => {
    seedNamespace('exists', 30);
    const names = (pods: { metadata: { name: string } }[]): string[] =>
      pods.map((p) => p.metadata.name).sort();
    let before = local.server.requestCount;
    const few = await adapter.existingPods('exists', ['p-1', 'gone', 'p-2']);
    expect(names(few)).toEqual(['p-1', 'p-2']);
    expect(local.server.requestCount - before).toBe(3);
    const many = [...Array.from({ length: 25 }, (_, i) => `p-${i}`), 'gone-1', 'gone-2'];
    before = local.server.requestCount;
    const found = await adapter.existingPods('exists', many);
    expect(names(found)).toEqual(many.filter((n) => !n.startsWith('gone')).sort());
    expect(local.server.requestCount - before).toBe(1);
    expect(await adapter.existingPods('exists', [])).toEqual([]);
  });

  it('reads the whole cluster in pages', async () => {
    const paged = new KubernetesCluster(kubeConfigOf(local), { ...options, pageSize: 2 });
    const before = local.server.requestCount;
    const snapshot = await paged.clusterSnapshot();
    const requests = local.server.requestsSince(before);
    expect(requests.some((r) => r.includes('continue='))).toBe(true);
    expect(snapshot.namespaces.length).toBe(local.server.store.list(NAMESPACES).length);
    expect(snapshot.services.length).toBe((await adapter.clusterSnapshot()).services.length);
  });

  const LIST_GATEWAYS = 'GET /apis/gateway.networking.k8s.io/v1/gateways?';
  const gatewayNames = (gateways: { metadata: { name: string } }[]): string[] =>
    gateways.map((g) => g.metadata.name);

  it('starts a paged list over when its continue token expired (410 Gone)', async () => {
    await adapter.applyGateway(manifest('page-a'));
    await adapter.applyGateway(manifest('page-b'));
    const paged = new KubernetesCluster(kubeConfigOf(local), { ...options, pageSize: 1 });
    const expected = gatewayNames(await adapter.listGateways());
    expect(expected.length).toBeGreaterThanOrEqual(2);
    const before = local.server.requestCount;
    const injected = local.server.faults.injected['410'];
    local.server.faults.failNext('410');
    expect(gatewayNames(await paged.listGateways())).toEqual(expected);
    expect(local.server.faults.injected['410']).toBe(injected + 1);
    const lists = local.server.requestsSince(before).filter((r) => r.startsWith(LIST_GATEWAYS));
    expect(lists.filter((r) => !r.includes('continue='))).toHaveLength(2);
    expect(lists).toHaveLength(expected.length + 1 + 1);
  });

  it('gives up after three restarts with the server message', async () => {
    const paged = new KubernetesCluster(kubeConfigOf(local), { ...options, pageSize: 1 });
    const before = local.server.requestCount;
    local.server.faults.failNext('410', '410', '410', '410');
    await expect(paged.listGateways()).rejects.toThrow(
      new UnavailableError(
        'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
      ),
    );
    const starts = local.server
      .requestsSince(before)
      .filter((r) => r.startsWith(LIST_GATEWAYS) && !r.includes('continue='));
    expect(starts).toHaveLength(4);
  });
});

describe('pod lifecycle (istiod workloads.go podWorkloadBuilder, ADR 0002)', () => {
  const NS = 'lifecycle';
  const USE = { 'istio.io/use-waypoint': 'w' };
  let core: CoreV1Api;

  /** Creates a pod (the kubelet runs it with an IP), then sets `status` through `/status`. */
  async function pod(
    name: string,
    labels: Record<string, string>,
    status?: V1Pod['status'],
    hostNetwork = false,
  ): Promise<void> {
    await core.createNamespacedPod({
      namespace: NS,
      body: {
        metadata: { name, labels },
        spec: { containers: [{ name: 'app', image: 'example/app:1' }], hostNetwork },
      },
    });
    if (status === undefined) return;
    const live = await core.readNamespacedPodStatus({ namespace: NS, name });
    await core.replaceNamespacedPodStatus({
      namespace: NS,
      name,
      body: { ...live, status: { ...status, podIP: undefined, podIPs: status.podIPs ?? [] } },
    });
  }

  beforeAll(async () => {
    core = kubeConfigOf(local).makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: NS } } });
    await adapter.applyGateway(
      waypointManifest(generateWaypoint({ namespace: NS, name: 'w', for: 'workload' })),
    );
    await pod('running', USE);
    await pod('host', USE, undefined, true);
    await pod('pending-with-ip', USE, { phase: 'Pending', podIPs: [{ ip: '10.244.9.1' }] });
    await pod('succeeded', USE, { phase: 'Succeeded', podIPs: [{ ip: '10.244.9.2' }] });
    await pod('failed', USE, { phase: 'Failed' });
    await pod('no-ip', USE, { phase: 'Pending' });
    await pod(
      'instance-done',
      { 'gateway.networking.k8s.io/gateway-name': 'w' },
      {
        phase: 'Succeeded',
      },
    );
    await pod('unlabelled-done', { app: 'x' }, { phase: 'Succeeded' });
  });

  const shown = (snapshot: Awaited<ReturnType<KubernetesCluster['namespaceSnapshot']>>) =>
    computeNamespaceBindings(snapshot, NS)
      .pods.filter((b) => !b.name.startsWith('w-')) // the waypoint's own (running) pod
      .map((b) => [b.name, b.waypoint?.name ?? null, b.workload ?? true]);

  it('reports Succeeded, Failed and IP-less pods as without a workload, a host-network pod as bound', async () => {
    const snapshot = await adapter.namespaceSnapshot(NS);
    expect(shown(snapshot)).toEqual([
      ['failed', null, false],
      ['host', 'w', true],
      ['instance-done', null, false],
      ['no-ip', null, false],
      ['pending-with-ip', 'w', true],
      ['running', 'w', true],
      ['succeeded', null, false],
    ]);
  });

  it('says what whole pods say (the -f snapshot), with their metadata only', async () => {
    const snapshot = await adapter.namespaceSnapshot(NS);
    const whole = (await core.listNamespacedPod({ namespace: NS })).items;
    const fromWhole = { ...snapshot, pods: whole as never };
    expect(computeNamespaceBindings(snapshot, NS)).toEqual(computeNamespaceBindings(fromWhole, NS));
    expect(snapshot.pods.every((p) => !('spec' in p))).toBe(true);
  });

  it('reads a named pod whole, so an unlabelled one explained by name has its status too', async () => {
    const named = await adapter.podsOf({
      kind: 'pods',
      namespace: NS,
      names: ['unlabelled-done', 'running'],
    });
    expect(named.map((p) => [p.metadata.name, hasWorkload(p)])).toEqual([
      ['unlabelled-done', false],
      ['running', true],
    ]);
  });

  it('publishes by labels alone, whatever the phase (no flap)', async () => {
    const snapshot = await adapter.namespaceSnapshot(NS);
    const published = computeNamespaceBindings(snapshot, NS, { lifecycle: false });
    expect(published.pods.filter((b) => b.workload !== undefined)).toEqual([]);
    expect(published.pods.filter((b) => b.waypoint?.name === 'w').map((b) => b.name)).toEqual([
      'failed',
      'host',
      'no-ip',
      'pending-with-ip',
      'running',
      'succeeded',
    ]);
  });

  it('lists the pods istiod skips by field selector, a constant number of requests', async () => {
    const before = local.server.requestCount;
    await adapter.namespaceSnapshot(NS);
    const podLists = local.server
      .requestsSince(before)
      .filter((r) => r.startsWith(`GET /api/v1/namespaces/${NS}/pods?`))
      .map((r) => decodeURIComponent(r.replace(/^.*\?/, '')));
    expect(podLists).toHaveLength(8);
    for (const label of ['istio.io/use-waypoint', 'gateway.networking.k8s.io/gateway-name']) {
      for (const field of ['', 'status.phase=Succeeded', 'status.phase=Failed', 'status.podIP='])
        expect(
          podLists.filter(
            (q) =>
              q.includes(`labelSelector=${label}`) &&
              (field === '' ? !q.includes('fieldSelector') : q.includes(`fieldSelector=${field}&`)),
          ),
          `${label} ${field}`,
        ).toHaveLength(1);
    }
  });
});

describe('ServiceEntries, WorkloadEntries and the MeshConfig', () => {
  const ENTRIES = findResource('networking.istio.io', 'v1', 'serviceentries') as ResourceType;
  const WORKLOAD_ENTRIES = findResource(
    'networking.istio.io',
    'v1',
    'workloadentries',
  ) as ResourceType;
  const CONFIGMAPS = findResource('', 'v1', 'configmaps') as ResourceType;
  const created = new Date().toISOString();
  const put = (type: ResourceType, object: Record<string, unknown>): void => {
    local.server.store.put(type, object as never, 'ADDED');
  };
  const meshConfigMap = (mesh: string): Record<string, unknown> => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: 'istio',
      namespace: 'istio-system',
      labels: { 'istio.io/rev': 'default' },
      creationTimestamp: created,
    },
    data: { mesh },
  });

  beforeAll(() => {
    seedNamespace('entries', 10);
    seedNamespace('entries-big', 2_000);
    put(NAMESPACES, {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: 'entries',
        uid: 'entries',
        creationTimestamp: created,
        labels: { mesh: 'on' },
      },
    });
    for (const ns of ['entries', 'entries-big']) {
      put(ENTRIES, {
        apiVersion: 'networking.istio.io/v1',
        kind: 'ServiceEntry',
        metadata: {
          name: 'ext',
          namespace: ns,
          labels: { 'istio.io/use-waypoint': 'egress' },
          creationTimestamp: created,
        },
        spec: { hosts: ['*.example.com'], resolution: 'DYNAMIC_DNS' },
      });
      put(WORKLOAD_ENTRIES, {
        apiVersion: 'networking.istio.io/v1',
        kind: 'WorkloadEntry',
        metadata: { name: 'vm', namespace: ns, creationTimestamp: created },
        spec: { address: '10.9.0.1', labels: { 'istio.io/use-waypoint': 'egress' } },
      });
    }
    put(ENTRIES, {
      apiVersion: 'networking.istio.io/v1',
      kind: 'ServiceEntry',
      metadata: {
        name: 'canary-only',
        namespace: 'entries',
        labels: { 'istio.io/rev': 'canary' },
        creationTimestamp: created,
      },
      spec: { hosts: ['canary.example.com'] },
    });
  });
  afterAll(() => {
    local.server.store.remove(CONFIGMAPS, 'istio-system', 'istio');
  });

  it("reads a namespace's entries and no MeshConfig when there is no istio ConfigMap", async () => {
    const snapshot = await adapter.namespaceSnapshot('entries');
    expect(snapshot.serviceEntries?.map((e) => e.metadata.name).sort()).toEqual([
      'canary-only',
      'ext',
    ]);
    expect(snapshot.workloadEntries?.map((e) => [e.metadata.name, e.spec?.labels])).toEqual([
      ['vm', { 'istio.io/use-waypoint': 'egress' }],
    ]);
    expect(snapshot.meshConfig).toBeNull();
    const bindings = computeEntryBindings(snapshot, 'entries');
    expect(bindings.serviceEntries.map((b) => [b.name, Object.keys(b.conditions)])).toEqual([
      ['canary-only', []],
      ['ext', ['istio.io/WaypointBound', 'istio.io/WaypointMissing']],
    ]);
    expect(
      bindings.workloadEntries.map((b) => [b.name, b.conditions['istio.io/WaypointBound']?.reason]),
    ).toEqual([['vm', 'WaypointIsNotReady']]);
  });

  it("reads the MeshConfig: its revision drops other revisions' entries, its selectors hide namespaces", async () => {
    put(CONFIGMAPS, meshConfigMap('discoverySelectors:\n- matchLabels: {mesh: "on"}\n'));
    const count = async (namespace: string) => {
      const before = local.server.requestCount;
      const snapshot = await counted.namespaceSnapshot(namespace);
      return { snapshot, requests: local.server.requestsSince(before) };
    };
    const small = await count('entries');
    expect(small.snapshot.meshConfig).toEqual({
      discoverySelectors: [{ matchLabels: { mesh: 'on' } }],
      serviceEntryVisibility: null,
      revision: 'default',
    });
    expect(
      computeEntryBindings(small.snapshot, 'entries').serviceEntries.map((b) => b.name),
    ).toEqual(['ext']);
    // With discovery selectors, one more list: every Namespace's metadata, for their labels.
    expect(small.requests).toHaveLength(16);
    expect(small.requests.filter((r) => r.startsWith('GET /api/v1/namespaces?'))).toHaveLength(1);
    const large = await count('entries-big');
    expect(large.requests).toHaveLength(small.requests.length);
    expect(computeEntryBindings(large.snapshot, 'entries-big')).toEqual({
      serviceEntries: [],
      workloadEntries: [],
    });
  });

  it('refuses a MeshConfig istiod could not use, naming the ConfigMap and the field', async () => {
    put(
      CONFIGMAPS,
      meshConfigMap('discoverySelectors:\n- matchExpressions: [{key: a, operator: Is}]\n'),
    );
    const error = await adapter.namespaceSnapshot('entries').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).problems).toEqual([
      {
        path: 'ConfigMap istio-system/istio data.mesh.discoverySelectors[0]',
        message: '"Is" is not a valid pod selector operator',
      },
    ]);
  });

  it('reads every entry of the cluster', async () => {
    local.server.store.remove(CONFIGMAPS, 'istio-system', 'istio');
    const snapshot = await adapter.clusterSnapshot();
    expect(snapshot.serviceEntries?.length).toBe(local.server.store.list(ENTRIES).length);
    expect(snapshot.workloadEntries?.length).toBe(local.server.store.list(WORKLOAD_ENTRIES).length);
    expect(snapshot.meshConfig).toBeNull();
  });
});

describe('waypoints', () => {
  it('server-side applies with field manager waypointer; a re-apply without --for drops the label', async () => {
    const applied = await adapter.applyGateway(manifest('ssa', 'all'));
    expect(applied.metadata.labels).toEqual({ 'istio.io/waypoint-for': 'all' });
    const managers =
      (applied.metadata as { managedFields?: { manager: string; operation: string }[] })
        .managedFields ?? [];
    expect(managers.map((m) => `${m.manager}/${m.operation}`)).toContain('waypointer/Apply');
    const again = await adapter.applyGateway(manifest('ssa'));
    expect(again.metadata.labels ?? {}).toEqual({});
  });

  it('waits for Programmed, and times out with istioctl words', async () => {
    await adapter.applyGateway(manifest('ready'));
    const ready = await adapter.waitForProgrammed('default', 'ready', 2000);
    expect(ready.status?.addresses?.[0]?.value).toBe('ready.default.svc.cluster.local');
    local.istiod.keepUnready('default/stuck');
    await adapter.applyGateway(manifest('stuck'));
    await expect(adapter.waitForProgrammed('default', 'stuck', 100)).rejects.toThrow(
      new TimeoutError('timed out while waiting for waypoint\tdefault/stuck'),
    );
  });

  it('waits by its clock: the deadline from now(), a sleep of pollIntervalMs between reads', async () => {
    let now = Date.parse('2026-12-03T00:00:00Z');
    const slept: number[] = [];
    const clock = {
      now: () => new Date(now),
      sleep: async (ms: number) => {
        slept.push(ms);
        now += ms;
      },
    };
    const timed = new KubernetesCluster(kubeConfigOf(local), { pollIntervalMs: 1000, clock });
    local.istiod.keepUnready('default/slow');
    await timed.applyGateway(manifest('slow'));
    const before = local.server.requestCount;
    await expect(timed.waitForProgrammed('default', 'slow', 5000)).rejects.toThrow(TimeoutError);
    expect(slept).toEqual([1000, 1000, 1000, 1000, 1000]);
    expect(local.server.requestsSince(before).filter((r) => r.startsWith('GET '))).toHaveLength(6);
  });

  it('deletes, and says whether there was something to delete', async () => {
    await adapter.applyGateway(manifest('gone'));
    expect(await adapter.deleteGateway('default', 'gone')).toBe(true);
    expect(await adapter.deleteGateway('default', 'gone')).toBe(false);
    expect(await adapter.getGateway('default', 'gone')).toBeNull();
  });

  it('does not repeat a delete after a 5xx (the first attempt may have deleted it)', async () => {
    await adapter.applyGateway(manifest('once'));
    const deletes = (since: number): string[] =>
      local.server.requestsSince(since).filter((r) => r.startsWith('DELETE '));
    let before = local.server.requestCount;
    local.server.faults.failNext('500');
    await expect(adapter.deleteGateway('default', 'once')).rejects.toBeInstanceOf(UnavailableError);
    expect(deletes(before)).toHaveLength(1);
    before = local.server.requestCount;
    local.server.faults.failNext('429');
    expect(await adapter.deleteGateway('default', 'once')).toBe(true);
    expect(deletes(before)).toHaveLength(2);
  });

  it('dry-runs an apply without storing it', async () => {
    await adapter.applyGateway(manifest('dry'), { dryRun: true });
    expect(await adapter.getGateway('default', 'dry')).toBeNull();
  });
});

describe('labels', () => {
  it('sets and removes labels on a namespace, a Service and pods by name', async () => {
    await adapter.setLabels(
      { kind: 'namespace', namespace: 'default' },
      { 'istio.io/use-waypoint': 'waypoint' },
    );
    expect(
      (await adapter.getNamespace('default'))?.metadata.labels?.['istio.io/use-waypoint'],
    ).toBe('waypoint');
    await adapter.setLabels(
      { kind: 'namespace', namespace: 'default' },
      { 'istio.io/use-waypoint': null },
    );
    expect(
      (await adapter.getNamespace('default'))?.metadata.labels?.['istio.io/use-waypoint'],
    ).toBeUndefined();
    await adapter.setLabels(
      { kind: 'service', namespace: 'default', name: 'reviews' },
      { 'istio.io/use-waypoint': 'w' },
    );
    const names = await adapter.setLabels(
      { kind: 'pods', namespace: 'default', names: ['reviews-v1-6584ddcf65-qv7rn'] },
      { team: 'a' },
    );
    expect(names).toEqual(['reviews-v1-6584ddcf65-qv7rn']);
    expect(
      local.server.store.get(PODS, 'default', 'reviews-v1-6584ddcf65-qv7rn')?.metadata.labels?.team,
    ).toBe('a');
  });

  it('changes nothing when one named pod is missing', async () => {
    await expect(
      adapter.setLabels(
        { kind: 'pods', namespace: 'default', names: ['reviews-v3-6f5b775685-h2f4x', 'nope'] },
        { team: 'b' },
      ),
    ).rejects.toThrow(new NotFoundError('pods "nope" not found'));
    expect(
      local.server.store.get(PODS, 'default', 'reviews-v3-6f5b775685-h2f4x')?.metadata.labels?.team,
    ).toBeUndefined();
  });
});

describe('errors', () => {
  it.each<[string, () => Promise<unknown>, unknown]>([
    [
      '404 NotFound',
      () => adapter.setLabels({ kind: 'service', namespace: 'default', name: 'nope' }, { a: 'b' }),
      new NotFoundError('services "nope" not found'),
    ],
    [
      '422 Invalid',
      () => adapter.setLabels({ kind: 'namespace', namespace: 'default' }, { a: 'not valid!' }),
      ValidationError,
    ],
    [
      '409 Conflict (another manager owns the label)',
      async () => {
        await new KubernetesCluster(kubeConfigOf(local), options).applyGateway(
          manifest('owned', 'all'),
        );
        const other = { ...manifest('owned', 'workload') };
        const { raw } = await import('../support/kube.ts');
        await raw(
          local,
          'PATCH',
          '/apis/gateway.networking.k8s.io/v1/namespaces/default/gateways/owned?fieldManager=other&force=true',
          {
            body: other,
            contentType: 'application/apply-patch+yaml',
          },
        );
        return adapter.applyGateway(manifest('owned', 'all'));
      },
      ConflictError,
    ],
  ])('maps %s to a typed error with the server message', async (_case, call, expected) => {
    const failure = await call().then(
      () => undefined,
      (error: unknown) => error,
    );
    if (typeof expected === 'function') expect(failure).toBeInstanceOf(expected);
    else expect(failure).toEqual(expected);
  });

  it('maps 401 and 403', async () => {
    const stranger = new KubernetesCluster(kubeConfigOf(local, 'wrong-token'), options);
    await expect(stranger.getNamespace('default')).rejects.toBeInstanceOf(UnauthorizedError);
    local.server.addToken('reader', { username: 'viewer', groups: ['system:readers'] });
    const reader = new KubernetesCluster(kubeConfigOf(local, 'reader'), options);
    await expect(
      reader.setLabels({ kind: 'namespace', namespace: 'default' }, { a: 'b' }),
    ).rejects.toThrow(
      new ForbiddenError(
        'namespaces "default" is forbidden: User "viewer" cannot patch resource "namespaces" in API group "" at the cluster scope',
      ),
    );
  });

  describe('EKS tokens', () => {
    const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/EXAMPLE' };
    const signedAt = (second: number): Date => new Date(Date.UTC(2026, 0, 1, 0, 0, second));
    /** A token source whose first token is `first` and every later one `then`. */
    const tokenSource = (first: Date, then: Date): EksTokenSource => {
      let calls = 0;
      return new EksTokenSource({
        clusterName: 'local',
        region: 'eu-west-1',
        credentials,
        clock: { now: () => (calls++ === 0 ? first : then) },
      });
    };
    const eks = (): EksKubeConfigOptions['eks'] =>
      ({
        send: async () => ({
          cluster: {
            status: 'ACTIVE',
            endpoint: local.url,
            certificateAuthority: {
              data: Buffer.from(local.server.caCertificate).toString('base64'),
            },
          },
        }),
      }) as unknown as EksKubeConfigOptions['eks'];

    it('renews the token after a 401 and asks once more', async () => {
      const renewed = await eksToken({
        clusterName: 'local',
        region: 'eu-west-1',
        credentials,
        now: signedAt(5),
      });
      local.server.addToken(renewed.token, { username: 'eks-user', groups: ['system:masters'] });
      const tokens = tokenSource(signedAt(0), signedAt(5));
      const eksCluster = await KubernetesCluster.fromEks(
        'local',
        'eu-west-1',
        tokens,
        options,
        eks(),
      );
      const before = local.server.requestCount;
      expect(await eksCluster.getNamespace('default')).not.toBeNull();
      expect(local.server.requestsSince(before)).toEqual([
        'GET /api/v1/namespaces/default',
        'GET /api/v1/namespaces/default',
      ]);
    });

    it('fails with UnauthorizedError when the renewed token is refused too', async () => {
      const tokens = tokenSource(signedAt(10), signedAt(15));
      const eksCluster = await KubernetesCluster.fromEks(
        'local',
        'eu-west-1',
        tokens,
        options,
        eks(),
      );
      const before = local.server.requestCount;
      await expect(eksCluster.getNamespace('default')).rejects.toBeInstanceOf(UnauthorizedError);
      expect(local.server.requestsSince(before)).toHaveLength(2);
    });
  });

  it('keeps the status code when the body is no Status', () => {
    const error = toWaypointerError(new ApiException(404, 'Not Found', '<html>gateway</html>', {}));
    expect(error).toEqual(
      new NotFoundError('the Kubernetes API answered HTTP 404: <html>gateway</html>'),
    );
  });
});

describe('retries', () => {
  it('retries 5xx with capped, jittered exponential backoff', async () => {
    sleeps.length = 0;
    local.server.faults.failNext('500', '500');
    expect(await adapter.getNamespace('default')).not.toBeNull();
    expect(sleeps).toHaveLength(2);
    expect(sleeps[0]).toBeGreaterThanOrEqual(0.5);
    expect(sleeps[1]).toBeGreaterThanOrEqual(1);
  });

  it('caps the backoff at maxDelayMs, with a jitter drawn from random', async () => {
    const delays = async (draws: number[]): Promise<number[]> => {
      const slept: number[] = [];
      let calls = 0;
      let draw = 0;
      const retry: RetryOptions = {
        baseDelayMs: 1,
        maxDelayMs: 4,
        maxRetries: 6,
        random: () => draws[draw++ % draws.length] as number,
        sleep: async (ms) => {
          slept.push(ms);
        },
      };
      await withRetries(async () => {
        if (calls++ < 6) throw new ApiException(503, 'Unavailable', '', {});
        return 'ok';
      }, retry);
      return slept;
    };
    // d = min(4, 2^n): 1, 2, 4, 4, 4, 4; the delay is d/2 + random * d/2.
    expect(await delays([0])).toEqual([0.5, 1, 2, 2, 2, 2]);
    expect(await delays([1])).toEqual([1, 2, 4, 4, 4, 4]);
    expect(await delays([0.5, 0.25])).toEqual([0.75, 1.25, 3, 2.5, 3, 2.5]);
  });

  it('waits at least Retry-After on 429', async () => {
    sleeps.length = 0;
    local.server.faults.failNext('429');
    expect(await adapter.getNamespace('default')).not.toBeNull();
    expect(sleeps).toEqual([1000]);
  });

  it('abandons a stalled request after the timeout and retries it', async () => {
    sleeps.length = 0;
    local.server.faults.configure({ stallMs: 5000 });
    local.server.faults.failNext('stall');
    const started = Date.now();
    expect(await adapter.getNamespace('default')).not.toBeNull();
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
    expect(sleeps).toHaveLength(1);
  });

  it('gives up after the last retry with UnavailableError', async () => {
    const patient = new KubernetesCluster(kubeConfigOf(local), { ...options, maxRetries: 2 });
    local.server.faults.failNext('500', '500', '500');
    await expect(patient.getNamespace('default')).rejects.toBeInstanceOf(UnavailableError);
  });

  it('withRetries does not retry a final error', async () => {
    let calls = 0;
    await expect(
      withRetries(async () => {
        calls++;
        throw new ApiException(409, 'Conflict', '{"kind":"Status","message":"conflict!"}', {});
      }, options),
    ).rejects.toThrow(new ConflictError('conflict!'));
    expect(calls).toBe(1);
  });
});

describe("a call with a signal (the request's deadline)", () => {
  it('sends nothing once the signal has aborted', async () => {
    const since = local.server.requestCount;
    const signal = AbortSignal.abort();
    await expect(adapter.getNamespace('default', { signal })).rejects.toThrow(
      new UnavailableError("the Kubernetes API did not answer before the request's deadline"),
    );
    await expect(
      adapter.setLabels({ kind: 'namespace', namespace: 'default' }, { a: 'b' }, { signal }),
    ).rejects.toBeInstanceOf(UnavailableError);
    expect(local.server.requestsSince(since)).toEqual([]);
  });

  it('aborts a stalled request when the signal aborts, and does not retry it', async () => {
    local.server.faults.configure({ stallMs: 60_000 });
    local.server.faults.failNext('stall');
    const patient = new KubernetesCluster(kubeConfigOf(local), {
      ...options,
      requestTimeoutMs: 60_000,
    });
    const controller = new AbortController();
    const since = local.server.requestCount;
    const read = patient.getNamespace('default', { signal: controller.signal });
    await vi.waitFor(() => expect(local.server.requestsSince(since)).toHaveLength(1));
    controller.abort();
    const error = await read.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnavailableError);
    expect((error as Error).message).toMatch(
      /^the Kubernetes API did not answer before the request's deadline \(last failure: /,
    );
    expect(local.server.requestsSince(since)).toHaveLength(1);
  });

  it('cuts a backoff short, and says a write that is not repeated may have taken effect', async () => {
    const controller = new AbortController();
    let calls = 0;
    const failing = withRetries(
      async () => {
        calls++;
        if (calls === 1) throw new ApiException(429, 'Too Many Requests', '', {});
        throw new ApiException(503, 'Unavailable', '', {});
      },
      { sleep: () => new Promise(() => undefined) },
      { idempotent: false },
      controller.signal,
    );
    await vi.waitFor(() => expect(calls).toBe(1));
    controller.abort();
    await expect(failing).rejects.toThrow(
      /^the Kubernetes API did not answer before the request's deadline \(last failure: the Kubernetes API answered HTTP 429\); the request may have taken effect$/,
    );
    expect(calls).toBe(1);
  });

  it('ends a wait for Programmed with TimeoutError when the signal aborts', async () => {
    local.istiod.keepUnready('default/never');
    await adapter.applyGateway(manifest('never'));
    const controller = new AbortController();
    const waiting = adapter.waitForProgrammed('default', 'never', 60_000, {
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 50);
    await expect(waiting).rejects.toThrow(
      new TimeoutError('timed out while waiting for waypoint\tdefault/never'),
    );
    await expect(
      adapter.waitForProgrammed('default', 'never', 60_000, { signal: AbortSignal.abort() }),
    ).rejects.toBeInstanceOf(TimeoutError);
  });

  it('sleepUnless sleeps in full without a signal, and not at all with an aborted one', async () => {
    const slept: number[] = [];
    const sleep = async (ms: number): Promise<void> => {
      slept.push(ms);
    };
    await sleepUnless(sleep, 5, undefined);
    await sleepUnless(sleep, 6, AbortSignal.abort());
    await sleepUnless(sleep, 7, new AbortController().signal);
    expect(slept).toEqual([5, 7]);
  });
});
