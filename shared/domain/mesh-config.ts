/**
 * What istiod sees, by its MeshConfig and revision: which namespaces it discovers, which
 * ServiceEntries and WorkloadEntries its revision takes, and the visibility `serviceEntryVisibility`
 * gives a ServiceEntry. Rules M1-M5 of docs/istio-semantics.md §15.1.
 *
 * Ports istio/istio `pkg/kube/namespace/filter.go` (`selectorsChanged`, `isSelectedLocked`,
 * `Filter`), `pkg/config/model.go` (`LabelsInRevision`) and
 * `pilot/pkg/model/serviceentry_visibility.go` (`VisibilityFor`, `CompileServiceEntryVisibility`).
 */

import {
  LabelSelectorError,
  type Selector,
  selectorFromLabelSelector,
} from '@waypointer/apimachinery/label-selector';
import { REVISION } from './labels.ts';
import type {
  ClusterSnapshot,
  LabelSelector,
  MeshConfig,
  ObjectMeta,
  ServiceEntryVisibility,
  StringMap,
} from './model.ts';

/** The visibility `serviceEntryVisibility` resolves for a ServiceEntry (M5). */
export type Visibility = 'Public' | 'Namespace' | 'None';

/** istiod without a MeshConfig: every namespace, no revision, Public ServiceEntries. */
export const DEFAULT_MESH_CONFIG: MeshConfig = Object.freeze({
  discoverySelectors: [],
  serviceEntryVisibility: null,
  revision: '',
});

/** A part of a MeshConfig istiod cannot use, with the field at fault. */
export interface MeshConfigProblem {
  readonly path: string;
  readonly message: string;
}

function selectorOrProblem(
  selector: LabelSelector | null | undefined,
  path: string,
  problems: MeshConfigProblem[],
): Selector | undefined {
  try {
    return selectorFromLabelSelector(selector);
  } catch (error) {
    if (!(error instanceof LabelSelectorError)) throw error;
    problems.push({ path, message: error.message });
    return undefined;
  }
}

/**
 * The selectors of a MeshConfig that do not parse (M3): istiod would keep its previous filter or
 * matcher, so waypointer refuses the MeshConfig rather than guess which.
 *
 * @example
 * checkMeshConfig({ ...DEFAULT_MESH_CONFIG, discoverySelectors: [{ matchExpressions: [{ key: 'a', operator: 'Is' }] }] });
 * // => [{ path: 'discoverySelectors[0]', message: '"Is" is not a valid pod selector operator' }]
 */
export function checkMeshConfig(mesh: MeshConfig): MeshConfigProblem[] {
  const problems: MeshConfigProblem[] = [];
  mesh.discoverySelectors.forEach((s, i) => {
    selectorOrProblem(s, `discoverySelectors[${i}]`, problems);
  });
  (mesh.serviceEntryVisibility?.policies ?? []).forEach((policy, i) => {
    (policy.matchingRules ?? []).forEach((rule, j) => {
      if (rule.namespaceSelector === undefined || rule.namespaceSelector === null) return;
      const path = `serviceEntryVisibility.policies[${i}].matchingRules[${j}].namespaceSelector`;
      selectorOrProblem(rule.namespaceSelector, path, problems);
    });
  });
  return problems;
}

/** A selector that parses, or Nothing() for one that does not (checked by `checkMeshConfig`). */
function selectorOf(selector: LabelSelector | null | undefined): Selector {
  return selectorOrProblem(selector, '', []) ?? selectorFromLabelSelector(null);
}

/**
 * Whether istiod discovers a namespace with these labels (M1): no selectors, or any matching.
 *
 * @example
 * isDiscovered({ ...DEFAULT_MESH_CONFIG, discoverySelectors: [{ matchLabels: { mesh: 'on' } }] }, { mesh: 'on' }); // true
 */
export function isDiscovered(mesh: MeshConfig, namespaceLabels: StringMap | undefined): boolean {
  if (mesh.discoverySelectors.length === 0) return true;
  return mesh.discoverySelectors.some((s) => selectorOf(s).matches(namespaceLabels));
}

