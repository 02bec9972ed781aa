/**
 * Renders a command's outcome for people (tables, and istioctl's lines byte for byte where istioctl
 * has the command), as JSON, or as YAML (Go's yaml, as kubectl and istioctl print it).
 */

import type { CommandResult } from '../app/run-command.ts';
import { formatRef } from '../domain/bindings.ts';
import { type GoYamlValue, marshalGoYaml } from '../domain/go-yaml.ts';
import type { CanaryTarget, LabelTarget } from '../domain/plan.ts';
import type { CommandOutcome } from '../ports.ts';
import { canaryText, formatBindings, formatChanges, formatDiagnostics } from './format.ts';
import type { Output } from './grammar.ts';
import { tabwrite } from './tabwriter.ts';

/** What to print: standard output and standard error. */
export interface Rendered {
  readonly stdout: string;
  readonly stderr: string;
}

/** istioctl's marks on its lines (`waypoint.go`: `✅ waypoint %v/%v applied`, `⚠️ Warning: ...`). */
const DONE = '✅ ';
const WARNING = '⚠️ Warning: ';

function warnings(list: readonly string[]): string {
  return list.map((w) => `${WARNING}${w}\n`).join('');
}

/** `list`: istioctl `waypoint.go` list RunE, `NAME\tREVISION\tTRAFFIC TYPE\tPROGRAMMED` (NAMESPACE first with -A). */
function listText(result: CommandResult & { verb: 'list' }): string {
  if (result.waypoints.length === 0) return 'No waypoints found.\n';
  const all = result.namespace === null;
  const header = `${all ? 'NAMESPACE\t' : ''}NAME\tREVISION\tTRAFFIC TYPE\tPROGRAMMED\n`;
  const rows = result.waypoints.map(
    (w) =>
      `${all ? `${w.namespace}\t` : ''}${w.name}\t${w.revision}\t${w.trafficType}\t${w.programmed}\n`,
  );
  return tabwrite(header + rows.join(''));
}

/** `status`: istioctl `printWaypointStatus`, `NAME\tSTATUS\tTYPE\tREASON\tMESSAGE` (NAMESPACE first with -A). */
function statusText(result: CommandResult & { verb: 'status' }): string {
  if (result.waypoints.length === 0) return 'No waypoints found.\n';
  const all = result.namespace === null;
  const header = `${all ? 'NAMESPACE\t' : ''}NAME\tSTATUS\tTYPE\tREASON\tMESSAGE\n`;
  const rows = result.waypoints.map((w) => {
    const s = w.status ?? { status: '', type: '', reason: '', message: '' };
    return `${all ? `${w.waypoint.namespace}\t` : ''}${w.waypoint.name}\t${s.status}\t${s.type}\t${s.reason}\t${s.message}\n`;
  });
  return tabwrite(header + rows.join(''));
}

function mutationText(
  result: CommandResult & { verb: 'apply' | 'enroll' | 'unenroll' | 'promote' | 'rollback' },
): string {
  const lines = warnings(result.warnings);
  if (result.dryRun) return `${lines}${formatChanges(result.plan)}`;
  const done = result.done.map((d) => `${DONE}${d}\n`).join('');
  // apply is istioctl's: its lines only. enroll and unenroll also show the binding changes.
  if (result.verb === 'apply') return lines + done;
  return lines + done + formatChanges(result.changes ?? result.plan);
}

/** `delete`: istioctl `deleteWaypoints`, `waypoint %v/%v deleted` or `... not found`. */
function deleteText(result: CommandResult & { verb: 'delete' }): string {
  return result.waypoints
    .map((w) => {
      const ref = `${w.namespace}/${w.name}`;
      if (w.outcome === 'not found') return `waypoint ${ref} not found\n`;
      const extra = w.result === undefined ? '' : warnings(w.result.warnings);
      if (w.outcome === 'planned')
        return `${extra}waypoint ${ref}:\n${formatChanges(w.result?.plan ?? [])}`;
      const others = (w.result?.done ?? []).filter((d) => d !== `waypoint ${ref} deleted`);
      return `${extra}${others.map((d) => `${DONE}${d}\n`).join('')}waypoint ${ref} deleted\n`;
    })
    .join('');
}

/** An entry's conditions besides WaypointBound (WaypointMissing, VisibilityApplied; §15 S7, S8). */
function otherConditions(result: CommandResult & { verb: 'explain' }): string[] {
  return Object.entries(result.conditions ?? {})
    .filter(([type]) => type !== 'istio.io/WaypointBound')
    .map(
      ([type, c]) => `  ${type.replace('istio.io/', '')}: ${c.status} ${c.reason}: ${c.message}`,
    );
}

