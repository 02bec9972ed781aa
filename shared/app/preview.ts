/**
 * `plan` of several mutations: each previewed on the state the previous one leaves, so a whole
 * walkthrough can be previewed before anything changes.
 */
import type { BindingChange } from '../domain/diff.ts';
import type { Pod } from '../domain/model.ts';
import { applyMutation, type Mutation, plan } from '../domain/plan.ts';
import type { Deps, Requested } from './deps.ts';

/** One previewed mutation. */
export interface PlannedStep {
  readonly mutation: Mutation;
  readonly warnings: readonly string[];
  /** The mutation would do nothing (as istioctl: apply --enroll-namespace over an enrolled one). */
  readonly skipped: boolean;
  readonly changes: readonly BindingChange[];
}

export interface PreviewInput extends Requested {
  readonly cluster: string;
  readonly mutations: readonly Mutation[];
}

function namespaceOf(mutation: Mutation): string {
  return 'target' in mutation ? mutation.target.namespace : mutation.namespace;
}

/** Previews `mutations` in sequence on one read of the cluster; changes nothing. */
export async function previewPlan(deps: Deps, input: PreviewInput): Promise<PlannedStep[]> {
  for (const namespace of new Set(input.mutations.map(namespaceOf)))
    deps.authorizer.authorize(input.caller, 'read', { cluster: input.cluster, namespace });
  const cluster = deps.clusters.get(input.cluster);
  let snapshot = await cluster.clusterSnapshot();
  // The snapshot holds only labelled pods: add those the mutations target.
  const known = new Set(snapshot.pods.map((p) => `${p.metadata.namespace}/${p.metadata.name}`));
  const extra: Pod[] = [];
  for (const mutation of input.mutations) {
    if ('target' in mutation && mutation.target.kind === 'pods') {
      for (const pod of await cluster.podsOf(mutation.target)) {
        const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
        if (!known.has(key)) extra.push(pod);
        known.add(key);
      }
    }
  }
  snapshot = { ...snapshot, pods: [...snapshot.pods, ...extra] };
  return input.mutations.map((mutation) => {
    const result = plan(snapshot, mutation);
    snapshot = applyMutation(snapshot, mutation).snapshot;
    return {
      mutation,
      warnings: result.warnings,
      skipped: result.skipped,
      changes: result.changes,
    };
  });
}
