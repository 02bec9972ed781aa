/**
 * The rules a real API server applies to rbac.authorization.k8s.io/v1 objects, with its exact
 * messages: the defaults of `pkg/apis/rbac/v1/defaults.go` and the checks of
 * `pkg/apis/rbac/validation/validation.go`. The embedded server stores RBAC objects; it does not
 * authorize requests with them.
 */
import { goQuote } from '@waypointer/apimachinery/validation';
import { RBAC_GROUP } from './resources.ts';
import type { StatusCause } from './status.ts';
import type { KubeObject } from './store.ts';

type Anything = Record<string, unknown>;

const isObject = (value: unknown): value is Anything =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** Go's `%#v` of a `[]string`, as a field error prints a list it cannot print otherwise. */
function goStrings(values: readonly unknown[]): string {
  return `[]string{${values.map((v) => goQuote(text(v))).join(', ')}}`;
}

function required(field: string, detail = ''): StatusCause {
  return {
    reason: 'FieldValueRequired',
    message: detail === '' ? 'Required value' : `Required value: ${detail}`,
    field,
  };
}

function notSupported(field: string, value: unknown, supported: readonly string[]): StatusCause {
  return {
    reason: 'FieldValueNotSupported',
    message: `Unsupported value: ${goQuote(text(value))}: supported values: ${supported.map(goQuote).join(', ')}`,
    field,
  };
}

function invalid(field: string, rendered: string, detail: string): StatusCause {
  return { reason: 'FieldValueInvalid', message: `Invalid value: ${rendered}: ${detail}`, field };
}

/** `path.IsValidPathSegmentName`: RBAC names may hold colons (`system:controller:...`). */
function pathSegmentErrors(name: string): string[] {
  if (name === '.' || name === '..') return [`may not be '${name}'`];
  return ['/', '%'].filter((c) => name.includes(c)).map((c) => `may not contain '${c}'`);
}

/** `ValidateObjectMeta` with `ValidateRBACName`: the name of every RBAC object. */
export function rbacNameCauses(name: string): StatusCause[] {
  if (name === '') return [required('metadata.name', 'name or generateName is required')];
  return pathSegmentErrors(name).map((detail) => invalid('metadata.name', goQuote(name), detail));
}

/** `ValidatePolicyRule`. */
function ruleCauses(rule: unknown, index: number, namespaced: boolean): StatusCause[] {
  const at = `rules[${index}]`;
  const r = isObject(rule) ? rule : {};
  const causes: StatusCause[] = [];
  if (list(r.verbs).length === 0)
    causes.push(required(`${at}.verbs`, 'verbs must contain at least one value'));
  const urls = list(r.nonResourceURLs);
  if (urls.length > 0) {
    if (namespaced)
      causes.push(
        invalid(
          `${at}.nonResourceURLs`,
          goStrings(urls),
          'namespaced rules cannot apply to non-resource URLs',
        ),
      );
    if ([r.apiGroups, r.resources, r.resourceNames].some((l) => list(l).length > 0))
      causes.push(
        invalid(
          `${at}.nonResourceURLs`,
          goStrings(urls),
          'rules cannot apply to both regular resources and non-resource URLs',
        ),
      );
    return causes;
  }
  if (list(r.apiGroups).length === 0)
    causes.push(required(`${at}.apiGroups`, 'resource rules must supply at least one api group'));
  if (list(r.resources).length === 0)
    causes.push(required(`${at}.resources`, 'resource rules must supply at least one resource'));
  return causes;
}

/** `ValidateRoleBindingSubject`. */
function subjectCauses(subject: unknown, index: number, namespaced: boolean): StatusCause[] {
  const at = `subjects[${index}]`;
  const s = isObject(subject) ? subject : {};
  const name = text(s.name);
  const apiGroup = text(s.apiGroup);
  const causes: StatusCause[] = name === '' ? [required(`${at}.name`)] : [];
  switch (s.kind) {
    case 'ServiceAccount':
      if (apiGroup !== '') causes.push(notSupported(`${at}.apiGroup`, apiGroup, ['']));
      if (!namespaced && text(s.namespace) === '') causes.push(required(`${at}.namespace`));
      return causes;
    case 'User':
    case 'Group':
      if (apiGroup !== RBAC_GROUP)
        causes.push(notSupported(`${at}.apiGroup`, apiGroup, [RBAC_GROUP]));
      return causes;
    default:
      return [...causes, notSupported(`${at}.kind`, s.kind, ['ServiceAccount', 'User', 'Group'])];
  }
}

