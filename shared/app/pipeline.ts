/**
 * The event pipeline's use cases: audit events become reconcile requests; a reconcile recomputes a
 * namespace, diffs it against the last published state, publishes the changes, then commits the
 * new state; a sweep does the same for a whole cluster from one snapshot.
 *
 * Publish comes before commit, through an outbox: the messages are staged in the store, published,
 * then committed. A crash anywhere in between makes the next reconcile publish the staged messages
 * again, unchanged (same ids and bodies, which SQS deduplicates for 5 minutes and consumers by id),
 * before it computes anything new, so no change is lost or announced twice with different content.
 * A stage or commit that loses to a concurrent reconcile starts over from the new state.
 */
import { actorOf } from '../domain/actor.ts';
import { type AuditRecord, auditImpact, type Impact } from '../domain/audit.ts';
import {
  alignPods,
  type BindingSet,
  computeNamespaceBindings,
  dependents,
  EMPTY_BINDINGS,
} from '../domain/bindings.ts';
import { diff } from '../domain/diff.ts';
import { ConflictError } from '../domain/errors.ts';
import { bindingChangeMessages, eventSource } from '../domain/message.ts';
import type { ClusterSnapshot, Pod } from '../domain/model.ts';
import { computeEntryBindings } from '../domain/service-entries.ts';
import type {
  BindingStore,
  ChangePublisher,
  Clock,
  ClusterRegistry,
  PendingPublication,
  ReconcileQueue,
  SnapshotOptions,
  StoredBindings,
} from '../ports.ts';
import type { ReconcileRequest } from '../schemas/reconcile-request.ts';

/** The pipeline's reads: published bindings follow labels, not pod lifecycle (ADR 0002). */
const WITHOUT_LIFECYCLE: SnapshotOptions = { lifecycle: false };

/** The ports the pipeline's use cases run on. */
export interface PipelineDeps {
  readonly clusters: ClusterRegistry;
  readonly store: BindingStore;
  readonly publisher: ChangePublisher;
  readonly queue: ReconcileQueue;
  /** When clusters are read and messages are stamped. */
  readonly clock: Clock;
  /** CloudEvents `source` of the published messages (default: {@link eventSource} of the cluster). */
  readonly source?: string;
  /** waypointer's own usernames per cluster, whose User-Agent names the real actor (actor.ts). */
  readonly identities?: Readonly<Record<string, readonly string[]>>;
}
const MAX_ATTEMPTS = 3;

/** Namespaces an impact reaches, read from a (lazily taken) cluster snapshot when needed. */
async function namespacesOf(
  impact: Impact,
  snapshot: () => Promise<ClusterSnapshot>,
): Promise<string[]> {
  if (impact.kind === 'namespace') return [impact.namespace];
  const cluster = await snapshot();
  if (impact.kind === 'cluster') return cluster.namespaces.map((n) => n.metadata.name);
  const referencing = dependents(cluster, { namespace: impact.namespace, name: impact.name });
  return [...new Set([impact.namespace, ...referencing.map((d) => d.namespace)])];
}

/**
 * Turns audit events into one reconcile request per affected namespace (the latest actor, every
 * audit id), and enqueues them. Returns the requests, how many events could not change a binding,
 * and whether the cluster is one this deployment manages (events of any other are all dropped).
 */
export async function ingestAudit(
  deps: Pick<PipelineDeps, 'clusters' | 'queue' | 'identities'>,
  input: { cluster: string; events: readonly AuditRecord[] },
): Promise<{ requests: ReconcileRequest[]; ignored: number; unconfigured: boolean }> {
  if (!deps.clusters.names().includes(input.cluster)) {
    // Nothing could ever reconcile them: drop them here rather than fail every retry later.
    return { requests: [], ignored: input.events.length, unconfigured: true };
  }
  const identities = deps.identities?.[input.cluster] ?? [];
  let taken: Promise<ClusterSnapshot> | undefined;
  const snapshot = (): Promise<ClusterSnapshot> => {
    taken ??= deps.clusters.get(input.cluster).clusterSnapshot(WITHOUT_LIFECYCLE);
    return taken;
  };
  const byNamespace = new Map<string, { actor: string | null; auditIds: Set<string> }>();
  let ignored = 0;
  for (const event of input.events) {
    const impact = auditImpact(event);
    if (impact === null) {
      ignored++;
      continue;
    }
    for (const namespace of await namespacesOf(impact, snapshot)) {
      const entry = byNamespace.get(namespace) ?? { actor: null, auditIds: new Set<string>() };
      entry.auditIds.add(event.auditID);
      entry.actor = actorOf(event, identities) ?? entry.actor;
      byNamespace.set(namespace, entry);
    }
  }
  const requests = [...byNamespace.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([namespace, { actor, auditIds }]) => ({
      cluster: input.cluster,
      namespace,
      trigger: 'audit' as const,
      actor,
      // The latest ids a binding-change message can carry: a namespace written 30,000 times in one
      // delivery still makes one small request (a message larger than SQS takes would fail all).
      auditIds: [...auditIds].sort().slice(-MAX_AUDIT_IDS),
    }));
  if (requests.length > 0) await deps.queue.enqueue(requests);
  return { requests, ignored, unconfigured: false };
}

