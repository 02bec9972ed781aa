/**
 * The functions' real handlers on the sample events of `events/`, against the embedded stack: the
 * embedded cluster (Bookinfo) answering for the samples' cluster `demo`, the embedded SQS and
 * dynalite (`startPipeline`). Also `waypointer invoke` on every sample.
 *
 * The pipeline's poller consumes `reconcile-requests.fifo` as soon as something lands there, so
 * audit-ingest and audit-webhook are built here (the real SqsReconcileQueue adapter) on a probe
 * FIFO queue of the same embedded SQS, and the requests are read back from it with a real client.
 */

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { APIGatewayProxyEventV2Schema } from '@aws-lambda-powertools/parser/schemas/api-gatewayv2';
import { CloudWatchLogsSchema } from '@aws-lambda-powertools/parser/schemas/cloudwatch';
import { EventBridgeSchema } from '@aws-lambda-powertools/parser/schemas/eventbridge';
import { SqsSchema } from '@aws-lambda-powertools/parser/schemas/sqs';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { LocalCluster } from '@waypointer/kube-api';
import { type LocalPipeline, lambdaContext, startPipeline } from '@waypointer/local-stack';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  SQSEvent,
  SQSRecord,
} from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuditIngest } from '../../functions/audit-ingest/app.ts';
import { createAuditWebhook } from '../../functions/audit-webhook/app.ts';
import { createHttpApi } from '../../functions/http-api/app.ts';
import { createReconcile } from '../../functions/reconcile/app.ts';
import { createSweep } from '../../functions/scheduled-sweep/app.ts';
import { requestDeduplicationId, SqsReconcileQueue } from '../../shared/adapters/aws/sqs.ts';
import { KubernetesCluster } from '../../shared/adapters/kubernetes/cluster.ts';
import { StaticClusterRegistry } from '../../shared/adapters/kubernetes/registry.ts';
import { LOCAL_PERMISSIVE } from '../../shared/app/authorization.ts';
import { MAX_AUDIT_IDS } from '../../shared/app/pipeline.ts';
import { messageGroupId } from '../../shared/domain/message.ts';
import type { ClusterSnapshot } from '../../shared/domain/model.ts';
import { auditEventListSchema, auditEventSchema } from '../../shared/schemas/audit.ts';
import {
  type ReconcileRequest,
  reconcileRecordSchema,
  reconcileRequestSchema,
} from '../../shared/schemas/reconcile-request.ts';
import { cluster, kubeConfigOf, raw } from '../support/kube.ts';

const sample = <T = unknown>(name: string): T =>
  JSON.parse(readFileSync(new URL(`../../events/${name}`, import.meta.url), 'utf8')) as T;

interface CloudWatchLogsEvent {
  readonly awslogs: { readonly data: string };
}

interface DecodedLogs {
  readonly logGroup: string;
  readonly logStream: string;
  readonly logEvents: readonly { id: string; timestamp: number; message: string }[];
}

const schema = JSON.parse(
  readFileSync(new URL('../../schemas/binding-changes.v1.schema.json', import.meta.url), 'utf8'),
);
const ajv = new (Ajv2020 as unknown as typeof Ajv2020.default)({ strict: false });
(addFormats as unknown as (a: unknown) => void)(ajv);
const validate = ajv.compile(schema);

const JDOE = 'arn:aws:sts::123456789012:assumed-role/PlatformAdmin/jdoe';
/** Audit IDs of the samples' events that can change a binding. */
const IDS = {
  gatewayCreate: '3f2c9a4e-8b1d-4c6f-a0e7-5d9b2c8f1a34',
  namespacePatch: 'a81e4d27-6c3b-4f95-b2d0-9e7f1c5a3b68',
  servicePatch: '5d8a2c6e-1f4b-4a9d-8e3c-7b0f2d4a6c81',
  gatewayDelete: '0b7e3d9f-5a1c-4e8b-b6d2-4f8a0c2e6b19',
};

/** Counts namespace snapshots: one per reconcile of a namespace. */
class CountingCluster extends KubernetesCluster {
  readonly snapshots: string[] = [];

