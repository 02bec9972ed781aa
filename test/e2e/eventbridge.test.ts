/**
 * EventBridge in the local stack: the rules come from serverless.yml, and the sample
 * events/eventbridge-audit.json, put with the real EventBridge client, matches audit-ingest's
 * audit rule, becomes a reconcile request on the embedded reconcile-requests.fifo and, reconciled,
 * a binding-change message on binding-changes.fifo that names the audit event as its cause.
 * `waypointer serve` lists the endpoint in endpoints.json and logs every event to events.jsonl.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  EventBridgeClient,
  ListRulesCommand,
  PutEventsCommand,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import {
  DeleteMessageCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { LocalCluster } from '@waypointer/kube-api';
import { type LocalPipeline, type Served, serve, startPipeline } from '@waypointer/local-stack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubernetesCluster } from '../../shared/adapters/kubernetes/cluster.ts';
import { StaticClusterRegistry } from '../../shared/adapters/kubernetes/registry.ts';
import { cluster, kubeConfigOf } from '../support/kube.ts';

const sample = JSON.parse(
  readFileSync(new URL('../../events/eventbridge-audit.json', import.meta.url), 'utf8'),
);
const credentials = { accessKeyId: 'any', secretAccessKey: 'any' };

/** The PutEvents entry a producer sends for the sample (EventBridge adds the envelope). */
const entry: PutEventsRequestEntry = {
  Source: sample.source,
  DetailType: sample['detail-type'],
  Detail: JSON.stringify(sample.detail),
  Resources: sample.resources,
  Time: new Date(sample.time),
};

async function receiveAll(
  sqs: SQSClient,
  queueUrl: string,
  waitSeconds: number,
): Promise<Message[]> {
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: waitSeconds,
    }),
  );
  for (const m of Messages) {
    await sqs.send(
      new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle as string }),
    );
  }
  return Messages;
}

describe('the audit sample through PutEvents', () => {
  let demo: LocalCluster;
  let pipeline: LocalPipeline;
  let events: EventBridgeClient;
  let sqs: SQSClient;

  beforeAll(async () => {
    process.env.POWERTOOLS_LOG_LEVEL = 'CRITICAL';
    process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
    // The sample's cluster is `demo`: the stack manages an embedded cluster under that name.
    demo = await cluster();
    pipeline = await startPipeline({
      clusters: new StaticClusterRegistry({ demo: new KubernetesCluster(kubeConfigOf(demo)) }),
      sweepIntervalMs: 3_600_000,
    });
    events = new EventBridgeClient({ endpoint: pipeline.events, region: 'us-east-1', credentials });
    sqs = new SQSClient({ endpoint: pipeline.sqs, region: 'us-east-1', credentials });
  });

  afterAll(async () => {
    events.destroy();
    sqs.destroy();
    await pipeline.stop();
    await demo.stop();
  });

  it("matches audit-ingest's rule and becomes a reconcile request, then a binding change", async () => {
    const out = await events.send(new PutEventsCommand({ Entries: [entry] }));
    expect(out.FailedEntryCount).toBe(0);
    await pipeline.eventBridge.settled();
    const logged = pipeline.eventBridge.events().at(-1);
    expect(logged?.rules).toEqual(['waypointer-dev-auditIngest-rule-1']);
    // What audit-ingest received is the sample, as EventBridge builds it (its own id and account).
    expect(logged?.event).toEqual({
      ...sample,
      id: out.Entries?.[0]?.EventId,
      account: '000000000000',
      region: 'us-east-1',
    });
    expect(pipeline.eventBridge.deadLetters()).toEqual([]);

    // The reconcile request went through reconcile-requests.fifo: reconcile published its result.
    const published: Message[] = [];
    for (let i = 0; i < 10 && published.length === 0; i++) {
      published.push(...(await receiveAll(sqs, pipeline.queues.bindingChanges, 1)));
    }
    expect(published).toHaveLength(1);
    const change = JSON.parse(published[0]?.Body as string);
    expect(change).toMatchObject({
      subject: 'demo/default',
      data: {
        cluster: 'demo',
        namespace: 'default',
        cause: {
          trigger: 'audit',
          actor: sample.detail.event.user.username,
          auditIds: [sample.detail.event.auditID],
        },
      },
    });
  });

  it('delivers nothing for an event no rule matches, and keeps it in the log', async () => {
    const before = pipeline.eventBridge.stats();
    await events.send(
      new PutEventsCommand({ Entries: [{ ...entry, Source: 'com.example.elsewhere' }] }),
    );
    await pipeline.eventBridge.settled();
    expect(pipeline.eventBridge.stats()).toEqual({
      received: before.received + 1,
      delivered: before.delivered,
      failed: before.failed,
    });
    expect(pipeline.eventBridge.events().at(-1)?.rules).toEqual([]);
    expect(await receiveAll(sqs, pipeline.queues.reconcileRequests, 0)).toEqual([]);
  });
});

