/**
 * The deployment's configuration document: one JSON file (or SSM parameter) with the clusters, the
 * policy and the Slack settings, checked at package time with the schemas the functions use at
 * cold start, and handed to them as single-line environment values.
 */
import { describe, expect, it } from 'vitest';
import { loadChatOpsConfig, loadConfig, parseDeploymentConfig } from '../../shared/config.ts';

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
  ])('refuses %s, naming the file and the field', (_, text, message) => {
    expect(() => parseDeploymentConfig(text, 'config/prod.json')).toThrow(
      expect.objectContaining({
        name: 'ValidationError',
        message: expect.stringContaining(message),
      }),
    );
  });
});
