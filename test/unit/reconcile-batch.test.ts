/**
 * Coalescing reconcile requests: one reconcile per namespace of a batch, with every audit id.
 */
import { describe, expect, it } from 'vitest';
import type { PipelineDeps } from '../../shared/app/pipeline.ts';
import { coalesce, reconcileBatch, requestKey } from '../../shared/app/reconcile-batch.ts';
import type { ReconcileRequest } from '../../shared/schemas/reconcile-request.ts';

const request = (
  namespace: string,
  trigger: ReconcileRequest['trigger'],
  actor: string | null,
  auditIds: string[],
  cluster = 'prod',
): ReconcileRequest => ({ cluster, namespace, trigger, actor, auditIds });

describe('coalesce', () => {
  it.each<[string, ReconcileRequest[], ReconcileRequest[]]>([
    ['nothing stays nothing', [], []],
    [
      'one request is kept as it is',
      [request('default', 'api', 'bob', [])],
      [request('default', 'api', 'bob', [])],
    ],
    [
      'the audit ids of a namespace are merged, once each, sorted',
      [
        request('default', 'audit', 'alice', ['c', 'a']),
        request('default', 'audit', 'alice', ['b', 'a']),
      ],
      [request('default', 'audit', 'alice', ['a', 'b', 'c'])],
    ],
    [
      'the latest known actor wins; a null actor does not erase one',
      [
        request('default', 'audit', 'alice', ['1']),
        request('default', 'audit', 'bob', ['2']),
        request('default', 'sweep', null, []),
      ],
      [request('default', 'audit', 'bob', ['1', '2'])],
    ],
    [
      'an audit event anywhere in the batch makes the trigger audit',
      [request('default', 'audit', 'alice', ['1']), request('default', 'api', 'bob', [])],
      [request('default', 'audit', 'bob', ['1'])],
    ],
    [
      'otherwise the latest trigger is kept',
      [request('default', 'sweep', null, []), request('default', 'api', 'bob', [])],
      [request('default', 'api', 'bob', [])],
    ],
    [
      'namespaces and clusters stay apart, in the order first seen',
      [
        request('b', 'audit', 'alice', ['1']),
        request('a', 'audit', 'alice', ['2']),
        request('b', 'audit', 'alice', ['3'], 'dev'),
        request('b', 'audit', 'alice', ['4']),
      ],
      [
        request('b', 'audit', 'alice', ['1', '4']),
        request('a', 'audit', 'alice', ['2']),
        request('b', 'audit', 'alice', ['3'], 'dev'),
      ],
    ],
  ])('%s', (_rule, given, expected) => {
    expect([...coalesce(given).values()]).toEqual(expected);
  });

  it('keys a namespace by cluster and name', () => {
    expect(requestKey({ cluster: 'prod', namespace: 'default' })).toBe('prod/default');
  });
});

describe('reconcileBatch', () => {
  /** Deps whose namespace reads are recorded and answered (or failed) on the spot. */
  const recording = (failing: string[] = []) => {
    const read: string[] = [];
    const deps = {
      clusters: {
        names: () => ['prod'],
        get: () => ({
          namespaceSnapshot: async (namespace: string) => {
            read.push(namespace);
            if (failing.includes(namespace)) throw new Error(`cannot read ${namespace}`);
            return { namespaces: [], services: [], pods: [], gateways: [], gatewayClasses: [] };
          },
        }),
      },
      store: {
        load: async () => null,
      },
      clock: { now: () => new Date('2026-11-24T00:00:00Z'), sleep: async () => {} },
    } as unknown as PipelineDeps;
    return { deps, read };
  };

  it('reads each namespace once, whatever the number of its requests, and shares the outcome', async () => {
    const { deps, read } = recording(['broken']);
    const batch = [
      request('default', 'audit', 'alice', ['1']),
      request('default', 'audit', 'alice', ['2']),
      request('broken', 'audit', 'alice', ['3']),
      request('broken', 'audit', 'alice', ['4']),
    ];
    const reconcile = reconcileBatch(deps, batch);
    const [first, second, third, fourth] = batch as [
      ReconcileRequest,
      ReconcileRequest,
      ReconcileRequest,
      ReconcileRequest,
    ];
    const a = await reconcile(first);
    expect(await reconcile(second)).toBe(a);
    await expect(reconcile(third)).rejects.toThrow('cannot read broken');
    await expect(reconcile(fourth)).rejects.toThrow('cannot read broken');
    expect(read).toEqual(['default', 'broken']);
  });
});
