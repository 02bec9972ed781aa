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

/** Everything the binding engine reads: one cluster, or a part of one. */
export interface ClusterSnapshot {
  readonly namespaces: readonly Namespace[];
  readonly services: readonly Service[];
  readonly pods: readonly Pod[];
  readonly gateways: readonly Gateway[];
  readonly gatewayClasses: readonly GatewayClass[];
  /** The Istio version the cluster runs, whose rules apply (default {@link DEFAULT_ISTIO_VERSION}). */
  readonly istioVersion?: IstioVersion;
}

/** The Istio version whose binding rules apply to `snapshot`. */
export function istioVersionOf(snapshot: ClusterSnapshot): IstioVersion {
  return snapshot.istioVersion ?? DEFAULT_ISTIO_VERSION;
}
