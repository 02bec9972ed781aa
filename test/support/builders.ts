/**
 * Small builders for the Kubernetes objects the binding rules read, for table tests.
 */
import type {
  Gateway,
  GatewayClass,
  Listener,
  Namespace,
  Pod,
  Service,
} from '../../shared/domain/model.ts';

type Labels = Record<string, string>;

export function namespace(name: string, labels: Labels = {}): Namespace {
  return { metadata: { name, labels: { 'kubernetes.io/metadata.name': name, ...labels } } };
}

export function service(ns: string, name: string, labels: Labels = {}, type?: string): Service {
  return {
    metadata: { name, namespace: ns, labels },
    ...(type === undefined ? {} : { spec: { type } }),
  };
}

export function pod(ns: string, name: string, labels: Labels = {}): Pod {
  return { metadata: { name, namespace: ns, labels } };
}

export interface GatewayOptions {
  readonly ready?: boolean;
  readonly programmed?: boolean;
  readonly labels?: Labels;
  readonly annotations?: Labels;
  readonly className?: string;
  readonly listeners?: readonly Listener[];
}

export const HBONE: Listener = { name: 'mesh', port: 15008, protocol: 'HBONE' };

export function hbone(allowedRoutes: Listener['allowedRoutes']): Listener {
  return { ...HBONE, allowedRoutes };
}

export function gateway(ns: string, name: string, options: GatewayOptions = {}): Gateway {
  const ready = options.ready ?? true;
  const programmed = options.programmed ?? ready;
  return {
    metadata: {
      name,
      namespace: ns,
      ...(options.labels === undefined ? {} : { labels: options.labels }),
      ...(options.annotations === undefined ? {} : { annotations: options.annotations }),
    },
    spec: {
      gatewayClassName: options.className ?? 'istio-waypoint',
      listeners: options.listeners ?? [HBONE],
    },
    status: {
      ...(ready
        ? { addresses: [{ type: 'Hostname', value: `${name}.${ns}.svc.cluster.local` }] }
        : {}),
      conditions: [{ type: 'Programmed', status: programmed ? 'True' : 'False' }],
    },
  };
}

export function gatewayClass(
  name: string,
  labels: Labels = {},
  annotations?: Labels,
): GatewayClass {
  return { metadata: { name, labels, ...(annotations === undefined ? {} : { annotations }) } };
}
