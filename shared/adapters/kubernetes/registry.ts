/**
 * The clusters of a deployment, each built on first use: from EKS (DescribeCluster and a bearer
 * token) or from a kubeconfig.
 */
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import type { ClusterConfig } from '../../config.ts';
import { NotFoundError } from '../../domain/errors.ts';
import type { IstioVersion } from '../../domain/istio-version.ts';
import type { Cluster, ClusterRegistry } from '../../ports.ts';
import { KubernetesCluster, type KubernetesClusterOptions } from './cluster.ts';
import { EksTokenSource } from './eks-auth.ts';

/** A registry over ready-made Cluster instances (the embedded stack, tests). */
export class StaticClusterRegistry implements ClusterRegistry {
  readonly #clusters: ReadonlyMap<string, Cluster>;

  constructor(clusters: Readonly<Record<string, Cluster>>) {
    this.#clusters = new Map(Object.entries(clusters));
  }

  names(): string[] {
    return [...this.#clusters.keys()].sort();
  }

  get(name: string): Cluster {
    const cluster = this.#clusters.get(name);
    if (cluster === undefined)
      throw new NotFoundError(
        `cluster "${name}" is not configured; known clusters: ${this.names().join(', ') || 'none'}`,
      );
    return cluster;
  }
}

/** A cluster that connects on first use (EKS needs a DescribeCluster call). */
class LazyCluster implements Cluster {
  #cluster: Promise<Cluster> | undefined;
  readonly #connect: () => Promise<Cluster>;

  constructor(connect: () => Promise<Cluster>) {
    this.#connect = connect;
  }

  #get(): Promise<Cluster> {
    this.#cluster ??= this.#connect().catch((error: unknown) => {
      this.#cluster = undefined;
      throw error;
    });
    return this.#cluster;
  }

  namespaceSnapshot: Cluster['namespaceSnapshot'] = async (...a) =>
    (await this.#get()).namespaceSnapshot(...a);
  clusterSnapshot: Cluster['clusterSnapshot'] = async (...a) =>
    (await this.#get()).clusterSnapshot(...a);
  getNamespace: Cluster['getNamespace'] = async (...a) => (await this.#get()).getNamespace(...a);
  podsOf: Cluster['podsOf'] = async (...a) => (await this.#get()).podsOf(...a);
  existingPods: Cluster['existingPods'] = async (...a) => (await this.#get()).existingPods(...a);
  getGateway: Cluster['getGateway'] = async (...a) => (await this.#get()).getGateway(...a);
  listGateways: Cluster['listGateways'] = async (...a) => (await this.#get()).listGateways(...a);
  applyGateway: Cluster['applyGateway'] = async (...a) => (await this.#get()).applyGateway(...a);
  deleteGateway: Cluster['deleteGateway'] = async (...a) => (await this.#get()).deleteGateway(...a);
  setLabels: Cluster['setLabels'] = async (...a) => (await this.#get()).setLabels(...a);
  waitForProgrammed: Cluster['waitForProgrammed'] = async (...a) =>
    (await this.#get()).waitForProgrammed(...a);
}

/**
 * `cluster`, whose snapshots say which Istio version runs there (the binding rules differ by
 * version); every other call goes through unchanged.
 *
 * @example
 * withIstioVersion(new KubernetesCluster(kc), '1.30').clusterSnapshot(); // { ..., istioVersion: '1.30' }
 */
export function withIstioVersion(cluster: Cluster, istioVersion: IstioVersion): Cluster {
  return {
    namespaceSnapshot: async (...a) => ({
      ...(await cluster.namespaceSnapshot(...a)),
      istioVersion,
    }),
    clusterSnapshot: async (...a) => ({ ...(await cluster.clusterSnapshot(...a)), istioVersion }),
    getNamespace: (...a) => cluster.getNamespace(...a),
    podsOf: (...a) => cluster.podsOf(...a),
    existingPods: (...a) => cluster.existingPods(...a),
    getGateway: (...a) => cluster.getGateway(...a),
    listGateways: (...a) => cluster.listGateways(...a),
    applyGateway: (...a) => cluster.applyGateway(...a),
    deleteGateway: (...a) => cluster.deleteGateway(...a),
    setLabels: (...a) => cluster.setLabels(...a),
    waitForProgrammed: (...a) => cluster.waitForProgrammed(...a),
  };
}

/** The registry of configured clusters (`WAYPOINTER_CLUSTERS`). */
export function configuredClusters(
  clusters: Readonly<Record<string, ClusterConfig>>,
  options: KubernetesClusterOptions = {},
): ClusterRegistry {
  const built: Record<string, Cluster> = {};
  for (const [name, config] of Object.entries(clusters)) {
    const cluster =
      'eks' in config
        ? new LazyCluster(() =>
            KubernetesCluster.fromEks(
              config.eks.name,
              config.eks.region,
              new EksTokenSource({
                clusterName: config.eks.name,
                region: config.eks.region,
                credentials: fromNodeProviderChain(),
              }),
              options,
            ),
          )
        : KubernetesCluster.fromKubeconfig(config.kubeconfig, config.context, options);
    built[name] =
      config.istioVersion === undefined ? cluster : withIstioVersion(cluster, config.istioVersion);
  }
  return new StaticClusterRegistry(built);
}
