import { describe, expect, it } from 'vitest';
import {
  type Action,
  authorize,
  type Caller,
  DENY_ALL,
  describePolicy,
  isAllowed,
  LOCAL_PERMISSIVE,
  matchesGlob,
  type Policy,
  parsePolicy,
  policySchema,
  refusal,
  roleAt,
  rolesOf,
} from '../../shared/app/authorization.ts';
import { ForbiddenError, ValidationError } from '../../shared/domain/errors.ts';
import { PROTECTED_NAMESPACES } from '../../shared/domain/labels.ts';

const PLATFORM_ROLE = 'arn:aws:iam::123456789012:role/platform-admins';
const platform: Caller = { id: PLATFORM_ROLE, kind: 'iam' };
const alice: Caller = { id: 'jwt:alice@example.com', kind: 'jwt' };
const bob: Caller = { id: 'jwt:bob@example.com', kind: 'jwt' };
const slackCarol: Caller = { id: 'slack:T123/U456', kind: 'slack' };

const POLICY_JSON = JSON.stringify({
  version: 1,
  allowProtectedNamespaces: false,
  rules: [
    {
      subjects: ['arn:aws:iam::123456789012:role/platform-*', 'jwt:alice@example.com'],
      role: 'operator',
      clusters: ['*'],
      namespaces: ['team-*', 'default'],
    },
    {
      subjects: ['jwt:alice@example.com'],
      role: 'admin',
      clusters: ['prod'],
      namespaces: ['team-a'],
    },
    { subjects: ['jwt:*'], role: 'viewer', clusters: ['prod'], namespaces: ['*'] },
    { subjects: ['slack:T123/*'], role: 'viewer', clusters: ['staging'], namespaces: ['team-b'] },
  ],
});

const policy = parsePolicy(POLICY_JSON);

function policyWith(rules: unknown[], allowProtectedNamespaces = false): Policy {
  return parsePolicy(JSON.stringify({ version: 1, allowProtectedNamespaces, rules }));
}

function forbidden(fn: () => void): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ForbiddenError);
    return (error as ForbiddenError).message;
  }
  throw new Error('expected a ForbiddenError');
}