/** What a reconcile of one namespace did. */
export interface ReconcileResult {
  readonly namespace: string;
  /** The generation now stored (unchanged when nothing changed). */
  readonly generation: number;
  readonly changes: number;
  readonly messages: number;
}

/** Finishes a publication a crash interrupted: the same messages again, then its commit. */
async function finishPending(
  deps: PipelineDeps,
  cluster: string,
  namespace: string,
  stored: StoredBindings,
): Promise<StoredBindings> {
  const pending = stored.pending as PendingPublication;
  await deps.publisher.publish(pending.messages);
  await deps.store.commit(cluster, namespace, stored.generation);
  return {
    generation: pending.generation,
    bindings: pending.bindings,
    observedAt: pending.observedAt,
  };
}

/** The bindings of a namespace as read at `observedAt` (EMPTY_BINDINGS when the namespace is gone). */
interface Observation {
  readonly after: BindingSet;
  readonly observedAt: Date;
  /** The namespace's pods that were read (those with a label the rules read), for their age. */
  readonly pods: readonly Pod[];
}

/** A creation time at least a second before `lastRead` (creation times have whole seconds). */
function createdBefore(pod: Pod, lastRead: number | undefined): boolean {
  const created = new Date(pod.metadata.creationTimestamp ?? Number.NaN).getTime();
  return lastRead !== undefined && created + 1000 <= lastRead;
}

/**
 * Which pods whose own binding appeared existed at the last read, and which pods whose own binding
 * went still exist (read from the cluster: only those few pods), for {@link alignPods}.
 */
async function podExistence(
  deps: PipelineDeps,
  request: ReconcileRequest,
  stored: StoredBindings,
  observation: Observation,
): Promise<{ existedBefore: Set<string>; existsNow: Set<string> }> {
  const before = new Set(stored.bindings.pods.map((p) => p.name));
  const after = new Set(observation.after.pods.map((p) => p.name));
  const lastRead = stored.observedAt === undefined ? undefined : Date.parse(stored.observedAt);
  const existedBefore = new Set(
    observation.pods
      .filter((p) => after.has(p.metadata.name) && !before.has(p.metadata.name))
      .filter((p) => createdBefore(p, lastRead))
      .map((p) => p.metadata.name),
  );
  const gone = [...before].filter((name) => !after.has(name));
  if (gone.length === 0 || observation.after.namespaces.length === 0)
    return { existedBefore, existsNow: new Set() };
  const existing = await deps.clusters.get(request.cluster).existingPods(request.namespace, gone);
  return { existedBefore, existsNow: new Set(existing.map((p) => p.metadata.name)) };
}

/** At most this many audit ids travel with a change (the rest are in the audit log). */
export const MAX_AUDIT_IDS = 50;

async function reconcileAgainst(
  deps: PipelineDeps,
  request: ReconcileRequest,
  observation: Observation,
): Promise<ReconcileResult> {
  const { cluster, namespace } = request;
  let stored: StoredBindings = (await deps.store.load(cluster, namespace)) ?? {
    generation: 0,
    bindings: EMPTY_BINDINGS,
  };
  if (stored.pending !== undefined) stored = await finishPending(deps, cluster, namespace, stored);
  // A state read from the cluster after this observation is newer: never go back to an older read.
  if (
    stored.observedAt !== undefined &&
    Date.parse(stored.observedAt) > observation.observedAt.getTime()
  ) {
    return { namespace, generation: stored.generation, changes: 0, messages: 0 };
  }
  const previousGeneration = stored.generation;
  const aligned = alignPods(
    stored.bindings,
    observation.after,
    await podExistence(deps, request, stored, observation),
  );
  const changes = diff(aligned.before, aligned.after);
  if (changes.length === 0) {
    if (previousGeneration > 0)
      await deps.store.observed(
        cluster,
        namespace,
        previousGeneration,
        observation.observedAt.toISOString(),
      );
    return { namespace, generation: previousGeneration, changes: 0, messages: 0 };
  }
  const generation = previousGeneration + 1;
  const messages = bindingChangeMessages({
    cluster,
    namespace,
    generation,
    previousGeneration,
    changes,
    cause: {
      trigger: request.trigger,
      actor: request.actor,
      auditIds: request.auditIds.slice(-MAX_AUDIT_IDS),
    },
    source: deps.source ?? eventSource(cluster),
    time: deps.clock.now().toISOString(),
  });
  // The outbox: what is about to be published is stored first, so a crash before the commit
  // re-publishes exactly these messages (same ids, same bodies) instead of a recomputed variant.
  const observedAt = observation.observedAt.toISOString();
  await deps.store.stage(
    cluster,
    namespace,
    { generation, bindings: observation.after, messages, observedAt },
    previousGeneration,
  );
  await deps.publisher.publish(messages);
  await deps.store.commit(cluster, namespace, previousGeneration);
  return { namespace, generation, changes: changes.length, messages: messages.length };
}

