/**
 * The embedded DynamoDB: dynalite (an implementation of DynamoDB's API on LevelDB, in memory here)
 * on loopback, with waypointer's table.
 */
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
// @ts-expect-error dynalite ships no types
import dynalite from 'dynalite';
import { BINDINGS_TABLE_KEYS } from '../../../../shared/adapters/aws/binding-store.ts';

export const BINDINGS_TABLE = 'waypointer-bindings';

export interface LocalDynamo {
  readonly endpoint: string;
  readonly client: DynamoDBClient;
  stop(): Promise<void>;
}

interface Listening {
  listen(port: number, host: string, done: () => void): void;
  address(): AddressInfo;
  close(done: () => void): void;
}

/** Starts dynalite and creates the bindings table. */
export async function startDynamo(port = 0): Promise<LocalDynamo> {
  const server = (dynalite as (options: object) => Listening)({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  const endpoint = `http://127.0.0.1:${server.address().port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await client.send(
    new CreateTableCommand({
      TableName: BINDINGS_TABLE,
      BillingMode: 'PAY_PER_REQUEST',
      ...BINDINGS_TABLE_KEYS,
    } as never),
  );
  return {
    endpoint,
    client,
    stop: async () => {
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
