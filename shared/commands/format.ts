/**
 * Text output of the CLI and ChatOps: kubectl-style tables and the bindings report.
 */
import {
  type BindingSet,
  type Canary,
  formatRef,
  type NamespaceBinding,
  type PodBinding,
  type ServiceBinding,
  type WaypointRef,
} from '../domain/bindings.ts';
import type { Diagnostic } from '../domain/diagnostics.ts';
import { type BindingChange, endpointOf } from '../domain/diff.ts';
import {
  type EntryConditions,
  type ServiceEntryBinding,
  WAYPOINT_BOUND,
  WAYPOINT_MISSING,
  type WorkloadEntryBinding,
} from '../domain/service-entries.ts';

/** Columns padded to the widest cell plus three spaces (kubectl's printer); the last is not padded. */
export function formatTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((row) => (row[i] ?? '').length)));
  return all
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd((widths[i] ?? 0) + 3)))
        .join('')
        .trimEnd(),
    )
    .map((line) => `${line}\n`)
    .join('');
}

function ref(waypoint: WaypointRef | null): string {
  return waypoint === null ? '<none>' : formatRef(waypoint);
}

/** A Service's canary (`ns/name 5%`), `-` when it has none (or was stored before canaries). */
export function canaryText(entry: { readonly canary?: Canary | null }): string {
  const canary = entry.canary ?? null;
  return canary === null ? '-' : `${formatRef(canary.waypoint)} ${canary.weight}%`;
}

/** The bindings report as JSON: one entry per Service and Pod, and the diagnostics. */
export interface BindingsReport {
  readonly services: readonly ServiceBinding[];
  readonly pods: readonly PodBinding[];
  /** What every pod without its own label gets, per namespace. */
  readonly namespaces?: readonly NamespaceBinding[];
  readonly diagnostics: readonly Diagnostic[];
  /** ServiceEntries (§15); a table only when there are some. */
  readonly serviceEntries?: readonly ServiceEntryBinding[];
  /** WorkloadEntries and inline endpoints of ServiceEntries (§15); a table only when there are some. */
  readonly workloadEntries?: readonly WorkloadEntryBinding[];
}

export function bindingsReport(
  bindings: BindingSet,
  diagnostics: readonly Diagnostic[],
): BindingsReport {
  return { services: bindings.services, pods: bindings.pods, diagnostics };
}

/** The reason of an entry's `WaypointBound` condition, else of its `WaypointMissing` one, else `-`. */
function entryReason(conditions: EntryConditions): string {
  return conditions[WAYPOINT_BOUND]?.reason ?? conditions[WAYPOINT_MISSING]?.reason ?? '-';
}

/** The ServiceEntries table (S1-S8), with a CANARY column only when one has a canary. */
function serviceEntryTable(entries: readonly ServiceEntryBinding[]): string {
  const canaries = entries.some((e) => e.canary !== null);
  return formatTable(
    ['NAMESPACE', 'SERVICEENTRY', 'WAYPOINT', ...(canaries ? ['CANARY'] : []), 'VIA', 'REASON'],
    entries.map((e) => [
      e.namespace,
      e.name,
      ref(e.waypoint),
      ...(canaries ? [canaryText(e)] : []),
      e.via ?? '-',
      entryReason(e.conditions),
    ]),
  );
}

/** The WorkloadEntries table (E1-E5), with an ENDPOINT column only when inline endpoints are in it. */
function workloadEntryTable(entries: readonly WorkloadEntryBinding[]): string {
  const endpoints = entries.some((e) => e.serviceEntryEndpoint !== undefined);
  return formatTable(
    ['NAMESPACE', 'WORKLOADENTRY', ...(endpoints ? ['ENDPOINT'] : []), 'WAYPOINT', 'VIA', 'REASON'],
    entries.map((e) => [
      e.namespace,
      e.name,
      ...(endpoints ? [e.serviceEntryEndpoint ?? '-'] : []),
      ref(e.waypoint),
      e.via ?? '-',
      entryReason(e.conditions),
    ]),
  );
}

/**
 * The bindings report as tables: Services, Pods, namespace defaults, ServiceEntries,
 * WorkloadEntries (each only when there are some), then diagnostics. The Services table has a
 * CANARY column only when one of its Services has a canary (Istio 1.31+).
 */
export function formatBindings(report: BindingsReport): string {
  const canaries = report.services.some((s) => (s.canary ?? null) !== null);
  const services = formatTable(
    ['NAMESPACE', 'SERVICE', 'WAYPOINT', ...(canaries ? ['CANARY'] : []), 'VIA', 'REASON'],
    report.services.map((s) => [
      s.namespace,
      s.name,
      ref(s.waypoint),
      ...(canaries ? [canaryText(s)] : []),
      s.via ?? '-',
      s.condition?.reason ?? '-',
    ]),
  );
  const pods = formatTable(
    ['NAMESPACE', 'POD', 'WAYPOINT', 'VIA'],
    report.pods.map((p) => [
      p.namespace,
      p.name,
      ref(p.waypoint),
      p.workload === false ? 'no workload' : (p.via ?? '-'),
    ]),
  );
  const parts = [services, pods];
  if (report.namespaces !== undefined && report.namespaces.length > 0)
    parts.push(
      formatTable(
        ['NAMESPACE', 'POD DEFAULT', 'VIA'],
        report.namespaces.map((n) => [n.namespace, ref(n.waypoint), n.via ?? '-']),
      ),
    );
  if ((report.serviceEntries ?? []).length > 0)
    parts.push(serviceEntryTable(report.serviceEntries ?? []));
  if ((report.workloadEntries ?? []).length > 0)
    parts.push(workloadEntryTable(report.workloadEntries ?? []));
  if (report.diagnostics.length > 0) parts.push(formatDiagnostics(report.diagnostics));
  return parts.join('\n');
}

export function formatDiagnostics(diagnostics: readonly Diagnostic[]): string {
  return formatTable(
    ['SEVERITY', 'CODE', 'SUBJECT', 'MESSAGE'],
    diagnostics.map((d) => [d.severity, d.code, d.subject, d.message]),
  );
}

function describeBinding(entry: BindingChange['before']): string {
  if (entry === null) return '(absent)';
  const via = entry.via === null ? '' : ` via ${entry.via}`;
  const condition =
    'condition' in entry
      ? entry.condition
      : 'conditions' in entry
        ? (entry.conditions[WAYPOINT_BOUND] ?? null)
        : null;
  const failed = condition !== null && condition.status === 'False' ? ` (${condition.reason})` : '';
  const canary = 'canary' in entry && entry.canary ? ` + canary ${canaryText(entry)}` : '';
  return `${ref(entry.waypoint)}${canary}${via}${failed}`;
}

/** The object a change is about: its name, and an inline endpoint's address after it. */
export function changeName(change: BindingChange): string {
  const endpoint = endpointOf(change.before ?? change.after);
  return endpoint === undefined ? change.name : `${change.name} ${endpoint}`;
}

/** Binding changes as a table, or a line saying there are none. */
export function formatChanges(changes: readonly BindingChange[]): string {
  if (changes.length === 0) return 'No binding changes.\n';
  return formatTable(
    ['KIND', 'NAMESPACE', 'NAME', 'TRAFFIC', 'BEFORE', 'AFTER'],
    changes.map((c) => [
      c.kind,
      c.namespace,
      changeName(c),
      c.traffic,
      describeBinding(c.before),
      describeBinding(c.after),
    ]),
  );
}
