/**
 * The published message of `binding-changes.fifo`: a CloudEvents 1.0 JSON event in
 * structured mode whose data lists the binding changes of one namespace at one generation.
 *
 * Messages are chunked under an SQS size limit and carry ids derived from (cluster, namespace,
 * generation, chunk index) only, so a reconciler that crashes between publish and commit publishes
 * the very same ids again: SQS drops the copies within its 5-minute deduplication interval and a
 * consumer drops later ones by `id`. Pure: no I/O.
 *
 * The JSON Schema of the whole event is `schemas/binding-changes.v1.schema.json`; its `$id` is
 * {@link DATA_SCHEMA}, the event's `dataschema`.
 */
import { createHash } from 'node:crypto';
import type {
  Canary,
  NamespaceBinding,
  PodBinding,
  ServiceBinding,
  WaypointBoundCondition,
  WaypointRef,
} from './bindings.ts';
import { type AnyBinding, type BindingChange, type ChangeKind, endpointOf } from './diff.ts';
import { type FieldProblem, ValidationError } from './errors.ts';
import type { Traffic } from './labels.ts';
import type {
  EntryConditions,
  ServiceEntryBinding,
  WorkloadEntryBinding,
} from './service-entries.ts';

/** The CloudEvents `type` of every message on `binding-changes.fifo`. */
export const EVENT_TYPE = 'io.waypointer.binding.changed.v1';

/** The CloudEvents `dataschema`: the `$id` of `schemas/binding-changes.v1.schema.json`. */
export const DATA_SCHEMA = 'urn:waypointer:schema:binding-changes:v1';

/**
 * Default largest body, in bytes: 256 KiB. SQS accepts 1 MiB since August 2025 and new queues
 * default to it, but a queue created earlier, or by a tool that still sets the old default
 * (`MaximumMessageSize` 262,144), rejects anything larger; 256 KiB is accepted by every queue
 * and still lets four messages share one SendMessageBatch call.
 */
export const DEFAULT_MAX_BYTES = 262_144;

/** SQS's largest message (body and attributes): 1 MiB. */
export const SQS_MAX_BYTES = 1_048_576;

/** Largest MessageGroupId and MessageDeduplicationId SQS accepts. */
const SQS_ID_MAX_LENGTH = 128;

/**
 * What can make the reconciler look at a namespace: an audit event, the scheduled sweep, an API
 * call, a reconcile asked for explicitly. The one list of triggers: the reconcile request schema and
 * the published `cause.trigger` both take it from here.
 */
export const TRIGGERS = ['audit', 'sweep', 'api', 'reconcile'] as const;

/** What made the reconciler look at a namespace (one of {@link TRIGGERS}). */
export type Trigger = (typeof TRIGGERS)[number];

/** Why a message was published. */
export interface ChangeCause {
  readonly trigger: Trigger;
  /** The user of the audit event, or the API caller; null when unknown (a sweep). */
  readonly actor: string | null;
  /** Kubernetes audit IDs that led here (published sorted and without duplicates). */
  readonly auditIds: readonly string[];
}

/** A binding as published: the bindings item shape of its kind, with exactly its fields. */
export type PublishedBinding = AnyBinding;

/** One change as published: a {@link BindingChange} without its namespace (the event's). */
export interface PublishedChange {
  readonly kind: ChangeKind;
  readonly name: string;
  readonly traffic: Traffic;
  readonly before: PublishedBinding | null;
  readonly after: PublishedBinding | null;
}

/** Which part of a generation's changes a message holds; absent when one message holds them all. */
export interface ChunkInfo {
  /** 0-based. */
  readonly index: number;
  /** At least 2. */
  readonly count: number;
}

/** The `data` of a binding-change event. */
export interface BindingChangeData {
  readonly cluster: string;
  readonly namespace: string;
  readonly generation: number;
  /** The generation the changes are relative to; 0 when nothing was stored before. */
  readonly previousGeneration: number;
  readonly changes: readonly PublishedChange[];
  readonly cause: ChangeCause;
  readonly chunk?: ChunkInfo;
}

/** A binding-change CloudEvent, as the body of a message parses. */
export interface BindingChangeEvent {
  readonly specversion: '1.0';
  readonly type: typeof EVENT_TYPE;
  readonly source: string;
  readonly subject: string;
  readonly id: string;
  readonly time: string;
  readonly datacontenttype: 'application/json';
  readonly dataschema: typeof DATA_SCHEMA;
  readonly data: BindingChangeData;
}

