/**
 * `npm run bench [-- NAME...]`: runs the named benchmarks (all when none is named) and prints one
 * JSON line per benchmark. docs/benchmarks.md has the figures, the machine and the targets.
 *
 * engine-100k, engine-1m (`engine.ts`): the binding engine over a synthetic cluster of 1,000
 * namespaces, 20,000 Services, 100,000 Pods and 1,500 waypoints (and ten times that), against
 * `JSON.parse` of the same objects as kubectl Lists, each measured in a process of its own with
 * its peak RSS. Target: ratio <= 0.5.
 *
 * e2e-latency: the local stack of `npm start`; `kubectl label namespace default
 * istio.io/use-waypoint=...` set and removed in turn, timed from kubectl's start to the
 * binding-change message being received from the embedded binding-changes.fifo (long polling,
 * started with kubectl). Reports p50 and p99 of the runs after a warm-up, and kubectl's own p50
 * and p99. Target: p50 <= 1000 ms.
 *
 * reconcile-requests: the Kubernetes API requests one namespace's reconcile read takes (the
 * namespace snapshot), at 10, 1,000 and 10,000 pods: constant by design.
 *
 * sweep-requests: the list requests one sweep's cluster snapshot takes for 10,000 namespaces (one
 * Service each), in pages of 500: about objects/500, never a request per namespace.
 *
 * ingest: audit events a second through audit-ingest's decode and filter (the CloudWatch Logs
 * envelope, gunzip, each event parsed and checked, the impact rule) on batches of 100 EKS audit
 * events, against plain gunzip + JSON.parse of the same batches. Target: ratio >= 0.5.
 *
 * api-load: 2,000 requests (bindings reads, waypoint lists and dry-run enrollments in turn) at
 * concurrency 50 through the local gateway of `npm start`: errors (any 5xx or failed request)
 * must be 0; p50 and p99 latency.
 *
 * cold-start: every function of serverless.yml, its handler bundled as one minified ESM file
 * (everything included, the AWS SDK too), its size, and the median time a fresh Node process takes
 * to import it (five processes), each with its ratio to a bundle holding only
 * `@aws-sdk/client-sqs`: the ChatOps ingress must stay light enough to answer Slack within three
 * seconds from cold.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { gunzipSync, gzipSync } from 'node:zlib';
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { KubeConfig } from '@kubernetes/client-node';
import { findResource, type ResourceType, startLocalCluster } from '@waypointer/kube-api';
import { serve } from '@waypointer/local-stack';
import { fromCloudWatch } from '../../functions/audit-ingest/app.ts';
import { KubernetesCluster } from '../../shared/adapters/kubernetes/cluster.ts';
import { auditImpact } from '../../shared/domain/audit.ts';
import { hasWorkload } from '../../shared/domain/bindings.ts';
import { engineBench, median } from './engine.ts';

const RUNS = 7;

function time(fn: () => unknown): number {
  const start = performance.now();
  fn();
  return performance.now() - start;
}

/** Enough runs for a p99 that is not simply the slowest run. */
const E2E_RUNS = 100;

async function e2eLatency(): Promise<object> {
  process.env.POWERTOOLS_LOG_LEVEL = 'CRITICAL';
  const dataDir = await mkdtemp(join(tmpdir(), 'bench-e2e-'));
  const served = await serve({ port: 0, dataDir, sweepIntervalMs: 3_600_000 });
  const endpoints = JSON.parse(await readFile(join(dataDir, 'endpoints.json'), 'utf8'));
  const sqs = new SQSClient({
    endpoint: endpoints.sqs,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const queueUrl = endpoints.queues.bindingChanges as string;
  const receiveOne = async (): Promise<void> => {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 1,
        WaitTimeSeconds: 10,
      }),
    );
    const [message] = Messages;
    if (message === undefined) throw new Error('no binding-change message within 10 s');
    await sqs.send(
      new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }),
    );
  };
  const kubectl = promisify(execFile);
  const totals: number[] = [];
  const kubectlTimes: number[] = [];
  try {
    for (let run = 0; run <= E2E_RUNS; run++) {
      const label = run % 2 === 0 ? 'istio.io/use-waypoint=waypoint' : 'istio.io/use-waypoint-';
      const start = performance.now();
      const received = receiveOne().then(() => performance.now() - start);
      await kubectl('kubectl', [
        '--kubeconfig',
        endpoints.kubeconfig,
        'label',
        'namespace',
        'default',
        label,
      ]);
      const kubectlMs = performance.now() - start;
      const totalMs = await received;
      if (run > 0) {
        totals.push(totalMs);
        kubectlTimes.push(kubectlMs);
      }
    }
  } finally {
    sqs.destroy();
    await served.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
  const round = (n: number): number => Number(n.toFixed(1));
  const sorted = [...totals].sort((a, b) => a - b);
  const kubectlSorted = [...kubectlTimes].sort((a, b) => a - b);
  return {
    bench: 'e2e-latency',
    runs: totals.length,
    p50Ms: round(quantile(sorted, 0.5)),
    p99Ms: round(quantile(sorted, 0.99)),
    maxMs: round(sorted.at(-1) as number),
    kubectlP50Ms: round(quantile(kubectlSorted, 0.5)),
    kubectlP99Ms: round(quantile(kubectlSorted, 0.99)),
  };
}

