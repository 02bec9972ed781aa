/**
 * Authorization for the HTTP API (and later ChatOps): who may do what in which namespace. Pure: no I/O.
 *
 * A policy document gives callers a role per cluster and namespace:
 * - `viewer` reads;
 * - `operator` reads and mutates;
 * - `admin` reads, mutates and force-deletes (deletes a waypoint that still has dependents).
 *
 * Rules match a caller by subject glob, a cluster by cluster glob and a namespace by namespace glob
 * (`*` matches any run of characters, including none; nothing else is special; the whole string must
 * match). A caller matching several rules gets the union: the highest role per namespace.
 *
 * Protected namespaces (`PROTECTED_NAMESPACES`) are never mutated unless the policy sets
 * `allowProtectedNamespaces` and the caller is admin there. Reads of them follow the rules.
 *
 * With no policy configured the deployment runs with {@link DENY_ALL}: any authenticated caller may
 * read, every mutation is refused. The embedded stack runs with {@link LOCAL_PERMISSIVE}.
 */
import { z } from 'zod';
import { ForbiddenError, ValidationError } from '../domain/errors.ts';
import { PROTECTED_NAMESPACES } from '../domain/labels.ts';
import type { Action, Authorizer, Caller, Scope } from '../ports.ts';

export type { Action, Caller, Scope };

/** The environment variable the policy document is conventionally read from. */
export const POLICY_ENV = 'WAYPOINTER_POLICY';

/** Roles, lowest first: each role may do everything the ones before it may. */
export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** The lowest role each action needs. */
const NEEDED: Readonly<Record<Action, Role>> = {
  read: 'viewer',
  mutate: 'operator',
  'force-delete': 'admin',
};

/** One rule of a policy: these subjects have this role in these clusters and namespaces. */
export interface PolicyRule {
  readonly subjects: readonly string[];
  readonly role: Role;
  readonly clusters: readonly string[];
  readonly namespaces: readonly string[];
}

/** A validated policy document. */
export interface Policy {
  readonly version: 1;
  readonly allowProtectedNamespaces: boolean;
  readonly rules: readonly PolicyRule[];
}

/** A role and the namespace patterns it applies to, for listing what a caller may do. */
export interface Grant {
  readonly role: Role;
  readonly namespaces: readonly string[];
}

const NAMESPACE_GLOB = /^[a-z0-9*-]{1,63}$/;
const NO_WHITESPACE = /^\S+$/;

const patterns = (what: string, rule: RegExp, message: string): z.ZodArray<z.ZodString> =>
  z
    .array(z.string().min(1, `${what} pattern must not be empty`).regex(rule, message))
    .min(1, `at least one ${what} pattern is required`);

const ruleSchema = z.strictObject({
  subjects: patterns('subject', NO_WHITESPACE, 'subject pattern must not contain whitespace'),
  role: z.enum(ROLES),
  clusters: patterns('cluster', NO_WHITESPACE, 'cluster pattern must not contain whitespace'),
  namespaces: patterns(
    'namespace',
    NAMESPACE_GLOB,
    "namespace pattern must be a namespace name or a glob of one: at most 63 of lowercase letters, digits, '-' and '*'",
  ),
});

/**
 * The zod schema of a policy document. Unknown fields are rejected at every level.
 *
 * @example
 * ```ts
 * policySchema.parse({
 *   version: 1,
 *   rules: [{ subjects: ['jwt:alice'], role: 'viewer', clusters: ['*'], namespaces: ['*'] }],
 * });
 * ```
 */
export const policySchema = z.strictObject({
  version: z.literal(1),
  allowProtectedNamespaces: z.boolean().default(false),
  rules: z.array(ruleSchema),
});

/**
 * The policy used when none is configured: any authenticated caller may read everything (the API
 * Gateway authorizer has already authenticated it); every mutation is refused.
 *
 * @example
 * ```ts
 * authorize(DENY_ALL, { id: 'jwt:alice', kind: 'jwt' }, 'read', { cluster: 'prod' }); // allowed
 * ```
 */
export const DENY_ALL: Policy = deepFreeze({
  version: 1,
  allowProtectedNamespaces: false,
  rules: [{ subjects: ['*'], role: 'viewer', clusters: ['*'], namespaces: ['*'] }],
});

