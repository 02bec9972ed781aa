/**
 * The binding engine against Istio's rules. Each row names the rule of `docs/istio-semantics.md`
 * (section or rule id) it checks.
 */
import { describe, expect, it } from 'vitest';
import {
  BindingContext,
  boundTo,
  computeBindings,
  dependents,
} from '../../shared/domain/bindings.ts';
import type {
  ClusterSnapshot,
  Gateway,
  GatewayClass,
  Namespace,
  Pod,
  Service,
} from '../../shared/domain/model.ts';
import { programmedStatus } from '../../shared/domain/waypoints.ts';
import { gateway, gatewayClass, hbone, namespace, pod, service } from '../support/builders.ts';

interface World {
  readonly namespaces?: Namespace[];
  readonly gateways?: Gateway[];
  readonly classes?: GatewayClass[];
}

function snapshotOf(world: World, services: Service[] = [], pods: Pod[] = []): ClusterSnapshot {
  return {
    namespaces: world.namespaces ?? [namespace('default')],
    services,
    pods,
    gateways: world.gateways ?? [],
    gatewayClasses: world.classes ?? [gatewayClass('istio-waypoint')],
  };
}

/** [waypoint or null, via, condition reason or null] */
type ServiceExpectation = [string | null, string | null, string | null];

function bindService(world: World, target: Service): ServiceExpectation {
  const b = new BindingContext(snapshotOf(world, [target])).bindService(target);
  return [
    b.waypoint && `${b.waypoint.namespace}/${b.waypoint.name}`,
    b.via,
    b.condition?.reason ?? null,
  ];
}

function bindPod(world: World, target: Pod): [string | null, string | null] {
  const b = new BindingContext(snapshotOf(world, [], [target])).bindPod(target);
  return [b.waypoint && `${b.waypoint.namespace}/${b.waypoint.name}`, b.via];
}

const USE = 'istio.io/use-waypoint';
const USE_NS = 'istio.io/use-waypoint-namespace';
const FOR = 'istio.io/waypoint-for';
const enrolled = (name: string, labels: Record<string, string> = {}): Namespace =>
  namespace('default', { [USE]: name, ...labels });

