/**
 * The embedded SQS endpoint through the real `@aws-sdk/client-sqs` (AWS JSON 1.0 protocol):
 * queues, FIFO ordering and group blocking, deduplication, visibility, redrive, long polling and
 * the errors the SDK names. Time-dependent behaviour runs on an injected clock.
 */
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  type Message,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  type ReceiveMessageCommandInput,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { md5OfBody, md5OfMessageAttributes } from '../src/attributes.ts';
import { SqsServer } from '../src/server.ts';

let offset = 0;
const advance = (seconds: number): void => {
  offset += seconds * 1000;
};
const server = new SqsServer({ now: () => Date.now() + offset });
let sqs: SQSClient;
let endpoint: string;

const client = (url: string): SQSClient =>
  new SQSClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts: 1,
  });

beforeAll(async () => {
  endpoint = await server.start();
  sqs = client(endpoint);
});
afterAll(async () => {
  sqs.destroy();
  await server.stop();
});

let counter = 0;
const unique = (name: string): string => `${name}-${++counter}`;

async function fifoQueue(name: string, attributes: Record<string, string> = {}): Promise<string> {
  const out = await sqs.send(
    new CreateQueueCommand({
      QueueName: `${unique(name)}.fifo`,
      Attributes: { FifoQueue: 'true', ...attributes },
    }),
  );
  return out.QueueUrl as string;
}

async function standardQueue(
  name: string,
  attributes: Record<string, string> = {},
): Promise<string> {
  const out = await sqs.send(
    new CreateQueueCommand({ QueueName: unique(name), Attributes: attributes }),
  );
  return out.QueueUrl as string;
}

async function receive(
  QueueUrl: string,
  input: Omit<ReceiveMessageCommandInput, 'QueueUrl'> = {},
): Promise<Message[]> {
  const out = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl, MessageSystemAttributeNames: ['All'], ...input }),
  );
  return out.Messages ?? [];
}

async function attributes(QueueUrl: string): Promise<Record<string, string>> {
  const out = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }));
  return out.Attributes ?? {};
}

async function failure(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error('expected the request to fail');
}

const sendTo = (QueueUrl: string, MessageBody: string, group?: string, dedup?: string) =>
  sqs.send(
    new SendMessageCommand({
      QueueUrl,
      MessageBody,
      ...(group !== undefined ? { MessageGroupId: group } : {}),
      ...(dedup !== undefined ? { MessageDeduplicationId: dedup } : {}),
    }),
  );

describe('message digests', () => {
  it('computes MD5OfMessageAttributes with the documented algorithm', () => {
    // Vectors published with the aws-md5-of-message-attributes package.
    expect(
      md5OfMessageAttributes({ attribName1: { DataType: 'String', StringValue: 'attribValue 1' } }),
    ).toBe('19e27d4e946b072f3f58da80d94fd778');
    const number = {
      DataType: 'Number.float',
      StringValue: '4563442423554324324264524243.32543234',
    };
    expect(md5OfMessageAttributes({ customNumberTypeAttrib: number })).toBe(
      '9fe1b90bbd9965bdf77bac517c7d2495',
    );
    const binary = {
      DataType: 'Binary',
      BinaryValue: Buffer.from('Hello binary world!').toString('base64'),
    };
    expect(md5OfMessageAttributes({ binaryAttribute: binary })).toBe(
      '31a92b15d92f8db860eda32aceb656c3',
    );
    expect(
      md5OfMessageAttributes({
        attribName1: { DataType: 'String', StringValue: 'attribValue 1' },
        customNumberTypeAttrib: number,
        binaryAttribute: binary,
      }),
    ).toBe('c932db14a896c663f83c260297d594ff');
    expect(md5OfMessageAttributes({})).toBeUndefined();
  });
});