/** What each bundled handler needs in its environment to load (its validated configuration). */
const COLD_ENV = {
  WAYPOINTER_CLUSTERS: '{"prod":{"eks":{"name":"prod","region":"eu-west-1"}}}',
  WAYPOINTER_POLICY: '{"version":1,"rules":[]}',
  SLACK_SIGNING_SECRET: 'cold-start',
  WAYPOINTER_CHATOPS_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/chatops.fifo',
  WAYPOINTER_BINDINGS_TABLE: 'bindings',
  WAYPOINTER_RECONCILE_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/r.fifo',
  WAYPOINTER_CHANGES_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/c.fifo',
  WAYPOINTER_IDEMPOTENCY_TABLE: 'idempotency',
  AWS_REGION: 'eu-west-1',
  POWERTOOLS_LOG_LEVEL: 'CRITICAL',
  POWERTOOLS_METRICS_DISABLED: 'true',
};

/** Bundles `entry` (or `contents`) as Lambda would run it; its path and size. */
async function bundle(dir: string, name: string, entry: { file?: string; contents?: string }) {
  const { build } = await import('esbuild');
  const outfile = join(dir, `${name}.mjs`);
  await build({
    ...(entry.file === undefined
      ? { stdin: { contents: entry.contents ?? '', resolveDir: process.cwd(), loader: 'ts' } }
      : { entryPoints: [entry.file] }),
    bundle: true,
    minify: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    outfile,
    logLevel: 'silent',
    banner: {
      js: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
    },
  });
  const { size } = await import('node:fs/promises').then((fs) => fs.stat(outfile));
  return { outfile, bytes: size };
}

