/**
 * The deployment's configuration document: one JSON file (or SSM parameter) with the clusters, the
 * policy and the Slack settings, checked at package time with the schemas the functions use at
 * cold start, and handed to them as single-line environment values.
 */
import { describe, expect, it } from 'vitest';
import {
  loadChatOpsConfig,
  loadConfig,
  loadPipelineConfig,
  parseDeploymentConfig,
} from '../../shared/config.ts';

const document = `{
  "clusters": {
    "prod": { "eks": { "name": "prod-eks", "region": "eu-west-1" } },
    "edge": {
      "eks": { "name": "edge", "region": "us-east-1" },
      "identities": ["arn:aws:sts::123456789012:assumed-role/waypointer-prod-httpApi-us-east-1/waypointer-prod-httpApi"]
    }
  },
  "policy": {
    "version": 1,
    "rules": [
      {
        "subjects": ["arn:aws:iam::123456789012:role/ops"],
        "role": "admin",
        "clusters": ["*"],
        "namespaces": ["*"]
      }
    ]
  },
  "slack": { "defaultCluster": "prod", "channels": { "C0123ABCD": { "cluster": "edge" } } }
}
`;

describe('parseDeploymentConfig', () => {
  it('turns a multi-line document into single-line values the functions load unchanged', () => {
    const { environment } = parseDeploymentConfig(document, 'config/prod.json');
    for (const value of Object.values(environment)) expect(value).not.toContain('\n');
    const config = loadConfig(environment);
    expect(Object.keys(config.clusters)).toEqual(['prod', 'edge']);
    expect(config.clusters.edge).toMatchObject({ eks: { name: 'edge', region: 'us-east-1' } });
    expect(config.policyConfigured).toBe(true);
    const chatops = loadChatOpsConfig({
      ...environment,
      SLACK_SIGNING_SECRET: 's',
      WAYPOINTER_CHATOPS_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/1/q.fifo',
    });
    expect(chatops.slack).toEqual({
      defaultCluster: 'prod',
      channels: { C0123ABCD: { cluster: 'edge' } },
    });
  });

  it('names the EKS clusters it configures, by region', () => {
    expect(parseDeploymentConfig(document, 'config/prod.json').eksClusters).toEqual([
      { cluster: 'prod', name: 'prod-eks', region: 'eu-west-1' },
      { cluster: 'edge', name: 'edge', region: 'us-east-1' },
    ]);
  });

  it('leaves policy and Slack settings empty when the document has none (every mutation refused)', () => {
    const { environment } = parseDeploymentConfig('{"clusters": {}}', 'c.json');
    expect(environment).toEqual({
      WAYPOINTER_CLUSTERS: '{}',
      WAYPOINTER_POLICY: '',
      WAYPOINTER_SLACK: '',
    });
    expect(loadConfig(environment).policyConfigured).toBe(false);
  });

  it.each([
    ['not JSON', '{"clusters": {', 'config/prod.json: not valid JSON'],
    ['no clusters', '{}', 'config/prod.json: clusters: '],
    [
      'an unknown field',
      '{"clusters": {}, "cluster": {}}',
      'config/prod.json: cluster: unknown field',
    ],
    [
      'an EKS cluster without its region',
      '{"clusters": {"prod": {"eks": {"name": "prod"}}}}',
      'config/prod.json: clusters.prod',
    ],
    [
      'a cluster name the API cannot route',
      '{"clusters": {"Prod Cluster": {}}}',
      'config/prod.json: clusters.Prod Cluster: ',
    ],
    [
      'a policy rule with an unknown field',
      '{"clusters": {}, "policy": {"version": 1, "rules": [{"subject": "x"}]}}',
      'config/prod.json: policy: invalid authorization policy: ',
    ],
    [
      'a Slack channel without its cluster',
      '{"clusters": {}, "slack": {"channels": {"C1": {}}}}',
      'config/prod.json: slack.channels.C1.cluster: ',
    ],
    [
      'a consumer name that cannot name a queue',
      '{"clusters": {}, "consumers": ["audit-trail", "Git Ops"]}',
      'config/prod.json: consumers.1: lowercase letters, digits and inner hyphens, 1 to 32 characters',
    ],
    [
      'a consumer named twice',
      '{"clusters": {}, "consumers": ["gitops", "gitops"]}',
      'config/prod.json: consumers.1: gitops is named twice',
    ],
    [
      'an empty list of consumers',
      '{"clusters": {}, "consumers": []}',
      'config/prod.json: consumers: name at least one consumer',
    ],
    [
      'consumers that are not a list',
      '{"clusters": {}, "consumers": "gitops"}',
      'config/prod.json: consumers: ',
    ],
  ])('refuses %s, naming the file and the field', (_, text, message) => {
    expect(() => parseDeploymentConfig(text, 'config/prod.json')).toThrow(
      expect.objectContaining({
        name: 'ValidationError',
        message: expect.stringContaining(message),
      }),
    );
  });
});

describe('consumers of binding changes', () => {
  it('are none unless the document names them, and keep their order', () => {
    expect(parseDeploymentConfig('{"clusters": {}}', 'c.json').consumers).toEqual([]);
    const text = '{"clusters": {}, "consumers": ["audit-trail", "gitops"]}';
    expect(parseDeploymentConfig(text, 'c.json').consumers).toEqual(['audit-trail', 'gitops']);
  });

  const pipeline = {
    WAYPOINTER_BINDINGS_TABLE: 'bindings',
    WAYPOINTER_RECONCILE_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/1/r.fifo',
    WAYPOINTER_CHANGES_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/1/c.fifo',
  };

  it('publish to the topic WAYPOINTER_CHANGES_TOPIC_ARN names; unset or empty, to the queue', () => {
    const topic = 'arn:aws:sns:eu-west-1:123456789012:waypointer-prod-binding-changes.fifo';
    expect(
      loadPipelineConfig({ ...pipeline, WAYPOINTER_CHANGES_TOPIC_ARN: topic }).changesTopicArn,
    ).toBe(topic);
    expect(loadPipelineConfig(pipeline).changesTopicArn).toBeUndefined();
    expect(
      loadPipelineConfig({ ...pipeline, WAYPOINTER_CHANGES_TOPIC_ARN: '' }).changesTopicArn,
    ).toBeUndefined();
  });

  it.each([
    'arn:aws:sns:eu-west-1:123456789012:standard-topic',
    'https://sns.eu-west-1.amazonaws.com/changes.fifo',
    'arn:aws:sqs:eu-west-1:123456789012:changes.fifo',
  ])('refuse a WAYPOINTER_CHANGES_TOPIC_ARN that is no SNS FIFO topic: %s', (value) => {
    expect(() => loadPipelineConfig({ ...pipeline, WAYPOINTER_CHANGES_TOPIC_ARN: value })).toThrow(
      'invalid configuration: WAYPOINTER_CHANGES_TOPIC_ARN: an SNS FIFO topic ARN, arn:aws:sns:<region>:<account>:<name>.fifo',
    );
  });
});
