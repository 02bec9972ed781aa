/**
 * Composition root of eventbridge-command: the validated configuration, the configured clusters,
 * the command runner, the result-event publisher, the idempotency table and Powertools. Runs once
 * per cold start.
 */
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { EventBridgePublisher } from '../../shared/adapters/aws/events.ts';
import { configuredClusters } from '../../shared/adapters/kubernetes/registry.ts';
import { describePolicy } from '../../shared/app/authorization.ts';
import { loadCommandEventsConfig, loadConfig } from '../../shared/config.ts';
import { UnavailableError } from '../../shared/domain/errors.ts';
import type { CommandRunner } from '../../shared/ports.ts';
import { powertools } from '../powertools.ts';
import { createEventBridgeCommand } from './app.ts';

const config = loadConfig(process.env);
const settings = loadCommandEventsConfig(process.env);
const { logger, metrics } = powertools(config.powertools);
logger.info(describePolicy(config.policy), { clusters: Object.keys(config.clusters) });
const clusters = configuredClusters(config.clusters);
const dynamo = new DynamoDBClient({});

/**
 * THE COMMAND RUNNER IS WIRED HERE. Until the command layer (`runCommand`, shared/app) is part of
 * this build, every command fails loudly (the invocation fails and reaches the dead-letter queue);
 * then this becomes the real runner over `clusters` and `config.policy` (see the README).
 */
const runner: CommandRunner = {
  run: () =>
    Promise.reject(
      new UnavailableError('commands are not available: the command runner is not wired in yet'),
    ),
};

/** The Lambda handler (serverless.yml `eventbridgeCommand`). */
export const handler = createEventBridgeCommand({
  runner,
  clusters,
  events: new EventBridgePublisher(new EventBridgeClient({}), settings.resultBus),
  persistence: () =>
    new DynamoDBPersistenceLayer({ tableName: settings.idempotencyTable, awsSdkV3Client: dynamo }),
  logger,
  metrics,
});