/** The median time, over fresh processes, to import a bundle. */
async function coldImportMs(file: string): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const t = performance.now(); await import(${JSON.stringify(file)}); process.stdout.write(String(performance.now() - t));`,
      ],
      { env: { ...process.env, ...COLD_ENV } },
    );
    times.push(Number(stdout));
  }
  return median(times);
}

/** Every function of serverless.yml: its name in kebab-case and its handler's source file. */
async function functionEntries(): Promise<Record<string, { file: string }>> {
  const { parse } = await import('yaml');
  // CloudFormation's short tags (!Ref, !GetAtt) are not needed here: read as plain values.
  const config = parse(await readFile('serverless.yml', 'utf8'), { logLevel: 'error' }) as {
    functions: Record<string, { handler: string }>;
  };
  const entries: Record<string, { file: string }> = {};
  for (const [name, { handler }] of Object.entries(config.functions)) {
    const kebab = name.replaceAll(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    entries[kebab] = { file: `${handler.slice(0, handler.lastIndexOf('.'))}.ts` };
  }
  return entries;
}

interface ColdStart {
  bytes: number;
  importMs: number;
  bytesRatio?: number;
  importRatio?: number;
}

async function coldStart(): Promise<object> {
  const dir = await mkdtemp(join(tmpdir(), 'cold-start-'));
  try {
    const entries: Record<string, { file?: string; contents?: string }> = {
      'sqs-only': {
        contents:
          "import { SQSClient } from '@aws-sdk/client-sqs'; export const client = new SQSClient({});",
      },
      ...(await functionEntries()),
    };
    const results: Record<string, ColdStart> = {};
    for (const [name, entry] of Object.entries(entries)) {
      const { outfile, bytes } = await bundle(dir, name, entry);
      results[name] = { bytes, importMs: Number((await coldImportMs(outfile)).toFixed(1)) };
    }
    const base = results['sqs-only'] as ColdStart;
    for (const [name, result] of Object.entries(results)) {
      if (name === 'sqs-only') continue;
      result.bytesRatio = Number((result.bytes / base.bytes).toFixed(2));
      result.importRatio = Number((result.importMs / base.importMs).toFixed(2));
    }
    return { bench: 'cold-start', ...results };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Puts `count` pods (and the namespace) straight into the embedded server's store: one in a
 * hundred carries `istio.io/use-waypoint`, and one in ten of those has Succeeded (istiod builds no
 * workload for it); the others run.
 */
function seedPods(store: KubeStore, namespace: string, count: number): void {
  const put = (resource: string, object: object): void => {
    store.put(findResource('', 'v1', resource) as ResourceType, object as never, 'ADDED');
  };
  put('namespaces', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: namespace, uid: namespace },
  });
  for (let i = 0; i < count; i++)
    put('pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: `p-${i}`,
        namespace,
        labels: { app: 'x', ...(i % 100 === 0 ? { 'istio.io/use-waypoint': 'w' } : {}) },
      },
      spec: { containers: [] },
      status:
        i % 1000 === 0
          ? { phase: 'Succeeded', podIPs: [{ ip: '10.244.0.1' }] }
          : { phase: 'Running', podIPs: [{ ip: '10.244.0.1' }] },
    });
}

type KubeStore = Awaited<ReturnType<typeof startLocalCluster>>['server']['store'];

async function reconcileRequests(): Promise<object> {
  const local = await startLocalCluster({ seed: 'empty' });
  try {
    const kc = new KubeConfig();
    kc.loadFromString(local.kubeconfig);
    const adapter = new KubernetesCluster(kc);
    const requests: Record<string, number> = {};
    for (const pods of [10, 1000, 10_000]) {
      seedPods(local.server.store, `ns-${pods}`, pods);
      // What the pipeline's reconcile reads (labels only, ADR 0002), then what a bindings query
      // reads (each labelled pod's workload too).
      let before = local.server.requestCount;
      await adapter.namespaceSnapshot(`ns-${pods}`, { lifecycle: false });
      requests[`pods${pods}`] = local.server.requestCount - before;
      before = local.server.requestCount;
      const snapshot = await adapter.namespaceSnapshot(`ns-${pods}`);
      requests[`queryPods${pods}`] = local.server.requestCount - before;
      requests[`withoutWorkload${pods}`] = snapshot.pods.filter((p) => !hasWorkload(p)).length;
    }
    return { bench: 'reconcile-requests', ...requests };
  } finally {
    await local.stop();
  }
}

async function sweepRequests(): Promise<object> {
  const local = await startLocalCluster({ seed: 'empty' });
  try {
    const services = findResource('', 'v1', 'services') as ResourceType;
    for (let i = 0; i < 10_000; i++) {
      seedPods(local.server.store, `team-${i}`, 0);
      local.server.store.put(
        services,
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: 'api', namespace: `team-${i}`, uid: `svc-${i}` },
          spec: { ports: [{ port: 80 }] },
        } as never,
        'ADDED',
      );
    }
    const kc = new KubeConfig();
    kc.loadFromString(local.kubeconfig);
    const before = local.server.requestCount;
    // What a sweep reads: labels only (ADR 0002).
    const snapshot = await new KubernetesCluster(kc).clusterSnapshot({ lifecycle: false });
    return {
      bench: 'sweep-requests',
      namespaces: snapshot.namespaces.length,
      services: snapshot.services.length,
      listRequests: local.server.requestCount - before,
    };
  } finally {
    await local.stop();
  }
}

/** The q-quantile of sorted values (nearest rank). */
function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number;
}

async function apiLoad(): Promise<object> {
  const dataDir = await mkdtemp(join(tmpdir(), 'api-load-'));
  process.env.POWERTOOLS_LOG_LEVEL = 'CRITICAL';
  const served = await serve({ port: 0, dataDir, sweepIntervalMs: 3_600_000 });
  const ns = `${served.url}/v1/clusters/local/namespaces/default`;
  const requests: (() => Promise<Response>)[] = [
    () => fetch(`${ns}/bindings`),
    () => fetch(`${served.url}/v1/clusters/local/waypoints`),
    () =>
      fetch(`${ns}/services/reviews/enrollment`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ waypoint: 'waypoint', dryRun: true }),
      }),
  ];
  const total = 2000;
  const concurrency = 50;
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < total) {
      const i = next++;
      const started = performance.now();
      try {
        const response = await (requests[i % requests.length] as () => Promise<Response>)();
        await response.arrayBuffer();
        if (response.status >= 500) errors++;
      } catch {
        errors++;
      }
      latencies.push(performance.now() - started);
    }
  };
  const started = performance.now();
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    await served.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
  const seconds = (performance.now() - started) / 1000;
  const sorted = [...latencies].sort((a, b) => a - b);
  const round = (n: number): number => Number(n.toFixed(1));
  return {
    bench: 'api-load',
    requests: total,
    concurrency,
    errors,
    p50Ms: round(quantile(sorted, 0.5)),
    p99Ms: round(quantile(sorted, 0.99)),
    perSecond: round(total / seconds),
  };
}

/** CloudWatch Logs subscription events of 100 audit events each, as EKS delivers them. */
function auditBatches(count: number): { event: object; data: string }[] {
  const verbs = ['get', 'list', 'watch', 'patch', 'update', 'create'];
  return Array.from({ length: count }, (_, b) => {
    const logEvents = Array.from({ length: 100 }, (_, i) => ({
      id: `${b}-${i}`,
      timestamp: 1764720000000 + i,
      message: JSON.stringify({
        kind: 'Event',
        apiVersion: 'audit.k8s.io/v1',
        level: 'Metadata',
        auditID: `${b.toString(16).padStart(8, '0')}-0000-4000-8000-${i.toString(16).padStart(12, '0')}`,
        stage: 'ResponseComplete',
        requestURI: `/api/v1/namespaces/team-${i % 20}/pods/p-${i}`,
        verb: verbs[i % verbs.length],
        user: {
          username: 'system:serviceaccount:kube-system:replicaset-controller',
          groups: ['system:serviceaccounts'],
        },
        sourceIPs: ['10.0.0.1'],
        userAgent: 'kube-controller-manager/v1.32.0',
        objectRef: {
          resource: i % 3 === 0 ? 'services' : 'pods',
          namespace: `team-${i % 20}`,
          name: `p-${i}`,
          apiVersion: 'v1',
        },
        responseStatus: { metadata: {}, code: 200 },
        requestReceivedTimestamp: '2026-12-03T00:00:00.000000Z',
        stageTimestamp: '2026-12-03T00:00:00.001000Z',
        annotations: { 'authorization.k8s.io/decision': 'allow' },
      }),
    }));
    const data = gzipSync(
      JSON.stringify({
        messageType: 'DATA_MESSAGE',
        owner: '123456789012',
        logGroup: '/aws/eks/prod/cluster',
        logStream: 'kube-apiserver-audit-0',
        subscriptionFilters: ['waypointer'],
        logEvents,
      }),
    ).toString('base64');
    return { event: { awslogs: { data } }, data };
  });
}

async function ingest(): Promise<object> {
  const batches = auditBatches(200);
  const events = batches.length * 100;
  const ours: number[] = [];
  const plain: number[] = [];
  let impacts = 0;
  for (let run = 0; run <= RUNS; run++) {
    const a = time(() => {
      for (const { event } of batches) {
        const delivery = fromCloudWatch(event);
        for (const e of delivery?.events ?? []) if (auditImpact(e) !== null) impacts++;
      }
    });
    const b = time(() => {
      for (const { data } of batches) {
        const decoded = JSON.parse(gunzipSync(Buffer.from(data, 'base64')).toString('utf8'));
        for (const e of decoded.logEvents) JSON.parse(e.message);
      }
    });
    if (run > 0) {
      ours.push(a);
      plain.push(b);
    }
  }
  const perSecond = (ms: number): number => Math.round(events / (ms / 1000));
  return {
    bench: 'ingest',
    events,
    eventsPerSecond: perSecond(median(ours)),
    plainEventsPerSecond: perSecond(median(plain)),
    ratio: Number((median(plain) / median(ours)).toFixed(2)),
    // Writes that can change a binding, per pass (the rest are reads or other kinds, dropped).
    keptPerPass: impacts / (RUNS + 1),
  };
}

const BENCHES: Record<string, () => object | Promise<object>> = {
  'engine-100k': () => engineBench('100k'),
  'engine-1m': () => engineBench('1m'),
  'e2e-latency': e2eLatency,
  ingest,
  'api-load': apiLoad,
  'reconcile-requests': reconcileRequests,
  'sweep-requests': sweepRequests,
  'cold-start': coldStart,
};

const names = process.argv.slice(2);
for (const name of names.length === 0 ? Object.keys(BENCHES) : names) {
  const bench = BENCHES[name];
  if (bench === undefined) {
    process.stderr.write(
      `unknown benchmark "${name}"; known: ${Object.keys(BENCHES).join(', ')}\n`,
    );
    process.exitCode = 1;
    continue;
  }
  process.stdout.write(`${JSON.stringify(await bench())}\n`);
}
