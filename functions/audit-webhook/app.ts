/**
 * audit-webhook: the Kubernetes API server's audit webhook backend, over HTTP (API Gateway HTTP
 * API, payload 2.0): an `audit.k8s.io/v1` EventList POSTed to `/audit/{cluster}` becomes reconcile
 * requests through the same use case as audit-ingest. Answers 200 with the counts, or a
 * problem+json (the HTTP API's mapping) for a request that cannot succeed: a path that is not the
 * webhook's (404), a body that is not an EventList or a cluster that is not valid percent-encoding
 * (400), a cluster nobody configured (404). A failure to enqueue throws (a 5xx the sender retries).
 */

import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MiddyfiedHandler } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { NotFoundError } from '../../shared/domain/errors.ts';
import {
  AUDIT_WEBHOOK_ROUTE,
  auditEventListJsonSchema,
  parseAuditEvents,
  webhookClusterSegment,
} from '../../shared/schemas/audit.ts';
import { type AuditDelivery, type AuditDeps, ingestDelivery } from '../audit-delivery.ts';
import { problemResponse, RequestError, toProblem } from '../http-api/problems.ts';
import { bodyText } from '../http-body.ts';
import { instrumented } from '../powertools.ts';

/** What audit-webhook is built with. */
export type AuditWebhookDeps = AuditDeps;

/** An audit webhook request: POST /audit/{cluster} with an EventList; RequestError when not. */
export function fromWebhook(event: APIGatewayProxyEventV2): AuditDelivery {
  const cluster = webhookClusterSegment(event.rawPath);
  if (cluster === undefined)
    throw new RequestError(404, `POST audit EventLists to ${AUDIT_WEBHOOK_ROUTE}`);
  const list = auditEventListJsonSchema.safeParse(bodyText(event));
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
  return { cluster: name, ...parseAuditEvents(list.data.items) };
}

/** Builds the handler. */
export function createAuditWebhook(
  deps: AuditWebhookDeps,
): MiddyfiedHandler<APIGatewayProxyEventV2, APIGatewayProxyResultV2> {
  return instrumented<APIGatewayProxyEventV2, APIGatewayProxyResultV2>(deps).handler(
    async (event) => {
      deps.metrics.addMetric('AuditDeliveries', MetricUnit.Count, 1);
      let delivery: AuditDelivery;
      try {
        delivery = fromWebhook(event);
        // A webhook for a cluster nobody configured would lose every event: say so to its sender.
        deps.clusters.get(delivery.cluster);
      } catch (error) {
        if (!(error instanceof RequestError || error instanceof NotFoundError)) throw error;
        deps.logger.warn('refused an audit webhook request', { error });
        deps.metrics.addMetric('RefusedAuditDeliveries', MetricUnit.Count, 1);
        return problemResponse(toProblem(error).problem);
      }
      return {
        statusCode: 200,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(await ingestDelivery(deps, delivery)),
      };
    },
  );
}
