/**
 * The HTTP API on the embedded cluster, behind the local gateway, for end-to-end tests.
 */
import type { Server } from 'node:http';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { LocalCluster } from '@waypointer/kube-api';
import { startGateway } from '@waypointer/local-stack';
import { createHttpApi } from '../../functions/http-api/app.ts';
import {
  KubernetesCluster,
  type KubernetesClusterOptions,
} from '../../shared/adapters/kubernetes/cluster.ts';
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

export interface ApiOptions {
  readonly policy?: Policy;
  readonly local?: LocalCluster;
  /** The Lambda's time limit each request is invoked with (default: the gateway's, 30 s). */
  readonly lambdaTimeoutMs?: number;
  /** Options of the HTTP API's cluster adapter, over the tests' fast retries. */
  readonly cluster?: KubernetesClusterOptions;
}

export async function startApi(options: ApiOptions = {}): Promise<Api> {
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  const local = options.local ?? (await cluster());
  const handler = createHttpApi({
    clusters: new StaticClusterRegistry({
      local: new KubernetesCluster(kubeConfigOf(local), {
        pollIntervalMs: 20,
        baseDelayMs: 5,
        maxDelayMs: 20,
        ...options.cluster,
      }),
    }),
    policy: options.policy ?? LOCAL_PERMISSIVE,
    logger: new Logger({ serviceName: 'waypointer', logLevel: 'CRITICAL' }),
    metrics: new Metrics({ namespace: 'waypointer', serviceName: 'waypointer' }),
  });
  const { lambdaTimeoutMs } = options;
  const { url, server } = await startGateway(
    lambdaTimeoutMs === undefined
      ? handler
      : (event, context) => {
          // A Lambda configured with a shorter time limit than the gateway's default.
          const end = Date.now() + lambdaTimeoutMs;
          return handler(event, {
            ...context,
            getRemainingTimeInMillis: () => Math.max(0, end - Date.now()),
          });
        },
  );
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
