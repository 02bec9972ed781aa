/**
 * ChatOps on loopback: the chatops ingress behind the local gateway (`POST /slack/commands` and
 * `/slack/interactions`), its queue on the embedded SQS endpoint, its idempotency table on
 * dynalite, and a poller that hands the queue's messages to the worker as Lambda's SQS event
 * source would (honouring batchItemFailures). Its idempotency table is the pipeline's
 * eventbridge-command table, as in serverless.yml: start the pipeline first.
 */
import { randomBytes } from 'node:crypto';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { createChatOpsIngress } from '../../../../functions/chatops/app.ts';
import type { ChatOpsJob } from '../../../../functions/chatops/slack-payloads.ts';
import { createChatOpsWorker } from '../../../../functions/chatops/worker.ts';
import { SqsJobQueue } from '../../../../shared/adapters/slack/job-queue.ts';
import {
  fetchResponder,
  type SlackResponder,
} from '../../../../shared/adapters/slack/responder.ts';
import { type Policy, policyAuthorizer } from '../../../../shared/app/authorization.ts';
import { commandRunner } from '../../../../shared/app/run-command.ts';
import type { SlackSettings } from '../../../../shared/config.ts';
import type { ClusterRegistry } from '../../../../shared/ports.ts';
import { COMMAND_IDEMPOTENCY_TABLE } from './event-targets.ts';
import { type HttpHandler, lambdaContext } from './gateway.ts';
import { startSqsEventSource } from './sqs-event-source.ts';

/** The ChatOps queue's name (`ChatOpsQueue` in serverless.yml). */
export const CHATOPS_QUEUE = 'slack-commands.fifo';
/** The worker's idempotency table: eventbridge-command's, which the pipeline creates (as deployed). */
export const CHATOPS_TABLE = COMMAND_IDEMPOTENCY_TABLE;

/** What the local ChatOps runs on. */
export interface LocalChatOpsOptions {
  readonly clusters: ClusterRegistry;
  readonly policy: Policy;
  /** The embedded SQS endpoint's URL. */
  readonly sqs: string;
  /** dynalite's URL (the pipeline's, which holds the idempotency table). */
  readonly dynamodb: string;
  /** The signing secret; a development one is made up when absent. */
  readonly signingSecret?: string;
  readonly slack?: SlackSettings;
  /** Where answers go (default: `fetch` to the response_url). */
  readonly responder?: SlackResponder;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/** ChatOps running locally. */
export interface LocalChatOps {
  /** The ingress, for the gateway's `/slack/` paths. */
  readonly handler: HttpHandler;
  readonly signingSecret: string;
  readonly queueUrl: string;
  stop(): Promise<void>;
}

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

/**
 * Starts the ChatOps queue, table and worker poller; the returned handler is the ingress.
 *
 * @example
 * const chatops = await startChatOps({ clusters, policy, sqs: pipeline.sqs, dynamodb: pipeline.dynamodb, logger, metrics });
 */
export async function startChatOps(options: LocalChatOpsOptions): Promise<LocalChatOps> {
  const sqs = new SQSClient({ endpoint: options.sqs, region: 'us-east-1', credentials });
  const dynamo = new DynamoDBClient({
    endpoint: options.dynamodb,
    region: 'us-east-1',
    credentials,
  });
  const { QueueUrl } = await sqs.send(
    new CreateQueueCommand({
      QueueName: CHATOPS_QUEUE,
      Attributes: { FifoQueue: 'true', VisibilityTimeout: '10' },
    }),
  );
  const queueUrl = QueueUrl as string;
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  const signingSecret = options.signingSecret ?? randomBytes(16).toString('hex');
  const responder = options.responder ?? fetchResponder();
  const { logger, metrics } = options;
  const handler = createChatOpsIngress({
    signingSecret,
    slack: options.slack ?? { channels: {} },
    clusters: options.clusters.names(),
    policy: options.policy,
    queue: new SqsJobQueue<ChatOpsJob>(sqs, queueUrl),
    responder,
    logger,
    metrics,
  });
  const worker = createChatOpsWorker({
    runner: commandRunner({
      clusters: options.clusters,
      authorizer: policyAuthorizer(options.policy),
      maxWaitSeconds: 150,
    }),
    responder,
    persistence: () =>
      new DynamoDBPersistenceLayer({ tableName: CHATOPS_TABLE, awsSdkV3Client: dynamo }),
    logger,
    metrics,
  });
  const poller = startSqsEventSource({
    client: sqs,
    queueUrl,
    queueArn: Attributes?.QueueArn as string,
    handler: (event) => worker(event, lambdaContext('waypointer-chatops-worker', 180_000)),
    onError: (error) => logger.error('the ChatOps worker failed', { error: error as Error }),
  });
  return {
    handler: (event, context) => handler(event, context),
    signingSecret,
    queueUrl,
    stop: async () => {
      await poller.stop();
      sqs.destroy();
      dynamo.destroy();
    },
  };
}
