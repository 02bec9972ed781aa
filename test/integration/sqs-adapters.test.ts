/**
 * The SQS adapters against the embedded SQS endpoint (real SQSClient); failed batch entries
 * through a stubbed client, a fault the endpoint does not make.
 */
import {
  CreateQueueCommand,
  ReceiveMessageCommand,
  type SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { SqsServer } from '@waypointer/sqs-endpoint';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqsChangePublisher, SqsReconcileQueue } from '../../shared/adapters/aws/sqs.ts';
import { UnavailableError } from '../../shared/domain/errors.ts';
import { bindingChangeMessages } from '../../shared/domain/message.ts';
import type { Clock } from '../../shared/ports.ts';

let server: SqsServer;
let client: SQSClient;
let endpoint: string;

function sqsClient(): SQSClient {
  return new SQSClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
  });
}

beforeAll(async () => {
  server = new SqsServer();
  endpoint = await server.start(0);
  client = sqsClient();
});
afterAll(async () => {
  client.destroy();
  await server.stop();
});

async function queue(name: string): Promise<string> {
  return (
    await client.send(
      new CreateQueueCommand({ QueueName: name, Attributes: { FifoQueue: 'true' } }),
    )
  ).QueueUrl as string;
}

async function drain(url: string): Promise<string[]> {
  const bodies: string[] = [];
  for (;;) {
    const { Messages = [] } = await client.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    if (Messages.length === 0) return bodies;
    bodies.push(...Messages.map((m) => m.Body as string));
    const { DeleteMessageBatchCommand } = await import('@aws-sdk/client-sqs');
    await client.send(
      new DeleteMessageBatchCommand({
        QueueUrl: url,
        Entries: Messages.map((m, i) => ({
          Id: `d${i}`,
          ReceiptHandle: m.ReceiptHandle as string,
        })),
      }),
    );
  }
}

const change = (i: number) => ({
  kind: 'Pod' as const,
  namespace: 'ns',
  name: `pod-${String(i).padStart(5, '0')}-${'x'.repeat(200)}`,
  traffic: 'workload' as const,
  before: null,
  after: {
    namespace: 'ns',
    name: `pod-${String(i).padStart(5, '0')}-${'x'.repeat(200)}`,
    waypoint: null,
    via: 'pod' as const,
  },
});