  override namespaceSnapshot(namespace: string): Promise<ClusterSnapshot> {
    this.snapshots.push(namespace);
    return super.namespaceSnapshot(namespace);
  }
}

/** A logger that keeps what is logged at error level, for tests that check a failure is told. */
class ErrorRecorder extends Logger {
  readonly errors: { message: string; extra: Record<string, unknown> }[] = [];

  override error(message: unknown, ...extra: unknown[]): void {
    this.errors.push({
      message: String(message),
      extra: Object.assign({}, ...extra.filter((e) => typeof e === 'object')),
    });
  }
}

const quiet = (): { logger: Logger; metrics: Metrics } => ({
  logger: new Logger({ serviceName: 'waypointer', logLevel: 'CRITICAL' }),
  metrics: new Metrics({ namespace: 'waypointer', serviceName: 'waypointer' }),
});

let local: LocalCluster;
let demo: CountingCluster;
let clusters: StaticClusterRegistry;
let pipeline: LocalPipeline;
let sqs: SQSClient;
let probeUrl: string;
let auditIngest: ReturnType<typeof createAuditIngest>;
let auditWebhook: ReturnType<typeof createAuditWebhook>;

beforeAll(async () => {
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  local = await cluster();
  demo = new CountingCluster(kubeConfigOf(local));
  clusters = new StaticClusterRegistry({ demo });
  pipeline = await startPipeline({ clusters, sweepIntervalMs: 3_600_000, logLevel: 'CRITICAL' });
  sqs = new SQSClient({
    endpoint: pipeline.sqs,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  probeUrl = (
    await sqs.send(
      new CreateQueueCommand({
        QueueName: 'reconcile-requests-probe.fifo',
        Attributes: { FifoQueue: 'true' },
      }),
    )
  ).QueueUrl as string;
  const probe = { clusters, queue: new SqsReconcileQueue(sqs, probeUrl) };
  auditIngest = createAuditIngest({ ...probe, ...quiet() });
  auditWebhook = createAuditWebhook({ ...probe, ...quiet() });
}, 30_000);

afterAll(async () => {
  sqs?.destroy();
  await pipeline?.stop();
  await local?.stop();
});

/** Everything on a queue now, deleted once read. */
async function drain(queueUrl: string): Promise<Message[]> {
  const all: Message[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        MessageSystemAttributeNames: ['All'],
      }),
    );
    if (Messages.length === 0) return all;
    all.push(...Messages);
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: Messages.map((m, i) => ({
          Id: `d${i}`,
          ReceiptHandle: m.ReceiptHandle as string,
        })),
      }),
    );
  }
}

interface Enqueued {
  readonly request: ReconcileRequest;
  readonly groupId: string | undefined;
  readonly deduplicationId: string | undefined;
}

async function enqueued(): Promise<Enqueued[]> {
  return (await drain(probeUrl)).map((m) => ({
    request: reconcileRequestSchema.parse(JSON.parse(m.Body as string)),
    groupId: m.Attributes?.MessageGroupId,
    deduplicationId: m.Attributes?.MessageDeduplicationId,
  }));
}

interface Published {
  readonly subject: string;
  readonly generation: number;
  readonly cause: { trigger: string; actor: string | null; auditIds: string[] };
  readonly changes: number;
}

/** The binding-change messages published since the last call, each checked against the schema. */
async function published(): Promise<Published[]> {
  return (await drain(pipeline.queues.bindingChanges)).map((m) => {
    const event = JSON.parse(m.Body as string);
    expect(validate(event), JSON.stringify(validate.errors)).toBe(true);
    expect(m.Attributes?.MessageGroupId).toBe(event.subject);
    return {
      subject: event.subject,
      generation: event.data.generation,
      cause: event.data.cause,
      changes: event.data.changes.length,
    };
  });
}

