/**
 * `waypointer serve` (what `npm start` runs): the embedded Kubernetes cluster (Bookinfo) or a real
 * one from a kubeconfig, and the HTTP API behind a local API gateway, on loopback.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { KubeConfig } from '@kubernetes/client-node';
import { type LocalCluster, startLocalCluster } from '@waypointer/kube-api';
import { createHttpApi } from '../../../../functions/http-api/app.ts';
import { KubernetesCluster } from '../../../../shared/adapters/kubernetes/cluster.ts';
import { istiodEntryStatus } from '../../../../shared/adapters/kubernetes/istiod-entry-status.ts';
import { StaticClusterRegistry } from '../../../../shared/adapters/kubernetes/registry.ts';
import { describePolicy, LOCAL_PERMISSIVE } from '../../../../shared/app/authorization.ts';
import { startChatOps } from './chatops.ts';
import { commandLine, type ForegroundIo, portOption } from './command-line.ts';
import { type HttpHandler, startGateway } from './gateway.ts';
import { type LocalPipeline, startPipeline } from './pipeline.ts';

export const SERVE_HELP = `Usage: waypointer serve [--port N] [--data-dir DIR] [--seed bookinfo|empty|FILE]
                        [--kubeconfig PATH [--context NAME]]
Serves the HTTP API on http://127.0.0.1:PORT (default 8080; 0 picks a free port) over the embedded
Kubernetes cluster (seeded with Bookinfo), or over the cluster a kubeconfig names. Writes
DIR/endpoints.json (default .local).
`;

export interface ServeOptions {
  readonly port: number;
  readonly dataDir: string;
  readonly seed?: string;
  readonly kubeconfig?: string;
  readonly context?: string;
  /** How often the scheduled sweep runs (default 60 s). */
  readonly sweepIntervalMs?: number;
  /** Told of every reconcile request and published binding change, one line each. */
  readonly activity?: (line: string) => void;
}

export interface Served {
  readonly url: string;
  readonly endpoints: Record<string, unknown>;
  readonly pipeline: LocalPipeline;
  stop(): Promise<void>;
}

/** The cluster name the API uses for the managed cluster (`/v1/clusters/local/...`). */
export const LOCAL_CLUSTER = 'local';

/** waypointer's username in the embedded cluster: what audit events name for its writes. */
export const WAYPOINTER_USER = 'waypointer';

export async function serve(options: ServeOptions): Promise<Served> {
  const dataDir = resolve(options.dataDir);
  await mkdir(dataDir, { recursive: true });
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  // The gateway comes first: the embedded cluster posts its audit events to it.
  const handlers: { api?: HttpHandler; audit?: HttpHandler; slack?: HttpHandler } = {};
  const gateway = await startGateway(
    (event, context) => {
      const handler = event.rawPath.startsWith('/audit/')
        ? handlers.audit
        : event.rawPath.startsWith('/slack/')
          ? handlers.slack
          : handlers.api;
      if (handler === undefined) return Promise.resolve({ statusCode: 503, body: 'starting' });
      return handler(event, context);
    },
    { port: options.port },
  );
  let embedded: LocalCluster | undefined;
  const kc = new KubeConfig();
  if (options.kubeconfig === undefined) {
    embedded = await startLocalCluster({
      seed: options.seed ?? 'bookinfo',
      kubeconfigOut: join(dataDir, 'kubeconfig'),
      readyDelayMs: 500,
      audit: { webhookUrl: `${gateway.url}/audit/${LOCAL_CLUSTER}` },
      entryRules: istiodEntryStatus,
    });
    // waypointer gets an identity of its own, as a deployment does, so the audit events of its
    // writes can be told from the user's (who has the admin kubeconfig).
    const token = `waypointer-${randomBytes(12).toString('hex')}`;
    embedded.server.addToken(token, { username: WAYPOINTER_USER, groups: ['system:masters'] });
    kc.loadFromString(embedded.server.kubeconfig(token));
  } else {
    kc.loadFromFile(options.kubeconfig);
    if (options.context !== undefined) kc.setCurrentContext(options.context);
  }
  const clusters = new StaticClusterRegistry({ [LOCAL_CLUSTER]: new KubernetesCluster(kc) });
  const pipeline = await startPipeline({
    clusters,
    identities: { [LOCAL_CLUSTER]: embedded === undefined ? [] : [WAYPOINTER_USER] },
    eventLog: join(dataDir, 'events.jsonl'),
    ...(options.activity === undefined ? {} : { activity: options.activity }),
    ...(options.sweepIntervalMs === undefined ? {} : { sweepIntervalMs: options.sweepIntervalMs }),
  });
  const logger = new Logger({
    serviceName: 'waypointer',
    logLevel: (process.env.LOG_LEVEL as 'WARN' | undefined) ?? 'WARN',
  });
  handlers.api = createHttpApi({
    clusters,
    policy: LOCAL_PERMISSIVE,
    logger,
    metrics: new Metrics({ namespace: 'waypointer', serviceName: 'waypointer' }),
    queue: pipeline.deps.queue,
  });
  handlers.audit = pipeline.auditWebhook;
  // ChatOps: SLACK_SIGNING_SECRET, else a development secret (in endpoints.json and the banner).
  const chatops = await startChatOps({
    clusters,
    policy: LOCAL_PERMISSIVE,
    sqs: pipeline.sqs,
    dynamodb: pipeline.dynamodb,
    ...(process.env.SLACK_SIGNING_SECRET
      ? { signingSecret: process.env.SLACK_SIGNING_SECRET }
      : {}),
    logger,
    metrics: new Metrics({ namespace: 'waypointer', serviceName: 'waypointer' }),
  });
  handlers.slack = chatops.handler;
  const endpoints = {
    api: gateway.url,
    kubernetes: embedded?.url ?? kc.getCurrentCluster()?.server,
    kubeconfig:
      options.kubeconfig === undefined ? join(dataDir, 'kubeconfig') : resolve(options.kubeconfig),
    clusters: [LOCAL_CLUSTER],
    authorization: describePolicy(LOCAL_PERMISSIVE).replace(/^authorization: /, ''),
    auditWebhook: `${gateway.url}/audit/${LOCAL_CLUSTER}`,
    sqs: pipeline.sqs,
    dynamodb: pipeline.dynamodb,
    events: pipeline.events,
    queues: {
      reconcileRequests: pipeline.queues.reconcileRequests,
      bindingChanges: pipeline.queues.bindingChanges,
    },
    slack: {
      commands: `${gateway.url}/slack/commands`,
      interactions: `${gateway.url}/slack/interactions`,
      signingSecret: chatops.signingSecret,
    },
  };
  await writeFile(join(dataDir, 'endpoints.json'), `${JSON.stringify(endpoints, null, 2)}\n`);
  return {
    url: gateway.url,
    endpoints,
    pipeline,
    stop: async () => {
      await embedded?.stop();
      await chatops.stop();
      await pipeline.stop();
      await new Promise<void>((r) => gateway.server.close(() => r()));
    },
  };
}