/** What {@link bindingChangeMessages} publishes for one namespace and generation. */
export interface BindingChangesInput {
  readonly cluster: string;
  readonly namespace: string;
  /** The generation being committed (at least 1). */
  readonly generation: number;
  /** The stored generation the changes are relative to (0: none). */
  readonly previousGeneration: number;
  /** Every change of the namespace; each must have `namespace` equal to the input's. */
  readonly changes: readonly BindingChange[];
  readonly cause: ChangeCause;
  /** CloudEvents `source`, a URI reference; see {@link eventSource}. */
  readonly source: string;
  /** CloudEvents `time`, RFC 3339 (`2026-01-29T10:00:00Z`). */
  readonly time: string;
  /** Largest body in UTF-8 bytes; {@link DEFAULT_MAX_BYTES} unless given, at most 1 MiB. */
  readonly maxBytes?: number;
}

/** One message to send to `binding-changes.fifo`. */
export interface BindingChangeMessage {
  /** The CloudEvent id: 64 hex digits, also valid as a SendMessageBatch entry `Id`. */
  readonly id: string;
  /** `MessageGroupId`: `<cluster>/<namespace>`, hashed when SQS would not accept it. */
  readonly groupId: string;
  /** `MessageDeduplicationId`: the same as `id`. */
  readonly deduplicationId: string;
  /** The CloudEvent as JSON (structured mode). */
  readonly body: string;
}

type Entry = AnyBinding;

const TRAFFIC: Readonly<Record<ChangeKind, Traffic>> = {
  Namespace: 'workload',
  Service: 'service',
  Pod: 'workload',
  ServiceEntry: 'service',
  WorkloadEntry: 'workload',
};

const VIAS: Readonly<Record<ChangeKind, readonly (string | null)[]>> = {
  Namespace: ['namespace', null],
  Service: ['service', 'namespace', null],
  Pod: ['pod', 'namespace', null],
  ServiceEntry: ['serviceentry', 'namespace', null],
  WorkloadEntry: ['workloadentry', 'namespace', null],
};

const KIND_ORDER: Readonly<Record<ChangeKind, number>> = {
  Namespace: 0,
  Service: 1,
  Pod: 2,
  ServiceEntry: 3,
  WorkloadEntry: 4,
};

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/;

/** An RFC 3339 date-time with a real calendar day (no leap seconds). */
function isRfc3339(time: string): boolean {
  const match = RFC3339.exec(time);
  if (match === null) return false;
  const [year, month, day] = [match[1], match[2], match[3]].map(Number) as [number, number, number];
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  return days !== undefined && day >= 1 && day <= days;
}

/** The characters of RFC 3986 (a URI reference made of nothing else may still be malformed). */
const URI_REFERENCE = /^[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]+$/;

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

const utf8Bytes = (text: string): number => Buffer.byteLength(text, 'utf8');

/**
 * The CloudEvents `source` waypointer uses for a cluster.
 *
 * @example
 * eventSource('prod-eu'); // => 'urn:waypointer:cluster:prod-eu'
 */
export function eventSource(cluster: string): string {
  return `urn:waypointer:cluster:${encodeURIComponent(cluster)}`;
}

/** Whether SQS takes `value` as a MessageGroupId or MessageDeduplicationId. */
function isSqsId(value: string): boolean {
  return value.length > 0 && value.length <= SQS_ID_MAX_LENGTH && /^[!-~]+$/.test(value);
}

/**
 * The FIFO `MessageGroupId` of a namespace: `<cluster>/<namespace>` when SQS accepts it (at most 128
 * characters, letters, digits and ASCII punctuation), else a readable prefix (characters SQS
 * refuses replaced by `_`), `#`, and the SHA-256 of `<cluster>/<namespace>`: still one group per
 * namespace.
 *
 * @example
 * messageGroupId('prod', 'default'); // => 'prod/default'
 */
export function messageGroupId(cluster: string, namespace: string): string {
  const plain = `${cluster}/${namespace}`;
  if (isSqsId(plain)) return plain;
  const hash = sha256(plain);
  const prefix = plain.replace(/[^!-~]/g, '_').slice(0, SQS_ID_MAX_LENGTH - hash.length - 1);
  return `${prefix}#${hash}`;
}

