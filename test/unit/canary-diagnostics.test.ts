/**
 * Diagnostics beyond istioctl: a canary failure hidden under WaypointBound=True, canary labels a
 * 1.30 cluster does not read, and drift between the condition istiod wrote and the computed one.
 */
import { describe, expect, it } from 'vitest';
import { diagnose } from '../../shared/domain/diagnostics.ts';
import type { ClusterSnapshot, Service } from '../../shared/domain/model.ts';
import { gateway, gatewayClass, namespace } from '../support/builders.ts';

const USE = 'istio.io/use-waypoint';
const CANARY = 'istio.io/use-waypoint-canary';
const ACCEPTED = 'Successfully attached to waypoint default/waypoint';

function svc(
  name: string,
  labels: Record<string, string>,
  observed?: { status: string; reason: string; message: string },
): Service {
  return {
    metadata: { namespace: 'default', name, labels },
    ...(observed === undefined
      ? {}
      : { status: { conditions: [{ type: 'istio.io/WaypointBound', ...observed }] } }),
  };
}

function snapshot(services: Service[], istioVersion?: '1.30' | '1.31'): ClusterSnapshot {
  return {
    namespaces: [namespace('default', { 'istio.io/dataplane-mode': 'ambient' })],
    services,
    pods: [],
    gateways: [gateway('default', 'waypoint'), gateway('default', 'v2')],
    gatewayClasses: [gatewayClass('istio-waypoint')],
    ...(istioVersion === undefined ? {} : { istioVersion }),
  };
}

const found = (s: ClusterSnapshot) =>
  diagnose(s)
    .filter((d) => d.code !== 'unused-waypoint')
    .map((d) => `${d.code} ${d.severity} ${d.subject}: ${d.message}`);

describe('canary and drift diagnostics', () => {
  it.each<[string, ClusterSnapshot, string[]]>([
    [
      'N8 a canary failure hidden under WaypointBound=True',
      snapshot([svc('reviews', { [USE]: 'waypoint', [CANARY]: 'v3' })]),
      [
        'canary-not-attached warning Service default/reviews: is bound to waypoint default/waypoint (WaypointBound=True), but its canary default/v3 is not attached: waypoint "default/v3" is not ready. Every connection goes to default/waypoint; fix the canary or roll it back.',
      ],
    ],
    [
      'N9 a canary that applies is no finding',
      snapshot([svc('reviews', { [USE]: 'waypoint', [CANARY]: 'v2' })]),
      [],
    ],
    [
      'N1 canary labels on a 1.30 cluster are not read',
      snapshot([svc('reviews', { [USE]: 'waypoint', [CANARY]: 'v2' })], '1.30'),
      [
        'canary-ignored info Service default/reviews: carries istio.io/use-waypoint-canary, which Istio 1.30 does not read (canary waypoints are 1.31+): every connection goes to its waypoint.',
      ],
    ],
    [
      'drift: istiod wrote another condition than the labels give',
      snapshot([
        svc(
          'reviews',
          { [USE]: 'waypoint' },
          {
            status: 'False',
            reason: 'WaypointIsNotReady',
            message: 'waypoint "default/waypoint" is not ready',
          },
        ),
      ]),
      [
        'drift warning Service default/reviews: istiod reports WaypointBound=False (WaypointIsNotReady: waypoint "default/waypoint" is not ready), but the labels and waypoints give True (WaypointAccepted: Successfully attached to waypoint default/waypoint); istiod has not caught up, or it runs another Istio version than the one configured.',
      ],
    ],
    [
      'drift: a condition istiod should have removed',
      snapshot([
        svc('ratings', {}, { status: 'True', reason: 'WaypointAccepted', message: ACCEPTED }),
      ]),
      [
        'drift warning Service default/ratings: istiod reports WaypointBound=True (WaypointAccepted: Successfully attached to waypoint default/waypoint), but the labels and waypoints give no condition; istiod has not caught up, or it runs another Istio version than the one configured.',
      ],
    ],
    [
      'no drift when they agree',
      snapshot([
        svc(
          'reviews',
          { [USE]: 'waypoint' },
          { status: 'True', reason: 'WaypointAccepted', message: ACCEPTED },
        ),
      ]),
      [],
    ],
    [
      'no drift when istiod writes no conditions in the cluster at all',
      snapshot([svc('reviews', { [USE]: 'waypoint' })]),
      [],
    ],
    [
      'drift: a condition missing where istiod writes them',
      snapshot([
        svc('reviews', { [USE]: 'waypoint' }),
        svc(
          'details',
          { [USE]: 'waypoint' },
          { status: 'True', reason: 'WaypointAccepted', message: ACCEPTED },
        ),
      ]),
      [
        'drift warning Service default/reviews: istiod reports no WaypointBound condition, but the labels and waypoints give True (WaypointAccepted: Successfully attached to waypoint default/waypoint); istiod has not caught up, or it runs another Istio version than the one configured.',
      ],
    ],
  ])('%s', (_rule, s, expected) => {
    expect(found(s)).toEqual(expected);
  });
});