/**
 * The embedded stack's policy: any caller is admin everywhere; protected namespaces are still
 * refused for mutations.
 *
 * @example
 * ```ts
 * authorize(LOCAL_PERMISSIVE, { id: 'local:me', kind: 'local' }, 'force-delete', {
 *   cluster: 'local',
 *   namespace: 'bookinfo',
 * }); // allowed
 * ```
 */
export const LOCAL_PERMISSIVE: Policy = deepFreeze({
  version: 1,
  allowProtectedNamespaces: false,
  rules: [{ subjects: ['*'], role: 'admin', clusters: ['*'], namespaces: ['*'] }],
});

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) {
      deepFreeze(child);
    }
    Object.freeze(value);
  }
  return value;
}

/**
 * Parses and validates a policy document (JSON text, e.g. the `WAYPOINTER_POLICY` variable).
 * Throws a ValidationError listing every problem with its dotted path (`rules.0.role`); the
 * document itself has the path `''`.
 *
 * @example
 * ```ts
 * const policy = parsePolicy(
 *   '{"version":1,"rules":[{"subjects":["jwt:alice"],"role":"operator","clusters":["*"],"namespaces":["team-*"]}]}',
 * );
 * ```
 */
export function parsePolicy(json: string): Policy {
  let document: unknown;
  try {
    document = JSON.parse(json);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ValidationError(`invalid authorization policy: not valid JSON: ${reason}`, [
      { path: '', message: `not valid JSON: ${reason}` },
    ]);
  }
  const result = policySchema.safeParse(document);
  if (result.success) {
    return result.data;
  }
  const problems = result.error.issues.flatMap(toProblems);
  const first = problems[0];
  const where = first === undefined || first.path === '' ? '' : `${first.path}: `;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
  throw new ValidationError(
    `invalid authorization policy: ${where}${first?.message ?? 'invalid'}${more}`,
    problems,
  );
}

function toProblems(issue: z.core.$ZodIssue): { path: string; message: string }[] {
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({ path: [...path, key].join('.'), message: 'unknown field' }));
  }
  return [{ path: path.join('.'), message: issue.message }];
}

/**
 * Whether `value` matches the glob `pattern` as a whole: `*` matches any run of characters
 * (including none), every other character matches itself.
 *
 * @example
 * ```ts
 * matchesGlob('team-*', 'team-a'); // true
 * matchesGlob('team-*', 'my-team-a'); // false
 * ```
 */
export function matchesGlob(pattern: string, value: string): boolean {
  const parts = pattern.split('*');
  if (parts.length === 1) {
    return pattern === value;
  }
  const head = parts[0] ?? '';
  const tail = parts[parts.length - 1] ?? '';
  if (head.length + tail.length > value.length || !value.startsWith(head)) {
    return false;
  }
  if (!value.endsWith(tail)) {
    return false;
  }
  let at = head.length;
  const end = value.length - tail.length;
  for (const part of parts.slice(1, -1)) {
    const found = value.indexOf(part, at);
    if (found < 0 || found + part.length > end) {
      return false;
    }
    at = found + part.length;
  }
  return true;
}

const ASSUMED_ROLE = /^arn:([^:]+):sts::(\d+):assumed-role\/([^/]+)\/.+$/;

/**
 * The identities a caller matches subjects as: its id and, for an IAM assumed-role session
 * (`arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION`, what the API Gateway IAM authorizer reports),
 * the role ARN `arn:aws:iam::ACCOUNT:role/NAME` (without the role's path, which the session ARN
 * does not carry).
 */
function identitiesOf(caller: Caller): string[] {
  const match = caller.kind === 'iam' ? ASSUMED_ROLE.exec(caller.id) : null;
  if (match === null) {
    return [caller.id];
  }
  const [, partition, account, name] = match;
  return [caller.id, `arn:${partition}:iam::${account}:role/${name}`];
}

function rank(role: Role): number {
  return ROLES.indexOf(role);
}

/** The rules that apply to this caller in this cluster. */
function rulesFor(policy: Policy, caller: Caller, cluster: string): PolicyRule[] {
  if (caller.id === '') {
    return [];
  }
  const identities = identitiesOf(caller);
  return policy.rules.filter(
    (rule) =>
      rule.subjects.some((subject) => identities.some((id) => matchesGlob(subject, id))) &&
      rule.clusters.some((pattern) => matchesGlob(pattern, cluster)),
  );
}

