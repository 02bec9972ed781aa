/**
 * scheduled-sweep: an EventBridge schedule reconciles every configured cluster from one paged
 * cluster-wide snapshot each (a handful of list requests per cluster, never one per namespace),
 * heals what audit delivery missed, and stops early enough to fit the function's time limit,
 * remembering where to continue. A cluster that fails is logged, counted and reported, and the
 * others are still swept; the run fails only when every cluster it tried failed.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MiddyfiedHandler } from '@middy/core';
import type { Context } from 'aws-lambda';
import { type ClusterSweep, type PipelineDeps, sweepClusters } from '../../shared/app/pipeline.ts';
import { instrumented } from '../powertools.ts';

/** What scheduled-sweep is built with: the pipeline's adapters and Powertools. */
export interface SweepDeps extends PipelineDeps {
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Milliseconds kept in reserve before the function's deadline (default 20 s). */
  readonly reserveMs?: number;
}

/** What a run returns: each cluster's part of the sweep. */
export interface SweepSummary {
  readonly clusters: readonly ClusterSweep[];
}

/** Builds the handler. */
export function createSweep(deps: SweepDeps): MiddyfiedHandler<unknown, SweepSummary> {
  return instrumented<unknown, SweepSummary>(deps).handler(async (_event, context: Context) => {
    const hasTime = (): boolean => context.getRemainingTimeInMillis() > (deps.reserveMs ?? 20_000);
    const clusters = await sweepClusters(deps, hasTime);
    for (const { cluster, changes, error } of clusters) {
      if (error === undefined) {
        deps.metrics.addMetric('SweepChanges', MetricUnit.Count, changes);
      } else {
        deps.logger.error('sweep of a cluster failed', { cluster, error });
        deps.metrics.addMetric('SweepFailures', MetricUnit.Count, 1);
      }
    }
    deps.metrics.addMetric('SweptClusters', MetricUnit.Count, clusters.length);
    if (clusters.length > 0 && clusters.every((c) => c.error !== undefined)) {
      throw new Error(
        `every cluster failed to sweep: ${clusters.map((c) => `${c.cluster}: ${c.error}`).join('; ')}`,
      );
    }
    return { clusters };
  });
}
