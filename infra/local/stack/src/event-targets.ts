/**
 * Which local function an EventBridge rule of `serverless.yml` delivers to: one line a function,
 * keyed by its name under `functions:`. A rule whose function has no line here still matches, and
 * its deliveries fail loudly (dead letter, error log) naming this table.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { EventRule } from '@waypointer/events-endpoint';
import type { Context } from 'aws-lambda';
import { createAuditIngest } from '../../../../functions/audit-ingest/app.ts';
import type { PipelineDeps } from '../../../../shared/app/pipeline.ts';
import type { DeclaredRule } from './event-rules.ts';
import { lambdaContext } from './gateway.ts';

/** What a local function is built with: the pipeline's adapters, a logger and metrics. */
export interface FunctionDeps extends PipelineDeps {
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/** A Lambda handler as the local stack invokes it. */
export type LocalHandler = (event: never, context: Context) => Promise<unknown>;

/** The local handler of each function that EventBridge rules target. */
export const LOCAL_EVENT_TARGETS: Readonly<Record<string, (deps: FunctionDeps) => LocalHandler>> = {
  auditIngest: (deps) => createAuditIngest(deps),
};

/**
 * The endpoint's rules for the declared ones: each delivers to its function's local handler, as
 * Lambda would invoke it (asynchronously, with a context).
 *
 * @example
 * ```ts
 * const rules = eventRules((await readDeclaredRules()).rules, deps);
 * new EventsServer({ rules });
 * ```
 */
export function eventRules(
  declared: readonly DeclaredRule[],
  deps: FunctionDeps,
  targets: Readonly<Record<string, (deps: FunctionDeps) => LocalHandler>> = LOCAL_EVENT_TARGETS,
): EventRule[] {
  const built = new Map<string, LocalHandler>();
  return declared.map((rule) => {
    const create = targets[rule.functionName];
    if (create === undefined) {
      deps.logger.warn('an EventBridge rule targets a function the local stack does not run', {
        rule: rule.name,
        function: rule.functionName,
      });
    } else if (!built.has(rule.functionName)) {
      built.set(rule.functionName, create(deps));
    }
    const handler = built.get(rule.functionName);
    return {
      name: rule.name,
      eventBusName: rule.eventBusName,
      pattern: rule.pattern,
      target: async (event) => {
        if (handler === undefined) {
          throw new Error(
            `function ${rule.functionName} has no local handler: add it to LOCAL_EVENT_TARGETS in infra/local/stack/src/event-targets.ts`,
          );
        }
        return handler(event as never, lambdaContext(`waypointer-${rule.functionName}`));
      },
    };
  });
}
