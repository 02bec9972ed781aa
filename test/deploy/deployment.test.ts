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