function invalid(json: string): ValidationError {
  try {
    parsePolicy(json);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error('expected a ValidationError');
}

describe('matchesGlob', () => {
  it.each([
    ['exact', 'default', 'default', true],
    ['exact mismatch', 'default', 'defaults', false],
    ['whole-string: no prefix match', 'team', 'team-a', false],
    ['star alone matches anything', '*', 'anything at all', true],
    ['star alone matches empty', '*', '', true],
    ['prefix glob', 'team-*', 'team-a', true],
    ['prefix glob with empty run', 'team-*', 'team-', true],
    ['prefix glob is anchored at the start', 'team-*', 'my-team-a', false],
    ['suffix glob', '*-prod', 'eu-prod', true],
    ['suffix glob is anchored at the end', '*-prod', 'eu-prod-2', false],
    ['infix glob', 'a*z', 'abcz', true],
    ['infix glob: head and tail must not overlap', 'ab*ba', 'aba', false],
    ['several stars', 'arn:*:iam::*:role/platform-*', PLATFORM_ROLE, true],
    ['several stars: order matters', '*b*a*', 'ab', false],
    ['several stars: middle must fit before tail', 'a*bc*c', 'abc', false],
    ['consecutive stars', 'a**b', 'ab', true],
    ['dot is literal', 'a.b', 'axb', false],
    ['question mark is literal', 'a?', 'ab', false],
    ['brackets are literal', '[ab]', 'a', false],
    ['regex specials are literal', 'a+(b)', 'a+(b)', true],
  ])('%s: %s vs %s', (_name, pattern, value, expected) => {
    expect(matchesGlob(pattern, value)).toBe(expected);
  });
});

describe('parsePolicy', () => {
  it('accepts the documented shape and defaults allowProtectedNamespaces to false', () => {
    const parsed = parsePolicy(
      '{"version":1,"rules":[{"subjects":["jwt:a"],"role":"viewer","clusters":["*"],"namespaces":["*"]}]}',
    );
    expect(parsed).toEqual({
      version: 1,
      allowProtectedNamespaces: false,
      rules: [{ subjects: ['jwt:a'], role: 'viewer', clusters: ['*'], namespaces: ['*'] }],
    });
  });

  it('exports the schema', () => {
    expect(policySchema.safeParse({ version: 1, rules: [] }).success).toBe(true);
  });

  const rule = { subjects: ['jwt:a'], role: 'viewer', clusters: ['*'], namespaces: ['*'] };
  it.each([
    ['unknown top-level field', { version: 1, rules: [], extra: true }, 'extra', 'unknown field'],
    [
      'unknown rule field',
      { version: 1, rules: [{ ...rule, namespace: ['x'] }] },
      'rules.0.namespace',
      'unknown field',
    ],
    [
      'bad role',
      { version: 1, rules: [{ ...rule, role: 'superuser' }] },
      'rules.0.role',
      'Invalid option',
    ],
    ['wrong version', { version: 2, rules: [] }, 'version', ''],
    ['missing version', { rules: [] }, 'version', ''],
    ['missing rules', { version: 1 }, 'rules', ''],
    [
      'allowProtectedNamespaces not a boolean',
      { version: 1, allowProtectedNamespaces: 'yes', rules: [] },
      'allowProtectedNamespaces',
      'boolean',
    ],
    [
      'missing subjects',
      { version: 1, rules: [{ role: 'viewer', clusters: ['*'], namespaces: ['*'] }] },
      'rules.0.subjects',
      '',
    ],
    [
      'empty subjects',
      { version: 1, rules: [{ ...rule, subjects: [] }] },
      'rules.0.subjects',
      'at least one subject pattern is required',
    ],
    [
      'empty subject pattern',
      { version: 1, rules: [{ ...rule, subjects: [''] }] },
      'rules.0.subjects.0',
      'subject pattern must not be empty',
    ],
    [
      'subject with whitespace',
      { version: 1, rules: [{ ...rule, subjects: ['jwt:a b'] }] },
      'rules.0.subjects.0',
      'must not contain whitespace',
    ],
    [
      'namespace pattern that is not a namespace name',
      { version: 1, rules: [rule, { ...rule, namespaces: ['default', 'Team_*'] }] },
      'rules.1.namespaces.1',
      'namespace pattern must be a namespace name or a glob of one',
    ],
    [
      'clusters not an array',
      { version: 1, rules: [{ ...rule, clusters: '*' }] },
      'rules.0.clusters',
      'array',
    ],
    ['not an object', [rule], '', 'object'],
  ])('%s', (_name, document, path, message) => {
    const error = invalid(JSON.stringify(document));
    const problem = error.problems.find((p) => p.path === path);
    expect(problem, JSON.stringify(error.problems)).toBeDefined();
    expect(problem?.message).toContain(message);
    expect(error.message).toMatch(/^invalid authorization policy: /);
  });

  it('lists every problem with its path, and names the first in the message', () => {
    const error = invalid(
      JSON.stringify({
        version: 1,
        rules: [
          { subjects: ['jwt:a'], role: 'root', clusters: ['*'], namespaces: ['*'], x: 1, y: 2 },
        ],
      }),
    );
    expect(error.problems.map((p) => p.path).sort()).toEqual([
      'rules.0.role',
      'rules.0.x',
      'rules.0.y',
    ]);
    expect(error.message).toMatch(
      /^invalid authorization policy: rules\.0\.\w+: .+ \(and 2 more\)$/,
    );
  });

  it.each([
    ['truncated', '{"version":1,'],
    ['empty', ''],
    ['single quotes', "{'version':1}"],
  ])('rejects invalid JSON (%s)', (_name, json) => {
    const error = invalid(json);
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]?.path).toBe('');
    expect(error.problems[0]?.message).toMatch(/^not valid JSON: /);
    expect(error.message).toMatch(/^invalid authorization policy: not valid JSON: /);
  });
});

