/**
 * Canary waypoints (Istio 1.31+): a second waypoint that takes a weighted share of a Service's (or
 * ServiceEntry's) service-addressed connections, beside its primary waypoint.
 *
 * A port of istio/istio 1.31.0-rc.0 `pilot/pkg/serviceregistry/ambient/waypoints.go`
 * `getUseWaypointCanary` (L236-255), `getCanaryWeight` (L257-272), `resolveCanaryWaypoint`
 * (L274-293) and `buildWeightedWaypoints` (L295-339). Rule ids (N1-N9) refer to
 * docs/istio-semantics.md §5.1. Pure: the caller hands in the object, its Namespace and the
 * waypoints; nothing is read here.
 */
import {
  USE_WAYPOINT,
  USE_WAYPOINT_CANARY,
  USE_WAYPOINT_CANARY_NAMESPACE,
  USE_WAYPOINT_CANARY_WEIGHT,
} from './labels.ts';
import type { StringMap } from './model.ts';
import {
  attachmentDenied,
  type BindingError,
  canaryInvalidWeight,
  canarySameAsPrimary,
  formatRef,
  notReady,
  unsupportedTrafficType,
  type WaypointRef,
} from './status.ts';
import { allowsAttachment, type WaypointIndex } from './waypoints.ts';

/** The canary of a binding: the second waypoint and its share of connections (0-100). */
export interface Canary {
  readonly waypoint: WaypointRef;
  /** The canary's share in percent; the primary takes `100 - weight`. */
  readonly weight: number;
}

/** The labels and annotations of an object or of a Namespace. */
export interface CanaryMeta {
  readonly labels?: StringMap | undefined;
  readonly annotations?: StringMap | undefined;
}

/** What {@link resolveCanary} reads. */
export interface CanaryInput {
  /** The Service or ServiceEntry: its namespace, labels and annotations. */
  readonly object: CanaryMeta & { readonly namespace: string };
  /** The object's Namespace object, undefined when it is unknown. */
  readonly namespace: CanaryMeta | undefined;
  /** The primary waypoint the object is bound to (after every check of the primary). */
  readonly primary: WaypointRef;
  readonly waypoints: WaypointIndex;
  /** Labels of a Namespace by name (for a canary whose allowedRoutes use a Selector). */
  readonly namespaceLabels: (name: string) => StringMap | undefined;
}

/**
 * No canary is asked for; a canary that applies; or one that does not, with the error istiod
 * keeps (its message is appended to the accepted condition, N8).
 */
export type CanaryResolution =
  | { readonly kind: 'none' }
  | { readonly kind: 'canary'; readonly canary: Canary }
  | { readonly kind: 'failed'; readonly waypoint: WaypointRef; readonly error: BindingError };

const NONE: CanaryResolution = { kind: 'none' };

/**
 * `getUseWaypointCanary` (N2, N3): the canary label of the object, else (when `namespace` is given)
 * of its Namespace; the canary namespace label is read from the level that carries the canary.
 * `""` and `none` mean no canary.
 */
export function canaryRef(
  object: CanaryMeta & { readonly namespace: string },
  namespace: CanaryMeta | undefined,
): WaypointRef | null {
  let labels = object.labels;
  if (labels?.[USE_WAYPOINT_CANARY] === undefined && namespace !== undefined) {
    if (namespace.labels?.[USE_WAYPOINT_CANARY] !== undefined) labels = namespace.labels;
  }
  const name = labels?.[USE_WAYPOINT_CANARY];
  if (name === undefined || name === '' || name === 'none') return null;
  return { namespace: labels?.[USE_WAYPOINT_CANARY_NAMESPACE] ?? object.namespace, name };
}

/** Go's `strconv.Atoi` over the values a weight can sensibly hold: an optional sign, then digits. */
const ATOI = /^[+-]?[0-9]+$/;

/**
 * `getCanaryWeight` (N4): the object's annotation, else its Namespace's; absent is 0. `Atoi`, then
 * 0-100; null when the value is invalid.
 *
 * @example
 * canaryWeight({ annotations: { 'istio.io/use-waypoint-canary-weight': '+05' } }, undefined); // 5
 */
export function canaryWeight(object: CanaryMeta, namespace: CanaryMeta | undefined): number | null {
  const value =
    object.annotations?.[USE_WAYPOINT_CANARY_WEIGHT] ??
    namespace?.annotations?.[USE_WAYPOINT_CANARY_WEIGHT];
  if (value === undefined) return 0;
  if (!ATOI.test(value)) return null;
  const weight = Number(value);
  if (weight < 0 || weight > 100) return null;
  return weight === 0 ? 0 : weight;
}

/**
 * `buildWeightedWaypoints` (N1-N7), for an object whose primary waypoint is bound: the canary it
 * asks for, in Istio's check order: canary reference (the object's own, or its Namespace's when the
 * primary is inherited), same as the primary, weight, then the primary's checks on the canary
 * (ready, allowedRoutes, service traffic).
 *
 * @example
 * resolveCanary({ object, namespace, primary: { namespace: 'ns', name: 'waypoint' }, waypoints, namespaceLabels });
 * // => { kind: 'canary', canary: { waypoint: { namespace: 'ns', name: 'canary' }, weight: 5 } }
 */
export function resolveCanary(input: CanaryInput): CanaryResolution {
  const { object, primary } = input;
  // N2: the Namespace's canary attributes count only when the primary is inherited from it.
  const inherited = object.labels?.[USE_WAYPOINT] === undefined ? input.namespace : undefined;
  const ref = canaryRef(object, inherited);
  if (ref === null) return NONE;
  if (formatRef(ref) === formatRef(primary)) {
    return { kind: 'failed', waypoint: ref, error: canarySameAsPrimary(ref) };
  }
  const weight = canaryWeight(object, inherited);
  if (weight === null) return { kind: 'failed', waypoint: ref, error: canaryInvalidWeight(ref) };
  const waypoint = input.waypoints.get(formatRef(ref));
  if (waypoint === undefined) return { kind: 'failed', waypoint: ref, error: notReady(ref) };
  if (!allowsAttachment(waypoint, object.namespace, input.namespaceLabels(object.namespace))) {
    return { kind: 'failed', waypoint: ref, error: attachmentDenied(ref) };
  }
  if (waypoint.trafficType !== 'service' && waypoint.trafficType !== 'all') {
    return { kind: 'failed', waypoint: ref, error: unsupportedTrafficType(ref, 'service') };
  }
  return { kind: 'canary', canary: { waypoint: ref, weight } };
}