describe('queues', () => {
  it('creates a FIFO queue with a dead-letter queue and reports its attributes', async () => {
    const dlqUrl = await fifoQueue('orders-dlq');
    const dlqArn = (await attributes(dlqUrl)).QueueArn as string;
    const name = `${unique('orders')}.fifo`;
    const settings = {
      FifoQueue: 'true',
      ContentBasedDeduplication: 'true',
      VisibilityTimeout: '45',
      MessageRetentionPeriod: '86400',
      ReceiveMessageWaitTimeSeconds: '2',
      MaximumMessageSize: '2048',
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: '3' }),
    };
    const { QueueUrl } = await sqs.send(
      new CreateQueueCommand({ QueueName: name, Attributes: settings }),
    );
    expect(QueueUrl).toBe(`${endpoint}/000000000000/${name}`);
    expect(server.queueUrl(name)).toBe(QueueUrl);
    const all = await attributes(QueueUrl as string);
    expect(all).toMatchObject({
      QueueArn: `arn:aws:sqs:us-east-1:000000000000:${name}`,
      FifoQueue: 'true',
      ContentBasedDeduplication: 'true',
      VisibilityTimeout: '45',
      MessageRetentionPeriod: '86400',
      ReceiveMessageWaitTimeSeconds: '2',
      MaximumMessageSize: '2048',
      ApproximateNumberOfMessages: '0',
      ApproximateNumberOfMessagesNotVisible: '0',
      DeduplicationScope: 'queue',
    });
    expect(JSON.parse(all.RedrivePolicy as string)).toEqual({
      deadLetterTargetArn: dlqArn,
      maxReceiveCount: 3,
    });
    const named = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn', 'FifoQueue'] }),
    );
    expect(named.Attributes).toEqual({ QueueArn: server.queueArn(name), FifoQueue: 'true' });

    // Same name and attributes: the same queue. A different value: QueueNameExists.
    const again = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: settings }));
    expect(again.QueueUrl).toBe(QueueUrl);
    const clash = await failure(
      sqs.send(
        new CreateQueueCommand({
          QueueName: name,
          Attributes: { ...settings, VisibilityTimeout: '10' },
        }),
      ),
    );
    expect(clash.name).toBe('QueueNameExists');
    expect((await sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl).toBe(QueueUrl);
    const listed = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: name }));
    expect(listed.QueueUrls).toEqual([QueueUrl]);
  });

  it('rejects FIFO names without .fifo, bad attributes and bad redrive targets', async () => {
    const noSuffix = await failure(
      sqs.send(new CreateQueueCommand({ QueueName: 'plain', Attributes: { FifoQueue: 'true' } })),
    );
    expect(noSuffix.name).toBe('InvalidParameterValue');
    const suffixOnly = await failure(sqs.send(new CreateQueueCommand({ QueueName: 'x.fifo' })));
    expect(suffixOnly.name).toBe('InvalidParameterValue');
    const range = await failure(
      sqs.send(
        new CreateQueueCommand({ QueueName: 'q', Attributes: { VisibilityTimeout: '43201' } }),
      ),
    );
    expect(range.name).toBe('InvalidAttributeValue');
    const fifoOnly = await failure(
      sqs.send(
        new CreateQueueCommand({
          QueueName: 'q',
          Attributes: { ContentBasedDeduplication: 'true' },
        }),
      ),
    );
    expect(fifoOnly.name).toBe('InvalidAttributeName');
    const missingDlq = await failure(
      sqs.send(
        new CreateQueueCommand({
          QueueName: 'q',
          Attributes: {
            RedrivePolicy: JSON.stringify({
              deadLetterTargetArn: 'arn:aws:sqs:us-east-1:000000000000:nope',
              maxReceiveCount: 1,
            }),
          },
        }),
      ),
    );
    expect(missingDlq.name).toBe('InvalidParameterValue');
    expect(missingDlq.message).toContain('Dead letter target does not exist');
  });
});

