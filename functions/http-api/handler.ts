/**
 * Composition root of the HTTP API function: configuration from the environment, the configured
 * clusters, Powertools, and the handler. Runs once per cold start.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { configuredClusters } from '../../shared/adapters/kubernetes/registry.ts';
import { describePolicy } from '../../shared/app/authorization.ts';
import { loadConfig } from '../../shared/config.ts';
import { createHttpApi } from './app.ts';

const config = loadConfig(process.env);
const logger = new Logger({ serviceName: 'waypointer' });
logger.info(describePolicy(config.policy), { clusters: Object.keys(config.clusters) });

export const handler = createHttpApi({
  clusters: configuredClusters(config.clusters),
  policy: config.policy,
  logger,
  metrics: new Metrics({ namespace: 'waypointer', serviceName: 'waypointer' }),
  tracer: new Tracer({ serviceName: 'waypointer' }),
});
