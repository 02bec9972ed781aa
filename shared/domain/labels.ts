/**
 * Label names and constant values Istio uses for ambient waypoints.
 * Source: istio/api `label/labels.yaml` and istio/istio `pkg/config/constants/constants.go` (1.30.3).
 */

export const USE_WAYPOINT = 'istio.io/use-waypoint';
export const USE_WAYPOINT_NAMESPACE = 'istio.io/use-waypoint-namespace';
export const WAYPOINT_FOR = 'istio.io/waypoint-for';
export const DATAPLANE_MODE = 'istio.io/dataplane-mode';
export const REVISION = 'istio.io/rev';
export const INGRESS_USE_WAYPOINT = 'istio.io/ingress-use-waypoint';
export const GATEWAY_MANAGED = 'gateway.istio.io/managed';
export const GATEWAY_NAME = 'gateway.networking.k8s.io/gateway-name';
export const INBOUND_BINDING = 'ambient.istio.io/waypoint-inbound-binding';
/** Label (1.31+, alpha): a second, canary waypoint of a Service, ServiceEntry or Namespace. */
export const USE_WAYPOINT_CANARY = 'istio.io/use-waypoint-canary';
/** Label (1.31+, alpha): the canary waypoint's namespace, read beside the canary label. */
export const USE_WAYPOINT_CANARY_NAMESPACE = 'istio.io/use-waypoint-canary-namespace';
/** Annotation (1.31+, alpha): the canary's share of connections, an integer in [0,100]. */
export const USE_WAYPOINT_CANARY_WEIGHT = 'istio.io/use-waypoint-canary-weight';

/** `ManagedGatewayMeshControllerLabel`: stamped on everything istiod deploys for a waypoint. */
export const MESH_CONTROLLER = 'istio.io-mesh-controller';
/** `ManagedGatewayEastWestControllerLabel`: east-west gateways are exempt from binding (1.27+). */
export const EAST_WEST_CONTROLLER = 'istio.io-eastwest-controller';

/** The Gateway API group. */
export const GATEWAY_GROUP = 'gateway.networking.k8s.io';
/** The API group of ServiceEntries and WorkloadEntries. */
export const ISTIO_NETWORKING_GROUP = 'networking.istio.io';
/** The MeshConfig ConfigMap istiod reads: `istio` (or `istio-<revision>`) in `istio-system`. */
export const MESH_CONFIG_NAMESPACE = 'istio-system';
export const MESH_CONFIG_NAME = 'istio';

export const WAYPOINT_CLASS = 'istio-waypoint';
/** The `controllerName` of the GatewayClasses istiod deploys waypoints for. */
export const MESH_CONTROLLER_NAME = 'istio.io/mesh-controller';
/** `AgentgatewayWaypointClassName` (1.31): agentgateway as a waypoint. */
export const AGENTGATEWAY_WAYPOINT_CLASS = 'istio-agentgateway-waypoint';
/** `ManagedAgentgatewayWaypointController`: the controller of that class. */
export const AGENTGATEWAY_WAYPOINT_CONTROLLER_NAME = 'istio.io/agentgateway-waypoint-controller';
/**
 * `ManagedAgentgatewayWaypointControllerLabel`: stamped on what istiod deploys for an agentgateway
 * waypoint; unlike {@link MESH_CONTROLLER} it does not exempt a Service from binding (W8).
 */
export const AGENTGATEWAY_WAYPOINT_CONTROLLER = 'istio.io-agentgateway-waypoint-controller';
export const DEFAULT_WAYPOINT_NAME = 'waypoint';
export const DATAPLANE_MODE_AMBIENT = 'ambient';
/** The `use-waypoint` value that opts an object out; only this exact string. */
export const NO_WAYPOINT = 'none';

/** The traffic types `istio.io/waypoint-for` documents. */
export const TRAFFIC_TYPES = ['all', 'none', 'service', 'workload'] as const;
export type TrafficType = (typeof TRAFFIC_TYPES)[number];

/** Which traffic a binding is about: service-addressed (VIP) or workload-addressed (pod IP). */
export type Traffic = 'service' | 'workload';

/** Namespaces the product refuses to touch unless a policy allows it. */
export const PROTECTED_NAMESPACES: readonly string[] = [
  'kube-system',
  'istio-system',
  'kube-public',
  'kube-node-lease',
];
