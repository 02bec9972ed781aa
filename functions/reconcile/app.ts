/**
 * reconcile: a batch of `reconcile-requests.fifo` messages. Each record is parsed once (Powertools'
 * SQS record schema with the reconcile request as its JSON body); the requests of the batch are
 * reconciled coalesced, one reconcile per namespace with every audit id (`reconcileBatch`). A
 * failure fails only that namespace's messages (Powertools FIFO partial batch response with
 * skipGroupOnError), which SQS redelivers in order; a malformed record fails too, and reaches the
 * dead-letter queue after its retries.
 */

import { processPartialResponse, SqsFifoPartialProcessorAsync } from '@aws-lambda-powertools/batch';
import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MiddyfiedHandler } from '@middy/core';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { PipelineDeps, ReconcileResult } from '../../shared/app/pipeline.ts';
import { reconcileBatch, requestKey } from '../../shared/app/reconcile-batch.ts';
import {
  type ReconcileRequest,
  reconcileRecordSchema,
} from '../../shared/schemas/reconcile-request.ts';
import { instrumented } from '../powertools.ts';

/** What reconcile is built with: the pipeline's adapters and Powertools. */
export interface ReconcileDeps extends PipelineDeps {
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/** A record's request, or why it is not one. */
type Parsed = { readonly request: ReconcileRequest } | { readonly error: string };

/** Parses every record once; a record that is not a reconcile request is logged and counted. */
function parseRecords(records: readonly SQSRecord[], deps: ReconcileDeps): Map<string, Parsed> {
  const parsed = new Map<string, Parsed>();
  let malformed = 0;
  for (const record of records) {
    const result = reconcileRecordSchema.safeParse(record);
    if (result.success) {
      parsed.set(record.messageId, { request: result.data.body });
      continue;
    }
    malformed++;
    const error = result.error.issues
      .map((i) => `${i.path.map(String).join('.')}: ${i.message}`)
      .join('; ');
    parsed.set(record.messageId, { error });
    deps.logger.error('malformed reconcile request: it fails and goes to the dead-letter queue', {
      messageId: record.messageId,
      error,
    });
  }
  if (malformed > 0)
    deps.metrics.addMetric('MalformedReconcileRequests', MetricUnit.Count, malformed);
  return parsed;
}

/**
 * Runs a record's namespace reconcile and tells what became of it, once per namespace (every
 * message of a namespace shares its one reconcile): the published changes, or the failure with
 * its cause, which is rethrown so that the namespace's messages fail.
 */
async function reconcileAndReport(
  deps: ReconcileDeps,
  run: () => Promise<ReconcileResult>,
  request: ReconcileRequest,
  reported: Set<string>,
): Promise<void> {
  const key = requestKey(request);
  const first = !reported.has(key);
  reported.add(key);
  let result: ReconcileResult;
  try {
    result = await run();
  } catch (error) {
    if (first)
      deps.logger.error(
        "reconcile failed: the namespace's messages return to the queue, are retried, then go to the dead-letter queue",
        { cluster: request.cluster, namespace: request.namespace, error },
      );
    throw error;
  }
  if (!first || result.messages === 0) return;
  deps.logger.info('published binding changes', { ...result, cluster: request.cluster });
  deps.metrics.addMetric('BindingChanges', MetricUnit.Count, result.changes);
}

/** Builds the handler. */
export function createReconcile(deps: ReconcileDeps): MiddyfiedHandler<SQSEvent, SQSBatchResponse> {
  return instrumented<SQSEvent, SQSBatchResponse>(deps).handler(async (event, context) => {
    const parsed = parseRecords(event.Records, deps);
    const requests = [...parsed.values()].flatMap((p) => ('request' in p ? [p.request] : []));
    const reconcile = reconcileBatch(deps, requests);
    const reported = new Set<string>();
    const handle = async (record: SQSRecord): Promise<void> => {
      const entry = parsed.get(record.messageId);
      if (entry === undefined || 'error' in entry)
        throw new Error(`malformed reconcile request ${record.messageId}: ${entry?.error}`);
      await reconcileAndReport(deps, () => reconcile(entry.request), entry.request, reported);
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
