/**
 * Which local function an EventBridge rule of `serverless.yml` delivers to: one entry a function,
 * keyed by its name under `functions:`, built from the local stack's adapters as the function's
 * composition root (`handler.ts`) builds it from AWS's. A rule whose function has no entry here
 * still matches, and its deliveries fail loudly (dead letter, error log) naming this table.
 */
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { EventRule } from '@waypointer/events-endpoint';
import type { Context } from 'aws-lambda';
import { createAuditIngest } from '../../../../functions/audit-ingest/app.ts';
import { createEventBridgeCommand } from '../../../../functions/eventbridge-command/app.ts';
import { EventBridgePublisher } from '../../../../shared/adapters/aws/events.ts';
import { LOCAL_PERMISSIVE, policyAuthorizer } from '../../../../shared/app/authorization.ts';
import type { PipelineDeps } from '../../../../shared/app/pipeline.ts';
import { commandRunner } from '../../../../shared/app/run-command.ts';
import type { DeclaredRule } from './event-rules.ts';
import { lambdaContext } from './gateway.ts';

/** What a local function is built with: the pipeline's adapters, a logger and metrics. */
export interface FunctionDeps extends PipelineDeps {
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** A client of the embedded EventBridge endpoint, for functions that put events. */
  readonly eventBridge: EventBridgeClient;
  /** A client of the embedded DynamoDB, which holds {@link LOCAL_FUNCTION_TABLES}. */
  readonly dynamo: DynamoDBClient;
}

/** eventbridge-command's idempotency table (`CommandIdempotencyTable` in serverless.yml). */
export const COMMAND_IDEMPOTENCY_TABLE = 'waypointer-command-idempotency';

/** The tables the functions of {@link LOCAL_EVENT_TARGETS} need, beyond the bindings table. */
export const LOCAL_FUNCTION_TABLES = [COMMAND_IDEMPOTENCY_TABLE] as const;

/**
 * Creates {@link LOCAL_FUNCTION_TABLES} (Powertools idempotency tables: key `id`).
 *
 * @example
 * ```ts
 * await createFunctionTables(dynamo.client);
 * ```
 */
export async function createFunctionTables(dynamo: DynamoDBClient): Promise<void> {
  for (const table of LOCAL_FUNCTION_TABLES) {
    await dynamo.send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      }),
    );
  }
}

/** A Lambda handler as the local stack invokes it. */
export type LocalHandler = (event: never, context: Context) => Promise<unknown>;

/** The local handler of each function that EventBridge rules target. */
export const LOCAL_EVENT_TARGETS: Readonly<Record<string, (deps: FunctionDeps) => LocalHandler>> = {
  auditIngest: (deps) => createAuditIngest(deps),
  // Commands run under the local permissive policy; result events go to the embedded bus `default`.
  eventbridgeCommand: (deps) =>
    createEventBridgeCommand({
      runner: commandRunner({
        clusters: deps.clusters,
        authorizer: policyAuthorizer(LOCAL_PERMISSIVE),
        maxWaitSeconds: 150,
      }),
      clusters: deps.clusters,
      events: new EventBridgePublisher(deps.eventBridge, 'default'),
      persistence: () =>
        new DynamoDBPersistenceLayer({
          tableName: COMMAND_IDEMPOTENCY_TABLE,
          awsSdkV3Client: deps.dynamo,
        }),
      logger: deps.logger,
      metrics: deps.metrics,
    }),
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