describe('messages', () => {
  it('sends, receives and deletes with message attributes and their digests', async () => {
    const QueueUrl = await standardQueue('plain');
    const MessageAttributes = {
      kind: { DataType: 'String', StringValue: 'binding' },
      count: { DataType: 'Number', StringValue: '3' },
      raw: { DataType: 'Binary', BinaryValue: new Uint8Array([1, 2, 3]) },
    };
    const sent = await sqs.send(
      new SendMessageCommand({ QueueUrl, MessageBody: '{"a":1} ☃', MessageAttributes }),
    );
    expect(sent.MD5OfMessageBody).toBe(md5OfBody('{"a":1} ☃'));
    const base64 = {
      ...MessageAttributes,
      raw: { DataType: 'Binary', BinaryValue: Buffer.from([1, 2, 3]).toString('base64') },
    };
    expect(sent.MD5OfMessageAttributes).toBe(md5OfMessageAttributes(base64));
    expect(sent.SequenceNumber).toBeUndefined();

    const [message] = await receive(QueueUrl, { MessageAttributeNames: ['All'] });
    expect(message?.MessageId).toBe(sent.MessageId);
    expect(message?.Body).toBe('{"a":1} ☃');
    expect(message?.MD5OfMessageAttributes).toBe(sent.MD5OfMessageAttributes);
    expect(message?.MessageAttributes?.count).toEqual({ DataType: 'Number', StringValue: '3' });
    expect(message?.MessageAttributes?.raw?.BinaryValue).toEqual(new Uint8Array([1, 2, 3]));
    expect(message?.Attributes).toMatchObject({ ApproximateReceiveCount: '1' });
    expect(Number(message?.Attributes?.SentTimestamp)).toBeGreaterThan(0);
    expect(await attributes(QueueUrl)).toMatchObject({
      ApproximateNumberOfMessages: '0',
      ApproximateNumberOfMessagesNotVisible: '1',
    });

    await sqs.send(
      new DeleteMessageCommand({ QueueUrl, ReceiptHandle: message?.ReceiptHandle as string }),
    );
    expect(await attributes(QueueUrl)).toMatchObject({
      ApproximateNumberOfMessages: '0',
      ApproximateNumberOfMessagesNotVisible: '0',
    });
  });

  it('selects message attributes by name and prefix', async () => {
    const QueueUrl = await standardQueue('select');
    await sqs.send(
      new SendMessageCommand({
        QueueUrl,
        MessageBody: 'x',
        MessageAttributes: {
          'trace.id': { DataType: 'String', StringValue: '1' },
          'trace.span': { DataType: 'String', StringValue: '2' },
          other: { DataType: 'String', StringValue: '3' },
        },
      }),
    );
    const [message] = await receive(QueueUrl, { MessageAttributeNames: ['trace.*'] });
    expect(Object.keys(message?.MessageAttributes ?? {}).sort()).toEqual([
      'trace.id',
      'trace.span',
    ]);
    expect(message?.MD5OfMessageAttributes).toBe(
      md5OfMessageAttributes({
        'trace.id': { DataType: 'String', StringValue: '1' },
        'trace.span': { DataType: 'String', StringValue: '2' },
      }),
    );
  });

  it('sends a batch with per-entry success and failure', async () => {
    const QueueUrl = await fifoQueue('batch', { MaximumMessageSize: '1024' });
    const out = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl,
        Entries: [
          { Id: 'ok-1', MessageBody: 'one', MessageGroupId: 'g', MessageDeduplicationId: '1' },
          { Id: 'no-group', MessageBody: 'two', MessageDeduplicationId: '2' },
          { Id: 'ok-2', MessageBody: 'three', MessageGroupId: 'g', MessageDeduplicationId: '3' },
          { Id: 'no-dedup', MessageBody: 'four', MessageGroupId: 'g' },
          {
            Id: 'too-big',
            MessageBody: 'x'.repeat(1025),
            MessageGroupId: 'g',
            MessageDeduplicationId: '5',
          },
        ],
      }),
    );
    expect(out.Successful?.map((s) => s.Id)).toEqual(['ok-1', 'ok-2']);
    for (const entry of out.Successful ?? []) {
      expect(entry.MD5OfMessageBody).toMatch(/^[0-9a-f]{32}$/);
      expect(entry.SequenceNumber).toMatch(/^\d{20,}$/);
    }
    expect(out.Failed).toEqual([
      {
        Id: 'no-group',
        SenderFault: true,
        Code: 'MissingParameter',
        Message: 'The request must contain the parameter MessageGroupId.',
      },
      expect.objectContaining({ Id: 'no-dedup', Code: 'InvalidParameterValue' }),
      expect.objectContaining({
        Id: 'too-big',
        SenderFault: true,
        Code: 'InvalidParameterValue',
        Message: expect.stringContaining('Message must be shorter than 1024 bytes'),
      }),
    ]);
    const messages = await receive(QueueUrl, { MaxNumberOfMessages: 10 });
    expect(messages.map((m) => m.Body)).toEqual(['one', 'three']);
  });

  it('deletes in batches and reports bad receipt handles per entry', async () => {
    const QueueUrl = await standardQueue('delete-batch');
    await sendTo(QueueUrl, 'a');
    await sendTo(QueueUrl, 'b');
    const messages = await receive(QueueUrl, { MaxNumberOfMessages: 10 });
    const out = await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl,
        Entries: [
          ...messages.map((m, i) => ({ Id: `m${i}`, ReceiptHandle: m.ReceiptHandle as string })),
          { Id: 'bad', ReceiptHandle: 'not-a-handle' },
        ],
      }),
    );
    expect(out.Successful?.map((s) => s.Id)).toEqual(['m0', 'm1']);
    expect(out.Failed).toEqual([
      expect.objectContaining({ Id: 'bad', Code: 'ReceiptHandleIsInvalid', SenderFault: true }),
    ]);
    expect((await attributes(QueueUrl)).ApproximateNumberOfMessagesNotVisible).toBe('0');
  });

  it('purges a queue once a minute', async () => {
    const QueueUrl = await standardQueue('purge');
    await sendTo(QueueUrl, 'a');
    await sqs.send(new PurgeQueueCommand({ QueueUrl }));
    expect((await attributes(QueueUrl)).ApproximateNumberOfMessages).toBe('0');
    const again = await failure(sqs.send(new PurgeQueueCommand({ QueueUrl })));
    expect(again.name).toBe('PurgeQueueInProgress');
    advance(61);
    await sqs.send(new PurgeQueueCommand({ QueueUrl }));
  });
});

