/**
 * eventbridge-command's real handler with its real adapters: Powertools idempotency on dynalite
 * (the DynamoDB persistence layer, through the real AWS SDK), result events sent by the real
 * `@aws-sdk/client-eventbridge` to a PutEvents receiver on loopback (a `node:http` server on port 0
 * that records each `AWSEvents.PutEvents` request and can refuse entries), and the embedded
 * Kubernetes cluster read under the real policy.
 *
 * Most tests use `ListRunner`, which runs the structured `{verb: 'list', namespace?}` through the
 * real `listWaypoints` use case and the real policy authorizer, so that idempotency, result events
 * and failures are checked on a runner whose calls can be counted; the last block runs grammar text
 * (apply, dry runs, refusals, typos) through the real command layer (`commandRunner`).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { CreateTableCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { LocalCluster } from '@waypointer/kube-api';
import { type LocalDynamo, lambdaContext, startDynamo } from '@waypointer/local-stack';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  CommandFailedError,
  createEventBridgeCommand,
} from '../../functions/eventbridge-command/app.ts';
import { EventBridgePublisher, PUT_EVENTS_MAX_BYTES } from '../../shared/adapters/aws/events.ts';
import { KubernetesCluster } from '../../shared/adapters/kubernetes/cluster.ts';
import { StaticClusterRegistry } from '../../shared/adapters/kubernetes/registry.ts';
import { LOCAL_PERMISSIVE, parsePolicy, policyAuthorizer } from '../../shared/app/authorization.ts';
import { listWaypoints } from '../../shared/app/queries.ts';
import { commandRunner } from '../../shared/app/run-command.ts';
import {
  NotFoundError,
  UnavailableError,
  ValidationError,
  WaypointerError,
} from '../../shared/domain/errors.ts';
import { generateWaypoint, waypointManifest } from '../../shared/domain/generate.ts';
import type {
  CommandOutcome,
  CommandRequest,
  CommandRunner,
  OutgoingEvent,
} from '../../shared/ports.ts';
import { cluster, kubeConfigOf } from '../support/kube.ts';

const TABLE = 'waypointer-idempotency';
const BUS = 'ops-bus';
const OPS = 'eventbridge:123456789012/com.example.ops';

/** What the receiver answers: every entry accepted, or every entry refused with this error. */
let refusal: { ErrorCode: string; ErrorMessage: string } | undefined;
/** The PutEvents requests the receiver got: the X-Amz-Target header and the JSON body. */
const received: { target: string; entries: Record<string, unknown>[] }[] = [];

/** A PutEvents endpoint on loopback speaking AWS JSON 1.1, as EventBridge does. */
function putEventsReceiver(): Server {
  return createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      const entries = body.Entries as Record<string, unknown>[];
      received.push({ target: String(request.headers['x-amz-target']), entries });
      const answer = entries.map(() => refusal ?? { EventId: randomUUID() });
      response.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      response.end(
        JSON.stringify({
          FailedEntryCount: refusal === undefined ? 0 : entries.length,
          Entries: answer,
        }),
      );
    });
  });
}

/**
 * Runs `{verb: 'list', namespace?}` through the real listWaypoints use case and policy, as the
 * command layer will: a WaypointerError becomes an outcome with exit code 1. Records each request;
 * `crash` makes the next run throw instead (a failure the runner cannot turn into an outcome).
 */
class ListRunner implements CommandRunner {
  readonly requests: CommandRequest[] = [];
  crash: Error | undefined;

  readonly #deps: Parameters<typeof listWaypoints>[0];

  constructor(deps: Parameters<typeof listWaypoints>[0]) {
    this.#deps = deps;
  }

  async run(request: CommandRequest): Promise<CommandOutcome> {
    this.requests.push(request);
    const crash = this.crash;
    this.crash = undefined;
    if (crash !== undefined) throw crash;
    const command = request.command as { verb: string; namespace?: string };
    try {
      const result = await listWaypoints(this.#deps, {
        caller: request.caller,
        cluster: request.cluster,
        ...(command.namespace === undefined ? {} : { namespace: command.namespace }),
      });
      return { exitCode: 0, command, result };
    } catch (error) {
      if (!(error instanceof WaypointerError)) throw error;
      return {
        exitCode: 1,
        command,
        result: null,
        error: { type: error.name, message: error.message },
      };
    }
  }
}

const sample = JSON.parse(
  readFileSync(
    new URL('../../events/eventbridge-command-structured.json', import.meta.url),
    'utf8',
  ),
) as Record<string, unknown>;

/** The structured sample under a new event id, with these detail fields. */
const commandEvent = (detail: Record<string, unknown> = {}): Record<string, unknown> => ({
  ...sample,
  id: randomUUID(),
  detail: { cluster: 'demo', command: { verb: 'list', namespace: 'default' }, ...detail },
});

