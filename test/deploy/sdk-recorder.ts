/**
 * Records every AWS SDK command a function's code sends during the tests, for
 * test/deploy/iam.test.ts: one JSON line per command in `.local/sdk-commands/`, with the IAM action
 * it needs, the functions whose code sent it and the innermost project module that did (read from
 * the call's stack, async frames included). Commands sent by the tests and the embedded stack
 * themselves (creating tables, polling queues) have no project module on the stack and are not
 * recorded.
 *
 * Loaded as a vitest setup file (vitest.config.ts): it wraps the `send` of the one smithy `Client`
 * class every AWS SDK v3 client extends.
 */
import { appendFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { expect } from 'vitest';
import { RECORDS, ROOT } from './packaged.ts';

/** The IAM service prefix of each SDK client class. */
const SERVICES: Record<string, string> = {
  DynamoDBClient: 'dynamodb',
  DynamoDBDocumentClient: 'dynamodb',
  SQSClient: 'sqs',
  EventBridgeClient: 'events',
  SSMClient: 'ssm',
  EKSClient: 'eks',
  STSClient: 'sts',
  SNSClient: 'sns',
};

/** Batch APIs IAM authorizes as their single-message action. */
const ACTION_OF_API: Record<string, string> = {
  'sqs:SendMessageBatch': 'sqs:SendMessage',
  'sqs:DeleteMessageBatch': 'sqs:DeleteMessage',
  'sqs:ChangeMessageVisibilityBatch': 'sqs:ChangeMessageVisibility',
  'sns:PublishBatch': 'sns:Publish',
};

/** The serverless.yml function a `functions/<folder>/<file>.ts` frame belongs to. */
export function functionOfFrame(folder: string, file: string): string {
  if (folder === 'chatops' && file.startsWith('worker')) return 'chatopsWorker';
  return folder.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** The functions whose code imports `functions/<module>.ts` (a module they share). */
function importersOf(module: string): string[] {
  const dir = join(ROOT, 'functions');
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((folder) =>
      readdirSync(join(dir, folder.name))
        .filter((file) =>
          readFileSync(join(dir, folder.name, file), 'utf8').includes(`'../${module}.ts'`),
        )
        .map((file) => functionOfFrame(folder.name, file)),
    )
    .filter((fn, i, all) => all.indexOf(fn) === i)
    .sort();
}

const FOLDER_FRAME = /\/functions\/([a-z-]+)\/([a-z-]+)\.ts:\d+/;
const SHARED_FRAME = /\/functions\/([a-z-]+)\.ts:\d+/;
const PROJECT_FRAME = /\/((?:shared|functions)\/[\w/.-]+\.ts):\d+/;

/** Who sent a command, read from the stack of its `send`. */
export interface Sender {
  /** The functions whose code is on the stack: the innermost `functions/<folder>/` frame's, else the importers of the innermost shared `functions/<module>.ts`; none when neither is. */
  readonly functions: string[];
  /** The innermost project module (under shared/ or functions/) on the stack. */
  readonly module?: string;
}

/** The functions and the module a `send` with this stack comes from. */
export function senderOf(stack: string): Sender {
  const lines = stack.split('\n').filter((line) => !line.includes('/node_modules/'));
  const module = lines.map((line) => PROJECT_FRAME.exec(line)?.[1]).find((m) => m !== undefined);
  const sender = module === undefined ? {} : { module };
  for (const line of lines) {
    const match = FOLDER_FRAME.exec(line);
    if (match !== null)
      return { functions: [functionOfFrame(match[1] as string, match[2] as string)], ...sender };
  }
  const shared = lines.map((line) => SHARED_FRAME.exec(line)?.[1]).find((m) => m !== undefined);
  return { functions: shared === undefined ? [] : importersOf(shared), ...sender };
}

interface Sendable {
  readonly constructor: { readonly name: string };
  readonly input?: Record<string, unknown>;
  readonly clientCommand?: { readonly constructor: { readonly name: string } };
}

/** The resource a command acts on, by the name or URL its input gives (undefined when none). */
export function resourceOf(command: Sendable): string | undefined {
  const input = command.input ?? {};
  const direct = input.TableName ?? input.QueueUrl ?? input.Name ?? input.TopicArn;
  if (typeof direct === 'string') return direct;
  const [table] = Object.keys((input.RequestItems as object | undefined) ?? {});
  if (table !== undefined) return table;
  const [entry] = (input.Entries as { EventBusName?: string }[] | undefined) ?? [];
  return entry === undefined ? undefined : `event-bus/${entry.EventBusName ?? 'default'}`;
}

/** The IAM action a command sent by a client of class `client` needs. */
export function actionOf(client: string, command: Sendable): string {
  const name = (command.clientCommand ?? command).constructor.name.replace(/Command$/, '');
  const service = SERVICES[client] ?? client.replace(/Client$/, '').toLowerCase();
  const action = `${service}:${name}`;
  return ACTION_OF_API[action] ?? action;
}

const file = join(RECORDS, `${process.pid}-${Date.now()}.jsonl`);
const require = createRequire(import.meta.url);
const { Client } = require('@smithy/core/client') as {
  Client: { prototype: { send: (this: object, command: Sendable, ...rest: unknown[]) => unknown } };
};
const send = Client.prototype.send;
if (!(send as { recorded?: boolean }).recorded) {
  mkdirSync(RECORDS, { recursive: true });
  const recorded = function (this: object, command: Sendable, ...rest: unknown[]): unknown {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 200;
    const stack = new Error('send').stack ?? '';
    Error.stackTraceLimit = limit;
    const sender = senderOf(stack);
    if (sender.module !== undefined) {
      const action = actionOf(this.constructor.name, command);
      const test = expect.getState().testPath?.slice(ROOT.length) ?? '';
      const resource = resourceOf(command);
      appendFileSync(file, `${JSON.stringify({ ...sender, action, resource, test })}\n`);
    }
    return send.call(this, command, ...rest);
  };
  Object.assign(recorded, { recorded: true });
  Client.prototype.send = recorded;
}