describe('FIFO', () => {
  it('delivers each group in order and holds a group while a message of it is in flight', async () => {
    const QueueUrl = await fifoQueue('groups', { ContentBasedDeduplication: 'true' });
    await sendTo(QueueUrl, 'a1', 'a');
    await sendTo(QueueUrl, 'a2', 'a');
    await sendTo(QueueUrl, 'b1', 'b');
    await sendTo(QueueUrl, 'a3', 'a');

    const [first] = await receive(QueueUrl);
    expect(first?.Body).toBe('a1');
    expect(first?.Attributes?.MessageGroupId).toBe('a');
    // a1 is in flight: group a is held, group b is not.
    expect((await receive(QueueUrl, { MaxNumberOfMessages: 10 })).map((m) => m.Body)).toEqual([
      'b1',
    ]);
    expect(await receive(QueueUrl, { MaxNumberOfMessages: 10 })).toEqual([]);

    await sqs.send(
      new DeleteMessageCommand({ QueueUrl, ReceiptHandle: first?.ReceiptHandle as string }),
    );
    // One receive may return several messages of a group, in order.
    expect((await receive(QueueUrl, { MaxNumberOfMessages: 10 })).map((m) => m.Body)).toEqual([
      'a2',
      'a3',
    ]);
  });

  it('returns a visible message to the head of its group when its visibility timeout ends', async () => {
    const QueueUrl = await fifoQueue('visibility', { ContentBasedDeduplication: 'true' });
    await sendTo(QueueUrl, 'first', 'g');
    await sendTo(QueueUrl, 'second', 'g');
    const [first] = await receive(QueueUrl, { VisibilityTimeout: 30 });
    expect(first?.Body).toBe('first');
    advance(29);
    expect(await receive(QueueUrl)).toEqual([]);
    advance(2);
    const [again] = await receive(QueueUrl);
    expect(again?.Body).toBe('first');
    expect(again?.MessageId).toBe(first?.MessageId);
    expect(again?.Attributes?.ApproximateReceiveCount).toBe('2');
    expect(again?.Attributes?.ApproximateFirstReceiveTimestamp).toBe(
      first?.Attributes?.ApproximateFirstReceiveTimestamp,
    );
    // The first receipt handle is outdated: deleting with it deletes nothing.
    await sqs.send(
      new DeleteMessageCommand({ QueueUrl, ReceiptHandle: first?.ReceiptHandle as string }),
    );
    expect((await attributes(QueueUrl)).ApproximateNumberOfMessagesNotVisible).toBe('1');
  });

  it('deduplicates by MessageDeduplicationId for 5 minutes, also after delete', async () => {
    const QueueUrl = await fifoQueue('dedup');
    const original = await sendTo(QueueUrl, 'payload', 'g', 'dedup-1');
    expect(original.SequenceNumber).toMatch(/^\d{20}$/);
    const duplicate = await sendTo(QueueUrl, 'other payload', 'g', 'dedup-1');
    expect(duplicate.MessageId).toBe(original.MessageId);
    expect(duplicate.SequenceNumber).toBe(original.SequenceNumber);
    expect(duplicate.MD5OfMessageBody).toBe(md5OfBody('other payload'));
    expect((await attributes(QueueUrl)).ApproximateNumberOfMessages).toBe('1');

    const [message] = await receive(QueueUrl);
    expect(message?.Attributes?.MessageDeduplicationId).toBe('dedup-1');
    expect(message?.Attributes?.SequenceNumber).toBe(original.SequenceNumber);
    await sqs.send(
      new DeleteMessageCommand({ QueueUrl, ReceiptHandle: message?.ReceiptHandle as string }),
    );
    advance(4 * 60 + 59);
    expect((await sendTo(QueueUrl, 'payload', 'g', 'dedup-1')).MessageId).toBe(original.MessageId);
    expect(await receive(QueueUrl)).toEqual([]);

    advance(2);
    const fresh = await sendTo(QueueUrl, 'payload', 'g', 'dedup-1');
    expect(fresh.MessageId).not.toBe(original.MessageId);
    expect(BigInt(fresh.SequenceNumber as string)).toBeGreaterThan(
      BigInt(original.SequenceNumber as string),
    );
    expect((await receive(QueueUrl)).map((m) => m.MessageId)).toEqual([fresh.MessageId]);
  });

  it('deduplicates by the SHA-256 of the body with ContentBasedDeduplication', async () => {
    const QueueUrl = await fifoQueue('content', { ContentBasedDeduplication: 'true' });
    const first = await sendTo(QueueUrl, 'same body', 'g1');
    const second = await sendTo(QueueUrl, 'same body', 'g2');
    expect(second.MessageId).toBe(first.MessageId);
    const other = await sendTo(QueueUrl, 'other body', 'g1');
    expect(other.MessageId).not.toBe(first.MessageId);
    // An explicit id overrides the content hash.
    const explicit = await sendTo(QueueUrl, 'same body', 'g1', 'explicit');
    expect(explicit.MessageId).not.toBe(first.MessageId);
    expect((await receive(QueueUrl, { MaxNumberOfMessages: 10 })).map((m) => m.Body)).toEqual([
      'same body',
      'other body',
      'same body',
    ]);
    advance(301);
    const later = await sendTo(QueueUrl, 'same body', 'g1');
    expect(later.MessageId).not.toBe(first.MessageId);
  });

  it('moves a message to the DLQ after maxReceiveCount receives, keeping its group', async () => {
    const dlqUrl = await fifoQueue('redrive-dlq');
    const dlqArn = (await attributes(dlqUrl)).QueueArn as string;
    const QueueUrl = await fifoQueue('redrive', {
      ContentBasedDeduplication: 'true',
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 2 }),
    });
    const poison = await sendTo(QueueUrl, 'poison', 'g');
    await sendTo(QueueUrl, 'next', 'g');
    for (let i = 1; i <= 2; i++) {
      const [m] = await receive(QueueUrl, { VisibilityTimeout: 10 });
      expect(m?.Body).toBe('poison');
      expect(m?.Attributes?.ApproximateReceiveCount).toBe(String(i));
      advance(11);
    }
    // The third attempt moves it; the rest of the group is unblocked.
    const [next] = await receive(QueueUrl);
    expect(next?.Body).toBe('next');
    const [dead] = await receive(dlqUrl);
    expect(dead?.MessageId).toBe(poison.MessageId);
    expect(dead?.Body).toBe('poison');
    expect(dead?.Attributes?.MessageGroupId).toBe('g');
    expect(dead?.Attributes?.DeadLetterQueueSourceArn).toBe((await attributes(QueueUrl)).QueueArn);
  });
});

