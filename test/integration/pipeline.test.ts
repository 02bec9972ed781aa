/**
 * The event pipeline's use cases over the embedded Kubernetes API and dynalite: audit events to
 * reconcile requests, reconcile with the outbox, crashes, replays, concurrency, deletion, sweeps.
 * The queues are in-memory recorders here (the SQS adapters are tested against the embedded SQS).
 */

import { readFileSync } from 'node:fs';
import type { LocalCluster } from '@waypointer/kube-api';
import { findResource, type ResourceType } from '@waypointer/kube-api';
import { BINDINGS_TABLE, type LocalDynamo, startDynamo } from '@waypointer/local-stack';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoBindingStore } from '../../shared/adapters/aws/binding-store.ts';
import { systemClock } from '../../shared/adapters/clock.ts';
import { KubernetesCluster } from '../../shared/adapters/kubernetes/cluster.ts';
import { StaticClusterRegistry } from '../../shared/adapters/kubernetes/registry.ts';
import {
  ingestAudit,
  type PipelineDeps,
  reconcileNamespace,
  sweepCluster,
} from '../../shared/app/pipeline.ts';
import type { AuditRecord } from '../../shared/domain/audit.ts';
import { type BindingSet, computeNamespaceBindings } from '../../shared/domain/bindings.ts';
import { generateWaypoint, waypointManifest } from '../../shared/domain/generate.ts';
import type { BindingStore, Clock, OutgoingMessage } from '../../shared/ports.ts';
import type { ReconcileRequest } from '../../shared/schemas/reconcile-request.ts';
import { cluster, kubeConfigOf, raw } from '../support/kube.ts';

const schema = JSON.parse(
  readFileSync(new URL('../../schemas/binding-changes.v1.schema.json', import.meta.url), 'utf8'),
);
const ajv = new (Ajv2020 as unknown as typeof Ajv2020.default)({ strict: false });
(addFormats as unknown as (a: unknown) => void)(ajv);
const validate = ajv.compile(schema);

const PODS = findResource('', 'v1', 'pods') as ResourceType;
const NAMESPACES = findResource('', 'v1', 'namespaces') as ResourceType;

class Recorder {
  readonly published: OutgoingMessage[] = [];
  readonly enqueued: ReconcileRequest[] = [];
  publish = async (messages: readonly OutgoingMessage[]): Promise<void> => {
    for (const m of messages)
      expect(validate(JSON.parse(m.body)), JSON.stringify(validate.errors)).toBe(true);
    this.published.push(...messages);
  };
  enqueue = async (requests: readonly ReconcileRequest[]): Promise<void> => {
    this.enqueued.push(...requests);
  };
}

let local: LocalCluster;
let dynamo: LocalDynamo;
let deps: PipelineDeps;
let recorder: Recorder;

beforeAll(async () => {
  local = await cluster();
  dynamo = await startDynamo();
  recorder = new Recorder();
  deps = {
    clusters: new StaticClusterRegistry({ local: new KubernetesCluster(kubeConfigOf(local)) }),
    store: new DynamoBindingStore(dynamo.client, BINDINGS_TABLE),
    publisher: { publish: recorder.publish },
    queue: { enqueue: recorder.enqueue },
    clock: systemClock,
  };
});
afterAll(async () => {
  await local.stop();
  await dynamo.stop();
});

const audit = (
  id: string,
  verb: string,
  objectRef: AuditRecord['objectRef'],
  code = 200,
): AuditRecord => ({
  auditID: id,
  stage: 'ResponseComplete',
  verb,
  user: { username: 'alice' },
  objectRef,
  responseStatus: { code },
});

const request = (namespace: string, auditIds: string[] = []): ReconcileRequest => ({
  cluster: 'local',
  namespace,
  trigger: 'audit',
  actor: 'alice',
  auditIds,
});