describe('each role x action', () => {
  const roles = ['viewer', 'operator', 'admin'] as const;
  const one = (role: string): Policy =>
    policyWith([{ subjects: ['jwt:bob@example.com'], role, clusters: ['c'], namespaces: ['ns'] }]);
  const cases: [string, Action, boolean][] = [];
  const allowed: Record<string, readonly Action[]> = {
    viewer: ['read'],
    operator: ['read', 'mutate'],
    admin: ['read', 'mutate', 'force-delete'],
  };
  for (const role of roles) {
    for (const action of ['read', 'mutate', 'force-delete'] as const) {
      cases.push([role, action, allowed[role]?.includes(action) ?? false]);
    }
  }

  it.each(cases)('%s may %s: %s', (role, action, expected) => {
    const target = { cluster: 'c', namespace: 'ns' };
    expect(isAllowed(one(role), bob, action, target)).toBe(expected);
    if (expected) {
      expect(() => authorize(one(role), bob, action, target)).not.toThrow();
    } else {
      expect(forbidden(() => authorize(one(role), bob, action, target))).toContain(
        `its role there is ${role}`,
      );
    }
  });

  it.each(roles)('%s has no rights outside its namespaces or clusters', (role) => {
    for (const target of [
      { cluster: 'c', namespace: 'other' },
      { cluster: 'other', namespace: 'ns' },
      { cluster: 'other' },
    ]) {
      expect(isAllowed(one(role), bob, 'read', target)).toBe(false);
    }
  });

  it.each(roles)('%s in one namespace may read the cluster as a whole', (role) => {
    expect(isAllowed(one(role), bob, 'read', { cluster: 'c' })).toBe(true);
  });
});

describe('union of rules', () => {
  it.each<[string, Caller, string, string, string | undefined]>([
    ['operator glob by role ARN', platform, 'prod', 'team-x', 'operator'],
    ['operator literal namespace', platform, 'dev', 'default', 'operator'],
    ['no rule for the namespace', platform, 'prod', 'payments', undefined],
    ['highest of operator and admin wins', alice, 'prod', 'team-a', 'admin'],
    ['admin rule is limited to its cluster', alice, 'dev', 'team-a', 'operator'],
    ['highest of operator and viewer wins', alice, 'prod', 'team-b', 'operator'],
    ['viewer rule by subject glob', bob, 'prod', 'payments', 'viewer'],
    ['viewer rule does not apply to other clusters', bob, 'dev', 'payments', undefined],
    ['slack subject glob', slackCarol, 'staging', 'team-b', 'viewer'],
    ['slack: other namespace', slackCarol, 'staging', 'team-c', undefined],
  ])('%s', (_name, caller, cluster, namespace, expected) => {
    expect(roleAt(policy, caller, { cluster, namespace })).toBe(expected);
  });

  it('matches an assumed-role session by its role ARN', () => {
    const session: Caller = {
      id: 'arn:aws:sts::123456789012:assumed-role/platform-admins/ci-run-42',
      kind: 'iam',
    };
    expect(roleAt(policy, session, { cluster: 'prod', namespace: 'team-x' })).toBe('operator');
    const jwtLookalike: Caller = { ...session, kind: 'jwt' };
    expect(roleAt(policy, jwtLookalike, { cluster: 'prod', namespace: 'team-x' })).toBe(undefined);
  });

  it('lists grants per role, highest first', () => {
    expect(rolesOf(policy, alice, 'prod')).toEqual([
      { role: 'admin', namespaces: ['team-a'] },
      { role: 'operator', namespaces: ['team-*', 'default'] },
      { role: 'viewer', namespaces: ['*'] },
    ]);
    expect(rolesOf(policy, platform, 'dev')).toEqual([
      { role: 'operator', namespaces: ['team-*', 'default'] },
    ]);
    expect(rolesOf(policy, slackCarol, 'prod')).toEqual([]);
  });

  it('a cluster-wide mutation needs a rule over every namespace', () => {
    expect(isAllowed(policy, alice, 'mutate', { cluster: 'prod' })).toBe(false);
    expect(forbidden(() => authorize(policy, alice, 'mutate', { cluster: 'prod' }))).toBe(
      'caller jwt:alice@example.com may not mutate in cluster prod: its role there is viewer, mutate needs operator in every namespace',
    );
    expect(forbidden(() => authorize(policy, platform, 'mutate', { cluster: 'prod' }))).toBe(
      `caller ${PLATFORM_ROLE} has no rule that allows mutate in cluster prod (a cluster-wide change needs a rule whose namespaces include "*")`,
    );
    expect(isAllowed(LOCAL_PERMISSIVE, alice, 'mutate', { cluster: 'prod' })).toBe(true);
  });

  it('refuses a caller without an id', () => {
    const nobody: Caller = { id: '', kind: 'jwt' };
    expect(refusal(LOCAL_PERMISSIVE, nobody, 'read', { cluster: 'c' })).toBe(
      'the caller is not authenticated',
    );
    expect(rolesOf(LOCAL_PERMISSIVE, nobody, 'c')).toEqual([]);
  });
});

