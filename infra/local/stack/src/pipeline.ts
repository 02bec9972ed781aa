/**
 * The event pipeline on loopback: the embedded SQS endpoint with `reconcile-requests.fifo`,
 * `binding-changes.fifo` and their dead-letter queues, dynalite with the bindings table, and the
 * glue AWS would provide: a poller that turns `reconcile-requests.fifo` messages into the SQS
 * events Lambda delivers (honouring batchItemFailures), and a timer for the scheduled sweep; the
 * embedded EventBridge endpoint with the rules of serverless.yml's `eventBridge` events, delivering
 * to the local functions (event-rules.ts, event-targets.ts).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { EventsServer, type EventsService } from '@waypointer/events-endpoint';
import { SqsServer } from '@waypointer/sqs-endpoint';
import { createAuditIngest } from '../../../../functions/audit-ingest/app.ts';
import { createAuditWebhook } from '../../../../functions/audit-webhook/app.ts';
import { createReconcile } from '../../../../functions/reconcile/app.ts';
import { createSweep } from '../../../../functions/scheduled-sweep/app.ts';
import { DynamoBindingStore } from '../../../../shared/adapters/aws/binding-store.ts';
import { SqsChangePublisher, SqsReconcileQueue } from '../../../../shared/adapters/aws/sqs.ts';
import { systemClock } from '../../../../shared/adapters/clock.ts';
import type { PipelineDeps } from '../../../../shared/app/pipeline.ts';
import type { ClusterRegistry } from '../../../../shared/ports.ts';
import { type ActivityLog, logged } from './activity-log.ts';
import { type DeclaredQueue, readDeclaredQueues } from './declared-queues.ts';
import { BINDINGS_TABLE, startDynamo } from './dynamodb.ts';
import { readDeclaredRules } from './event-rules.ts';
import { createFunctionTables, eventRules } from './event-targets.ts';
import { lambdaContext } from './gateway.ts';
import { startSqsEventSource } from './sqs-event-source.ts';

export const QUEUES = {
  reconcileRequests: 'reconcile-requests.fifo',
  reconcileRequestsDlq: 'reconcile-requests-dlq.fifo',
  bindingChanges: 'binding-changes.fifo',
  bindingChangesDlq: 'binding-changes-dlq.fifo',
} as const;

export interface LocalPipeline {
  readonly sqs: string;
  readonly dynamodb: string;
  /** The embedded EventBridge endpoint's URL. */
  readonly events: string;
  /** Its rules, event log and dead letters. */
  readonly eventBridge: EventsService;
  readonly queues: Record<keyof typeof QUEUES, string>;
  readonly deps: PipelineDeps;
  /** The audit-ingest handler (CloudWatch Logs subscription and EventBridge events). */
  readonly auditIngest: ReturnType<typeof createAuditIngest>;
  /** The audit-webhook handler (the gateway sends `/audit/{cluster}` to it). */
  readonly auditWebhook: ReturnType<typeof createAuditWebhook>;
  /** Runs the scheduled sweep once, now. */
  sweep(): Promise<unknown>;
  stop(): Promise<void>;
}

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

/**
 * The two FIFO queues and their dead-letter queues, with the attributes serverless.yml gives the
 * deployed ones (visibility timeout, retention, receives before the dead-letter queue).
 */
async function createQueues(client: SQSClient): Promise<Record<keyof typeof QUEUES, string>> {
  const declared = await readDeclaredQueues(['ReconcileRequestsQueue', 'BindingChangesQueue']);
  const fifo = { FifoQueue: 'true' };
  const url = async (name: string, attributes: Record<string, string>): Promise<string> =>
    (await client.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes })))
      .QueueUrl as string;
  const arn = async (queueUrl: string): Promise<string> =>
    (
      await client.send(
        new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
      )
    ).Attributes?.QueueArn as string;
  const queue = async (name: string, resource: string, dlq: string): Promise<string> => {
    const { attributes, maxReceiveCount = 5 } = declared[resource] as DeclaredQueue;
    const redrive = { deadLetterTargetArn: await arn(dlq), maxReceiveCount };
    return url(name, { ...fifo, ...attributes, RedrivePolicy: JSON.stringify(redrive) });
  };
  const reconcileRequestsDlq = await url(QUEUES.reconcileRequestsDlq, fifo);
  const bindingChangesDlq = await url(QUEUES.bindingChangesDlq, fifo);
  return {
    reconcileRequests: await queue(
      QUEUES.reconcileRequests,
      'ReconcileRequestsQueue',
      reconcileRequestsDlq,
    ),
    reconcileRequestsDlq,
    bindingChanges: await queue(QUEUES.bindingChanges, 'BindingChangesQueue', bindingChangesDlq),
    bindingChangesDlq,
  };
}