function highest(rules: readonly PolicyRule[]): Role | undefined {
  let best: Role | undefined;
  for (const rule of rules) {
    if (best === undefined || rank(rule.role) > rank(best)) {
      best = rule.role;
    }
  }
  return best;
}

/**
 * The caller's role for a target: the highest role of the rules that match it. For a namespace,
 * rules whose namespace patterns match it; for the cluster as a whole (`namespace` undefined),
 * rules whose namespace patterns include `*` (every namespace).
 *
 * @example
 * ```ts
 * roleAt(LOCAL_PERMISSIVE, { id: 'local:me', kind: 'local' }, { cluster: 'c', namespace: 'a' });
 * // 'admin'
 * ```
 */
export function roleAt(policy: Policy, caller: Caller, target: Scope): Role | undefined {
  const { namespace } = target;
  const rules = rulesFor(policy, caller, target.cluster).filter((rule) =>
    namespace === undefined
      ? rule.namespaces.includes('*')
      : rule.namespaces.some((pattern) => matchesGlob(pattern, namespace)),
  );
  return highest(rules);
}

/**
 * What the caller may do in a cluster: one grant per role it has there, highest role first, with
 * the namespace patterns of the matching rules (deduplicated, in policy order). Empty when it has
 * no role in the cluster.
 *
 * @example
 * ```ts
 * rolesOf(DENY_ALL, { id: 'jwt:alice', kind: 'jwt' }, 'prod');
 * // [{ role: 'viewer', namespaces: ['*'] }]
 * ```
 */
export function rolesOf(policy: Policy, caller: Caller, cluster: string): readonly Grant[] {
  const rules = rulesFor(policy, caller, cluster);
  const grants: Grant[] = [];
  for (const role of [...ROLES].reverse()) {
    const namespaces = [
      ...new Set(rules.filter((rule) => rule.role === role).flatMap((rule) => rule.namespaces)),
    ];
    if (namespaces.length > 0) {
      grants.push({ role, namespaces });
    }
  }
  return grants;
}

function where(target: Scope): string {
  return target.namespace === undefined
    ? `cluster ${target.cluster}`
    : `cluster ${target.cluster} namespace ${target.namespace}`;
}

function protectedRefusal(
  policy: Policy,
  caller: Caller,
  action: Action,
  namespace: string,
  role: Role | undefined,
): string | undefined {
  const isAdmin = role === 'admin';
  if (policy.allowProtectedNamespaces && isAdmin) {
    return undefined;
  }
  const start = `caller ${caller.id} may not ${action} namespace ${namespace}: it is protected`;
  if (!policy.allowProtectedNamespaces) {
    const grant = isAdmin ? '' : ' and give the caller admin there';
    return `${start} (set allowProtectedNamespaces in the policy${grant} to allow it)`;
  }
  const has = role === undefined ? 'it has no role there' : `its role there is ${role}`;
  return `${start} and only admin may ${action} it (${has})`;
}

/**
 * Why the caller may not do this, or undefined when it may. The same decision as
 * {@link authorize}, for callers that list or filter rather than refuse.
 *
 * @example
 * ```ts
 * refusal(DENY_ALL, { id: 'jwt:alice', kind: 'jwt' }, 'mutate', { cluster: 'c', namespace: 'a' });
 * // 'caller jwt:alice may not mutate in cluster c namespace a: ...'
 * ```
 */
export function refusal(
  policy: Policy,
  caller: Caller,
  action: Action,
  target: Scope,
): string | undefined {
  if (caller.id === '') {
    return 'the caller is not authenticated';
  }
  const { namespace } = target;
  const clusterRead = action === 'read' && namespace === undefined;
  const role = clusterRead
    ? highest(rulesFor(policy, caller, target.cluster))
    : roleAt(policy, caller, target);
  if (action !== 'read' && namespace !== undefined && PROTECTED_NAMESPACES.includes(namespace)) {
    const refused = protectedRefusal(policy, caller, action, namespace, role);
    if (refused !== undefined) {
      return refused;
    }
  }
  const needed = NEEDED[action];
  if (role !== undefined && rank(role) >= rank(needed)) {
    return undefined;
  }
  return insufficient(policy, caller, action, target, role);
}

