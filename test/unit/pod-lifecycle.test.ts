/**
 * Pod lifecycle (§7 K6-K8): istiod builds no workload for a Succeeded or Failed pod, or one without
 * a parseable IP; a host-network pod gets one. Shown bindings say so; the published (compact)
 * bindings keep following labels only, so they do not flap while pods start and stop (ADR 0002).
 */
import { describe, expect, it } from 'vitest';
import {
  BindingContext,
  computeBindings,
  computeNamespaceBindings,
} from '../../shared/domain/bindings.ts';
import { diff } from '../../shared/domain/diff.ts';
import type { ClusterSnapshot, Pod } from '../../shared/domain/model.ts';
import { gateway, gatewayClass, namespace } from '../support/builders.ts';

const USE = 'istio.io/use-waypoint';

function pod(name: string, status?: Pod['status'], spec?: Pod['spec']): Pod {
  return {
    metadata: { namespace: 'default', name, labels: { [USE]: 'w' } },
    ...(status === undefined ? {} : { status }),
    ...(spec === undefined ? {} : { spec }),
  };
}

function world(pods: Pod[]): ClusterSnapshot {
  return {
    namespaces: [namespace('default')],
    services: [],
    pods,
    gateways: [gateway('default', 'w', { labels: { 'istio.io/waypoint-for': 'workload' } })],
    gatewayClasses: [gatewayClass('istio-waypoint')],
  };
}

const RUNNING = { phase: 'Running', podIP: '10.0.0.7' };

describe('pod lifecycle (workloads.go podWorkloadBuilder)', () => {
  it.each<[string, Pod, object]>([
    ['K6 a Running pod with an IP is bound', pod('p', RUNNING), { waypoint: 'w', via: 'pod' }],
    [
      'K6 a Pending pod with an IP is bound (istio#48854)',
      pod('p', { phase: 'Pending', podIP: '10.0.0.7' }),
      { waypoint: 'w', via: 'pod' },
    ],
    [
      'K6 a Succeeded pod has no workload',
      pod('p', { phase: 'Succeeded', podIP: '10.0.0.7' }),
      { waypoint: null, via: null, workload: false },
    ],
    [
      'K6 a Failed pod has no workload',
      pod('p', { phase: 'Failed', podIP: '10.0.0.7' }),
      { waypoint: null, via: null, workload: false },
    ],
    [
      'K7 a pod without an IP has no workload',
      pod('p', { phase: 'Pending' }),
      { waypoint: null, via: null, workload: false },
    ],
    [
      'K7 status.podIPs is read before status.podIP',
      pod('p', { phase: 'Running', podIPs: [{ ip: 'fd00::7' }] }),
      { waypoint: 'w', via: 'pod' },
    ],
    [
      'K7 an IP that does not parse gives no workload',
      pod('p', { phase: 'Running', podIPs: [{ ip: '10.0.0.7' }, { ip: 'not-an-ip' }] }),
      { waypoint: null, via: null, workload: false },
    ],
    [
      'K7 netip.ParseAddr refuses an IPv4 with a leading zero',
      pod('p', { phase: 'Running', podIP: '010.0.0.7' }),
      { waypoint: null, via: null, workload: false },
    ],
    [
      'K7 an IPv6 with a zone parses',
      pod('p', { phase: 'Running', podIPs: [{ ip: 'fe80::7%eth0' }] }),
      { waypoint: 'w', via: 'pod' },
    ],
    [
      'K8 a host-network pod gets a workload, and its waypoint',
      pod('p', { phase: 'Running', podIP: '192.168.1.4' }, { hostNetwork: true }),
      { waypoint: 'w', via: 'pod' },
    ],
    [
      'K6 a pod read without its status is bound by its labels',
      pod('p'),
      { waypoint: 'w', via: 'pod' },
    ],
  ])('%s', (_rule, p, expected) => {
    const b = new BindingContext(world([p])).bindPod(p);
    expect({
      waypoint: b.waypoint?.name ?? null,
      via: b.via,
      ...(b.workload === undefined ? {} : { workload: b.workload }),
    }).toEqual(expected);
  });

  it('ADR 0002: the published form does not change while a pod starts and stops', () => {
    const states: Pod['status'][] = [
      { phase: 'Pending' },
      { phase: 'Pending', podIP: '10.0.0.7' },
      RUNNING,
      { phase: 'Succeeded', podIP: '10.0.0.7' },
    ];
    const published = states.map((s) =>
      computeNamespaceBindings(world([pod('p', s)]), 'default', { lifecycle: false }),
    );
    for (const later of published.slice(1)) expect(diff(published[0] as never, later)).toEqual([]);
    const shown = states.map(
      (s) => computeBindings(world([pod('p', s)])).pods[0]?.waypoint?.name ?? null,
    );
    expect(shown).toEqual([null, 'w', 'w', null]);
  });
});

describe('pod lifecycle on the command line (-f, kubectl get -o json)', () => {
  it('reports a Succeeded pod as having no workload', async () => {
    const { cli } = await import('../support/cli.ts');
    const list = {
      apiVersion: 'v1',
      kind: 'List',
      items: [
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } },
        {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { namespace: 'default', name: 'job-1', labels: { [USE]: 'w' } },
          spec: { hostNetwork: false, containers: [] },
          status: { phase: 'Succeeded', podIP: '10.0.0.9' },
        },
      ],
    };
    const { code, stdout } = await cli(['bindings', '-f', '-'], JSON.stringify(list));
    expect(code).toBe(0);
    expect(stdout).toContain('default     job-1   <none>     no workload');
  });
});