let local: LocalCluster;
let dynamo: LocalDynamo;
let receiver: Server;
let events: EventBridgeClient;
let runner: ListRunner;
let handler: ReturnType<typeof createEventBridgeCommand>;
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
const logger = new Logger({ serviceName: 'waypointer', logLevel: 'CRITICAL' });
const metrics = new Metrics({ namespace: 'waypointer', serviceName: 'waypointer' });
const errors = vi.spyOn(logger, 'error');
const counted = vi.spyOn(metrics, 'addMetric');
const invoke = (event: unknown): Promise<unknown> =>
  handler(event, lambdaContext('waypointer-test-eventbridgeCommand'));
const metricNames = (): string[] => counted.mock.calls.map(([name]) => name);

beforeAll(async () => {
  local = await cluster();
  const demo = new KubernetesCluster(kubeConfigOf(local));
  await demo.applyGateway(waypointManifest(generateWaypoint({ namespace: 'default' })));
  dynamo = await startDynamo();
  await dynamo.client.send(
    new CreateTableCommand({
      TableName: TABLE,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    }),
  );
  receiver = putEventsReceiver();
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  events = new EventBridgeClient({
    endpoint: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  const clusters = new StaticClusterRegistry({ demo });
  const policy = parsePolicy(
    JSON.stringify({
      version: 1,
      rules: [{ subjects: [OPS], role: 'viewer', clusters: ['demo'], namespaces: ['default'] }],
    }),
  );
  runner = new ListRunner({ clusters, authorizer: policyAuthorizer(policy) });
  handler = createEventBridgeCommand({
    runner,
    clusters,
    events: new EventBridgePublisher(events, BUS),
    persistence: () =>
      new DynamoDBPersistenceLayer({ tableName: TABLE, awsSdkV3Client: dynamo.client }),
    logger,
    metrics,
  });
}, 30_000);

afterAll(async () => {
  events?.destroy();
  await new Promise((resolve) => receiver?.close(resolve));
  await dynamo?.stop();
  await local?.stop();
});

beforeEach(() => {
  refusal = undefined;
  received.length = 0;
  runner.requests.length = 0;
  errors.mockClear();
  counted.mockClear();
});

describe('a command event', () => {
  it('runs the command as its EventBridge caller and publishes the result event', async () => {
    const event = commandEvent();
    const result = await invoke(event);
    expect(runner.requests).toEqual([
      {
        cluster: 'demo',
        command: { verb: 'list', namespace: 'default' },
        caller: { id: OPS, kind: 'eventbridge' },
      },
    ]);
    const detail = {
      requestEventId: event.id,
      cluster: 'demo',
      command: { verb: 'list', namespace: 'default' },
      dryRun: false,
      exitCode: 0,
      result: [expect.objectContaining({ namespace: 'default', name: 'waypoint' })],
      caller: OPS,
      actor: null,
    };
    expect(result).toEqual(detail);
    expect(received).toEqual([
      {
        target: 'AWSEvents.PutEvents',
        entries: [
          {
            EventBusName: BUS,
            Source: 'io.waypointer',
            DetailType: 'waypointer.command.result',
            Detail: expect.any(String),
          },
        ],
      },
    ]);
    expect(JSON.parse(String(received[0]?.entries[0]?.Detail))).toEqual(detail);
    expect(metricNames()).toEqual(['CommandEvents', 'ResultEvents']);
  });

  it('runs once per event id: a replay returns the same outcome without running or publishing again', async () => {
    const event = commandEvent({ actor: 'jdoe@example.com' });
    const first = await invoke(event);
    const second = await invoke(structuredClone(event));
    expect(second).toEqual(first);
    expect(first).toMatchObject({ actor: 'jdoe@example.com', exitCode: 0 });
    expect(runner.requests).toHaveLength(1);
    expect(received).toHaveLength(1);
    expect(metricNames()).toEqual([
      'CommandEvents',
      'ResultEvents',
      'CommandEvents',
      'ReplayedCommands',
    ]);
    const { Items = [] } = await dynamo.client.send(new ScanCommand({ TableName: TABLE }));
    const keys = Items.map((item) => item.id?.S ?? '');
    expect(keys.filter((key) => key.startsWith('command#'))).not.toHaveLength(0);
    expect(keys.filter((key) => key.startsWith('result#'))).not.toHaveLength(0);
    expect(Items.every((item) => item.expiration?.N !== undefined)).toBe(true);
  });

  it('refuses another detail under an id already used, and runs nothing', async () => {
    const event = commandEvent();
    await invoke(event);
    const changed = { ...event, detail: { ...(event.detail as object), dryRun: true } };
    await expect(invoke(changed)).rejects.toMatchObject({ name: 'IdempotencyValidationError' });
    expect(runner.requests).toHaveLength(1);
    expect(metricNames()).toContain('CommandErrors');
  });
});

describe('failures are never silent', () => {
  it('a refused caller: the result event says why, the invocation fails, a replay does not run it again', async () => {
    const event = commandEvent({ command: { verb: 'list', namespace: 'team-a' } });
    await expect(invoke(event)).rejects.toThrow(CommandFailedError);
    const detail = JSON.parse(String(received[0]?.entries[0]?.Detail));
    expect(detail).toMatchObject({
      exitCode: 1,
      error: { type: 'ForbiddenError', message: expect.stringContaining(OPS) },
      result: null,
    });
    expect(errors).toHaveBeenCalledWith(
      'the command failed',
      expect.objectContaining({ error: expect.any(CommandFailedError) }),
    );
    expect(metricNames()).toEqual(['CommandEvents', 'ResultEvents', 'RefusedCommands']);
    counted.mockClear();
    await expect(invoke(event)).rejects.toThrow(/exited with 1: ForbiddenError/);
    expect(runner.requests).toHaveLength(1);
    expect(received).toHaveLength(1);
    expect(metricNames()).toEqual(['CommandEvents', 'ReplayedCommands']);
  });

  it('a command that fails otherwise is counted as failed, not refused', async () => {
    const unreachable = new ListRunner({
      clusters: new StaticClusterRegistry({}),
      authorizer: policyAuthorizer(LOCAL_PERMISSIVE),
    });
    const failing = createEventBridgeCommand({
      runner: unreachable,
      clusters: { names: () => ['demo'] },
      events: new EventBridgePublisher(events, BUS),
      persistence: () =>
        new DynamoDBPersistenceLayer({ tableName: TABLE, awsSdkV3Client: dynamo.client }),
      logger,
      metrics,
    });
    const outcome = failing(commandEvent(), lambdaContext('waypointer-test-eventbridgeCommand'));
    await expect(outcome).rejects.toThrow(/exited with 1: NotFoundError/);
    expect(JSON.parse(String(received[0]?.entries[0]?.Detail))).toMatchObject({
      exitCode: 1,
      error: { type: 'NotFoundError' },
    });
    expect(metricNames()).toEqual(['CommandEvents', 'ResultEvents', 'FailedCommands']);
  });

  it('a result event EventBridge refuses fails the invocation; the retry publishes it without running again', async () => {
    const event = commandEvent();
    refusal = { ErrorCode: 'InternalFailure', ErrorMessage: 'try again' };
    await expect(invoke(event)).rejects.toThrow(UnavailableError);
    await expect(invoke(event)).rejects.toThrow(
      /EventBridge refused 1 of 1 event\(s\) to bus ops-bus: waypointer.command.result: InternalFailure: try again/,
    );
    expect(errors).toHaveBeenCalledWith(
      'the result event was not published',
      expect.objectContaining({ error: expect.any(UnavailableError) }),
    );
    expect(metricNames().filter((name) => name === 'ResultPublishFailures')).toHaveLength(2);
    refusal = undefined;
    const result = await invoke(event);
    expect(result).toMatchObject({ requestEventId: event.id, exitCode: 0 });
    expect(runner.requests).toHaveLength(1);
    expect(received).toHaveLength(3);
  });

  it('a runner that throws is not recorded: the retry runs the command again', async () => {
    const event = commandEvent();
    runner.crash = new UnavailableError('the cluster did not answer');
    await expect(invoke(event)).rejects.toThrow('the cluster did not answer');
    expect(metricNames()).toContain('CommandErrors');
    expect(received).toHaveLength(0);
    await expect(invoke(event)).resolves.toMatchObject({ exitCode: 0 });
    expect(runner.requests).toHaveLength(2);
  });

  it.each([
    ['an audit event', { ...commandEvent(), 'detail-type': 'Kubernetes Audit Event' }],
    ['a misspelt field', commandEvent({ dry_run: true })],
    ['not an EventBridge event', { Records: [] }],
    ['nothing', null],
  ])('%s is rejected before anything runs', async (_what, event) => {
    await expect(invoke(event)).rejects.toThrow(ValidationError);
    expect(errors).toHaveBeenCalledWith(
      'rejected an event that is not a waypointer command',
      expect.objectContaining({ error: expect.any(ValidationError) }),
    );
    expect(metricNames()).toEqual(['CommandEvents', 'RejectedCommandEvents']);
    expect(runner.requests).toEqual([]);
    expect(received).toEqual([]);
  });

  it('an unknown cluster is rejected before anything runs', async () => {
    await expect(invoke(commandEvent({ cluster: 'staging' }))).rejects.toThrow(
      new NotFoundError('cluster staging is not configured (configured: demo)'),
    );
    expect(metricNames()).toEqual(['CommandEvents', 'UnknownClusters']);
    expect(runner.requests).toEqual([]);
  });
});

describe('the EventBridge publisher', () => {
  const publisher = (): EventBridgePublisher => new EventBridgePublisher(events, BUS);
  const result = (i: number): OutgoingEvent => ({
    source: 'io.waypointer',
    detailType: 'waypointer.command.result',
    detail: { i },
  });

  it('sends 10 entries a call, in order, with their time and resources', async () => {
    const time = new Date('2026-12-03T10:00:00Z');
    const many = Array.from({ length: 11 }, (_, i) => result(i));
    await publisher().publish([...many, { ...result(11), time, resources: ['arn:x'] }]);
    expect(received.map((r) => r.entries.length)).toEqual([10, 2]);
    const sent = received.flatMap((r) => r.entries);
    expect(sent.map((e) => JSON.parse(String(e.Detail)).i)).toEqual([...Array(12).keys()]);
    expect(sent[11]).toMatchObject({ Time: time.getTime() / 1000, Resources: ['arn:x'] });
  });

  it('refuses an entry of 1 MB before sending anything', async () => {
    const huge = { ...result(0), detail: { text: 'x'.repeat(PUT_EVENTS_MAX_BYTES) } };
    await expect(publisher().publish([result(1), huge])).rejects.toThrow(ValidationError);
    expect(received).toEqual([]);
  });

  it('fails when EventBridge counts failed entries without naming them', async () => {
    refusal = {} as never;
    await expect(publisher().publish([result(0)])).rejects.toThrow(
      'EventBridge refused 1 of 1 event(s) to bus ops-bus: no error code given',
    );
  });
});

describe('grammar commands through the real command layer', () => {
  /** A handler over the real runCommand: OPS may change `default`, and only read elsewhere. */
  const realHandler = (): ReturnType<typeof createEventBridgeCommand> => {
    const clusters = new StaticClusterRegistry({
      demo: new KubernetesCluster(kubeConfigOf(local), { pollIntervalMs: 20 }),
    });
    const policy = parsePolicy(
      JSON.stringify({
        version: 1,
        rules: [
          { subjects: [OPS], role: 'operator', clusters: ['demo'], namespaces: ['default'] },
          { subjects: [OPS], role: 'viewer', clusters: ['demo'], namespaces: ['*'] },
        ],
      }),
    );
    return createEventBridgeCommand({
      runner: commandRunner({ clusters, authorizer: policyAuthorizer(policy) }),
      clusters,
      events: new EventBridgePublisher(events, BUS),
      persistence: () =>
        new DynamoDBPersistenceLayer({ tableName: TABLE, awsSdkV3Client: dynamo.client }),
      logger,
      metrics,
    });
  };
  const run = (detail: Record<string, unknown>): Promise<unknown> =>
    realHandler()(commandEvent(detail), lambdaContext('waypointer-test-eventbridgeCommand'));
  const resultDetails = (): Record<string, unknown>[] =>
    received.flatMap((r) => r.entries.map((e) => JSON.parse(String(e.Detail))));

  it('applies a waypoint from grammar text and publishes the result event', async () => {
    const outcome = await run({ command: 'apply -n default --name eb-waypoint --for workload' });
    expect(outcome).toMatchObject({ exitCode: 0, caller: OPS });
    const gateway = await new KubernetesCluster(kubeConfigOf(local)).getGateway(
      'default',
      'eb-waypoint',
    );
    expect(gateway?.metadata.labels?.['istio.io/waypoint-for']).toBe('workload');
    expect(resultDetails()).toEqual([
      expect.objectContaining({
        exitCode: 0,
        command: expect.objectContaining({ verb: 'apply', name: 'eb-waypoint' }),
      }),
    ]);
  });

  it('previews with dryRun and changes nothing', async () => {
    const outcome = await run({ command: 'apply -n default --name eb-dry', dryRun: true });
    expect(outcome).toMatchObject({ exitCode: 0, dryRun: true });
    expect(
      await new KubernetesCluster(kubeConfigOf(local)).getGateway('default', 'eb-dry'),
    ).toBeNull();
  });

  it('refuses a change outside the namespaces the policy grants, with a result event that says so', async () => {
    await expect(run({ command: 'apply -n kube-public --name eb-no' })).rejects.toThrow();
    expect(resultDetails()).toEqual([
      expect.objectContaining({
        exitCode: 1,
        error: expect.objectContaining({ type: 'ForbiddenError' }),
      }),
    ]);
    expect(metricNames()).toContain('RefusedCommands');
  });

  it('refuses grammar text it cannot parse, naming what to type', async () => {
    await expect(run({ command: 'aply -n default' })).rejects.toThrow();
    expect(resultDetails()).toEqual([
      expect.objectContaining({
        exitCode: 1,
        error: expect.objectContaining({ type: 'UsageError' }),
      }),
    ]);
  });
});
