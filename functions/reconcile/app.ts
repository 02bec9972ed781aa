/**
 * reconcile: a batch of `reconcile-requests.fifo` messages. Requests for the same namespace are
 * coalesced (one reconcile with every audit id); a failure fails only that namespace's messages
 * (Powertools FIFO partial batch response with skipGroupOnError), which SQS redelivers in order.
 */
import { processPartialResponse, SqsFifoPartialProcessorAsync } from '@aws-lambda-powertools/batch';
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import {
  type PipelineDeps,
  type ReconcileResult,
  reconcileNamespace,
} from '../../shared/app/pipeline.ts';
import type { ReconcileRequestMessage } from '../../shared/ports.ts';
import { reconcileRequestSchema } from '../../shared/schemas/audit.ts';

export interface ReconcileDeps extends PipelineDeps {
  readonly logger: Logger;
  readonly metrics: Metrics;
}

const key = (r: { cluster: string; namespace: string }): string => `${r.cluster}/${r.namespace}`;

/** The requests of a batch, merged per namespace; malformed records are left out (and logged). */
function coalesce(
  records: readonly SQSRecord[],
  logger: Logger,
): Map<string, ReconcileRequestMessage> {
  const merged = new Map<string, ReconcileRequestMessage>();
  for (const record of records) {
    const parsed = reconcileRequestSchema.safeParse(safeJson(record.body));
    if (!parsed.success) {
      logger.error('malformed reconcile request: it fails and goes to the dead-letter queue', {
        messageId: record.messageId,
      });
      continue;
    }
    const request = parsed.data;
    const previous = merged.get(key(request));
    merged.set(key(request), {
      ...request,
      actor: request.actor ?? previous?.actor ?? null,
      auditIds: [...new Set([...(previous?.auditIds ?? []), ...request.auditIds])].sort(),
      trigger: previous?.trigger === 'audit' ? 'audit' : request.trigger,
    });
  }
  return merged;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function createReconcile(
  deps: ReconcileDeps,
): middy.MiddyfiedHandler<SQSEvent, SQSBatchResponse> {
  return middy<SQSEvent, SQSBatchResponse>()
    .use(injectLambdaContext(deps.logger, { resetKeys: true }))
    .use(logMetrics(deps.metrics))
    .handler(async (event, context) => {
      const requests = coalesce(event.Records, deps.logger);
      const done = new Map<string, Promise<ReconcileResult>>();
      const handle = async (record: SQSRecord): Promise<void> => {
        const parsed = reconcileRequestSchema.safeParse(safeJson(record.body));
        // A malformed request fails (and reaches the dead-letter queue after its retries).
        if (!parsed.success) throw new Error(`malformed reconcile request ${record.messageId}`);
        const request = requests.get(key(parsed.data)) as ReconcileRequestMessage;
        let run = done.get(key(request));
        if (run === undefined) {
          run = reconcileNamespace(deps, request);
          done.set(key(request), run);
        }
        const result = await run;
        if (result.messages > 0) {
          deps.logger.info('published binding changes', { ...result, cluster: request.cluster });
          deps.metrics.addMetric('BindingChanges', MetricUnit.Count, result.changes);
        }
      };
      const response = await processPartialResponse(
        event,
        handle,
        new SqsFifoPartialProcessorAsync(),
        { context, skipGroupOnError: true, throwOnFullBatchFailure: false },
      );
      deps.metrics.addMetric('ReconcileRecords', MetricUnit.Count, event.Records.length);
      deps.metrics.addMetric(
        'ReconcileFailures',
        MetricUnit.Count,
        response.batchItemFailures.length,
      );
      return response;
    });
}
