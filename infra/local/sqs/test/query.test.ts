/**
 * The embedded SQS endpoint over Amazon SQS's query protocol (form-encoded `Action=...`, XML
 * answers), on the same endpoint as the JSON protocol and over the same queues. Two clients:
 * the real `@aws-sdk/client-sqs` switched to the SDK's own `AwsQueryProtocol` (its query
 * serializer and XML deserializer, driven by the flattened `xmlName`s of the SQS model, and the
 * SDK's MD5 checks of sent and received messages), and hand-written form requests whose XML is
 * checked element by element.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  errorTypeRegistries,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { AwsQueryProtocol } from '@aws-sdk/core/protocols';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { md5OfBody } from '../src/attributes.ts';
import { QUERY_OPERATIONS } from '../src/query.ts';
import { SqsServer } from '../src/server.ts';

const server = new SqsServer();
let endpoint: string;
let sqs: SQSClient;
let json: SQSClient;
const sentBodies: string[] = [];

beforeAll(async () => {
  endpoint = await server.start();
  const common = {
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts: 1,
  };
  sqs = new SQSClient({
    ...common,
    // The SDK's query protocol with the settings of the query-era model (botocore's
    // sqs/2012-11-05/service-2.json: "protocol": "query", its xmlNamespace).
    protocol: AwsQueryProtocol as unknown as SQSClient['config']['protocol'],
    protocolSettings: {
      defaultNamespace: 'com.amazonaws.sqs',
      xmlNamespace: 'http://queue.amazonaws.com/doc/2012-11-05/',
      version: '2012-11-05',
      errorTypeRegistries,
    },
  });
  sqs.middlewareStack.add(
    (next) => async (args) => {
      sentBodies.push(String((args.request as { body?: unknown }).body));
      return await next(args);
    },
    { step: 'finalizeRequest', name: 'recordQueryBody' },
  );
  json = new SQSClient(common);
});
afterAll(async () => {
  sqs.destroy();
  json.destroy();
  await server.stop();
});

async function failure(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error('expected the request to fail');
}

/** A raw query request: form-encoded POST (to `path`) or GET; status, content type, XML text. */
async function raw(
  parameters: Record<string, string>,
  options: { method?: 'GET' | 'POST'; path?: string } = {},
): Promise<{ status: number; type: string | null; xml: string }> {
  const form = new URLSearchParams(parameters).toString();
  const path = options.path ?? '/';
  const response =
    options.method === 'GET'
      ? await fetch(`${endpoint}${path}?${form}`)
      : await fetch(`${endpoint}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
          body: form,
        });
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    xml: await response.text(),
  };
}

/** The text of each `<name>` element of an XML document, in order. */
function texts(xml: string, name: string): string[] {
  return [...xml.matchAll(new RegExp(`<${name}>([^<]*)</${name}>`, 'g'))].map((m) => m[1] ?? '');
}

describe('the query protocol through the SDK query client', () => {
  it('sends the flattened parameters of the query protocol', async () => {
    sentBodies.length = 0;
    await sqs.send(
      new CreateQueueCommand({ QueueName: 'wire-check', Attributes: { DelaySeconds: '0' } }),
    );
    expect(sentBodies).toEqual([
      'Action=CreateQueue&Version=2012-11-05&QueueName=wire-check&Attribute.1.Name=DelaySeconds&Attribute.1.Value=0',
    ]);
  });

  it('serves every queue operation', async () => {
    const created = await sqs.send(
      new CreateQueueCommand({
        QueueName: 'query-jobs.fifo',
        Attributes: {
          FifoQueue: 'true',
          ContentBasedDeduplication: 'true',
          VisibilityTimeout: '30',
        },
      }),
    );
    expect(created.QueueUrl).toBe(`${endpoint}/000000000000/query-jobs.fifo`);
    const QueueUrl = created.QueueUrl as string;
    expect(
      (await sqs.send(new GetQueueUrlCommand({ QueueName: 'query-jobs.fifo' }))).QueueUrl,
    ).toBe(QueueUrl);
    await sqs.send(new CreateQueueCommand({ QueueName: 'query-other' }));
    const page = await sqs.send(
      new ListQueuesCommand({ QueueNamePrefix: 'query-', MaxResults: 1 }),
    );
    expect(page.QueueUrls).toEqual([`${endpoint}/000000000000/query-jobs.fifo`]);
    const rest = await sqs.send(
      new ListQueuesCommand({ QueueNamePrefix: 'query-', NextToken: page.NextToken as string }),
    );
    expect(rest.QueueUrls).toEqual([`${endpoint}/000000000000/query-other`]);

    await sqs.send(
      new SetQueueAttributesCommand({ QueueUrl, Attributes: { VisibilityTimeout: '45' } }),
    );
    const attributes = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl,
        AttributeNames: ['VisibilityTimeout', 'FifoQueue', 'QueueArn'],
      }),
    );
    expect(attributes.Attributes).toEqual({
      VisibilityTimeout: '45',
      FifoQueue: 'true',
      QueueArn: 'arn:aws:sqs:us-east-1:000000000000:query-jobs.fifo',
    });

    await sqs.send(new PurgeQueueCommand({ QueueUrl: `${endpoint}/000000000000/query-other` }));
    await sqs.send(new DeleteQueueCommand({ QueueUrl: `${endpoint}/000000000000/query-other` }));
    const gone = await failure(sqs.send(new GetQueueUrlCommand({ QueueName: 'query-other' })));
    expect(gone.name).toBe('QueueDoesNotExist');
  });

  it('sends, receives and deletes messages with attributes, on FIFO and in batches', async () => {
    const { QueueUrl } = await sqs.send(
      new CreateQueueCommand({
        QueueName: 'query-messages.fifo',
        Attributes: { FifoQueue: 'true', ContentBasedDeduplication: 'true' },
      }),
    );
    const url = QueueUrl as string;
    const body = 'line one\r\nline two & <three> "quoted"';
    const sent = await sqs.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: body,
        MessageGroupId: 'g',
        MessageAttributes: {
          kind: { DataType: 'String', StringValue: 'binding' },
          count: { DataType: 'Number', StringValue: '3' },
          raw: { DataType: 'Binary', BinaryValue: new Uint8Array([0, 1, 2, 255]) },
        },
      }),
    );
    expect(sent.MD5OfMessageBody).toBe(md5OfBody(body));
    expect(sent.SequenceNumber).toMatch(/^\d+$/);
    const again = await sqs.send(
      new SendMessageCommand({ QueueUrl: url, MessageBody: body, MessageGroupId: 'g' }),
    );
    expect(again.MessageId).toBe(sent.MessageId);

    const batch = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: [
          { Id: 'a', MessageBody: 'second', MessageGroupId: 'g' },
          { Id: 'b', MessageBody: 'third', MessageGroupId: 'g' },
          { Id: 'c', MessageBody: 'no group' },
        ],
      }),
    );
    expect(batch.Successful?.map((entry) => entry.Id)).toEqual(['a', 'b']);
    expect(batch.Successful?.[0]?.MD5OfMessageBody).toBe(md5OfBody('second'));
    expect(batch.Failed).toEqual([
      {
        Id: 'c',
        SenderFault: true,
        Code: 'MissingParameter',
        Message: 'The request must contain the parameter MessageGroupId.',
      },
    ]);

    const received = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: 10,
        // The SDK's model sends these as AttributeName.n too (both members are xmlName
        // AttributeName), as the query-era model's AttributeNames.
        MessageSystemAttributeNames: ['MessageGroupId', 'ApproximateReceiveCount'],
        MessageAttributeNames: ['All'],
      }),
    );
    const messages = received.Messages ?? [];
    expect(messages.map((m) => m.Body)).toEqual([body, 'second', 'third']);
    const first = messages[0];
    expect(first?.MessageId).toBe(sent.MessageId);
    expect(first?.Attributes).toEqual({ MessageGroupId: 'g', ApproximateReceiveCount: '1' });
    expect(first?.MessageAttributes?.kind).toEqual({ DataType: 'String', StringValue: 'binding' });
    expect(first?.MessageAttributes?.count).toEqual({ DataType: 'Number', StringValue: '3' });
    expect([...(first?.MessageAttributes?.raw?.BinaryValue ?? [])]).toEqual([0, 1, 2, 255]);
    expect(first?.MD5OfMessageAttributes).toBe(sent.MD5OfMessageAttributes);

    const handles = messages.map((m) => m.ReceiptHandle as string);
    await sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: url,
        ReceiptHandle: handles[0] as string,
        VisibilityTimeout: 60,
      }),
    );
    const changed = await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: url,
        Entries: [
          { Id: 'one', ReceiptHandle: handles[1] as string, VisibilityTimeout: 60 },
          { Id: 'bad', ReceiptHandle: 'garbage', VisibilityTimeout: 60 },
        ],
      }),
    );
    expect(changed.Successful).toEqual([{ Id: 'one' }]);
    expect(changed.Failed?.[0]).toMatchObject({ Id: 'bad', Code: 'ReceiptHandleIsInvalid' });

    await sqs.send(
      new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: handles[0] as string }),
    );
    const deleted = await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: url,
        Entries: [
          { Id: 'x', ReceiptHandle: handles[1] as string },
          { Id: 'y', ReceiptHandle: handles[2] as string },
        ],
      }),
    );
    expect(deleted.Successful).toEqual([{ Id: 'x' }, { Id: 'y' }]);
    // An empty flattened list has no element in XML, so the client reads it as absent.
    expect(deleted.Failed).toBeUndefined();
    const empty = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }));
    expect(empty.Messages).toBeUndefined();
  });

  it('shares its queues with the JSON protocol', async () => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'query-shared' }));
    await json.send(
      new SendMessageCommand({ QueueUrl: QueueUrl as string, MessageBody: 'from json' }),
    );
    const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: QueueUrl as string }));
    expect(received.Messages?.map((m) => m.Body)).toEqual(['from json']);
  });

  it('raises the exceptions of the service model from XML errors', async () => {
    const missing = await failure(
      sqs.send(new SendMessageCommand({ QueueUrl: server.queueUrl('missing'), MessageBody: 'x' })),
    );
    expect(missing.name).toBe('QueueDoesNotExist');
    expect(missing.message).toBe('The specified queue does not exist.');
    expect((missing.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(400);
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'query-errors' }));
    const eleven = Array.from({ length: 11 }, (_, i) => ({ Id: `e${i}`, MessageBody: 'x' }));
    const tooMany = await failure(
      sqs.send(new SendMessageBatchCommand({ QueueUrl: QueueUrl as string, Entries: eleven })),
    );
    expect(tooMany.name).toBe('TooManyEntriesInBatchRequest');
    const badHandle = await failure(
      sqs.send(
        new DeleteMessageCommand({ QueueUrl: QueueUrl as string, ReceiptHandle: 'garbage' }),
      ),
    );
    expect(badHandle.name).toBe('ReceiptHandleIsInvalid');
    const badCount = await failure(
      sqs.send(
        new ReceiveMessageCommand({ QueueUrl: QueueUrl as string, MaxNumberOfMessages: 11 }),
      ),
    );
    expect(badCount.name).toBe('InvalidParameterValue');
  });
});

describe('the query protocol on the wire', () => {
  it('answers with the Response, Result and ResponseMetadata elements of the model', async () => {
    const created = await raw({
      Action: 'CreateQueue',
      Version: '2012-11-05',
      QueueName: 'wire.fifo',
      'Attribute.1.Name': 'FifoQueue',
      'Attribute.1.Value': 'true',
    });
    expect(created.status).toBe(200);
    expect(created.type).toBe('text/xml');
    expect(created.xml).toMatch(
      new RegExp(
        '^<\\?xml version="1.0"\\?><CreateQueueResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/">' +
          `<CreateQueueResult><QueueUrl>${endpoint}/000000000000/wire.fifo</QueueUrl></CreateQueueResult>` +
          '<ResponseMetadata><RequestId>[0-9a-f-]{36}</RequestId></ResponseMetadata></CreateQueueResponse>$',
      ),
    );
    const deleted = await raw({ Action: 'DeleteQueue', QueueUrl: server.queueUrl('wire.fifo') });
    expect(deleted.xml).toMatch(
      /^<\?xml version="1.0"\?><DeleteQueueResponse xmlns="[^"]+"><ResponseMetadata><RequestId>[0-9a-f-]{36}<\/RequestId><\/ResponseMetadata><\/DeleteQueueResponse>$/,
    );
  });

  it('takes the queue from the URL a request is sent to, and GET requests', async () => {
    await raw({ Action: 'CreateQueue', QueueName: 'wire-path' }, { method: 'GET' });
    const path = '/000000000000/wire-path';
    const sent = await raw(
      {
        Action: 'SendMessage',
        MessageBody: 'a\rb',
        'MessageAttribute.1.Name': 'kind',
        'MessageAttribute.1.Value.DataType': 'String',
        'MessageAttribute.1.Value.StringValue': 'x',
      },
      { path },
    );
    expect(sent.status).toBe(200);
    expect(texts(sent.xml, 'MD5OfMessageBody')).toEqual([md5OfBody('a\rb')]);
    const received = await raw(
      { Action: 'ReceiveMessage', 'AttributeName.1': 'All', 'MessageAttributeName.1': 'All' },
      { method: 'GET', path },
    );
    expect(texts(received.xml, 'Body')).toEqual(['a&#xD;b']);
    expect(texts(received.xml, 'MD5OfBody')).toEqual([md5OfBody('a\rb')]);
    expect(received.xml).toContain(
      '<MessageAttribute><Name>kind</Name><Value><StringValue>x</StringValue><DataType>String</DataType></Value></MessageAttribute>',
    );
    expect(received.xml).toMatch(
      /<Attribute><Name>ApproximateReceiveCount<\/Name><Value>1<\/Value><\/Attribute>/,
    );
    expect(received.xml).toMatch(
      /<ReceiveMessageResult><Message><MessageId>[^<]+<\/MessageId><ReceiptHandle>[^<]+<\/ReceiptHandle><MD5OfBody>/,
    );
    const notAQueue = await raw({ Action: 'SendMessage', MessageBody: 'x' }, { path: '/a/b/c' });
    expect(notAQueue.status).toBe(404);
    expect(texts(notAQueue.xml, 'Code')).toEqual(['InvalidAddress']);
  });

  it('sends XML errors with the type, code and HTTP status of the service', async () => {
    const missing = await raw({ Action: 'GetQueueUrl', Version: '2012-11-05', QueueName: 'nope' });
    expect(missing.status).toBe(400);
    expect(missing.type).toBe('text/xml');
    expect(missing.xml).toMatch(
      new RegExp(
        '^<\\?xml version="1.0"\\?><ErrorResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/">' +
          '<Error><Type>Sender</Type><Code>AWS.SimpleQueueService.NonExistentQueue</Code>' +
          '<Message>The specified queue does not exist.</Message><Detail/></Error>' +
          '<RequestId>[0-9a-f-]{36}</RequestId></ErrorResponse>$',
      ),
    );
    const cases: [Record<string, string>, string, string][] = [
      [{}, 'MissingAction', 'The request must contain the parameter Action.'],
      [
        { Action: 'AddPermission' },
        'InvalidAction',
        'The action AddPermission is not valid for this web service.',
      ],
      [
        { Action: 'ListQueues', Version: '2011-10-01' },
        'NoSuchVersion',
        'The requested version (2011-10-01) of service AmazonSQS does not exist.',
      ],
      [
        { Action: 'ListQueues', QueueNamePrefx: 'a' },
        'InvalidQueryParameter',
        'The parameter QueueNamePrefx is not a parameter of ListQueues.',
      ],
      [
        { Action: 'ListQueues', MaxResults: 'ten' },
        'InvalidParameterValue',
        'Value ten for parameter MaxResults is invalid. Reason: Must be an integer.',
      ],
      [
        { Action: 'GetQueueUrl' },
        'MissingParameter',
        'The request must contain the parameter QueueName.',
      ],
      [
        { Action: 'CreateQueue', QueueName: 'q', 'Attribute.1.Value': '1' },
        'MissingParameter',
        'The request must contain the parameter Attribute.1.Name.',
      ],
    ];
    for (const [parameters, code, message] of cases) {
      const response = await raw(parameters);
      expect(response.status, code).toBe(400);
      expect(texts(response.xml, 'Code'), code).toEqual([code]);
      expect(texts(response.xml, 'Message'), code).toEqual([message]);
    }
    const twice = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=GetQueueUrl&QueueName=a&QueueName=b',
    });
    expect(twice.status).toBe(400);
    expect(texts(await twice.text(), 'Message')).toEqual([
      'The parameter QueueName is given more than once.',
    ]);
  });

  it('decodes and encodes every operation the service implements', () => {
    expect(Object.keys(QUERY_OPERATIONS).sort()).toEqual([...server.service.operations].sort());
  });
});
