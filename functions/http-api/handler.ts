/**
 * Composition root of the HTTP API function: configuration from the environment, the configured
 * clusters, Powertools, the reconcile queue when the pipeline is deployed, and the handler. Runs
 * once per cold start.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SqsReconcileQueue } from '../../shared/adapters/aws/sqs.ts';
import { configuredClusters } from '../../shared/adapters/kubernetes/registry.ts';
import { describePolicy } from '../../shared/app/authorization.ts';
import { loadConfig } from '../../shared/config.ts';
import { createHttpApi } from './app.ts';

const config = loadConfig(process.env);
const logger = new Logger({ serviceName: 'waypointer' });
logger.info(describePolicy(config.policy), { clusters: Object.keys(config.clusters) });
const reconcileQueueUrl = process.env.WAYPOINTER_RECONCILE_QUEUE_URL;

export const handler = createHttpApi({
  clusters: configuredClusters(config.clusters),
  policy: config.policy,
  logger,
  metrics: new Metrics({ namespace: 'waypointer', serviceName: 'waypointer' }),
  tracer: new Tracer({ serviceName: 'waypointer' }),
  // API Gateway gives up after 30 s: waits end before that, and say so.
  maxWaitSeconds: 25,
  ...(reconcileQueueUrl === undefined || reconcileQueueUrl === ''
    ? {}
    : { queue: new SqsReconcileQueue(new SQSClient({}), reconcileQueueUrl) }),
});
