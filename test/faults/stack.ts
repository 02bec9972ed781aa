/**
 * A fresh local stack for fault scenarios, built from the parts `waypointer serve` uses: the
 * embedded cluster (Bookinfo; its audit webhook posts to audit-webhook), the HTTP API and the
 * audit webhook behind the local gateway, the embedded SQS endpoint, dynalite, the reconcile
 * function fed by the SQS event source and the sweep. Two fault sources, both seeded and off until
 * switched on: the API server's (`local.server.faults`) and SQS's (an SDK middleware on the one
 * client the functions and the event source share). A third client, never faulted, reads what
 * consumers read. The store records every state it commits, in order.
 */
import { randomBytes } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { KubeConfig } from '@kubernetes/client-node';
import { type LocalCluster, startLocalCluster } from '@waypointer/kube-api';
import {
  BINDINGS_TABLE,
  type HttpHandler,
  type LocalDynamo,
  lambdaContext,
  startDynamo,
  startGateway,
} from '@waypointer/local-stack';
import { SqsServer } from '@waypointer/sqs-endpoint';
import { createAuditWebhook } from '../../functions/audit-webhook/app.ts';
import { createHttpApi } from '../../functions/http-api/app.ts';
import { createReconcile } from '../../functions/reconcile/app.ts';
import { createSweep } from '../../functions/scheduled-sweep/app.ts';
import { startSqsEventSource } from '../../infra/local/stack/src/sqs-event-source.ts';
import { DynamoBindingStore } from '../../shared/adapters/aws/binding-store.ts';
import { SqsChangePublisher, SqsReconcileQueue } from '../../shared/adapters/aws/sqs.ts';
import { systemClock } from '../../shared/adapters/clock.ts';
import { KubernetesCluster } from '../../shared/adapters/kubernetes/cluster.ts';
import { StaticClusterRegistry } from '../../shared/adapters/kubernetes/registry.ts';
import { LOCAL_PERMISSIVE } from '../../shared/app/authorization.ts';
import type { PipelineDeps } from '../../shared/app/pipeline.ts';
import type { BindingSet } from '../../shared/domain/bindings.ts';
import type { BindingStore, PendingPublication, StoredBindings } from '../../shared/ports.ts';
import { kubeConfigOf } from '../support/kube.ts';
import { SqsFaults, seededRandom } from './sqs-faults.ts';

export const CLUSTER = 'local';
const WAYPOINTER_USER = 'waypointer';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

/** A state the store committed: a namespace's bindings at a generation. */
export interface CommittedState {
  readonly namespace: string;
  readonly generation: number;
  readonly bindings: BindingSet;
}

/** The real store, recording each state it commits (and nothing else about it). */
class RecordingStore implements BindingStore {
  readonly committed: CommittedState[] = [];
  readonly #inner: BindingStore;
  readonly #staged = new Map<string, PendingPublication>();

  constructor(inner: BindingStore) {
    this.#inner = inner;
  }

  load(cluster: string, namespace: string): Promise<StoredBindings | null> {
    return this.#inner.load(cluster, namespace);
  }

  async stage(
    cluster: string,
    namespace: string,
    pending: PendingPublication,
    expectedGeneration: number,
  ): Promise<void> {
    await this.#inner.stage(cluster, namespace, pending, expectedGeneration);
    this.#staged.set(`${namespace}#${pending.generation}`, pending);
  }

