/**
 * Mutations under Kubernetes faults, end to end through the local gateway with a short Lambda time
 * limit: each answers within its deadline with 503 or 504 problem+json, nothing half-applied, and
 * no request reaches the cluster after the answer.
 */
import type { LocalCluster } from '@waypointer/kube-api';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Api, startApi } from '../support/api.ts';
import { raw } from '../support/kube.ts';

const NS = '/v1/clusters/local/namespaces/default';
/** The Lambda's time limit in these tests: short, so that a deadline is reached quickly. */
const LAMBDA_TIMEOUT_MS = 4000;
let api: Api;
let local: LocalCluster;

beforeAll(async () => {
  api = await startApi({ lambdaTimeoutMs: LAMBDA_TIMEOUT_MS });
  local = api.local;
});
afterAll(async () => {
  await api.stop();
}, 30_000);
afterEach(() => {
  vi.restoreAllMocks();
  local.server.faults.configure({ rate: 0 });
});

/** The requests the cluster receives in the `ms` after `since` (a request count). */
async function requestsAfter(since: number, ms = 400): Promise<string[]> {
  await new Promise((resolve) => setTimeout(resolve, ms));
  return local.server.requestsSince(since);
}

/** Makes the requests `matches` picks stall (the server holds them and never answers). */
function stallWhen(matches: (request: string) => boolean): void {
  const next = local.server.faults.next.bind(local.server.faults);
  vi.spyOn(local.server.faults, 'next').mockImplementation((request) => {
    const current = local.server.requests.at(-1) ?? '';
    return matches(current) ? { kind: 'stall', ms: 60_000 } : next(request);
  });
}

/** The `nth` request (1-based) that `matches` picks, counted from now. */
function nth(n: number, matches: (request: string) => boolean): (request: string) => boolean {
  let seen = 0;
  return (request) => matches(request) && ++seen === n;
}

async function labelsOf(path: string): Promise<Record<string, string>> {
  return (await raw(local, 'GET', path)).json.metadata.labels ?? {};
}

const useWaypoint = (labels: Record<string, string>): string | undefined =>
  labels['istio.io/use-waypoint'];

const REVIEWS_PODS = ['reviews-v1', 'reviews-v2', 'reviews-v3'];

async function reviewsPods(): Promise<Record<string, string | undefined>> {
  const list = await raw(local, 'GET', '/api/v1/namespaces/default/pods?labelSelector=app=reviews');
  return Object.fromEntries(
    list.json.items.map((p: any) => [
      REVIEWS_PODS.find((prefix) => p.metadata.name.startsWith(prefix)),
      useWaypoint(p.metadata.labels ?? {}),
    ]),
  );
}

describe('a mutation under Kubernetes faults', () => {
  it('answers 503 within its deadline when the cluster does not answer, and sends nothing after', async () => {
    const before = await labelsOf('/api/v1/namespaces/default');
    local.server.faults.configure({ rate: 1, kinds: ['stall'], stallMs: 60_000 });
    const { status, type, json } = await api.call('PUT', `${NS}/enrollment`, {
      body: { waypoint: 'waypoint' },
    });
    local.server.faults.configure({ rate: 0 });
    const since = local.server.requestCount;
    expect([status, type, json.title]).toEqual([
      503,
      'application/problem+json',
      'Service Unavailable',
    ]);
    expect(json.detail).toMatch(/deadline/);
    expect(await requestsAfter(since)).toEqual([]);
    expect(await labelsOf('/api/v1/namespaces/default')).toEqual(before);
  });

  it('puts back the labels it changed when a later change stalls, before it answers', async () => {
    const before = await reviewsPods();
    stallWhen(nth(2, (r) => r.startsWith('PATCH /api/v1/namespaces/default/pods/reviews-')));
    const { status, json } = await api.call('PUT', `${NS}/pods/enrollment?selector=app=reviews`, {
      body: { waypoint: 'reviews-v2-pod-waypoint' },
    });
    const since = local.server.requestCount;
    expect([status, json.title]).toEqual([503, 'Service Unavailable']);
    expect(json.detail).not.toMatch(/could not be put back/);
    expect(await requestsAfter(since)).toEqual([]);
    expect(await reviewsPods()).toEqual(before);
  });

  it('answers 504 when a wait for Programmed outlasts the deadline, and stops polling', async () => {
    local.istiod.keepUnready('default/slow');
    const { status, json } = await api.call('PUT', `${NS}/waypoints/slow`, {
      body: { wait: true, timeoutSeconds: 60 },
    });
    const since = local.server.requestCount;
    expect([status, json.detail]).toEqual([
      504,
      'timed out while waiting for waypoint\tdefault/slow',
    ]);
    expect(await requestsAfter(since)).toEqual([]);
  });
});