function banner(served: Served, dataDir: string): string {
  const { api, kubernetes, kubeconfig, authorization, sqs, dynamodb, events } =
    served.endpoints as Record<string, string>;
  return `waypointer is serving its HTTP API on ${api}
  Kubernetes API: ${kubernetes}
  kubeconfig:     ${kubeconfig}
  SQS:            ${sqs} (JSON and query protocols: any SQS client or aws CLI; any region, e.g.
                  us-east-1, any non-empty access key and secret: signatures are not verified)
  DynamoDB:       ${dynamodb}
  EventBridge:    ${events} (events logged to ${join(resolve(dataDir), 'events.jsonl')})
  endpoints:      ${join(resolve(dataDir), 'endpoints.json')}
  authorization:  ${authorization}
  Slack:          POST ${api}/slack/commands (signing secret in endpoints.json; try: npx waypointer slack "list -A")

Try:
  curl -s ${api}/v1/clusters/local/namespaces/default/bindings
  curl -s -X PUT -H 'content-type: application/json' ${api}/v1/clusters/local/namespaces/default/waypoints/waypoint -d '{"enrollNamespace":true,"wait":true}'
  curl -s -X PUT -H 'content-type: application/json' ${api}/v1/clusters/local/namespaces/default/services/reviews/enrollment -d '{"waypoint":"waypoint","dryRun":true}'
  curl -s ${api}/v1/openapi.json
  kubectl --kubeconfig ${kubeconfig} get gateways,pods -n default
  kubectl --kubeconfig ${kubeconfig} label namespace default istio.io/use-waypoint=waypoint
  AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local aws --region us-east-1 --endpoint-url ${served.endpoints.sqs as string} sqs receive-message --queue-url ${(served.endpoints.queues as { bindingChanges: string }).bindingChanges}
Binding changes are published to ${(served.endpoints.queues as { bindingChanges: string }).bindingChanges}
Stop with Ctrl-C.
`;
}

/** `waypointer serve`. */
export async function serveCommand(args: readonly string[], io: ForegroundIo): Promise<number> {
  const parsed = commandLine(
    args,
    {
      port: { type: 'string', default: '8080' },
      'data-dir': { type: 'string', default: '.local' },
      seed: { type: 'string' },
      kubeconfig: { type: 'string' },
      context: { type: 'string' },
    },
    SERVE_HELP,
    io,
  );
  if (typeof parsed === 'number') return parsed;
  const { text } = parsed;
  const port = portOption(text('port') ?? '8080');
  if (typeof port === 'string') {
    io.stderr(`Error: ${port}\n`);
    return 1;
  }
  if (text('context') !== undefined && text('kubeconfig') === undefined) {
    io.stderr('Error: --context goes with --kubeconfig\n');
    return 1;
  }
  const dataDir = text('data-dir') ?? '.local';
  const served = await serve({
    port,
    dataDir,
    ...(text('seed') === undefined ? {} : { seed: text('seed') as string }),
    ...(text('kubeconfig') === undefined ? {} : { kubeconfig: text('kubeconfig') as string }),
    ...(text('context') === undefined ? {} : { context: text('context') as string }),
    activity: (line) => io.stdout(`${new Date().toISOString().slice(11, 19)} ${line}\n`),
  });
  io.stdout(banner(served, dataDir));
  io.onStop(served.stop);
  return 0;
}