describe('the sample events', () => {
  it('parse with the Powertools schema of their trigger and hold valid audit events', () => {
    const logs = CloudWatchLogsSchema.parse(sample('cloudwatch-logs-eks-audit.json')).awslogs.data;
    for (const e of logs.logEvents) auditEventSchema.parse(JSON.parse(e.message));
    const control = sample('cloudwatch-logs-control-message.json');
    expect(CloudWatchLogsSchema.parse(control).awslogs.data).toMatchObject({
      messageType: 'CONTROL_MESSAGE',
      owner: 'CloudwatchLogs',
      logGroup: '',
      subscriptionFilters: [],
    });
    const bridge = EventBridgeSchema.parse(sample('eventbridge-audit.json'));
    expect(bridge).toMatchObject({
      'detail-type': 'Kubernetes Audit Event',
      source: 'com.example.k8s-audit',
    });
    auditEventSchema.parse((bridge.detail as { event: unknown }).event);
    const webhook = APIGatewayProxyEventV2Schema.parse(sample('audit-webhook-eventlist.json'));
    for (const item of auditEventListSchema.parse(JSON.parse(webhook.body as string)).items)
      auditEventSchema.parse(item);
    for (const record of SqsSchema.parse(sample('sqs-reconcile-requests.json')).Records) {
      reconcileRequestSchema.parse(JSON.parse(record.body));
      expect(reconcileRecordSchema.parse(record).body).toEqual(JSON.parse(record.body));
    }
    expect(EventBridgeSchema.parse(sample('scheduled-sweep.json'))).toMatchObject({
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
    });
    const get = APIGatewayProxyEventV2Schema.parse(sample('http-api-get-bindings.json'));
    expect(get.requestContext.authorizer?.iam?.userArn).toBe(JDOE);
  });

  it('the CloudWatch Logs sample decodes to exactly the committed decoded payload', () => {
    const text = gunzipSync(
      Buffer.from(
        sample<CloudWatchLogsEvent>('cloudwatch-logs-eks-audit.json').awslogs.data,
        'base64',
      ),
    ).toString('utf8');
    const decoded = sample('cloudwatch-logs-eks-audit.decoded.json');
    expect(JSON.parse(text)).toEqual(decoded);
    expect(text).toBe(JSON.stringify(decoded));
  });

  it('the CloudWatch Logs sample is shaped as EKS delivers audit logs', () => {
    const decoded = sample<DecodedLogs>('cloudwatch-logs-eks-audit.decoded.json');
    expect(decoded.logGroup).toBe('/aws/eks/demo/cluster');
    expect(decoded.logStream).toMatch(/^kube-apiserver-audit-[0-9a-f]{32}$/);
    for (const { id, timestamp, message } of decoded.logEvents) {
      const event = JSON.parse(message);
      expect(event.stage).toBe('ResponseComplete');
      expect(timestamp).toBe(Math.floor(Date.parse(event.stageTimestamp)));
      // A log event id carries its timestamp in the bits above 144 (as in AWS's examples).
      expect(BigInt(id) >> 144n).toBe(BigInt(timestamp));
      // EKS logs CRDs (gateway.networking.k8s.io) at Metadata, core writes at RequestResponse.
      const crd = event.objectRef.apiGroup === 'gateway.networking.k8s.io';
      expect(event.level).toBe(crd ? 'Metadata' : 'RequestResponse');
      if (crd) expect(event).not.toHaveProperty('requestObject');
    }
  });

  it('the SQS sample carries what SqsReconcileQueue sends', () => {
    const records = sample<SQSEvent>('sqs-reconcile-requests.json').Records;
    for (const r of records) {
      const request = reconcileRequestSchema.parse(JSON.parse(r.body));
      expect(r.attributes.MessageGroupId).toBe(messageGroupId(request.cluster, request.namespace));
      expect(r.attributes.MessageDeduplicationId).toBe(
        requestDeduplicationId(request, r.attributes.SentTimestamp),
      );
      expect(r.md5OfBody).toBe(createHash('md5').update(r.body).digest('hex'));
      expect(r.eventSourceARN).toMatch(
        /^arn:aws:sqs:[a-z0-9-]+:\d{12}:.*reconcile-requests\.fifo$/,
      );
    }
    const sequence = records.map((r) => BigInt(r.attributes.SequenceNumber as string));
    expect([...sequence].sort((a, b) => (a < b ? -1 : 1))).toEqual(sequence);
  });
});

