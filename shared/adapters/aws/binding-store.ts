/**
 * The BindingStore port on DynamoDB, with an outbox. One table, partition key `pk` = cluster, sort
 * key `sk`: `head#<namespace>` holds the committed generation, where its state is, and the pending
 * publication if any. States and pending publications are gzip'd JSON, inline in the head when
 * small, else in `chunk#<namespace>#<what>#<generation>#<write>#<i>` items of at most 300 KB
 * (DynamoDB items stop at 400 KB), `<write>` a random id of the one write. Chunks are written
 * before the head points to them; every head write is conditional on the generation, so
 * concurrent reconciles cannot both stage or commit, and the chunks of one that lost (written under
 * its own id) can never replace those the winner's head points to. Orphaned chunks go at the next
 * commit.
 */
import { randomUUID } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { type BindingSet, EMPTY_BINDINGS } from '../../domain/bindings.ts';
import { ConflictError } from '../../domain/errors.ts';
import type { BindingStore, Clock, PendingPublication, StoredBindings } from '../../ports.ts';
import { systemClock } from '../clock.ts';

/** Bytes of compressed data kept inline in the head item, and per chunk item. */
export const CHUNK_BYTES = 300_000;

/** Where a blob is: inline bytes, or `chunks` chunk items of the write `write`. */
interface BlobRef {
  readonly generation: number;
  readonly chunks: number;
  readonly data?: Uint8Array;
  /** The write's id in the chunk keys (absent in chunks written before it was added). */
  readonly write?: string;
}

interface Head {
  readonly pk: string;
  readonly sk: string;
  readonly generation: number;
  readonly observedAt?: string;
  readonly state?: BlobRef;
  readonly pending?: BlobRef;
  readonly updatedAt: string;
}

type Blob = 'state' | 'pending';

const head = (namespace: string): string => `head#${namespace}`;
const chunkPrefix = (namespace: string, blob: Blob, generation: number, write?: string): string =>
  `chunk#${namespace}#${blob}#${String(generation).padStart(12, '0')}#${write === undefined ? '' : `${write}#`}`;

/** The BindingStore on one DynamoDB table (see the module's description for its items). */
export class DynamoBindingStore implements BindingStore {
  readonly #db: DynamoDBDocumentClient;
  readonly #table: string;
  readonly #clock: Clock;

  /** `clock` stamps `updatedAt` on every head and cursor written (default: the system clock). */
  constructor(client: DynamoDBClient, table: string, options: { clock?: Clock } = {}) {
    this.#db = DynamoDBDocumentClient.from(client);
    this.#table = table;
    this.#clock = options.clock ?? systemClock;
  }