const bodies = (from: number): { generation: number; changes: string[]; id: string }[] =>
  recorder.published.slice(from).map((m) => {
    const event = JSON.parse(m.body);
    return {
      id: event.id,
      generation: event.data.generation,
      changes: event.data.changes.map(
        (c: any) =>
          `${c.kind} ${c.name}: ${c.before?.waypoint?.name ?? '-'} -> ${c.after?.waypoint?.name ?? '-'}`,
      ),
    };
  });

async function label(path: string, labels: Record<string, string | null>): Promise<void> {
  await raw(local, 'PATCH', path, {
    body: { metadata: { labels } },
    contentType: 'application/merge-patch+json',
  });
}

describe('audit events to reconcile requests', () => {
  it('keeps writes that can change a binding, one request per namespace with every audit id', async () => {
    const { requests, ignored } = await ingestAudit(deps, {
      cluster: 'local',
      events: [
        audit('a1', 'patch', { resource: 'namespaces', name: 'default' }),
        audit('a2', 'create', { resource: 'pods', namespace: 'default', name: 'p' }),
        audit('a3', 'get', { resource: 'pods', namespace: 'default', name: 'p' }),
        audit('a4', 'patch', { resource: 'namespaces', name: 'default' }, 422),
        audit('a5', 'update', {
          resource: 'deployments',
          apiGroup: 'apps',
          namespace: 'default',
          name: 'd',
        }),
        audit('a6', 'patch', {
          resource: 'pods',
          namespace: 'default',
          name: 'p',
          subresource: 'status',
        }),
      ],
    });
    expect(requests).toEqual([
      {
        cluster: 'local',
        namespace: 'default',
        trigger: 'audit',
        actor: 'alice',
        auditIds: ['a1', 'a2'],
      },
    ]);
    expect(ignored).toBe(4);
  });

  it('drops events of a cluster it does not manage (nothing could reconcile them), and keeps finalize', async () => {
    const unknown = await ingestAudit(deps, {
      cluster: 'elsewhere',
      events: [audit('u1', 'patch', { resource: 'namespaces', name: 'default' })],
    });
    expect(unknown).toEqual({ requests: [], ignored: 1, unconfigured: true });
    const finalize = await ingestAudit(deps, {
      cluster: 'local',
      events: [
        audit('f1', 'update', { resource: 'namespaces', name: 'gone', subresource: 'finalize' }),
      ],
    });
    expect(finalize.requests.map((r) => r.namespace)).toEqual(['gone']);
  });

  it('reaches every namespace that names a changed waypoint, and all namespaces for a GatewayClass', async () => {
    await raw(local, 'POST', '/api/v1/namespaces', {
      body: {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: {
          name: 'team-a',
          labels: { 'istio.io/use-waypoint': 'shared', 'istio.io/use-waypoint-namespace': 'mesh' },
        },
      },
    });
    const gateway = await ingestAudit(deps, {
      cluster: 'local',
      events: [
        audit('g1', 'patch', {
          resource: 'gateways',
          apiGroup: 'gateway.networking.k8s.io',
          namespace: 'mesh',
          name: 'shared',
          subresource: 'status',
        }),
      ],
    });
    expect(gateway.requests.map((r) => r.namespace)).toEqual(['mesh', 'team-a']);
    const gatewayClass = await ingestAudit(deps, {
      cluster: 'local',
      events: [
        audit('c1', 'update', {
          resource: 'gatewayclasses',
          apiGroup: 'gateway.networking.k8s.io',
          name: 'istio-waypoint',
        }),
      ],
    });
    expect(gatewayClass.requests.map((r) => r.namespace)).toEqual([
      'default',
      'istio-system',
      'kube-system',
      'team-a',
    ]);
  });
});

