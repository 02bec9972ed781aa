/**
 * The rules a real API server applies to rbac.authorization.k8s.io/v1 objects, with its exact
 * messages: the defaults of `pkg/apis/rbac/v1/defaults.go` and the checks of
 * `pkg/apis/rbac/validation/validation.go`. The embedded server stores RBAC objects; it does not
 * authorize requests with them.
 */
import { goQuote } from '@waypointer/apimachinery/validation';
import { RBAC_GROUP } from './resources.ts';
import { badRequest, type StatusCause } from './status.ts';
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

/** The JSON type name Go's decoder reports for a value it cannot unmarshal. */
function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'boolean') return 'bool';
  return typeof value;
}

/** `json: cannot unmarshal <type> into Go struct field <Struct>.<path> of type <Go type>`. */
function undecodable(value: unknown, field: string, goType: string): never {
  throw badRequest(
    `json: cannot unmarshal ${jsonType(value)} into Go struct field ${field} of type ${goType}`,
  );
}

/** The string fields of a struct: null or absent is fine, anything else but a string is not. */
function checkStrings(
  object: Anything,
  struct: string,
  path: string,
  keys: readonly string[],
): void {
  for (const key of keys) {
    const value = object[key];
    if (value !== undefined && value !== null && typeof value !== 'string')
      undecodable(value, `${struct}.${path}.${key}`, 'string');
  }
}

/** A list of structs: the list, then each element must be an object. */
function checkList(value: unknown, field: string, goType: string): Anything[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) undecodable(value, field, `[]${goType}`);
  for (const element of value) {
    if (!isObject(element))
      throw badRequest(
        `json: cannot unmarshal ${jsonType(element)} into Go value of type ${goType}`,
      );
  }
  return value as Anything[];
}

const RULE_LISTS = ['verbs', 'apiGroups', 'resources', 'resourceNames', 'nonResourceURLs'];

function checkRule(rule: Anything): void {
  for (const key of RULE_LISTS) {
    const value = rule[key];
    if (value === undefined || value === null) continue;
    if (!Array.isArray(value)) undecodable(value, `PolicyRule.rules.${key}`, '[]string');
    const wrong = value.find((v) => typeof v !== 'string');
    if (wrong !== undefined) undecodable(wrong, `PolicyRule.rules.${key}`, 'string');
  }
}

/**
 * Rejects what the real server cannot even decode into an RBAC object (400, the decoder's
 * message): rules, subjects and their string lists of the wrong JSON type, a roleRef that is not
 * an object.
 */
export function checkRbacShape(kind: string, object: KubeObject): void {
  if (kind === 'ClusterRole' || kind === 'Role') {
    for (const rule of checkList(object.rules, `${kind}.rules`, 'v1.PolicyRule')) checkRule(rule);
    return;
  }
  if (kind !== 'ClusterRoleBinding' && kind !== 'RoleBinding') return;
  const ref = object.roleRef;
  if (ref !== undefined && ref !== null) {
    if (!isObject(ref)) undecodable(ref, `${kind}.roleRef`, 'v1.RoleRef');
    checkStrings(ref, 'RoleRef', 'roleRef', ['apiGroup', 'kind', 'name']);
  }
  for (const subject of checkList(object.subjects, `${kind}.subjects`, 'v1.Subject'))
    checkStrings(subject, 'Subject', 'subjects', ['kind', 'apiGroup', 'name', 'namespace']);
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
