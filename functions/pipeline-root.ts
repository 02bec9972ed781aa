/**
 * What the pipeline functions share at cold start: configuration, clusters, the binding store,
 * the queues and Powertools. Each function's handler.ts is its composition root and builds on this.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoBindingStore } from '../shared/adapters/aws/binding-store.ts';
import { SqsChangePublisher, SqsReconcileQueue } from '../shared/adapters/aws/sqs.ts';
import { configuredClusters } from '../shared/adapters/kubernetes/registry.ts';
import type { PipelineDeps } from '../shared/app/pipeline.ts';
import { loadConfig, loadPipelineConfig } from '../shared/config.ts';

export function pipelineRoot(
  env: Record<string, string | undefined>,
): PipelineDeps & { logger: Logger; metrics: Metrics } {
  const config = loadConfig(env);
  const pipeline = loadPipelineConfig(env);
  const sqs = new SQSClient({});
  return {
    clusters: configuredClusters(config.clusters),
    store: new DynamoBindingStore(new DynamoDBClient({}), pipeline.bindingsTable),
    publisher: new SqsChangePublisher(sqs, pipeline.changesQueueUrl),
    queue: new SqsReconcileQueue(sqs, pipeline.reconcileQueueUrl),
    logger: new Logger({ serviceName: 'waypointer' }),
    metrics: new Metrics({ namespace: 'waypointer', serviceName: 'waypointer' }),
  };
}
