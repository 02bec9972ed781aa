/**
 * infra/aws/deployment.ts on its own: what a configuration document turns into, and the documents
 * it refuses before CloudFormation would.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import {
  deploymentResources,
  functionEnvironment,
  KUBERNETES_GROUP,
  logicalName,
  type StackSettings,
} from '../../infra/aws/deployment.ts';
import { parseDeploymentConfig } from '../../shared/config.ts';
import { ROOT } from './packaged.ts';

const settings: StackSettings = {
  service: 'waypointer',
  stage: 'prod',
  region: 'eu-west-1',
  resultBus: 'default',
};

const resourcesOf = (clusters: Record<string, unknown>, more: Partial<StackSettings> = {}) =>
  deploymentResources(parseDeploymentConfig(JSON.stringify({ clusters }), 'c.json'), {
    ...settings,
    ...more,
  });

describe('deploymentResources', () => {
  it.each([
    ['prod', 'Prod'],
    ['team-a.prod_1', 'TeamAProd1'],
    ['0day', '0day'],
  ])('names cluster %s %s in logical ids', (cluster, name) => {
    expect(logicalName(cluster)).toBe(name);
  });

  it('wires the clusters of its region only, and reaches all of them with DescribeCluster', () => {
    const resources = resourcesOf({
      prod: { eks: { name: 'prod', region: 'eu-west-1' } },
      edge: { eks: { name: 'edge', region: 'us-east-1' } },
      lab: { kubeconfig: '/k' },
    });
    const ids = Object.keys(resources);
    expect(ids.filter((id) => id.startsWith('AuditLog')).sort()).toEqual([
      'AuditLogPermissionProd',
      'AuditLogSubscriptionProd',
    ]);
    expect(ids.filter((id) => id.startsWith('AccessEntry'))).toHaveLength(7);
    const statements = JSON.stringify(resources.ReconcileRole?.Properties.Policies);
    expect(statements).toContain('"cluster/prod"');
    expect(statements).toContain('"cluster/edge"');
    expect(JSON.stringify(resources.ChatopsRole?.Properties.Policies)).not.toContain('eks:');
  });

  it('maps the roles to the group that infra/kubernetes/rbac.yaml binds the ClusterRole to', () => {
    const text = readFileSync(join(ROOT, 'infra/kubernetes/rbac.yaml'), 'utf8');
    const binding = parseAllDocuments(text)
      .map((d) => d.toJS() as { kind: string; subjects?: { kind: string; name: string }[] })
      .find((d) => d.kind === 'ClusterRoleBinding');
    expect(binding?.subjects).toEqual([
      expect.objectContaining({ kind: 'Group', name: KUBERNETES_GROUP }),
    ]);
  });

  it('gives no function DescribeCluster when no cluster is on EKS', () => {
    const resources = resourcesOf({ lab: { kubeconfig: '/k' } });
    expect(JSON.stringify(resources)).not.toContain('eks:DescribeCluster');
  });

  it('notifies the alarm topic when there is one', () => {
    const topic = 'arn:aws:sns:eu-west-1:123456789012:ops';
    const alarms = Object.values(resourcesOf({}, { alarmTopic: topic })).filter(
      (r) => r.Type === 'AWS::CloudWatch::Alarm',
    );
    expect(alarms).toHaveLength(6);
    for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toEqual([topic]);
  });

  it('refuses two clusters whose logical ids would be the same', () => {
    expect(() =>
      resourcesOf({
        'team-a': { eks: { name: 'a', region: 'eu-west-1' } },
        team_a: { eks: { name: 'b', region: 'eu-west-1' } },
      }),
    ).toThrow(
      'clusters "team-a" and "team_a" would share CloudFormation names (TeamA): rename one',
    );
  });

  it('refuses a stage that makes a role name longer than IAM allows', () => {
    expect(() => resourcesOf({}, { stage: 'a-very-long-stage-name-for-testing' })).toThrow(
      /the role name waypointer-a-very-long-stage-name-for-testing-\w+-eu-west-1 is longer than IAM's 64 characters: shorten the stage/,
    );
  });
});

describe('deploymentResources, fan-out to consumers (ADR 0015)', () => {
  const withConsumers = (consumers?: string[], more: Partial<StackSettings> = {}) => {
    const config = parseDeploymentConfig(JSON.stringify({ clusters: {}, consumers }), 'c.json');
    return {
      resources: deploymentResources(config, { ...settings, ...more }),
      environment: functionEnvironment(config),
    };
  };
  const statementsOf = (
    resources: Record<string, { Properties: Record<string, unknown> }>,
    fn: string,
  ) => JSON.stringify(resources[`${fn}Role`]?.Properties.Policies);

  it('adds nothing without consumers: reconcile and the sweep send to binding-changes.fifo', () => {
    const { resources, environment } = withConsumers(undefined);
    expect(JSON.stringify(resources)).not.toContain('SNS');
    expect(JSON.stringify(resources)).not.toContain('sns:');
    for (const fn of ['Reconcile', 'ScheduledSweep'])
      expect(statementsOf(resources, fn)).toContain(
        '{"Effect":"Allow","Action":["sqs:SendMessage"],"Resource":{"Fn::GetAtt":["BindingChangesQueue","Arn"]}}',
      );
    expect(environment).toEqual({});
  });

  it('creates a FIFO topic and a queue, DLQ and raw subscription per consumer', () => {
    const { resources, environment } = withConsumers(['audit-trail', 'gitops']);
    expect(resources.BindingChangesTopic).toEqual({
      Type: 'AWS::SNS::Topic',
      Properties: {
        TopicName: 'waypointer-prod-binding-changes.fifo',
        FifoTopic: true,
        ContentBasedDeduplication: false,
      },
    });
    const subscriptions = Object.entries(resources)
      .filter(([, r]) => r.Type === 'AWS::SNS::Subscription')
      .map(([id, r]) => [id, r.Properties]);
    const arn = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
    const raw = (queue: string, dlq: string) => ({
      TopicArn: { Ref: 'BindingChangesTopic' },
      Protocol: 'sqs',
      Endpoint: arn(queue),
      RawMessageDelivery: true,
      RedrivePolicy: { deadLetterTargetArn: arn(dlq) },
    });
    expect(subscriptions).toEqual([
      ['BindingChangesSubscription', raw('BindingChangesQueue', 'BindingChangesDLQ')],
      ['ConsumerSubscriptionAuditTrail', raw('ConsumerQueueAuditTrail', 'ConsumerDLQAuditTrail')],
      ['ConsumerSubscriptionGitops', raw('ConsumerQueueGitops', 'ConsumerDLQGitops')],
    ]);
    expect(resources.ConsumerQueueAuditTrail?.Properties).toEqual({
      QueueName: 'waypointer-prod-binding-changes-audit-trail.fifo',
      FifoQueue: true,
      MessageRetentionPeriod: 1209600,
      RedrivePolicy: { deadLetterTargetArn: arn('ConsumerDLQAuditTrail'), maxReceiveCount: 10 },
    });
    expect(resources.ConsumerDLQGitops?.Properties).toEqual({
      QueueName: 'waypointer-prod-binding-changes-gitops-dlq.fifo',
      FifoQueue: true,
      MessageRetentionPeriod: 1209600,
    });
    const policy = resources.BindingChangesTopicQueuePolicy?.Properties as {
      Queues: unknown[];
      PolicyDocument: { Statement: Record<string, unknown>[] };
    };
    const queues = [
      'BindingChangesQueue',
      'BindingChangesDLQ',
      'ConsumerQueueAuditTrail',
      'ConsumerDLQAuditTrail',
      'ConsumerQueueGitops',
      'ConsumerDLQGitops',
    ];
    expect(policy.Queues).toEqual(queues.map((q) => ({ Ref: q })));
    expect(policy.PolicyDocument.Statement).toEqual([
      {
        Effect: 'Allow',
        Principal: { Service: 'sns.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: queues.map(arn),
        Condition: { ArnEquals: { 'aws:SourceArn': { Ref: 'BindingChangesTopic' } } },
      },
    ]);
    expect(environment).toEqual({
      reconcile: { WAYPOINTER_CHANGES_TOPIC_ARN: { Ref: 'BindingChangesTopic' } },
      scheduledSweep: { WAYPOINTER_CHANGES_TOPIC_ARN: { Ref: 'BindingChangesTopic' } },
    });
  });

  it('lets reconcile and the sweep publish to the topic only, and alarms on every DLQ and failed notifications', () => {
    const { resources } = withConsumers(['gitops'], {
      alarmTopic: 'arn:aws:sns:eu-west-1:123456789012:ops',
    });
    for (const fn of ['Reconcile', 'ScheduledSweep']) {
      const statements = statementsOf(resources, fn);
      expect(statements).toContain(
        '{"Effect":"Allow","Action":["sns:Publish"],"Resource":{"Ref":"BindingChangesTopic"}}',
      );
      expect(statements).not.toContain('sqs:SendMessage');
    }
    for (const fn of ['HttpApi', 'AuditIngest', 'Chatops', 'ChatopsWorker', 'EventbridgeCommand'])
      expect(statementsOf(resources, fn)).not.toContain('sns:');
    const alarms = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::CloudWatch::Alarm');
    expect(alarms.map(([id]) => id)).toEqual(
      expect.arrayContaining(['ConsumerDLQGitopsDepthAlarm', 'BindingChangesTopicFailuresAlarm']),
    );
    expect(alarms).toHaveLength(8);
    expect(resources.BindingChangesTopicFailuresAlarm?.Properties).toMatchObject({
      Namespace: 'AWS/SNS',
      MetricName: 'NumberOfNotificationsFailed',
      Dimensions: [
        { Name: 'TopicName', Value: { 'Fn::GetAtt': ['BindingChangesTopic', 'TopicName'] } },
      ],
      AlarmActions: ['arn:aws:sns:eu-west-1:123456789012:ops'],
    });
  });

  it('refuses consumers whose logical ids would be the same, and queue names SQS would refuse', () => {
    expect(() => withConsumers(['a-1', 'a1'])).toThrow(
      'consumers "a-1" and "a1" would share CloudFormation names (ConsumerQueueA1): rename one',
    );
    expect(() => withConsumers(['a'.repeat(32)], { stage: 'a-very-long-stage-name' })).toThrow(
      /the queue name waypointer-a-very-long-stage-name-binding-changes-a+-dlq\.fifo is longer than SQS's 80 characters/,
    );
  });
});