describe('SqsChangePublisher', () => {
  it('publishes a large change set as ordered chunks, and a re-publish adds nothing', async () => {
    const url = await queue('changes.fifo');
    const messages = bindingChangeMessages({
      cluster: 'c',
      namespace: 'ns',
      generation: 1,
      previousGeneration: 0,
      changes: Array.from({ length: 3000 }, (_, i) => change(i)),
      cause: { trigger: 'sweep', actor: null, auditIds: [] },
      source: 'urn:waypointer:cluster:c',
      time: '2026-11-24T00:00:00Z',
    });
    expect(messages.length).toBeGreaterThan(2);
    const publisher = new SqsChangePublisher(client, url);
    await publisher.publish(messages);
    await publisher.publish(messages);
    const received = (await drain(url)).map((b) => JSON.parse(b).data.chunk.index);
    expect(received).toEqual(messages.map((_, i) => i));
  });

  it('keeps a group in order when SQS fails an entry and not a later one of the same group', async () => {
    const url = await queue('order.fifo');
    // A real client whose first SendMessageBatch loses its first entry: the call answers 200 with
    // that entry in Failed and sends the others for real, as SQS may.
    const faulty = sqsClient();
    let faults = 1;
    faulty.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName !== 'SendMessageBatchCommand' || faults-- <= 0) return next(args);
        const input = args.input as { Entries: { Id: string }[] };
        const [lost, ...sent] = input.Entries;
        const failed = [
          { Id: lost?.Id, Code: 'InternalError', SenderFault: false, Message: 'injected' },
        ];
        if (sent.length === 0)
          return {
            output: { Successful: [], Failed: failed, $metadata: {} },
            response: {},
          } as never;
        const output = (await next({ ...args, input: { ...input, Entries: sent } as never })) as {
          output: { Failed?: unknown[] };
        };
        output.output.Failed = failed;
        return output as never;
      },
      { step: 'initialize' },
    );
    const messages = bindingChangeMessages({
      cluster: 'c',
      namespace: 'ns',
      generation: 1,
      previousGeneration: 0,
      changes: Array.from({ length: 3000 }, (_, i) => change(i)),
      cause: { trigger: 'sweep', actor: null, auditIds: [] },
      source: 'urn:waypointer:cluster:c',
      time: '2026-11-24T00:00:00Z',
    });
    const clock: Clock = { now: () => new Date(), sleep: async () => {} };
    await new SqsChangePublisher(faulty, url, { clock }).publish(messages);
    faulty.destroy();
    expect(faults).toBeLessThan(0);
    const received = (await drain(url)).map((b) => JSON.parse(b).data.chunk.index);
    expect(received).toEqual(messages.map((_, i) => i));
  });

  it('resends only the entries SQS failed, and gives up with UnavailableError', async () => {
    const calls: string[][] = [];
    let failures = 1;
    const flaky = {
      send: async (command: SendMessageBatchCommand) => {
        const entries = command.input.Entries ?? [];
        calls.push(entries.map((e) => e.Id as string));
        if (failures-- > 0)
          return {
            Successful: [{ Id: entries[0]?.Id }],
            Failed: entries.slice(1).map((e) => ({
              Id: e.Id,
              Code: 'InternalError',
              SenderFault: false,
              Message: 'try again',
            })),
          };
        return { Successful: entries.map((e) => ({ Id: e.Id })), Failed: [] };
      },
    } as unknown as SQSClient;
    const three = ['a', 'b', 'c'].map((id) => ({
      id,
      groupId: `g-${id}`,
      deduplicationId: id,
      body: '{}',
    }));
    const slept: number[] = [];
    const clock: Clock = {
      now: () => new Date('2026-11-24T00:00:00Z'),
      sleep: async (ms) => {
        slept.push(ms);
      },
    };
    await new SqsChangePublisher(flaky, 'http://q', { clock }).publish(three);
    expect(calls).toEqual([
      ['m0', 'm1', 'm2'],
      ['m1', 'm2'],
    ]);
    // One backoff, on the injected clock.
    expect(slept).toEqual([200]);
    const broken = {
      send: async (command: SendMessageBatchCommand) => ({
        Successful: [],
        Failed: (command.input.Entries ?? []).map((e) => ({
          Id: e.Id,
          Code: 'InternalError',
          SenderFault: false,
          Message: 'down',
        })),
      }),
    } as unknown as SQSClient;
    await expect(
      new SqsChangePublisher(broken, 'http://q', { clock, attempts: 3 }).publish(three),
    ).rejects.toThrow(
      new UnavailableError('SQS kept failing 3 message(s) to http://q after 3 attempts'),
    );
    expect(slept).toEqual([200, 200, 400]);
  });
});

describe('SqsReconcileQueue', () => {
  it('enqueues one message per namespace in its group, and drops a replay of the same audit events', async () => {
    const url = await queue('requests.fifo');
    const reconcileQueue = new SqsReconcileQueue(client, url);
    const requests = [
      {
        cluster: 'c',
        namespace: 'a',
        trigger: 'audit' as const,
        actor: 'alice',
        auditIds: ['1', '2'],
      },
      { cluster: 'c', namespace: 'b', trigger: 'audit' as const, actor: 'alice', auditIds: ['3'] },
    ];
    await reconcileQueue.enqueue(requests);
    await reconcileQueue.enqueue(requests);
    expect((await drain(url)).map((b) => JSON.parse(b).namespace).sort()).toEqual(['a', 'b']);
  });

  it('tells requests without audit ids apart by the clock: same instant deduplicated, later one kept', async () => {
    const url = await queue('sweeps.fifo');
    let now = new Date('2026-11-24T00:00:00Z');
    const clock: Clock = { now: () => now, sleep: async () => {} };
    const reconcileQueue = new SqsReconcileQueue(client, url, { clock });
    const sweep = { cluster: 'c', namespace: 'a', trigger: 'sweep' as const, actor: null };
    await reconcileQueue.enqueue([{ ...sweep, auditIds: [] }]);
    await reconcileQueue.enqueue([{ ...sweep, auditIds: [] }]);
    now = new Date('2026-11-24T00:00:01Z');
    await reconcileQueue.enqueue([{ ...sweep, auditIds: [] }]);
    expect(await drain(url)).toHaveLength(2);
  });

  it('sends more than one SendMessageBatch worth of requests, every one of them', async () => {
    const url = await queue('many.fifo');
    const requests = Array.from({ length: 23 }, (_, i) => ({
      cluster: 'c',
      namespace: `ns-${String(i).padStart(2, '0')}`,
      trigger: 'audit' as const,
      actor: null,
      auditIds: [`id-${i}`],
    }));
    await new SqsReconcileQueue(client, url).enqueue(requests);
    expect((await drain(url)).map((b) => JSON.parse(b).namespace).sort()).toEqual(
      requests.map((r) => r.namespace),
    );
  });
});
