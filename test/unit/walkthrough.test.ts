/**
 * The seed scenario (Istio's "Configure waypoint proxies", the README's walkthrough): Bookinfo in
 * ambient mode, a namespace waypoint, a Service waypoint for reviews, and a workload waypoint for
 * reviews v2.
 * Each step runs through the command grammar and the plan, as a user would preview it.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseMutation, tokenize } from '../../shared/commands/grammar.ts';
import { type BindingSet, computeBindings } from '../../shared/domain/bindings.ts';
import type { ClusterSnapshot } from '../../shared/domain/model.ts';
import { applyMutation, plan } from '../../shared/domain/plan.ts';
import { parseSnapshot } from '../../shared/schemas/kubernetes.ts';

const seed = (file: string): ClusterSnapshot =>
  parseSnapshot(
    readFileSync(
      new URL(
        file.endsWith('.json') ? `../fixtures/${file}` : `../../infra/local/kube-api/seeds/${file}`,
        import.meta.url,
      ),
      'utf8',
    ),
  ).snapshot;

const table = (set: BindingSet, names: Set<string>): string[] => [
  ...set.services
    .filter((s) => names.has(s.name))
    .map((s) => `svc ${s.name} ${s.waypoint?.name ?? '-'} ${s.via ?? '-'}`),
  ...set.pods
    .filter((p) => names.has(p.name))
    .map((p) => `pod ${p.name} ${p.waypoint?.name ?? '-'} ${p.via ?? '-'}`),
];

const STEPS = [
  'apply -n default --enroll-namespace',
  'apply -n default --name reviews-svc-waypoint',
  'enroll service reviews -n default --waypoint reviews-svc-waypoint',
  'apply -n default --name reviews-v2-pod-waypoint --for workload',
  'enroll pods -n default -l app=reviews,version=v2 --waypoint reviews-v2-pod-waypoint',
];

describe('the seed walkthrough', () => {
  const start = seed('bookinfo.yaml');
  const original = new Set([...start.services, ...start.pods].map((o) => o.metadata.name));

  it('moves each binding as the guide says, step by step', () => {
    let snapshot = start;
    const changes = STEPS.map((step) => {
      const mutation = parseMutation(tokenize(step));
      const result = plan(snapshot, mutation);
      snapshot = applyMutation(snapshot, mutation).snapshot;
      return result.changes.map(
        (c) =>
          `${c.kind} ${c.name}: ${c.before?.waypoint?.name ?? '-'} -> ${c.after?.waypoint?.name ?? '-'}`,
      );
    });
    expect(changes).toEqual([
      [
        'Service details: - -> waypoint',
        'Service productpage: - -> waypoint',
        'Service ratings: - -> waypoint',
        'Service reviews: - -> waypoint',
      ],
      [],
      ['Service reviews: waypoint -> reviews-svc-waypoint'],
      [],
      ['Pod reviews-v2-6f85cb9b7c-9jbd8: - -> reviews-v2-pod-waypoint'],
    ]);
    expect(table(computeBindings(snapshot), original)).toEqual([
      'svc details waypoint namespace',
      'svc productpage waypoint namespace',
      'svc ratings waypoint namespace',
      'svc reviews reviews-svc-waypoint service',
      'pod details-v1-65cfcf56f9-4xk2p - -',
      'pod productpage-v1-d5789fdfb-8l2zq - -',
      'pod ratings-v1-7c9bd4b87f-tm5v9 - -',
      'pod reviews-v1-6584ddcf65-qv7rn - -',
      'pod reviews-v2-6f85cb9b7c-9jbd8 reviews-v2-pod-waypoint pod',
      'pod reviews-v3-6f5b775685-h2f4x - -',
    ]);
  });

  it("ends where the cluster's own state after the guide ends (istiod's objects included)", () => {
    let snapshot = start;
    for (const step of STEPS)
      snapshot = applyMutation(snapshot, parseMutation(tokenize(step))).snapshot;
    const observed = computeBindings(seed('bookinfo-walkthrough.json'));
    expect(table(computeBindings(snapshot), original)).toEqual(table(observed, original));
    const istiodObjects = [...observed.services, ...observed.pods].filter(
      (o) => !original.has(o.name),
    );
    expect(istiodObjects.map((o) => [o.name, o.waypoint, o.via])).toEqual([
      ['reviews-svc-waypoint', null, null],
      ['reviews-v2-pod-waypoint', null, null],
      ['waypoint', null, null],
      ['reviews-svc-waypoint-7f8d9c6b5a-x7k2d', null, null],
      ['reviews-v2-pod-waypoint-6c7b8a9d4e-x7k2d', null, null],
      ['waypoint-5d9c8b7f6d-x7k2d', null, null],
    ]);
  });
});