/**
 * The id of chunk `index` of a generation's changes: the hex SHA-256 of the tuple, so the same
 * generation republished after a crash gets the same ids. Used as CloudEvent `id`,
 * `MessageDeduplicationId` and batch entry `Id` (64 characters, `[0-9a-f]`).
 *
 * @example
 * messageId('prod', 'default', 7, 0).length; // => 64
 */
export function messageId(
  cluster: string,
  namespace: string,
  generation: number,
  index: number,
): string {
  return sha256(JSON.stringify([EVENT_TYPE, cluster, namespace, generation, index]));
}

function checkHeader(input: BindingChangesInput, problems: FieldProblem[]): void {
  const problem = (path: string, message: string): void => {
    problems.push({ path, message });
  };
  if (input.cluster === '') problem('cluster', 'must not be empty');
  if (input.cluster.includes('/')) problem('cluster', 'must not contain "/"');
  if (input.namespace === '') problem('namespace', 'must not be empty');
  if (input.namespace.includes('/')) problem('namespace', 'must not contain "/"');
  if (!Number.isSafeInteger(input.generation) || input.generation < 1) {
    problem('generation', 'must be an integer of at least 1');
  }
  const previous = input.previousGeneration;
  if (!Number.isSafeInteger(previous) || previous < 0 || previous >= input.generation) {
    problem('previousGeneration', 'must be an integer from 0 to generation - 1');
  }
  if (!URI_REFERENCE.test(input.source)) problem('source', 'must be a URI reference');
  if (!isRfc3339(input.time)) {
    problem('time', 'must be an RFC 3339 date-time such as 2026-01-29T10:00:00Z');
  }
}

function checkCauseAndLimit(input: BindingChangesInput, problems: FieldProblem[]): void {
  if (!(TRIGGERS as readonly string[]).includes(input.cause.trigger)) {
    problems.push({ path: 'cause.trigger', message: `must be one of ${TRIGGERS.join(', ')}` });
  }
  if (input.cause.auditIds.some((id) => typeof id !== 'string' || id === '')) {
    problems.push({ path: 'cause.auditIds', message: 'must be non-empty strings' });
  }
  const max = input.maxBytes;
  if (max !== undefined && (!Number.isSafeInteger(max) || max < 1 || max > SQS_MAX_BYTES)) {
    problems.push({ path: 'maxBytes', message: `must be an integer from 1 to ${SQS_MAX_BYTES}` });
  }
}

function describe(change: {
  readonly kind: string;
  readonly name: string;
  readonly before?: Entry | null;
  readonly after?: Entry | null;
}): string {
  const endpoint = endpointOf(change.before ?? change.after ?? null);
  return `${change.kind} ${change.name}${endpoint === undefined ? '' : ` endpoint ${endpoint}`}`;
}

function waypointJson(ref: WaypointRef | null): WaypointRef | null {
  return ref === null ? null : { namespace: ref.namespace, name: ref.name };
}

/** The canary of a Service entry (none on entries stored before canaries existed). */
function canaryJson(entry: Entry): Canary | null {
  const canary = 'canary' in entry ? (entry.canary ?? null) : null;
  if (canary === null) return null;
  return { waypoint: waypointJson(canary.waypoint) as WaypointRef, weight: canary.weight };
}

function conditionJson(entry: Entry): WaypointBoundCondition | null {
  const condition = 'condition' in entry ? entry.condition : null;
  if (condition === null || condition === undefined) return null;
  return { status: condition.status, reason: condition.reason, message: condition.message };
}

/** The conditions of an entry by type, in type order, each with exactly its fields. */
function conditionsJson(entry: Entry, where: string): EntryConditions {
  if (!('conditions' in entry) || typeof entry.conditions !== 'object' || entry.conditions === null)
    throw new ValidationError(`${where} has no conditions`);
  const conditions: Record<string, EntryConditions[string]> = {};
  for (const type of Object.keys(entry.conditions).sort()) {
    const { status, reason, message } = entry.conditions[type] as EntryConditions[string];
    conditions[type] = { status, reason, message };
  }
  return conditions;
}