describe('reconcile', () => {
  it('publishes schema-valid changes, then nothing more for the same state (replays publish nothing new)', async () => {
    const start = recorder.published.length;
    await raw(
      local,
      'PUT',
      '/apis/gateway.networking.k8s.io/v1/namespaces/default/gateways/waypoint?fieldManager=test',
      {
        body: {
          apiVersion: 'gateway.networking.k8s.io/v1',
          kind: 'Gateway',
          metadata: { name: 'waypoint', namespace: 'default' },
          spec: {
            gatewayClassName: 'istio-waypoint',
            listeners: [{ name: 'mesh', port: 15008, protocol: 'HBONE' }],
          },
        },
      },
    ).then(async (r) =>
      r.status === 404
        ? raw(local, 'POST', '/apis/gateway.networking.k8s.io/v1/namespaces/default/gateways', {
            body: {
              apiVersion: 'gateway.networking.k8s.io/v1',
              kind: 'Gateway',
              metadata: { name: 'waypoint' },
              spec: {
                gatewayClassName: 'istio-waypoint',
                listeners: [{ name: 'mesh', port: 15008, protocol: 'HBONE' }],
              },
            },
          })
        : r,
    );
    await new Promise((r) => setTimeout(r, 100));
    await label('/api/v1/namespaces/default', { 'istio.io/use-waypoint': 'waypoint' });
    // The injected clock stamps the messages (and the observation): a second ago, exactly.
    const stamped = new Date(Math.floor(Date.now() / 1000) * 1000 - 1000);
    const clock: Clock = { now: () => stamped, sleep: systemClock.sleep };
    const first = await reconcileNamespace({ ...deps, clock }, request('default', ['x1']));
    expect(first.generation).toBe(1);
    const stamps = recorder.published.slice(start).map((m) => JSON.parse(m.body));
    expect(stamps.map((e) => [e.time, e.source])).toEqual(
      stamps.map(() => [stamped.toISOString(), 'urn:waypointer:cluster:local']),
    );
    expect(bodies(start)[0]?.changes).toEqual(
      expect.arrayContaining(['Service details: - -> waypoint', 'Service reviews: - -> waypoint']),
    );
    const again = await reconcileNamespace(deps, request('default', ['x1']));
    expect(again).toEqual({ namespace: 'default', generation: 1, changes: 0, messages: 0 });
    expect(recorder.published.length).toBe(start + first.messages);
  });

  it('handles out-of-order delivery: an old request re-reads the cluster and publishes the current state', async () => {
    const start = recorder.published.length;
    await label('/api/v1/namespaces/default/services/reviews', { 'istio.io/use-waypoint': 'none' });
    await label('/api/v1/namespaces/default/services/reviews', { 'istio.io/use-waypoint': null });
    await reconcileNamespace(deps, request('default', ['old']));
    expect(recorder.published.length).toBe(start);
  });

  it('re-publishes the staged messages unchanged after a crash between publish and commit', async () => {
    const start = recorder.published.length;
    await label('/api/v1/namespaces/default/services/ratings', { 'istio.io/use-waypoint': 'none' });
    let crashes = 1;
    const crashing: BindingStore = {
      ...bind(deps.store),
      commit: async (...args) => {
        if (crashes-- > 0) throw new Error('the function died');
        return deps.store.commit(...args);
      },
    };
    await expect(
      reconcileNamespace({ ...deps, store: crashing }, request('default', ['c1'])),
    ).rejects.toThrow('the function died');
    const firstTry = recorder.published.slice(start);
    // Meanwhile the cluster moves on: the retry must still announce what it staged first.
    await label('/api/v1/namespaces/default/services/productpage', {
      'istio.io/use-waypoint': 'none',
    });
    const retry = await reconcileNamespace(deps, request('default', ['c2']));
    const all = recorder.published.slice(start);
    expect(all.slice(0, firstTry.length)).toEqual(firstTry);
    expect(all.slice(firstTry.length, 2 * firstTry.length)).toEqual(firstTry);
    expect(bodies(start).map((b) => b.changes)).toEqual([
      ['Service ratings: waypoint -> -'],
      ['Service ratings: waypoint -> -'],
      ['Service productpage: waypoint -> -'],
    ]);
    expect(retry.generation).toBe((bodies(start)[0]?.generation ?? Number.NaN) + 1);
  });

  it('serializes concurrent reconciles of one namespace through the store: one message per generation', async () => {
    const start = recorder.published.length;
    await label('/api/v1/namespaces/default/services/details', { 'istio.io/use-waypoint': 'none' });
    const results = await Promise.all([
      reconcileNamespace(deps, request('default', ['k1'])),
      reconcileNamespace(deps, request('default', ['k2'])),
    ]);
    // Whoever finds the other's publication pending finishes it: the same message (same id, same
    // body) may be sent twice, never two different messages for one generation.
    const byGeneration = new Map<number, Set<string>>();
    for (const m of recorder.published.slice(start)) {
      const generation = JSON.parse(m.body).data.generation as number;
      byGeneration.set(
        generation,
        new Set([...(byGeneration.get(generation) ?? []), `${m.id}:${m.body}`]),
      );
    }
    expect([...byGeneration.values()].map((bodiesOfGeneration) => bodiesOfGeneration.size)).toEqual(
      [1],
    );
    expect(results.map((r) => r.changes).sort()).toEqual([0, 1]);
  });

  it('compares a pod that gets or loses its own label with its namespace default; only a created or deleted pod is new or removed', async () => {
    const ns = 'pod-life';
    const pod = (name: string, labels: Record<string, string> = {}): object => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, labels },
      spec: { containers: [{ name: 'app', image: 'example/app:1' }] },
    });
    await raw(local, 'POST', '/api/v1/namespaces', {
      body: {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: ns, labels: { 'istio.io/use-waypoint': 'ns-wp' } },
      },
    });
    for (const name of ['ns-wp', 'pod-wp'])
      await raw(local, 'POST', `/apis/gateway.networking.k8s.io/v1/namespaces/${ns}/gateways`, {
        body: {
          apiVersion: 'gateway.networking.k8s.io/v1',
          kind: 'Gateway',
          metadata: { name, labels: { 'istio.io/waypoint-for': 'workload' } },
          spec: {
            gatewayClassName: 'istio-waypoint',
            listeners: [{ name: 'mesh', port: 15008, protocol: 'HBONE' }],
          },
        },
      });
    await raw(local, 'POST', `/api/v1/namespaces/${ns}/pods`, { body: pod('old') });
    // Creation times have whole seconds: let the first read come clearly after the pod's.
    await new Promise((r) => setTimeout(r, 1100));
    await reconcileNamespace(deps, request(ns));
    const pods = (from: number): string[] =>
      recorder.published.slice(from).flatMap((m) =>
        JSON.parse(m.body)
          .data.changes.filter((c: any) => c.kind === 'Pod')
          .map(
            (c: any) =>
              `${c.name}: ${c.before === null ? 'null' : `${c.before.waypoint?.name} via ${c.before.via}`} -> ${c.after === null ? 'null' : `${c.after.waypoint?.name} via ${c.after.via}`}`,
          ),
      );
    const step = async (change: () => Promise<unknown>): Promise<string[]> => {
      await change();
      const start = recorder.published.length;
      await reconcileNamespace(deps, request(ns));
      return pods(start);
    };
    expect(
      await step(() =>
        label(`/api/v1/namespaces/${ns}/pods/old`, { 'istio.io/use-waypoint': 'pod-wp' }),
      ),
    ).toEqual(['old: ns-wp via namespace -> pod-wp via pod']);
    expect(
      await step(() =>
        raw(local, 'POST', `/api/v1/namespaces/${ns}/pods`, {
          body: pod('fresh', { 'istio.io/use-waypoint': 'pod-wp' }),
        }),
      ),
    ).toEqual(['fresh: null -> pod-wp via pod']);
    expect(
      await step(() =>
        label(`/api/v1/namespaces/${ns}/pods/old`, { 'istio.io/use-waypoint': null }),
      ),
    ).toEqual(['old: pod-wp via pod -> ns-wp via namespace']);
    expect(await step(() => raw(local, 'DELETE', `/api/v1/namespaces/${ns}/pods/fresh`))).toEqual([
      'fresh: pod-wp via pod -> null',
    ]);
  });

  it('publishes every binding of a deleted namespace as removed, and keeps counting its generations', async () => {
    await raw(local, 'POST', '/api/v1/namespaces', {
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'short-lived' } },
    });
    await raw(local, 'POST', '/api/v1/namespaces/short-lived/services', {
      body: {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'api' },
        spec: { ports: [{ port: 80 }] },
      },
    });
    await reconcileNamespace(deps, request('short-lived'));
    await raw(local, 'DELETE', '/api/v1/namespaces/short-lived');
    await new Promise((r) => setTimeout(r, 400));
    const start = recorder.published.length;
    await reconcileNamespace(deps, request('short-lived'));
    const event = JSON.parse(recorder.published[start]?.body ?? 'null');
    expect(
      event.data.changes.map(
        (c: any) => `${c.kind} ${c.name} ${c.after === null ? 'removed' : 'kept'}`,
      ),
    ).toEqual(['Namespace short-lived removed', 'Service api removed']);
    expect(await deps.store.load('local', 'short-lived')).toMatchObject({
      generation: 2,
      bindings: { services: [], pods: [], namespaces: [] },
    });
    expect(event.data.generation).toBe(2);
  });

  it('reconciles a namespace of 10,000 pods with the same requests as a small one', async () => {
    const now = new Date().toISOString();
    local.server.store.put(
      NAMESPACES,
      {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: {
          name: 'big',
          uid: 'big',
          creationTimestamp: now,
          labels: {
            'istio.io/use-waypoint': 'waypoint',
            'istio.io/use-waypoint-namespace': 'default',
          },
        },
      },
      'ADDED',
    );
    for (let i = 0; i < 10_000; i++) {
      local.server.store.put(
        PODS,
        {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: {
            name: `p-${i}`,
            namespace: 'big',
            labels: i % 1000 === 0 ? { 'istio.io/use-waypoint': 'none' } : { app: 'x' },
          },
          spec: { containers: [] },
        },
        'ADDED',
      );
    }
    const before = local.server.requests.length;
    const result = await reconcileNamespace(deps, request('big'));
    // The namespace snapshot's 15 requests (cluster-adapter.test.ts lists them) but the six lists
    // of pods without a workload: published bindings follow labels, not pod lifecycle (ADR 0002).
    expect(local.server.requests.length - before).toBe(9);
    expect(result.changes).toBe(11);
  });
});

