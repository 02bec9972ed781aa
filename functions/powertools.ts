/** The Powertools every function's composition root builds, named as the configuration says. */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
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
