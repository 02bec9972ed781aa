/**
 * The whole local stack (`npm start`): a kubectl label on the embedded cluster becomes an audit
 * event, a reconcile request and a schema-valid binding-change message on the embedded
 * binding-changes.fifo, readable by any SQS client.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DeleteMessageCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { type Served, serve } from '@waypointer/local-stack';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const schema = JSON.parse(
  readFileSync(new URL('../../schemas/binding-changes.v1.schema.json', import.meta.url), 'utf8'),
);
const ajv = new (Ajv2020 as unknown as typeof Ajv2020.default)({ strict: false });
(addFormats as unknown as (a: unknown) => void)(ajv);
const validate = ajv.compile(schema);

let served: Served;
let sqs: SQSClient;
let queueUrl: string;
let kubeconfig: string;
const activity: string[] = [];

beforeAll(async () => {
  process.env.POWERTOOLS_LOG_LEVEL = 'CRITICAL';
  const dataDir = await mkdtemp(join(tmpdir(), 'serve-'));
  served = await serve({
    port: 0,
    dataDir,
    sweepIntervalMs: 3_600_000,
    activity: (line) => activity.push(line),
  });
  const endpoints = JSON.parse(readFileSync(join(dataDir, 'endpoints.json'), 'utf8'));
  sqs = new SQSClient({
    endpoint: endpoints.sqs,
    region: 'us-east-1',
    credentials: { accessKeyId: 'any', secretAccessKey: 'any' },
  });
  queueUrl = endpoints.queues.bindingChanges;
  kubeconfig = endpoints.kubeconfig;
});

afterAll(async () => {
  sqs.destroy();
  await served.stop();
});

async function receive(waitSeconds: number): Promise<Message[]> {
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: waitSeconds,
      MessageSystemAttributeNames: ['MessageGroupId'],
    }),
  );
  for (const m of Messages)
    await sqs.send(
      new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle as string }),
    );
  return Messages;
}

function kubectl(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('kubectl', ['--kubeconfig', kubeconfig, ...args], (error, stdout, stderr) =>
      error === null ? resolve(stdout) : reject(new Error(stderr)),
    );
  });
}

describe('npm start: audit to binding changes', () => {
  it('writes endpoints.json with the API, Kubernetes, SQS, DynamoDB and the queues', () => {
    expect(Object.keys(served.endpoints)).toEqual(
      expect.arrayContaining(['api', 'kubernetes', 'kubeconfig', 'sqs', 'dynamodb', 'queues']),
    );
  });

  // How fast is measured by `npm run bench -- e2e-latency`; this test checks what arrives.
  it('puts a schema-valid message on binding-changes.fifo after a kubectl label', async () => {
    await kubectl('label', 'namespace', 'default', 'istio.io/use-waypoint=waypoint');
    const messages = await receive(10);
    expect(messages).toHaveLength(1);
    const event = JSON.parse(messages[0]?.Body as string);
    expect(validate(event), JSON.stringify(validate.errors)).toBe(true);
    expect(messages[0]?.Attributes?.MessageGroupId).toBe('local/default');
    // What npm start prints about it, a line per step.
    expect(activity).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^reconcile requested for local\/default \(audit by kubernetes-admin, 1 audit event\(s\)\)$/,
        ),
        expect.stringMatching(
          /^published local\/default #1 \(audit by kubernetes-admin\): Namespace default new -> none, Service details new -> none/,
        ),
      ]),
    );
    expect(event).toMatchObject({
      type: 'io.waypointer.binding.changed.v1',
      subject: 'local/default',
      data: {
        cluster: 'local',
        namespace: 'default',
        generation: 1,
        previousGeneration: 0,
        cause: { trigger: 'audit', actor: 'kubernetes-admin' },
      },
    });
    expect(
      event.data.changes
        .filter((c: any) => c.kind === 'Service')
        .map((c: any) => `${c.name} ${c.after.condition.reason}`),
    ).toEqual([
      'details WaypointIsNotReady',
      'productpage WaypointIsNotReady',
      'ratings WaypointIsNotReady',
      'reviews WaypointIsNotReady',
    ]);
  });

  it('publishes the next generation when the waypoint appears, through the HTTP API', async () => {
    const response = await fetch(
      `${served.url}/v1/clusters/local/namespaces/default/waypoints/waypoint`,
      {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ wait: true }),
      },
    );
    expect(response.status).toBe(200);
    const events: any[] = [];
    for (
      let i = 0;
      i < 5 &&
      !events.some((e) => e.data.changes.some((c: any) => c.after?.waypoint?.name === 'waypoint'));
      i++
    ) {
      events.push(...(await receive(1)).map((m) => JSON.parse(m.Body as string)));
    }
    expect(events.every((e) => validate(e))).toBe(true);
    const bound = events.find((e) =>
      e.data.changes.some((c: any) => c.after?.waypoint?.name === 'waypoint'),
    );
    expect(bound.data.generation).toBeGreaterThan(1);
    expect(
      bound.data.changes
        .filter((c: any) => c.kind === 'Service' && c.after?.waypoint?.name === 'waypoint')
        .map((c: any) => c.name),
    ).toEqual(['details', 'productpage', 'ratings', 'reviews']);
  });

  it('names the API caller, not its own identity, as the actor of a change it made', async () => {
    const alice = 'arn:aws:iam::123456789012:user/alice';
    const response = await fetch(
      `${served.url}/v1/clusters/local/namespaces/default/services/ratings/enrollment`,
      {
        method: 'PUT',
        headers: { 'content-type': 'application/json', 'x-waypointer-caller': alice },
        body: JSON.stringify({ waypoint: 'none' }),
      },
    );
    expect(response.status).toBe(200);
    const events: any[] = [];
    const changed = (e: any): boolean =>
      e.data.changes.some((c: any) => c.kind === 'Service' && c.name === 'ratings');
    for (let i = 0; i < 5 && !events.some(changed); i++) {
      events.push(...(await receive(1)).map((m) => JSON.parse(m.Body as string)));
    }
    const event = events.find(changed);
    expect(validate(event)).toBe(true);
    expect(event.data.cause).toMatchObject({ trigger: 'audit', actor: alice });
  });

  it('publishes every binding of a namespace deleted with kubectl as removed', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'ns-')), 'team.yaml');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(
      file,
      'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: short-lived\n  labels:\n    istio.io/use-waypoint: waypoint\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: api\n  namespace: short-lived\nspec:\n  ports:\n  - port: 80\n',
    );
    await kubectl('apply', '--server-side', '-f', file);
    const created: any[] = [];
    for (let i = 0; i < 5 && !created.some((e: any) => e.subject === 'local/short-lived'); i++) {
      created.push(...(await receive(1)).map((m) => JSON.parse(m.Body as string)));
    }
    expect(created.some((e: any) => e.subject === 'local/short-lived')).toBe(true);
    await kubectl('delete', 'namespace', 'short-lived');
    const removed: any[] = [];
    for (let i = 0; i < 5 && !removed.some((e) => e.subject === 'local/short-lived'); i++) {
      removed.push(...(await receive(1)).map((m) => JSON.parse(m.Body as string)));
    }
    const gone = removed.find((e) => e.subject === 'local/short-lived');
    expect(validate(gone)).toBe(true);
    expect(gone.data.changes.every((c: any) => c.after === null)).toBe(true);
    expect(gone.data.changes.map((c: any) => `${c.kind} ${c.name}`)).toContain('Service api');
  });

  it('publishes nothing for writes that cannot change a binding', async () => {
    await kubectl('label', 'namespace', 'default', 'team=payments');
    expect(await receive(1)).toEqual([]);
  });
});