describe('sweep', () => {
  it('reconciles every namespace from one cluster snapshot: a handful of list requests, whatever the namespace count', async () => {
    for (let i = 0; i < 40; i++)
      local.server.store.put(
        NAMESPACES,
        {
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: { name: `swept-${String(i).padStart(2, '0')}`, uid: `s${i}` },
        },
        'ADDED',
      );
    const before = local.server.requests.length;
    const result = await sweepCluster(deps, { cluster: 'local' });
    expect(local.server.requests.length - before).toBeLessThanOrEqual(11);
    expect(result.cursor).toBeUndefined();
    expect(result.results.map((r) => r.namespace)).toEqual(
      expect.arrayContaining(['default', 'swept-00', 'swept-39', 'big']),
    );
  });

  it('never overwrites a state read after its snapshot (a reconcile that ran meanwhile wins)', async () => {
    await label('/api/v1/namespaces/default/services/reviews', { team: 'sweep-race' });
    const later = new Date(Date.now() + 3_600_000);
    const clock: Clock = { now: () => later, sleep: systemClock.sleep };
    await reconcileNamespace({ ...deps, clock }, request('default', ['late']));
    await label('/api/v1/namespaces/default/services/reviews', { 'istio.io/use-waypoint': 'none' });
    const start = recorder.published.length;
    const swept = await sweepCluster(deps, { cluster: 'local' });
    expect(swept.results.find((r) => r.namespace === 'default')?.changes).toBe(0);
    expect(
      recorder.published.slice(start).some((m) => JSON.parse(m.body).subject === 'local/default'),
    ).toBe(false);
    await label('/api/v1/namespaces/default/services/reviews', {
      'istio.io/use-waypoint': null,
      team: null,
    });
  });

  it('stops when time runs out and continues from its cursor', async () => {
    let budget = 3;
    const first = await sweepCluster(deps, { cluster: 'local', hasTime: () => budget-- > 0 });
    expect(first.results).toHaveLength(3);
    const rest = await sweepCluster(deps, { cluster: 'local', cursor: first.cursor as string });
    expect((rest.results[0]?.namespace ?? '') > (first.cursor as string)).toBe(true);
  });
});