export async function startPipeline(options: {
  clusters: ClusterRegistry;
  /** waypointer's own usernames per cluster (see PipelineDeps.identities). */
  identities?: Readonly<Record<string, readonly string[]>>;
  sweepIntervalMs?: number;
  logLevel?: string;
  /** Where the EventBridge rules come from (default: the repository's serverless.yml). */
  serverlessYml?: string;
  /** A file to append every event put on the EventBridge endpoint to (JSONL). */
  eventLog?: string;
  /** Told of every reconcile request and published binding change, one line each. */
  activity?: ActivityLog;
}): Promise<LocalPipeline> {
  const declared = await readDeclaredRules(options.serverlessYml);
  const sqsServer = new SqsServer();
  const sqsUrl = await sqsServer.start(0);
  const dynamo = await startDynamo();
  const client = new SQSClient({ endpoint: sqsUrl, region: 'us-east-1', credentials });
  const queues = await createQueues(client);
  const sent = {
    publisher: new SqsChangePublisher(client, queues.bindingChanges),
    queue: new SqsReconcileQueue(client, queues.reconcileRequests),
  };
  const deps: PipelineDeps = {
    clusters: options.clusters,
    store: new DynamoBindingStore(dynamo.client, BINDINGS_TABLE),
    ...(options.activity === undefined ? sent : logged(sent, options.activity)),
    clock: systemClock,
    ...(options.identities === undefined ? {} : { identities: options.identities }),
  };
  const logger = new Logger({
    serviceName: 'waypointer',
    logLevel: (options.logLevel as 'WARN' | undefined) ?? 'WARN',
  });
  const metrics = new Metrics({ namespace: 'waypointer', serviceName: 'waypointer' });
  const auditIngest = createAuditIngest({ ...deps, logger, metrics });
  const auditWebhook = createAuditWebhook({ ...deps, logger, metrics });
  const reconcile = createReconcile({ ...deps, logger, metrics });
  const sweep = createSweep({ ...deps, logger, metrics });
  for (const event of declared.unserved) {
    logger.warn('an eventBridge event of serverless.yml is not served locally', { ...event });
  }
  // Failed deliveries get a logger of their own: the functions' carries the last invocation's context.
  const deliveries = new Logger({ serviceName: 'waypointer', logLevel: 'ERROR' });
  const eventsServer = new EventsServer({
    ...(options.eventLog === undefined ? {} : { logFile: options.eventLog }),
    onDeadLetter: (letter) =>
      deliveries.error('EventBridge delivery failed', {
        rule: letter.rule,
        eventId: letter.event.id,
        error: letter.errorMessage,
      }),
  });
  const eventsUrl = await eventsServer.start(0);
  const eventBridge = new EventBridgeClient({
    endpoint: eventsUrl,
    region: 'us-east-1',
    credentials,
  });
  await createFunctionTables(dynamo.client);
  const functionDeps = { ...deps, logger, metrics, eventBridge, dynamo: dynamo.client };
  for (const rule of eventRules(declared.rules, functionDeps)) eventsServer.service.putRule(rule);
  const queueArn = sqsServer.queueArn(QUEUES.reconcileRequests);
  const poller = startSqsEventSource({
    client,
    queueUrl: queues.reconcileRequests,
    queueArn,
    handler: (event) => reconcile(event, lambdaContext('waypointer-reconcile', 60_000)),
    onError: (error) => logger.error('reconcile failed', { error: error as Error }),
  });
  const runSweep = (): Promise<unknown> =>
    sweep({}, lambdaContext('waypointer-scheduled-sweep', 300_000)).catch((error: unknown) =>
      logger.error('sweep failed', { error: error as Error }),
    );
  const timer = setInterval(() => void runSweep(), options.sweepIntervalMs ?? 60_000);
  timer.unref();
  return {
    sqs: sqsUrl,
    dynamodb: dynamo.endpoint,
    events: eventsUrl,
    eventBridge: eventsServer.service,
    queues,
    deps,
    auditIngest,
    auditWebhook,
    sweep: runSweep,
    stop: async () => {
      clearInterval(timer);
      // Deliveries under way end first: they enqueue reconcile requests.
      await eventsServer.stop();
      eventBridge.destroy();
      await sqsServer.stop();
      await poller.stop();
      client.destroy();
      await dynamo.stop();
    },
  };
}
