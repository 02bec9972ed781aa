/**
 * eventbridge-command: an EventBridge event of detail type `waypointer.command` runs one command of
 * the shared grammar, once per event id, and a `waypointer.command.result` event announces the
 * outcome. The caller is `eventbridge:<account>/<source>` (see `callerOf`); the policy decides what
 * it may do.
 *
 * Runs once: the run is recorded under the event's `id` with Powertools idempotency (the outcome is
 * stored; a replayed id returns it without running again, a different detail under a used id is
 * refused), and so is the result event once published (a retry does not announce it twice). A run
 * that throws is not recorded, so a retry runs it again.
 *
 * Never silent: an event of no known shape, an unknown cluster, a command that fails (refused by the
 * policy included) or could not run, and a result event EventBridge refuses are each logged with
 * their cause, counted, and make the invocation fail: Lambda retries it, then hands it to the
 * function's failure destination (the dead-letter queue) with the error.
 */

import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MiddyfiedHandler } from '@middy/core';
import type { Context } from 'aws-lambda';
import { NotFoundError, ValidationError, WaypointerError } from '../../shared/domain/errors.ts';
import type {
  ClusterRegistry,
  CommandOutcome,
  CommandRunner,
  EventPublisher,
  OutgoingEvent,
} from '../../shared/ports.ts';
import { instrumented } from '../powertools.ts';
import {
  type CommandEvent,
  callerOf,
  commandEventSchema,
  type ResultDetail,
  requestOf,
  resultEvent,
} from './command-event.ts';

