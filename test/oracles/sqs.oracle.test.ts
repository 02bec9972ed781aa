/**
 * Differential test: one script of `aws sqs` commands against the embedded SQS endpoint, run with
 * two real clients of the two protocols SQS speaks: Debian's `awscli` 2.9 (`/usr/bin/aws`, whose
 * botocore model of SQS is `"protocol": "query"`: form-encoded requests, XML answers) and the
 * `aws` first on PATH (a current CLI, AWS JSON 1.0). The script must succeed, with the same
 * results, through both. Runs with `npm run test:oracles`, never in `npm test`.
 */
import { execFile } from 'node:child_process';
import { SqsServer } from '@waypointer/sqs-endpoint';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireTool } from './tools.ts';

/** Debian's awscli: its botocore's SQS model is the query-era one. */
const QUERY_CLI = '/usr/bin/aws';
/** The `aws` on PATH; a current CLI speaks SQS's JSON protocol. */
const PATH_CLI = 'aws';

interface Result {
  code: number;
  /** The JSON the CLI printed, checked field by field. */
  out: any;
  stderr: string;
}

/** Runs `<cli> sqs <args>` against `endpoint` with throwaway credentials and no retries. */
function awsSqs(cli: string, endpoint: string, ...args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      cli,
      ['sqs', ...args, '--endpoint-url', endpoint, '--region', 'us-east-1', '--output', 'json'],
      {
        env: {
          ...process.env,
          AWS_ACCESS_KEY_ID: 'x',
          AWS_SECRET_ACCESS_KEY: 'x',
          AWS_CONFIG_FILE: '/dev/null',
          AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
          AWS_MAX_ATTEMPTS: '1',
          AWS_PAGER: '',
        },
        timeout: 60_000,
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const json = stdout.trim().startsWith('{') ? JSON.parse(stdout) : undefined;
        resolve({
          code: error === null ? 0 : Number((error as { code?: number }).code ?? 1),
          out: json,
          stderr,
        });
      },
    );
  });
}

/** `aws --version`, e.g. `aws-cli/2.9.19 Python/3.11.2 ...`. */
function version(cli: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cli, ['--version'], (error, stdout, stderr) =>
      error === null ? resolve(`${stdout}${stderr}`.trim()) : reject(error),
    );
  });
}

describe('the aws CLI of Debian speaks the query protocol to SQS', () => {
  const server = new SqsServer();
  let endpoint: string;
  beforeAll(async () => {
    requireTool(QUERY_CLI, 'apt-get install -y awscli');
    endpoint = await server.start();
  });
  afterAll(() => server.stop());

  it('sends form-encoded Action requests', async () => {
    expect(await version(QUERY_CLI)).toMatch(/^aws-cli\/2\.9\./);
    const { code, stderr } = await awsSqs(QUERY_CLI, endpoint, 'list-queues', '--debug');
    expect(code).toBe(0);
    expect(stderr).toContain("'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8'");
    expect(stderr).toContain("'body': {'Action': 'ListQueues', 'Version': '2012-11-05'}");
  });
});

/**
 * Removes what differs from run to run (ids, receipt handles, sequence numbers, timestamps) and
 * empty lists (`[]` in JSON, no element at all in XML).
 */
function stable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stable);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (Array.isArray(item) && item.length === 0) continue;
    out[key] = /^(MessageId|ReceiptHandle|SequenceNumber|\w*Timestamp)$/.test(key)
      ? typeof item
      : stable(item);
  }
  return out;
}