describe('audit-ingest', () => {
  const ingest = (event: unknown): Promise<unknown> =>
    auditIngest(event as never, lambdaContext('waypointer-audit-ingest'));
  const webhook = (event: unknown): Promise<unknown> =>
    auditWebhook(event as never, lambdaContext('waypointer-audit-webhook'));

  it('CloudWatch Logs: one reconcile request per namespace written; reads and failures ignored', async () => {
    const result = await ingest(sample('cloudwatch-logs-eks-audit.json'));
    expect(result).toEqual({ accepted: 1, ignored: 2, malformed: 0 });
    const request = {
      cluster: 'demo',
      namespace: 'default',
      trigger: 'audit',
      actor: JDOE,
      auditIds: [IDS.gatewayCreate, IDS.namespacePatch],
    } as const;
    // The get (a read) and the 422 patch of istio-system reach no namespace.
    expect(await enqueued()).toEqual([
      {
        request,
        groupId: 'demo/default',
        deduplicationId: requestDeduplicationId(request),
      },
    ]);
  });

  it('CloudWatch Logs CONTROL_MESSAGE: nothing', async () => {
    const result = await ingest(sample('cloudwatch-logs-control-message.json'));
    expect(result).toEqual({ accepted: 0, ignored: 0, malformed: 0 });
    expect(await enqueued()).toEqual([]);
  });

  it('an event of another trigger or another log group: dropped, nothing enqueued', async () => {
    expect(await ingest(sample('audit-webhook-eventlist.json'))).toEqual({
      accepted: 0,
      ignored: 0,
      malformed: 0,
    });
    const decoded = sample<DecodedLogs>('cloudwatch-logs-eks-audit.decoded.json');
    const data = gzipSync(JSON.stringify({ ...decoded, logGroup: '/aws/lambda/other' }));
    expect(await ingest({ awslogs: { data: data.toString('base64') } })).toEqual({
      accepted: 0,
      ignored: 0,
      malformed: 0,
    });
    expect(await enqueued()).toEqual([]);
  });

  it('EventBridge for a cluster that is not configured: nothing enqueued, and it says so', async () => {
    const logger = new ErrorRecorder({ serviceName: 'waypointer', logLevel: 'CRITICAL' });
    const handler = createAuditIngest({
      clusters,
      queue: new SqsReconcileQueue(sqs, probeUrl),
      ...quiet(),
      logger,
    });
    const event = sample<{ detail: Record<string, unknown> }>('eventbridge-audit.json');
    const result = await handler(
      { ...event, detail: { ...event.detail, cluster: 'prod' } },
      lambdaContext('audit-ingest'),
    );
    expect(result).toEqual({ accepted: 0, ignored: 1, malformed: 0 });
    expect(await enqueued()).toEqual([]);
    expect(logger.errors.map((e) => [e.message, e.extra.cluster, e.extra.events])).toEqual([
      ['dropped audit events of a cluster that is not configured', 'prod', 1],
    ]);
  });

  it('EventBridge: one request for the namespace of the audit event', async () => {
    const result = await ingest(sample('eventbridge-audit.json'));
    expect(result).toEqual({ accepted: 1, ignored: 0, malformed: 0 });
    expect((await enqueued()).map((e) => e.request)).toEqual([
      {
        cluster: 'demo',
        namespace: 'default',
        trigger: 'audit',
        actor: JDOE,
        auditIds: [IDS.servicePatch],
      },
    ]);
  });

  it('audit webhook: 200 with the counts; the list and the pod status patch are ignored', async () => {
    const response = (await webhook(
      sample('audit-webhook-eventlist.json'),
    )) as APIGatewayProxyStructuredResultV2;
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body as string)).toEqual({ accepted: 1, ignored: 2, malformed: 0 });
    expect((await enqueued()).map((e) => e.request)).toEqual([
      {
        cluster: 'demo',
        namespace: 'default',
        trigger: 'audit',
        actor: 'kubernetes-admin',
        auditIds: [IDS.gatewayDelete],
      },
    ]);
  });

  it('audit webhook: a large delivery is enqueued whole, batched by size, every namespace once', async () => {
    const event = sample<APIGatewayProxyEventV2>('audit-webhook-eventlist.json');
    const template = JSON.parse(event.body as string).items[0];
    const namespaces = Array.from({ length: 12 }, (_, i) => (i === 0 ? 'default' : `team-${i}`));
    // 3,000 writes in each namespace, so ten requests would be far over SQS's 1 MiB a batch, and
    // 30,000 in the first, whose audit ids alone would be over SQS's 1 MiB a message.
    const items = namespaces.flatMap((namespace, n) =>
      Array.from({ length: n === 0 ? 30_000 : 3000 }, (_, k) => ({
        ...template,
        auditID: `${namespace}-${String(k).padStart(6, '0')}-0000-4000-8000-000000000000`,
        verb: 'patch',
        objectRef: { resource: 'services', namespace, name: 'reviews', apiVersion: 'v1' },
        responseStatus: { code: 200 },
      })),
    );
    const response = (await webhook({
      ...event,
      body: JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items }),
      isBase64Encoded: false,
    })) as APIGatewayProxyStructuredResultV2;
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body as string)).toMatchObject({ accepted: namespaces.length });
    const requests = (await enqueued()).map((e) => e.request);
    expect(requests.map((r) => r.namespace).sort()).toEqual([...namespaces].sort());
    for (const request of requests) expect(request.auditIds.length).toBeGreaterThan(0);
    // A request carries the latest audit ids a binding-change message can hold.
    expect(requests.find((r) => r.namespace === 'default')?.auditIds).toHaveLength(MAX_AUDIT_IDS);
  });

  it('audit webhook: a body that is not an EventList is a 400 problem, and nothing is enqueued', async () => {
    const event = sample<APIGatewayProxyEventV2>('audit-webhook-eventlist.json');
    const single = JSON.parse(event.body as string).items[0];
    for (const body of ['{"kind":"EventList"', JSON.stringify(single)]) {
      const response = (await webhook({ ...event, body })) as APIGatewayProxyStructuredResultV2;
      expect(response.statusCode).toBe(400);
      expect(response.headers?.['content-type']).toBe('application/problem+json');
      expect(JSON.parse(response.body as string)).toMatchObject({
        status: 400,
        detail: 'the body must be an audit.k8s.io/v1 EventList',
      });
    }
    expect(await enqueued()).toEqual([]);
  });

  it.each<[string, number, string]>([
    ['/audit/%E0%A4%A', 400, 'the cluster in the path, "%E0%A4%A", is not valid percent-encoding'],
    ['/audit/prod', 404, 'cluster "prod" is not configured; known clusters: demo'],
    ['/v1/clusters', 404, 'POST audit EventLists to /audit/{cluster}'],
  ])(
    'audit webhook to %s: %i problem, and nothing is enqueued',
    async (rawPath, status, detail) => {
      const event = sample<APIGatewayProxyEventV2>('audit-webhook-eventlist.json');
      const response = (await webhook({ ...event, rawPath })) as APIGatewayProxyStructuredResultV2;
      expect([response.statusCode, JSON.parse(response.body as string)]).toEqual([
        status,
        {
          type: 'about:blank',
          title: status === 400 ? 'Bad Request' : 'Not Found',
          status,
          detail,
        },
      ]);
      expect(await enqueued()).toEqual([]);
    },
  );
});

