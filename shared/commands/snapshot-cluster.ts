/**
 * A cluster read from a file (`-f FILE`: what `kubectl get namespaces,services,pods,gateways,
 * gatewayclasses -A -o json` prints), for the command line's read-only commands and previews:
 * `bindings`, `list`, `status`, `explain`, `plan` and `--dry-run` mutations. Changing it is refused.
 */
import { NotFoundError } from '../domain/errors.ts';
import type { ClusterSnapshot, Gateway, Namespace, Pod } from '../domain/model.ts';
import { type LabelTarget, selectPods } from '../domain/plan.ts';
import type { Cluster } from '../ports.ts';
import { UsageError } from './grammar.ts';

function readOnly(): never {
  throw new UsageError(
    '-f FILE is a snapshot: it can be read and previewed (plan, --dry-run), not changed',
  );
}

/** The Cluster port over a snapshot in memory. */
export class SnapshotCluster implements Cluster {
  readonly #snapshot: ClusterSnapshot;

  constructor(snapshot: ClusterSnapshot) {
    this.#snapshot = snapshot;
  }

  async namespaceSnapshot(namespace: string): Promise<ClusterSnapshot> {
    const s = this.#snapshot;
    const inside = <T extends { metadata: { namespace?: string | undefined } }>(
      list: readonly T[],
    ): T[] => list.filter((o) => o.metadata.namespace === namespace);
    return {
      namespaces: s.namespaces.filter((n) => n.metadata.name === namespace),
      services: inside(s.services),
      pods: inside(s.pods),
      gateways: s.gateways,
      gatewayClasses: s.gatewayClasses,
      serviceEntries: inside(s.serviceEntries ?? []),
      workloadEntries: inside(s.workloadEntries ?? []),
      meshConfig: s.meshConfig ?? null,
      peerNamespaces: s.namespaces.filter((n) => n.metadata.name !== namespace),
      ...(s.istioVersion === undefined ? {} : { istioVersion: s.istioVersion }),
    };
  }

  async clusterSnapshot(): Promise<ClusterSnapshot> {
    return this.#snapshot;
  }

  async getNamespace(name: string): Promise<Namespace | null> {
    return this.#snapshot.namespaces.find((n) => n.metadata.name === name) ?? null;
  }

  async podsOf(target: LabelTarget & { kind: 'pods' }): Promise<Pod[]> {
    return [...selectPods(this.#snapshot, target)];
  }

  async existingPods(namespace: string, names: readonly string[]): Promise<Pod[]> {
    const wanted = new Set(names);
    return this.#snapshot.pods.filter(
      (p) => p.metadata.namespace === namespace && wanted.has(p.metadata.name),
    );
  }

  async getGateway(namespace: string, name: string): Promise<Gateway | null> {
    return (
      this.#snapshot.gateways.find(
        (g) => g.metadata.namespace === namespace && g.metadata.name === name,
      ) ?? null
    );
  }

  async listGateways(namespace?: string): Promise<Gateway[]> {
    return this.#snapshot.gateways.filter(
      (g) => namespace === undefined || g.metadata.namespace === namespace,
    );
  }

  applyGateway(): Promise<Gateway> {
    return readOnly();
  }

  deleteGateway(): Promise<boolean> {
    return readOnly();
  }

  setLabels(): Promise<string[]> {
    return readOnly();
  }

  async waitForProgrammed(namespace: string, name: string): Promise<Gateway> {
    const gateway = await this.getGateway(namespace, name);
    if (gateway === null) throw new NotFoundError(`waypoint ${namespace}/${name} not found`);
    return gateway;
  }
}
