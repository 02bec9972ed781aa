/**
 * The ChatOps worker's failure handling, with Powertools idempotency on dynalite (the real
 * DynamoDB persistence layer) and a runner and a responder whose calls are counted: a job runs
 * once whatever SQS redelivers, an answer Slack refused is posted again from the record, a job of
 * no known shape is dropped, a command that throws is answered without its stack.
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { type LocalDynamo, lambdaContext, startDynamo } from '@waypointer/local-stack';
import type { SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatOpsJob } from '../../functions/chatops/slack-payloads.ts';
import { createChatOpsWorker } from '../../functions/chatops/worker.ts';
import type { SlackMessage } from '../../shared/commands/slack.ts';
import type { CommandOutcome, CommandRequest, CommandRunner } from '../../shared/ports.ts';

const TABLE = 'chatops-worker-test';
let dynamo: LocalDynamo;

beforeAll(async () => {
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  dynamo = await startDynamo();
  await dynamo.client.send(
    new CreateTableCommand({
      TableName: TABLE,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    }),
  );
});

afterAll(async () => {
  await dynamo.stop();
});

interface Harness {
  readonly runs: CommandRequest[];
  readonly posts: SlackMessage[];
  refusePosts: number;
  worker: ReturnType<typeof createChatOpsWorker>;
}

function harness(run: (request: CommandRequest) => Promise<CommandOutcome>): Harness {
  const h: Harness = { runs: [], posts: [], refusePosts: 0, worker: undefined as never };
  const runner: CommandRunner = {
    run: (request) => {
      h.runs.push(request);
      return run(request);
    },
  };
  h.worker = createChatOpsWorker({
    runner,
    responder: {
      post: async (_url, message) => {
        if (h.refusePosts > 0) {
          h.refusePosts -= 1;
          throw new Error('Slack said 500');
        }
        h.posts.push(message as SlackMessage);
      },
    },
    persistence: () =>
      new DynamoDBPersistenceLayer({ tableName: TABLE, awsSdkV3Client: dynamo.client }),
    logger: new Logger({ serviceName: 'waypointer', logLevel: 'CRITICAL' }),
    metrics: new Metrics({ namespace: 'waypointer', serviceName: 'waypointer' }),
  });
  return h;
}

const listed: CommandOutcome = {
  exitCode: 0,
  command: { verb: 'list' },
  result: { verb: 'list', namespace: 'default', waypoints: [] },
};

function job(overrides: Partial<ChatOpsJob> = {}): ChatOpsJob {
  return {
    kind: 'command',
    id: randomUUID().replace(/-/g, ''),
    team: 'T1',
    channel: 'C1',
    user: 'U1',
    responseUrl: 'https://hooks.slack.com/commands/x',
    cluster: 'prod',
    text: 'list',
    ...overrides,
  } as ChatOpsJob;
}

function record(body: unknown, messageId = randomUUID()): SQSRecord {
  return {
    messageId,
    receiptHandle: 'r',
    body: typeof body === 'string' ? body : JSON.stringify(body),
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '0',
      SenderId: 's',
      ApproximateFirstReceiveTimestamp: '0',
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:slack-commands.fifo',
    awsRegion: 'us-east-1',
  };
}

const context = () => lambdaContext('waypointer-chatops-worker', 180_000);

describe('the ChatOps worker', () => {
  it('runs a command as the Slack caller, in the channel default namespace, and answers once', async () => {
    const h = harness(async () => listed);
    const queued = job({ namespace: 'team-a' });
    expect(await h.worker({ Records: [record(queued)] }, context())).toEqual({
      batchItemFailures: [],
    });
    expect(h.runs).toEqual([
      {
        cluster: 'prod',
        command: 'list',
        caller: { id: 'slack:T1/C1/U1', kind: 'slack' },
        defaultNamespace: 'team-a',
      },
    ]);
    expect(h.posts).toHaveLength(1);
    // The same job in another message (a replayed request): recorded, nothing runs or is posted.
    await h.worker({ Records: [record(queued)] }, context());
    expect(h.runs).toHaveLength(1);
    expect(h.posts).toHaveLength(1);
  });

  it('posts the recorded answer again when Slack refused it, without running the command again', async () => {
    const h = harness(async () => listed);
    const message = record(job());
    const later = record(job());
    h.refusePosts = 1;
    const first = await h.worker({ Records: [message, later] }, context());
    // The refused record fails, and so does every later one: a channel's order is kept.
    expect(first.batchItemFailures).toEqual([
      { itemIdentifier: message.messageId },
      { itemIdentifier: later.messageId },
    ]);
    expect(h.runs).toHaveLength(1);
    expect(await h.worker({ Records: [message, later] }, context())).toEqual({
      batchItemFailures: [],
    });
    expect(h.runs).toHaveLength(2);
    expect(h.posts).toHaveLength(2);
  });

  it('drops a job of no known shape, logged and counted, without failing the batch', async () => {
    const h = harness(async () => listed);
    for (const body of ['not json', { kind: 'command' }, { ...job(), kind: 'other' }])
      expect(await h.worker({ Records: [record(body)] }, context())).toEqual({
        batchItemFailures: [],
      });
    expect(h.runs).toEqual([]);
    expect(h.posts).toEqual([]);
  });

  it('answers a command that threw with a message and no stack, and does not retry it', async () => {
    const h = harness(async () => {
      throw new TypeError('boom at /var/task/handler.mjs:1:2');
    });
    expect(await h.worker({ Records: [record(job())] }, context())).toEqual({
      batchItemFailures: [],
    });
    expect(JSON.stringify(h.posts)).toContain('could not run this command');
    expect(JSON.stringify(h.posts)).not.toContain('handler.mjs');
  });

  it('plans a destructive command, and a failed confirmation replaces the plan with the error', async () => {
    const h = harness(async (request) =>
      request.dryRun === true
        ? { exitCode: 0, command: { verb: 'delete' }, result: { verb: 'delete', waypoints: [] } }
        : {
            exitCode: 1,
            command: { verb: 'delete' },
            result: null,
            error: { type: 'ForbiddenError', message: 'no' },
          },
    );
    const planned = job({ text: 'delete w -n default' });
    await h.worker({ Records: [record(planned)] }, context());
    expect(h.runs[0]?.dryRun).toBe(true);
    expect(JSON.stringify(h.posts[0])).toContain('waypointer_confirm');
    await h.worker(
      { Records: [record({ ...planned, kind: 'decision', decision: 'confirm', user: 'U2' })] },
      context(),
    );
    expect(h.runs[1]).toMatchObject({ caller: { id: 'slack:T1/C1/U2' } });
    expect(h.posts[1]).toMatchObject({ replace_original: true, response_type: 'ephemeral' });
    expect(JSON.stringify(h.posts[1])).toContain('no');
  });

  it('a plan that fails is answered with its error, no buttons', async () => {
    const h = harness(async () => ({
      exitCode: 1,
      command: { verb: 'delete' },
      result: null,
      error: { type: 'NotFoundError', message: 'namespace nope not found' },
    }));
    await h.worker({ Records: [record(job({ text: 'delete w -n nope' }))] }, context());
    expect(JSON.stringify(h.posts)).toContain('namespace nope not found');
    expect(JSON.stringify(h.posts)).not.toContain('waypointer_confirm');
  });

  it("text that no longer parses is the runner's to answer", async () => {
    const h = harness(async () => ({
      exitCode: 1,
      command: { text: 'lst' },
      result: null,
      error: { type: 'UsageError', message: 'unknown command "lst"' },
    }));
    await h.worker({ Records: [record(job({ text: 'lst' }))] }, context());
    expect(h.runs).toHaveLength(1);
    expect(JSON.stringify(h.posts)).toContain('unknown command');
  });
});
