/**
 * Fan-out end to end: the reconcile function, built by its own composition root
 * (functions/reconcile/handler.ts) from the environment the deployment gives it, publishes binding
 * changes to an SNS FIFO topic (the embedded SNS endpoint, through the real @aws-sdk/client-sns),
 * and each consumer's FIFO queue (the embedded SQS endpoint) receives every message, in order,
 * with what the SQS path puts on binding-changes.fifo: the same ids, bodies (but for the time of
 * the run), group and deduplication ids, and message attributes.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { LocalCluster } from '@waypointer/kube-api';
import {
  BINDINGS_TABLE,
  type LocalDynamo,
  lambdaContext,
  startDynamo,
} from '@waypointer/local-stack';
import { SnsServer } from '@waypointer/sns-endpoint';
import { SqsServer } from '@waypointer/sqs-endpoint';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BINDINGS_TABLE_KEYS } from '../../shared/adapters/aws/binding-store.ts';
import { cluster, raw } from '../support/kube.ts';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const CONSUMERS = ['audit-trail', 'gitops'];
const TOPIC = 'waypointer-test-binding-changes.fifo';
/** The table the SQS path keeps its state in, so that both paths start from nothing. */
const SQS_PATH_TABLE = 'waypointer-bindings-sqs-path';

type Reconcile = (event: SQSEvent, context: unknown) => Promise<SQSBatchResponse>;
type Sweep = (event: unknown, context: unknown) => Promise<{ clusters: { changes: number }[] }>;

let local: LocalCluster;
let dynamo: LocalDynamo;
let sqsServer: SqsServer;
let snsServer: SnsServer;
let sqs: SQSClient;
let topicArn: string;
const queues: Record<string, string> = {};
const saved = { ...process.env };

async function fifoQueue(name: string): Promise<string> {
  const { QueueUrl } = await sqs.send(
    new CreateQueueCommand({ QueueName: name, Attributes: { FifoQueue: 'true' } }),
  );
  return QueueUrl as string;
}

beforeAll(async () => {
  local = await cluster();
  dynamo = await startDynamo();
  await dynamo.client.send(
    new CreateTableCommand({
      TableName: SQS_PATH_TABLE,
      BillingMode: 'PAY_PER_REQUEST',
      ...BINDINGS_TABLE_KEYS,
    } as never),
  );
  sqsServer = new SqsServer();
  const sqsEndpoint = await sqsServer.start(0);
  sqs = new SQSClient({ endpoint: sqsEndpoint, region: 'us-east-1', credentials });
  snsServer = new SnsServer({ sqs: sqsServer.service });
  const snsEndpoint = await snsServer.start(0);
  const sns = new SNSClient({ endpoint: snsEndpoint, region: 'us-east-1', credentials });
  topicArn = (
    await sns.send(
      new CreateTopicCommand({
        Name: TOPIC,
        Attributes: { FifoTopic: 'true', ContentBasedDeduplication: 'false' },
      }),
    )
  ).TopicArn as string;
  for (const consumer of CONSUMERS) {
    const name = `waypointer-test-binding-changes-${consumer}.fifo`;
    queues[consumer] = await fifoQueue(name);
    await sns.send(
      new SubscribeCommand({
        TopicArn: topicArn,
        Protocol: 'sqs',
        Endpoint: sqsServer.service.queueArn(name),
        Attributes: { RawMessageDelivery: 'true' },
      }),
    );
  }
  sns.destroy();
  queues.bindingChanges = await fifoQueue('waypointer-test-binding-changes.fifo');
  const kubeconfig = join(mkdtempSync(join(tmpdir(), 'sns-fan-out-')), 'kubeconfig');
  writeFileSync(kubeconfig, local.server.kubeconfig());
  // What serverless.yml gives reconcile, pointed at the embedded endpoints.
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_ENDPOINT_URL_SQS: sqsEndpoint,
    AWS_ENDPOINT_URL_SNS: snsEndpoint,
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_LOG_LEVEL: 'CRITICAL',
    WAYPOINTER_CLUSTERS: JSON.stringify({ demo: { kubeconfig } }),
    WAYPOINTER_RECONCILE_QUEUE_URL: await fifoQueue('waypointer-test-reconcile-requests.fifo'),
    WAYPOINTER_CHANGES_QUEUE_URL: queues.bindingChanges,
  });
}, 30_000);

afterAll(async () => {
  process.env = saved;
  sqs?.destroy();
  await snsServer?.stop();
  await sqsServer?.stop();
  await dynamo?.stop();
  await local?.stop();
});

/** Sets (or, for undefined, removes) environment variables and forgets loaded modules. */
function environment(env: Record<string, string | undefined>): void {
  for (const [name, value] of Object.entries(env))
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  vi.resetModules();
}

/** The reconcile handler as its composition root builds it from the environment now. */
async function reconcileFrom(env: Record<string, string | undefined>): Promise<Reconcile> {
  environment(env);
  const { handler } = await import('../../functions/reconcile/handler.ts');
  return handler as unknown as Reconcile;
}

/** The scheduled-sweep handler as its composition root builds it from the environment now. */
async function sweepFrom(env: Record<string, string | undefined>): Promise<Sweep> {
  environment(env);
  const { handler } = await import('../../functions/scheduled-sweep/handler.ts');
  return handler as unknown as Sweep;
}

