/**
 * Composition root of the HTTP API function: the validated configuration, the configured
 * clusters, Powertools, the reconcile queue when the pipeline is deployed, and the handler. Runs
 * once per cold start.
 */
import { Tracer } from '@aws-lambda-powertools/tracer';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SqsReconcileQueue } from '../../shared/adapters/aws/sqs.ts';
import { configuredClusters } from '../../shared/adapters/kubernetes/registry.ts';
import { describePolicy } from '../../shared/app/authorization.ts';
import { loadConfig } from '../../shared/config.ts';
import { powertools } from '../powertools.ts';
import { createHttpApi } from './app.ts';

const config = loadConfig(process.env);
const { logger, metrics } = powertools(config.powertools);
logger.info(describePolicy(config.policy), { clusters: Object.keys(config.clusters) });

/** The Lambda handler (serverless.yml `httpApi`). */
export const handler = createHttpApi({
  clusters: configuredClusters(config.clusters),
  policy: config.policy,
  logger,
  metrics,
  tracer: new Tracer({ serviceName: config.powertools.serviceName }),
  // API Gateway gives up after 30 s: waits end before that, and say so.
  maxWaitSeconds: 25,
  ...(config.reconcileQueueUrl === undefined
    ? {}
    : { queue: new SqsReconcileQueue(new SQSClient({}), config.reconcileQueueUrl) }),
});