/**
 * `LabelsInRevision` (M4): objects without `istio.io/rev`, and every object when istiod has no
 * revision, are in it; otherwise the label must name istiod's revision.
 */
export function inRevision(labels: StringMap | undefined, revision: string): boolean {
  const value = labels?.[REVISION];
  return value === undefined || revision === '' || value === revision;
}

function toVisibility(value: string | undefined): Visibility {
  if (value === 'NAMESPACE') return 'Namespace';
  if (value === 'NONE') return 'None';
  return 'Public';
}

type Policy = NonNullable<ServiceEntryVisibility['policies']>[number];

/** All rules of a policy match (AND); no rules matches all; a rule without a matcher never does. */
function policyMatches(policy: Policy, namespaceLabels: StringMap | undefined): boolean {
  return (policy.matchingRules ?? []).every((rule) => {
    const selector = rule.namespaceSelector;
    return (
      selector !== undefined && selector !== null && selectorOf(selector).matches(namespaceLabels)
    );
  });
}

/**
 * `VisibilityFor` (M5): the first policy whose rules all match the ServiceEntry's namespace
 * labels, else the default; Public when `serviceEntryVisibility` is absent.
 */
export function visibilityFor(
  mesh: MeshConfig,
  namespaceLabels: StringMap | undefined,
): Visibility {
  const config = mesh.serviceEntryVisibility;
  if (config === null) return 'Public';
  const policy = (config.policies ?? []).find((p) => policyMatches(p, namespaceLabels));
  return toVisibility(policy === undefined ? config.defaultVisibility : policy.visibility);
}

/** Whether `serviceEntryVisibility` is set at all (`Configured`): gates `VisibilityApplied`. */
export function visibilityConfigured(mesh: MeshConfig): boolean {
  return mesh.serviceEntryVisibility !== null;
}

/** The MeshConfig of a snapshot, istiod's defaults when it carries none. */
export function meshConfigOf(snapshot: ClusterSnapshot): MeshConfig {
  return snapshot.meshConfig ?? DEFAULT_MESH_CONFIG;
}

/**
 * The snapshot as istiod sees it (M2, M4): objects of namespaces it does not discover are gone
 * (Namespaces by their own name, their labels from `namespaces` and `peerNamespaces`;
 * GatewayClasses, cluster-scoped, stay), and ServiceEntries and
 * WorkloadEntries of another revision are gone. Returns `snapshot` itself when nothing is dropped.
 *
 * @example
 * istiodView(snapshot).gateways; // the waypoints istiod can bind to
 */
export function istiodView(snapshot: ClusterSnapshot): ClusterSnapshot {
  const mesh = meshConfigOf(snapshot);
  if (mesh.discoverySelectors.length === 0 && mesh.revision === '') return snapshot;
  const discovered = new Set(
    [...snapshot.namespaces, ...(snapshot.peerNamespaces ?? [])]
      .filter((n) => isDiscovered(mesh, n.metadata.labels))
      .map((n) => n.metadata.name),
  );
  const everyNamespace = mesh.discoverySelectors.length === 0;
  const seen = (meta: ObjectMeta): boolean =>
    everyNamespace || discovered.has(meta.namespace ?? '');
  const configSeen = (meta: ObjectMeta): boolean =>
    seen(meta) && inRevision(meta.labels, mesh.revision);
  return {
    ...snapshot,
    namespaces: snapshot.namespaces.filter(
      (n) => everyNamespace || discovered.has(n.metadata.name),
    ),
    services: snapshot.services.filter((s) => seen(s.metadata)),
    pods: snapshot.pods.filter((p) => seen(p.metadata)),
    gateways: snapshot.gateways.filter((g) => seen(g.metadata)),
    serviceEntries: (snapshot.serviceEntries ?? []).filter((e) => configSeen(e.metadata)),
    workloadEntries: (snapshot.workloadEntries ?? []).filter((e) => configSeen(e.metadata)),
  };
}
