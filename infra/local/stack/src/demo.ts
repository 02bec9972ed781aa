/**
 * `waypointer demo` (`npm run demo`): the seed walkthrough, Istio's "Configure waypoint proxies",
 * replayed on a fresh embedded stack through the public HTTP API. After each step it prints the
 * bindings table and the binding-change messages read from `binding-changes.fifo`; it exits 0 only
 * when the final bindings are the guide's.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { LOCAL_CLUSTER, serve } from './serve.ts';

/** One step of the guide: what the user asks, as an HTTP API request. */
interface Step {
  readonly title: string;
  readonly method: 'PUT';
  readonly path: string;
  readonly body: Record<string, unknown>;
}

const NS = `/v1/clusters/${LOCAL_CLUSTER}/namespaces/default`;

/** The guide's steps (DESIGN §1; the README's curl walkthrough). */
export const STEPS: readonly Step[] = [
  {
    title: 'Apply a waypoint for the namespace and enroll it',
    method: 'PUT',
    path: `${NS}/waypoints/waypoint`,
    body: { enrollNamespace: true, wait: true },
  },
  {
    title: 'Apply reviews-svc-waypoint',
    method: 'PUT',
    path: `${NS}/waypoints/reviews-svc-waypoint`,
    body: { wait: true },
  },
  {
    title: 'Enroll Service reviews on reviews-svc-waypoint',
    method: 'PUT',
    path: `${NS}/services/reviews/enrollment`,
    body: { waypoint: 'reviews-svc-waypoint' },
  },
  {
    title: 'Apply reviews-v2-pod-waypoint for workload traffic',
    method: 'PUT',
    path: `${NS}/waypoints/reviews-v2-pod-waypoint`,
    body: { for: 'workload', wait: true },
  },
  {
    title: 'Enroll the pods app=reviews,version=v2 on reviews-v2-pod-waypoint',
    method: 'PUT',
    path: `${NS}/pods/enrollment?selector=${encodeURIComponent('app=reviews,version=v2')}`,
    body: { waypoint: 'reviews-v2-pod-waypoint' },
  },
];

/**
 * Where the guide ends: every Service but reviews on the namespace waypoint, reviews on its own,
 * the reviews v2 pod on the workload waypoint, every other Bookinfo pod on none (the namespace
 * waypoint serves service traffic only).
 */
export const GUIDE_END: readonly string[] = [
  'Service details -> default/waypoint via namespace',
  'Service productpage -> default/waypoint via namespace',
  'Service ratings -> default/waypoint via namespace',
  'Service reviews -> default/reviews-svc-waypoint via service',
  'Pod reviews-v2-6f85cb9b7c-9jbd8 -> default/reviews-v2-pod-waypoint via pod',
  'Pods of namespace default (unlabelled) -> none',
];

interface Binding {
  readonly name: string;
  readonly waypoint: { readonly namespace: string; readonly name: string } | null;
  readonly via: string | null;
}

interface BindingsPage {
  readonly services: readonly Binding[];
  readonly pods: readonly Binding[];
  readonly namespaces: readonly (Omit<Binding, 'name'> & { readonly namespace: string })[];
}

const BOOKINFO_SERVICES = new Set(['details', 'productpage', 'ratings', 'reviews']);
/** Bookinfo's pods (a Deployment's `<app>-<version>-<hash>-<id>`), not the waypoints' own. */
const BOOKINFO_POD = /^(details|productpage|ratings|reviews)-v\d+-[0-9a-f]{8,10}-[0-9a-z]{5}$/;

function target(binding: { waypoint: Binding['waypoint']; via: string | null }): string {
  return binding.waypoint === null
    ? 'none'
    : `${binding.waypoint.namespace}/${binding.waypoint.name} via ${binding.via}`;
}

/** The bindings of Bookinfo's objects (waypoint instances left out), as the guide states them. */
export function bookinfoTable(page: BindingsPage): string[] {
  return [
    ...page.services
      .filter((s) => BOOKINFO_SERVICES.has(s.name))
      .map((s) => `Service ${s.name} -> ${target(s)}`),
    ...page.pods
      .filter((p) => BOOKINFO_POD.test(p.name))
      .map((p) => `Pod ${p.name} -> ${target(p)}`),
    ...page.namespaces.map((n) => `Pods of namespace ${n.namespace} (unlabelled) -> ${target(n)}`),
  ];
}

