/**
 * Composition root of the chatops worker: the configured clusters, the command runner under the
 * policy, the idempotency table, Slack's response_url and Powertools. Runs once per cold start.
 */
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { configuredClusters } from '../../shared/adapters/kubernetes/registry.ts';
import { fetchResponder } from '../../shared/adapters/slack/responder.ts';
import { describePolicy, policyAuthorizer } from '../../shared/app/authorization.ts';
import { commandRunner } from '../../shared/app/run-command.ts';
import { loadCommandEventsConfig, loadConfig } from '../../shared/config.ts';
import { powertools } from '../powertools.ts';
import { createChatOpsWorker } from './worker.ts';

const config = loadConfig(process.env);
const { idempotencyTable } = loadCommandEventsConfig(process.env);
const { logger, metrics } = powertools(config.powertools);
logger.info(describePolicy(config.policy), { clusters: Object.keys(config.clusters) });
const dynamo = new DynamoDBClient({});

/** The Lambda handler (serverless.yml `chatopsWorker`). A wait ends well inside its 180 s. */
export const handler = createChatOpsWorker({
  runner: commandRunner({
    clusters: configuredClusters(config.clusters),
    authorizer: policyAuthorizer(config.policy),
    maxWaitSeconds: 150,
  }),
  responder: fetchResponder(),
  persistence: () =>
    new DynamoDBPersistenceLayer({ tableName: idempotencyTable, awsSdkV3Client: dynamo }),
  logger,
  metrics,
});
