/**
 * `istioctl waypoint generate`: the waypoint Gateway and its YAML, byte for byte.
 * Port of istio/istio 1.30.3 `istioctl/pkg/waypoint/waypoint.go` (`makeGateway`, the generate command).
 */
import { ValidationError } from './errors.ts';
import { type GoYamlValue, marshalGoYaml } from './go-yaml.ts';
import {
  DEFAULT_WAYPOINT_NAME,
  REVISION,
  TRAFFIC_TYPES,
  WAYPOINT_CLASS,
  WAYPOINT_FOR,
} from './labels.ts';
import type { Gateway } from './model.ts';

/** The flags of `istioctl waypoint generate`. Empty strings mean "not given", as in istioctl. */
export interface GenerateOptions {
  /** `-n`: omitted from the output when not given. */
  readonly namespace?: string;
  /** `--name`: `waypoint` when empty; `none` is reserved. */
  readonly name?: string;
  /** `--for`: `service`, `workload`, `all` or `none`; no label when empty. */
  readonly for?: string;
  /** `-r/--revision`: the `istio.io/rev` label when given. */
  readonly revision?: string;
}

/**
 * The Gateway istioctl builds. Throws a {@link ValidationError} with istioctl's message for the
 * reserved name `none` (checked first) and for an unknown traffic type.
 *
 * @example
 * generateWaypoint({ namespace: 'default', for: 'service' }).metadata.labels
 * // => { 'istio.io/waypoint-for': 'service' }
 */
export function generateWaypoint(options: GenerateOptions = {}): Gateway {
  const name =
    options.name === undefined || options.name === '' ? DEFAULT_WAYPOINT_NAME : options.name;
  if (name === 'none') {
    throw new ValidationError("invalid name provided for waypoint, 'none' is a reserved value", [
      { path: 'name', message: "'none' is a reserved value" },
    ]);
  }
  const labels: Record<string, string> = {};
  const trafficType = options.for ?? '';
  if (trafficType !== '') {
    if (!(TRAFFIC_TYPES as readonly string[]).includes(trafficType)) {
      const message = `invalid traffic type: ${trafficType}. Valid options are: [${TRAFFIC_TYPES.join(' ')}]`;
      throw new ValidationError(message, [
        { path: 'for', message: `must be one of ${TRAFFIC_TYPES.join(', ')}` },
      ]);
    }
    labels[WAYPOINT_FOR] = trafficType;
  }
  if (options.revision !== undefined && options.revision !== '')
    labels[REVISION] = options.revision;
  const namespace = options.namespace ?? '';
  return {
    metadata: {
      name,
      ...(namespace === '' ? {} : { namespace }),
      ...(Object.keys(labels).length === 0 ? {} : { labels }),
    },
    spec: {
      gatewayClassName: WAYPOINT_CLASS,
      listeners: [{ name: 'mesh', port: 15008, protocol: 'HBONE' }],
    },
  };
}

/** The Gateway as a Kubernetes manifest (apiVersion and kind first, as applied). */
export function waypointManifest(gateway: Gateway): Record<string, GoYamlValue> {
  const { name, namespace, labels } = gateway.metadata;
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: {
      name,
      ...(namespace === undefined ? {} : { namespace }),
      ...(labels === undefined ? {} : { labels: { ...labels } }),
    },
    spec: {
      gatewayClassName: gateway.spec.gatewayClassName,
      listeners: gateway.spec.listeners.map((l) => ({
        name: l.name,
        port: l.port,
        protocol: l.protocol,
      })),
    },
  };
}

/**
 * What `istioctl waypoint generate` prints: `sigs.k8s.io/yaml.Marshal` of the Gateway without the
 * `creationTimestamp: null` and `status: {}` lines.
 */
export function renderWaypointYaml(gateway: Gateway): string {
  return marshalGoYaml(waypointManifest(gateway));
}
