/**
 * Faults in the pipeline: on a fresh local stack, Istio's seed walkthrough and then a seeded random
 * run of mutations (HTTP API calls and users' server-side applies of labels) under 20% Kubernetes
 * API faults (500, 429, stalls) and SQS faults (SendMessageBatch and DeleteMessageBatch entries
 * failing, receives failing or losing their response). Requests may fail with 503 or 504, never
 * another 5xx. Once the faults stop and a sweep has run:
 *   - each namespace's bindings, as published and as stored, equal the engine's answer on a
 *     fault-free snapshot (shared/domain/bindings.ts);
 *   - every state the store committed was published: replaying the messages of
 *     binding-changes.fifo gives each committed state at its generation, in order, without gaps;
 *   - no message id carries two different bodies.
 * `FAULT_MUTATIONS` sets the run's length (40 in `npm test`, 200 in `npm run fuzz`), `FAULT_SEED`
 * replays a run (the same mutations and the same fault draws; how the pipeline's concurrent
 * requests meet them may differ); a failure names its seed.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeNamespaceBindings } from '../../shared/domain/bindings.ts';
import {
  SCENARIO,
  type ScenarioMutation,
  type ScenarioTarget,
  scenarioMutationArb,
} from '../support/arbitraries.ts';
import { raw } from '../support/kube.ts';
import { effectiveLines, lines, replay, viewOf } from './consumer.ts';
import { CLUSTER, type FaultStack, startFaultStack } from './stack.ts';

const MUTATIONS = Number(process.env.FAULT_MUTATIONS ?? 40);
const SEED = Number(process.env.FAULT_SEED ?? Math.floor(Math.random() * 2 ** 31));
const FAULT_RATE = 0.2;

let stack: FaultStack;

beforeAll(async () => {
  stack = await startFaultStack({ seed: SEED });
}, 30_000);

afterAll(async () => {
  await stack?.stop();
});

interface Answer {
  readonly status: number;
  readonly text: string;
}

async function call(method: string, path: string, body?: object): Promise<Answer> {
  const response = await fetch(`${stack.url}/v1/clusters/${CLUSTER}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, text: await response.text() };
}

/** Answers a mutation may get: done, refused as a user's would be, or the cluster was unavailable. */
const ALLOWED = new Set([200, 404, 409, 422, 503, 504]);
const answers = new Map<number, number>();

function expectAllowed(what: string, answer: Answer): void {
  answers.set(answer.status, (answers.get(answer.status) ?? 0) + 1);
  expect(ALLOWED.has(answer.status), `${what}: ${answer.status} ${answer.text}`).toBe(true);
}

/** A walkthrough step: repeated while the cluster is unavailable (503, 504). */
async function step(method: string, path: string, body?: object): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const answer = await call(method, path, body);
    expectAllowed(`${method} ${path}`, answer);
    if (answer.status === 200) return;
    expect([503, 504], `${method} ${path}: ${answer.text}`).toContain(answer.status);
    expect(attempt, `${method} ${path} kept failing`).toBeLessThan(20);
  }
}

/** A user's server-side apply (kubectl's field manager), repeated through injected faults. */
async function userApply(path: string, manifest: object, manager = 'kubectl'): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    // A stalled request ends with the connection dropped: status 0, as for any lost answer.
    const answer = await raw(stack.local, 'PATCH', `${path}?fieldManager=${manager}&force=true`, {
      body: JSON.stringify(manifest),
      contentType: 'application/apply-patch+yaml',
    }).catch((error: unknown) => ({ status: 0, text: String(error) }));
    if (answer.status < 300) return;
    expect([429, 500, 0], `${path}: ${answer.status} ${answer.text}`).toContain(answer.status);
    expect(attempt, `${path} kept failing`).toBeLessThan(30);
  }
}

const API_PATHS = {
  namespace: (t: { namespace: string }) => `/api/v1/namespaces/${t.namespace}`,
  service: (t: { namespace: string; name: string }) =>
    `/api/v1/namespaces/${t.namespace}/services/${t.name}`,
  pod: (t: { namespace: string; name: string }) =>
    `/api/v1/namespaces/${t.namespace}/pods/${t.name}`,
};

