/**
 * Binding changes between two binding sets: what a consumer of `binding-changes.fifo` receives.
 */

import type { BindingSet, NamespaceBinding, PodBinding, ServiceBinding } from './bindings.ts';
import type { Traffic } from './labels.ts';
import type { ServiceEntryBinding, WorkloadEntryBinding } from './service-entries.ts';

export type ChangeKind = 'Namespace' | 'Service' | 'Pod' | 'ServiceEntry' | 'WorkloadEntry';

/** A binding of any kind that a change can carry. */
export type AnyBinding =
  | ServiceBinding
  | PodBinding
  | NamespaceBinding
  | ServiceEntryBinding
  | WorkloadEntryBinding;

/**
 * One object whose binding differs. `before` is null for a new object, `after` for a removed one.
 * The inline endpoints of a ServiceEntry are `WorkloadEntry` changes named after the ServiceEntry
 * (as istiod names them), told apart by their bindings' `serviceEntryEndpoint`.
 */
export interface BindingChange {
  readonly kind: ChangeKind;
  readonly namespace: string;
  readonly name: string;
  readonly traffic: Traffic;
  readonly before: AnyBinding | null;
  readonly after: AnyBinding | null;
}

type Entry = AnyBinding;

/** The address of an inline endpoint, or undefined for every other binding. */
export function endpointOf(entry: AnyBinding | null): string | undefined {
  return entry !== null && 'serviceEntryEndpoint' in entry ? entry.serviceEntryEndpoint : undefined;
}

/** Conditions by type as a comparable string, whatever the order of their keys. */
function conditionsKey(entry: Entry): string {
  if (!('conditions' in entry)) return '';
  const types = Object.keys(entry.conditions).sort();
  return JSON.stringify(types.map((type) => [type, entry.conditions[type]]));
}

/** The canary of a Service entry as a comparable string; entries stored before canaries have none. */
function canaryKey(entry: Entry): string {
  const canary = 'canary' in entry ? (entry.canary ?? null) : null;
  return canary === null
    ? ''
    : `${canary.waypoint.namespace}/${canary.waypoint.name}@${canary.weight}`;
}

function sameBinding(a: Entry, b: Entry): boolean {
  return (
    a.via === b.via &&
    a.waypoint?.namespace === b.waypoint?.namespace &&
    a.waypoint?.name === b.waypoint?.name &&
    canaryKey(a) === canaryKey(b) &&
    conditionsKey(a) === conditionsKey(b) &&
    JSON.stringify('condition' in a ? a.condition : null) ===
      JSON.stringify('condition' in b ? b.condition : null)
  );
}

function diffKind<T extends Entry>(
  kind: ChangeKind,
  traffic: Traffic,
  nameOf: (entry: T) => string,
  before: readonly T[],
  after: readonly T[],
  out: BindingChange[],
): void {
  const key = (e: T): string => {
    const endpoint = endpointOf(e);
    return `${e.namespace}/${nameOf(e)}${endpoint === undefined ? '' : `#${endpoint}`}`;
  };
  const previous = new Map(before.map((e) => [key(e), e]));
  const seen = new Set<string>();
  const changes: BindingChange[] = [];
  for (const entry of after) {
    const k = key(entry);
    // Two inline endpoints of one ServiceEntry with the same address: the first one counts.
    if (seen.has(k)) continue;
    seen.add(k);
    const old = previous.get(k);
    previous.delete(k);
    if (old === undefined || !sameBinding(old, entry)) {
      changes.push({
        kind,
        namespace: entry.namespace,
        name: nameOf(entry),
        traffic,
        before: old ?? null,
        after: entry,
      });
    }
  }
  for (const old of previous.values()) {
    changes.push({
      kind,
      namespace: old.namespace,
      name: nameOf(old),
      traffic,
      before: old,
      after: null,
    });
  }
  changes.sort(byObject);
  out.push(...changes);
}

/** Orders changes of one kind by namespace, name, then inline endpoint address (none first). */
function byObject(a: BindingChange, b: BindingChange): number {
  if (a.namespace !== b.namespace) return a.namespace < b.namespace ? -1 : 1;
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  const ea = endpointOf(a.before ?? a.after) ?? '';
  const eb = endpointOf(b.before ?? b.after) ?? '';
  if (ea === eb) return 0;
  return ea < eb ? -1 : 1;
}

/**
 * Every binding that differs between `before` and `after`: namespace defaults first, then
 * Services, Pods, ServiceEntries and WorkloadEntries (inline endpoints included), each sorted by
 * namespace and name. A set without entries (`serviceEntries`, `workloadEntries` absent) has none.
 * `diff(x, x)` is empty.
 */
export function diff(before: BindingSet, after: BindingSet): BindingChange[] {
  const out: BindingChange[] = [];
  diffKind<NamespaceBinding>(
    'Namespace',
    'workload',
    (e) => e.namespace,
    before.namespaces,
    after.namespaces,
    out,
  );
  diffKind<ServiceBinding>(
    'Service',
    'service',
    (e) => e.name,
    before.services,
    after.services,
    out,
  );
  diffKind<PodBinding>('Pod', 'workload', (e) => e.name, before.pods, after.pods, out);
  diffKind<ServiceEntryBinding>(
    'ServiceEntry',
    'service',
    (e) => e.name,
    before.serviceEntries ?? [],
    after.serviceEntries ?? [],
    out,
  );
  diffKind<WorkloadEntryBinding>(
    'WorkloadEntry',
    'workload',
    (e) => e.name,
    before.workloadEntries ?? [],
    after.workloadEntries ?? [],
    out,
  );
  return out;
}
