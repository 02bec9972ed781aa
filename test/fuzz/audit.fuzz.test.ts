/**
 * Audit payloads from any sender: webhook EventLists (audit-webhook over API Gateway's event),
 * CloudWatch Logs subscription envelopes and EventBridge events (audit-ingest), near valid and not.
 * The webhook answers 2xx or a 4xx problem+json, never a 5xx; audit-ingest never throws (malformed
 * input is logged, counted and dropped); both enqueue on the real SQS endpoint.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { LocalCluster } from '@waypointer/kube-api';
import { lambdaContext } from '@waypointer/local-stack';
import { SqsServer } from '@waypointer/sqs-endpoint';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuditIngest } from '../../functions/audit-ingest/app.ts';
import { createAuditWebhook } from '../../functions/audit-webhook/app.ts';
import { SqsReconcileQueue } from '../../shared/adapters/aws/sqs.ts';
import { KubernetesCluster } from '../../shared/adapters/kubernetes/cluster.ts';
import { StaticClusterRegistry } from '../../shared/adapters/kubernetes/registry.ts';
import { editedJson, nastyJson, nastyString } from '../support/arbitraries.ts';
import { cluster, kubeConfigOf } from '../support/kube.ts';
import { fuzzParameters, timeLimit } from './runs.ts';

const sample = (name: string): any =>
  JSON.parse(readFileSync(new URL(`../../events/${name}`, import.meta.url), 'utf8'));

const WEBHOOK = sample('audit-webhook-eventlist.json') as APIGatewayProxyEventV2;
const EVENT_LIST = JSON.parse(WEBHOOK.body as string);
const LOGS = sample('cloudwatch-logs-eks-audit.decoded.json');
const BRIDGE = sample('eventbridge-audit.json');
const AUDIT_EVENT = EVENT_LIST.items[0];

/** Metrics that remember what was counted (flushing is disabled in tests). */
class CountingMetrics extends Metrics {
  readonly counts = new Map<string, number>();
  override addMetric(name: string, unit: Parameters<Metrics['addMetric']>[1], value: number): this {
    this.counts.set(name, (this.counts.get(name) ?? 0) + value);
    return super.addMetric(name, unit, value);
  }
}

let local: LocalCluster;
let sqs: SqsServer;
let client: SQSClient;
let metrics: CountingMetrics;
let webhook: ReturnType<typeof createAuditWebhook>;
let ingest: ReturnType<typeof createAuditIngest>;

beforeAll(async () => {
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  sqs = new SqsServer();
  const endpoint = await sqs.start(0);
  client = new SQSClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const { QueueUrl } = await client.send(
    new CreateQueueCommand({
      QueueName: 'reconcile-requests.fifo',
      Attributes: { FifoQueue: 'true' },
    }),
  );
  // A namespace's deletion is checked against the cluster: the embedded one, Bookinfo seeded.
  local = await cluster();
  const logger = new Logger({ serviceName: 'waypointer', logLevel: 'SILENT' });
  metrics = new CountingMetrics({ namespace: 'waypointer', serviceName: 'waypointer', logger });
  const deps = {
    clusters: new StaticClusterRegistry({ demo: new KubernetesCluster(kubeConfigOf(local)) }),
    queue: new SqsReconcileQueue(client, QueueUrl as string),
    logger,
    metrics,
  };
  webhook = createAuditWebhook(deps);
  ingest = createAuditIngest(deps);
});

afterAll(async () => {
  client?.destroy();
  await sqs?.stop();
  await local?.stop();
});

/** An audit event list body: the sample's, edited; its events edited; or anything at all. */
const eventListBody: fc.Arbitrary<string> = fc.oneof(
  editedJson(EVENT_LIST, 6).map((doc) => JSON.stringify(doc)),
  fc
    .array(editedJson(AUDIT_EVENT, 4), { maxLength: 5 })
    .map((items) => JSON.stringify({ ...EVENT_LIST, items })),
  nastyJson.map((value) => JSON.stringify(value)),
  nastyString,
);

