/**
 * Which Gateways are usable waypoints, and whom they accept.
 *
 * A port of istio/istio `pilot/pkg/serviceregistry/ambient/waypoints.go` (1.30.3):
 * `WaypointsCollection`, `makeWaypoint`, `makeInboundBinding`, `makeAllowedRoutes`,
 * `findBoundListener`, `makeWaypointSelector`, `AllowsAttachmentFromNamespace[OrLookup]`.
 */
import {
  matchesSelector,
  type Selector,
  selectorFromLabelSelector,
} from '@waypointer/apimachinery/label-selector';
import { atLeast, DEFAULT_ISTIO_VERSION, type IstioVersion } from './istio-version.ts';
import {
  AGENTGATEWAY_WAYPOINT_CLASS,
  AGENTGATEWAY_WAYPOINT_CONTROLLER_NAME,
  INBOUND_BINDING,
  MESH_CONTROLLER_NAME,
  WAYPOINT_CLASS,
  WAYPOINT_FOR,
} from './labels.ts';
import type {
  Gateway,
  GatewayClass,
  GatewayCondition,
  Listener,
  Namespace,
  StringMap,
} from './model.ts';

/** A Gateway's `allowedRoutes.namespaces` on the listener ztunnel uses, resolved. */
export interface AllowedRoutes {
  /** `All`, `Selector`, `Same`, or whatever the listener says; anything else behaves as `Same`. */
  readonly from: string;
  /** For `Selector`: null when the selector is missing or invalid, which admits nothing. */
  readonly selector: Selector | null;
}

/** A Gateway that has `status.addresses`, and so can be bound to (rule W1). */
export interface Waypoint {
  readonly namespace: string;
  readonly name: string;
  /** `istio.io/waypoint-for` of the Gateway, else of its GatewayClass, else `service` (W5). */
  readonly trafficType: string;
  readonly allowedRoutes: AllowedRoutes;
}

/** Usable waypoints by `namespace/name`. */
export type WaypointIndex = ReadonlyMap<string, Waypoint>;

const SAME: AllowedRoutes = { from: 'Same', selector: null };

interface InboundBinding {
  readonly protocol: 'NONE' | 'PROXY';
  readonly port: number;
}

const MAX_UINT32 = 0xffffffff;

/**
 * `uint32(strconv.ParseUint(text, 10, 32))` as istiod keeps it, error or not: 0 for a syntax error
 * (or no port), the largest uint32 when the number is out of range.
 */
function parsePort(text: string | undefined): number {
  if (text === undefined || !/^\d+$/.test(text)) return 0;
  const value = Number(text);
  return Math.min(value, MAX_UINT32);
}

/** `makeInboundBinding`: the annotation on the Gateway, else on its class; `proto` or `proto/port`. */
function inboundBinding(
  gateway: Gateway,
  gatewayClass: GatewayClass | undefined,
): InboundBinding | null {
  const value =
    gateway.metadata.annotations?.[INBOUND_BINDING] ??
    gatewayClass?.metadata.annotations?.[INBOUND_BINDING];
  if (value === undefined) return null;
  const parts = value.split('/');
  if (parts.length > 2) return null;
  const protocol = parts[0];
  if (protocol !== 'NONE' && protocol !== 'PROXY') return null;
  return { protocol, port: parsePort(parts[1]) };
}

function selectorOf(listener: Listener): AllowedRoutes {
  const namespaces = listener.allowedRoutes?.namespaces;
  if (namespaces === undefined || namespaces === null) return SAME;
  let selector: Selector | null;
  try {
    selector = selectorFromLabelSelector(namespaces.selector ?? null);
  } catch {
    // LabelSelectorAsSelector failed: istiod keeps a nil selector, which admits nothing.
    selector = null;
  }
  return { from: namespaces.from ?? 'Same', selector };
}

/** `makeAllowedRoutes`: the inbound-binding listener if any, else the HBONE/15008 one, else Same. */
export function allowedRoutesOf(gateway: Gateway, gatewayClass?: GatewayClass): AllowedRoutes {
  const binding = inboundBinding(gateway, gatewayClass);
  const listeners = gateway.spec.listeners;
  if (binding !== null) {
    const bound =
      binding.port !== 0
        ? listeners.find((l) => l.port === binding.port)
        : binding.protocol === 'PROXY'
          ? listeners.find((l) => l.protocol === 'istio.io/PROXY')
          : undefined;
    if (bound !== undefined) return selectorOf(bound);
  }
  const hbone = listeners.find((l) => l.protocol === 'HBONE' && l.port === 15008);
  return hbone === undefined ? SAME : selectorOf(hbone);
}

