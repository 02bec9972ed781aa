/**
 * The embedded SNS endpoint through the real `@aws-sdk/client-sns` (query protocol), delivering to
 * the embedded SQS endpoint, read back through the real `@aws-sdk/client-sqs`.
 */
import {
  CreateTopicCommand,
  DeleteTopicCommand,
  GetTopicAttributesCommand,
  ListSubscriptionsByTopicCommand,
  PublishBatchCommand,
  PublishCommand,
  SNSClient,
  SubscribeCommand,
  UnsubscribeCommand,
} from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { SqsServer } from '@waypointer/sqs-endpoint';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type DeliveryFailure, SnsServer } from '../src/index.ts';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
let now = Date.parse('2026-12-03T08:00:00Z');
let sqsServer: SqsServer;
let snsServer: SnsServer;
let sns: SNSClient;
let sqs: SQSClient;
const failures: DeliveryFailure[] = [];

beforeAll(async () => {
  sqsServer = new SqsServer({ now: () => now });
  const sqsEndpoint = await sqsServer.start(0);
  snsServer = new SnsServer({
    sqs: sqsServer.service,
    now: () => now,
    onDeliveryFailure: (f) => failures.push(f),
  });
  sns = new SNSClient({ endpoint: await snsServer.start(0), region: 'us-east-1', credentials });
  sqs = new SQSClient({ endpoint: sqsEndpoint, region: 'us-east-1', credentials });
});

afterAll(async () => {
  sns.destroy();
  sqs.destroy();
  await snsServer.stop();
  await sqsServer.stop();
});

beforeEach(() => {
  failures.length = 0;
});

let counter = 0;
const unique = (name: string): string => `${name}-${++counter}`;

async function queue(name: string): Promise<{ url: string; arn: string }> {
  const fifo = name.endsWith('.fifo');
  const { QueueUrl } = await sqs.send(
    new CreateQueueCommand({
      QueueName: name,
      Attributes: fifo ? { FifoQueue: 'true' } : {},
    }),
  );
  return { url: QueueUrl as string, arn: sqsServer.service.queueArn(name) };
}

async function fifoTopic(attributes: Record<string, string> = {}): Promise<string> {
  const { TopicArn } = await sns.send(
    new CreateTopicCommand({
      Name: `${unique('changes')}.fifo`,
      Attributes: { FifoTopic: 'true', ContentBasedDeduplication: 'false', ...attributes },
    }),
  );
  return TopicArn as string;
}

async function subscribe(topicArn: string, endpoint: string, raw = true): Promise<string> {
  const { SubscriptionArn } = await sns.send(
    new SubscribeCommand({
      TopicArn: topicArn,
      Protocol: 'sqs',
      Endpoint: endpoint,
      Attributes: { RawMessageDelivery: String(raw) },
      ReturnSubscriptionArn: true,
    }),
  );
  return SubscriptionArn as string;
}

