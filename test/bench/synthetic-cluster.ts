/**
 * A deterministic synthetic cluster, shaped like `kubectl get ... -A -o json` output, for benchmarks.
 *
 * Objects carry what a real API server returns (uids, timestamps, owner references, container
 * specs, status), so that parsing them costs what parsing a real cluster costs.
 */

export interface SyntheticSize {
  readonly namespaces: number;
  readonly services: number;
  readonly pods: number;
  readonly waypoints: number;
  /** Share of pods that carry their own `istio.io/use-waypoint` label. */
  readonly labelledPodShare: number;
}

export const SIZE_100K: SyntheticSize = {
  namespaces: 1_000,
  services: 20_000,
  pods: 100_000,
  waypoints: 1_500,
  labelledPodShare: 0.1,
};

/** mulberry32: a small seeded PRNG, so every run builds the same cluster. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const pad = (n: number, width = 4): string => String(n).padStart(width, '0');
const uid = (n: number): string => `6f1c${pad(n, 4)}-0b3e-4d7a-9c21-${pad(n, 12)}`;
const TIME = '2026-11-20T08:00:00Z';

function namespaceObject(name: string, labels: Record<string, string>, i: number): object {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      creationTimestamp: TIME,
      labels: { 'kubernetes.io/metadata.name': name, ...labels },
      name,
      resourceVersion: String(1000 + i),
      uid: uid(i),
    },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  };
}

function serviceObject(
  ns: string,
  name: string,
  labels: Record<string, string>,
  i: number,
): object {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      creationTimestamp: TIME,
      labels: { app: name, ...labels },
      name,
      namespace: ns,
      resourceVersion: String(5000 + i),
      uid: uid(i),
    },
    spec: {
      clusterIP: `10.96.${(i >> 8) & 255}.${i & 255}`,
      clusterIPs: [`10.96.${(i >> 8) & 255}.${i & 255}`],
      internalTrafficPolicy: 'Cluster',
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
      ports: [{ name: 'http', port: 8080, protocol: 'TCP', targetPort: 8080 }],
      selector: { app: name },
      sessionAffinity: 'None',
      type: 'ClusterIP',
    },
    status: { loadBalancer: {} },
  };
}

function podObject(ns: string, app: string, labels: Record<string, string>, i: number): object {
  const hash = (i * 2654435761).toString(16).slice(-10).padStart(10, '7');
  const name = `${app}-${hash}-${pad(i % 100000, 5)}`;
  const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
  const condition = (type: string): object => ({
    lastProbeTime: null,
    lastTransitionTime: TIME,
    status: 'True',
    type,
  });
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      creationTimestamp: TIME,
      generateName: `${app}-${hash}-`,
      labels: { app, 'pod-template-hash': hash, version: 'v1', ...labels },
      name,
      namespace: ns,
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          blockOwnerDeletion: true,
          controller: true,
          kind: 'ReplicaSet',
          name: `${app}-${hash}`,
          uid: uid(i + 7),
        },
      ],
      resourceVersion: String(900000 + i),
      uid: uid(i),
    },
    spec: {
      containers: [
        {
          image: `registry.example.com/${app}:1.4.${i % 10}`,
          imagePullPolicy: 'IfNotPresent',
          name: app,
          ports: [{ containerPort: 8080, protocol: 'TCP' }],
          resources: { limits: { memory: '256Mi' }, requests: { cpu: '100m', memory: '128Mi' } },
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
          volumeMounts: [
            {
              mountPath: '/var/run/secrets/kubernetes.io/serviceaccount',
              name: 'kube-api-access',
              readOnly: true,
            },
          ],
        },
      ],
      dnsPolicy: 'ClusterFirst',
      enableServiceLinks: true,
      nodeName: `ip-10-0-${i % 64}-${i % 200}.eu-west-1.compute.internal`,
      preemptionPolicy: 'PreemptLowerPriority',
      priority: 0,
      restartPolicy: 'Always',
      schedulerName: 'default-scheduler',
      securityContext: {},
      serviceAccount: app,
      serviceAccountName: app,
      terminationGracePeriodSeconds: 30,
      tolerations: [
        {
          effect: 'NoExecute',
          key: 'node.kubernetes.io/not-ready',
          operator: 'Exists',
          tolerationSeconds: 300,
        },
        {
          effect: 'NoExecute',
          key: 'node.kubernetes.io/unreachable',
          operator: 'Exists',
          tolerationSeconds: 300,
        },
      ],
      volumes: [
        {
          name: 'kube-api-access',
          projected: {
            defaultMode: 420,
            sources: [{ serviceAccountToken: { expirationSeconds: 3607, path: 'token' } }],
          },
        },
      ],
    },
    status: {
      conditions: [
        condition('PodReadyToStartContainers'),
        condition('Initialized'),
        condition('Ready'),
        condition('ContainersReady'),
        condition('PodScheduled'),
      ],
      containerStatuses: [
        {
          containerID: `containerd://${hash}${hash}${hash}`,
          image: `registry.example.com/${app}:1.4.${i % 10}`,
          imageID: `registry.example.com/${app}@sha256:${hash}${hash}${hash}${hash}${hash}${hash}`,
          lastState: {},
          name: app,
          ready: true,
          restartCount: 0,
          started: true,
          state: { running: { startedAt: TIME } },
        },
      ],
      hostIP: `10.0.${i % 64}.${i % 200}`,
      hostIPs: [{ ip: `10.0.${i % 64}.${i % 200}` }],
      phase: 'Running',
      podIP: ip,
      podIPs: [{ ip }],
      qosClass: 'Burstable',
      startTime: TIME,
    },
  };
}

function gatewayObject(
  ns: string,
  name: string,
  labels: Record<string, string>,
  ready: boolean,
  from: string,
  i: number,
): object {
  const host = `${name}.${ns}.svc.cluster.local`;
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: {
      creationTimestamp: TIME,
      generation: 1,
      labels,
      name,
      namespace: ns,
      resourceVersion: String(700000 + i),
      uid: uid(i),
    },
    spec: {
      gatewayClassName: 'istio-waypoint',
      listeners: [
        { allowedRoutes: { namespaces: { from } }, name: 'mesh', port: 15008, protocol: 'HBONE' },
      ],
    },
    status: {
      ...(ready ? { addresses: [{ type: 'Hostname', value: host }] } : {}),
      conditions: [
        {
          lastTransitionTime: TIME,
          message: 'Resource accepted',
          observedGeneration: 1,
          reason: 'Accepted',
          status: 'True',
          type: 'Accepted',
        },
        {
          lastTransitionTime: TIME,
          message: ready
            ? `Resource programmed, assigned to service(s) ${host}:15008`
            : 'Waiting for controller',
          observedGeneration: 1,
          reason: ready ? 'Programmed' : 'Pending',
          status: ready ? 'True' : 'False',
          type: 'Programmed',
        },
      ],
    },
  };
}

interface Builder {
  readonly size: SyntheticSize;
  readonly next: () => number;
  readonly items: object[];
}

function pick<T>(b: Builder, items: readonly T[]): T {
  return items[Math.floor(b.next() * items.length)] as T;
}

function addWaypoint(b: Builder, ns: string, i: number, k: number, serial: number): string {
  const name = k === 0 ? 'waypoint' : `workload-waypoint-${k}`;
  const type = k > 0 ? 'workload' : i % 3 === 0 ? 'all' : undefined;
  const labels: Record<string, string> =
    type === undefined ? {} : { 'istio.io/waypoint-for': type };
  b.items.push(gatewayObject(ns, name, labels, b.next() > 0.05, i < 10 ? 'All' : 'Same', serial));
  return name;
}

/** The waypoints of each namespace: `waypoint` (a third are `all`), then workload waypoints. */
function addWaypoints(b: Builder, namespaces: readonly string[]): Map<string, string[]> {
  const perNamespace = Math.ceil(b.size.waypoints / b.size.namespaces);
  const waypointsOf = new Map<string, string[]>();
  namespaces.forEach((ns, i) => {
    const first = i * perNamespace;
    const count = Math.max(0, Math.min(perNamespace, b.size.waypoints - first));
    const names = Array.from({ length: count }, (_, k) => addWaypoint(b, ns, i, k, first + k));
    waypointsOf.set(ns, names);
  });
  return waypointsOf;
}

