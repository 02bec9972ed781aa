/**
 * What the two audit functions share (audit-ingest: CloudWatch Logs and EventBridge; audit-webhook:
 * HTTP): a delivery of audit events for one cluster goes through the `ingestAudit` use case, its
 * malformed events are logged, and the counts are recorded as metrics.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { ingestAudit, type PipelineDeps } from '../shared/app/pipeline.ts';
import type { ParsedAuditEvents } from '../shared/schemas/audit.ts';

/** What the audit functions are built with. */
export interface AuditDeps extends Pick<PipelineDeps, 'clusters' | 'queue' | 'identities'> {
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/** The audit events of one delivery, for one cluster. */
export interface AuditDelivery extends ParsedAuditEvents {
  readonly cluster: string;
}

/** What became of a delivery: requests enqueued, events that change no binding, malformed values. */
export interface AuditCounts {
  readonly accepted: number;
  readonly ignored: number;
  readonly malformed: number;
}

/** Nothing to ingest (a CloudWatch Logs CONTROL_MESSAGE, a delivery dropped as malformed). */
export const NO_AUDIT: AuditCounts = Object.freeze({ accepted: 0, ignored: 0, malformed: 0 });

/**
 * Ingests one delivery: one reconcile request per namespace its events can change.
 *
 * @example
 * await ingestDelivery(deps, { cluster: 'prod', ...parseAuditEvents(items) });
 * // => { accepted: 1, ignored: 2, malformed: 0 }
 */
export async function ingestDelivery(
  deps: AuditDeps,
  delivery: AuditDelivery,
): Promise<AuditCounts> {
  const { requests, ignored, unconfigured } = await ingestAudit(deps, {
    cluster: delivery.cluster,
    events: delivery.events,
  });
  if (unconfigured) {
    // Nothing could ever reconcile them (ingestAudit dropped them): say so, once per delivery.
    deps.logger.error('dropped audit events of a cluster that is not configured', {
      cluster: delivery.cluster,
      events: delivery.events.length,
      configured: deps.clusters.names(),
    });
    deps.metrics.addMetric(
      'UnconfiguredClusterAuditEvents',
      MetricUnit.Count,
      delivery.events.length,
    );
  }
  if (delivery.malformed > 0) {
    deps.logger.warn('dropped malformed audit events', {
      cluster: delivery.cluster,
      malformed: delivery.malformed,
    });
    deps.metrics.addMetric('MalformedAuditEvents', MetricUnit.Count, delivery.malformed);
  }
  deps.metrics.addMetric('AuditEvents', MetricUnit.Count, delivery.events.length);
  deps.metrics.addMetric('ReconcileRequests', MetricUnit.Count, requests.length);
  return { accepted: requests.length, ignored, malformed: delivery.malformed };
}