describe('service binding', () => {
  it.each<[string, World, Service, ServiceExpectation]>([
    // §2 which Gateways are waypoints
    [
      'W1 a Gateway without status.addresses is not a waypoint',
      { gateways: [gateway('default', 'w', { ready: false })] },
      service('default', 's', { [USE]: 'w' }),
      [null, 'service', 'WaypointIsNotReady'],
    ],
    [
      'W2 addresses stay: Programmed=False still binds',
      { gateways: [gateway('default', 'w', { programmed: false })] },
      service('default', 's', { [USE]: 'w' }),
      ['default/w', 'service', 'WaypointAccepted'],
    ],
    [
      'W1/W3 Programmed=True without addresses is not ready: addresses decide',
      {
        gateways: [
          {
            ...gateway('default', 'w', { ready: false }),
            status: { conditions: [{ type: 'Programmed', status: 'True' }] },
          },
        ],
      },
      service('default', 's', { [USE]: 'w' }),
      [null, 'service', 'WaypointIsNotReady'],
    ],
    [
      'W7 an address that is neither a Hostname nor an IP still makes the waypoint usable',
      {
        gateways: [
          {
            ...gateway('default', 'w'),
            status: { addresses: [{ type: 'NamedAddress', value: 'x' }] },
          },
        ],
      },
      service('default', 's', { [USE]: 'w' }),
      ['default/w', 'service', 'WaypointAccepted'],
    ],
    [
      'W4 any gatewayClassName can be a waypoint',
      { gateways: [gateway('default', 'w', { className: 'istio' })] },
      service('default', 's', { [USE]: 'w' }),
      ['default/w', 'service', 'WaypointAccepted'],
    ],
    [
      'W4 a Gateway whose class is missing defaults to service',
      { gateways: [gateway('default', 'w', { className: 'unknown' })], classes: [] },
      service('default', 's', { [USE]: 'w' }),
      ['default/w', 'service', 'WaypointAccepted'],
    ],
    [
      'W5 Gateway label beats GatewayClass label',
      {
        gateways: [gateway('default', 'w', { labels: { [FOR]: 'service' } })],
        classes: [gatewayClass('istio-waypoint', { [FOR]: 'workload' })],
      },
      service('default', 's', { [USE]: 'w' }),
      ['default/w', 'service', 'WaypointAccepted'],
    ],
    [
      'W5 GatewayClass label applies when the Gateway has none',
      {
        gateways: [gateway('default', 'w')],
        classes: [gatewayClass('istio-waypoint', { [FOR]: 'workload' })],
      },
      service('default', 's', { [USE]: 'w' }),
      [null, 'service', 'UnsupportedTrafficType'],
    ],
    [
      'W5 an empty traffic type binds nothing',
      { gateways: [gateway('default', 'w', { labels: { [FOR]: '' } })] },
      service('default', 's', { [USE]: 'w' }),
      [null, 'service', 'UnsupportedTrafficType'],
    ],
    [
      'W5 no case folding: All is not all',
      { gateways: [gateway('default', 'w', { labels: { [FOR]: 'All' } })] },
      service('default', 's', { [USE]: 'w' }),
      [null, 'service', 'UnsupportedTrafficType'],
    ],
    [
      'W5 an unknown traffic type binds nothing',
      { gateways: [gateway('default', 'w', { labels: { [FOR]: 'foo' } })] },
      service('default', 's', { [USE]: 'w' }),
      [null, 'service', 'UnsupportedTrafficType'],
    ],
    [
      'W5 none binds nothing',
      { gateways: [gateway('default', 'w', { labels: { [FOR]: 'none' } })] },
      service('default', 's', { [USE]: 'w' }),
      [null, 'service', 'UnsupportedTrafficType'],
    ],
    [
      'W6 an unlabelled istio-waypoint Gateway serves services',
      { gateways: [gateway('default', 'w')] },
      service('default', 's', { [USE]: 'w' }),
      ['default/w', 'service', 'WaypointAccepted'],
    ],
    [
      '§10 all serves services',
      { gateways: [gateway('default', 'w', { labels: { [FOR]: 'all' } })] },
      service('default', 's', { [USE]: 'w' }),
      ['default/w', 'service', 'WaypointAccepted'],
    ],
    // §3 parsing use-waypoint
    [
      'P1 only the exact string none opts out: None is a name',
      { namespaces: [enrolled('w')], gateways: [gateway('default', 'w')] },
      service('default', 's', { [USE]: 'None' }),
      [null, 'service', 'WaypointIsNotReady'],
    ],
    [
      'P2 an empty value never resolves and blocks the namespace',
      { namespaces: [enrolled('w')], gateways: [gateway('default', 'w')] },
      service('default', 's', { [USE]: '' }),
      [null, 'service', 'WaypointIsNotReady'],
    ],
    [
      'P3 use-waypoint-namespace on the object is read',
      {
        namespaces: [namespace('default'), namespace('mesh')],
        gateways: [gateway('mesh', 'w', { listeners: [hbone({ namespaces: { from: 'All' } })] })],
      },
      service('default', 's', { [USE]: 'w', [USE_NS]: 'mesh' }),
      ['mesh/w', 'service', 'WaypointAccepted'],
    ],
    [
      'P3 the object never inherits the namespace use-waypoint-namespace',
      {
        namespaces: [enrolled('w', { [USE_NS]: 'mesh' }), namespace('mesh')],
        gateways: [gateway('mesh', 'w', { listeners: [hbone({ namespaces: { from: 'All' } })] })],
      },
      service('default', 's', { [USE]: 'w' }),
      [null, 'service', 'WaypointIsNotReady'],
    ],
    [
      'P3 a lone use-waypoint-namespace does nothing',
      { gateways: [gateway('mesh', 'w')] },
      service('default', 's', { [USE_NS]: 'mesh' }),
      [null, null, null],
    ],
    [
      'P4 there is no ns/name syntax: the whole value is the name',
      {
        namespaces: [namespace('default'), namespace('mesh')],
        gateways: [gateway('mesh', 'w', { listeners: [hbone({ namespaces: { from: 'All' } })] })],
      },
      service('default', 's', { [USE]: 'mesh/w' }),
      [null, 'service', 'WaypointIsNotReady'],
    ],
    [
      'P5 a Gateway named none cannot be referenced',
      {
        namespaces: [enrolled('w')],
        gateways: [gateway('default', 'none'), gateway('default', 'w')],
      },
      service('default', 's', { [USE]: 'none' }),
      [null, 'service', null],
    ],
    // §4 allowedRoutes
    [
      'A1 cross-namespace use is denied by default (Same)',
      { namespaces: [namespace('default'), namespace('mesh')], gateways: [gateway('mesh', 'w')] },
      service('default', 's', { [USE]: 'w', [USE_NS]: 'mesh' }),
      [null, 'service', 'AttachmentDenied'],
    ],
    [
      'A1 from: All admits every namespace',
      {
        namespaces: [namespace('default'), namespace('mesh')],
        gateways: [gateway('mesh', 'w', { listeners: [hbone({ namespaces: { from: 'All' } })] })],
      },
      service('default', 's', { [USE]: 'w', [USE_NS]: 'mesh' }),
      ['mesh/w', 'service', 'WaypointAccepted'],
    ],
    [
      'A1 an allowedRoutes without namespaces is Same',
      {
        namespaces: [namespace('default'), namespace('mesh')],
        gateways: [gateway('mesh', 'w', { listeners: [hbone({})] })],
      },
      service('default', 's', { [USE]: 'w', [USE_NS]: 'mesh' }),
      [null, 'service', 'AttachmentDenied'],
    ],
    [
      'A1 a listener other than HBONE/15008 is not read',
      {
        namespaces: [namespace('default'), namespace('mesh')],
        gateways: [
          gateway('mesh', 'w', {
            listeners: [
              {
                name: 'x',
                port: 15009,
                protocol: 'HBONE',
                allowedRoutes: { namespaces: { from: 'All' } },
              },
            ],
          }),
        ],
      },
      service('default', 's', { [USE]: 'w', [USE_NS]: 'mesh' }),
      [null, 'service', 'AttachmentDenied'],
    ],
    [
      'A2 Selector matches the referencing namespace labels',
      {
        namespaces: [namespace('default', { team: 'a' }), namespace('mesh')],
        gateways: [
          gateway('mesh', 'w', {
            listeners: [
              hbone({ namespaces: { from: 'Selector', selector: { matchLabels: { team: 'a' } } } }),
            ],
          }),
        ],
      },
      service('default', 's', { [USE]: 'w', [USE_NS]: 'mesh' }),
      ['mesh/w', 'service', 'WaypointAccepted'],
    ],
    [
      'A2 Selector that does not match denies',
      {
        namespaces: [namespace('default', { team: 'b' }), namespace('mesh')],
        gateways: [
          gateway('mesh', 'w', {
            listeners: [
              hbone({ namespaces: { from: 'Selector', selector: { matchLabels: { team: 'a' } } } }),
            ],
          }),
        ],
      },
      service('default', 's', { [USE]: 'w', [USE_NS]: 'mesh' }),
      [null, 'service', 'AttachmentDenied'],
    ],
    [
      'A2 Selector with matchExpressions on kubernetes.io/metadata.name',
      {
        namespaces: [namespace('default'), namespace('mesh')],
        gateways: [
          gateway('mesh', 'w', {
            listeners: [
              hbone({
                namespaces: {
                  from: 'Selector',
                  selector: {
                    matchExpressions: [
                      { key: 'kubernetes.io/metadata.name', operator: 'In', values: ['default'] },
                    ],
                  },
                },
              }),
            ],
          }),
        ],
      },
      service('default', 's', { [USE]: 'w', [USE_NS]: 'mesh' }),
      ['mesh/w', 'service', 'WaypointAccepted'],
    ],
    [
      'A3 a Selector that misses the waypoint namespace denies same-namespace use',
      {
        gateways: [
          gateway('default', 'w', {
            listeners: [
              hbone({ namespaces: { from: 'Selector', selector: { matchLabels: { team: 'a' } } } }),
            ],
          }),
        ],
      },
      service('default', 's', { [USE]: 'w' }),
      [null, 'service', 'AttachmentDenied'],
    ],
    [
      '§4 selectorOf: Selector without a selector (labels.Nothing) admits nothing',
      {
        gateways: [
          gateway('default', 'w', { listeners: [hbone({ namespaces: { from: 'Selector' } })] }),
        ],
      },
      service('default', 's', { [USE]: 'w' }),
      [null, 'service', 'AttachmentDenied'],
    ],
    [
      '§4 selectorOf: a selector LabelSelectorAsSelector rejects admits nothing',
      {
        gateways: [
          gateway('default', 'w', {
            listeners: [
              hbone({
                namespaces: {
                  from: 'Selector',
                  selector: { matchExpressions: [{ key: 'a', operator: 'Bogus' }] },
                },
              }),
            ],
          }),
        ],
      },
      service('default', 's', { [USE]: 'w' }),
      [null, 'service', 'AttachmentDenied'],
    ],
    [
      '§4 selectorOf: an empty selector (labels.Everything) admits every namespace',
      {
        namespaces: [namespace('default'), namespace('mesh')],
        gateways: [
          gateway('mesh', 'w', {
            listeners: [hbone({ namespaces: { from: 'Selector', selector: {} } })],
          }),
        ],
      },
      service('default', 's', { [USE]: 'w', [USE_NS]: 'mesh' }),
      ['mesh/w', 'service', 'WaypointAccepted'],
    ],
    [
      '§4 allows: an unknown from value (all) behaves as Same',
      {
        namespaces: [namespace('default'), namespace('mesh')],
        gateways: [gateway('mesh', 'w', { listeners: [hbone({ namespaces: { from: 'all' } })] })],
      },
      service('default', 's', { [USE]: 'w', [USE_NS]: 'mesh' }),
      [null, 'service', 'AttachmentDenied'],
    ],
    [
      '§4 findBoundListener: an out-of-range port binds to no listener (ParseUint keeps MaxUint32), so HBONE decides',
      {
        namespaces: [namespace('default'), namespace('mesh')],
        gateways: [
          gateway('mesh', 'w', {
            annotations: { 'ambient.istio.io/waypoint-inbound-binding': 'PROXY/99999999999' },
            listeners: [
              hbone({ namespaces: { from: 'Same' } }),
              {
                name: 'proxy',
                port: 15088,
                protocol: 'istio.io/PROXY',
                allowedRoutes: { namespaces: { from: 'All' } },
              },
            ],
          }),
        ],
      },
      service('default', 's', { [USE]: 'w', [USE_NS]: 'mesh' }),
      [null, 'service', 'AttachmentDenied'],
    ],
    [
      'A5 Selector with the referencing Namespace object missing denies',
      {
        namespaces: [namespace('mesh')],
        gateways: [
          gateway('mesh', 'w', {
            listeners: [hbone({ namespaces: { from: 'Selector', selector: {} } })],
          }),
        ],
      },
      service('default', 's', { [USE]: 'w', [USE_NS]: 'mesh' }),
      [null, 'service', 'AttachmentDenied'],
    ],
    [
      'A (sandwich) the inbound-binding PROXY listener decides',
      {
        namespaces: [namespace('default'), namespace('mesh')],
        gateways: [
          gateway('mesh', 'w', {
            annotations: { 'ambient.istio.io/waypoint-inbound-binding': 'PROXY' },
            listeners: [
              hbone({ namespaces: { from: 'Same' } }),
              {
                name: 'proxy',
                port: 15088,
                protocol: 'istio.io/PROXY',
                allowedRoutes: { namespaces: { from: 'All' } },
              },
            ],
          }),
        ],
      },
      service('default', 's', { [USE]: 'w', [USE_NS]: 'mesh' }),
      ['mesh/w', 'service', 'WaypointAccepted'],
    ],
    [
      'A (sandwich) PROXY/port picks the listener by port, from the GatewayClass annotation',
      {
        namespaces: [namespace('default'), namespace('mesh')],
        classes: [
          gatewayClass('istio', {}, { 'ambient.istio.io/waypoint-inbound-binding': 'PROXY/15088' }),
        ],
        gateways: [
          gateway('mesh', 'w', {
            className: 'istio',
            listeners: [
              hbone({ namespaces: { from: 'All' } }),
              { name: 'proxy', port: 15088, protocol: 'TCP' },
            ],
          }),
        ],
      },
      service('default', 's', { [USE]: 'w', [USE_NS]: 'mesh' }),
      [null, 'service', 'AttachmentDenied'],
    ],
    [
      'A (sandwich) an invalid annotation falls back to the HBONE listener',
      {
        namespaces: [namespace('default'), namespace('mesh')],
        gateways: [
          gateway('mesh', 'w', {
            annotations: { 'ambient.istio.io/waypoint-inbound-binding': 'HTTP' },
            listeners: [
              hbone({ namespaces: { from: 'All' } }),
              { name: 'proxy', port: 15088, protocol: 'istio.io/PROXY' },
            ],
          }),
        ],
      },
      service('default', 's', { [USE]: 'w', [USE_NS]: 'mesh' }),
      ['mesh/w', 'service', 'WaypointAccepted'],
    ],
    // §5 precedence
    [
      'R1 the service label beats the namespace label',
      {
        namespaces: [enrolled('ns-w')],
        gateways: [gateway('default', 'ns-w'), gateway('default', 'svc-w')],
      },
      service('default', 's', { [USE]: 'svc-w' }),
      ['default/svc-w', 'service', 'WaypointAccepted'],
    ],
    [
      'R1 the namespace label applies to an unlabelled service',
      { namespaces: [enrolled('ns-w')], gateways: [gateway('default', 'ns-w')] },
      service('default', 's'),
      ['default/ns-w', 'namespace', 'WaypointAccepted'],
    ],
    [
      'R2 none on the service wins over the namespace',
      { namespaces: [enrolled('ns-w')], gateways: [gateway('default', 'ns-w')] },
      service('default', 's', { [USE]: 'none' }),
      [null, 'service', null],
    ],
    [
      'R3 none on the namespace is the same as no label',
      { namespaces: [enrolled('none')], gateways: [gateway('default', 'none')] },
      service('default', 's'),
      [null, null, null],
    ],
    [
      'R4 a dangling service label gives no waypoint and no fallback',
      { namespaces: [enrolled('ns-w')], gateways: [gateway('default', 'ns-w')] },
      service('default', 's', { [USE]: 'missing' }),
      [null, 'service', 'WaypointIsNotReady'],
    ],
    [
      'R4 a dangling namespace label gives no waypoint',
      { namespaces: [enrolled('missing')] },
      service('default', 's'),
      [null, 'namespace', 'WaypointIsNotReady'],
    ],
    [
      'R4 a namespace waypoint denied by allowedRoutes',
      {
        namespaces: [enrolled('w', { [USE_NS]: 'mesh' }), namespace('mesh')],
        gateways: [gateway('mesh', 'w')],
      },
      service('default', 's'),
      [null, 'namespace', 'AttachmentDenied'],
    ],
    [
      'R5 a service label to a workload-only waypoint does not fall back',
      {
        namespaces: [enrolled('ns-w')],
        gateways: [
          gateway('default', 'ns-w'),
          gateway('default', 'pod-w', { labels: { [FOR]: 'workload' } }),
        ],
      },
      service('default', 's', { [USE]: 'pod-w' }),
      [null, 'service', 'UnsupportedTrafficType'],
    ],
    [
      'R6 a missing Namespace object only skips the namespace step',
      { namespaces: [], gateways: [gateway('default', 'w')] },
      service('default', 's'),
      [null, null, null],
    ],
    [
      'R6 an object label still resolves when its Namespace object is missing',
      { namespaces: [], gateways: [gateway('default', 'w')] },
      service('default', 's', { [USE]: 'w' }),
      ['default/w', 'service', 'WaypointAccepted'],
    ],
    [
      'R7 dataplane-mode plays no part',
      {
        namespaces: [enrolled('w', { 'istio.io/dataplane-mode': 'none' })],
        gateways: [gateway('default', 'w')],
      },
      service('default', 's'),
      ['default/w', 'namespace', 'WaypointAccepted'],
    ],
    // §6 service specifics
    [
      '§6 ExternalName services are not in WDS: no binding, no condition',
      { namespaces: [enrolled('w')], gateways: [gateway('default', 'w')] },
      service('default', 's', {}, 'ExternalName'),
      [null, null, null],
    ],
    [
      '§6 the waypoint Service itself is exempt (mesh controller)',
      { namespaces: [enrolled('w')], gateways: [gateway('default', 'w')] },
      service('default', 'w', { 'gateway.istio.io/managed': 'istio.io-mesh-controller' }),
      [null, null, null],
    ],
    [
      '§6 east-west gateway Services are exempt',
      { namespaces: [enrolled('w')], gateways: [gateway('default', 'w')] },
      service('default', 'ew', { 'gateway.istio.io/managed': 'istio.io-eastwest-controller' }),
      [null, null, null],
    ],
    [
      '§6 ingress gateway Services are not exempt',
      { namespaces: [enrolled('w')], gateways: [gateway('default', 'w')] },
      service('default', 'ingress', { 'gateway.istio.io/managed': 'istio.io-gateway-controller' }),
      ['default/w', 'namespace', 'WaypointAccepted'],
    ],
    [
      '§6 a namespace workload-only waypoint gives services UnsupportedTrafficType',
      {
        namespaces: [enrolled('w')],
        gateways: [gateway('default', 'w', { labels: { [FOR]: 'workload' } })],
      },
      service('default', 's'),
      [null, 'namespace', 'UnsupportedTrafficType'],
    ],
  ])('%s', (_rule, world, target, expected) => {
    expect(bindService(world, target)).toEqual(expected);
  });
});

