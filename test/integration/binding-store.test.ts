/**
 * The DynamoDB binding store against dynalite, through the real AWS SDK.
 */
import { randomBytes } from 'node:crypto';
import { type AttributeValue, DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { BINDINGS_TABLE, type LocalDynamo, startDynamo } from '@waypointer/local-stack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoBindingStore } from '../../shared/adapters/aws/binding-store.ts';
import type { BindingSet } from '../../shared/domain/bindings.ts';
import { ConflictError } from '../../shared/domain/errors.ts';

let dynamo: LocalDynamo;
let store: DynamoBindingStore;

beforeAll(async () => {
  dynamo = await startDynamo();
  store = new DynamoBindingStore(dynamo.client, BINDINGS_TABLE);
});
afterAll(async () => {
  await dynamo.stop();
});

const set = (pods: number, waypoint = 'w'): BindingSet => ({
  services: [
    {
      namespace: 'ns',
      name: 'svc',
      waypoint: { namespace: 'ns', name: waypoint },
      canary: null,
      via: 'namespace',
      condition: null,
    },
  ],
  pods: Array.from({ length: pods }, (_, i) => ({
    namespace: 'ns',
    name: `pod-${i}-${randomBytes(12).toString('hex')}`,
    waypoint: null,
    via: 'pod' as const,
  })),
  namespaces: [{ namespace: 'ns', waypoint: null, via: null }],
});

async function chunkKeys(cluster: string): Promise<string[]> {
  const keys: string[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await dynamo.client.send(
      new QueryCommand({
        TableName: BINDINGS_TABLE,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :c)',
        ExpressionAttributeValues: { ':pk': { S: cluster }, ':c': { S: 'chunk#' } },
        ...(start === undefined ? {} : { ExclusiveStartKey: start }),
      }),
    );
    keys.push(...(page.Items ?? []).map((i) => i.sk?.S ?? ''));
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
  return keys;
}

const T = '2026-11-24T00:00:00.000Z';

/** Stages and commits `bindings` as the next generation after `expected`. */
async function put(
  cluster: string,
  namespace: string,
  bindings: BindingSet,
  expected: number,
): Promise<void> {
  const messages = [
    {
      id: `m${expected + 1}`,
      groupId: `${cluster}/${namespace}`,
      deduplicationId: `d${expected + 1}`,
      body: '{}',
    },
  ];
  await store.stage(
    cluster,
    namespace,
    { generation: expected + 1, bindings, messages, observedAt: T },
    expected,
  );
  await store.commit(cluster, namespace, expected);
}

describe('DynamoBindingStore', () => {
  it('stages, then commits generations, and loads the last one', async () => {
    expect(await store.load('c1', 'ns')).toBeNull();
    const first = set(3);
    await store.stage(
      'c1',
      'ns',
      { generation: 1, bindings: first, messages: [], observedAt: T },
      0,
    );
    expect(await store.load('c1', 'ns')).toEqual({
      generation: 0,
      bindings: { services: [], pods: [], namespaces: [] },
      pending: { generation: 1, bindings: first, messages: [], observedAt: T },
    });
    await store.commit('c1', 'ns', 0);
    expect(await store.load('c1', 'ns')).toEqual({ generation: 1, bindings: first, observedAt: T });
    const second = set(2, 'other');
    await put('c1', 'ns', second, 1);
    expect(await store.load('c1', 'ns')).toEqual({
      generation: 2,
      bindings: second,
      observedAt: T,
    });
  });

  it('refuses a stage or commit from a stale generation, or over a pending publication', async () => {
    await put('c2', 'ns', set(1), 0);
    await expect(
      store.stage('c2', 'ns', { generation: 1, bindings: set(1), messages: [], observedAt: T }, 0),
    ).rejects.toBeInstanceOf(ConflictError);
    await store.stage(
      'c2',
      'ns',
      { generation: 2, bindings: set(1), messages: [], observedAt: T },
      1,
    );
    await expect(
      store.stage('c2', 'ns', { generation: 2, bindings: set(1), messages: [], observedAt: T }, 1),
    ).rejects.toThrow(
      'bindings of c2/ns are at generation 1, not 1 (or another publication is pending): another reconcile got there first',
    );
    await expect(store.commit('c2', 'ns', 0)).rejects.toBeInstanceOf(ConflictError);
    await store.commit('c2', 'ns', 1);
    await expect(store.commit('c2', 'ns', 2)).rejects.toBeInstanceOf(ConflictError);
  });

  it('lets only one of two concurrent stages of a generation through', async () => {
    await put('c6', 'ns', set(1), 0);
    const stage = () =>
      store.stage('c6', 'ns', { generation: 2, bindings: set(1), messages: [], observedAt: T }, 1);
    const results = await Promise.allSettled([stage(), stage(), stage()]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected', 'rejected']);
    expect(
      results
        .filter((r) => r.status === 'rejected')
        .every((r) => (r as PromiseRejectedResult).reason instanceof ConflictError),
    ).toBe(true);
  });

  it("keeps the winner's chunks when a losing stage of the same generation writes its own later", async () => {
    await put('c9', 'ns', set(1), 0);
    // The loser reads the head before the winner stages, and its chunk writes arrive after the
    // winner's head points to its own chunks (a client whose chunk puts are slow).
    const slow = new DynamoDBClient({
      endpoint: await dynamo.client.config
        .endpoint?.()
        .then((e) => `${e.protocol}//${e.hostname}:${e.port}`),
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    slow.middlewareStack.add(
      (next) => async (args) => {
        const sk = (args.input as { Item?: { sk?: string | { S?: string } } }).Item?.sk;
        const key = typeof sk === 'string' ? sk : sk?.S;
        if (key?.startsWith('chunk#')) await new Promise((r) => setTimeout(r, 400));
        return next(args);
      },
      { step: 'initialize', name: 'slowChunks' },
    );
    const loserStore = new DynamoBindingStore(slow, BINDINGS_TABLE);
    const winner = { generation: 2, bindings: set(30_000, 'winner'), messages: [], observedAt: T };
    const loser = { generation: 2, bindings: set(30_000, 'loser'), messages: [], observedAt: T };
    const results = await Promise.allSettled([
      loserStore.stage('c9', 'ns', loser, 1),
      new Promise((r) => setTimeout(r, 100)).then(() => store.stage('c9', 'ns', winner, 1)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled']);
    await new Promise((r) => setTimeout(r, 1500));
    const stored = await store.load('c9', 'ns');
    expect(stored?.pending?.bindings.services[0]?.waypoint?.name).toBe('winner');
    expect(stored?.pending?.bindings).toEqual(winner.bindings);
    slow.destroy();
  });

  it('stores states and outboxes far over the 400 KB item limit in chunks, and drops old chunks', async () => {
    const big = set(40_000);
    expect(JSON.stringify(big).length).toBeGreaterThan(3_000_000);
    await store.stage('c3', 'ns', { generation: 1, bindings: big, messages: [], observedAt: T }, 0);
    expect((await chunkKeys('c3')).some((sk) => sk.startsWith('chunk#ns#pending#'))).toBe(true);
    await store.commit('c3', 'ns', 0);
    expect(await store.load('c3', 'ns')).toEqual({ generation: 1, bindings: big, observedAt: T });
    expect((await chunkKeys('c3')).length).toBeGreaterThan(1);
    expect(
      (await chunkKeys('c3')).every((sk) => sk.startsWith('chunk#ns#state#000000000001#')),
    ).toBe(true);
    const bigger = set(45_000);
    await put('c3', 'ns', bigger, 1);
    expect(await store.load('c3', 'ns')).toEqual({
      generation: 2,
      bindings: bigger,
      observedAt: T,
    });
    expect(
      (await chunkKeys('c3')).every((sk) => sk.startsWith('chunk#ns#state#000000000002#')),
    ).toBe(true);
    const small = set(1);
    await put('c3', 'ns', small, 2);
    expect(await store.load('c3', 'ns')).toEqual({ generation: 3, bindings: small, observedAt: T });
    expect(await chunkKeys('c3')).toEqual([]);
  });

  it('lists namespaces of a cluster, and keeps a deleted one as an empty state (its generations go on)', async () => {
    await put('c4', 'a', set(1), 0);
    await put('c4', 'b', set(1), 0);
    expect(await store.namespaces('c4')).toEqual(['a', 'b']);
    await put('c4', 'a', { services: [], pods: [], namespaces: [] }, 1);
    expect(await store.load('c4', 'a')).toEqual({
      generation: 2,
      bindings: { services: [], pods: [], namespaces: [] },
      observedAt: T,
    });
  });

  it('remembers where a sweep stopped', async () => {
    expect(await store.sweepCursor('c5')).toBeUndefined();
    await store.saveSweepCursor('c5', 'team-0042');
    expect(await store.sweepCursor('c5')).toBe('team-0042');
    await store.saveSweepCursor('c5', undefined);
    expect(await store.sweepCursor('c5')).toBeUndefined();
  });
});
