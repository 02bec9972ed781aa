/**
 * audit-ingest: Kubernetes audit events delivered as events, in reconcile requests out. Two shapes:
 * a CloudWatch Logs subscription (EKS control-plane logs of `/aws/eks/<cluster>/cluster`) and an
 * EventBridge event whose detail is `{cluster, event}`. (The audit webhook, HTTP, is
 * audit-webhook.) Malformed input is logged, counted and dropped (a retry cannot fix it); a failure
 * to enqueue throws, so the platform retries the delivery.
 */

import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { CloudWatchLogsSchema } from '@aws-lambda-powertools/parser/schemas/cloudwatch';
import { EventBridgeSchema } from '@aws-lambda-powertools/parser/schemas/eventbridge';
import type { MiddyfiedHandler } from '@middy/core';
import {
  auditDetailSchema,
  clusterOfLogGroup,
  parseAuditEvents,
  parseAuditEventTexts,
} from '../../shared/schemas/audit.ts';
import {
  type AuditCounts,
  type AuditDelivery,
  type AuditDeps,
  ingestDelivery,
  NO_AUDIT,
} from '../audit-delivery.ts';
import { instrumented } from '../powertools.ts';

/** What audit-ingest is built with. */
export type AuditIngestDeps = AuditDeps;

/** A CloudWatch Logs subscription event; null for a CONTROL_MESSAGE. */
export function fromCloudWatch(event: unknown): AuditDelivery | null {
  const { awslogs } = CloudWatchLogsSchema.parse(event);
  if (awslogs.data.messageType !== 'DATA_MESSAGE') return null;
  const cluster = clusterOfLogGroup(awslogs.data.logGroup);
  if (cluster === undefined)
    throw new Error(
      `log group ${awslogs.data.logGroup} is not an EKS cluster's (/aws/eks/<cluster>/cluster)`,
    );
  const messages = awslogs.data.logEvents.map((e) => e.message);
  return { cluster, ...parseAuditEventTexts(messages) };
}

const auditEventBridgeSchema = EventBridgeSchema.extend({ detail: auditDetailSchema });

/** An EventBridge event whose detail is `{cluster, event}` (one audit event). */
export function fromEventBridge(event: unknown): AuditDelivery {
  const { detail } = auditEventBridgeSchema.parse(event);
  return { cluster: detail.cluster, ...parseAuditEvents([detail.event]) };
}

type Event = Record<string, unknown>;

/** Builds the handler (one for both event shapes). */
export function createAuditIngest(deps: AuditIngestDeps): MiddyfiedHandler<Event, AuditCounts> {
  return instrumented<Event, AuditCounts>(deps).handler(async (event) => {
    deps.metrics.addMetric('AuditDeliveries', MetricUnit.Count, 1);
    const delivery = parseOrDrop(event, deps);
    return delivery === null ? NO_AUDIT : ingestDelivery(deps, delivery);
  });
}

/** The delivery an event holds; null (logged and counted) when it cannot be one. */
function parseOrDrop(event: Event, deps: AuditIngestDeps): AuditDelivery | null {
  try {
    if ('awslogs' in event) return fromCloudWatch(event);
    if ('detail-type' in event) return fromEventBridge(event);
    throw new Error(
      `unknown event shape (keys: ${Object.keys(event).join(', ')}): expected a CloudWatch Logs subscription or an EventBridge event`,
    );
  } catch (error) {
    // Malformed input cannot succeed on a retry: log it, count it and drop it.
    deps.logger.error('dropped an event that is not a valid audit delivery', {
      error: error as Error,
    });
    deps.metrics.addMetric('DroppedAuditDeliveries', MetricUnit.Count, 1);
    return null;
  }
}