async function drain(url: string): Promise<Message[]> {
  const all: Message[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: 10,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
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

describe('topics', () => {
  it('creates a FIFO topic, idempotently, and reports its attributes', async () => {
    const name = `${unique('t')}.fifo`;
    const attributes = { FifoTopic: 'true', ContentBasedDeduplication: 'false' };
    const first = await sns.send(new CreateTopicCommand({ Name: name, Attributes: attributes }));
    const again = await sns.send(new CreateTopicCommand({ Name: name, Attributes: attributes }));
    expect(first.TopicArn).toBe(`arn:aws:sns:us-east-1:000000000000:${name}`);
    expect(again.TopicArn).toBe(first.TopicArn);
    const { Attributes } = await sns.send(
      new GetTopicAttributesCommand({ TopicArn: first.TopicArn }),
    );
    expect(Attributes).toMatchObject({
      TopicArn: first.TopicArn,
      FifoTopic: 'true',
      ContentBasedDeduplication: 'false',
      SubscriptionsConfirmed: '0',
    });
    await expect(
      sns.send(
        new CreateTopicCommand({
          Name: name,
          Attributes: { FifoTopic: 'true', ContentBasedDeduplication: 'true' },
        }),
      ),
    ).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message:
        'Invalid parameter: Attributes Reason: Topic already exists with different attributes',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it.each([
    [
      { Name: 'no-suffix', Attributes: { FifoTopic: 'true' } },
      /Fifo Topic names must end with \.fifo/,
    ],
    [{ Name: 'bad name' }, /Topic Name: must be made up of/],
    [{ Name: 'std', Attributes: { ContentBasedDeduplication: 'true' } }, /FIFO topics only/],
    [{ Name: 'x.fifo', Attributes: { FifoTopic: 'yes' } }, /FifoTopic: Invalid value \[yes\]/],
    [
      { Name: 'x.fifo', Attributes: { FifoTopic: 'true', FifoThroughputScope: 'All' } },
      /FifoThroughputScope/,
    ],
    [
      { Name: 'x.fifo', Attributes: { FifoTopic: 'true', MaximumMessageSize: '12' } },
      /MaximumMessageSize/,
    ],
    [{ Name: 'x', Attributes: { Colour: 'blue' } }, /Unknown attribute Colour/],
  ])('refuses CreateTopic %j', async (input, message) => {
    await expect(sns.send(new CreateTopicCommand(input))).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: expect.stringMatching(message),
    });
  });

  it('answers NotFound for a topic that does not exist; DeleteTopic of one is no error', async () => {
    const TopicArn = 'arn:aws:sns:us-east-1:000000000000:nothing';
    await expect(sns.send(new GetTopicAttributesCommand({ TopicArn }))).rejects.toMatchObject({
      name: 'NotFoundException',
      message: 'Topic does not exist',
      $metadata: { httpStatusCode: 404 },
    });
    await expect(sns.send(new DeleteTopicCommand({ TopicArn }))).resolves.toBeDefined();
  });
});

describe('subscriptions', () => {
  it('subscribes queues, lists them, unsubscribes, and deletes them with the topic', async () => {
    const topic = await fifoTopic();
    const a = await queue(`${unique('a')}.fifo`);
    const b = await queue(`${unique('b')}.fifo`);
    const subA = await subscribe(topic, a.arn);
    const subB = await subscribe(topic, b.arn);
    expect(await subscribe(topic, a.arn)).toBe(subA);
    expect(subA.startsWith(`${topic}:`)).toBe(true);
    const listed = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topic }));
    expect(listed.Subscriptions).toEqual([
      {
        SubscriptionArn: subA,
        Owner: '000000000000',
        Protocol: 'sqs',
        Endpoint: a.arn,
        TopicArn: topic,
      },
      {
        SubscriptionArn: subB,
        Owner: '000000000000',
        Protocol: 'sqs',
        Endpoint: b.arn,
        TopicArn: topic,
      },
    ]);
    expect(listed.NextToken).toBeUndefined();
    await sns.send(new UnsubscribeCommand({ SubscriptionArn: subA }));
    const after = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topic }));
    expect(after.Subscriptions?.map((s) => s.SubscriptionArn)).toEqual([subB]);
    await expect(sns.send(new UnsubscribeCommand({ SubscriptionArn: subA }))).rejects.toMatchObject(
      { name: 'NotFoundException' },
    );
    await sns.send(new DeleteTopicCommand({ TopicArn: topic }));
    await expect(
      sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topic })),
    ).rejects.toMatchObject({ name: 'NotFoundException' });
  });

  it('pages ListSubscriptionsByTopic by 100', async () => {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: unique('many') }));
    for (let i = 0; i < 101; i++)
      await subscribe(TopicArn as string, `arn:aws:sqs:us-east-1:000000000000:q${i}`);
    const first = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn }));
    expect(first.Subscriptions).toHaveLength(100);
    const second = await sns.send(
      new ListSubscriptionsByTopicCommand({ TopicArn, NextToken: first.NextToken }),
    );
    expect(second.Subscriptions?.map((s) => s.Endpoint)).toEqual([
      'arn:aws:sqs:us-east-1:000000000000:q100',
    ]);
  });

  it.each([
    [{ Protocol: 'email', Endpoint: 'a@example.com' }, /Protocol Reason: email/],
    [{ Protocol: 'sqs', Endpoint: 'https://sqs/q' }, /SQS endpoint ARN/],
    [
      {
        Protocol: 'sqs',
        Endpoint: 'arn:aws:sqs:us-east-1:000000000000:q',
        Attributes: { FilterPolicy: '{}' },
      },
      /FilterPolicy/,
    ],
    [
      {
        Protocol: 'sqs',
        Endpoint: 'arn:aws:sqs:us-east-1:000000000000:q',
        Attributes: { RedrivePolicy: '{' },
      },
      /RedrivePolicy: Invalid JSON/,
    ],
    [
      {
        Protocol: 'sqs',
        Endpoint: 'arn:aws:sqs:us-east-1:000000000000:q',
        Attributes: { RedrivePolicy: '{"deadLetterTargetArn":"x"}' },
      },
      /deadLetterTargetArn/,
    ],
  ])('refuses Subscribe %j', async (input, message) => {
    const topic = await fifoTopic();
    await expect(
      sns.send(new SubscribeCommand({ TopicArn: topic, ...input })),
    ).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: expect.stringMatching(message),
    });
  });

  it('refuses a FIFO queue on a standard topic, and a second subscription with other attributes', async () => {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: unique('std') }));
    await expect(
      subscribe(TopicArn as string, 'arn:aws:sqs:us-east-1:000000000000:q.fifo'),
    ).rejects.toMatchObject({
      message: expect.stringContaining('FIFO SQS Queues can not be subscribed'),
    });
    const topic = await fifoTopic();
    await subscribe(topic, 'arn:aws:sqs:us-east-1:000000000000:q.fifo', true);
    await expect(
      subscribe(topic, 'arn:aws:sqs:us-east-1:000000000000:q.fifo', false),
    ).rejects.toMatchObject({ message: expect.stringContaining('different attributes') });
  });
});