/** Traffic type precedence (W5): Gateway label > GatewayClass label > `service`. No validation. */
export function trafficTypeOf(gateway: Gateway, gatewayClass?: GatewayClass): string {
  return (
    gateway.metadata.labels?.[WAYPOINT_FOR] ??
    gatewayClass?.metadata.labels?.[WAYPOINT_FOR] ??
    'service'
  );
}

/** Readiness as istiod sees it (W1): `status.addresses` is non-empty. `Programmed` is not read. */
export function isReady(gateway: Gateway): boolean {
  return (gateway.status?.addresses?.length ?? 0) > 0;
}

/**
 * The Gateway's `Programmed` condition, if istiod wrote one. Programmed is for display and waits
 * (W3); binding reads `status.addresses` ({@link isReady}).
 */
export function programmedCondition(gateway: Gateway): GatewayCondition | undefined {
  return gateway.status?.conditions?.find((c) => c.type === 'Programmed');
}

/**
 * The `Programmed` condition's status (`True`, `False`, `Unknown`), `False` when absent: what
 * istioctl shows, and what `apply --wait` waits to be `True`.
 *
 * @example
 * programmedStatus(gateway) === 'True' // the waypoint is ready (istioctl waypoint status)
 */
export function programmedStatus(gateway: Gateway): string {
  return programmedCondition(gateway)?.status ?? 'False';
}

/** Every usable waypoint, whatever its class (W4), keyed `namespace/name`. */
export function indexWaypoints(
  gateways: readonly Gateway[],
  gatewayClasses: readonly GatewayClass[],
): WaypointIndex {
  const classes = new Map(gatewayClasses.map((c) => [c.metadata.name, c]));
  const index = new Map<string, Waypoint>();
  for (const gateway of gateways) {
    if (!isReady(gateway)) continue;
    const gatewayClass = classes.get(gateway.spec.gatewayClassName);
    const namespace = gateway.metadata.namespace ?? '';
    index.set(`${namespace}/${gateway.metadata.name}`, {
      namespace,
      name: gateway.metadata.name,
      trafficType: trafficTypeOf(gateway, gatewayClass),
      allowedRoutes: allowedRoutesOf(gateway, gatewayClass),
    });
  }
  return index;
}

/**
 * Whether `waypoint` accepts objects of namespace `namespaceName` (rules A1-A5).
 * `namespaceLabels` is undefined when the Namespace object is unknown: a Selector then denies.
 */
export function allowsAttachment(
  waypoint: Waypoint,
  namespaceName: string,
  namespaceLabels: StringMap | undefined,
): boolean {
  const { from, selector } = waypoint.allowedRoutes;
  if (from === 'All') return true;
  if (from === 'Selector') {
    return selector !== null && namespaceLabels !== undefined
      ? matchesSelector(selector, namespaceLabels)
      : false;
  }
  return waypoint.namespace === namespaceName;
}

/** Labels of each Namespace by name. */
export function namespaceLabelsByName(
  namespaces: readonly Namespace[],
): ReadonlyMap<string, StringMap> {
  return new Map(namespaces.map((n) => [n.metadata.name, n.metadata.labels ?? {}]));
}

/**
 * A waypoint class: `istio-waypoint` or, from Istio 1.31, `istio-agentgateway-waypoint` (W8), or a
 * class of either controller, or one labelled for traffic.
 */
export function isWaypointClass(
  name: string,
  classes: readonly GatewayClass[],
  istioVersion: IstioVersion = DEFAULT_ISTIO_VERSION,
): boolean {
  const agentgateway = atLeast(istioVersion, '1.31');
  if (name === WAYPOINT_CLASS || (agentgateway && name === AGENTGATEWAY_WAYPOINT_CLASS))
    return true;
  const found = classes.find((c) => c.metadata.name === name);
  const controller = found?.spec?.controllerName;
  return (
    found !== undefined &&
    (found.metadata.labels?.[WAYPOINT_FOR] !== undefined ||
      controller === MESH_CONTROLLER_NAME ||
      (agentgateway && controller === AGENTGATEWAY_WAYPOINT_CONTROLLER_NAME))
  );
}
