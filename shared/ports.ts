/**
 * The interfaces the use cases need from the outside world. Adapters in `shared/adapters`
 * implement them; the composition root of each function builds one of each.
 */
import type { ClusterSnapshot, Gateway, Namespace } from './domain/model.ts';

/** What a label change targets. */
export type LabelTarget =
  | { readonly kind: 'namespace'; readonly name: string }
  | { readonly kind: 'service'; readonly namespace: string; readonly name: string }
  | { readonly kind: 'pods'; readonly namespace: string; readonly names: readonly string[] }
  | { readonly kind: 'pods'; readonly namespace: string; readonly selector: string };

/** Labels to set (a string) or remove (null). */
export type LabelChanges = Readonly<Record<string, string | null>>;

/** A Kubernetes cluster, as waypointer reads and changes it. */
export interface Cluster {
  /**
   * Everything the binding rules need about one namespace, in a constant number of requests
   * whatever its pod count: the Namespace, its Services, only its pods that carry
   * `istio.io/use-waypoint` or `gateway.networking.k8s.io/gateway-name`, every Gateway and
   * GatewayClass (waypoints may serve other namespaces).
   */
  namespaceSnapshot(namespace: string): Promise<ClusterSnapshot>;
  /** The same for the whole cluster, read in pages. */
  clusterSnapshot(): Promise<ClusterSnapshot>;
  getNamespace(name: string): Promise<Namespace | null>;
  getGateway(namespace: string, name: string): Promise<Gateway | null>;
  listGateways(namespace?: string): Promise<Gateway[]>;
  /** Server-side apply of a Gateway manifest with field manager `waypointer`. */
  applyGateway(
    manifest: Record<string, unknown>,
    options?: { readonly force?: boolean; readonly dryRun?: boolean },
  ): Promise<Gateway>;
  /** Deletes a Gateway; false when it did not exist. */
  deleteGateway(
    namespace: string,
    name: string,
    options?: { readonly dryRun?: boolean },
  ): Promise<boolean>;
  /** Sets and removes labels (JSON merge patch); returns the names of the objects changed. */
  setLabels(
    target: LabelTarget,
    labels: LabelChanges,
    options?: { readonly dryRun?: boolean },
  ): Promise<string[]>;
  /** Resolves with the Gateway once its `Programmed` condition is True; rejects after the timeout. */
  waitForProgrammed(namespace: string, name: string, timeoutMs: number): Promise<Gateway>;
}