/** The refusal when the caller's role (or lack of one) is below what the action needs. */
function insufficient(
  policy: Policy,
  caller: Caller,
  action: Action,
  target: Scope,
  role: Role | undefined,
): string {
  const hint =
    policy === DENY_ALL && action !== 'read'
      ? ` (no authorization policy is configured, so every mutation is refused; set ${POLICY_ENV})`
      : '';
  const clusterWide = target.namespace === undefined && action !== 'read';
  if (role === undefined) {
    const wide = clusterWide
      ? ' (a cluster-wide change needs a rule whose namespaces include "*")'
      : '';
    return `caller ${caller.id} has no rule that allows ${action} in ${where(target)}${wide}${hint}`;
  }
  const scope = clusterWide ? ' in every namespace' : '';
  return (
    `caller ${caller.id} may not ${action} in ${where(target)}: ` +
    `its role there is ${role}, ${action} needs ${NEEDED[action]}${scope}${hint}`
  );
}

/**
 * Whether the caller may do this (see {@link authorize}).
 *
 * @example
 * ```ts
 * isAllowed(DENY_ALL, { id: 'jwt:alice', kind: 'jwt' }, 'read', { cluster: 'prod' }); // true
 * ```
 */
export function isAllowed(policy: Policy, caller: Caller, action: Action, target: Scope): boolean {
  return refusal(policy, caller, action, target) === undefined;
}

/**
 * Allows or refuses an action. Returns when allowed; throws a ForbiddenError saying why and what
 * to change otherwise.
 *
 * - `read` needs any role (viewer or higher) on the target; a cluster-scoped read (namespace
 *   undefined) needs any role in that cluster, whatever its namespaces.
 * - `mutate` needs operator, `force-delete` needs admin; a cluster-scoped mutation needs the role
 *   from a rule covering every namespace (`*`).
 * - Mutations of protected namespaces also need `allowProtectedNamespaces` and admin there.
 *
 * @example
 * ```ts
 * authorize(policy, { id: 'jwt:alice@example.com', kind: 'jwt' }, 'mutate', {
 *   cluster: 'prod',
 *   namespace: 'team-a',
 * });
 * ```
 */
export function authorize(policy: Policy, caller: Caller, action: Action, target: Scope): void {
  const refused = refusal(policy, caller, action, target);
  if (refused !== undefined) {
    throw new ForbiddenError(refused);
  }
}

/**
 * The {@link Authorizer} that applies a policy document: {@link authorize} and {@link isAllowed}.
 * The one place the use cases' authorization is decided.
 *
 * @example
 * ```ts
 * const authorizer = policyAuthorizer(LOCAL_PERMISSIVE);
 * authorizer.authorize({ id: 'local:me', kind: 'local' }, 'mutate', {
 *   cluster: 'local',
 *   namespace: 'kube-system',
 * }); // throws ForbiddenError: protected namespace
 * ```
 */
export function policyAuthorizer(policy: Policy): Authorizer {
  return {
    authorize: (caller, action, scope) => authorize(policy, caller, action, scope),
    allows: (caller, action, scope) => isAllowed(policy, caller, action, scope),
  };
}

/**
 * A one-line start-up message describing the policy in force.
 *
 * @example
 * ```ts
 * describePolicy(LOCAL_PERMISSIVE);
 * // 'authorization: local permissive policy (any caller is admin; protected namespaces refused)'
 * ```
 */
export function describePolicy(policy: Policy): string {
  if (policy === LOCAL_PERMISSIVE) {
    return 'authorization: local permissive policy (any caller is admin; protected namespaces refused)';
  }
  if (policy === DENY_ALL) {
    return `authorization: no policy configured (any caller may read; mutations refused; set ${POLICY_ENV} to allow them)`;
  }
  const counts = ROLES.map((role) => [role, policy.rules.filter((r) => r.role === role).length])
    .filter(([, n]) => n !== 0)
    .map(([role, n]) => `${n} ${role}`);
  const rules = policy.rules.length === 1 ? '1 rule' : `${policy.rules.length} rules`;
  const byRole = counts.length > 0 ? `: ${counts.join(', ')}` : '';
  const protection = policy.allowProtectedNamespaces
    ? 'protected namespaces allowed for admin'
    : 'protected namespaces refused';
  return `authorization: policy with ${rules}${byRole} (${protection})`;
}
