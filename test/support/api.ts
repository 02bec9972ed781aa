/**
 * The HTTP API on the embedded cluster, behind the local gateway, for end-to-end tests.
 */
import type { Server } from 'node:http';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { LocalCluster } from '@waypointer/kube-api';
import { startGateway } from '@waypointer/local-stack';
import { createHttpApi } from '../../functions/http-api/app.ts';
import { KubernetesCluster } from '../../shared/adapters/kubernetes/cluster.ts';
import { StaticClusterRegistry } from '../../shared/adapters/kubernetes/registry.ts';
import { LOCAL_PERMISSIVE, type Policy } from '../../shared/app/authorization.ts';
import { cluster, kubeConfigOf } from './kube.ts';

export interface Api {
  readonly url: string;
  readonly local: LocalCluster;
  call(
    method: string,
    path: string,
    options?: { body?: unknown; caller?: string; headers?: Record<string, string> },
  ): Promise<{ status: number; type: string; json: any; text: string }>;
  stop(): Promise<void>;
}

export async function startApi(
  options: { policy?: Policy; local?: LocalCluster } = {},
): Promise<Api> {
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  const local = options.local ?? (await cluster());
  const handler = createHttpApi({
    clusters: new StaticClusterRegistry({
      local: new KubernetesCluster(kubeConfigOf(local), {
        pollIntervalMs: 20,
        baseDelayMs: 5,
        maxDelayMs: 20,
      }),
    }),
    policy: options.policy ?? LOCAL_PERMISSIVE,
    logger: new Logger({ serviceName: 'waypointer', logLevel: 'CRITICAL' }),
    metrics: new Metrics({ namespace: 'waypointer', serviceName: 'waypointer' }),
  });
  const { url, server } = await startGateway(handler);
  return {
    url,
    local,
    call: async (method, path, { body, caller, headers = {} } = {}) => {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: {
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(caller === undefined ? {} : { 'x-waypointer-caller': caller }),
          ...headers,
        },
        ...(body === undefined
          ? {}
          : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
      const text = await response.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      return {
        status: response.status,
        type: response.headers.get('content-type') ?? '',
        json,
        text,
      };
    },
    stop: async () => {
      await new Promise<void>((r) => (server as Server).close(() => r()));
      if (options.local === undefined) await local.stop();
    },
  };
}
