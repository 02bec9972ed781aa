/**
 * The Kubernetes objects the binding rules read, reduced to the fields that matter.
 *
 * Anything else an input carries (spec.containers, status.podIP, managedFields...) is dropped at
 * the edge by the schemas in `shared/schemas`, so the engine works on small, plain data.
 */

import type { LabelSelector } from '@waypointer/apimachinery/label-selector';
import { DEFAULT_ISTIO_VERSION, type IstioVersion } from './istio-version.ts';

export type { LabelSelector };

/** Labels or annotations of an object. */
export type StringMap = Readonly<Record<string, string>>;

export interface ObjectMeta {
  readonly name: string;
  readonly namespace?: string;
  /** When the object was created (RFC 3339; client-node may hand a Date). */
  readonly creationTimestamp?: string | Date;
  readonly labels?: StringMap;
  readonly annotations?: StringMap;
}

export interface Namespace {
  readonly metadata: ObjectMeta;
}

/** A status condition as the API server returns it (`metav1.Condition`). */
export interface ObjectCondition {
  readonly type: string;
  readonly status: string;
  readonly reason?: string;
  readonly message?: string;
}

export interface Service {
  readonly metadata: ObjectMeta;
  readonly spec?: { readonly type?: string };
  /** The conditions istiod wrote (`istio.io/WaypointBound`), when they were read. */
  readonly status?: { readonly conditions?: readonly ObjectCondition[] | null } | null;
}

export interface Pod {
  readonly metadata: ObjectMeta;
  /** Read only where pods are read whole (a `-f` snapshot); a metadata-only read has none. */
  readonly spec?: { readonly hostNetwork?: boolean | null } | null;
  readonly status?: {
    readonly phase?: string | null;
    readonly podIP?: string | null;
    readonly podIPs?: readonly { readonly ip: string }[] | null;
  } | null;
}

export interface Listener {
  readonly name: string;
  readonly port: number;
  readonly protocol: string;
  readonly allowedRoutes?: {
    readonly namespaces?: {
      readonly from?: string;
      readonly selector?: LabelSelector | null;
    } | null;
  } | null;
}

export interface GatewayCondition {
  readonly type: string;
  readonly status: string;
  readonly reason?: string;
  readonly message?: string;
}

export interface Gateway {
  readonly metadata: ObjectMeta;
  readonly spec: {
    readonly gatewayClassName: string;
    readonly listeners: readonly Listener[];
  };
  readonly status?: {
    readonly addresses?: readonly { readonly type?: string; readonly value: string }[];
    readonly conditions?: readonly GatewayCondition[];
  };
}

export interface GatewayClass {
  readonly metadata: ObjectMeta;
  readonly spec?: { readonly controllerName?: string };
}

/** An inline endpoint of a ServiceEntry (`spec.endpoints[]`, a WorkloadEntry spec). */
export interface ServiceEntryEndpoint {
  readonly address?: string;
  readonly labels?: StringMap;
}

/** A `networking.istio.io/v1` ServiceEntry: the fields the binding rules read. */
export interface ServiceEntry {
  readonly metadata: ObjectMeta;
  readonly spec: {
    readonly hosts: readonly string[];
    /** `NONE`, `STATIC`, `DNS`, `DNS_ROUND_ROBIN` or `DYNAMIC_DNS`; absent is `NONE`. */
    readonly resolution?: string;
    readonly endpoints?: readonly ServiceEntryEndpoint[];
    readonly workloadSelector?: { readonly labels?: StringMap } | null;
  };
}

/** A `networking.istio.io/v1` WorkloadEntry: the fields the binding rules read. */
export interface WorkloadEntry {
  readonly metadata: ObjectMeta;
  readonly spec?: {
    readonly address?: string;
    /** Merged under `metadata.labels` (§15 E1). */
    readonly labels?: StringMap;
  };
}

/** `serviceEntryVisibility` of MeshConfig: policies in order, then the default (§15 M5). */
export interface ServiceEntryVisibility {
  readonly defaultVisibility?: string;
  readonly policies?: readonly {
    readonly visibility?: string;
    readonly matchingRules?: readonly { readonly namespaceSelector?: LabelSelector | null }[];
  }[];
}

/** What istiod reads of its MeshConfig and revision (§15 M1-M5). */
export interface MeshConfig {
  /** Namespaces istiod discovers: any selector matching; none or empty means every namespace. */
  readonly discoverySelectors: readonly LabelSelector[];
  /** Absent: every ServiceEntry is Public and no `VisibilityApplied` condition is written. */
  readonly serviceEntryVisibility: ServiceEntryVisibility | null;
  /** istiod's revision; '' means no revision filter. */
  readonly revision: string;
}

/** Everything the binding engine reads: one cluster, or a part of one. */
export interface ClusterSnapshot {
  readonly namespaces: readonly Namespace[];
  readonly services: readonly Service[];
  readonly pods: readonly Pod[];
  readonly gateways: readonly Gateway[];
  readonly gatewayClasses: readonly GatewayClass[];
  /** Absent where they were not read (no ServiceEntries for the rules). */
  readonly serviceEntries?: readonly ServiceEntry[];
  readonly workloadEntries?: readonly WorkloadEntry[];
  /** Absent or null: istiod's defaults (every namespace, no revision, Public ServiceEntries). */
  readonly meshConfig?: MeshConfig | null;
  /**
   * Namespaces besides `namespaces` whose labels decide what istiod discovers: a namespace's
   * snapshot carries every other Namespace here when the MeshConfig has discovery selectors.
   */
  readonly peerNamespaces?: readonly Namespace[];
  /** The Istio version the cluster runs, whose rules apply (default {@link DEFAULT_ISTIO_VERSION}). */
  readonly istioVersion?: IstioVersion;
}

/** The Istio version whose binding rules apply to `snapshot`. */
export function istioVersionOf(snapshot: ClusterSnapshot): IstioVersion {
  return snapshot.istioVersion ?? DEFAULT_ISTIO_VERSION;
}
