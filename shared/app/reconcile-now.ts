/**
 * "Reconcile now": a caller asks for a namespace's bindings to be recomputed at once, rather than
 * waiting for the next audit event or sweep.
 */
import type { ReconcileQueue } from '../ports.ts';
import type { Deps, Requested } from './deps.ts';
import { type BindingsPage, getNamespaceBindings } from './queries.ts';

/** The use case's ports: the API's, and the reconcile queue where the event pipeline is deployed. */
export interface ReconcileNowDeps extends Deps {
  readonly queue?: ReconcileQueue;
}

/**
 * Recomputes a namespace's bindings and answers them; where the event pipeline is deployed, also
 * asks it to reconcile the namespace (trigger `api`, the caller as actor), so that the changes are
 * published. Needs the right to mutate the namespace: publishing is a change.
 *
 * @example
 * await reconcileNow(deps, { caller, cluster: 'prod', namespace: 'default' });
 */
export async function reconcileNow(
  deps: ReconcileNowDeps,
  input: Requested & { cluster: string; namespace: string },
): Promise<BindingsPage> {
  const { caller, cluster, namespace } = input;
  deps.authorizer.authorize(caller, 'mutate', { cluster, namespace });
  const bindings = await getNamespaceBindings(deps, input);
  await deps.queue?.enqueue([
    { cluster, namespace, trigger: 'api', actor: caller.id, auditIds: [] },
  ]);
  return bindings;
}
