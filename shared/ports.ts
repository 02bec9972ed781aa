/**
 * The interfaces the use cases need from the outside world. Adapters in `shared/adapters`
 * implement them; the composition root of each function builds one of each.
 */
import type { BindingSet } from './domain/bindings.ts';
import type { ClusterSnapshot, Gateway, Namespace, Pod } from './domain/model.ts';
import type { LabelTarget } from './domain/plan.ts';
import type { ReconcileRequest } from './schemas/reconcile-request.ts';

export type { LabelTarget };

/**
 * Time, as the use cases and adapters see it: injected so tests and the embedded stack can control
 * it. `systemClock` (shared/adapters/clock.ts) is the real one.
 */
export interface Clock {
  /** The current time. */
  now(): Date;
  /** Resolves after `ms` milliseconds. */
  sleep(ms: number): Promise<void>;
}

/**
 * The principal as the transport determined it: an IAM user or role ARN, a JWT subject written
 * `jwt:<sub>`, a Slack user written `slack:<team>/<user>`, or a local user. An empty `id` is no
 * authenticated caller: every action is refused to it.
 */
export interface Caller {
  readonly id: string;
  readonly kind: 'iam' | 'jwt' | 'slack' | 'eventbridge' | 'local';
}

/** What a request does: read, change, or delete a waypoint that still has dependents (`force`). */
export type Action = 'read' | 'mutate' | 'force-delete';

/** What a request touches: one namespace of a cluster, or (no `namespace`) the cluster as a whole. */
export interface Scope {
  readonly cluster: string;
  readonly namespace?: string | undefined;
}

/**
 * Decides what a caller may do. Use cases ask it for every namespace they touch, before they read
 * or change anything there; transports only establish who the caller is. The policy document's
 * implementation is `policyAuthorizer` (shared/app/authorization.ts).
 */
export interface Authorizer {
  /** Returns when `caller` may do `action` in `scope`; throws ForbiddenError saying why otherwise. */
  authorize(caller: Caller, action: Action, scope: Scope): void;
  /** Whether `caller` may do `action` in `scope` (to filter what a list shows). */
  allows(caller: Caller, action: Action, scope: Scope): boolean;
}

/** Labels to set (a string) or remove (null). */
export type LabelChanges = Readonly<Record<string, string | null>>;

/** What every call to a cluster may be given. */
export interface CallOptions {
  /**
   * Ends the call once it aborts (a request's deadline, or its answer): no further request or
   * retry is made, the request in flight is aborted, and the call rejects with UnavailableError
   * (TimeoutError for `waitForProgrammed`).
   */
  readonly signal?: AbortSignal;
}

/** What every write to a cluster may say about itself. */
export interface WriteOptions extends CallOptions {
  /**
   * The caller the write is made for (a Caller id): sent in the User-Agent, so that the audit
   * event, and the binding change it leads to, name them (shared/domain/actor.ts).
   */
  readonly actor?: string;
}

/** What a snapshot reads besides the objects the binding rules need. */
export interface SnapshotOptions extends CallOptions {
  /**
   * Whether labelled pods carry what says if istiod builds them a workload (phase, IP; three more
   * lists per label). Default true; the pipeline reads without it: published bindings follow
   * labels, not pod lifecycle (ADR 0002).
   */
  readonly lifecycle?: boolean;
}

/** A Kubernetes cluster, as waypointer reads and changes it. */
export interface Cluster {
  /**
   * Everything the binding rules need about one namespace, in a constant number of requests
   * whatever its pod count: the Namespace, its Services, only its pods that carry
   * `istio.io/use-waypoint` or `gateway.networking.k8s.io/gateway-name`, every Gateway and
   * GatewayClass (waypoints may serve other namespaces).
   */
  namespaceSnapshot(namespace: string, options?: SnapshotOptions): Promise<ClusterSnapshot>;
  /** The same for the whole cluster, read in pages. */
  clusterSnapshot(options?: SnapshotOptions): Promise<ClusterSnapshot>;
  getNamespace(name: string, options?: CallOptions): Promise<Namespace | null>;
  /**
   * Which of the named pods of a namespace exist now (metadata); missing ones are left out. For the
   * few pods whose own binding disappeared, to tell an unlabelled pod from a deleted one.
   */
  existingPods(namespace: string, names: readonly string[], options?: CallOptions): Promise<Pod[]>;
  /** Pods (metadata) of a namespace by name (all must exist) or by label selector. */
  podsOf(target: LabelTarget & { kind: 'pods' }, options?: CallOptions): Promise<Pod[]>;
  getGateway(namespace: string, name: string, options?: CallOptions): Promise<Gateway | null>;
  listGateways(namespace?: string, options?: CallOptions): Promise<Gateway[]>;
  /** Server-side apply of a Gateway manifest with field manager `waypointer`. */
  applyGateway(
    manifest: Record<string, unknown>,
    options?: { readonly force?: boolean; readonly dryRun?: boolean } & WriteOptions,
  ): Promise<Gateway>;
  /** Deletes a Gateway; false when it did not exist. */
  deleteGateway(
    namespace: string,
    name: string,
    options?: { readonly dryRun?: boolean } & WriteOptions,
  ): Promise<boolean>;
  /**
   * Sets and removes labels (JSON merge patch), and the annotations given in the same patch (a
   * canary's weight); returns the names of the objects changed.
   */
  setLabels(
    target: LabelTarget,
    labels: LabelChanges,
    options?: { readonly dryRun?: boolean; readonly annotations?: LabelChanges } & WriteOptions,
  ): Promise<string[]>;
  /**
   * Resolves with the Gateway once its `Programmed` condition is True; rejects with TimeoutError
   * after the timeout, or when `options.signal` aborts first.
   */
  waitForProgrammed(
    namespace: string,
    name: string,
    timeoutMs: number,
    options?: CallOptions,
  ): Promise<Gateway>;
}

