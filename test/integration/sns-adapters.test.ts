/**
 * The SNS change publisher against the embedded SNS endpoint (real SNSClient, query protocol)
 * fanning out to the embedded SQS endpoint (real SQSClient); failed batch entries through a
 * stubbed client, a fault the endpoint does not make.
 */
import {
  CreateTopicCommand,
  type PublishBatchCommand,
  SNSClient,
  SubscribeCommand,
} from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { SnsServer } from '@waypointer/sns-endpoint';
import { SqsServer } from '@waypointer/sqs-endpoint';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PUBLISH_BATCH_MAX_BYTES, SnsChangePublisher } from '../../shared/adapters/aws/sns.ts';
import { UnavailableError, ValidationError } from '../../shared/domain/errors.ts';
import { bindingChangeMessages } from '../../shared/domain/message.ts';
import type { Clock } from '../../shared/ports.ts';

const credentials = { accessKeyId: 'a', secretAccessKey: 'b' };
let sqsServer: SqsServer;
let snsServer: SnsServer;
let sqs: SQSClient;
let sns: SNSClient;
const batches: { entries: number; bytes: number }[] = [];

beforeAll(async () => {
  sqsServer = new SqsServer();
  sqs = new SQSClient({ endpoint: await sqsServer.start(0), region: 'us-east-1', credentials });
  snsServer = new SnsServer({ sqs: sqsServer.service });
  sns = new SNSClient({ endpoint: await snsServer.start(0), region: 'us-east-1', credentials });
  sns.middlewareStack.add(
    (next) => async (args) => {
      const input = args.input as PublishBatchCommand['input'];
      const entries = input.PublishBatchRequestEntries ?? [];
      batches.push({
        entries: entries.length,
        bytes: entries.reduce((sum, e) => sum + Buffer.byteLength(e.Message ?? ''), 0),
      });
      return next(args);
    },
    { step: 'initialize', name: 'recordBatches' },
  );
});
afterAll(async () => {
  sns.destroy();
  sqs.destroy();
  await snsServer.stop();
  await sqsServer.stop();
});

/** A FIFO topic with two consumers' FIFO queues subscribed, raw. */
async function fanOut(name: string): Promise<{ topicArn: string; queues: string[] }> {
  const { TopicArn } = await sns.send(
    new CreateTopicCommand({
      Name: `${name}.fifo`,
      Attributes: { FifoTopic: 'true', ContentBasedDeduplication: 'false' },
    }),
  );
  const queues: string[] = [];
  for (const consumer of ['audit-trail', 'gitops']) {
    const queueName = `${name}-${consumer}.fifo`;
    const { QueueUrl } = await sqs.send(
      new CreateQueueCommand({ QueueName: queueName, Attributes: { FifoQueue: 'true' } }),
    );
    queues.push(QueueUrl as string);
    await sns.send(
      new SubscribeCommand({
        TopicArn,
        Protocol: 'sqs',
        Endpoint: sqsServer.service.queueArn(queueName),
        Attributes: { RawMessageDelivery: 'true' },
      }),
    );
  }
  return { topicArn: TopicArn as string, queues };
}