/** The bindings item shape of an entry kind (§15), as `bindings -o json` lists it. */
function entryJson(
  change: BindingChange,
  entry: Entry & { readonly name: string },
  where: string,
): ServiceEntryBinding | WorkloadEntryBinding {
  const { namespace, name } = entry;
  const waypoint = waypointJson(entry.waypoint);
  const conditions = conditionsJson(entry, where);
  if (change.kind === 'ServiceEntry') {
    const via = entry.via as ServiceEntryBinding['via'];
    return { namespace, name, waypoint, via, canary: canaryJson(entry), conditions };
  }
  const via = entry.via as WorkloadEntryBinding['via'];
  const endpoint = endpointOf(entry);
  return {
    namespace,
    name,
    waypoint,
    via,
    conditions,
    ...(endpoint === undefined ? {} : { serviceEntryEndpoint: endpoint }),
  };
}

/** The bindings item shape of `kind`, with its fields in a fixed order and nothing else. */
function bindingJson(change: BindingChange, entry: Entry | null): PublishedBinding | null {
  if (entry === null) return null;
  const where = `${describe(change)}: ${entry === change.before ? 'before' : 'after'}`;
  if (!VIAS[change.kind].includes(entry.via)) {
    throw new ValidationError(`${where}.via ${JSON.stringify(entry.via)} is not valid here`);
  }
  const waypoint = waypointJson(entry.waypoint);
  if (change.kind === 'Namespace') {
    return { namespace: entry.namespace, waypoint, via: entry.via as NamespaceBinding['via'] };
  }
  if (!('name' in entry)) throw new ValidationError(`${where} has no name`);
  const { namespace, name } = entry;
  if (change.kind === 'Pod') {
    return { namespace, name, waypoint, via: entry.via as PodBinding['via'] };
  }
  if (change.kind === 'ServiceEntry' || change.kind === 'WorkloadEntry') {
    return entryJson(change, entry, where);
  }
  const via = entry.via as ServiceBinding['via'];
  const canary = canaryJson(entry);
  return { namespace, name, waypoint, canary, via, condition: conditionJson(entry) };
}

function publishedChange(change: BindingChange, namespace: string): PublishedChange {
  const what = describe(change);
  if (change.name === '') throw new ValidationError(`a ${change.kind} change has an empty name`);
  if (change.namespace !== namespace) {
    throw new ValidationError(`${what} is in namespace ${change.namespace}, not ${namespace}`);
  }
  if (change.traffic !== TRAFFIC[change.kind]) {
    throw new ValidationError(`${what} has traffic ${change.traffic}, not ${TRAFFIC[change.kind]}`);
  }
  if (change.before === null && change.after === null) {
    throw new ValidationError(`${what} has neither a before nor an after binding`);
  }
  const both = change.before !== null && change.after !== null;
  if (both && endpointOf(change.before) !== endpointOf(change.after)) {
    throw new ValidationError(`${what} has before and after of different inline endpoints`);
  }
  return {
    kind: change.kind,
    name: change.name,
    traffic: change.traffic,
    before: bindingJson(change, change.before),
    after: bindingJson(change, change.after),
  };
}

/** The inline endpoint a published change is about ('' for every other object). */
const endpointKey = (change: PublishedChange): string =>
  endpointOf(change.before ?? change.after) ?? '';

/**
 * Namespace first, then Services, Pods, ServiceEntries and WorkloadEntries, each by name in byte
 * order (inline endpoints of one ServiceEntry by address); no object twice.
 */
function sortChanges(changes: PublishedChange[]): PublishedChange[] {
  changes.sort((a, b) => {
    if (a.kind !== b.kind) return KIND_ORDER[a.kind] - KIND_ORDER[b.kind];
    if (a.name !== b.name) return a.name < b.name ? -1 : 1;
    const [ea, eb] = [endpointKey(a), endpointKey(b)];
    if (ea === eb) return 0;
    return ea < eb ? -1 : 1;
  });
  changes.forEach((change, i) => {
    const next = changes[i + 1];
    if (
      next !== undefined &&
      next.kind === change.kind &&
      next.name === change.name &&
      endpointKey(next) === endpointKey(change)
    ) {
      throw new ValidationError(`${describe(change)} appears more than once in the changes`);
    }
  });
  return changes;
}

/**
 * Splits items (by their serialized sizes) greedily, in order, into chunks whose body, an envelope
 * of `envelope` bytes plus the items and the commas between them, is at most `maxBytes`.
 */