function enrollmentPath(target: ScenarioTarget): string {
  const ns = `/namespaces/${target.namespace}`;
  if (target.kind === 'namespace') return `${ns}/enrollment`;
  if (target.kind === 'service') return `${ns}/services/${target.name}/enrollment`;
  if (target.kind === 'pod') return `${ns}/pods/${target.name}/enrollment`;
  return `${ns}/pods/enrollment?selector=${encodeURIComponent(target.selector)}`;
}

/**
 * A label set, or with null no longer applied, by a field manager of its own (which owns nothing
 * else: an apply without a field removes it only from what that manager applied).
 */
async function label(m: Extract<ScenarioMutation, { op: 'label' }>): Promise<void> {
  const t = m.target;
  const kind = { namespace: 'Namespace', service: 'Service', pod: 'Pod' }[t.kind];
  const labels = m.value === null ? {} : { [m.label]: m.value };
  const metadata =
    t.kind === 'namespace'
      ? { name: t.namespace, labels }
      : { name: t.name, namespace: t.namespace, labels };
  const path =
    t.kind === 'namespace'
      ? API_PATHS.namespace(t)
      : t.kind === 'service'
        ? API_PATHS.service(t)
        : API_PATHS.pod(t);
  await userApply(
    path,
    { apiVersion: 'v1', kind, metadata },
    `kubectl-${m.label.replace(/\W/g, '-')}`,
  );
}

async function mutate(m: ScenarioMutation): Promise<void> {
  const what = JSON.stringify(m);
  if (m.op === 'label') return label(m);
  if (m.op === 'apply') {
    const { namespace, name, op: _, ...body } = m;
    return expectAllowed(
      what,
      await call('PUT', `/namespaces/${namespace}/waypoints/${name}`, {
        ...body,
        timeoutSeconds: 2,
      }),
    );
  }
  if (m.op === 'delete') {
    const query = m.mode === 'refuse' ? '' : `?${m.mode}=true`;
    return expectAllowed(
      what,
      await call('DELETE', `/namespaces/${m.namespace}/waypoints/${m.name}${query}`),
    );
  }
  if (m.op === 'enroll') {
    const { target, op: _, ...body } = m;
    return allOrNothing(what, () => call('PUT', enrollmentPath(target), body));
  }
  return allOrNothing(what, () => call('DELETE', enrollmentPath(m.target)));
}

const ENROLLMENT_LABELS = ['istio.io/use-waypoint', 'istio.io/use-waypoint-namespace'];

/** Every enrollment label of the cluster (`Kind ns/name label=value` lines), read without faults. */
async function enrollmentLabels(): Promise<string[]> {
  const { namespaces, services, pods } = await stack.withoutKubernetesFaults(() =>
    stack.reader.clusterSnapshot(),
  );
  return [
    ...namespaces.map((o) => ['Namespace', o] as const),
    ...services.map((o) => ['Service', o] as const),
    ...pods.map((o) => ['Pod', o] as const),
  ].flatMap(([kind, { metadata }]) =>
    ENROLLMENT_LABELS.filter((l) => metadata.labels?.[l] !== undefined).map(
      (l) => `${kind} ${metadata.namespace ?? ''}/${metadata.name} ${l}=${metadata.labels?.[l]}`,
    ),
  );
}

/**
 * An enrollment: answered as allowed, and when not done (any answer but 200), nothing of it stays
 * applied (README: a mutation is all or nothing).
 */
async function allOrNothing(what: string, send: () => Promise<Answer>): Promise<void> {
  const before = await enrollmentLabels();
  const answer = await send();
  expectAllowed(what, answer);
  if (answer.status !== 200)
    expect(
      await enrollmentLabels(),
      `${what} answered ${answer.status}, left labels changed`,
    ).toEqual(before);
}

/** Istio's "Configure waypoint proxies" walk, as the README gives it, through the HTTP API. */
async function walkthrough(): Promise<void> {
  const ns = '/namespaces/default';
  await step('PUT', `${ns}/waypoints/waypoint`, { enrollNamespace: true, wait: true });
  await step('PUT', `${ns}/waypoints/reviews-svc-waypoint`, { wait: true });
  await step('PUT', `${ns}/services/reviews/enrollment`, { waypoint: 'reviews-svc-waypoint' });
  await step('PUT', `${ns}/waypoints/reviews-v2-pod-waypoint`, { for: 'workload', wait: true });
  await step('PUT', `${ns}/pods/enrollment?selector=app%3Dreviews%2Cversion%3Dv2`, {
    waypoint: 'reviews-v2-pod-waypoint',
  });
}