describe('reconcile', () => {
  const reconcile = (event: SQSEvent): Promise<unknown> =>
    createReconcile({ ...pipeline.deps, ...quiet() })(
      event,
      lambdaContext('waypointer-reconcile', 120_000),
    );

  it('the SQS sample: no failures, one reconcile per namespace, its changes on binding-changes.fifo', async () => {
    demo.snapshots.length = 0;
    await published();
    expect(await reconcile(sample<SQSEvent>('sqs-reconcile-requests.json'))).toEqual({
      batchItemFailures: [],
    });
    expect([...demo.snapshots].sort()).toEqual(['default', 'istio-system']);
    const messages = await published();
    const forDefault = messages.filter((m) => m.subject === 'demo/default');
    expect(forDefault.length).toBeGreaterThan(0);
    expect(messages.every((m) => ['demo/default', 'demo/istio-system'].includes(m.subject))).toBe(
      true,
    );
    // Coalesced: the two default requests made one generation with both requests' audit ids.
    for (const m of forDefault) {
      expect(m.generation).toBe(1);
      expect(m.cause).toEqual({
        trigger: 'audit',
        actor: JDOE,
        auditIds: [IDS.gatewayCreate, IDS.servicePatch, IDS.namespacePatch],
      });
    }
    expect(forDefault.reduce((sum, m) => sum + m.changes, 0)).toBe(5);
  });

  it('a namespace that fails fails only its own group (FIFO partial batch response)', async () => {
    demo.snapshots.length = 0;
    const [first, second, third] = sample<SQSEvent>('sqs-reconcile-requests.json').Records;
    const retarget = (r: SQSRecord, cluster: string, namespace: string, id: string): SQSRecord => {
      const body = JSON.stringify({ ...JSON.parse(r.body), cluster, namespace });
      return {
        ...r,
        messageId: id,
        body,
        md5OfBody: createHash('md5').update(body).digest('hex'),
        attributes: { ...r.attributes, MessageGroupId: messageGroupId(cluster, namespace) },
      };
    };
    const event: SQSEvent = {
      Records: [
        // `prod` is not a configured cluster: its reconcile throws.
        retarget(first as SQSRecord, 'prod', 'default', 'f0000000-0000-4000-8000-000000000001'),
        retarget(second as SQSRecord, 'prod', 'default', 'f0000000-0000-4000-8000-000000000002'),
        retarget(third as SQSRecord, 'demo', 'kube-system', 'f0000000-0000-4000-8000-000000000003'),
      ],
    };
    expect(await reconcile(event)).toEqual({
      batchItemFailures: [
        { itemIdentifier: 'f0000000-0000-4000-8000-000000000001' },
        { itemIdentifier: 'f0000000-0000-4000-8000-000000000002' },
      ],
    });
    expect(demo.snapshots).toEqual(['kube-system']);
    const subjects = new Set((await published()).map((m) => m.subject));
    expect(subjects.has('prod/default')).toBe(false);
  });

  it('logs a failed reconcile with its cause, once per namespace', async () => {
    const [first, second] = sample<SQSEvent>('sqs-reconcile-requests.json').Records;
    const toProd = (r: SQSRecord, id: string): SQSRecord => {
      const body = JSON.stringify({ ...JSON.parse(r.body), cluster: 'prod', namespace: 'default' });
      return {
        ...r,
        messageId: id,
        body,
        md5OfBody: createHash('md5').update(body).digest('hex'),
        attributes: { ...r.attributes, MessageGroupId: messageGroupId('prod', 'default') },
      };
    };
    const logger = new ErrorRecorder({ serviceName: 'waypointer', logLevel: 'CRITICAL' });
    const handler = createReconcile({ ...pipeline.deps, ...quiet(), logger });
    await handler(
      {
        Records: [
          toProd(first as SQSRecord, 'd0000000-0000-4000-8000-000000000001'),
          toProd(second as SQSRecord, 'd0000000-0000-4000-8000-000000000002'),
        ],
      },
      lambdaContext('reconcile'),
    );
    expect(logger.errors).toHaveLength(1);
    expect(logger.errors[0]?.message).toMatch(/^reconcile failed/);
    expect(logger.errors[0]?.extra).toMatchObject({ cluster: 'prod', namespace: 'default' });
    expect(String(logger.errors[0]?.extra.error)).toMatch(/prod/);
  });

  it('a record that is not a reconcile request fails alone; its namespace-mates still run', async () => {
    demo.snapshots.length = 0;
    const [first, second] = sample<SQSEvent>('sqs-reconcile-requests.json').Records;
    const broken: SQSRecord = {
      ...(first as SQSRecord),
      messageId: 'e0000000-0000-4000-8000-000000000001',
      body: '{"cluster":"demo"',
      attributes: { ...(first as SQSRecord).attributes, MessageGroupId: 'demo/broken' },
    };
    const event: SQSEvent = { Records: [broken, second as SQSRecord] };
    expect(await reconcile(event)).toEqual({
      batchItemFailures: [{ itemIdentifier: 'e0000000-0000-4000-8000-000000000001' }],
    });
    expect(demo.snapshots).toEqual([JSON.parse((second as SQSRecord).body).namespace]);
  });
});