const webhookEvent: fc.Arbitrary<APIGatewayProxyEventV2> = fc
  .record({
    path: fc.oneof(
      fc.constant('/audit/demo'),
      fc.constantFrom('/audit/', '/audit/nowhere', '/audit/%E0%A4%A', '/audit/demo/x', '/'),
      nastyString.map((s) => `/audit/${s}`),
    ),
    body: eventListBody,
    base64: fc.boolean(),
    contentType: fc.constantFrom('application/json', 'text/plain', 'application/octet-stream'),
  })
  .map(({ path, body, base64, contentType }) => ({
    ...WEBHOOK,
    rawPath: path,
    headers: { ...WEBHOOK.headers, 'content-type': contentType },
    requestContext: { ...WEBHOOK.requestContext, http: { ...WEBHOOK.requestContext.http, path } },
    body: base64 ? Buffer.from(body, 'utf8').toString('base64') : body,
    isBase64Encoded: base64,
  }));

/** A CloudWatch Logs subscription event: base64 of gzip of an (edited) envelope, or of junk. */
const logsEvent: fc.Arbitrary<unknown> = fc
  .oneof(
    fc
      .tuple(
        editedJson(LOGS, 4),
        fc.array(editedJson(AUDIT_EVENT, 3), { maxLength: 4 }),
        fc.boolean(),
      )
      .map(([envelope, events, keepEvents]) => {
        const doc =
          keepEvents || typeof envelope !== 'object' || envelope === null
            ? envelope
            : {
                ...envelope,
                logEvents: events.map((e, i) => ({
                  id: String(i),
                  timestamp: 1795515362031 + i,
                  message: JSON.stringify(e),
                })),
              };
        return gzipSync(JSON.stringify(doc)).toString('base64');
      }),
    fc.uint8Array({ maxLength: 64 }).map((bytes) => gzipSync(bytes).toString('base64')),
    nastyString,
  )
  .map((data) => ({ awslogs: { data } }));

const bridgeEvent: fc.Arbitrary<unknown> = fc.oneof(
  editedJson(BRIDGE, 5),
  editedJson(AUDIT_EVENT, 4).map((event) => ({ ...BRIDGE, detail: { cluster: 'demo', event } })),
);

const anyEvent: fc.Arbitrary<unknown> = fc.oneof(
  logsEvent,
  bridgeEvent,
  nastyJson.map((value) =>
    typeof value === 'object' && value !== null && !Array.isArray(value) ? value : { value },
  ),
);

/** The messageType of a CloudWatch Logs subscription event, when it decodes to one. */
function messageTypeOf(event: unknown): unknown {
  const data = (event as { awslogs?: { data?: unknown } }).awslogs?.data;
  if (typeof data !== 'string') return undefined;
  try {
    return JSON.parse(gunzipSync(Buffer.from(data, 'base64')).toString('utf8'))?.messageType;
  } catch {
    return undefined;
  }
}

describe('audit payloads from any sender', () => {
  it(
    'audit-webhook answers 200 or a 4xx problem+json, never a 5xx',
    async () => {
      await fc.assert(
        fc.asyncProperty(webhookEvent, async (event) => {
          const result = (await webhook(
            event,
            lambdaContext('waypointer-audit-webhook'),
          )) as APIGatewayProxyStructuredResultV2;
          const status = result.statusCode ?? 0;
          expect(status === 200 || (status >= 400 && status < 500), `status ${status}`).toBe(true);
          const body = JSON.parse(result.body ?? '');
          if (status !== 200) {
            expect(result.headers?.['content-type']).toBe('application/problem+json');
            expect(body).toMatchObject({ status, detail: expect.any(String) });
          }
        }),
        fuzzParameters(300),
      );
    },
    timeLimit(300, 20),
  );

  it(
    'audit-ingest never throws: what it cannot read is dropped and counted',
    async () => {
      await fc.assert(
        fc.asyncProperty(anyEvent, async (event) => {
          const before = metrics.counts.get('DroppedAuditDeliveries') ?? 0;
          const counts = await ingest(
            event as Record<string, unknown>,
            lambdaContext('waypointer-audit-ingest'),
          );
          expect(counts).toEqual({
            accepted: expect.any(Number),
            ignored: expect.any(Number),
            malformed: expect.any(Number),
          });
          const dropped = (metrics.counts.get('DroppedAuditDeliveries') ?? 0) - before;
          // Nothing read and nothing counted as dropped: only a CloudWatch Logs message that is
          // not a DATA_MESSAGE may be that.
          if (counts.accepted + counts.ignored + counts.malformed === 0 && dropped === 0)
            expect(messageTypeOf(event)).not.toBe('DATA_MESSAGE');
        }),
        fuzzParameters(300),
      );
    },
    timeLimit(300, 20),
  );
});