describe('visibility', () => {
  it('returns a message to a standard queue after its visibility timeout', async () => {
    const QueueUrl = await standardQueue('timeout', { VisibilityTimeout: '20' });
    await sendTo(QueueUrl, 'm');
    expect(await receive(QueueUrl)).toHaveLength(1);
    advance(19);
    expect(await receive(QueueUrl)).toEqual([]);
    advance(1);
    const [again] = await receive(QueueUrl);
    expect(again?.Attributes?.ApproximateReceiveCount).toBe('2');
  });

  it('changes the visibility of an in-flight message', async () => {
    const QueueUrl = await standardQueue('change');
    await sendTo(QueueUrl, 'm');
    const [m] = await receive(QueueUrl, { VisibilityTimeout: 30 });
    const ReceiptHandle = m?.ReceiptHandle as string;
    await sqs.send(
      new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle, VisibilityTimeout: 120 }),
    );
    advance(60);
    expect(await receive(QueueUrl)).toEqual([]);
    await sqs.send(
      new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle, VisibilityTimeout: 0 }),
    );
    const [again] = await receive(QueueUrl, { VisibilityTimeout: 5 });
    expect(again?.MessageId).toBe(m?.MessageId);
    advance(6);
    const notInFlight = await failure(
      sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl,
          ReceiptHandle: again?.ReceiptHandle as string,
          VisibilityTimeout: 10,
        }),
      ),
    );
    expect(notInFlight.name).toBe('MessageNotInflight');
  });
});

