/**
 * `waypointer invoke <function> --event FILE`: runs one function's real handler once on a sample
 * event (see `events/`) against the embedded stack, as Lambda would run it, and prints its result.
 * The embedded cluster (Bookinfo by default) is served under every cluster name the event mentions
 * (`demo` in the samples); the pipeline functions also get the embedded SQS and DynamoDB.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { APIGatewayProxyEventV2Schema } from '@aws-lambda-powertools/parser/schemas/api-gatewayv2';
import { CloudWatchLogsSchema } from '@aws-lambda-powertools/parser/schemas/cloudwatch';
import { EventBridgeSchema } from '@aws-lambda-powertools/parser/schemas/eventbridge';
import { SqsSchema } from '@aws-lambda-powertools/parser/schemas/sqs';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { KubeConfig } from '@kubernetes/client-node';
import { type LocalCluster, startLocalCluster } from '@waypointer/kube-api';
import type { Context } from 'aws-lambda';
import type { z } from 'zod';
import { createHttpApi } from '../../../../functions/http-api/app.ts';
import { createReconcile } from '../../../../functions/reconcile/app.ts';
import { createSweep } from '../../../../functions/scheduled-sweep/app.ts';
import { KubernetesCluster } from '../../../../shared/adapters/kubernetes/cluster.ts';
import { StaticClusterRegistry } from '../../../../shared/adapters/kubernetes/registry.ts';
import { LOCAL_PERMISSIVE } from '../../../../shared/app/authorization.ts';
import type { ClusterRegistry } from '../../../../shared/ports.ts';
import { clusterOfLogGroup, webhookClusterSegment } from '../../../../shared/schemas/audit.ts';
import { lambdaContext } from './gateway.ts';
import { type LocalPipeline, startPipeline } from './pipeline.ts';

export const INVOKE_HELP = `Usage: waypointer invoke <function> --event FILE [--cluster-seed bookinfo|empty|FILE]
Runs a function's real handler once on the event in FILE (samples: events/*.json) against the
embedded stack, and prints the handler's result as JSON. <function> is one of:
  http-api         API Gateway HTTP API (payload 2.0) event   e.g. events/http-api-get-bindings.json
  audit-ingest     CloudWatch Logs subscription or EventBridge event
                                                              e.g. events/cloudwatch-logs-eks-audit.json
  audit-webhook    API Gateway HTTP API (2.0) event of POST /audit/{cluster}
                                                              e.g. events/audit-webhook-eventlist.json
  reconcile        SQS event from reconcile-requests.fifo     e.g. events/sqs-reconcile-requests.json
  scheduled-sweep  EventBridge scheduled event                e.g. events/scheduled-sweep.json
The embedded cluster (seeded with --cluster-seed, default bookinfo) answers for every cluster name
the event mentions (\`local\` when it names none).
`;

/** The functions `waypointer invoke` runs. */
export const INVOKABLE = [
  'http-api',
  'audit-ingest',
  'audit-webhook',
  'reconcile',
  'scheduled-sweep',
] as const;

/** A function `waypointer invoke` runs. */
export type Invokable = (typeof INVOKABLE)[number];

/** The cluster name used when an event names none (a scheduled sweep). */
export const DEFAULT_CLUSTER = 'local';

/** What each function is deployed with (serverless.yml): name and timeout. */
const LAMBDA: Record<Invokable, { name: string; timeoutMs: number }> = {
  'http-api': { name: 'waypointer-http-api', timeoutMs: 29_000 },
  'audit-ingest': { name: 'waypointer-audit-ingest', timeoutMs: 30_000 },
  'audit-webhook': { name: 'waypointer-audit-webhook', timeoutMs: 30_000 },
  reconcile: { name: 'waypointer-reconcile', timeoutMs: 120_000 },
  'scheduled-sweep': { name: 'waypointer-scheduled-sweep', timeoutMs: 900_000 },
};

const ANY_SHAPE: Record<Invokable, { label: string; schemas: readonly z.ZodType[] }> = {
  'http-api': {
    label: 'an API Gateway HTTP API (2.0) event',
    schemas: [APIGatewayProxyEventV2Schema],
  },
  'audit-ingest': {
    label: 'a CloudWatch Logs subscription or EventBridge event',
    schemas: [CloudWatchLogsSchema, EventBridgeSchema],
  },
  'audit-webhook': {
    label: 'an API Gateway HTTP API (2.0) event',
    schemas: [APIGatewayProxyEventV2Schema],
  },
  reconcile: { label: 'an SQS event', schemas: [SqsSchema] },
  'scheduled-sweep': { label: 'an EventBridge (scheduled) event', schemas: [EventBridgeSchema] },
};

