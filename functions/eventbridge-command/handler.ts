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
import { describePolicy, policyAuthorizer } from '../../shared/app/authorization.ts';
import { commandRunner } from '../../shared/app/run-command.ts';
import { loadCommandEventsConfig, loadConfig } from '../../shared/config.ts';
import { powertools } from '../powertools.ts';
import { createEventBridgeCommand } from './app.ts';

const config = loadConfig(process.env);
const settings = loadCommandEventsConfig(process.env);
const { logger, metrics } = powertools(config.powertools);
logger.info(describePolicy(config.policy), { clusters: Object.keys(config.clusters) });
const clusters = configuredClusters(config.clusters);
const dynamo = new DynamoDBClient({});

/**
 * The shared command layer over the configured clusters, with the policy deciding what each
 * EventBridge principal may do. A wait ends well inside the function's 180 s time limit.
 */
const runner = commandRunner({
  clusters,
  authorizer: policyAuthorizer(config.policy),
  maxWaitSeconds: 150,
});

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
