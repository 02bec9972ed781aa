/**
 * What the pipeline functions share at cold start: configuration, clusters, the binding store,
 * the queues, the clock and Powertools. Each function's handler.ts is its composition root and
 * builds on this.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoBindingStore } from '../shared/adapters/aws/binding-store.ts';
import { SqsChangePublisher, SqsReconcileQueue } from '../shared/adapters/aws/sqs.ts';
import { systemClock } from '../shared/adapters/clock.ts';
import { configuredClusters } from '../shared/adapters/kubernetes/registry.ts';
import type { PipelineDeps } from '../shared/app/pipeline.ts';
import { loadConfig, loadPipelineConfig } from '../shared/config.ts';
import { powertools } from './powertools.ts';

/**
 * The pipeline's adapters over AWS, from the validated configuration in `env`.
 *
 * @example
 * export const handler = createReconcile(pipelineRoot(process.env));
 */
export function pipelineRoot(
  env: Record<string, string | undefined>,
): PipelineDeps & { logger: Logger; metrics: Metrics } {
  const config = loadConfig(env);
  const pipeline = loadPipelineConfig(env);
  const sqs = new SQSClient({});
  const clock = systemClock;
  return {
    clusters: configuredClusters(config.clusters),
    store: new DynamoBindingStore(new DynamoDBClient({}), pipeline.bindingsTable, { clock }),
    publisher: new SqsChangePublisher(sqs, pipeline.changesQueueUrl, { clock }),
    queue: new SqsReconcileQueue(sqs, pipeline.reconcileQueueUrl, { clock }),
    clock,
    identities: Object.fromEntries(
      Object.entries(config.clusters).map(([name, cluster]) => [name, cluster.identities ?? []]),
    ),
    ...powertools(config.powertools),
  };
}