describe('pod lifecycle (ADR 0002): published bindings do not flap', () => {
  it('publishes a labelled pod once, and nothing while it finishes, loses its IP or runs again', async () => {
    const ns = 'churn';
    const pods = `/api/v1/namespaces/${ns}/pods`;
    const created = await raw(local, 'POST', '/api/v1/namespaces', {
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
    });
    expect(created.status).toBe(201);
    const adapter = deps.clusters.get('local');
    await adapter.applyGateway(
      waypointManifest(generateWaypoint({ namespace: ns, name: 'w', for: 'workload' })),
    );
    await adapter.waitForProgrammed(ns, 'w', 5000);
    const pod = await raw(local, 'POST', pods, {
      body: {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'job', labels: { 'istio.io/use-waypoint': 'w' } },
        spec: { containers: [{ name: 'app', image: 'example/app:1' }] },
      },
    });
    expect(pod.status).toBe(201);
    const start = recorder.published.length;
    await reconcileNamespace(deps, request(ns));
    expect(bodies(start).flatMap((b) => b.changes)).toContain('Pod job: - -> w');
    for (const status of [
      { phase: 'Succeeded' },
      { phase: 'Failed', podIP: null, podIPs: null },
      { phase: 'Running', podIP: '10.244.7.7', podIPs: [{ ip: '10.244.7.7' }] },
    ]) {
      const patched = await raw(local, 'PATCH', `${pods}/job/status`, {
        body: { status },
        contentType: 'application/merge-patch+json',
      });
      expect(patched.status).toBe(200);
      const shown = computeNamespaceBindings(await adapter.namespaceSnapshot(ns), ns);
      expect(shown.pods.find((b) => b.name === 'job')?.workload ?? true).toBe(
        status.phase === 'Running',
      );
      const before = recorder.published.length;
      const result = await reconcileNamespace(deps, request(ns));
      expect([status.phase, result.changes, recorder.published.length - before]).toEqual([
        status.phase,
        0,
        0,
      ]);
    }
  });
});