describe('scheduled-sweep', () => {
  it('reconciles the whole cluster from the sample event and heals a change audit missed', async () => {
    await published();
    // A change no audit event announced: only the sweep can find it.
    await raw(local, 'PATCH', '/api/v1/namespaces/default', {
      body: { metadata: { labels: { 'istio.io/use-waypoint': 'waypoint' } } },
      contentType: 'application/merge-patch+json',
    });
    const sweep = createSweep({ ...pipeline.deps, ...quiet() });
    const summary = await sweep(
      sample('scheduled-sweep.json'),
      lambdaContext('waypointer-scheduled-sweep', 900_000),
    );
    expect(summary.clusters).toHaveLength(1);
    expect(summary.clusters[0]).toMatchObject({ cluster: 'demo', namespaces: 3, complete: true });
    expect(summary.clusters[0]?.changes).toBeGreaterThan(0);
    const messages = await published();
    expect(messages.map((m) => m.subject)).toContain('demo/default');
    expect(messages.every((m) => m.cause.trigger === 'sweep')).toBe(true);
  });
});

describe('scheduled-sweep, when a cluster is unreachable', () => {
  it('still sweeps the other clusters, reports the failure, and fails only when all fail', async () => {
    const stopped = await cluster();
    await stopped.stop();
    const down = new KubernetesCluster(kubeConfigOf(stopped), { maxRetries: 0 });
    const demoCluster = pipeline.deps.clusters.get('demo');
    // `a-down` sorts first: a failure there must not keep `demo` from being swept.
    const both = new StaticClusterRegistry({ 'a-down': down, demo: demoCluster });
    await raw(local, 'PATCH', '/api/v1/namespaces/default', {
      body: { metadata: { labels: { 'istio.io/use-waypoint': null } } },
      contentType: 'application/merge-patch+json',
    });
    await published();
    const sweep = createSweep({ ...pipeline.deps, clusters: both, ...quiet() });
    const summary = await sweep({}, lambdaContext('waypointer-scheduled-sweep', 900_000));
    expect(summary.clusters.map((c) => [c.cluster, c.complete, c.error !== undefined])).toEqual([
      ['a-down', false, true],
      ['demo', true, false],
    ]);
    expect(summary.clusters[0]?.error).toMatch(/Kubernetes API/);
    expect((await published()).map((m) => m.subject)).toContain('demo/default');

    const onlyDown = createSweep({
      ...pipeline.deps,
      clusters: new StaticClusterRegistry({ 'a-down': down }),
      ...quiet(),
    });
    await expect(
      onlyDown({}, lambdaContext('waypointer-scheduled-sweep', 900_000)),
    ).rejects.toThrow(/every cluster failed to sweep: a-down: /);
  });
});

