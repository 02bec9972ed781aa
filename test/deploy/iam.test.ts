/**
 * Least privilege, proven: each function's role in the packaged template allows exactly the AWS
 * actions its code was seen sending in the last test run (recorded by test/deploy/sdk-recorder.ts
 * in the integration and end-to-end tests), what Lambda does with the role, and the few calls the
 * embedded stack cannot make (listed below, each with its reason), on named resources only.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { FUNCTIONS, RECORDS, readTemplate, type Template } from './packaged.ts';

interface Record {
  readonly functions: string[];
  readonly module?: string;
  readonly action: string;
  /** The table name, queue URL, `event-bus/<name>` or parameter name the command gave. */
  readonly resource?: string;
  readonly test: string;
}

interface Statement {
  readonly Action: string[];
  readonly Resource: unknown;
}

/** Calls no test makes through a function's code, and why; each checked as far as it can be. */
const NOT_IN_TESTS: readonly {
  readonly action: string;
  readonly functions: readonly string[];
  /** The module that sends it, seen sending it in a test of its own. */
  readonly module?: string;
  readonly why: string;
}[] = [
  {
    action: 'eks:DescribeCluster',
    functions: [
      'httpApi',
      'auditWebhook',
      'auditIngest',
      'reconcile',
      'scheduledSweep',
      'eventbridgeCommand',
      'chatopsWorker',
    ],
    why: 'EKS clusters only (shared/adapters/kubernetes/eks-auth.ts): the embedded cluster is reached with a kubeconfig',
  },
  {
    action: 'ssm:GetParameter',
    functions: ['chatops'],
    module: 'shared/adapters/slack/signing-secret.ts',
    why: 'the Slack signing secret, read at cold start by functions/chatops/handler.ts',
  },
  {
    action: 'sqs:SendMessage',
    functions: ['httpApi'],
    module: 'shared/adapters/aws/sqs.ts',
    why: 'reconcile requests: the embedded HTTP API runs without WAYPOINTER_RECONCILE_QUEUE_URL, which serverless.yml sets',
  },
];

/** What Lambda itself does with every function's role. */
const RUNTIME = ['logs:CreateLogStream', 'logs:PutLogEvents'];
/** X-Ray's two actions take no resource: the only `*` a role may hold. */
const TRACES = ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'];
/** What Lambda sends with the role of a function an SQS event source mapping invokes. */
const POLL = ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'];

let template: Template;
let records: Record[];

/**
 * Whether a record is of the change publisher the template does not use. Reconcile and the sweep
 * publish binding changes to `binding-changes.fifo`, or, when the configuration names consumers,
 * to the SNS FIFO topic instead (ADR 0015); the tests send through both, and a role allows the
 * one its template uses.
 */
function ofTheOtherPublisher(record: Record): boolean {
  const topic = template.Resources.BindingChangesTopic !== undefined;
  if (!topic) return record.module === 'shared/adapters/aws/sns.ts';
  return (
    record.module === 'shared/adapters/aws/sqs.ts' &&
    record.action === 'sqs:SendMessage' &&
    /\/[^/]*binding-changes[^/]*$/.test(record.resource ?? '')
  );
}

beforeAll(() => {
  template = readTemplate();
  const files = existsSync(RECORDS) ? readdirSync(RECORDS) : [];
  records = files
    .flatMap((file) =>
      readFileSync(join(RECORDS, file), 'utf8')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record),
    )
    .filter((record) => !ofTheOtherPublisher(record));
  if (!records.some((r) => r.functions.length > 0))
    throw new Error(
      `no AWS SDK command of a function was recorded in ${RECORDS}: run \`npm run test:unit\` (the integration and end-to-end tests) before \`npm run package\``,
    );
});

const upperFirst = (name: string): string => `${name.charAt(0).toUpperCase()}${name.slice(1)}`;

function statementsOf(fn: string): Statement[] {
  const [policy] = (template.Resources[`${upperFirst(fn)}Role`]?.Properties.Policies ?? []) as {
    PolicyDocument: { Statement: Statement[] };
  }[];
  return policy?.PolicyDocument.Statement ?? [];
}

const allowedBy = (fn: string): Set<string> => new Set(statementsOf(fn).flatMap((s) => s.Action));

/** The actions a function's code was seen sending, and those of the modules it sent through. */
function sentBy(fn: string): Set<string> {
  const own = records.filter((r) => r.functions.includes(fn));
  const modules = new Set(own.flatMap((r) => (r.module === undefined ? [] : [r.module])));
  return new Set([
    ...own.map((r) => r.action),
    ...records.filter((r) => r.module !== undefined && modules.has(r.module)).map((r) => r.action),
  ]);
}

const declaredFor = (fn: string): string[] =>
  NOT_IN_TESTS.filter((d) => d.functions.includes(fn)).map((d) => d.action);

/** The queue an SQS event source mapping polls for the function, if any. */
function polledQueue(fn: string): unknown {
  return Object.values(template.Resources).find(
    (r) =>
      r.Type === 'AWS::Lambda::EventSourceMapping' &&
      JSON.stringify(r.Properties.FunctionName).includes(`"${upperFirst(fn)}LambdaFunction"`),
  )?.Properties.EventSourceArn;
}

/** The failure destination Lambda sends the function's failed asynchronous invocations to. */
function failureDestination(fn: string): unknown {
  const config = Object.values(template.Resources).find(
    (r) =>
      r.Type === 'AWS::Lambda::EventInvokeConfig' &&
      JSON.stringify(r.Properties.FunctionName).includes(`"${upperFirst(fn)}LambdaFunction"`),
  );
  return (config?.Properties.DestinationConfig as { OnFailure?: { Destination: unknown } })
    ?.OnFailure?.Destination;
}