interface Change {
  readonly kind: string;
  readonly name: string;
  readonly before: { readonly waypoint?: Binding['waypoint'] } | null;
  readonly after: { readonly waypoint?: Binding['waypoint'] } | null;
}

function changeLine(change: Change): string {
  const side = (b: Change['before'], absent: string): string =>
    b === null
      ? absent
      : b.waypoint === null || b.waypoint === undefined
        ? 'none'
        : b.waypoint.name;
  return `${change.kind} ${change.name}: ${side(change.before, 'new')} -> ${side(change.after, 'gone')}`;
}

/** Receives what binding-changes.fifo holds until it stays empty for a second. */
async function drain(sqs: SQSClient, queueUrl: string): Promise<Change[][]> {
  const messages: Change[][] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
      }),
    );
    if (Messages.length === 0) return messages;
    for (const message of Messages) {
      messages.push(
        (JSON.parse(message.Body ?? '{}') as { data: { changes: Change[] } }).data.changes,
      );
      await sqs.send(
        new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }),
      );
    }
  }
}

/** Sends one step and prints what was done and the bindings after it; false when it failed. */
async function runStep(
  url: string,
  i: number,
  step: Step,
  io: { stdout(text: string): void },
): Promise<boolean> {
  io.stdout(
    `\n## ${i + 1}. ${step.title}\n$ ${step.method} ${step.path} ${JSON.stringify(step.body)}\n`,
  );
  const response = await fetch(`${url}${step.path}`, {
    method: step.method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(step.body),
  });
  const answer = (await response.json()) as { done?: string[]; detail?: string };
  if (!response.ok) {
    io.stdout(`HTTP ${response.status}: ${answer.detail}\n`);
    return false;
  }
  for (const line of answer.done ?? []) io.stdout(`  ${line}\n`);
  const page = (await (await fetch(`${url}${NS}/bindings`)).json()) as BindingsPage;
  io.stdout('bindings:\n');
  for (const line of bookinfoTable(page)) io.stdout(`  ${line}\n`);
  return true;
}

/**
 * Runs the walkthrough on a fresh embedded stack; 0 when the final bindings are the guide's.
 *
 * @example
 * process.exitCode = await demoCommand({ stdout: (t) => process.stdout.write(t) });
 */
export async function demoCommand(io: { stdout(text: string): void }): Promise<number> {
  const dataDir = await mkdtemp(join(tmpdir(), 'waypointer-demo-'));
  process.env.POWERTOOLS_LOG_LEVEL ??= 'CRITICAL';
  const served = await serve({ port: 0, dataDir, sweepIntervalMs: 3_600_000 });
  const endpoints = served.endpoints as { sqs: string; queues: { bindingChanges: string } };
  const sqs = new SQSClient({
    endpoint: endpoints.sqs,
    region: 'us-east-1',
    credentials: { accessKeyId: 'demo', secretAccessKey: 'demo' },
  });
  try {
    await drain(sqs, endpoints.queues.bindingChanges);
    for (const [i, step] of STEPS.entries()) {
      if (!(await runStep(served.url, i, step, io))) return 1;
      const messages = await drain(sqs, endpoints.queues.bindingChanges);
      io.stdout(`binding-change messages: ${messages.length}\n`);
      for (const changes of messages)
        for (const change of changes) io.stdout(`  ${changeLine(change)}\n`);
    }
    const final = (await (await fetch(`${served.url}${NS}/bindings`)).json()) as BindingsPage;
    const got = bookinfoTable(final);
    const same = JSON.stringify(got) === JSON.stringify(GUIDE_END);
    io.stdout(
      same
        ? "\nThe bindings are where Istio's guide ends.\n"
        : `\nThe bindings differ from where Istio's guide ends:\n  expected ${JSON.stringify(GUIDE_END)}\n  got      ${JSON.stringify(got)}\n`,
    );
    return same ? 0 : 1;
  } finally {
    sqs.destroy();
    await served.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}
