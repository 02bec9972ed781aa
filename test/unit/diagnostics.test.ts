/**
 * Diagnostics: each code, its severity and its subject.
 */
import { describe, expect, it } from 'vitest';
import { diagnose } from '../../shared/domain/diagnostics.ts';
import type { ClusterSnapshot } from '../../shared/domain/model.ts';
import { gateway, gatewayClass, hbone, namespace, pod, service } from '../support/builders.ts';

const USE = 'istio.io/use-waypoint';
const AMBIENT = { 'istio.io/dataplane-mode': 'ambient' };

function world(parts: Partial<ClusterSnapshot>): ClusterSnapshot {
  return {
    namespaces: [namespace('default', AMBIENT)],
    services: [],
    pods: [],
    gateways: [],
    gatewayClasses: [gatewayClass('istio-waypoint')],
    ...parts,
  };
}

const codes = (snapshot: ClusterSnapshot): string[][] =>
  diagnose(snapshot).map((d) => [d.code, d.severity, d.subject]);

describe('diagnose', () => {
  it('reports nothing for a healthy enrolled namespace', () => {
    expect(
      codes(
        world({
          namespaces: [namespace('default', { ...AMBIENT, [USE]: 'w' })],
          services: [service('default', 's')],
          gateways: [gateway('default', 'w')],
        }),
      ),
    ).toEqual([]);
  });

  it.each<[string, ClusterSnapshot, string[][]]>([
    [
      'a dangling service label',
      world({ services: [service('default', 's', { [USE]: 'gone' })] }),
      [['dangling-reference', 'error', 'Service default/s']],
    ],
    [
      'a dangling namespace label (one diagnostic, on the namespace)',
      world({
        namespaces: [namespace('default', { ...AMBIENT, [USE]: 'gone' })],
        services: [service('default', 'a'), service('default', 'b')],
      }),
      [['dangling-reference', 'error', 'Namespace default']],
    ],
    [
      'a pod label to a waypoint without addresses',
      world({
        pods: [pod('default', 'p', { [USE]: 'w' })],
        gateways: [
          gateway('default', 'w', {
            ready: false,
            labels: { 'istio.io/waypoint-for': 'workload' },
          }),
        ],
      }),
      [['waypoint-not-programmed', 'error', 'Pod default/p']],
    ],
    [
      'a cross-namespace label the waypoint does not admit',
      world({
        namespaces: [namespace('default', AMBIENT), namespace('mesh')],
        services: [
          service('default', 's', { [USE]: 'w', 'istio.io/use-waypoint-namespace': 'mesh' }),
        ],
        gateways: [gateway('mesh', 'w')],
      }),
      [['attachment-denied', 'error', 'Service default/s']],
    ],
    [
      'a service label to a workload-only waypoint',
      world({
        services: [service('default', 's', { [USE]: 'w' })],
        gateways: [gateway('default', 'w', { labels: { 'istio.io/waypoint-for': 'workload' } })],
      }),
      [['traffic-type-mismatch', 'error', 'Service default/s']],
    ],
    [
      'a pod label to a service-only waypoint',
      world({ pods: [pod('default', 'p', { [USE]: 'w' })], gateways: [gateway('default', 'w')] }),
      [['traffic-type-mismatch', 'error', 'Pod default/p']],
    ],
    [
      'a namespace on a workload-only waypoint with Services',
      world({
        namespaces: [namespace('default', { ...AMBIENT, [USE]: 'w' })],
        services: [service('default', 's')],
        gateways: [gateway('default', 'w', { labels: { 'istio.io/waypoint-for': 'workload' } })],
      }),
      [['traffic-type-mismatch', 'warning', 'Namespace default']],
    ],
    [
      'a waypoint that lost its pods (Programmed=False, addresses kept)',
      world({
        namespaces: [namespace('default', { ...AMBIENT, [USE]: 'w' })],
        gateways: [gateway('default', 'w', { programmed: false })],
      }),
      [['waypoint-degraded', 'warning', 'Gateway default/w']],
    ],
    [
      'an unused waypoint',
      world({ gateways: [gateway('default', 'w')] }),
      [['unused-waypoint', 'info', 'Gateway default/w']],
    ],
    [
      'an unused waypoint of a class labelled for traffic',
      world({
        gateways: [gateway('default', 'cw', { className: 'custom-waypoint' })],
        gatewayClasses: [
          gatewayClass('istio-waypoint'),
          gatewayClass('custom-waypoint', { 'istio.io/waypoint-for': 'service' }),
        ],
      }),
      [['unused-waypoint', 'info', 'Gateway default/cw']],
    ],
    [
      'a Gateway of another class is no managed waypoint',
      world({ gateways: [gateway('default', 'ingress', { className: 'istio' })] }),
      [],
    ],
    [
      'a namespace that uses waypoints outside ambient',
      world({
        namespaces: [namespace('default', { [USE]: 'w' })],
        gateways: [gateway('default', 'w')],
      }),
      [['namespace-not-ambient', 'warning', 'Namespace default']],
    ],
    [
      'a protected namespace with use-waypoint labels',
      world({
        namespaces: [namespace('kube-system', AMBIENT)],
        services: [service('kube-system', 'dns', { [USE]: 'w' })],
        gateways: [gateway('kube-system', 'w')],
      }),
      [['protected-namespace', 'warning', 'Namespace kube-system']],
    ],
    [
      'an opt-out with none is no problem',
      world({
        namespaces: [namespace('default', { ...AMBIENT, [USE]: 'w' })],
        services: [service('default', 's', { [USE]: 'none' })],
        gateways: [
          gateway('default', 'w', { listeners: [hbone({ namespaces: { from: 'All' } })] }),
        ],
      }),
      [],
    ],
  ])('%s', (_case, snapshot, expected) => {
    expect(codes(snapshot)).toEqual(expected);
  });

  it('sorts errors before warnings before notes and says what to do', () => {
    const found = diagnose(
      world({
        namespaces: [namespace('default', { [USE]: 'w' })],
        services: [service('default', 's', { [USE]: 'gone' })],
        gateways: [gateway('default', 'w'), gateway('default', 'spare')],
      }),
    );
    expect(found.map((d) => d.severity)).toEqual(['error', 'warning', 'info']);
    expect(found[0]?.message).toBe(
      "uses waypoint default/gone, which does not exist; service-addressed traffic bypasses any waypoint (Istio never falls back to the namespace's waypoint). Apply the waypoint or remove the istio.io/use-waypoint label.",
    );
    expect(found[1]?.message).toContain(
      '`kubectl label namespace default istio.io/dataplane-mode=ambient`',
    );
  });
});