type Event = Record<string, unknown>;

interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
}

class UsageError extends Error {}

function isInvokable(name: string | undefined): name is Invokable {
  return (INVOKABLE as readonly (string | undefined)[]).includes(name);
}

function parseRaw(args: readonly string[]) {
  try {
    return parseArgs({
      args: [...args],
      options: {
        event: { type: 'string' },
        'cluster-seed': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError((error as Error).message.split('\n')[0]);
  }
}

interface InvokeOptions {
  readonly fn: Invokable;
  readonly eventFile: string;
  readonly seed: string;
  readonly help: boolean;
}

function parse(args: readonly string[]): InvokeOptions {
  const parsed = parseRaw(args);
  const { values, positionals } = parsed;
  const fn = positionals[0];
  if (values.help === true) return { fn: 'http-api', eventFile: '', seed: '', help: true };
  if (positionals.length !== 1 || !isInvokable(fn))
    throw new UsageError(
      fn === undefined
        ? `name the function to invoke: ${INVOKABLE.join(', ')}`
        : `unknown function "${positionals.join(' ')}": give one of ${INVOKABLE.join(', ')}`,
    );
  if (values.event === undefined || values.event === '')
    throw new UsageError('--event FILE is required (samples: events/*.json)');
  return { fn, eventFile: values.event, seed: values['cluster-seed'] ?? 'bookinfo', help: false };
}

/** Reads and checks the event: JSON, an object, and of a shape the function is triggered with. */
async function readEvent(fn: Invokable, file: string): Promise<Event> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read the event file ${file}: ${(error as Error).message}`);
  }
  let event: unknown;
  try {
    event = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  const { label, schemas } = ANY_SHAPE[fn];
  if (!schemas.some((schema) => schema.safeParse(event).success))
    throw new UsageError(`${file} is not ${label}, which ${fn} is triggered with`);
  return event as Event;
}

function clusterOfLogs(event: Event): string | undefined {
  const data = (event.awslogs as { data?: unknown } | undefined)?.data;
  if (typeof data !== 'string') return undefined;
  try {
    const decoded = JSON.parse(gunzipSync(Buffer.from(data, 'base64')).toString('utf8'));
    return clusterOfLogGroup(String(decoded.logGroup));
  } catch {
    return undefined;
  }
}

function clusterOfPath(
  event: Event,
  segment: (path: string) => string | undefined,
): string | undefined {
  const name = typeof event.rawPath === 'string' ? segment(event.rawPath) : undefined;
  return name === undefined ? undefined : decodeURIComponent(name);
}

function clustersOfRecords(event: Event): string[] {
  const records = Array.isArray(event.Records) ? (event.Records as { body?: unknown }[]) : [];
  return records.flatMap((record) => {
    try {
      const cluster = JSON.parse(String(record.body)).cluster;
      return typeof cluster === 'string' && cluster !== '' ? [cluster] : [];
    } catch {
      return [];
    }
  });
}

/** The cluster names an event mentions (where each trigger carries one). */
export function clusterNamesOf(fn: Invokable, event: Event): string[] {
  const names: (string | undefined)[] = [];
  if (fn === 'http-api')
    names.push(clusterOfPath(event, (path) => /^\/v1\/clusters\/([^/]+)/.exec(path)?.[1]));
  if (fn === 'audit-ingest') {
    const detail = event.detail as { cluster?: unknown } | undefined;
    names.push(
      clusterOfLogs(event),
      typeof detail?.cluster === 'string' ? detail.cluster : undefined,
    );
  }
  if (fn === 'audit-webhook') names.push(clusterOfPath(event, webhookClusterSegment));
  if (fn === 'reconcile') names.push(...clustersOfRecords(event));
  const found = [...new Set(names.filter((n): n is string => n !== undefined && n !== ''))];
  return found.length > 0 ? found.sort() : [DEFAULT_CLUSTER];
}

function powertools(): { logger: Logger; metrics: Metrics } {
  return {
    logger: new Logger({
      serviceName: 'waypointer',
      logLevel: (process.env.LOG_LEVEL as 'WARN' | undefined) ?? 'WARN',
    }),
    metrics: new Metrics({ namespace: 'waypointer', serviceName: 'waypointer' }),
  };
}

type Handler = (event: never, context: Context) => Promise<unknown>;

/** The handler of `fn`, built as its composition root would, over the embedded stack. */
function handlerOf(
  fn: Invokable,
  clusters: ClusterRegistry,
  pipeline: LocalPipeline | undefined,
): Handler {
  if (pipeline === undefined)
    return createHttpApi({ clusters, policy: LOCAL_PERMISSIVE, ...powertools() }) as Handler;
  if (fn === 'audit-ingest') return pipeline.auditIngest as Handler;
  if (fn === 'audit-webhook') return pipeline.auditWebhook as Handler;
  if (fn === 'reconcile') return createReconcile({ ...pipeline.deps, ...powertools() }) as Handler;
  return createSweep({ ...pipeline.deps, ...powertools() }) as Handler;
}

/**
 * Waits (a while at most) until `reconcile-requests.fifo` is empty: the pipeline's poller has
 * then handled what the invocation enqueued, and stopping cannot cut a reconcile short.
 */
async function settle(pipeline: LocalPipeline, timeoutMs = 15_000): Promise<void> {
  const client = new SQSClient({
    endpoint: pipeline.sqs,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const deadline = Date.now() + timeoutMs;
  try {
    while (Date.now() < deadline) {
      const { Attributes = {} } = await client.send(
        new GetQueueAttributesCommand({
          QueueUrl: pipeline.queues.reconcileRequests,
          AttributeNames: [
            'ApproximateNumberOfMessages',
            'ApproximateNumberOfMessagesNotVisible',
            'ApproximateNumberOfMessagesDelayed',
          ],
        }),
      );
      if (Object.values(Attributes).every((count) => count === '0')) return;
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    client.destroy();
  }
}

async function startCluster(seed: string): Promise<LocalCluster> {
  try {
    return await startLocalCluster({ seed });
  } catch (error) {
    throw new Error(
      `cannot start the embedded cluster with --cluster-seed ${seed}: ${(error as Error).message}`,
    );
  }
}

async function run(
  fn: Invokable,
  event: Event,
  seed: string,
): Promise<{ result: unknown; stop: () => Promise<void> }> {
  const local = await startCluster(seed);
  let pipeline: LocalPipeline | undefined;
  const stop = async (): Promise<void> => {
    if (pipeline !== undefined) {
      await settle(pipeline).catch(() => undefined);
      await pipeline.stop();
    }
    await local.stop();
  };
  try {
    const kc = new KubeConfig();
    kc.loadFromString(local.kubeconfig);
    const cluster = new KubernetesCluster(kc);
    const clusters = new StaticClusterRegistry(
      Object.fromEntries(clusterNamesOf(fn, event).map((name) => [name, cluster])),
    );
    if (fn !== 'http-api') pipeline = await startPipeline({ clusters, sweepIntervalMs: 3_600_000 });
    const { name, timeoutMs } = LAMBDA[fn];
    const handler = handlerOf(fn, clusters, pipeline);
    let result: unknown;
    try {
      result = await handler(event as never, lambdaContext(name, timeoutMs));
    } catch (error) {
      throw new Error(`${fn} failed: ${(error as Error).message}`);
    }
    return { result, stop };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}

/**
 * `waypointer invoke <function> --event FILE [--cluster-seed SEED]`: 0 with the handler's result
 * as JSON on stdout; 1 with `Error: ...` on stderr for bad arguments, an unreadable or invalid
 * event, or a handler that throws.
 *
 * @example
 * await invokeCommand(['reconcile', '--event', 'events/sqs-reconcile-requests.json'], io);
 * // stdout: { "batchItemFailures": [] }
 */
export async function invokeCommand(args: readonly string[], io: Io): Promise<number> {
  let options: InvokeOptions;
  let event: Event;
  try {
    options = parse(args);
    if (options.help) {
      io.stdout(INVOKE_HELP);
      return 0;
    }
    event = await readEvent(options.fn, options.eventFile);
  } catch (error) {
    io.stderr(`Error: ${(error as Error).message}\n${INVOKE_HELP}`);
    return 1;
  }
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  let outcome: Awaited<ReturnType<typeof run>>;
  try {
    outcome = await run(options.fn, event, options.seed);
  } catch (error) {
    io.stderr(`Error: ${(error as Error).message}\n`);
    return 1;
  }
  io.stdout(`${JSON.stringify(outcome.result ?? null, null, 2)}\n`);
  try {
    await outcome.stop();
  } catch (error) {
    io.stderr(`Warning: stopping the embedded stack: ${(error as Error).message}\n`);
  }
  return 0;
}