describe('waypointer serve', () => {
  let served: Served;
  let dataDir: string;

  beforeAll(async () => {
    process.env.POWERTOOLS_LOG_LEVEL = 'CRITICAL';
    dataDir = await mkdtemp(join(tmpdir(), 'serve-events-'));
    served = await serve({ port: 0, dataDir, sweepIntervalMs: 3_600_000 });
  });
  afterAll(() => served.stop());

  it('lists the EventBridge endpoint in endpoints.json, with the rules of serverless.yml', async () => {
    const endpoints = JSON.parse(await readFile(join(dataDir, 'endpoints.json'), 'utf8'));
    expect(endpoints.events).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const client = new EventBridgeClient({
      endpoint: endpoints.events,
      region: 'us-east-1',
      credentials,
    });
    try {
      const { Rules } = await client.send(new ListRulesCommand({}));
      expect(Rules?.map((r) => [r.Name, JSON.parse(r.EventPattern as string)])).toContainEqual([
        'waypointer-dev-auditIngest-rule-1',
        { source: ['com.example.k8s-audit'], 'detail-type': ['Kubernetes Audit Event'] },
      ]);
      const out = await client.send(new PutEventsCommand({ Entries: [entry] }));
      await served.pipeline.eventBridge.settled();
      const lines = (await readFile(join(dataDir, 'events.jsonl'), 'utf8')).trim().split('\n');
      expect(JSON.parse(lines.at(-1) as string)).toMatchObject({
        eventBusName: 'default',
        rules: ['waypointer-dev-auditIngest-rule-1'],
        event: { id: out.Entries?.[0]?.EventId, source: 'com.example.k8s-audit' },
      });
    } finally {
      client.destroy();
    }
  });

  /**
   * Puts one command event on npm start's bus with the real client, waits for its deliveries, and
   * returns its id and the result event eventbridge-command published for it.
   */
  async function putCommand(detail: Record<string, unknown>): Promise<{
    id: string | undefined;
    result: ReturnType<Served['pipeline']['eventBridge']['events']>[number] | undefined;
  }> {
    const client = new EventBridgeClient({
      endpoint: served.endpoints.events as string,
      region: 'us-east-1',
      credentials,
    });
    try {
      const out = await client.send(
        new PutEventsCommand({
          Entries: [
            {
              Source: 'com.example.ops',
              DetailType: 'waypointer.command',
              Detail: JSON.stringify(detail),
            },
          ],
        }),
      );
      const id = out.Entries?.[0]?.EventId;
      await served.pipeline.eventBridge.settled();
      expect(served.pipeline.eventBridge.deadLetters()).toEqual([]);
      const result = served.pipeline.eventBridge
        .events()
        .find(
          (e) =>
            e.event['detail-type'] === 'waypointer.command.result' &&
            (e.event.detail as { requestEventId?: string }).requestEventId === id,
        );
      return { id, result };
    } finally {
      client.destroy();
    }
  }

  it('applies a waypoint from a command event put with the real client, and tells so in a result event', async () => {
    const { result } = await putCommand({
      cluster: 'local',
      command: 'apply -n default --name eventbridge-waypoint --for workload',
    });
    expect(result?.event.detail).toMatchObject({
      cluster: 'local',
      exitCode: 0,
      command: { verb: 'apply', name: 'eventbridge-waypoint', for: 'workload' },
    });
    const gateway = await fetch(
      `${served.url}/v1/clusters/local/namespaces/default/waypoints/eventbridge-waypoint`,
    );
    expect(gateway.status).toBe(200);
    expect(
      ((await gateway.json()) as { waypoint: { trafficType: string } }).waypoint.trafficType,
    ).toBe('workload');
  });

  it('runs a command event with eventbridge-command and puts its result event on the bus', async () => {
    const { id, result } = await putCommand({
      cluster: 'local',
      command: 'list -n default',
      actor: 'ops',
    });
    expect(result).toMatchObject({
      eventBusName: 'default',
      rules: [],
      event: {
        source: 'io.waypointer',
        detail: {
          requestEventId: id,
          cluster: 'local',
          exitCode: 0,
          caller: 'eventbridge:000000000000/com.example.ops',
          actor: 'ops',
        },
      },
    });
  });
});