describe('pod binding', () => {
  it.each<[string, World, Pod, [string | null, string | null]]>([
    [
      'K1 an instance of a ready waypoint in its namespace is never bound',
      {
        namespaces: [enrolled('w')],
        gateways: [gateway('default', 'w', { labels: { [FOR]: 'all' } })],
      },
      pod('default', 'w-pod', { 'gateway.networking.k8s.io/gateway-name': 'w' }),
      [null, null],
    ],
    [
      'K1 the managed label does not exempt a pod',
      {
        namespaces: [enrolled('w')],
        gateways: [gateway('default', 'w', { labels: { [FOR]: 'all' } })],
      },
      pod('default', 'p', { 'gateway.istio.io/managed': 'istio.io-mesh-controller' }),
      ['default/w', 'namespace'],
    ],
    [
      'K1 gateway-name naming a Gateway of another namespace is no instance',
      {
        namespaces: [enrolled('w')],
        gateways: [gateway('default', 'w', { labels: { [FOR]: 'all' } }), gateway('other', 'x')],
      },
      pod('default', 'p', { 'gateway.networking.k8s.io/gateway-name': 'x' }),
      ['default/w', 'namespace'],
    ],
    [
      'K2 a pod of a not-yet-ready Gateway binds like any workload',
      {
        namespaces: [enrolled('w')],
        gateways: [
          gateway('default', 'w', { labels: { [FOR]: 'all' } }),
          gateway('default', 'x', { ready: false }),
        ],
      },
      pod('default', 'x-pod', { 'gateway.networking.k8s.io/gateway-name': 'x' }),
      ['default/w', 'namespace'],
    ],
    [
      'K3 a default (service) namespace waypoint never binds pods',
      { namespaces: [enrolled('w')], gateways: [gateway('default', 'w')] },
      pod('default', 'p'),
      [null, null],
    ],
    [
      'K3 a workload namespace waypoint binds pods',
      {
        namespaces: [enrolled('w')],
        gateways: [gateway('default', 'w', { labels: { [FOR]: 'workload' } })],
      },
      pod('default', 'p'),
      ['default/w', 'namespace'],
    ],
    [
      'K3 an all namespace waypoint binds pods',
      {
        namespaces: [enrolled('w')],
        gateways: [gateway('default', 'w', { labels: { [FOR]: 'all' } })],
      },
      pod('default', 'p'),
      ['default/w', 'namespace'],
    ],
    [
      'K4 a pod labelled with a service-only waypoint gets none, no fallback',
      {
        namespaces: [enrolled('ns-w')],
        gateways: [
          gateway('default', 'ns-w', { labels: { [FOR]: 'all' } }),
          gateway('default', 'svc-w'),
        ],
      },
      pod('default', 'p', { [USE]: 'svc-w' }),
      [null, 'pod'],
    ],
    [
      'R1 the pod label beats the namespace label',
      {
        namespaces: [enrolled('ns-w')],
        gateways: [
          gateway('default', 'ns-w', { labels: { [FOR]: 'all' } }),
          gateway('default', 'pod-w', { labels: { [FOR]: 'workload' } }),
        ],
      },
      pod('default', 'p', { [USE]: 'pod-w' }),
      ['default/pod-w', 'pod'],
    ],
    [
      'R2 none on the pod wins over the namespace',
      {
        namespaces: [enrolled('ns-w')],
        gateways: [gateway('default', 'ns-w', { labels: { [FOR]: 'all' } })],
      },
      pod('default', 'p', { [USE]: 'none' }),
      [null, 'pod'],
    ],
    [
      'R4 a dangling pod label gives no waypoint and no fallback',
      {
        namespaces: [enrolled('ns-w')],
        gateways: [gateway('default', 'ns-w', { labels: { [FOR]: 'all' } })],
      },
      pod('default', 'p', { [USE]: 'missing' }),
      [null, 'pod'],
    ],
    [
      'A1 a pod label to another namespace is denied by default',
      {
        namespaces: [namespace('default'), namespace('mesh')],
        gateways: [gateway('mesh', 'w', { labels: { [FOR]: 'workload' } })],
      },
      pod('default', 'p', { [USE]: 'w', [USE_NS]: 'mesh' }),
      [null, 'pod'],
    ],
    [
      'A1 a pod label to another namespace with from: All',
      {
        namespaces: [namespace('default'), namespace('mesh')],
        gateways: [
          gateway('mesh', 'w', {
            labels: { [FOR]: 'workload' },
            listeners: [hbone({ namespaces: { from: 'All' } })],
          }),
        ],
      },
      pod('default', 'p', { [USE]: 'w', [USE_NS]: 'mesh' }),
      ['mesh/w', 'pod'],
    ],
  ])('%s', (_rule, world, target, expected) => {
    expect(bindPod(world, target)).toEqual(expected);
  });

  it('K4/§9 a pod keeps UnsupportedTrafficType only for its own label (1.30+)', () => {
    const world = { namespaces: [enrolled('w')], gateways: [gateway('default', 'w')] };
    const own = pod('default', 'own', { [USE]: 'w' });
    const inherited = pod('default', 'inherited');
    const context = new BindingContext(snapshotOf(world, [], [own, inherited]));
    expect(context.podOutcome(own).error?.message).toBe(
      'attempting to bind to traffic type "workload" which the waypoint "default/w" does not support',
    );
    expect(context.podOutcome(inherited).error).toBeNull();
  });
});