/** Runs a diff-publish-commit again (with a fresh read) when a concurrent reconcile got there first. */
async function untilCommitted(run: () => Promise<ReconcileResult>): Promise<ReconcileResult> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (!(error instanceof ConflictError) || attempt >= MAX_ATTEMPTS) throw error;
    }
  }
}

/**
 * What is published for a namespace: its compact form, pods bound by labels alone (ADR 0002), and
 * its ServiceEntries, WorkloadEntries and inline endpoints (§15).
 */
function published(snapshot: ClusterSnapshot, namespace: string): BindingSet {
  return {
    ...computeNamespaceBindings(snapshot, namespace, { lifecycle: false }),
    ...computeEntryBindings(snapshot, namespace),
  };
}

/** Recomputes one namespace from a fresh, constant-cost read of the cluster. */
export function reconcileNamespace(
  deps: PipelineDeps,
  request: ReconcileRequest,
): Promise<ReconcileResult> {
  return untilCommitted(async () => {
    const observedAt = deps.clock.now();
    const snapshot = await deps.clusters
      .get(request.cluster)
      .namespaceSnapshot(request.namespace, WITHOUT_LIFECYCLE);
    const exists = snapshot.namespaces.some((n) => n.metadata.name === request.namespace);
    const after = exists ? published(snapshot, request.namespace) : EMPTY_BINDINGS;
    return reconcileAgainst(deps, request, { after, observedAt, pods: snapshot.pods });
  });
}

/** What a sweep of one cluster did, and where the next one continues. */
export interface SweepResult {
  readonly results: readonly ReconcileResult[];
  /** Where the next run continues (a namespace name); absent once the whole cluster was swept. */
  readonly cursor?: string;
}

/**
 * Reconciles every namespace of a cluster (and every namespace with stored state that no longer
 * exists) from ONE paged cluster snapshot, in namespace order from `cursor`, until `hasTime()`
 * says to stop. A namespace whose stored state was read after the snapshot is left alone.
 */
export async function sweepCluster(
  deps: PipelineDeps,
  input: { cluster: string; cursor?: string; hasTime?: () => boolean },
): Promise<SweepResult> {
  const observedAt = deps.clock.now();
  const snapshot = await deps.clusters.get(input.cluster).clusterSnapshot(WITHOUT_LIFECYCLE);
  const live = new Set(snapshot.namespaces.map((n) => n.metadata.name));
  const names = [...new Set([...live, ...(await deps.store.namespaces(input.cluster))])].sort();
  const results: ReconcileResult[] = [];
  for (const namespace of names) {
    if (input.cursor !== undefined && namespace <= input.cursor) continue;
    if (input.hasTime !== undefined && !input.hasTime())
      return { results, cursor: results[results.length - 1]?.namespace ?? input.cursor ?? '' };
    const request: ReconcileRequest = {
      cluster: input.cluster,
      namespace,
      trigger: 'sweep',
      actor: null,
      auditIds: [],
    };
    const after = live.has(namespace) ? published(snapshot, namespace) : EMPTY_BINDINGS;
    // A conflict means a reconcile committed a newer read meanwhile: the retry then skips.
    const pods = snapshot.pods.filter((p) => p.metadata.namespace === namespace);
    results.push(
      await untilCommitted(() => reconcileAgainst(deps, request, { after, observedAt, pods })),
    );
  }
  return { results };
}

/** One cluster's part of a sweep of every cluster. */
export interface ClusterSweep {
  readonly cluster: string;
  readonly namespaces: number;
  readonly changes: number;
  readonly complete: boolean;
  /** Why the cluster could not be swept this time; its cursor is kept for the next run. */
  readonly error?: string;
}

/**
 * Sweeps every configured cluster in name order, each from where its last sweep stopped, while
 * `hasTime()` allows. A cluster that fails is reported with its error and the others are still
 * swept: one unreachable cluster must not keep the rest from healing.
 */
export async function sweepClusters(
  deps: PipelineDeps,
  hasTime: () => boolean,
): Promise<ClusterSweep[]> {
  const swept: ClusterSweep[] = [];
  for (const cluster of deps.clusters.names()) {
    if (!hasTime()) break;
    try {
      const cursor = await deps.store.sweepCursor(cluster);
      const result = await sweepCluster(deps, {
        cluster,
        ...(cursor === undefined ? {} : { cursor }),
        hasTime,
      });
      await deps.store.saveSweepCursor(cluster, result.cursor);
      swept.push({
        cluster,
        namespaces: result.results.length,
        changes: result.results.reduce((sum, r) => sum + r.changes, 0),
        complete: result.cursor === undefined,
      });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      swept.push({ cluster, namespaces: 0, changes: 0, complete: false, error: message });
    }
  }
  return swept;
}