describe('delays and receipt handles', () => {
  it('delays messages per message on standard queues and per queue on FIFO queues', async () => {
    const QueueUrl = await standardQueue('delay');
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'later', DelaySeconds: 10 }));
    expect((await attributes(QueueUrl)).ApproximateNumberOfMessagesDelayed).toBe('1');
    expect(await receive(QueueUrl)).toEqual([]);
    advance(10);
    expect((await receive(QueueUrl)).map((m) => m.Body)).toEqual(['later']);

    const fifo = await fifoQueue('delay', { ContentBasedDeduplication: 'true' });
    const perMessage = await failure(
      sqs.send(
        new SendMessageCommand({
          QueueUrl: fifo,
          MessageBody: 'x',
          MessageGroupId: 'g',
          DelaySeconds: 5,
        }),
      ),
    );
    expect(perMessage.name).toBe('InvalidParameterValue');
    const dedupOnStandard = await failure(sendTo(QueueUrl, 'x', undefined, 'id'));
    expect(dedupOnStandard.name).toBe('InvalidParameterValue');
  });

  it('refuses a FIFO receipt handle whose visibility timeout has passed', async () => {
    const QueueUrl = await fifoQueue('expired', { ContentBasedDeduplication: 'true' });
    await sendTo(QueueUrl, 'slow', 'g');
    const [m] = await receive(QueueUrl, { VisibilityTimeout: 5 });
    advance(6);
    const expired = await failure(
      sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: m?.ReceiptHandle as string })),
    );
    expect(expired.name).toBe('InvalidParameterValue');
    expect(expired.message).toContain('The receipt handle has expired');
    expect((await receive(QueueUrl)).map((r) => r.Body)).toEqual(['slow']);
  });
});

