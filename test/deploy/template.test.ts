/**
 * The packaged template against the CloudFormation resource specification, and the parts of it
 * that follow from the configuration document (infra/aws/config.example.json for the package).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { readTemplate, type Template } from './packaged.ts';
import { specProblems } from './resource-spec.ts';

let template: Template;

beforeAll(() => {
  template = readTemplate();
});

const ofType = (type: string): [string, Template['Resources'][string]][] =>
  Object.entries(template.Resources).filter(([, r]) => r.Type === type);

describe('the packaged template', () => {
  it('matches the CloudFormation resource specification', () => {
    expect(specProblems(template)).toEqual([]);
  });

  it('is checked for unknown and missing properties, types and references', () => {
    const broken: Template = {
      Resources: {
        ...template.Resources,
        Extra: {
          Type: 'AWS::SQS::Queue',
          Properties: { FifoQueue: 'yes', QueueNme: 'x', RedrivePolicy: { Ref: 'Nothing' } },
        },
        Entry: {
          Type: 'AWS::EKS::AccessEntry',
          Properties: { PrincipalArn: { 'Fn::GetAtt': ['Extra', 'Url'] } },
          DependsOn: ['Gone'],
        },
        Odd: { Type: 'AWS::Nothing::Here', Properties: {} },
      },
    };
    expect(specProblems(broken)).toEqual([
      'Extra.FifoQueue: expected a boolean, got "yes"',
      'Extra: unknown property QueueNme',
      'Extra.RedrivePolicy: Ref to Nothing, which the template does not have',
      'Entry: ClusterName is required',
      'Entry.PrincipalArn: AWS::SQS::Queue has no attribute Url',
      'Entry: DependsOn Gone, which the template does not have',
      'Odd: unknown resource type AWS::Nothing::Here',
    ]);
  });

  it('subscribes audit-ingest to the audit log group of each EKS cluster of its region', () => {
    const filters = ofType('AWS::Logs::SubscriptionFilter').map(([, f]) => f.Properties);
    expect(filters.map((f) => f.LogGroupName).sort()).toEqual([
      '/aws/eks/prod/cluster',
      '/aws/eks/staging-eks/cluster',
    ]);
    for (const filter of filters) {
      expect(filter.DestinationArn).toEqual({ 'Fn::GetAtt': ['AuditIngestLambdaFunction', 'Arn'] });
      expect(filter.FilterPattern).toBe('{ $.kind = "Event" && $.stage = "ResponseComplete" }');
    }
    const permissions = ofType('AWS::Lambda::Permission')
      .map(([, p]) => p.Properties)
      .filter((p) => p.Principal === 'logs.amazonaws.com');
    expect(permissions.map((p) => JSON.stringify(p.SourceArn)).sort()).toEqual([
      expect.stringContaining('log-group:/aws/eks/prod/cluster:*'),
      expect.stringContaining('log-group:/aws/eks/staging-eks/cluster:*'),
    ]);
  });

  it('maps each role that reaches a cluster to the waypointer group with an EKS access entry', () => {
    const entries = ofType('AWS::EKS::AccessEntry').map(([, e]) => e.Properties);
    const reaching = [
      'AuditIngestRole',
      'AuditWebhookRole',
      'ChatopsWorkerRole',
      'EventbridgeCommandRole',
      'HttpApiRole',
      'ReconcileRole',
      'ScheduledSweepRole',
    ];
    for (const cluster of ['prod', 'staging-eks'])
      expect(
        entries
          .filter((e) => e.ClusterName === cluster)
          .map((e) => (e.PrincipalArn as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0])
          .sort(),
      ).toEqual(reaching);
    for (const entry of entries)
      expect(entry).toMatchObject({ Type: 'STANDARD', KubernetesGroups: ['waypointer'] });
  });

  it('alarms on every dead-letter queue, reconcile failures and sweep failures', () => {
    const alarms = ofType('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
    const dlqs = ofType('AWS::SQS::Queue')
      .filter(([, q]) => /-dlq/.test(String(q.Properties.QueueName)))
      .map(([id]) => id)
      .sort();
    expect(
      alarms
        .filter((a) => a.MetricName === 'ApproximateNumberOfMessagesVisible')
        .map(
          (a) =>
            (a.Dimensions as { Value: { 'Fn::GetAtt': string[] } }[])[0]?.Value['Fn::GetAtt'][0],
        )
        .sort(),
    ).toEqual(dlqs);
    expect(
      alarms
        .filter((a) => a.Namespace === 'waypointer')
        .map((a) => a.MetricName)
        .sort(),
    ).toEqual(['ReconcileFailures', 'SweepFailures']);
    for (const alarm of alarms)
      expect(alarm).toMatchObject({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' });
  });
});
