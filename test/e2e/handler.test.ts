/**
 * The deployed handler's composition root: configuration from the environment (clusters from a
 * kubeconfig, a policy), then requests through the local gateway.
 */
import { mkdtemp } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LocalCluster } from '@waypointer/kube-api';
import { startGateway } from '@waypointer/local-stack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config.ts';
import { ValidationError } from '../../shared/domain/errors.ts';
import { cluster } from '../support/kube.ts';

let local: LocalCluster;
let url: string;
let server: Server;

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'handler-'));
  local = await cluster({ kubeconfigOut: join(dir, 'kubeconfig') });
  process.env.WAYPOINTER_CLUSTERS = JSON.stringify({
    dev: { kubeconfig: join(dir, 'kubeconfig') },
  });
  process.env.WAYPOINTER_POLICY = JSON.stringify({
    version: 1,
    rules: [
      {
        subjects: ['arn:aws:iam::000000000000:user/*'],
        role: 'viewer',
        clusters: ['dev'],
        namespaces: ['*'],
      },
    ],
  });
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  process.env.POWERTOOLS_TRACE_ENABLED = 'false';
  process.env.POWERTOOLS_LOG_LEVEL = 'CRITICAL';
  const { handler } = await import('../../functions/http-api/handler.ts');
  ({ url, server } = await startGateway(handler));
});

afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  await local.stop();
});

describe('functions/http-api/handler', () => {
  it('serves the configured clusters with the configured policy', async () => {
    expect(await (await fetch(`${url}/v1/clusters`)).json()).toEqual({ items: [{ name: 'dev' }] });
    const bindings = await fetch(`${url}/v1/clusters/dev/namespaces/default/bindings`);
    expect(bindings.status).toBe(200);
    const refused = await fetch(`${url}/v1/clusters/dev/namespaces/default/enrollment`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ waypoint: 'w' }),
    });
    expect(refused.status).toBe(403);
  });
});

describe('loadConfig', () => {
  it.each<[string, Record<string, string>, string]>([
    ['clusters that are no JSON', { WAYPOINTER_CLUSTERS: '{' }, 'WAYPOINTER_CLUSTERS'],
    [
      'a cluster with unknown fields',
      { WAYPOINTER_CLUSTERS: '{"prod":{"eks":{"name":"a","region":"b"},"x":1}}' },
      'WAYPOINTER_CLUSTERS.prod',
    ],
    [
      'a policy with a bad role',
      {
        WAYPOINTER_POLICY:
          '{"version":1,"rules":[{"subjects":["a"],"role":"root","clusters":["*"],"namespaces":["*"]}]}',
      },
      'rules.0.role',
    ],
    [
      'a reconcile queue that is no URL',
      { WAYPOINTER_RECONCILE_QUEUE_URL: 'reconcile-requests.fifo' },
      'WAYPOINTER_RECONCILE_QUEUE_URL',
    ],
    [
      'a cluster name the API cannot route',
      { WAYPOINTER_CLUSTERS: '{"a/b":{}}' },
      'WAYPOINTER_CLUSTERS.a/b',
    ],
  ])('rejects %s, naming the field', (_case, env, path) => {
    try {
      loadConfig(env);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).problems[0]?.path).toBe(path);
    }
  });

  it('refuses every mutation when no policy is configured', () => {
    const config = loadConfig({
      WAYPOINTER_CLUSTERS: '{"prod":{"eks":{"name":"prod","region":"eu-west-1"}}}',
    });
    expect([config.policyConfigured, Object.keys(config.clusters)]).toEqual([false, ['prod']]);
  });

  it.each<[string, Record<string, string>, object]>([
    [
      'Powertools names default to waypointer; no reconcile queue',
      { POWERTOOLS_SERVICE_NAME: '' },
      { serviceName: 'waypointer', metricsNamespace: 'waypointer', reconcileQueueUrl: undefined },
    ],
    [
      'POWERTOOLS_SERVICE_NAME, POWERTOOLS_METRICS_NAMESPACE and the reconcile queue are honoured',
      {
        POWERTOOLS_SERVICE_NAME: 'waypointer-prod',
        POWERTOOLS_METRICS_NAMESPACE: 'platform',
        WAYPOINTER_RECONCILE_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/1/r.fifo',
      },
      {
        serviceName: 'waypointer-prod',
        metricsNamespace: 'platform',
        reconcileQueueUrl: 'https://sqs.eu-west-1.amazonaws.com/1/r.fifo',
      },
    ],
  ])('%s', (_case, env, expected) => {
    const config = loadConfig(env);
    expect({ ...config.powertools, reconcileQueueUrl: config.reconcileQueueUrl }).toEqual(expected);
  });
});