/** What Lambda does with the role: logs, traces, polling its queue, its failure destination. */
function lambdaActions(fn: string): string[] {
  return [
    ...RUNTIME,
    ...TRACES,
    ...(polledQueue(fn) === undefined ? [] : POLL),
    ...(failureDestination(fn) === undefined ? [] : ['sqs:SendMessage']),
  ];
}

/** The queue of the template a test's queue URL stands for, by the queue's name. */
const QUEUES: readonly [RegExp, string][] = [
  [/\/[^/]*reconcile-requests[^/]*$/, 'ReconcileRequestsQueue'],
  [/\/[^/]*binding-changes[^/]*$/, 'BindingChangesQueue'],
  [/\/[^/]*slack-commands[^/]*$/, 'ChatOpsQueue'],
];

/**
 * The template resource a recorded command acts on, as the role's statement names it: a queue by
 * its name in the URL; the bindings table for the binding store's commands and the idempotency
 * table for the others (Powertools idempotency), whatever a test called its tables.
 */
function resourceInTemplate(record: Record): string | undefined {
  const [service] = record.action.split(':');
  if (service === 'sqs')
    return QUEUES.find(([name]) => name.test(record.resource ?? ''))?.[1] ?? record.resource;
  if (service === 'dynamodb')
    return record.module === 'shared/adapters/aws/binding-store.ts'
      ? 'BindingsTable'
      : 'CommandIdempotencyTable';
  if (service === 'events') return 'event-bus/ops-bus';
  if (service === 'sns' && /:[^:]*binding-changes[^:]*\.fifo$/.test(record.resource ?? ''))
    return 'BindingChangesTopic';
  return undefined;
}

/** Whether one of the statements allows `action` on `resource` (a logical id or an ARN part). */
function allows(statements: Statement[], action: string, resource: string): boolean {
  const arn = JSON.stringify({ 'Fn::GetAtt': [resource, 'Arn'] });
  return statements.some(
    (s) =>
      s.Action.includes(action) &&
      [s.Resource].flat().some((r) => {
        const text = JSON.stringify(r);
        return text === arn || text.includes(`"${resource}"`);
      }),
  );
}

describe('the functions’ IAM roles', () => {
  it('gives every function a role of its own', () => {
    const roles = FUNCTIONS.map(
      (fn) => template.Resources[`${upperFirst(fn)}LambdaFunction`]?.Properties.Role,
    );
    expect(roles).toEqual(
      FUNCTIONS.map((fn) => ({ 'Fn::GetAtt': [`${upperFirst(fn)}Role`, 'Arn'] })),
    );
    expect(template.Resources.IamRoleLambdaExecution).toBeUndefined();
  });

  it.each(FUNCTIONS)('lets %s send every command its code was seen sending', (fn) => {
    const allowed = allowedBy(fn);
    const sent = [...sentBy(fn), ...declaredFor(fn)];
    expect(sent.filter((action) => !allowed.has(action)).sort()).toEqual([]);
  });

  it.each(FUNCTIONS)('lets %s send each command to the resource it was sent to', (fn) => {
    const statements = statementsOf(fn);
    const refused = records
      .filter((r) => r.functions.includes(fn) && r.resource !== undefined)
      .map((r) => [r.action, resourceInTemplate(r)] as const)
      .filter(
        ([action, resource]) => resource !== undefined && !allows(statements, action, resource),
      )
      .map(([action, resource]) => `${action} on ${resource}`);
    expect([...new Set(refused)].sort()).toEqual([]);
  });

  it.each(FUNCTIONS)('allows %s nothing that no test or Lambda uses', (fn) => {
    const used = new Set([...sentBy(fn), ...declaredFor(fn), ...lambdaActions(fn)]);
    expect([...allowedBy(fn)].filter((action) => !used.has(action)).sort()).toEqual([]);
  });

  it.each(FUNCTIONS)('names every resource in the role of %s (X-Ray aside)', (fn) => {
    for (const statement of statementsOf(fn)) {
      const resources = [statement.Resource].flat();
      if (statement.Action.every((a) => TRACES.includes(a))) continue;
      // A function's own log group takes its streams as `:*`; nothing else is a wildcard.
      const named = JSON.stringify(resources).replace(
        /(log-group:\/aws\/lambda\/[\w-]+):\*/g,
        '$1',
      );
      expect(named, statement.Action.join()).not.toContain('*');
    }
  });

  it.each(FUNCTIONS)('lets Lambda poll only the queue that invokes %s', (fn) => {
    const queue = polledQueue(fn);
    const polling = statementsOf(fn).filter((s) => s.Action.some((a) => POLL.includes(a)));
    if (queue === undefined) expect(polling).toEqual([]);
    else expect(polling.map((s) => [s.Action, s.Resource])).toEqual([[POLL, queue]]);
  });

  it('sends the recorded commands of each function through the modules the roles were made for', () => {
    // Guards the recorder itself: the functions the pipeline and the commands run were all seen.
    const seen = new Set(records.flatMap((r) => r.functions));
    expect([...seen].sort()).toEqual(
      [
        'auditIngest',
        'auditWebhook',
        'chatops',
        'chatopsWorker',
        'eventbridgeCommand',
        'reconcile',
        'scheduledSweep',
      ].sort(),
    );
  });

  it.each(NOT_IN_TESTS.filter((d) => d.module !== undefined))(
    'has seen $module send $action in a test of its own',
    ({ module, action }) => {
      expect(records.some((r) => r.module === module && r.action === action)).toBe(true);
    },
  );
});