describe('DELETE a waypoint with unenroll=true under faults', () => {
  const gateway = '/apis/gateway.networking.k8s.io/v1/namespaces/default/gateways/doomed';
  const ratings = '/api/v1/namespaces/default/services/ratings';

  beforeAll(async () => {
    expect((await api.call('PUT', `${NS}/waypoints/doomed`, { body: {} })).status).toBe(200);
    const enrolled = await api.call('PUT', `${NS}/services/ratings/enrollment`, {
      body: { waypoint: 'doomed' },
    });
    expect(enrolled.status).toBe(200);
  });

  it.each([
    ['the delete stalls (its outcome unknown until the deadline)', 'stall'],
    ['the delete fails with a 500 (not repeated)', '500'],
  ] as const)('leaves the Gateway and the labels as they were when %s', async (_, kind) => {
    const isDelete = (r: string): boolean => r.startsWith('DELETE /apis/gateway.networking.k8s.io');
    if (kind === 'stall') stallWhen(isDelete);
    else {
      const next = local.server.faults.next.bind(local.server.faults);
      vi.spyOn(local.server.faults, 'next').mockImplementation(() =>
        isDelete(local.server.requests.at(-1) ?? '') ? next({ continue: false }) : undefined,
      );
      local.server.faults.failNext('500');
    }
    const { status, type } = await api.call('DELETE', `${NS}/waypoints/doomed?unenroll=true`);
    const since = local.server.requestCount;
    expect([status, type]).toEqual([503, 'application/problem+json']);
    expect(await requestsAfter(since)).toEqual([]);
    expect((await raw(local, 'GET', gateway)).status).toBe(200);
    expect(useWaypoint(await labelsOf(ratings))).toBe('doomed');
  });
});

/**
 * All or nothing: every pod has the new label after a 200, its old one otherwise, but for the pods
 * the answer names as not put back (when even the rollback's requests kept failing).
 */
function expectAllOrNothing(outcome: {
  status: number;
  detail: string;
  waypoint: string;
  before: Record<string, string | undefined>;
  after: Record<string, string | undefined>;
}): void {
  const { status, detail, waypoint, before, after } = outcome;
  const notPutBack = (name: string): boolean =>
    status !== 200 && detail.includes('could not be put back') && detail.includes(name);
  for (const [name, label] of Object.entries(after)) {
    if (!notPutBack(name))
      expect([name, label]).toEqual([name, status === 200 ? waypoint : before[name]]);
  }
}

describe('mutations under random faults (seeded), stalled requests retried after 250 ms', () => {
  let retrying: Api;

  beforeAll(async () => {
    retrying = await startApi({
      lambdaTimeoutMs: LAMBDA_TIMEOUT_MS,
      cluster: { requestTimeoutMs: 250 },
    });
  });
  afterAll(async () => {
    await retrying.stop();
  }, 30_000);

  it('each answers 200, 503 or 504, all or nothing, and nothing reaches the cluster after', async () => {
    const { server } = retrying.local;
    const pods = async (): Promise<Record<string, string | undefined>> => {
      const list = await raw(
        retrying.local,
        'GET',
        '/api/v1/namespaces/default/pods?labelSelector=app=reviews',
      );
      return Object.fromEntries(
        list.json.items.map((p: any) => [p.metadata.name, useWaypoint(p.metadata.labels ?? {})]),
      );
    };
    const outcomes: number[] = [];
    for (const [i, waypoint] of ['w1', 'w2', 'w3', 'w4', 'w5', 'w6', 'w7', 'w8'].entries()) {
      const before = await pods();
      // 40% of requests fail (retries mostly win), or 80% (the deadline mostly wins).
      const rate = i % 2 === 0 ? 0.4 : 0.8;
      server.faults.configure({ rate, retryAfterSeconds: 0, seed: 11 + i });
      const { status, json } = await retrying.call(
        'PUT',
        `${NS}/pods/enrollment?selector=app=reviews`,
        {
          body: { waypoint, overwrite: true },
        },
      );
      server.faults.configure({ rate: 0 });
      const since = server.requestCount;
      outcomes.push(status);
      expect([200, 503, 504]).toContain(status);
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(server.requestsSince(since)).toEqual([]);
      expectAllOrNothing({
        status,
        detail: `${json.detail}`,
        waypoint,
        before,
        after: await pods(),
      });
    }
    // The rates give both outcomes, so that both are checked.
    expect(outcomes).toContain(200);
    expect(outcomes.some((s) => s >= 500)).toBe(true);
  }, 60_000);
});