async function drain(url: string): Promise<Message[]> {
  const all: Message[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: 10,
        MessageSystemAttributeNames: ['All'],
      }),
    );
    if (Messages.length === 0) return all;
    all.push(...Messages);
    await sqs.send(
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

const change = (i: number, namespace = 'ns') => ({
  kind: 'Pod' as const,
  namespace,
  name: `pod-${String(i).padStart(5, '0')}-${'x'.repeat(200)}`,
  traffic: 'workload' as const,
  before: null,
  after: {
    namespace,
    name: `pod-${String(i).padStart(5, '0')}-${'x'.repeat(200)}`,
    waypoint: null,
    via: 'pod' as const,
  },
});

const messagesOf = (count: number, generation = 1, namespace = 'ns') =>
  bindingChangeMessages({
    cluster: 'c',
    namespace,
    generation,
    previousGeneration: generation - 1,
    changes: Array.from({ length: count }, (_, i) => change(i, namespace)),
    cause: { trigger: 'sweep', actor: null, auditIds: [] },
    source: 'urn:waypointer:cluster:c',
    time: '2026-11-24T00:00:00Z',
  });

describe('SnsChangePublisher', () => {
  it('publishes a large change set as ordered chunks to every consumer, and a re-publish adds nothing', async () => {
    const { topicArn, queues } = await fanOut('large');
    const messages = messagesOf(3000);
    expect(messages.length).toBeGreaterThan(2);
    batches.length = 0;
    const publisher = new SnsChangePublisher(sns, topicArn);
    await publisher.publish(messages);
    await publisher.publish(messages);
    // Each PublishBatch within SNS's limits: 10 entries, 256 KiB of messages.
    expect(batches.length).toBeGreaterThanOrEqual(2 * messages.length);
    for (const batch of batches) {
      expect(batch.entries).toBeLessThanOrEqual(10);
      expect(batch.bytes).toBeLessThanOrEqual(PUBLISH_BATCH_MAX_BYTES);
    }
    for (const queue of queues) {
      const received = await drain(queue);
      expect(received.map((m) => m.Body)).toEqual(messages.map((m) => m.body));
      expect(received.map((m) => m.Attributes?.MessageDeduplicationId)).toEqual(
        messages.map((m) => m.deduplicationId),
      );
      expect(new Set(received.map((m) => m.Attributes?.MessageGroupId))).toEqual(new Set(['c/ns']));
    }
  });

  it('puts up to 10 small messages of different namespaces in one PublishBatch, in order', async () => {
    const { topicArn, queues } = await fanOut('small');
    const messages = Array.from({ length: 12 }, (_, g) => messagesOf(1, g + 1, `ns-${g}`)).flat();
    batches.length = 0;
    await new SnsChangePublisher(sns, topicArn).publish(messages);
    expect(batches.map((b) => b.entries)).toEqual([10, 2]);
    for (const queue of queues)
      expect((await drain(queue)).map((m) => JSON.parse(m.Body as string).data.generation)).toEqual(
        messages.map((_, i) => i + 1),
      );
  });

  it('puts one message of a namespace in a PublishBatch, so a resent entry cannot overtake', async () => {
    const { topicArn } = await fanOut('one-group');
    batches.length = 0;
    await new SnsChangePublisher(sns, topicArn).publish(
      [1, 2, 3].flatMap((generation) => messagesOf(1, generation)),
    );
    expect(batches.map((b) => b.entries)).toEqual([1, 1, 1]);
  });

  it('refuses a message over 256 KiB before sending anything', async () => {
    const big = { id: 'big', groupId: 'g', deduplicationId: 'big', body: 'x'.repeat(262_145) };
    batches.length = 0;
    await expect(
      new SnsChangePublisher(sns, 'arn:aws:sns:us-east-1:000000000000:t.fifo').publish([big]),
    ).rejects.toThrow(new ValidationError('message big is 262145 bytes, over 262144 bytes'));
    expect(batches).toEqual([]);
  });

  it('fails on a topic that does not exist, with the SDK’s NotFoundException', async () => {
    await expect(
      new SnsChangePublisher(sns, 'arn:aws:sns:us-east-1:000000000000:gone.fifo').publish(
        messagesOf(1),
      ),
    ).rejects.toMatchObject({ name: 'NotFoundException' });
  });

  const three = ['a', 'b', 'c'].map((id) => ({
    id,
    groupId: `g-${id}`,
    deduplicationId: id,
    body: '{}',
  }));

  it('resends only the entries SNS failed, and gives up with UnavailableError', async () => {
    const calls: string[][] = [];
    let failures = 1;
    const flaky = {
      send: async (command: PublishBatchCommand) => {
        const entries = command.input.PublishBatchRequestEntries ?? [];
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
    } as unknown as SNSClient;
    const slept: number[] = [];
    const clock: Clock = {
      now: () => new Date('2026-11-24T00:00:00Z'),
      sleep: async (ms) => {
        slept.push(ms);
      },
    };
    await new SnsChangePublisher(flaky, 'arn:t.fifo', { clock }).publish(three);
    expect(calls).toEqual([
      ['m0', 'm1', 'm2'],
      ['m1', 'm2'],
    ]);
    expect(slept).toEqual([200]);
    const broken = {
      send: async (command: PublishBatchCommand) => ({
        Successful: [],
        Failed: (command.input.PublishBatchRequestEntries ?? []).map((e) => ({
          Id: e.Id,
          Code: 'InternalError',
          SenderFault: false,
          Message: 'down',
        })),
      }),
    } as unknown as SNSClient;
    await expect(
      new SnsChangePublisher(broken, 'arn:t.fifo', { clock, attempts: 3 }).publish(three),
    ).rejects.toThrow(
      new UnavailableError('SNS kept failing 3 message(s) to arn:t.fifo after 3 attempts'),
    );
    expect(slept).toEqual([200, 200, 400]);
  });

  it('fails at once, naming the entries, when SNS says the sender is at fault', async () => {
    let calls = 0;
    const refusing = {
      send: async (command: PublishBatchCommand) => {
        calls++;
        const [first, ...rest] = command.input.PublishBatchRequestEntries ?? [];
        return {
          Successful: rest.map((e) => ({ Id: e.Id })),
          Failed: [
            {
              Id: first?.Id,
              Code: 'InvalidParameter',
              SenderFault: true,
              Message: 'Message too long',
            },
          ],
        };
      },
    } as unknown as SNSClient;
    await expect(new SnsChangePublisher(refusing, 'arn:t.fifo').publish(three)).rejects.toThrow(
      new UnavailableError(
        'SNS refused 1 message(s) to arn:t.fifo: InvalidParameter: Message too long',
      ),
    );
    expect(calls).toBe(1);
  });
});