/** The clusters one deployment manages, by the name used in API paths. */
export interface ClusterRegistry {
  /** Configured cluster names, sorted. */
  names(): string[];
  /** The cluster called `name`; NotFoundError when none is configured. */
  get(name: string): Cluster;
}

/** The last bindings published for a namespace, and their generation. */
export interface StoredBindings {
  /** 1 for the first state committed; +1 at every commit; 0 before the first. */
  readonly generation: number;
  /** The namespace's bindings in compact form (Services, labelled pods, the namespace default). */
  readonly bindings: BindingSet;
  /** When the cluster was read for this state (ISO 8601); a sweep never overwrites a newer read. */
  readonly observedAt?: string;
  /** A publication staged but not known to be committed: re-publish it as is, then commit it. */
  readonly pending?: PendingPublication;
}

/** The outbox of one reconcile: the state to commit and the exact messages that announce it. */
export interface PendingPublication {
  readonly generation: number;
  readonly bindings: BindingSet;
  readonly messages: readonly OutgoingMessage[];
  /** When the cluster was read for `bindings` (ISO 8601). */
  readonly observedAt: string;
}

/** Where the reconciler keeps the last published bindings of each namespace. */
export interface BindingStore {
  load(cluster: string, namespace: string): Promise<StoredBindings | null>;
  /**
   * Records what is about to be published as generation `expectedGeneration + 1`, only if the
   * stored generation is still `expectedGeneration` and nothing else is pending (ConflictError).
   */
  stage(
    cluster: string,
    namespace: string,
    pending: PendingPublication,
    expectedGeneration: number,
  ): Promise<void>;
  /**
   * Makes the pending publication the stored state (a deleted namespace keeps its generation with
   * an empty state, so its message ids never repeat), only if the stored generation is still
   * `expectedGeneration`; ConflictError otherwise.
   */
  commit(cluster: string, namespace: string, expectedGeneration: number): Promise<void>;
  /**
   * Records that the cluster was read at `observedAt` and still matches the stored generation (a
   * no-op when the generation moved on or a later read is recorded).
   */
  observed(
    cluster: string,
    namespace: string,
    generation: number,
    observedAt: string,
  ): Promise<void>;
  /** Namespaces with stored bindings, sorted. */
  namespaces(cluster: string): Promise<string[]>;
  /** Where the last sweep of a cluster stopped (a namespace name), if it did not finish. */
  sweepCursor(cluster: string): Promise<string | undefined>;
  saveSweepCursor(cluster: string, cursor: string | undefined): Promise<void>;
}

/** A binding-change message, ready for `binding-changes.fifo`. */
export interface OutgoingMessage {
  readonly id: string;
  readonly groupId: string;
  readonly deduplicationId: string;
  readonly body: string;
}

/** Publishes binding changes, in order, at least once; throws when any message was not accepted. */
export interface ChangePublisher {
  publish(messages: readonly OutgoingMessage[]): Promise<void>;
}

/** The queue of reconcile requests (`reconcile-requests.fifo`, one group per cluster/namespace). */
export interface ReconcileQueue {
  enqueue(requests: readonly ReconcileRequest[]): Promise<void>;
}

/**
 * One command of the shared grammar (`apply`, `list`, `enroll service reviews --waypoint w`, ...),
 * as the CLI, EventBridge and ChatOps hand it to the command layer.
 */
export interface CommandRequest {
  /** The cluster the command acts on (`--cluster` in the text wins). */
  readonly cluster: string;
  /** Grammar text (`"apply -n default --enroll-namespace"`), its words, or structured arguments. */
  readonly command: string | readonly string[] | Readonly<Record<string, unknown>>;
  /** Plan only, change nothing (as `--dry-run`). */
  readonly dryRun?: boolean;
  readonly caller: Caller;
  /** The namespace a command without `-n` acts on (the kubeconfig context's); `default` if absent. */
  readonly defaultNamespace?: string;
}

/** What a command did, as data every surface renders its own way. */
export interface CommandOutcome {
  /** 0 on success; what the CLI exits with. */
  readonly exitCode: number;
  /** The command as parsed (its verb and options), for records and result events. */
  readonly command: Readonly<Record<string, unknown>>;
  /** The result model (JSON-serialisable): what `-o json` prints. */
  readonly result: unknown;
  /** The error, when the command failed: the error class's name and its message. */
  readonly error?: { readonly type: string; readonly message: string };
}

/** Runs commands of the shared grammar; `runCommand` in shared/app is the implementation. */
export interface CommandRunner {
  run(request: CommandRequest): Promise<CommandOutcome>;
}

/** An event for an event bus: who sends it (`source`), what kind it is, and its detail. */
export interface OutgoingEvent {
  readonly source: string;
  readonly detailType: string;
  /** A JSON object. */
  readonly detail: Readonly<Record<string, unknown>>;
  readonly time?: Date;
  /** ARNs of the AWS resources the event is about. */
  readonly resources?: readonly string[];
}

/**
 * Publishes events to an event bus (EventBridge PutEvents); throws when any event was not
 * accepted, so nothing is dropped without the caller knowing.
 */
export interface EventPublisher {
  publish(events: readonly OutgoingEvent[]): Promise<void>;
}