  async #head(cluster: string, namespace: string): Promise<Head | undefined> {
    const { Item } = await this.#db.send(
      new GetCommand({
        TableName: this.#table,
        Key: { pk: cluster, sk: head(namespace) },
        ConsistentRead: true,
      }),
    );
    return Item as Head | undefined;
  }

  async #read<T>(cluster: string, namespace: string, blob: Blob, ref: BlobRef): Promise<T> {
    let compressed: Uint8Array;
    if (ref.data !== undefined) {
      compressed = ref.data;
    } else {
      const parts: Uint8Array[] = [];
      for (let i = 0; i < ref.chunks; i++) {
        const sk = `${chunkPrefix(namespace, blob, ref.generation, ref.write)}${String(i).padStart(5, '0')}`;
        const { Item } = await this.#db.send(
          new GetCommand({
            TableName: this.#table,
            Key: { pk: cluster, sk },
            ConsistentRead: true,
          }),
        );
        if (Item === undefined)
          throw new Error(
            `${blob} of ${cluster}/${namespace} generation ${ref.generation} is missing chunk ${i}`,
          );
        parts.push(Item.data as Uint8Array);
      }
      compressed = Buffer.concat(parts);
    }
    return JSON.parse(gunzipSync(compressed).toString('utf8')) as T;
  }

  /** Writes a blob's chunks (when it does not fit inline) and returns where it is. */
  async #write(
    cluster: string,
    namespace: string,
    blob: Blob,
    generation: number,
    value: unknown,
  ): Promise<BlobRef> {
    const compressed = gzipSync(JSON.stringify(value));
    if (compressed.length <= CHUNK_BYTES) return { generation, chunks: 0, data: compressed };
    let chunks = 0;
    const write = randomUUID();
    for (let offset = 0; offset < compressed.length; offset += CHUNK_BYTES, chunks++) {
      const sk = `${chunkPrefix(namespace, blob, generation, write)}${String(chunks).padStart(5, '0')}`;
      await this.#db.send(
        new PutCommand({
          TableName: this.#table,
          Item: { pk: cluster, sk, data: compressed.subarray(offset, offset + CHUNK_BYTES) },
        }),
      );
    }
    return { generation, chunks, write };
  }

  async load(cluster: string, namespace: string): Promise<StoredBindings | null> {
    const item = await this.#head(cluster, namespace);
    if (item === undefined) return null;
    const bindings =
      item.state === undefined
        ? EMPTY_BINDINGS
        : await this.#read<BindingSet>(cluster, namespace, 'state', item.state);
    const pending =
      item.pending === undefined
        ? undefined
        : await this.#read<PendingPublication>(cluster, namespace, 'pending', item.pending);
    return {
      generation: item.generation,
      bindings,
      ...(item.observedAt === undefined ? {} : { observedAt: item.observedAt }),
      ...(pending === undefined ? {} : { pending }),
    };
  }

  async stage(
    cluster: string,
    namespace: string,
    pending: PendingPublication,
    expectedGeneration: number,
  ): Promise<void> {
    const current = await this.#head(cluster, namespace);
    if ((current?.generation ?? 0) !== expectedGeneration || current?.pending !== undefined) {
      throw this.#conflict(cluster, namespace, expectedGeneration, current?.generation ?? 0);
    }
    const ref = await this.#write(cluster, namespace, 'pending', pending.generation, pending);
    const item: Head = {
      pk: cluster,
      sk: head(namespace),
      generation: expectedGeneration,
      ...(current?.observedAt === undefined ? {} : { observedAt: current.observedAt }),
      ...(current?.state === undefined ? {} : { state: current.state }),
      pending: ref,
      updatedAt: this.#clock.now().toISOString(),
    };
    await this.#put(cluster, namespace, item, expectedGeneration, current !== undefined, true);
  }

  async commit(cluster: string, namespace: string, expectedGeneration: number): Promise<void> {
    const current = await this.#head(cluster, namespace);
    if (
      current === undefined ||
      current.generation !== expectedGeneration ||
      current.pending === undefined
    ) {
      throw this.#conflict(cluster, namespace, expectedGeneration, current?.generation ?? 0);
    }
    const pending = await this.#read<PendingPublication>(
      cluster,
      namespace,
      'pending',
      current.pending,
    );
    const state = await this.#write(
      cluster,
      namespace,
      'state',
      pending.generation,
      pending.bindings,
    );
    await this.#put(
      cluster,
      namespace,
      {
        pk: cluster,
        sk: head(namespace),
        generation: pending.generation,
        observedAt: pending.observedAt,
        state,
        updatedAt: this.#clock.now().toISOString(),
      },
      expectedGeneration,
      true,
    );
    const keep = chunkPrefix(namespace, 'state', pending.generation, state.write);
    await this.#drop(cluster, namespace, (sk) => !sk.startsWith(keep));
  }

  async observed(
    cluster: string,
    namespace: string,
    generation: number,
    observedAt: string,
  ): Promise<void> {
    try {
      await this.#db.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: { pk: cluster, sk: head(namespace) },
          UpdateExpression: 'SET observedAt = :at',
          ConditionExpression:
            'generation = :generation AND (attribute_not_exists(observedAt) OR observedAt < :at)',
          ExpressionAttributeValues: { ':at': observedAt, ':generation': generation },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async namespaces(cluster: string): Promise<string[]> {
    const names: string[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.#db.send(
        new QueryCommand({
          TableName: this.#table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :head)',
          ExpressionAttributeValues: { ':pk': cluster, ':head': 'head#' },
          ProjectionExpression: 'sk',
          ...(start === undefined ? {} : { ExclusiveStartKey: start }),
        }),
      );
      for (const item of page.Items ?? []) names.push(String(item.sk).slice('head#'.length));
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
    return names.sort();
  }

  async sweepCursor(cluster: string): Promise<string | undefined> {
    const { Item } = await this.#db.send(
      new GetCommand({
        TableName: this.#table,
        Key: { pk: cluster, sk: 'sweep' },
        ConsistentRead: true,
      }),
    );
    return typeof Item?.cursor === 'string' ? Item.cursor : undefined;
  }

  async saveSweepCursor(cluster: string, cursor: string | undefined): Promise<void> {
    if (cursor === undefined) {
      await this.#db.send(
        new DeleteCommand({ TableName: this.#table, Key: { pk: cluster, sk: 'sweep' } }),
      );
      return;
    }
    await this.#db.send(
      new PutCommand({
        TableName: this.#table,
        Item: { pk: cluster, sk: 'sweep', cursor, updatedAt: this.#clock.now().toISOString() },
      }),
    );
  }

  #conflict(cluster: string, namespace: string, expected: number, current: number): ConflictError {
    return new ConflictError(
      `bindings of ${cluster}/${namespace} are at generation ${current}, not ${expected} (or another publication is pending): another reconcile got there first`,
      { details: { expectedGeneration: expected, currentGeneration: current } },
    );
  }

  /**
   * Replaces the head if it is still at `expected` (or creates it when `exists` is false); with
   * `noPending`, only if no publication is pending either, so two reconciles cannot both stage.
   */
  #put(
    cluster: string,
    namespace: string,
    item: Head,
    expected: number,
    exists: boolean,
    noPending = false,
  ): Promise<void> {
    const condition = exists
      ? `generation = :expected${noPending ? ' AND attribute_not_exists(pending)' : ''}`
      : 'attribute_not_exists(pk)';
    return this.#guarded(cluster, namespace, expected, () =>
      this.#db.send(
        new PutCommand({
          TableName: this.#table,
          Item: item,
          ConditionExpression: condition,
          ...(exists ? { ExpressionAttributeValues: { ':expected': expected } } : {}),
        }),
      ),
    );
  }

  async #guarded(
    cluster: string,
    namespace: string,
    expected: number,
    write: () => Promise<unknown>,
  ): Promise<void> {
    try {
      await write();
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const current = (await this.#head(cluster, namespace))?.generation ?? 0;
      throw this.#conflict(cluster, namespace, expected, current);
    }
  }

  /** Deletes the chunk items `drop` selects (superseded states and published outboxes). */
  async #drop(cluster: string, namespace: string, drop: (sk: string) => boolean): Promise<void> {
    const stale: string[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      // A query reads at most 1 MB a page: chunk items are large, so page through them.
      const page = await this.#db.send(
        new QueryCommand({
          TableName: this.#table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': cluster, ':prefix': `chunk#${namespace}#` },
          ProjectionExpression: 'sk',
          ...(start === undefined ? {} : { ExclusiveStartKey: start }),
        }),
      );
      stale.push(...(page.Items ?? []).map((i) => String(i.sk)).filter(drop));
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
    for (let i = 0; i < stale.length; i += 25) {
      const batch = stale
        .slice(i, i + 25)
        .map((sk) => ({ DeleteRequest: { Key: { pk: cluster, sk } } }));
      await this.#db.send(new BatchWriteCommand({ RequestItems: { [this.#table]: batch } }));
    }
  }
}

/** The table's key definition (for the embedded stack and serverless.yml). */
export const BINDINGS_TABLE_KEYS = {
  AttributeDefinitions: [
    { AttributeName: 'pk', AttributeType: 'S' },
    { AttributeName: 'sk', AttributeType: 'S' },
  ],
  KeySchema: [
    { AttributeName: 'pk', KeyType: 'HASH' },
    { AttributeName: 'sk', KeyType: 'RANGE' },
  ],
} as const;