  async commit(cluster: string, namespace: string, expectedGeneration: number): Promise<void> {
    // What is committed is what is pending in the table, staged by this store or before a crash.
    const pending =
      this.#staged.get(`${namespace}#${expectedGeneration + 1}`) ??
      (await this.#inner.load(cluster, namespace))?.pending;
    await this.#inner.commit(cluster, namespace, expectedGeneration);
    if (pending !== undefined)
      this.committed.push({
        namespace,
        generation: pending.generation,
        bindings: pending.bindings,
      });
  }

  observed(cluster: string, namespace: string, generation: number, at: string): Promise<void> {
    return this.#inner.observed(cluster, namespace, generation, at);
  }

  namespaces(cluster: string): Promise<string[]> {
    return this.#inner.namespaces(cluster);
  }

  sweepCursor(cluster: string): Promise<string | undefined> {
    return this.#inner.sweepCursor(cluster);
  }

  saveSweepCursor(cluster: string, cursor: string | undefined): Promise<void> {
    return this.#inner.saveSweepCursor(cluster, cursor);
  }
}

export interface FaultStack {
  /** The HTTP API's base URL (the local gateway). */
  readonly url: string;
  readonly local: LocalCluster;
  /**
   * The test's own view of the cluster (admin, the adapter's default patience: on a loaded machine
   * a fault-free read can take longer than the functions' 300 ms request limit).
   */
  readonly reader: KubernetesCluster;
  readonly sqsFaults: SqsFaults;
  readonly store: { readonly committed: readonly CommittedState[]; load: BindingStore['load'] };
  /** Turns both fault sources on (rate > 0) or off. */
  faults(rate: number): void;
  /**
   * Runs `read` with the API server's faults paused (the test's own reads of the cluster; the
   * pipeline runs on meanwhile).
   */
  withoutKubernetesFaults<T>(read: () => Promise<T>): Promise<T>;
  /** Every message on binding-changes.fifo now, in the order received, deleted once read. */
  drainChanges(): Promise<Message[]>;
  /** Waits until reconcile-requests.fifo is empty with nothing in flight. */
  idle(timeoutMs: number): Promise<void>;
  /** Runs the scheduled sweep once. */
  sweep(): Promise<unknown>;
  stop(): Promise<void>;
}

async function createQueue(client: SQSClient, name: string, visibility: number): Promise<string> {
  const { QueueUrl } = await client.send(
    new CreateQueueCommand({
      QueueName: name,
      Attributes: { FifoQueue: 'true', VisibilityTimeout: String(visibility) },
    }),
  );
  return QueueUrl as string;
}

/**
 * Starts the stack. `visibilitySeconds` is reconcile-requests.fifo's visibility timeout, short so
 * that a message whose receive or delete failed comes back within the test.
 */
export async function startFaultStack(options: {
  seed: number;
  visibilitySeconds?: number;
}): Promise<FaultStack> {
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  const logger = new Logger({ serviceName: 'waypointer', logLevel: 'SILENT' });
  // Metrics' own warnings (no metrics in an invocation) go to the silent logger too.
  const metrics = new Metrics({ namespace: 'waypointer', serviceName: 'waypointer', logger });
  const handlers: { api?: HttpHandler; audit?: HttpHandler } = {};
  const gateway = await startGateway((event, context) => {
    const handler = event.rawPath.startsWith('/audit/') ? handlers.audit : handlers.api;
    if (handler === undefined) return Promise.resolve({ statusCode: 503, body: 'starting' });
    return handler(event, context);
  });
  const local = await startLocalCluster({
    seed: 'bookinfo',
    readyDelayMs: 20,
    audit: { webhookUrl: `${gateway.url}/audit/${CLUSTER}` },
    faults: { rate: 0, seed: options.seed, kinds: ['500', '500', '429', 'stall'], stallMs: 600 },
  });
  const token = `waypointer-${randomBytes(12).toString('hex')}`;
  local.server.addToken(token, { username: WAYPOINTER_USER, groups: ['system:masters'] });
  const kc = new KubeConfig();
  kc.loadFromString(local.server.kubeconfig(token));
  // Quick retries and a short request limit, so that stalls cost the run little time.
  const cluster = new KubernetesCluster(kc, {
    requestTimeoutMs: 300,
    baseDelayMs: 5,
    maxDelayMs: 40,
    pollIntervalMs: 20,
  });
  const clusters = new StaticClusterRegistry({ [CLUSTER]: cluster });

  const sqsServer = new SqsServer();
  const sqsUrl = await sqsServer.start(0);
  const consumer = new SQSClient({ endpoint: sqsUrl, region: 'us-east-1', credentials });
  const requestsUrl = await createQueue(
    consumer,
    'reconcile-requests.fifo',
    options.visibilitySeconds ?? 2,
  );
  const changesUrl = await createQueue(consumer, 'binding-changes.fifo', 30);
  const sqsFaults = new SqsFaults(seededRandom(options.seed));
  const faulty = new SQSClient({ endpoint: sqsUrl, region: 'us-east-1', credentials });
  sqsFaults.attach(faulty);

  const dynamo: LocalDynamo = await startDynamo();
  const store = new RecordingStore(new DynamoBindingStore(dynamo.client, BINDINGS_TABLE));
  const deps: PipelineDeps = {
    clusters,
    store,
    publisher: new SqsChangePublisher(faulty, changesUrl),
    queue: new SqsReconcileQueue(faulty, requestsUrl),
    clock: systemClock,
    identities: { [CLUSTER]: [WAYPOINTER_USER] },
  };
  const reconcile = createReconcile({ ...deps, logger, metrics });
  const sweep = createSweep({ ...deps, logger, metrics, reserveMs: 1_000 });
  handlers.audit = createAuditWebhook({ ...deps, logger, metrics });
  handlers.api = createHttpApi({
    clusters,
    policy: LOCAL_PERMISSIVE,
    logger,
    metrics,
    queue: deps.queue,
  });
  const poller = startSqsEventSource({
    client: faulty,
    queueUrl: requestsUrl,
    queueArn: sqsServer.queueArn('reconcile-requests.fifo'),
    handler: (event) => reconcile(event, lambdaContext('waypointer-reconcile', 60_000)),
    onError: () => undefined,
  });

  const queueDepth = async (): Promise<number> => {
    const { Attributes = {} } = await consumer.send(
      new GetQueueAttributesCommand({
        QueueUrl: requestsUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return (
      Number(Attributes.ApproximateNumberOfMessages ?? 0) +
      Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0)
    );
  };

  let seeded = false;
  const reader = new KubernetesCluster(kubeConfigOf(local));
  const stack: FaultStack = {
    url: gateway.url,
    local,
    reader,
    sqsFaults,
    store,
    faults: (rate) => {
      // The seed once: later calls go on with the same pseudo-random sequence.
      local.server.faults.configure({
        rate,
        ...(seeded ? {} : { seed: options.seed }),
        kinds: ['500', '500', '429', 'stall'],
        retryAfterSeconds: 0,
        stallMs: 600,
      });
      seeded = true;
      sqsFaults.rate = rate;
    },
    withoutKubernetesFaults: async (read) => {
      const rate = sqsFaults.rate;
      local.server.faults.configure({ rate: 0 });
      try {
        return await read();
      } finally {
        stack.faults(rate);
      }
    },
    drainChanges: async () => {
      const all: Message[] = [];
      for (;;) {
        const { Messages = [] } = await consumer.send(
          new ReceiveMessageCommand({
            QueueUrl: changesUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 0,
            MessageSystemAttributeNames: ['All'],
          }),
        );
        if (Messages.length === 0) return all;
        all.push(...Messages);
        await consumer.send(
          new DeleteMessageBatchCommand({
            QueueUrl: changesUrl,
            Entries: Messages.map((m, i) => ({
              Id: `d${i}`,
              ReceiptHandle: m.ReceiptHandle as string,
            })),
          }),
        );
      }
    },
    idle: async (timeoutMs) => {
      const end = Date.now() + timeoutMs;
      // Twice empty in a row: a reconcile under way may enqueue nothing, but an audit event may.
      let quiet = 0;
      while (quiet < 2) {
        if (Date.now() > end)
          throw new Error(`reconcile-requests.fifo not idle after ${timeoutMs} ms`);
        quiet = (await queueDepth()) === 0 ? quiet + 1 : 0;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    },
    sweep: () => sweep({}, lambdaContext('waypointer-scheduled-sweep', 300_000)),
    stop: async () => {
      await local.stop();
      await poller.stop();
      await sqsServer.stop();
      faulty.destroy();
      consumer.destroy();
      await dynamo.stop();
      await new Promise<void>((resolve) => gateway.server.close(() => resolve()));
    },
  };
  return stack;
}
