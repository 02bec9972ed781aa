/**
 * A batch of reconcile requests, coalesced: requests for the same namespace become one reconcile
 * that carries every request's audit ids, so a burst of audit events costs one read of the
 * namespace, not one per event.
 */
import type { ReconcileRequest } from '../schemas/reconcile-request.ts';
import { type PipelineDeps, type ReconcileResult, reconcileNamespace } from './pipeline.ts';

/** The namespace a request is about: `<cluster>/<namespace>`. */
export function requestKey(request: Pick<ReconcileRequest, 'cluster' | 'namespace'>): string {
  return `${request.cluster}/${request.namespace}`;
}

/**
 * Merges requests per namespace, in order: the latest known actor, every audit id once (sorted),
 * and `audit` as the trigger as soon as one request came from an audit event (otherwise the
 * latest request's trigger).
 *
 * @example
 * coalesce([
 *   { cluster: 'c', namespace: 'n', trigger: 'audit', actor: 'alice', auditIds: ['b'] },
 *   { cluster: 'c', namespace: 'n', trigger: 'sweep', actor: null, auditIds: ['a'] },
 * ]).get('c/n');
 * // => { cluster: 'c', namespace: 'n', trigger: 'audit', actor: 'alice', auditIds: ['a', 'b'] }
 */
export function coalesce(requests: readonly ReconcileRequest[]): Map<string, ReconcileRequest> {
  const merged = new Map<string, ReconcileRequest>();
  for (const request of requests) {
    const previous = merged.get(requestKey(request));
    merged.set(requestKey(request), {
      ...request,
      actor: request.actor ?? previous?.actor ?? null,
      auditIds: [...new Set([...(previous?.auditIds ?? []), ...request.auditIds])].sort(),
      trigger: previous?.trigger === 'audit' ? 'audit' : request.trigger,
    });
  }
  return merged;
}

/** Reconciles the namespace of one request of the batch; see {@link reconcileBatch}. */
export type BatchReconcile = (request: ReconcileRequest) => Promise<ReconcileResult>;

/**
 * The reconcile of a batch of requests: each namespace is reconciled once, with the coalesced
 * request of the whole batch, the first time one of its requests asks for it; every other request
 * of that namespace gets the same result (or the same failure). Lets a caller settle each message
 * on its own (a partial batch response) while a namespace is read only once.
 *
 * @example
 * const reconcile = reconcileBatch(deps, requests);
 * for (const request of requests) await reconcile(request); // one reconcile per namespace
 */
export function reconcileBatch(
  deps: PipelineDeps,
  requests: readonly ReconcileRequest[],
): BatchReconcile {
  const merged = coalesce(requests);
  const runs = new Map<string, Promise<ReconcileResult>>();
  return (request) => {
    const key = requestKey(request);
    let run = runs.get(key);
    if (run === undefined) {
      run = reconcileNamespace(deps, merged.get(key) ?? request);
      runs.set(key, run);
    }
    return run;
  };
}