/** The script: every operation, FIFO deduplication and the errors; returns its transcript. */
async function script(cli: string, endpoint: string): Promise<unknown[]> {
  const transcript: unknown[] = [];
  // CLI v2 reads a blob argument as base64, v1 as the bytes of its text; both print base64.
  const bytes = 'raw bytes';
  const v1 = (await version(cli)).startsWith('aws-cli/1.');
  const binary = v1 ? bytes : Buffer.from(bytes).toString('base64');
  const run = async (...args: string[]): Promise<Result> => {
    const result = await awsSqs(cli, endpoint, ...args);
    // Exit codes of a service error differ by CLI version (v1 255, v2 254): only success counts.
    transcript.push({ command: args[0], succeeded: result.code === 0, out: stable(result.out) });
    return result;
  };
  const ok = async (...args: string[]): Promise<Result> => {
    const result = await run(...args);
    expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
    return result;
  };
  const fails = async (error: string, ...args: string[]): Promise<void> => {
    const result = await run(...args);
    expect(result.code, args.join(' ')).toBeGreaterThan(0);
    expect(result.stderr).toContain(`An error occurred (${error})`);
    transcript.push({ error });
  };

  const fifo = (
    await ok(
      'create-queue',
      '--queue-name',
      'jobs.fifo',
      '--attributes',
      'FifoQueue=true,ContentBasedDeduplication=true,VisibilityTimeout=30',
    )
  ).out.QueueUrl as string;
  expect(fifo).toBe(`${endpoint}/000000000000/jobs.fifo`);
  const standard = (await ok('create-queue', '--queue-name', 'events')).out.QueueUrl as string;
  expect((await ok('get-queue-url', '--queue-name', 'events')).out.QueueUrl).toBe(standard);
  expect((await ok('list-queues')).out.QueueUrls).toEqual([standard, fifo]);

  await ok('set-queue-attributes', '--queue-url', standard, '--attributes', 'DelaySeconds=0');
  const attributes = await ok(
    'get-queue-attributes',
    '--queue-url',
    fifo,
    '--attribute-names',
    'FifoQueue',
    'VisibilityTimeout',
    'ContentBasedDeduplication',
  );
  expect(attributes.out.Attributes).toEqual({
    FifoQueue: 'true',
    VisibilityTimeout: '30',
    ContentBasedDeduplication: 'true',
  });

  const body = 'line one\r\nline two & <three>';
  const first = await ok(
    'send-message',
    '--queue-url',
    fifo,
    '--message-body',
    body,
    '--message-group-id',
    'g',
    '--message-attributes',
    JSON.stringify({
      kind: { DataType: 'String', StringValue: 'binding' },
      raw: { DataType: 'Binary', BinaryValue: binary },
    }),
  );
  const duplicate = await ok(
    'send-message',
    '--queue-url',
    fifo,
    '--message-body',
    body,
    '--message-group-id',
    'g',
  );
  expect(duplicate.out.MessageId).toBe(first.out.MessageId);
  const batch = await ok(
    'send-message-batch',
    '--queue-url',
    fifo,
    '--entries',
    JSON.stringify([
      { Id: 'a', MessageBody: 'second', MessageGroupId: 'g' },
      { Id: 'b', MessageBody: 'third', MessageGroupId: 'g', MessageDeduplicationId: 'b-1' },
      { Id: 'c', MessageBody: 'no group' },
    ]),
  );
  expect(batch.out.Successful.map((e: { Id: string }) => e.Id)).toEqual(['a', 'b']);
  expect(batch.out.Failed).toEqual([
    {
      Id: 'c',
      SenderFault: true,
      Code: 'MissingParameter',
      Message: 'The request must contain the parameter MessageGroupId.',
    },
  ]);

  const received = await ok(
    'receive-message',
    '--queue-url',
    fifo,
    '--max-number-of-messages',
    '10',
    '--attribute-names',
    'MessageGroupId',
    'ApproximateReceiveCount',
    '--message-attribute-names',
    'All',
  );
  const messages = received.out.Messages as {
    Body: string;
    ReceiptHandle: string;
    Attributes: Record<string, string>;
    MessageAttributes?: Record<string, unknown>;
  }[];
  expect(messages.map((m) => m.Body)).toEqual([body, 'second', 'third']);
  expect(messages[0]?.Attributes).toEqual({ MessageGroupId: 'g', ApproximateReceiveCount: '1' });
  expect(messages[0]?.MessageAttributes).toEqual({
    kind: { DataType: 'String', StringValue: 'binding' },
    raw: { DataType: 'Binary', BinaryValue: Buffer.from(bytes).toString('base64') },
  });
  const [one, two, three] = messages.map((m) => m.ReceiptHandle) as [string, string, string];
  await ok(
    'change-message-visibility',
    '--queue-url',
    fifo,
    '--receipt-handle',
    one,
    '--visibility-timeout',
    '60',
  );
  const changed = await ok(
    'change-message-visibility-batch',
    '--queue-url',
    fifo,
    '--entries',
    JSON.stringify([{ Id: 'two', ReceiptHandle: two, VisibilityTimeout: 60 }]),
  );
  expect(changed.out.Successful).toEqual([{ Id: 'two' }]);
  await ok('delete-message', '--queue-url', fifo, '--receipt-handle', one);
  const deleted = await ok(
    'delete-message-batch',
    '--queue-url',
    fifo,
    '--entries',
    JSON.stringify([
      { Id: 'two', ReceiptHandle: two },
      { Id: 'three', ReceiptHandle: three },
    ]),
  );
  expect(deleted.out.Successful).toEqual([{ Id: 'two' }, { Id: 'three' }]);
  expect(deleted.out.Failed ?? []).toEqual([]);
  expect((await ok('receive-message', '--queue-url', fifo)).out).toBeUndefined();

  await ok('send-message', '--queue-url', standard, '--message-body', 'x');
  await ok('purge-queue', '--queue-url', standard);
  await fails(
    'AWS.SimpleQueueService.PurgeQueueInProgress',
    'purge-queue',
    '--queue-url',
    standard,
  );
  await ok('delete-queue', '--queue-url', standard);

  await fails('AWS.SimpleQueueService.NonExistentQueue', 'get-queue-url', '--queue-name', 'events');
  await fails(
    'AWS.SimpleQueueService.TooManyEntriesInBatchRequest',
    'send-message-batch',
    '--queue-url',
    fifo,
    '--entries',
    JSON.stringify(
      Array.from({ length: 11 }, (_, i) => ({
        Id: `e${i}`,
        MessageBody: 'x',
        MessageGroupId: 'g',
      })),
    ),
  );
  await fails(
    'ReceiptHandleIsInvalid',
    'delete-message',
    '--queue-url',
    fifo,
    '--receipt-handle',
    'garbage',
  );
  await fails(
    'InvalidParameterValue',
    'receive-message',
    '--queue-url',
    fifo,
    '--max-number-of-messages',
    '11',
  );
  return transcript;
}

describe('one aws sqs script through both protocols', () => {
  const servers = [new SqsServer(), new SqsServer()] as const;
  const endpoints: string[] = [];
  const transcripts: unknown[][] = [];
  beforeAll(async () => {
    requireTool(QUERY_CLI, 'apt-get install -y awscli');
    requireTool(PATH_CLI, 'apt-get install -y awscli (or pip install awscli)');
    for (const server of servers) endpoints.push(await server.start());
  });
  afterAll(async () => {
    for (const server of servers) await server.stop();
  });

  it('succeeds through the query protocol (Debian awscli)', async () => {
    transcripts[0] = await script(QUERY_CLI, endpoints[0] as string);
  });

  it('succeeds through the aws on PATH, with the same results', async () => {
    const transcript = await script(PATH_CLI, endpoints[1] as string);
    const portless = (t: unknown[] | undefined): string =>
      JSON.stringify(t).replaceAll(/127\.0\.0\.1:\d+/g, 'endpoint');
    expect(portless(transcript)).toBe(portless(transcripts[0]));
  });
});