describe('protected namespaces', () => {
  const adminEverywhere = (allow: boolean): Policy =>
    policyWith([{ subjects: ['*'], role: 'admin', clusters: ['*'], namespaces: ['*'] }], allow);
  const operatorEverywhere = (allow: boolean): Policy =>
    policyWith([{ subjects: ['*'], role: 'operator', clusters: ['*'], namespaces: ['*'] }], allow);

  const mutations: [string, Action][] = PROTECTED_NAMESPACES.flatMap((ns) =>
    (['mutate', 'force-delete'] as const).map((a): [string, Action] => [ns, a]),
  );
  it.each(mutations)('%s: %s is refused unless allowed and admin', (namespace, action) => {
    const target = { cluster: 'c', namespace };
    expect(isAllowed(adminEverywhere(false), alice, action, target)).toBe(false);
    expect(isAllowed(adminEverywhere(true), alice, action, target)).toBe(true);
    expect(isAllowed(operatorEverywhere(true), alice, action, target)).toBe(false);
    expect(isAllowed(LOCAL_PERMISSIVE, alice, action, target)).toBe(false);
  });

  it.each(PROTECTED_NAMESPACES)('%s may be read with a role there', (namespace) => {
    expect(isAllowed(operatorEverywhere(false), alice, 'read', { cluster: 'c', namespace })).toBe(
      true,
    );
    expect(isAllowed(policy, platform, 'read', { cluster: 'c', namespace })).toBe(false);
  });

  it.each<[string, Policy, Action, string]>([
    [
      'not allowed, caller is admin',
      adminEverywhere(false),
      'mutate',
      'caller jwt:alice@example.com may not mutate namespace kube-system: it is protected (set allowProtectedNamespaces in the policy to allow it)',
    ],
    [
      'not allowed, caller is operator',
      operatorEverywhere(false),
      'mutate',
      'caller jwt:alice@example.com may not mutate namespace kube-system: it is protected (set allowProtectedNamespaces in the policy and give the caller admin there to allow it)',
    ],
    [
      'allowed, caller is operator',
      operatorEverywhere(true),
      'mutate',
      'caller jwt:alice@example.com may not mutate namespace kube-system: it is protected and only admin may mutate it (its role there is operator)',
    ],
    [
      'allowed, caller has no role',
      policyWith(
        [{ subjects: ['*'], role: 'admin', clusters: ['*'], namespaces: ['team-*'] }],
        true,
      ),
      'force-delete',
      'caller jwt:alice@example.com may not force-delete namespace kube-system: it is protected and only admin may force-delete it (it has no role there)',
    ],
  ])('message: %s', (_name, p, action, message) => {
    expect(
      forbidden(() => authorize(p, alice, action, { cluster: 'c', namespace: 'kube-system' })),
    ).toBe(message);
  });
});