/** Namespaces: most in ambient; half enrolled, a tenth on a shared waypoint, some opted out. */
function addNamespaces(b: Builder, namespaces: readonly string[]): void {
  for (const [i, ns] of namespaces.entries()) {
    const labels: Record<string, string> = {};
    if (b.next() < 0.8) labels['istio.io/dataplane-mode'] = 'ambient';
    const roll = b.next();
    if (roll < 0.6) labels['istio.io/use-waypoint'] = 'waypoint';
    if (roll >= 0.5 && roll < 0.6)
      labels['istio.io/use-waypoint-namespace'] = pick(b, namespaces.slice(0, 10));
    if (roll >= 0.6 && roll < 0.65) labels['istio.io/use-waypoint'] = 'none';
    b.items.unshift(namespaceObject(ns, labels, i));
  }
}

function podLabels(b: Builder, own: readonly string[], p: number): Record<string, string> {
  if (p < own.length) {
    return {
      'gateway.networking.k8s.io/gateway-name': own[p] as string,
      'gateway.istio.io/managed': 'istio.io-mesh-controller',
    };
  }
  return b.next() < b.size.labelledPodShare
    ? { 'istio.io/use-waypoint': pick(b, [...own, 'missing', 'none']) }
    : {};
}

/** Services and pods of each namespace; the first pods are the waypoints' own instances. */
function addWorkloads(
  b: Builder,
  namespaces: readonly string[],
  waypointsOf: Map<string, string[]>,
): void {
  const servicesPer = Math.floor(b.size.services / b.size.namespaces);
  const podsPer = Math.floor(b.size.pods / b.size.namespaces);
  let serial = 0;
  for (const ns of namespaces) {
    const own = waypointsOf.get(ns) ?? [];
    for (let s = 0; s < servicesPer; s++) {
      const labels: Record<string, string> =
        b.next() < 0.1 ? { 'istio.io/use-waypoint': pick(b, [...own, 'missing', 'none']) } : {};
      b.items.push(serviceObject(ns, `svc-${s}`, labels, serial++));
    }
    for (let p = 0; p < podsPer; p++) {
      const app = p < own.length ? (own[p] as string) : `svc-${p % servicesPer}`;
      b.items.push(podObject(ns, app, podLabels(b, own, p), serial++));
    }
  }
}

