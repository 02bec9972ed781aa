/**
 * The deployment: `osls package` (the open-source Serverless Framework, offline) bundles every
 * function with esbuild and renders the CloudFormation template; the bundled HTTP API handler then
 * runs on Node 24 as Lambda would load it.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
let template: { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };

beforeAll(async () => {
  const home = await mkdtemp(join(tmpdir(), 'osls-'));
  await new Promise<void>((resolve, reject) => {
    execFile(
      process.execPath,
      [
        join(root, 'node_modules/osls/bin/serverless.js'),
        'package',
        '--stage',
        'test',
        '--region',
        'eu-west-1',
        '--param=eksCluster=prod',
        '--param=auditSource=io.example.audit',
      ],
      {
        cwd: root,
        env: {
          PATH: `${join(root, 'node_modules/.bin')}:/usr/bin:/bin`,
          HOME: home,
          SLS_TELEMETRY_DISABLED: '1',
        },
        timeout: 120_000,
      },
      (error, stdout, stderr) =>
        error === null ? resolve() : reject(new Error(`${stdout}\n${stderr}`)),
    );
  });
  template = JSON.parse(
    readFileSync(join(root, '.serverless/cloudformation-template-update-stack.json'), 'utf8'),
  );
}, 150_000);

describe('osls package', () => {
  it('bundles each function on its own', () => {
    for (const name of ['httpApi', 'auditWebhook', 'auditIngest', 'reconcile', 'scheduledSweep']) {
      expect(existsSync(join(root, `.serverless/${name}.zip`)), name).toBe(true);
    }
  });

  it('declares nodejs24.x on arm64, the queues, the table and every trigger', () => {
    const byType = (type: string): { Type: string; Properties: Record<string, unknown> }[] =>
      Object.values(template.Resources).filter((r) => r.Type === type);
    const functions = byType('AWS::Lambda::Function');
    expect(functions).toHaveLength(5);
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
      'waypointer-test-binding-changes-dlq.fifo',
      'waypointer-test-binding-changes.fifo',
      'waypointer-test-reconcile-requests-dlq.fifo',
      'waypointer-test-reconcile-requests.fifo',
    ]);
    expect(byType('AWS::DynamoDB::Table')).toHaveLength(1);
    expect(byType('AWS::Lambda::EventSourceMapping')[0]?.Properties.FunctionResponseTypes).toEqual([
      'ReportBatchItemFailures',
    ]);
    expect(byType('AWS::Logs::SubscriptionFilter')[0]?.Properties.LogGroupName).toBe(
      '/aws/eks/prod/cluster',
    );
    expect(
      byType('AWS::ApiGatewayV2::Route')
        .map((r) => `${r.Properties.RouteKey} ${r.Properties.AuthorizationType}`)
        .sort(),
    ).toEqual(['ANY /{proxy+} AWS_IAM', 'POST /audit/{cluster} AWS_IAM']);
    const rules = byType('AWS::Events::Rule').map((r) => r.Properties);
    expect(rules.map((r) => r.ScheduleExpression ?? r.EventPattern)).toEqual(
      expect.arrayContaining([
        'rate(15 minutes)',
        { source: ['io.example.audit'], 'detail-type': ['Kubernetes Audit Event'] },
      ]),
    );
    expect(rules).toHaveLength(2);
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
      ['logs', 'AuditIngestLambdaFunction'],
      ['schedule', 'ScheduledSweepLambdaFunction'],
    ]);
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
      functionName: 'waypointer-test-httpApi',
      awsRequestId: 'r',
      getRemainingTimeInMillis: () => 29_000,
    };
    const response = await handler(event, context);
    expect([response.statusCode, JSON.parse(response.body)]).toEqual([200, { items: [] }]);
  });
});