describe('long polling', () => {
  it('returns as soon as a message arrives', async () => {
    const QueueUrl = await standardQueue('long-poll');
    const started = Date.now();
    const pending = receive(QueueUrl, { WaitTimeSeconds: 10 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    await sendTo(QueueUrl, 'arrived');
    const messages = await pending;
    expect(messages.map((m) => m.Body)).toEqual(['arrived']);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('wakes a FIFO long poll when the blocking message of its group is deleted', async () => {
    const QueueUrl = await fifoQueue('long-poll-fifo', { ContentBasedDeduplication: 'true' });
    await sendTo(QueueUrl, 'one', 'g');
    await sendTo(QueueUrl, 'two', 'g');
    const [one] = await receive(QueueUrl);
    const pending = receive(QueueUrl, { WaitTimeSeconds: 10 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await sqs.send(
      new DeleteMessageCommand({ QueueUrl, ReceiptHandle: one?.ReceiptHandle as string }),
    );
    expect((await pending).map((m) => m.Body)).toEqual(['two']);
  });

  it('returns no messages after WaitTimeSeconds', async () => {
    const QueueUrl = await standardQueue('empty-poll');
    const started = Date.now();
    const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1 }));
    const elapsed = Date.now() - started;
    expect(out.Messages).toBeUndefined();
    expect(elapsed).toBeGreaterThanOrEqual(950);
    expect(elapsed).toBeLessThan(3000);
  });

  it('ends waiting long polls with no messages on stop', async () => {
    const other = new SqsServer();
    const otherClient = client(await other.start());
    const { QueueUrl } = await otherClient.send(new CreateQueueCommand({ QueueName: 'q' }));
    const pending = otherClient.send(
      new ReceiveMessageCommand({ QueueUrl: QueueUrl as string, WaitTimeSeconds: 20 }),
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    await other.stop();
    expect((await pending).Messages).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(2000);
    otherClient.destroy();
  });
});

describe('errors', () => {
  it('names the errors as the SDK does', async () => {
    const missing = await failure(
      sqs.send(new SendMessageCommand({ QueueUrl: server.queueUrl('missing'), MessageBody: 'x' })),
    );
    expect(missing.name).toBe('QueueDoesNotExist');
    expect(missing.message).toBe('The specified queue does not exist.');
    expect((missing.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(400);
    expect(missing.Code).toBe('AWS.SimpleQueueService.NonExistentQueue');
    expect((await failure(sqs.send(new GetQueueUrlCommand({ QueueName: 'missing' })))).name).toBe(
      'QueueDoesNotExist',
    );

    const fifo = await fifoQueue('errors', { ContentBasedDeduplication: 'true' });
    const noGroup = await failure(sendTo(fifo, 'x'));
    expect(noGroup.name).toBe('MissingParameter');
    expect(noGroup.message).toBe('The request must contain the parameter MessageGroupId.');

    const standard = await standardQueue('errors');
    const tooLarge = await failure(sendTo(standard, 'x'.repeat(1_048_577)));
    expect(tooLarge.name).toBe('InvalidParameterValue');
    expect(tooLarge.message).toContain('Message must be shorter than 1048576 bytes');
    await sendTo(standard, 'x'.repeat(1_048_576));

    const eleven = Array.from({ length: 11 }, (_, i) => ({ Id: `e${i}`, MessageBody: 'x' }));
    const tooMany = await failure(
      sqs.send(new SendMessageBatchCommand({ QueueUrl: standard, Entries: eleven })),
    );
    expect(tooMany.name).toBe('TooManyEntriesInBatchRequest');
    const empty = await failure(
      sqs.send(new SendMessageBatchCommand({ QueueUrl: standard, Entries: [] })),
    );
    expect(empty.name).toBe('EmptyBatchRequest');
    const twice = await failure(
      sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: standard,
          Entries: [
            { Id: 'a', MessageBody: 'x' },
            { Id: 'a', MessageBody: 'y' },
          ],
        }),
      ),
    );
    expect(twice.name).toBe('BatchEntryIdsNotDistinct');
    const tooLong = await failure(
      sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: standard,
          Entries: [
            { Id: 'a', MessageBody: 'x'.repeat(600_000) },
            { Id: 'b', MessageBody: 'x'.repeat(600_000) },
          ],
        }),
      ),
    );
    expect(tooLong.name).toBe('BatchRequestTooLong');
    const badCount = await failure(
      sqs.send(new ReceiveMessageCommand({ QueueUrl: standard, MaxNumberOfMessages: 11 })),
    );
    expect(badCount.name).toBe('InvalidParameterValue');
    const badHandle = await failure(
      sqs.send(new DeleteMessageCommand({ QueueUrl: standard, ReceiptHandle: 'garbage' })),
    );
    expect(badHandle.name).toBe('ReceiptHandleIsInvalid');
    const badBody = await failure(sendTo(standard, 'bell \u0007'));
    expect(badBody.name).toBe('InvalidMessageContents');
  });

  it('sends the JSON error body and x-amzn-query-error header of the service', async () => {
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'AmazonSQS.GetQueueUrl',
      },
      body: JSON.stringify({ QueueName: 'missing' }),
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('x-amzn-query-error')).toBe(
      'AWS.SimpleQueueService.NonExistentQueue;Sender',
    );
    expect(response.headers.get('content-type')).toBe('application/x-amz-json-1.0');
    expect(await response.json()).toEqual({
      __type: 'com.amazonaws.sqs#QueueDoesNotExist',
      message: 'The specified queue does not exist.',
    });
  });
});