/**
 * Builds the items of the synthetic cluster's kubectl List. Namespaces 0..9 host waypoints that
 * admit all namespaces; every namespace has its own waypoints; a share of Services and Pods carry
 * their own label (some dangling, some `none`).
 */
export function syntheticItems(size: SyntheticSize, seed = 42): object[] {
  const b: Builder = { size, next: random(seed), items: [] };
  const namespaces = Array.from({ length: size.namespaces }, (_, i) => `team-${pad(i)}`);
  const waypointsOf = addWaypoints(b, namespaces);
  addNamespaces(b, namespaces);
  addWorkloads(b, namespaces, waypointsOf);
  b.items.push({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'GatewayClass',
    metadata: {
      creationTimestamp: TIME,
      name: 'istio-waypoint',
      resourceVersion: '1',
      uid: uid(1),
    },
    spec: {
      controllerName: 'istio.io/mesh-controller',
      description: 'The default Istio waypoint GatewayClass',
    },
  });
  return b.items;
}

/** Ten times {@link SIZE_100K}: 10,000 namespaces, 200,000 Services, 1,000,000 Pods. */
export const SIZE_1M: SyntheticSize = {
  namespaces: 10_000,
  services: 200_000,
  pods: 1_000_000,
  waypoints: 15_000,
  labelledPodShare: 0.1,
};