/** A second namespace, created by the user: one Service and its Pod. */
async function teamA(): Promise<void> {
  await userApply('/api/v1/namespaces/team-a', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'team-a', labels: { 'istio.io/dataplane-mode': 'ambient' } },
  });
  await userApply('/api/v1/namespaces/team-a/services/api', {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'api', namespace: 'team-a', labels: { app: 'api' } },
    spec: { selector: { app: 'api' }, ports: [{ port: 80 }] },
  });
  await userApply('/api/v1/namespaces/team-a/pods/api-1', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'api-1', namespace: 'team-a', labels: { app: 'api' } },
    spec: { containers: [{ name: 'api', image: 'api:1' }] },
  });
}

/** Faults off, the queue drained, a sweep, the queue drained again. */
async function settle(): Promise<void> {
  stack.faults(0);
  await stack.idle(30_000);
  // The last audit deliveries may still be on their way.
  await new Promise((resolve) => setTimeout(resolve, 300));
  await stack.idle(30_000);
  await stack.sweep();
  await stack.idle(30_000);
}

async function expectConsistent(): Promise<void> {
  const snapshot = await stack.reader.clusterSnapshot();
  const messages = await stack.drainChanges();
  const { byNamespace, conflictingIds } = replay(messages);
  expect(conflictingIds, 'message ids with two different bodies').toEqual([]);
  for (const [namespace, r] of byNamespace)
    expect(r.gaps, `${namespace}: messages out of order`).toEqual([]);
  for (const namespace of SCENARIO.namespaces) {
    const engine = viewOf(computeNamespaceBindings(snapshot, namespace));
    const expected = lines(engine);
    const stored = await stack.store.load(CLUSTER, namespace);
    expect(stored?.pending, `${namespace}: a publication left pending`).toBeUndefined();
    expect(
      lines(viewOf(stored?.bindings ?? { services: [], pods: [], namespaces: [] })),
      `${namespace}: stored`,
    ).toEqual(expected);
    expect(
      effectiveLines(byNamespace.get(namespace)?.final ?? new Map()),
      `${namespace}: published`,
    ).toEqual(effectiveLines(engine));
  }
  for (const state of stack.store.committed) {
    const published = byNamespace.get(state.namespace)?.views.get(state.generation);
    expect(
      published,
      `${state.namespace} #${state.generation} was committed, never published`,
    ).toBeDefined();
    expect(
      effectiveLines(published ?? new Map()),
      `${state.namespace} #${state.generation}`,
    ).toEqual(effectiveLines(viewOf(state.bindings)));
  }
}

describe(`a seeded run of ${MUTATIONS} mutations under ${FAULT_RATE * 100}% faults`, () => {
  it(
    'ends with the engine’s bindings, every committed state published once or more, no id reused',
    async () => {
      const timings: Record<string, number> = {};
      const mutations = fc.sample(
        fc.array(scenarioMutationArb, { minLength: MUTATIONS, maxLength: MUTATIONS }),
        { seed: SEED, numRuns: 1 },
      )[0] as ScenarioMutation[];
      try {
        const start = Date.now();
        const lap = (phase: string): void => {
          timings[phase] = Date.now() - start - Object.values(timings).reduce((a, b) => a + b, 0);
        };
        await teamA();
        stack.faults(FAULT_RATE);
        await walkthrough();
        lap('walkthroughMs');
        for (const m of mutations) await mutate(m);
        lap('mutationsMs');
        await settle();
        lap('settleMs');
        await expectConsistent();
        lap('checkMs');
      } catch (error) {
        (error as Error).message =
          `FAULT_SEED=${SEED} FAULT_MUTATIONS=${MUTATIONS}: ${(error as Error).message}`;
        throw error;
      }
      const injected = {
        kubernetes: stack.local.server.faults.injected,
        sqs: stack.sqsFaults.injected,
        answers: Object.fromEntries(answers),
        committed: stack.store.committed.length,
        timings,
      };
      process.stdout.write(`fault scenario seed ${SEED}: ${JSON.stringify(injected)}\n`);
      // The run did meet faults of every kind.
      expect(injected.kubernetes['500']).toBeGreaterThan(0);
      expect(injected.sqs.sendEntries + injected.sqs.receives).toBeGreaterThan(0);
    },
    Math.max(60_000, MUTATIONS * 1_500),
  );
});
