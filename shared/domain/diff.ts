/**
 * Binding changes between two binding sets: what a consumer of `binding-changes.fifo` receives.
 */

import type { BindingSet, NamespaceBinding, PodBinding, ServiceBinding } from './bindings.ts';
import type { Traffic } from './labels.ts';

export type ChangeKind = 'Namespace' | 'Service' | 'Pod';

/** One object whose binding differs. `before` is null for a new object, `after` for a removed one. */
export interface BindingChange {
  readonly kind: ChangeKind;
  readonly namespace: string;
  readonly name: string;
  readonly traffic: Traffic;
  readonly before: ServiceBinding | PodBinding | NamespaceBinding | null;
  readonly after: ServiceBinding | PodBinding | NamespaceBinding | null;
}

type Entry = ServiceBinding | PodBinding | NamespaceBinding;

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
  const key = (e: T): string => `${e.namespace}/${nameOf(e)}`;
  const previous = new Map(before.map((e) => [key(e), e]));
  const changes: BindingChange[] = [];
  for (const entry of after) {
    const k = key(entry);
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
  changes.sort((a, b) =>
    a.namespace === b.namespace
      ? a.name < b.name
        ? -1
        : a.name > b.name
          ? 1
          : 0
      : a.namespace < b.namespace
        ? -1
        : 1,
  );
  out.push(...changes);
}

/**
 * Every binding that differs between `before` and `after`: namespace defaults first, then
 * Services, then Pods, each sorted by namespace and name. `diff(x, x)` is empty.
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
  return out;
}