describe('DENY_ALL (no policy configured)', () => {
  it.each<[Caller, Action, string | undefined, boolean]>([
    [alice, 'read', 'team-a', true],
    [platform, 'read', undefined, true],
    [slackCarol, 'read', 'kube-system', true],
    [alice, 'mutate', 'team-a', false],
    [platform, 'force-delete', 'team-a', false],
    [alice, 'mutate', undefined, false],
  ])('%o %s %s: %s', (caller, action, namespace, expected) => {
    expect(isAllowed(DENY_ALL, caller, action, { cluster: 'prod', namespace })).toBe(expected);
  });

  it('says how to allow mutations', () => {
    expect(
      forbidden(() =>
        authorize(DENY_ALL, alice, 'mutate', { cluster: 'prod', namespace: 'team-b' }),
      ),
    ).toBe(
      'caller jwt:alice@example.com may not mutate in cluster prod namespace team-b: its role there is viewer, mutate needs operator (no authorization policy is configured, so every mutation is refused; set WAYPOINTER_POLICY)',
    );
  });

  it('is frozen', () => {
    expect(Object.isFrozen(DENY_ALL)).toBe(true);
    expect(Object.isFrozen(DENY_ALL.rules[0]?.subjects)).toBe(true);
  });
});

describe('LOCAL_PERMISSIVE', () => {
  it.each<[Caller, Action, string | undefined, boolean]>([
    [alice, 'read', 'bookinfo', true],
    [slackCarol, 'mutate', 'bookinfo', true],
    [{ id: 'local:me', kind: 'local' }, 'force-delete', 'bookinfo', true],
    [platform, 'mutate', undefined, true],
    [alice, 'read', 'istio-system', true],
    [alice, 'mutate', 'istio-system', false],
    [alice, 'force-delete', 'kube-system', false],
  ])('%o %s %s: %s', (caller, action, namespace, expected) => {
    expect(isAllowed(LOCAL_PERMISSIVE, caller, action, { cluster: 'local', namespace })).toBe(
      expected,
    );
  });

  it('is frozen', () => {
    expect(Object.isFrozen(LOCAL_PERMISSIVE.rules)).toBe(true);
  });
});

describe('messages', () => {
  it.each<[string, Caller, Action, string, string | undefined, string]>([
    [
      'no rule for the namespace',
      platform,
      'mutate',
      'prod',
      'payments',
      `caller ${PLATFORM_ROLE} has no rule that allows mutate in cluster prod namespace payments`,
    ],
    [
      'no rule in the cluster',
      slackCarol,
      'read',
      'prod',
      undefined,
      'caller slack:T123/U456 has no rule that allows read in cluster prod',
    ],
    [
      'role too low',
      bob,
      'mutate',
      'prod',
      'team-b',
      'caller jwt:bob@example.com may not mutate in cluster prod namespace team-b: its role there is viewer, mutate needs operator',
    ],
    [
      'force-delete needs admin',
      alice,
      'force-delete',
      'prod',
      'team-b',
      'caller jwt:alice@example.com may not force-delete in cluster prod namespace team-b: its role there is operator, force-delete needs admin',
    ],
  ])('%s', (_name, caller, action, cluster, namespace, message) => {
    expect(forbidden(() => authorize(policy, caller, action, { cluster, namespace }))).toBe(
      message,
    );
    expect(refusal(policy, caller, action, { cluster, namespace })).toBe(message);
  });

  it.each<[string, Policy, string]>([
    [
      'local permissive',
      LOCAL_PERMISSIVE,
      'authorization: local permissive policy (any caller is admin; protected namespaces refused)',
    ],
    [
      'no policy',
      DENY_ALL,
      'authorization: no policy configured (any caller may read; mutations refused; set WAYPOINTER_POLICY to allow them)',
    ],
    [
      'configured',
      policy,
      'authorization: policy with 4 rules: 2 viewer, 1 operator, 1 admin (protected namespaces refused)',
    ],
    [
      'one rule, protected allowed',
      policyWith([{ subjects: ['*'], role: 'admin', clusters: ['*'], namespaces: ['*'] }], true),
      'authorization: policy with 1 rule: 1 admin (protected namespaces allowed for admin)',
    ],
    ['empty', policyWith([]), 'authorization: policy with 0 rules (protected namespaces refused)'],
  ])('describePolicy: %s', (_name, p, expected) => {
    expect(describePolicy(p)).toBe(expected);
  });
});