describe('K5 pods get no condition', () => {
  it('a pod entry has exactly namespace, name, waypoint and via', () => {
    const world = {
      namespaces: [enrolled('w')],
      gateways: [gateway('default', 'w', { labels: { [FOR]: 'all' } })],
    };
    const [entry] = computeBindings(
      snapshotOf(world, [], [pod('default', 'p', { [USE]: 'missing' })]),
    ).pods;
    expect(Object.keys(entry ?? {})).toEqual(['namespace', 'name', 'waypoint', 'via']);
  });
});

describe('WaypointBound condition messages (§9)', () => {
  const ready = gateway('default', 'w');
  it.each<[string, World, Service, { status: string; reason: string; message: string }]>([
    [
      'bound',
      { gateways: [ready] },
      service('default', 's', { [USE]: 'w' }),
      {
        status: 'True',
        reason: 'WaypointAccepted',
        message: 'Successfully attached to waypoint default/w',
      },
    ],
    [
      'bound, ingress label true',
      { gateways: [ready] },
      service('default', 's', { [USE]: 'w', 'istio.io/ingress-use-waypoint': 'true' }),
      {
        status: 'True',
        reason: 'WaypointAccepted',
        message:
          'Successfully attached to waypoint default/w. Ingress traffic will traverse the waypoint',
      },
    ],
    [
      'bound, ingress label parsed by strconv.ParseBool (T)',
      { gateways: [ready] },
      service('default', 's', { [USE]: 'w', 'istio.io/ingress-use-waypoint': 'T' }),
      {
        status: 'True',
        reason: 'WaypointAccepted',
        message:
          'Successfully attached to waypoint default/w. Ingress traffic will traverse the waypoint',
      },
    ],
    [
      'bound, ingress label malformed',
      { gateways: [ready] },
      service('default', 's', { [USE]: 'w', 'istio.io/ingress-use-waypoint': 'eurt' }),
      {
        status: 'True',
        reason: 'WaypointAccepted',
        message:
          'Successfully attached to waypoint default/w. Ingress traffic is not using the waypoint, set the istio.io/ingress-use-waypoint label to true if desired.',
      },
    ],
    [
      'bound, ingress label from the namespace (1.30+)',
      {
        namespaces: [enrolled('w', { 'istio.io/ingress-use-waypoint': 'true' })],
        gateways: [ready],
      },
      service('default', 's'),
      {
        status: 'True',
        reason: 'WaypointAccepted',
        message:
          'Successfully attached to waypoint default/w. Ingress traffic will traverse the waypoint',
      },
    ],
    [
      'bound, service ingress label beats the namespace one',
      {
        namespaces: [enrolled('w', { 'istio.io/ingress-use-waypoint': 'true' })],
        gateways: [ready],
      },
      service('default', 's', { 'istio.io/ingress-use-waypoint': 'false' }),
      {
        status: 'True',
        reason: 'WaypointAccepted',
        message:
          'Successfully attached to waypoint default/w. Ingress traffic is not using the waypoint, set the istio.io/ingress-use-waypoint label to true if desired.',
      },
    ],
    [
      'not ready',
      {},
      service('default', 's', { [USE]: 'w' }),
      {
        status: 'False',
        reason: 'WaypointIsNotReady',
        message: 'waypoint "default/w" is not ready',
      },
    ],
    [
      'denied',
      { namespaces: [namespace('default'), namespace('mesh')], gateways: [gateway('mesh', 'w')] },
      service('default', 's', { [USE]: 'w', [USE_NS]: 'mesh' }),
      {
        status: 'False',
        reason: 'AttachmentDenied',
        message: 'we are not permitted to attach to waypoint "mesh/w" (missing allowedRoutes?)',
      },
    ],
    [
      'traffic type',
      { gateways: [gateway('default', 'w', { labels: { [FOR]: 'workload' } })] },
      service('default', 's', { [USE]: 'w' }),
      {
        status: 'False',
        reason: 'UnsupportedTrafficType',
        message:
          'attempting to bind to traffic type "service" which the waypoint "default/w" does not support',
      },
    ],
  ])('%s', (_case, world, target, expected) => {
    expect(new BindingContext(snapshotOf(world, [target])).bindService(target).condition).toEqual(
      expected,
    );
  });
});