/** What eventbridge-command is built with. */
export interface EventBridgeCommandDeps {
  /** Runs commands of the shared grammar. */
  readonly runner: CommandRunner;
  /** The configured clusters: a command event must name one of them. */
  readonly clusters: Pick<ClusterRegistry, 'names'>;
  /** Where result events go. */
  readonly events: EventPublisher;
  /**
   * A new idempotency persistence layer on the idempotency table, called once per record kind (a
   * Powertools layer keeps the configuration it is first used with).
   */
  readonly persistence: () => BasePersistenceLayer;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/** A command's exit code was not 0: its result event is published, and the invocation fails. */
export class CommandFailedError extends WaypointerError {
  override name = 'CommandFailedError';
}

/**
 * How long a run and a result event stay recorded: 24 hours, EventBridge's longest retry of a
 * delivery (Lambda's own retries of an asynchronous invocation end within 6 hours).
 */
export const RECORD_SECONDS = 86_400;

/** A run, as recorded: the outcome, and whether it was read back from the record. */
interface Run {
  readonly outcome: CommandOutcome;
  readonly replayed: boolean;
}

/** Marks a response read back from an idempotency record. */
function replayed<T>(response: T): T {
  return { ...(response as object), replayed: true } as T;
}

/** The command event in `event`; logs, counts and throws ValidationError when it is none. */
function parse(event: unknown, deps: EventBridgeCommandDeps): CommandEvent {
  const parsed = commandEventSchema.safeParse(event);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => ({
    path: i.path.map(String).join('.'),
    message: i.message,
  }));
  const error = new ValidationError(
    `not a waypointer command event: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
    problems,
  );
  const keys = typeof event === 'object' && event !== null ? Object.keys(event) : [];
  deps.logger.error('rejected an event that is not a waypointer command', { error, keys });
  deps.metrics.addMetric('RejectedCommandEvents', MetricUnit.Count, 1);
  throw error;
}

/**
 * Builds the handler. It returns the result event's detail when the command succeeded, and throws
 * (after logging and counting) in every other case.
 *
 * @example
 * export const handler = createEventBridgeCommand({ runner, clusters, events, persistence, logger, metrics });
 */
export function createEventBridgeCommand(
  deps: EventBridgeCommandDeps,
): MiddyfiedHandler<unknown, ResultDetail> {
  const runConfig = new IdempotencyConfig({
    eventKeyJmesPath: 'id',
    payloadValidationJmesPath: 'detail',
    throwOnNoIdempotencyKey: true,
    expiresAfterSeconds: RECORD_SECONDS,
    responseHook: replayed,
  });
  const runOnce = makeIdempotent(
    async (event: CommandEvent): Promise<Run> => ({
      outcome: await deps.runner.run(requestOf(event)),
      replayed: false,
    }),
    { persistenceStore: deps.persistence(), config: runConfig, keyPrefix: 'command' },
  );
  const publishConfig = new IdempotencyConfig({
    eventKeyJmesPath: 'detail.requestEventId',
    throwOnNoIdempotencyKey: true,
    expiresAfterSeconds: RECORD_SECONDS,
  });
  const publishOnce = makeIdempotent(
    async (event: OutgoingEvent): Promise<{ published: true }> => {
      await deps.events.publish([event]);
      return { published: true };
    },
    { persistenceStore: deps.persistence(), config: publishConfig, keyPrefix: 'result' },
  );

  return instrumented<unknown, ResultDetail>(deps).handler(async (raw, context: Context) => {
    runConfig.registerLambdaContext(context);
    publishConfig.registerLambdaContext(context);
    deps.metrics.addMetric('CommandEvents', MetricUnit.Count, 1);
    const event = parse(raw, deps);
    const { cluster, actor } = event.detail;
    deps.logger.appendKeys({
      requestEventId: event.id,
      cluster,
      caller: callerOf(event).id,
      actor,
    });
    knownCluster(cluster, deps);
    const run = await logged(deps, 'the command could not run', 'CommandErrors', () =>
      runOnce(event),
    );
    if (run.replayed) deps.metrics.addMetric('ReplayedCommands', MetricUnit.Count, 1);
    const announcement = resultEvent(event, run.outcome);
    await logged(deps, 'the result event was not published', 'ResultPublishFailures', () =>
      publishOnce(announcement),
    );
    if (!run.replayed) deps.metrics.addMetric('ResultEvents', MetricUnit.Count, 1);
    succeeded(run, deps);
    return announcement.detail;
  });
}

/** Throws NotFoundError (logged and counted) unless `cluster` is configured. */
function knownCluster(cluster: string, deps: EventBridgeCommandDeps): void {
  const known = deps.clusters.names();
  if (known.includes(cluster)) return;
  const error = new NotFoundError(
    `cluster ${cluster} is not configured (configured: ${known.join(', ') || 'none'})`,
  );
  deps.logger.error('rejected a command for an unknown cluster', { error });
  deps.metrics.addMetric('UnknownClusters', MetricUnit.Count, 1);
  throw error;
}

/** Runs `step`; when it throws, logs `message` with the error, counts `metric`, and rethrows. */
async function logged<T>(
  deps: EventBridgeCommandDeps,
  message: string,
  metric: string,
  step: () => Promise<T>,
): Promise<T> {
  try {
    return await step();
  } catch (error) {
    deps.logger.error(message, { error: error as Error });
    deps.metrics.addMetric(metric, MetricUnit.Count, 1);
    throw error;
  }
}

/**
 * Logs a successful run; throws CommandFailedError (logged, and counted the first time as
 * `RefusedCommands` for a policy refusal, `FailedCommands` otherwise) when the exit code is not 0.
 */
function succeeded(run: Run, deps: EventBridgeCommandDeps): void {
  const { outcome, replayed } = run;
  if (outcome.exitCode === 0) {
    deps.logger.info('the command succeeded', { command: outcome.command, replayed });
    return;
  }
  const cause = outcome.error ?? { type: 'Error', message: 'no error reported' };
  const error = new CommandFailedError(
    `the command exited with ${outcome.exitCode}: ${cause.type}: ${cause.message}`,
    { details: { exitCode: outcome.exitCode, error: cause, replayed } },
  );
  deps.logger.error('the command failed', { error, command: outcome.command });
  if (!replayed) {
    const metric = cause.type === 'ForbiddenError' ? 'RefusedCommands' : 'FailedCommands';
    deps.metrics.addMetric(metric, MetricUnit.Count, 1);
  }
  throw error;
}
