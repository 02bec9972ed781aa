/**
 * A request's deadline: how the Lambda's remaining time is shared out between the forward steps,
 * the rollback reserve and the margin to answer; and the signals the use cases stop at.
 */
import { describe, expect, it } from 'vitest';
import {
  clusterFor,
  type Deadline,
  type DeadlineOptions,
  type Deps,
  deadlineBudget,
  deadlineOf,
} from '../../shared/app/deps.ts';
import type { CallOptions, Cluster, WriteOptions } from '../../shared/ports.ts';

describe('deadlineBudget', () => {
  it.each<[string, number, DeadlineOptions, { totalMs: number; forwardMs: number }]>([
    [
      'an HTTP API Lambda (29 s): 1 s to answer, 5 s to roll back',
      29_000,
      {},
      { totalMs: 28_000, forwardMs: 23_000 },
    ],
    [
      'a short deadline: the reserve is a third of the time at most',
      4_000,
      {},
      { totalMs: 3_000, forwardMs: 2_000 },
    ],
    ['no time left past the margin: nothing may start', 800, {}, { totalMs: 0, forwardMs: 0 }],
    ['a remaining time below zero is none', -5, {}, { totalMs: 0, forwardMs: 0 }],
    ['fractions of a millisecond are dropped', 1_500.9, {}, { totalMs: 500, forwardMs: 334 }],
    [
      'a margin and a reserve of its own',
      10_000,
      { marginMs: 500, rollbackReserveMs: 2_000 },
      { totalMs: 9_500, forwardMs: 7_500 },
    ],
    [
      'no reserve: the forward steps have it all',
      10_000,
      { rollbackReserveMs: 0 },
      { totalMs: 9_000, forwardMs: 9_000 },
    ],
  ])('%s', (_, remainingMs, options, expected) => {
    expect(deadlineBudget(remainingMs, options)).toEqual(expected);
  });

  it('always leaves the rollback between the forward deadline and the total', () => {
    for (let remaining = 0; remaining <= 40_000; remaining += 777) {
      const { totalMs, forwardMs } = deadlineBudget(remaining);
      expect(forwardMs).toBeGreaterThanOrEqual(0);
      expect(forwardMs).toBeLessThanOrEqual(totalMs);
      expect(totalMs).toBeLessThanOrEqual(Math.max(0, remaining));
    }
  });
});

/** Resolves once `signal` has aborted. */
function abortOf(signal: AbortSignal): Promise<void> {
  return signal.aborted
    ? Promise.resolve()
    : new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

describe('deadlineOf', () => {
  it('aborts the forward signal first, then the rollback one', async () => {
    const deadline = deadlineOf({ forwardMs: 0, totalMs: 60_000 }, new AbortController().signal);
    await abortOf(deadline.forward);
    expect([deadline.forward.aborted, deadline.rollback.aborted]).toEqual([true, false]);
    const ended = deadlineOf({ forwardMs: 0, totalMs: 0 });
    await abortOf(ended.rollback);
    expect(ended.forward.aborted).toBe(true);
  });

  it('aborts both at once when the request is answered', () => {
    const answered = new AbortController();
    const deadline = deadlineOf({ forwardMs: 60_000, totalMs: 60_000 }, answered.signal);
    expect([deadline.forward.aborted, deadline.rollback.aborted]).toEqual([false, false]);
    answered.abort();
    expect([deadline.forward.aborted, deadline.rollback.aborted]).toEqual([true, true]);
  });
});

describe('clusterFor', () => {
  const calls: [string, CallOptions | WriteOptions | undefined][] = [];
  const record =
    (name: string) =>
    async (...args: unknown[]): Promise<never> => {
      calls.push([name, args.at(-1) as CallOptions]);
      return [] as never;
    };
  const cluster = Object.fromEntries(
    [
      'namespaceSnapshot',
      'clusterSnapshot',
      'getNamespace',
      'podsOf',
      'existingPods',
      'getGateway',
      'listGateways',
      'waitForProgrammed',
      'applyGateway',
      'deleteGateway',
      'setLabels',
    ].map((name) => [name, record(name)]),
  ) as unknown as Cluster;
  const deps = { clusters: { names: () => ['c'], get: () => cluster } } as unknown as Deps;
  const forward = new AbortController().signal;
  const rollback = new AbortController().signal;
  const deadline: Deadline = { forward, rollback };

  async function everyCall(bound: Cluster): Promise<void> {
    await bound.namespaceSnapshot('ns');
    await bound.clusterSnapshot();
    await bound.getNamespace('ns');
    await bound.podsOf({ kind: 'pods', namespace: 'ns', names: ['p'] });
    await bound.existingPods('ns', ['p']);
    await bound.getGateway('ns', 'w');
    await bound.listGateways('ns');
    await bound.waitForProgrammed('ns', 'w', 1000);
    await bound.applyGateway({});
    await bound.deleteGateway('ns', 'w');
    await bound.setLabels({ kind: 'namespace', namespace: 'ns' }, {});
  }

  it('makes every call with the forward signal, and every write for the caller', async () => {
    calls.length = 0;
    await everyCall(
      clusterFor(deps, { cluster: 'c', caller: { id: 'me', kind: 'iam' }, deadline }),
    );
    const writes = ['applyGateway', 'deleteGateway', 'setLabels'];
    expect(calls).toEqual(
      calls.map(([name]) => [
        name,
        writes.includes(name) ? { signal: forward, actor: 'me' } : { signal: forward },
      ]),
    );
    expect(calls).toHaveLength(11);
  });

  it('makes the rollback calls with the rollback signal', async () => {
    calls.length = 0;
    const bound = clusterFor(
      deps,
      { cluster: 'c', caller: { id: '', kind: 'local' }, deadline },
      'rollback',
    );
    await bound.setLabels({ kind: 'namespace', namespace: 'ns' }, {});
    expect(calls).toEqual([['setLabels', { signal: rollback }]]);
  });

  it('is the cluster itself without a deadline or an actor', () => {
    expect(clusterFor(deps, { cluster: 'c', caller: { id: '', kind: 'local' } })).toBe(cluster);
  });
});
