/**
 * scheduled-sweep: an EventBridge schedule reconciles every configured cluster from one paged
 * cluster-wide snapshot each (a handful of list requests per cluster, never one per namespace),
 * heals what audit delivery missed, and stops early enough to fit the function's time limit,
 * remembering where to continue.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { type PipelineDeps, sweepCluster } from '../../shared/app/pipeline.ts';

export interface SweepDeps extends PipelineDeps {
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Milliseconds kept in reserve before the function's deadline (default 20 s). */
  readonly reserveMs?: number;
}

export interface SweepSummary {
  readonly clusters: readonly {
    cluster: string;
    namespaces: number;
    changes: number;
    complete: boolean;
  }[];
}

export function createSweep(deps: SweepDeps): middy.MiddyfiedHandler<unknown, SweepSummary> {
  return middy<unknown, SweepSummary>()
    .use(injectLambdaContext(deps.logger, { resetKeys: true }))
    .use(logMetrics(deps.metrics))
    .handler(async (_event, context: Context) => {
      const hasTime = (): boolean =>
        context.getRemainingTimeInMillis() > (deps.reserveMs ?? 20_000);
      const clusters: SweepSummary['clusters'][number][] = [];
      for (const cluster of deps.clusters.names()) {
        if (!hasTime()) break;
        const cursor = await deps.store.sweepCursor(cluster);
        const result = await sweepCluster(deps, {
          cluster,
          ...(cursor === undefined ? {} : { cursor }),
          hasTime,
        });
        await deps.store.saveSweepCursor(cluster, result.cursor);
        const changes = result.results.reduce((sum, r) => sum + r.changes, 0);
        deps.metrics.addMetric('SweepChanges', MetricUnit.Count, changes);
        clusters.push({
          cluster,
          namespaces: result.results.length,
          changes,
          complete: result.cursor === undefined,
        });
      }
      return { clusters };
    });
}