function bind(store: BindingStore): BindingStore {
  return {
    load: store.load.bind(store),
    stage: store.stage.bind(store),
    commit: store.commit.bind(store),
    observed: store.observed.bind(store),
    namespaces: store.namespaces.bind(store),
    sweepCursor: store.sweepCursor.bind(store),
    saveSweepCursor: store.saveSweepCursor.bind(store),
  };
}

describe('ServiceEntries and WorkloadEntries (docs/istio-semantics.md §15)', () => {
  const NS = 'entries';
  const SE = `/apis/networking.istio.io/v1/namespaces/${NS}/serviceentries`;
  const WE = `/apis/networking.istio.io/v1/namespaces/${NS}/workloadentries`;
  const GATEWAYS = `/apis/gateway.networking.k8s.io/v1/namespaces/${NS}/gateways`;
  const changesOf = (from: number): string[] =>
    recorder.published
      .slice(from)
      .flatMap((m) =>
        JSON.parse(m.body).data.changes.map(
          (c: any) =>
            `${c.kind} ${c.name}${c.after?.serviceEntryEndpoint === undefined ? '' : ` ${c.after.serviceEntryEndpoint}`}: ${c.before === null ? 'new' : (c.before.waypoint?.name ?? '-')} -> ${c.after === null ? 'removed' : (c.after.waypoint?.name ?? '-')}`,
        ),
      );

  it('publishes a ServiceEntry, its inline endpoints and a WorkloadEntry; a state stored without entries publishes only them', async () => {
    const namespace = {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: NS, labels: { 'istio.io/use-waypoint': 'waypoint' } },
    };
    expect((await raw(local, 'POST', '/api/v1/namespaces', { body: namespace })).status).toBe(201);
    const gateway = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'waypoint', labels: { 'istio.io/waypoint-for': 'all' } },
      spec: {
        gatewayClassName: 'istio-waypoint',
        listeners: [{ name: 'mesh', port: 15008, protocol: 'HBONE' }],
      },
    };
    expect((await raw(local, 'POST', GATEWAYS, { body: gateway })).status).toBe(201);
    for (let i = 0; i < 100; i++) {
      const gw = (await raw(local, 'GET', `${GATEWAYS}/waypoint`)).json;
      if ((gw.status?.addresses ?? []).length > 0) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    await reconcileNamespace(deps, request(NS));
    const serviceEntry = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'ServiceEntry',
      metadata: { name: 'api' },
      spec: {
        hosts: ['api.example.com'],
        resolution: 'STATIC',
        endpoints: [{ address: '10.1.0.1' }],
      },
    };
    expect((await raw(local, 'POST', SE, { body: serviceEntry })).status).toBe(201);
    const vm = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'WorkloadEntry',
      metadata: { name: 'vm-1' },
      spec: { address: '10.9.0.1' },
    };
    expect((await raw(local, 'POST', WE, { body: vm })).status).toBe(201);

    const start = recorder.published.length;
    const created = await reconcileNamespace(deps, request(NS, ['se1']));
    expect(changesOf(start)).toEqual([
      'ServiceEntry api: new -> waypoint',
      'WorkloadEntry api 10.1.0.1: new -> waypoint',
      'WorkloadEntry vm-1: new -> waypoint',
    ]);
    const event = JSON.parse(recorder.published[start]?.body ?? 'null');
    expect(event.data.changes[0].after).toEqual({
      namespace: NS,
      name: 'api',
      waypoint: { namespace: NS, name: 'waypoint' },
      via: 'namespace',
      canary: null,
      conditions: {
        'istio.io/WaypointBound': {
          status: 'True',
          reason: 'WaypointAccepted',
          message: `Successfully attached to waypoint ${NS}/waypoint`,
        },
      },
    });
    expect(await reconcileNamespace(deps, request(NS))).toMatchObject({ changes: 0 });
    // The sweep reads the whole cluster and computes the same entry bindings: nothing to publish.
    const swept = await sweepCluster(deps, { cluster: 'local' });
    expect(swept.results.find((r) => r.namespace === NS)).toMatchObject({ changes: 0 });

    // A state stored before entries were published: its entries read as none, and the next
    // reconcile announces the entries as new, exactly like a namespace's first reconcile.
    const stored = await deps.store.load('local', NS);
    const { serviceEntries, workloadEntries, ...older } = stored?.bindings ?? {};
    expect(serviceEntries).toHaveLength(1);
    expect(workloadEntries).toHaveLength(2);
    const generation = created.generation;
    await deps.store.stage(
      'local',
      NS,
      {
        generation: generation + 1,
        bindings: older as BindingSet,
        messages: [],
        observedAt: stored?.observedAt ?? new Date(0).toISOString(),
      },
      generation,
    );
    await deps.store.commit('local', NS, generation);
    const upgraded = recorder.published.length;
    await reconcileNamespace(deps, request(NS));
    expect(changesOf(upgraded)).toEqual([
      'ServiceEntry api: new -> waypoint',
      'WorkloadEntry api 10.1.0.1: new -> waypoint',
      'WorkloadEntry vm-1: new -> waypoint',
    ]);

    const removed = recorder.published.length;
    await raw(local, 'DELETE', `${SE}/api`);
    await reconcileNamespace(deps, request(NS));
    expect(changesOf(removed)).toEqual([
      'ServiceEntry api: waypoint -> removed',
      'WorkloadEntry api: waypoint -> removed',
    ]);
  });
});