function pack(
  changes: readonly PublishedChange[],
  sizes: readonly number[],
  envelope: number,
  maxBytes: number,
): PublishedChange[][] {
  const chunks: PublishedChange[][] = [];
  let current: PublishedChange[] = [];
  let used = envelope;
  changes.forEach((change, i) => {
    const size = sizes[i] ?? 0;
    if (envelope + size > maxBytes) {
      throw new ValidationError(
        `${describe(change)} is too large to publish: its change serializes to ${size} bytes and ` +
          `the message around it to ${envelope} bytes, over the limit of ${maxBytes} bytes ` +
          '(a single change is never split across messages)',
      );
    }
    const extra = current.length === 0 ? size : size + 1;
    if (used + extra > maxBytes) {
      chunks.push(current);
      current = [];
      used = envelope;
    }
    used += current.length === 0 ? size : size + 1;
    current.push(change);
  });
  if (current.length > 0) chunks.push(current);
  return chunks;
}

function eventOf(
  input: BindingChangesInput,
  id: string,
  changes: readonly PublishedChange[],
  chunk: ChunkInfo | undefined,
): BindingChangeEvent {
  const { cluster, namespace, generation, previousGeneration, cause } = input;
  const published: ChangeCause = {
    trigger: cause.trigger,
    actor: cause.actor,
    auditIds: [...new Set(cause.auditIds)].sort(),
  };
  const data: BindingChangeData = {
    cluster,
    namespace,
    generation,
    previousGeneration,
    changes,
    cause: published,
    ...(chunk === undefined ? {} : { chunk }),
  };
  return {
    specversion: '1.0',
    type: EVENT_TYPE,
    source: input.source,
    subject: `${cluster}/${namespace}`,
    id,
    time: input.time,
    datacontenttype: 'application/json',
    dataschema: DATA_SCHEMA,
    data,
  };
}

/**
 * The messages that publish one namespace's changes at one generation, in the order to send them.
 *
 * Changes are ordered Namespace, Services, Pods, ServiceEntries, WorkloadEntries, each by name,
 * and before/after are reduced to the
 * bindings item shape of their kind, so the same input always yields the same bodies. When the
 * event does not fit in `maxBytes` (UTF-8 bytes of the body), the changes are split, in order,
 * across as few messages as the greedy fill gives, each with `data.chunk = {index, count}`; a single
 * change that does not fit alone is a ValidationError. No changes publish nothing (`[]`): a
 * consumer learns nothing from an empty event.
 *
 * @example
 * const messages = bindingChangeMessages({
 *   cluster: 'prod', namespace: 'default', generation: 2, previousGeneration: 1,
 *   changes: diff(stored, computed), cause: { trigger: 'audit', actor: 'alice', auditIds: [id] },
 *   source: eventSource('prod'), time: new Date().toISOString(),
 * });
 * await publisher.publish(messages); // the SQS adapter batches them
 */
export function bindingChangeMessages(input: BindingChangesInput): BindingChangeMessage[] {
  const problems: FieldProblem[] = [];
  checkHeader(input, problems);
  checkCauseAndLimit(input, problems);
  if (problems.length > 0) {
    const list = problems.map((p) => `${p.path} ${p.message}`).join('; ');
    throw new ValidationError(`invalid binding-change message: ${list}`, problems);
  }
  if (input.changes.length === 0) return [];
  const maxBytes = input.maxBytes ?? DEFAULT_MAX_BYTES;
  const { cluster, namespace, generation } = input;
  const changes = sortChanges(input.changes.map((c) => publishedChange(c, namespace)));
  const sizes = changes.map((c) => utf8Bytes(JSON.stringify(c)));
  const total = sizes.reduce((sum, size) => sum + size, 0) + changes.length - 1;
  const id = (index: number): string => messageId(cluster, namespace, generation, index);
  const envelope = (chunk?: ChunkInfo): number =>
    utf8Bytes(JSON.stringify(eventOf(input, id(0), [], chunk)));
  const n = changes.length;
  const chunks =
    envelope() + total <= maxBytes
      ? [changes]
      : pack(changes, sizes, envelope({ index: n, count: n }), maxBytes);
  const groupId = messageGroupId(cluster, namespace);
  return chunks.map((part, index) => {
    const chunk = chunks.length > 1 ? { index, count: chunks.length } : undefined;
    const body = JSON.stringify(eventOf(input, id(index), part, chunk));
    if (utf8Bytes(body) > maxBytes) throw new Error(`chunk ${index} exceeds ${maxBytes} bytes`);
    return { id: id(index), groupId, deduplicationId: id(index), body };
  });
}