function explainText(result: CommandResult & { verb: 'explain' }): string {
  const { object: o } = result;
  const condition = result.condition;
  const lines = [
    `${o.kind} ${o.namespace}/${o.name} (${result.traffic}-addressed traffic)`,
    `  waypoint:      ${result.waypoint === null ? '<none>' : formatRef(result.waypoint)}${result.via === null ? '' : ` via ${result.via}`}`,
    ...(result.canary ? [`  canary:        ${canaryText(result)}`] : []),
    ...(result.workload === false
      ? ['  workload:      none (istiod builds no workload for it now)']
      : []),
    ...(result.configured === false
      ? ['  configured:    no (istiod does not see or configure it; see the rules)']
      : []),
    `  decided by:    ${result.decidedBy}`,
    ...result.rules.map(
      (r, i) => `  ${i === 0 ? 'rules:        ' : '              '} ${r.id}  ${r.text}`,
    ),
    `  WaypointBound: ${condition === null ? '<none>' : `${condition.status} ${condition.reason}: ${condition.message}`}`,
    ...otherConditions(result),
    ...result.fixes.map((f, i) => `  ${i === 0 ? 'to change:    ' : '              '} ${f}`),
  ];
  const diagnostics =
    result.diagnostics.length > 0 ? `\n${formatDiagnostics(result.diagnostics)}` : '';
  return `${lines.join('\n')}\n${diagnostics}`;
}

function planText(result: CommandResult & { verb: 'plan' }): string {
  if (result.steps.length === 1) {
    const [step] = result.steps;
    return warnings(step?.warnings ?? []) + formatChanges(step?.changes ?? []);
  }
  return result.steps
    .map(
      (step, i) =>
        `# ${i + 1}. ${describe(step.mutation)}\n${warnings(step.warnings)}${formatChanges(step.changes)}`,
    )
    .join('\n');
}

function describe(
  mutation: (CommandResult & { verb: 'plan' })['steps'][number]['mutation'],
): string {
  switch (mutation.op) {
    case 'applyWaypoint':
      return `apply ${mutation.namespace}/${mutation.name || 'waypoint'}`;
    case 'deleteWaypoint':
      return `delete ${mutation.namespace}/${mutation.name}`;
    case 'enroll':
    case 'unenroll': {
      const what = targetWhat(mutation.target);
      return mutation.op === 'enroll'
        ? `enroll ${what} with ${mutation.waypoint}`
        : `unenroll ${what}`;
    }
    case 'enrollCanary':
      return `enroll ${canaryWhat(mutation.target)} with canary ${mutation.canary}${mutation.weight === undefined ? '' : ` (${mutation.weight}%)`}`;
    case 'promoteCanary':
      return `promote the canary of ${canaryWhat(mutation.target)}`;
    case 'rollbackCanary':
      return `roll back the canary of ${canaryWhat(mutation.target)}`;
  }
}

/** What a label change targets, in a plan's step title. */
function targetWhat(t: LabelTarget): string {
  if (t.kind === 'namespace') return `namespace ${t.namespace}`;
  if ('name' in t) return `${t.kind} ${t.namespace}/${t.name}`;
  return 'selector' in t
    ? `pods -l ${t.selector} in ${t.namespace}`
    : `pods ${t.names.join(', ')} in ${t.namespace}`;
}

function canaryWhat(t: CanaryTarget): string {
  return t.kind === 'namespace' ? `namespace ${t.namespace}` : `${t.kind} ${t.namespace}/${t.name}`;
}

/** The text form of a result. `help` is the caller's (it knows its surface). */
export function resultText(result: CommandResult, help: string): string {
  switch (result.verb) {
    case 'help':
      return help;
    case 'generate':
      return marshalGoYaml(result.gateway as GoYamlValue);
    case 'apply':
    case 'enroll':
    case 'unenroll':
    case 'promote':
    case 'rollback':
      return mutationText(result);
    case 'delete':
      return deleteText(result);
    case 'list':
      return listText(result);
    case 'status':
      return statusText(result);
    case 'bindings':
      return formatBindings(result);
    case 'explain':
      return explainText(result);
    case 'plan':
      return planText(result);
  }
}

/**
 * Renders an outcome: the result on stdout in the format asked, the error on stderr as
 * `Error: <message>` (cobra's form).
 */
export function renderOutcome(outcome: CommandOutcome, output: Output, help: string): Rendered {
  const stderr = outcome.error === undefined ? '' : `Error: ${outcome.error.message}\n`;
  const result = outcome.result as CommandResult | null;
  if (result === null || result === undefined) return { stdout: '', stderr };
  if (output === 'json') return { stdout: `${JSON.stringify(result, null, 2)}\n`, stderr };
  if (output === 'yaml')
    return { stdout: marshalGoYaml(JSON.parse(JSON.stringify(result)) as GoYamlValue), stderr };
  return { stdout: resultText(result, help), stderr };
}