describe('§10 decision table: traffic type x object kind', () => {
  it.each<[string, boolean, boolean]>([
    ['service', true, false],
    ['workload', false, true],
    ['all', true, true],
    ['none', false, false],
    ['', false, false],
    ['other', false, false],
  ])('waypoint-for %j binds services=%s pods=%s', (type, services, pods) => {
    const world = {
      namespaces: [enrolled('w')],
      gateways: [gateway('default', 'w', { labels: { [FOR]: type } })],
    };
    expect(bindService(world, service('default', 's'))[0] !== null).toBe(services);
    expect(bindPod(world, pod('default', 'p'))[0] !== null).toBe(pods);
  });
});

describe('computeBindings', () => {
  it('gives one entry for every Service and Pod, sorted, and each namespace default', () => {
    const snapshot = snapshotOf(
      {
        namespaces: [enrolled('w'), namespace('b')],
        gateways: [gateway('default', 'w', { labels: { [FOR]: 'all' } })],
      },
      [service('default', 'z'), service('b', 'a'), service('default', 'a')],
      [pod('default', 'p2'), pod('default', 'p1'), pod('b', 'q')],
    );
    const set = computeBindings(snapshot);
    expect(set.services.map((s) => `${s.namespace}/${s.name}`)).toEqual([
      'b/a',
      'default/a',
      'default/z',
    ]);
    expect(set.pods.map((p) => `${p.namespace}/${p.name}:${p.waypoint?.name ?? '-'}`)).toEqual([
      'b/q:-',
      'default/p1:w',
      'default/p2:w',
    ]);
    expect(set.namespaces).toEqual([
      { namespace: 'b', waypoint: null, via: null },
      { namespace: 'default', waypoint: { namespace: 'default', name: 'w' }, via: 'namespace' },
    ]);
  });
});

