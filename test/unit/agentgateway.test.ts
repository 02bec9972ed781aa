/**
 * The agentgateway waypoint class (Istio 1.31, W8): `istio-agentgateway-waypoint`, controller
 * `istio.io/agentgateway-waypoint-controller`. Its Gateways are waypoints for list, status, delete
 * and diagnostics; its generated Service is not exempt from binding, so it can bind to itself.
 */
import { describe, expect, it } from 'vitest';
import { diagnose } from '../../shared/domain/diagnostics.ts';
import type { ClusterSnapshot, GatewayClass } from '../../shared/domain/model.ts';
import { plan } from '../../shared/domain/plan.ts';
import { isWaypointClass } from '../../shared/domain/waypoints.ts';
import { gateway, gatewayClass, namespace } from '../support/builders.ts';

const AGW = 'istio-agentgateway-waypoint';
const agwClass: GatewayClass = {
  metadata: { name: AGW },
  spec: { controllerName: 'istio.io/agentgateway-waypoint-controller' },
};

describe('agentgateway waypoint class (W8)', () => {
  it.each<[string, string, GatewayClass[], boolean]>([
    ['W8 the class by name, even before its GatewayClass is read', AGW, [], true],
    [
      'W8 a class of the agentgateway waypoint controller',
      'my-agw',
      [
        {
          metadata: { name: 'my-agw' },
          spec: { controllerName: 'istio.io/agentgateway-waypoint-controller' },
        },
      ],
      true,
    ],
    [
      'W8 the agentgateway ingress class is no waypoint class',
      'istio-agentgateway',
      [
        {
          metadata: { name: 'istio-agentgateway' },
          spec: { controllerName: 'istio.io/agentgateway-controller' },
        },
      ],
      false,
    ],
  ])('%s', (_rule, name, classes, expected) => {
    expect(isWaypointClass(name, classes)).toBe(expected);
    expect(isWaypointClass(name, classes, '1.31')).toBe(expected);
  });

  it.each([AGW, 'my-agw'])(
    'W8 Istio 1.30 has no agentgateway waypoint class: %s is none',
    (name) => {
      const classes: GatewayClass[] = [
        {
          metadata: { name: 'my-agw' },
          spec: { controllerName: 'istio.io/agentgateway-waypoint-controller' },
        },
      ];
      expect(isWaypointClass(name, classes, '1.30')).toBe(false);
    },
  );

  it('W8 Istio 1.30: no self-binding finding (the class is not a waypoint class there)', () => {
    const old = { ...snapshot, istioVersion: '1.30' as const };
    expect(diagnose(old).filter((d) => d.code === 'waypoint-binds-itself')).toEqual([]);
  });

  const snapshot: ClusterSnapshot = {
    namespaces: [
      namespace('default', {
        'istio.io/use-waypoint': 'agw',
        'istio.io/dataplane-mode': 'ambient',
      }),
    ],
    services: [
      {
        metadata: {
          namespace: 'default',
          name: 'agw',
          labels: {
            'gateway.istio.io/managed': 'istio.io-agentgateway-waypoint-controller',
            'gateway.networking.k8s.io/gateway-name': 'agw',
          },
        },
      },
      { metadata: { namespace: 'default', name: 'reviews' } },
    ],
    pods: [],
    gateways: [gateway('default', 'agw', { className: AGW })],
    gatewayClasses: [agwClass],
  };

  it('W8 its Service binding to its own waypoint is an error', () => {
    const found = diagnose(snapshot).filter((d) => d.code === 'waypoint-binds-itself');
    expect(found.map((d) => `${d.severity} ${d.subject}: ${d.message}`)).toEqual([
      'error Service default/agw: is the Service of waypoint default/agw (istio-agentgateway-waypoint) and is bound to that waypoint itself (via namespace): Istio exempts only istio-waypoint and east-west Services, so traffic to the waypoint loops through it. Label the Service istio.io/use-waypoint=none.',
    ]);
  });

  it('W8 none on its Service clears it', () => {
    const fixed = {
      ...snapshot,
      services: snapshot.services.map((s) =>
        s.metadata.name === 'agw'
          ? {
              metadata: {
                ...s.metadata,
                labels: { ...s.metadata.labels, 'istio.io/use-waypoint': 'none' },
              },
            }
          : s,
      ),
    };
    expect(diagnose(fixed).filter((d) => d.code === 'waypoint-binds-itself')).toEqual([]);
  });

  it('W8 delete finds an agentgateway waypoint', () => {
    const p = plan(snapshot, {
      op: 'deleteWaypoint',
      namespace: 'default',
      name: 'agw',
      unenroll: true,
    });
    expect(p.after.services.every((s) => s.waypoint === null)).toBe(true);
  });
});

describe('agentgateway waypoints in list and status', () => {
  it('W8 list shows them beside istio-waypoint ones', async () => {
    const { runCommand } = await import('../../shared/app/run-command.ts');
    const { StaticClusterRegistry } = await import('../../shared/adapters/kubernetes/registry.ts');
    const { SnapshotCluster } = await import('../../shared/commands/snapshot-cluster.ts');
    const { policyAuthorizer } = await import('../../shared/app/authorization.ts');
    const snapshot: ClusterSnapshot = {
      namespaces: [namespace('default')],
      services: [],
      pods: [],
      gateways: [
        gateway('default', 'agw', { className: AGW }),
        gateway('default', 'waypoint'),
        gateway('default', 'ingress', { className: 'istio' }),
      ],
      gatewayClasses: [agwClass, gatewayClass('istio-waypoint')],
    };
    const outcome = await runCommand(
      {
        clusters: new StaticClusterRegistry({ c: new SnapshotCluster(snapshot) }),
        authorizer: policyAuthorizer({
          version: 1,
          allowProtectedNamespaces: true,
          rules: [{ subjects: ['*'], role: 'admin', clusters: ['*'], namespaces: ['*'] }],
        }),
      },
      { cluster: 'c', caller: { id: 'local:t', kind: 'local' }, command: 'list -n default' },
    );
    const waypoints = (
      outcome.result as { waypoints: { name: string; gatewayClassName: string }[] }
    ).waypoints;
    expect(waypoints.map((w) => `${w.name} ${w.gatewayClassName}`)).toEqual([
      'agw istio-agentgateway-waypoint',
      'waypoint istio-waypoint',
    ]);
  });
});