/** `ValidateRoleBinding` and `ValidateClusterRoleBinding`: the role reference and subjects. */
function bindingCauses(object: KubeObject, namespaced: boolean): StatusCause[] {
  const ref = isObject(object.roleRef) ? object.roleRef : {};
  const causes: StatusCause[] = [];
  if (ref.apiGroup !== RBAC_GROUP)
    causes.push(notSupported('roleRef.apiGroup', ref.apiGroup, [RBAC_GROUP]));
  const kinds = namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole'];
  if (!kinds.includes(text(ref.kind))) causes.push(notSupported('roleRef.kind', ref.kind, kinds));
  const name = text(ref.name);
  if (name === '') causes.push(required('roleRef.name'));
  for (const detail of pathSegmentErrors(name))
    causes.push(invalid('roleRef.name', goQuote(name), detail));
  list(object.subjects).forEach((s, i) => {
    causes.push(...subjectCauses(s, i, namespaced));
  });
  return causes;
}

/** The field errors of an RBAC object, its name excepted (see {@link rbacNameCauses}). */
export function rbacCauses(kind: string, object: KubeObject): StatusCause[] {
  switch (kind) {
    case 'ClusterRole':
    case 'Role':
      return list(object.rules).flatMap((rule, i) => ruleCauses(rule, i, kind === 'Role'));
    case 'ClusterRoleBinding':
      return bindingCauses(object, false);
    case 'RoleBinding':
      return bindingCauses(object, true);
    default:
      return [];
  }
}

/** The internal `rbac.RoleRef` as Go's `%#v` prints it in a field error. */
function goRoleRef(ref: Anything): string {
  return `rbac.RoleRef{APIGroup:${goQuote(text(ref.apiGroup))}, Kind:${goQuote(text(ref.kind))}, Name:${goQuote(text(ref.name))}}`;
}

/** `ValidateRoleBindingUpdate`: a binding's roleRef is immutable. */
export function rbacUpdateCauses(kind: string, live: KubeObject, next: KubeObject): StatusCause[] {
  if (kind !== 'RoleBinding' && kind !== 'ClusterRoleBinding') return [];
  const before = isObject(live.roleRef) ? live.roleRef : {};
  const after = isObject(next.roleRef) ? next.roleRef : {};
  const same = (['apiGroup', 'kind', 'name'] as const).every(
    (k) => text(before[k]) === text(after[k]),
  );
  return same ? [] : [invalid('roleRef', goRoleRef(after), 'cannot change roleRef')];
}

/**
 * `SetDefaults_ClusterRoleBinding`, `SetDefaults_RoleBinding`, `SetDefaults_Subject`: an omitted
 * `roleRef.apiGroup` is the RBAC group, as is a User or Group subject's (a ServiceAccount's stays
 * empty, which the JSON form omits).
 */
export function rbacDefaults(kind: string, object: KubeObject): KubeObject {
  if (kind !== 'RoleBinding' && kind !== 'ClusterRoleBinding') return object;
  const out: KubeObject = { ...object };
  if (isObject(object.roleRef) && text(object.roleRef.apiGroup) === '')
    out.roleRef = { ...object.roleRef, apiGroup: RBAC_GROUP };
  if (Array.isArray(object.subjects)) {
    out.subjects = object.subjects.map((s: unknown) => {
      const defaulted =
        isObject(s) && text(s.apiGroup) === '' && (s.kind === 'User' || s.kind === 'Group');
      return defaulted ? { ...s, apiGroup: RBAC_GROUP } : s;
    });
  }
  return out;
}