describe('dependents: the objects whose own label names a waypoint', () => {
  const WAYPOINT = { namespace: 'default', name: 'waypoint' };
  it.each<[string, ClusterSnapshot, string[]]>([
    [
      'P1 a namespace label names the waypoint of its own namespace (once, on the namespace)',
      snapshotOf({ namespaces: [namespace('default', { [USE]: 'waypoint' })] }, [
        service('default', 'reviews'),
      ]),
      ['Namespace default/default'],
    ],
    [
      'P1 a Service and a Pod label name it',
      snapshotOf(
        {},
        [service('default', 'reviews', { [USE]: 'waypoint' })],
        [pod('default', 'p', { [USE]: 'waypoint' })],
      ),
      ['Service default/reviews', 'Pod default/p'],
    ],
    [
      'P2 use-waypoint-namespace names a waypoint of another namespace',
      snapshotOf({ namespaces: [namespace('default'), namespace('apps')] }, [
        service('apps', 'cart', { [USE]: 'waypoint', [USE_NS]: 'default' }),
        service('apps', 'local', { [USE]: 'waypoint' }),
      ]),
      ['Service apps/cart'],
    ],
    [
      'P3 `none` names no waypoint',
      snapshotOf({}, [service('default', 'reviews', { [USE]: 'none' })]),
      [],
    ],
    [
      'a waypoint whose name extends this one is another waypoint',
      snapshotOf({}, [service('default', 'east', { [USE]: 'waypoint-east' })]),
      [],
    ],
  ])('%s', (_rule, snapshot, expected) => {
    expect(dependents(snapshot, WAYPOINT).map((d) => `${d.kind} ${d.namespace}/${d.name}`)).toEqual(
      expected,
    );
  });

  it('boundTo keeps what is bound to the waypoint (by any label), not what merely names it', () => {
    const snapshot = snapshotOf(
      {
        namespaces: [namespace('default', { [USE]: 'waypoint' })],
        gateways: [gateway('default', 'waypoint'), gateway('default', 'waypoint-east')],
      },
      [service('default', 'reviews'), service('default', 'east', { [USE]: 'waypoint-east' })],
    );
    const bound = boundTo(computeBindings(snapshot), { namespace: 'default', name: 'waypoint' });
    expect(bound.services.map((s) => s.name)).toEqual(['reviews']);
    expect(bound.namespaces).toEqual([]);
  });
});