describe('http-api', () => {
  const api = (): ReturnType<typeof createHttpApi> =>
    createHttpApi({ clusters, policy: LOCAL_PERMISSIVE, ...quiet() });
  const bindingsOf = async (event: APIGatewayProxyEventV2): Promise<unknown> => {
    const response = (await api()(
      event,
      lambdaContext('waypointer-http-api', 29_000),
    )) as APIGatewayProxyStructuredResultV2;
    expect(response.statusCode, response.body).toBe(200);
    return JSON.parse(response.body as string);
  };

  it('GET bindings: the namespace default of cluster demo, for the IAM caller', async () => {
    const { pathParameters: _proxy, ...event } = sample<APIGatewayProxyEventV2>(
      'http-api-get-bindings.json',
    );
    const body = (await bindingsOf(event)) as { services: { name: string }[] };
    expect(body.services.map((s) => s.name)).toEqual([
      'details',
      'productpage',
      'ratings',
      'reviews',
    ]);
  });

  // The deployed route is `ANY /{proxy+}`, so API Gateway also sends `pathParameters.proxy`.
  it('GET bindings: the event exactly as API Gateway sends it for ANY /{proxy+}', async () => {
    const body = (await bindingsOf(
      sample<APIGatewayProxyEventV2>('http-api-get-bindings.json'),
    )) as { services: unknown[] };
    expect(body.services).toHaveLength(4);
  });
});
