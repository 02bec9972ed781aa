/**
 * audit-ingest: Kubernetes audit events in, reconcile requests out. Accepts the three shapes audit
 * events arrive in: a CloudWatch Logs subscription (EKS control-plane logs), an EventBridge event
 * whose detail is `{cluster, event}`, and an audit webhook `EventList` POSTed over HTTP to
 * `/audit/{cluster}`. Malformed input is logged and dropped (a retry cannot fix it); a failure to
 * enqueue throws, so the platform retries the delivery.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { CloudWatchLogsSchema } from '@aws-lambda-powertools/parser/schemas/cloudwatch';
import { EventBridgeSchema } from '@aws-lambda-powertools/parser/schemas/eventbridge';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { z } from 'zod';
import { ingestAudit, type PipelineDeps } from '../../shared/app/pipeline.ts';
import type { AuditRecord } from '../../shared/domain/audit.ts';
import { NotFoundError } from '../../shared/domain/errors.ts';
import {
  type AuditEvent,
  auditEventListSchema,
  auditEventSchema,
} from '../../shared/schemas/audit.ts';
import { problemResponse, RequestError, toProblem } from '../http-api/problems.ts';

export interface AuditIngestDeps extends Pick<PipelineDeps, 'clusters' | 'queue'> {
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/** `/aws/eks/<cluster>/cluster`: the log group EKS writes control-plane logs to. */
const EKS_LOG_GROUP = /^\/aws\/eks\/([^/]+)\/cluster$/;

export interface Batch {
  readonly cluster: string;
  readonly events: AuditRecord[];
  readonly malformed: number;
}

function auditEvents(values: readonly unknown[]): { events: AuditEvent[]; malformed: number } {
  const events: AuditEvent[] = [];
  let malformed = 0;
  for (const value of values) {
    const parsed = auditEventSchema.safeParse(value);
    if (parsed.success) events.push(parsed.data);
    else malformed++;
  }
  return { events, malformed };
}

function jsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A CloudWatch Logs subscription event; null for a CONTROL_MESSAGE or another log group. */
export function fromCloudWatch(event: unknown): Batch | null {
  const { awslogs } = CloudWatchLogsSchema.parse(event);
  if (awslogs.data.messageType !== 'DATA_MESSAGE') return null;
  const cluster = EKS_LOG_GROUP.exec(awslogs.data.logGroup)?.[1];
  if (cluster === undefined)
    throw new Error(
      `log group ${awslogs.data.logGroup} is not an EKS cluster's (/aws/eks/<cluster>/cluster)`,
    );
  const { events, malformed } = auditEvents(
    awslogs.data.logEvents.map((e) => jsonOrUndefined(e.message)),
  );
  return { cluster, events, malformed };
}

const eventBridgeDetail = z.object({ cluster: z.string().min(1), event: z.unknown() });

/** An EventBridge event whose detail is `{cluster, event}` (one audit event). */
export function fromEventBridge(event: unknown): Batch {
  const { detail } = EventBridgeSchema.extend({ detail: eventBridgeDetail }).parse(event);
  const { events, malformed } = auditEvents([detail.event]);
  return { cluster: detail.cluster, events, malformed };
}

/** An audit webhook request: POST /audit/{cluster} with an EventList. */
export function fromWebhook(event: APIGatewayProxyEventV2): Batch {
  // `/audit/{cluster}`, behind any stage prefix.
  const cluster = /\/audit\/([^/]+)$/.exec(event.rawPath)?.[1];
  if (cluster === undefined)
    throw new RequestError(404, 'POST audit EventLists to /audit/{cluster}');
  const raw =
    event.body === undefined
      ? ''
      : event.isBase64Encoded
        ? Buffer.from(event.body, 'base64').toString('utf8')
        : event.body;
  const list = auditEventListSchema.safeParse(jsonOrUndefined(raw));
  if (!list.success) throw new RequestError(400, 'the body must be an audit.k8s.io/v1 EventList');
  let name: string;
  try {
    name = decodeURIComponent(cluster);
  } catch {
    throw new RequestError(
      400,
      `the cluster in the path, "${cluster}", is not valid percent-encoding`,
    );
  }
  return { cluster: name, ...auditEvents(list.data.items) };
}

type Event = Record<string, unknown>;

/** Builds the handler (one for all three event shapes). */
export function createAuditIngest(
  deps: AuditIngestDeps,
): middy.MiddyfiedHandler<
  Event,
  APIGatewayProxyResultV2 | { accepted: number; ignored: number; malformed: number } | undefined
> {
  const ingest = async (
    batch: Batch | null,
  ): Promise<{ accepted: number; ignored: number; malformed: number }> => {
    if (batch === null) return { accepted: 0, ignored: 0, malformed: 0 };
    const { requests, ignored } = await ingestAudit(deps, {
      cluster: batch.cluster,
      events: batch.events,
    });
    if (batch.malformed > 0)
      deps.logger.warn('dropped malformed audit events', {
        cluster: batch.cluster,
        malformed: batch.malformed,
      });
    deps.metrics.addMetric('AuditEvents', MetricUnit.Count, batch.events.length);
    deps.metrics.addMetric('ReconcileRequests', MetricUnit.Count, requests.length);
    return { accepted: requests.length, ignored, malformed: batch.malformed };
  };
  return middy<
    Event,
    APIGatewayProxyResultV2 | { accepted: number; ignored: number; malformed: number } | undefined
  >()
    .use(injectLambdaContext(deps.logger, { resetKeys: true }))
    .use(logMetrics(deps.metrics))
    .handler(async (event) => {
      deps.metrics.addMetric('AuditDeliveries', MetricUnit.Count, 1);
      if ('awslogs' in event) return ingest(parseOrDrop(() => fromCloudWatch(event), deps.logger));
      if ('detail-type' in event)
        return ingest(parseOrDrop(() => fromEventBridge(event), deps.logger));
      if ('requestContext' in event)
        return webhookResponse(deps, event as unknown as APIGatewayProxyEventV2, ingest);
      deps.logger.error(
        'unknown event shape: expected a CloudWatch Logs, EventBridge or API Gateway event',
        { keys: Object.keys(event) },
      );
      return undefined;
    });
}

/** The webhook's answer: 200 with the counts, or a problem for a request that cannot succeed. */
async function webhookResponse(
  deps: AuditIngestDeps,
  event: APIGatewayProxyEventV2,
  ingest: (batch: Batch) => Promise<{ accepted: number; ignored: number; malformed: number }>,
): Promise<APIGatewayProxyResultV2> {
  let batch: Batch;
  try {
    batch = fromWebhook(event);
    // A webhook for a cluster nobody configured would lose every event: say so to its sender.
    deps.clusters.get(batch.cluster);
  } catch (error) {
    if (!(error instanceof RequestError || error instanceof NotFoundError)) throw error;
    return problemResponse(toProblem(error).problem);
  }
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(await ingest(batch)),
  };
}

/** Malformed input cannot succeed on a retry: log it and drop it. */
function parseOrDrop(parse: () => Batch | null, logger: Logger): Batch | null {
  try {
    return parse();
  } catch (error) {
    logger.error('dropped an event that is not a valid audit delivery', { error: error as Error });
    return null;
  }
}
