/**
 * The Powertools every function uses: built by its composition root, named as the configuration
 * says, and wired into its handler as middy middlewares.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { PowertoolsConfig } from '../shared/config.ts';

/**
 * A Logger and Metrics for `config.serviceName`, metrics in `config.metricsNamespace`.
 *
 * @example
 * const { logger, metrics } = powertools(loadConfig(process.env).powertools);
 */
export function powertools(config: PowertoolsConfig): { logger: Logger; metrics: Metrics } {
  return {
    logger: new Logger({ serviceName: config.serviceName }),
    metrics: new Metrics({ namespace: config.metricsNamespace, serviceName: config.serviceName }),
  };
}

/**
 * A middy handler with the Powertools middlewares every function uses: the Lambda context in each
 * log line (keys reset per invocation) and the metrics flushed at the end of each invocation.
 *
 * @example
 * export const handler = instrumented<SQSEvent, SQSBatchResponse>(deps).handler(async (event) => ...);
 */
export function instrumented<Event, Result>(deps: {
  readonly logger: Logger;
  readonly metrics: Metrics;
}): middy.MiddyfiedHandler<Event, Result> {
  return middy<Event, Result>()
    .use(injectLambdaContext(deps.logger, { resetKeys: true }))
    .use(logMetrics(deps.metrics));
}