describe('W3 Programmed is for display and waits, not binding', () => {
  it.each<[string, Gateway, string]>([
    ['Programmed True', gateway('default', 'w'), 'True'],
    [
      'Programmed False with addresses (W2: still bound)',
      gateway('default', 'w', { programmed: false }),
      'False',
    ],
    [
      'no Programmed condition reads False',
      { ...gateway('default', 'w'), status: { addresses: [{ value: 'w' }] } },
      'False',
    ],
    [
      'Unknown is kept as istioctl shows it',
      {
        ...gateway('default', 'w'),
        status: { conditions: [{ type: 'Programmed', status: 'Unknown' }] },
      },
      'Unknown',
    ],
  ])('%s', (_rule, given, expected) => {
    expect(programmedStatus(given)).toBe(expected);
  });
});

describe('canary binding of a Service (§5.1), keyed by the Istio version', () => {
  const CANARY = 'istio.io/use-waypoint-canary';
  const WEIGHT = 'istio.io/use-waypoint-canary-weight';
  const world = (version?: '1.30' | '1.31', ns: Namespace = namespace('default')) => ({
    namespaces: [ns],
    gateways: [gateway('default', 'waypoint'), gateway('default', 'v2')],
    version,
  });
  function bind(
    w: ReturnType<typeof world>,
    labels: Record<string, string>,
    annotations: Record<string, string> = {},
  ) {
    const target: Service = { metadata: { name: 's', namespace: 'default', labels, annotations } };
    const snapshot = { ...snapshotOf(w, [target]), ...(w.version && { istioVersion: w.version }) };
    const b = new BindingContext(snapshot).bindService(target);
    return { waypoint: b.waypoint?.name ?? null, canary: b.canary, message: b.condition?.message };
  }

  it.each<
    [string, ReturnType<typeof world>, Record<string, string>, Record<string, string>, object]
  >([
    [
      'N9 a valid canary takes its weight (1.31 by default)',
      world(),
      { [USE]: 'waypoint', [CANARY]: 'v2' },
      { [WEIGHT]: '5' },
      {
        waypoint: 'waypoint',
        canary: { waypoint: { namespace: 'default', name: 'v2' }, weight: 5 },
        message: 'Successfully attached to waypoint default/waypoint',
      },
    ],
    [
      'N1 Istio 1.30 reads no canary label',
      world('1.30'),
      { [USE]: 'waypoint', [CANARY]: 'v2' },
      { [WEIGHT]: '5' },
      {
        waypoint: 'waypoint',
        canary: null,
        message: 'Successfully attached to waypoint default/waypoint',
      },
    ],
    [
      'N8 a failed canary keeps the primary and is appended to the accepted condition',
      world('1.31'),
      { [USE]: 'waypoint', [CANARY]: 'v3' },
      {},
      {
        waypoint: 'waypoint',
        canary: null,
        message:
          'Successfully attached to waypoint default/waypoint. Canary waypoint not attached: waypoint "default/v3" is not ready',
      },
    ],
    [
      'N8 the canary sentence comes after the ingress sentence',
      world('1.31'),
      { [USE]: 'waypoint', [CANARY]: 'waypoint', 'istio.io/ingress-use-waypoint': 'true' },
      {},
      {
        waypoint: 'waypoint',
        canary: null,
        message:
          'Successfully attached to waypoint default/waypoint. Ingress traffic will traverse the waypoint. Canary waypoint not attached: canary waypoint "default/waypoint" must differ from the primary waypoint',
      },
    ],
    [
      'N7 no canary is looked at while the primary is not bound',
      world('1.31'),
      { [USE]: 'missing', [CANARY]: 'v2' },
      {},
      { waypoint: null, canary: null, message: 'waypoint "default/missing" is not ready' },
    ],
    [
      'N2 a namespace primary brings the namespace canary and weight',
      world('1.31', {
        metadata: {
          name: 'default',
          labels: { [USE]: 'waypoint', [CANARY]: 'v2' },
          annotations: { [WEIGHT]: '20' },
        },
      }),
      {},
      {},
      {
        waypoint: 'waypoint',
        canary: { waypoint: { namespace: 'default', name: 'v2' }, weight: 20 },
        message: 'Successfully attached to waypoint default/waypoint',
      },
    ],
  ])('%s', (_rule, w, labels, annotations, expected) => {
    expect(bind(w, labels, annotations)).toEqual(expected);
  });

  it('N1 pods never get a canary', () => {
    const target = pod('default', 'p', { [USE]: 'waypoint', [CANARY]: 'v2' });
    const b = new BindingContext(
      snapshotOf(
        { gateways: [gateway('default', 'waypoint', { labels: { [FOR]: 'all' } })] },
        [],
        [target],
      ),
    ).bindPod(target);
    expect(b).toEqual({
      namespace: 'default',
      name: 'p',
      waypoint: { namespace: 'default', name: 'waypoint' },
      via: 'pod',
    });
  });
});