describe('Publish', () => {
  it('fans a FIFO message out to every queue raw, with its group, deduplication id and attributes', async () => {
    const topic = await fifoTopic();
    const a = await queue(`${unique('a')}.fifo`);
    const b = await queue(`${unique('b')}.fifo`);
    await subscribe(topic, a.arn);
    await subscribe(topic, b.arn);
    const published = await sns.send(
      new PublishCommand({
        TopicArn: topic,
        Message: '{"n":1}\r\n<&>',
        MessageGroupId: 'c/ns',
        MessageDeduplicationId: 'id-1',
        MessageAttributes: { kind: { DataType: 'String', StringValue: 'Service' } },
      }),
    );
    expect(published.MessageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(published.SequenceNumber).toMatch(/^\d{20}$/);
    for (const { url } of [a, b]) {
      const [message, ...rest] = await drain(url);
      expect(rest).toEqual([]);
      expect(message?.Body).toBe('{"n":1}\r\n<&>');
      expect(message?.Attributes).toMatchObject({
        MessageGroupId: 'c/ns',
        MessageDeduplicationId: 'id-1',
      });
      expect(message?.MessageAttributes).toEqual({
        kind: { DataType: 'String', StringValue: 'Service' },
      });
    }
  });

  it('drops a repeated deduplication id for 5 minutes, answering with the first message id', async () => {
    const topic = await fifoTopic();
    const q = await queue(`${unique('q')}.fifo`);
    await subscribe(topic, q.arn);
    const send = (body: string) =>
      sns.send(
        new PublishCommand({
          TopicArn: topic,
          Message: body,
          MessageGroupId: 'g',
          MessageDeduplicationId: 'same',
        }),
      );
    const first = await send('one');
    const second = await send('two');
    expect(second.MessageId).toBe(first.MessageId);
    expect(second.SequenceNumber).toBe(first.SequenceNumber);
    expect((await drain(q.url)).map((m) => m.Body)).toEqual(['one']);
    now += 300_000;
    const later = await send('three');
    expect(later.MessageId).not.toBe(first.MessageId);
    // SQS keeps its own 5-minute window, which has passed too.
    expect((await drain(q.url)).map((m) => m.Body)).toEqual(['three']);
  });

  it('deduplicates by content when the topic says so, and per group with FifoThroughputScope MessageGroup', async () => {
    const content = await fifoTopic({ ContentBasedDeduplication: 'true' });
    const a = await sns.send(
      new PublishCommand({ TopicArn: content, Message: 'x', MessageGroupId: 'g' }),
    );
    const b = await sns.send(
      new PublishCommand({ TopicArn: content, Message: 'x', MessageGroupId: 'h' }),
    );
    expect(b.MessageId).toBe(a.MessageId);
    const byGroup = await fifoTopic({ FifoThroughputScope: 'MessageGroup' });
    const publish = (group: string) =>
      sns.send(
        new PublishCommand({
          TopicArn: byGroup,
          Message: 'x',
          MessageGroupId: group,
          MessageDeduplicationId: 'd',
        }),
      );
    expect((await publish('g')).MessageId).not.toBe((await publish('h')).MessageId);
  });

  it.each([
    [{ Message: '' }, 'Invalid parameter: Empty message'],
    [
      { Message: 'x' },
      'Invalid parameter: The MessageGroupId parameter is required for FIFO topics',
    ],
    [
      { Message: 'x', MessageGroupId: 'g' },
      'Invalid parameter: The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly',
    ],
    [
      {
        Message: 'x',
        MessageGroupId: 'g',
        MessageDeduplicationId: 'd',
        MessageAttributes: { a: { DataType: 'Text', StringValue: 'v' } },
      },
      "Invalid parameter: MessageAttributes Reason: The message attribute 'a' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.",
    ],
    [
      { Message: 'x'.repeat(262_145), MessageGroupId: 'g', MessageDeduplicationId: 'd' },
      'Invalid parameter: Message too long',
    ],
  ])('refuses Publish %#', async (input, message) => {
    const topic = await fifoTopic();
    await expect(sns.send(new PublishCommand({ TopicArn: topic, ...input }))).rejects.toMatchObject(
      { name: 'InvalidParameterException', message },
    );
  });

  it('refuses FIFO parameters on a standard topic, and wraps messages without raw delivery', async () => {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: unique('plain') }));
    await expect(
      sns.send(new PublishCommand({ TopicArn, Message: 'x', MessageGroupId: 'g' })),
    ).rejects.toMatchObject({ message: expect.stringContaining('MessageGroupId parameter') });
    const q = await queue(unique('plain-q'));
    await subscribe(TopicArn as string, q.arn, false);
    const { MessageId, SequenceNumber } = await sns.send(
      new PublishCommand({
        TopicArn,
        Message: 'hello',
        Subject: 'greeting',
        MessageAttributes: { n: { DataType: 'Number', StringValue: '1' } },
      }),
    );
    expect(SequenceNumber).toBeUndefined();
    const [message] = await drain(q.url);
    const subscription = (await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn })))
      .Subscriptions?.[0]?.SubscriptionArn as string;
    expect(JSON.parse(message?.Body as string)).toMatchObject({
      UnsubscribeURL: expect.stringContaining(`SubscriptionArn=${subscription}`),
      Type: 'Notification',
      MessageId,
      TopicArn,
      Subject: 'greeting',
      Message: 'hello',
      MessageAttributes: { n: { Type: 'Number', Value: '1' } },
    });
    expect(message?.MessageAttributes).toBeUndefined();
  });

  it('sends a delivery that fails to the subscription’s dead-letter queue, and counts it', async () => {
    const topic = await fifoTopic();
    const dlq = await queue(`${unique('dlq')}.fifo`);
    const missing = `arn:aws:sqs:us-east-1:000000000000:${unique('gone')}.fifo`;
    const { SubscriptionArn } = await sns.send(
      new SubscribeCommand({
        TopicArn: topic,
        Protocol: 'sqs',
        Endpoint: missing,
        Attributes: {
          RawMessageDelivery: 'true',
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn }),
        },
      }),
    );
    const before = snsServer.service.stats().failed;
    await sns.send(
      new PublishCommand({
        TopicArn: topic,
        Message: 'lost?',
        MessageGroupId: 'g',
        MessageDeduplicationId: 'l',
      }),
    );
    expect(snsServer.service.stats().failed).toBe(before + 1);
    expect(failures).toEqual([
      expect.objectContaining({
        subscriptionArn: SubscriptionArn,
        endpoint: missing,
        deadLetterQueue: dlq.arn,
        error: expect.stringContaining('NonExistentQueue'),
      }),
    ]);
    expect(snsServer.service.deliveryFailures().at(-1)).toEqual(failures[0]);
    const [dead] = await drain(dlq.url);
    expect([dead?.Body, dead?.Attributes?.MessageGroupId]).toEqual(['lost?', 'g']);
  });
});

