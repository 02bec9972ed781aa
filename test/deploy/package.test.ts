/**
 * The deployment: `osls package` (the open-source Serverless Framework, offline) bundles every
 * function with esbuild and renders the CloudFormation template; the bundled HTTP API handler then
 * runs on Node 24 as Lambda would load it.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BINDINGS_TABLE, startDynamo } from '@waypointer/local-stack';
import { beforeAll, describe, expect, it } from 'vitest';
import { commandEventSchema } from '../../functions/eventbridge-command/command-event.ts';
import { DynamoBindingStore } from '../../shared/adapters/aws/binding-store.ts';
import { FUNCTIONS, readTemplate, ROOT as root, type Template } from './packaged.ts';

let template: Template;

beforeAll(() => {
  template = readTemplate();
});

/** The statements of a function's role. */
function statementsOf(fn: string): { Action: string[]; Resource: unknown; Condition?: unknown }[] {
  const role = template.Resources[`${fn.charAt(0).toUpperCase()}${fn.slice(1)}Role`];
  const [policy] = (role?.Properties.Policies ?? []) as {
    PolicyDocument: { Statement: { Action: string[]; Resource: unknown }[] };
  }[];
  return policy?.PolicyDocument.Statement ?? [];
}

describe('osls package', () => {
  it('bundles each function on its own', () => {
    for (const name of FUNCTIONS) {
      expect(existsSync(join(root, `.serverless/${name}.zip`)), name).toBe(true);
    }
  });

  it('declares nodejs24.x on arm64, the queues, the table and every trigger', () => {
    const byType = (type: string): { Type: string; Properties: Record<string, unknown> }[] =>
      Object.values(template.Resources).filter((r) => r.Type === type);
    const functions = byType('AWS::Lambda::Function');
    expect(functions).toHaveLength(8);
    expect(
      functions.every(
        (f) =>
          f.Properties.Runtime === 'nodejs24.x' &&
          JSON.stringify(f.Properties.Architectures) === '["arm64"]',
      ),
    ).toBe(true);
    expect(
      byType('AWS::SQS::Queue')
        .map((q) => q.Properties.QueueName)
        .sort(),
    ).toEqual([
      // infra/aws/config.example.json names two consumers of binding changes.
      'waypointer-ci-binding-changes-audit-trail-dlq.fifo',
      'waypointer-ci-binding-changes-audit-trail.fifo',
      'waypointer-ci-binding-changes-dlq.fifo',
      'waypointer-ci-binding-changes-gitops-dlq.fifo',
      'waypointer-ci-binding-changes-gitops.fifo',
      'waypointer-ci-binding-changes.fifo',
      'waypointer-ci-command-events-dlq',
      'waypointer-ci-reconcile-requests-dlq.fifo',
      'waypointer-ci-reconcile-requests.fifo',
      'waypointer-ci-slack-commands-dlq.fifo',
      'waypointer-ci-slack-commands.fifo',
    ]);
    expect(byType('AWS::DynamoDB::Table')).toHaveLength(2);
    const mappings = byType('AWS::Lambda::EventSourceMapping');
    expect(mappings).toHaveLength(2);
    for (const mapping of mappings)
      expect(mapping.Properties.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    // infra/aws/config.example.json: prod and staging-eks in eu-west-1 (edge is in us-east-1).
    expect(
      byType('AWS::Logs::SubscriptionFilter')
        .map((f) => f.Properties.LogGroupName)
        .sort(),
    ).toEqual(['/aws/eks/prod/cluster', '/aws/eks/staging-eks/cluster']);
    expect(
      byType('AWS::ApiGatewayV2::Route')
        .map((r) => `${r.Properties.RouteKey} ${r.Properties.AuthorizationType}`)
        .sort(),
    ).toEqual([
      'ANY /{proxy+} AWS_IAM',
      'POST /audit/{cluster} AWS_IAM',
      'POST /slack/commands undefined',
      'POST /slack/interactions undefined',
    ]);
    const rules = byType('AWS::Events::Rule').map((r) => r.Properties);
    expect(rules.map((r) => r.ScheduleExpression ?? r.EventPattern)).toEqual(
      expect.arrayContaining([
        'rate(15 minutes)',
        { source: ['io.example.audit'], 'detail-type': ['Kubernetes Audit Event'] },
        { source: ['io.example.ops'], 'detail-type': ['waypointer.command'] },
        'rate(1 hour)',
      ]),
    );
    expect(rules).toHaveLength(4);
  });

  it('sends each trigger to its function: the webhook route to audit-webhook, logs and events to audit-ingest', () => {
    type Ref = { 'Fn::GetAtt'?: [string, string]; Ref?: string; 'Fn::Join'?: [string, unknown[]] };
    const resource = (name: string) => template.Resources[name]?.Properties ?? {};
    const functionOf = (arn: unknown): string | undefined => (arn as Ref)['Fn::GetAtt']?.[0];
    const routes = Object.values(template.Resources)
      .filter((r) => r.Type === 'AWS::ApiGatewayV2::Route')
      .map((r) => {
        const [, parts] = (r.Properties.Target as Ref)['Fn::Join'] ?? ['', []];
        const integration = (parts[1] as Ref | undefined)?.Ref ?? '';
        return [r.Properties.RouteKey, functionOf(resource(integration).IntegrationUri)];
      })
      .sort();
    expect(routes).toEqual([
      ['ANY /{proxy+}', 'HttpApiLambdaFunction'],
      ['POST /audit/{cluster}', 'AuditWebhookLambdaFunction'],
      ['POST /slack/commands', 'ChatopsLambdaFunction'],
      ['POST /slack/interactions', 'ChatopsLambdaFunction'],
    ]);
    const targets = Object.values(template.Resources).flatMap((r) => {
      if (r.Type === 'AWS::Logs::SubscriptionFilter')
        return [['logs', functionOf(r.Properties.DestinationArn)]];
      if (r.Type === 'AWS::Events::Rule')
        return (r.Properties.Targets as { Arn: unknown }[]).map((t) => [
          r.Properties.ScheduleExpression === undefined ? 'event' : 'schedule',
          functionOf(t.Arn),
        ]);
      return [];
    });
    expect(targets.sort()).toEqual([
      ['event', 'AuditIngestLambdaFunction'],
      ['event', 'EventbridgeCommandLambdaFunction'],
      ['logs', 'AuditIngestLambdaFunction'],
      ['logs', 'AuditIngestLambdaFunction'],
      ['schedule', 'EventbridgeCommandLambdaFunction'],
      ['schedule', 'ScheduledSweepLambdaFunction'],
    ]);
  });

  it('runs EventBridge commands once per event id, failing into a dead-letter queue', () => {
    type Resource = { Type: string; Properties: Record<string, unknown> };
    const all = Object.entries(template.Resources) as [string, Resource][];
    const only = (type: string, match: (r: Resource) => boolean = () => true): Resource => {
      const found = all.filter(([, r]) => r.Type === type && match(r)).map(([, r]) => r);
      expect(found, type).toHaveLength(1);
      return found[0] as Resource;
    };
    const dlq = { 'Fn::GetAtt': ['CommandEventsDLQ', 'Arn'] };
    const fn = only(
      'AWS::Lambda::Function',
      (r) => r.Properties.FunctionName === 'waypointer-ci-eventbridgeCommand',
    );
    expect(
      (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables,
    ).toMatchObject({
      WAYPOINTER_IDEMPOTENCY_TABLE: { Ref: 'CommandIdempotencyTable' },
      WAYPOINTER_RESULT_BUS: 'ops-bus',
    });
    expect(only('AWS::Lambda::EventInvokeConfig').Properties).toMatchObject({
      FunctionName: { Ref: 'EventbridgeCommandLambdaFunction' },
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: dlq } },
    });
    const rule = only('AWS::Events::Rule', (r) => r.Properties.Name === 'waypointer-ci-commands');
    expect(rule.Properties.EventPattern).toEqual({
      source: ['io.example.ops'],
      'detail-type': ['waypointer.command'],
    });
    expect(rule.Properties.Targets).toEqual([
      expect.objectContaining({ DeadLetterConfig: { Arn: dlq } }),
    ]);
    const policy = only('AWS::SQS::QueuePolicy', (r) =>
      JSON.stringify(r.Properties.Queues).includes('CommandEventsDLQ'),
    ).Properties as {
      Queues: unknown[];
      PolicyDocument: { Statement: { Principal: unknown; Condition: unknown }[] };
    };
    expect(policy.Queues).toEqual([{ Ref: 'CommandEventsDLQ' }]);
    expect(JSON.stringify(policy.PolicyDocument.Statement[0]?.Condition)).toContain(
      ':rule/waypointer-ci-commands',
    );
    const table = only('AWS::DynamoDB::Table', (r) =>
      JSON.stringify(r.Properties.KeySchema).includes('"id"'),
    );
    expect(table.Properties).toMatchObject({
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
    });
    const statements = JSON.stringify(statementsOf('eventbridgeCommand'));
    expect(statements).toContain('"events:PutEvents"');
    expect(statements).toContain('"event-bus/ops-bus"');
    expect(statements).toContain('{"events:source":"io.waypointer"}');
    expect(statements).toContain(
      '{"Effect":"Allow","Action":["dynamodb:GetItem","dynamodb:PutItem","dynamodb:UpdateItem","dynamodb:DeleteItem"],"Resource":{"Fn::GetAtt":["CommandIdempotencyTable","Arn"]}}',
    );
  });

  it('fans binding changes out through an SNS FIFO topic to the consumers of the configuration', () => {
    const resources = Object.entries(template.Resources);
    const [topic, ...more] = resources.filter(([, r]) => r.Type === 'AWS::SNS::Topic');
    expect(more).toEqual([]);
    expect(topic?.[1].Properties).toEqual({
      TopicName: 'waypointer-ci-binding-changes.fifo',
      FifoTopic: true,
      ContentBasedDeduplication: false,
    });
    const endpoints = resources
      .filter(([, r]) => r.Type === 'AWS::SNS::Subscription')
      .map(([, r]) => [
        (r.Properties.Endpoint as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0],
        r.Properties.RawMessageDelivery,
      ]);
    expect(endpoints).toEqual([
      ['BindingChangesQueue', true],
      ['ConsumerQueueAuditTrail', true],
      ['ConsumerQueueGitops', true],
    ]);
    const topicArn = { Ref: topic?.[0] };
    for (const fn of FUNCTIONS) {
      const fnResource =
        template.Resources[`${fn.charAt(0).toUpperCase()}${fn.slice(1)}LambdaFunction`];
      const environment = fnResource?.Properties.Environment as
        | { Variables: Record<string, unknown> }
        | undefined;
      const variables = environment?.Variables ?? {};
      const publishes = fn === 'reconcile' || fn === 'scheduledSweep';
      expect(variables.WAYPOINTER_CHANGES_TOPIC_ARN, fn).toEqual(publishes ? topicArn : undefined);
      expect(JSON.stringify(statementsOf(fn)).includes('"sns:Publish"'), fn).toBe(publishes);
    }
  });

  it("lets reconcile's role send every DynamoDB command the binding store sends, on the bindings table", async () => {
    // What the store really sends, recorded on the client through a full cycle on dynalite.
    const dynamo = await startDynamo();
    const sent = new Set<string>();
    dynamo.client.middlewareStack.add(
      (next, context) => async (args) => {
        sent.add(String(context.commandName).replace(/Command$/, ''));
        return next(args);
      },
      { step: 'initialize', name: 'recordCommands' },
    );
    try {
      const store = new DynamoBindingStore(dynamo.client, BINDINGS_TABLE);
      const big = {
        services: [],
        namespaces: [],
        pods: Array.from({ length: 40_000 }, (_, i) => ({
          namespace: 'ns',
          name: `pod-${i}-${randomBytes(8).toString('hex')}`,
          waypoint: null,
          via: 'pod' as const,
        })),
      };
      const at = '2026-12-03T00:00:00.000Z';
      for (const generation of [1, 2]) {
        await store.stage(
          'c',
          'ns',
          { generation, bindings: big, messages: [], observedAt: at },
          generation - 1,
        );
        await store.commit('c', 'ns', generation - 1);
      }
      await store.observed('c', 'ns', 2, '2026-12-03T00:01:00.000Z');
      await store.load('c', 'ns');
      await store.namespaces('c');
      await store.saveSweepCursor('c', 'ns');
      await store.sweepCursor('c');
    } finally {
      await dynamo.stop();
    }
    const allowed = new Set(
      statementsOf('reconcile')
        .filter((st) => JSON.stringify(st.Resource) === '{"Fn::GetAtt":["BindingsTable","Arn"]}')
        .flatMap((st) => st.Action),
    );
    const actions = [...sent]
      .map((name) => `dynamodb:${name.replace(/^(Get|Put|Update|Delete)$/, '$1Item')}`)
      .sort();
    expect(actions.length).toBeGreaterThan(4);
    expect(actions.filter((action) => !allowed.has(action))).toEqual([]);
  }, 60_000);

  it('declares the hourly status schedule disabled, with command events the function accepts', () => {
    const schedule = Object.values(template.Resources).find(
      (r) => r.Type === 'AWS::Events::Rule' && r.Properties.ScheduleExpression === 'rate(1 hour)',
    );
    expect(schedule?.Properties.State).toBe('DISABLED');
    const [target] = (schedule?.Properties.Targets ?? []) as {
      InputTransformer: { InputPathsMap: Record<string, string>; InputTemplate: string };
    }[];
    const { InputPathsMap, InputTemplate } = target?.InputTransformer ?? {
      InputPathsMap: {},
      InputTemplate: '',
    };
    const tick = {
      id: 'f5c1d2a0-1b2c-4d3e-8f4a-5b6c7d8e9f01',
      time: '2026-12-03T10:00:00Z',
      account: '123456789012',
      region: 'eu-west-1',
    };
    // EventBridge puts each value where its <name> is, as JSON (strings quoted).
    const event = InputTemplate.replace(/<(\w+)>/g, (_, name: string) =>
      JSON.stringify(tick[InputPathsMap[name]?.slice(2) as keyof typeof tick]),
    );
    expect(commandEventSchema.parse(JSON.parse(event))).toMatchObject({
      id: tick.id,
      source: 'aws.events',
      account: tick.account,
      detail: { cluster: 'prod', command: 'status -A' },
    });
  });

  it('builds an ESM bundle of eventbridge-command that loads on Node 24 and rejects what is no command', async () => {
    process.env.WAYPOINTER_CLUSTERS = '{}';
    process.env.WAYPOINTER_IDEMPOTENCY_TABLE = 'waypointer-ci-idempotency';
    process.env.POWERTOOLS_METRICS_DISABLED = 'true';
    process.env.POWERTOOLS_LOG_LEVEL = 'CRITICAL';
    const bundle = pathToFileURL(
      join(root, '.esbuild/.build/functions/eventbridge-command/handler.mjs'),
    ).href;
    const { handler } = (await import(bundle)) as {
      handler: (event: unknown, context: unknown) => Promise<unknown>;
    };
    const context = {
      functionName: 'waypointer-ci-eventbridgeCommand',
      awsRequestId: 'r',
      getRemainingTimeInMillis: () => 179_000,
    };
    const audit = JSON.parse(readFileSync(join(root, 'events/eventbridge-audit.json'), 'utf8'));
    await expect(handler(audit, context)).rejects.toMatchObject({
      name: 'ValidationError',
      message: expect.stringContaining('detail-type'),
    });
  });

  it('builds an ESM bundle of the HTTP API that answers on Node 24', async () => {
    process.env.WAYPOINTER_CLUSTERS = '{}';
    process.env.POWERTOOLS_METRICS_DISABLED = 'true';
    process.env.POWERTOOLS_LOG_LEVEL = 'CRITICAL';
    const bundle = pathToFileURL(join(root, '.esbuild/.build/functions/http-api/handler.mjs')).href;
    const { handler } = (await import(bundle)) as {
      handler: (event: unknown, context: unknown) => Promise<{ statusCode: number; body: string }>;
    };
    const event = {
      version: '2.0',
      routeKey: '$default',
      rawPath: '/v1/clusters',
      rawQueryString: '',
      headers: {},
      requestContext: {
        http: { method: 'GET', path: '/v1/clusters' },
        authorizer: { iam: { userArn: 'arn:aws:iam::123456789012:user/ops' } },
        requestId: 'r',
        routeKey: '$default',
        stage: '$default',
      },
      isBase64Encoded: false,
    };
    const context = {
      functionName: 'waypointer-ci-httpApi',
      awsRequestId: 'r',
      getRemainingTimeInMillis: () => 29_000,
    };
    const response = await handler(event, context);
    expect([response.statusCode, JSON.parse(response.body)]).toEqual([200, { items: [] }]);
  });

  it('runs the Slack ingress from its secret in SSM, and its ESM bundle refuses an unsigned request on Node 24', async () => {
    const fn = Object.values(template.Resources).find(
      (r) =>
        r.Type === 'AWS::Lambda::Function' && r.Properties.FunctionName === 'waypointer-ci-chatops',
    );
    expect(
      (fn?.Properties.Environment as { Variables: Record<string, unknown> } | undefined)?.Variables,
    ).toMatchObject({
      SLACK_SIGNING_SECRET_PARAMETER: '/waypointer/ci/slack-signing-secret',
      WAYPOINTER_CHATOPS_QUEUE_URL: { Ref: 'ChatOpsQueue' },
    });
    process.env.WAYPOINTER_CLUSTERS = '{}';
    process.env.SLACK_SIGNING_SECRET = 'test-secret';
    process.env.WAYPOINTER_CHATOPS_QUEUE_URL =
      'https://sqs.eu-west-1.amazonaws.com/123456789012/q.fifo';
    process.env.POWERTOOLS_METRICS_DISABLED = 'true';
    process.env.POWERTOOLS_LOG_LEVEL = 'CRITICAL';
    const bundle = pathToFileURL(join(root, '.esbuild/.build/functions/chatops/handler.mjs')).href;
    const { handler } = (await import(bundle)) as {
      handler: (event: unknown, context: unknown) => Promise<{ statusCode: number }>;
    };
    const body = Buffer.from('command=%2Fwaypoint&text=list').toString('base64');
    const event = {
      version: '2.0',
      rawPath: '/slack/commands',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      requestContext: { http: { method: 'POST', path: '/slack/commands' } },
      body,
      isBase64Encoded: true,
    };
    const context = {
      functionName: 'waypointer-ci-chatops',
      awsRequestId: 'r',
      getRemainingTimeInMillis: () => 9_000,
    };
    expect((await handler(event, context)).statusCode).toBe(401);
  });
});