/** An SQS event of one reconcile request for demo/default, as reconcile-requests.fifo delivers it. */
function requestEvent(auditId: string): SQSEvent {
  const body = JSON.stringify({
    cluster: 'demo',
    namespace: 'default',
    trigger: 'audit',
    actor: 'kubernetes-admin',
    auditIds: [auditId],
  });
  return {
    Records: [
      {
        messageId: auditId,
        receiptHandle: 'r',
        body,
        attributes: {
          ApproximateReceiveCount: '1',
          SentTimestamp: String(Date.now()),
          SenderId: 'AROAEXAMPLE:waypointer-test-auditIngest',
          ApproximateFirstReceiveTimestamp: String(Date.now()),
          MessageGroupId: 'demo/default',
          MessageDeduplicationId: auditId,
          SequenceNumber: '1',
        },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN:
          'arn:aws:sqs:us-east-1:000000000000:waypointer-test-reconcile-requests.fifo',
        awsRegion: 'us-east-1',
      },
    ],
  };
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

/** What a consumer can tell of a message: all but the time of the run that published it. */
function seen(message: Message) {
  const { time, ...event } = JSON.parse(message.Body as string);
  expect(Number.isNaN(Date.parse(time))).toBe(false);
  return {
    event,
    groupId: message.Attributes?.MessageGroupId,
    deduplicationId: message.Attributes?.MessageDeduplicationId,
    messageAttributes: message.MessageAttributes,
  };
}

describe('binding changes fanned out through an SNS FIFO topic', () => {
  it('reach every consumer’s queue in order, as the SQS path publishes them', async () => {
    const viaTopic = await reconcileFrom({
      WAYPOINTER_BINDINGS_TABLE: BINDINGS_TABLE,
      WAYPOINTER_CHANGES_TOPIC_ARN: topicArn,
    });
    const context = lambdaContext('waypointer-test-reconcile', 120_000);
    expect(await viaTopic(requestEvent('a-1'), context)).toEqual({ batchItemFailures: [] });
    // A second change of the namespace: reviews names a waypoint of its own.
    const patch = await raw(local, 'PATCH', '/api/v1/namespaces/default/services/reviews', {
      body: { metadata: { labels: { 'istio.io/use-waypoint': 'reviews-svc-waypoint' } } },
      contentType: 'application/merge-patch+json',
    });
    expect(patch.status).toBe(200);
    expect(await viaTopic(requestEvent('a-2'), context)).toEqual({ batchItemFailures: [] });

    // Nothing went to binding-changes.fifo; each consumer got both generations, in order.
    expect(await drain(queues.bindingChanges as string)).toEqual([]);
    const received = Object.fromEntries(
      await Promise.all(
        CONSUMERS.map(async (c) => [c, (await drain(queues[c] as string)).map(seen)] as const),
      ),
    );
    const first = received['audit-trail'] ?? [];
    expect(first.map((m) => m.event.data.generation)).toEqual([1, 2]);
    expect(first.map((m) => m.event.subject)).toEqual(['demo/default', 'demo/default']);
    expect(first[1]?.event.data.changes).toEqual([
      expect.objectContaining({ kind: 'Service', name: 'reviews' }),
    ]);
    expect(received.gitops).toEqual(first);

    // The SQS path, from the same cluster state and nothing stored: the same messages.
    const viaQueue = await reconcileFrom({
      WAYPOINTER_BINDINGS_TABLE: SQS_PATH_TABLE,
      WAYPOINTER_CHANGES_TOPIC_ARN: undefined,
    });
    expect(await viaQueue(requestEvent('a-1'), context)).toEqual({ batchItemFailures: [] });
    const direct = (await drain(queues.bindingChanges as string)).map(seen);
    expect(direct).toHaveLength(1);
    const generationOne = first[0] as ReturnType<typeof seen>;
    // Generation 1 of the SQS path is the state after both changes; the topic's was before the
    // second: they differ only in the reviews Service's binding.
    expect(direct[0]?.event.id).toBe(generationOne.event.id);
    expect({ ...direct[0], event: undefined }).toEqual({ ...generationOne, event: undefined });
    const withoutReviews = (m: ReturnType<typeof seen> | undefined) => ({
      ...m?.event,
      data: {
        ...m?.event.data,
        changes: m?.event.data.changes.filter((c: { name: string }) => c.name !== 'reviews'),
      },
    });
    expect(withoutReviews(direct[0])).toEqual(withoutReviews(generationOne));
  }, 60_000);

  it('reach every consumer from the scheduled sweep too', async () => {
    // A change no audit event announced: the sweep finds it and publishes it to the topic.
    await raw(local, 'PATCH', '/api/v1/namespaces/default', {
      body: { metadata: { labels: { 'istio.io/use-waypoint': 'waypoint' } } },
      contentType: 'application/merge-patch+json',
    });
    const sweep = await sweepFrom({
      WAYPOINTER_BINDINGS_TABLE: BINDINGS_TABLE,
      WAYPOINTER_CHANGES_TOPIC_ARN: topicArn,
    });
    const tick = JSON.parse(
      readFileSync(new URL('../../events/scheduled-sweep.json', import.meta.url), 'utf8'),
    );
    const summary = await sweep(tick, lambdaContext('waypointer-test-scheduledSweep', 900_000));
    expect(summary.clusters[0]?.changes).toBeGreaterThan(0);
    expect(await drain(queues.bindingChanges as string)).toEqual([]);
    const perConsumer = await Promise.all(
      CONSUMERS.map(async (c) => (await drain(queues[c] as string)).map(seen)),
    );
    const [auditTrail, gitops] = perConsumer;
    expect(auditTrail?.map((m) => m.event.data.cause.trigger)).toContain('sweep');
    expect(auditTrail?.find((m) => m.event.subject === 'demo/default')?.event.data.generation).toBe(
      3,
    );
    expect(gitops).toEqual(auditTrail);
  }, 60_000);
});
