/**
 * The embedded Kubernetes cluster: the API server, the simulated istiod and a seed, started
 * together.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { AuditOptions } from './audit.ts';
import type { FaultOptions } from './faults.ts';
import { type EntryRules, SimulatedIstiod } from './istiod.ts';
import { loadSeed } from './seed.ts';
import { KubeApiServer } from './server.ts';

export interface LocalClusterOptions {
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  /** `bookinfo`, `empty` (the default: namespaces default and kube-system), or a YAML file. */
  readonly seed?: string;
  /** Where to write the kubeconfig. */
  readonly kubeconfigOut?: string;
  readonly audit?: AuditOptions;
  readonly faults?: FaultOptions;
  /** How long istiod takes to make a new waypoint ready. */
  readonly readyDelayMs?: number;
  /** The rules of the conditions istiod writes on ServiceEntries and WorkloadEntries. */
  readonly entryRules?: EntryRules;
}

export interface LocalCluster {
  readonly url: string;
  readonly server: KubeApiServer;
  readonly istiod: SimulatedIstiod;
  readonly kubeconfig: string;
  readonly kubeconfigPath: string | undefined;
  stop(): Promise<void>;
}

/**
 * Starts the embedded cluster and, with `kubeconfigOut`, writes a kubeconfig for it.
 *
 * @example
 * ```ts
 * const cluster = await startLocalCluster({ seed: 'bookinfo', kubeconfigOut: '.local/kubeconfig' });
 * // kubectl --kubeconfig .local/kubeconfig get pods -A
 * await cluster.stop();
 * ```
 */
export async function startLocalCluster(options: LocalClusterOptions = {}): Promise<LocalCluster> {
  const server = new KubeApiServer({
    ...(options.port === undefined ? {} : { port: options.port }),
    ...(options.audit === undefined ? {} : { audit: options.audit }),
    ...(options.faults === undefined ? {} : { faults: options.faults }),
  });
  await loadSeed(server.store, options.seed ?? 'empty');
  const istiod = new SimulatedIstiod(server.api, {
    ...(options.readyDelayMs === undefined ? {} : { readyDelayMs: options.readyDelayMs }),
    ...(options.entryRules === undefined ? {} : { entryRules: options.entryRules }),
  });
  istiod.start();
  const url = await server.start();
  const kubeconfig = server.kubeconfig();
  const kubeconfigPath =
    options.kubeconfigOut === undefined ? undefined : resolve(options.kubeconfigOut);
  if (kubeconfigPath !== undefined) {
    await mkdir(dirname(kubeconfigPath), { recursive: true });
    await writeFile(kubeconfigPath, kubeconfig, { mode: 0o600 });
  }
  return {
    url,
    server,
    istiod,
    kubeconfig,
    kubeconfigPath,
    stop: async () => {
      istiod.stop();
      await server.stop();
    },
  };
}