describe('PublishBatch', () => {
  it('publishes up to 10 entries in order, each in its group, and reports per-entry failures', async () => {
    const topic = await fifoTopic();
    const q = await queue(`${unique('q')}.fifo`);
    await subscribe(topic, q.arn);
    const entries = Array.from({ length: 9 }, (_, i) => ({
      Id: `m${i}`,
      Message: `body-${i}`,
      MessageGroupId: 'g',
      MessageDeduplicationId: `d${i}`,
    }));
    const result = await sns.send(
      new PublishBatchCommand({
        TopicArn: topic,
        PublishBatchRequestEntries: [...entries, { Id: 'bad', Message: 'no group' }],
      }),
    );
    expect(result.Successful?.map((s) => s.Id)).toEqual(entries.map((e) => e.Id));
    expect(result.Successful?.every((s) => /^\d{20}$/.test(s.SequenceNumber ?? ''))).toBe(true);
    expect(result.Failed).toEqual([
      {
        Id: 'bad',
        Code: 'InvalidParameter',
        Message: 'Invalid parameter: The MessageGroupId parameter is required for FIFO topics',
        SenderFault: true,
      },
    ]);
    expect((await drain(q.url)).map((m) => m.Body)).toEqual(entries.map((e) => e.Message));
  });

  it.each([
    [[], 'EmptyBatchRequestException'],
    [
      Array.from({ length: 11 }, (_, i) => ({ Id: `m${i}`, Message: 'x' })),
      'TooManyEntriesInBatchRequestException',
    ],
    [
      [
        { Id: 'a', Message: 'x' },
        { Id: 'a', Message: 'y' },
      ],
      'BatchEntryIdsNotDistinctException',
    ],
    [[{ Id: 'a b', Message: 'x' }], 'InvalidBatchEntryIdException'],
    [[{ Id: 'a', Message: 'x', MessageStructure: 'json' }], 'InvalidParameterException'],
    [
      [
        { Id: 'a', Message: 'x'.repeat(200_000) },
        { Id: 'b', Message: 'y'.repeat(62_145) },
      ],
      'BatchRequestTooLongException',
    ],
  ])('refuses the whole batch %#: %s', async (entries, name) => {
    const topic = await fifoTopic();
    await expect(
      sns.send(new PublishBatchCommand({ TopicArn: topic, PublishBatchRequestEntries: entries })),
    ).rejects.toMatchObject({ name });
  });
});

describe('the query protocol', () => {
  const post = (body: string, type = 'application/x-www-form-urlencoded') =>
    fetch(snsServer.url, { method: 'POST', headers: { 'content-type': type }, body });

  it.each([
    ['Version=2010-03-31', 400, 'InvalidParameter', 'Action is missing'],
    [
      'Action=CreatePlatformApplication&Version=2010-03-31',
      400,
      'InvalidAction',
      'CreatePlatformApplication',
    ],
    ['Action=ListTopics&Version=2009-01-01', 400, 'InvalidParameter', 'Version 2009-01-01'],
    ['Action=CreateTopic&Name=a&Name=b', 400, 'InvalidParameter', 'Name is given more than once'],
    [
      'Action=CreateTopic&Name=a&Bogus=1',
      400,
      'InvalidParameter',
      'Bogus Reason: not a parameter of CreateTopic',
    ],
    [
      'Action=CreateTopic&Name=a&Attributes.entry.x.key=k',
      400,
      'InvalidParameter',
      'Attributes.entry.x',
    ],
    [
      'Action=CreateTopic&Name=a&Attributes.entry.1.key=k',
      400,
      'InvalidParameter',
      'needs a key and a value',
    ],
  ])('answers %s with %i %s', async (form, status, code, message) => {
    const response = await post(form);
    const text = await response.text();
    expect(response.status).toBe(status);
    expect(text).toContain(`<Code>${code}</Code>`);
    expect(text).toContain(message);
    expect(text).toContain('<Type>Sender</Type>');
  });

  it('takes a GET with the query string, and refuses another content type', async () => {
    const name = unique('get');
    const response = await fetch(
      `${snsServer.url}/?Action=CreateTopic&Version=2010-03-31&Name=${name}`,
    );
    expect(await response.text()).toContain(
      `<CreateTopicResult><TopicArn>arn:aws:sns:us-east-1:000000000000:${name}</TopicArn></CreateTopicResult>`,
    );
    expect((await post('{}', 'application/json')).status).toBe(400);
  });
});
