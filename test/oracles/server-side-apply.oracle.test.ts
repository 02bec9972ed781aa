/**
 * Differential test: random sequences of server-side applies by two managers, run by the embedded
 * API server's port (infra/local/kube-api/src/server-side-apply.ts) and by the real
 * sigs.k8s.io/structured-merge-diff merge.Updater (Debian's golang-go and
 * golang-k8s-sigs-structured-merge-diff-dev, built from test/oracles/go/smd). After every step
 * the object, each manager's field set (FieldsV1) and whether the apply conflicted must agree.
 * Runs with `npm run test:oracles`, never in `npm test`.
 *
 * The schema is the port's: `spec.listeners` a list-map keyed by `name` (as Gateway listeners),
 * `spec.hostnames` a set of strings, every other list atomic, and every object a struct (the Go
 * schema declares every field name the objects use, so no map gets a `.` member entry of its
 * own). The objects carry no `apiVersion`, `kind`, `metadata` or `status` (the k8s.io/apimachinery
 * layers around the library strip or project those), and the configurations no `null`
 * (apimachinery drops them first); the Go side adds the one apimachinery rule the sequences reach,
 * the "before-first-apply" update of an object nobody manages any more.
 *
 * Left out of the comparison, each for a stated reason:
 * - The order of items in associative lists: Debian packages structured-merge-diff 4.1.2, which
 *   appends new items after the live ones; since 4.2.0 (Kubernetes 1.23) the merged list follows
 *   the applied order, as the port does. Items are compared in key order.
 * - Go's typed value turns an object that pruning emptied into `null` where the port keeps `{}`
 *   (at the root) or drops the field (below it), as the API server drops a stored `null`.
 * - Empty objects in a configuration, and fields that change between an object and a scalar or
 *   list across applies. Both once differed in single steps and are fixed, pinned by rows in
 *   infra/local/kube-api/test/server-side-apply.test.ts (an empty object is owned as a leaf,
 *   `tofieldset.go` `visitMapItems`; each side of a changed shape is walked with its own type,
 *   `merge.go` `deduceAtom`). Sequences of them still part ways over what happens between steps:
 *   the library keeps a map that pruning emptied as `null` in the object it hands to the next
 *   apply, where an API server stores the object (dropping the `null`) and reads it back; this
 *   suite chains the library's objects directly, so it leaves those sequences out.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { goOracleEnv, requireGoSources } from './tools.ts';

const program = fileURLToPath(new URL('go/smd', import.meta.url));

/** The part of the port's signature this test uses. */
interface Port {
  serverSideApply(
    live: object | undefined,
    applied: object,
    opts: {
      manager: string;
      apiVersion: string;
      now: string;
      listMapKeys: Readonly<Record<string, readonly string[]>>;
      force: boolean;
    },
  ): { object: object };
}

interface ManagedFieldsEntry {
  manager: string;
  fieldsV1: unknown;
}

/**
 * The port itself, loaded at run time: it belongs to the kube-api unit's TypeScript project, whose
 * public entry does not export it, and a static import across projects cannot be rewritten.
 */
const { serverSideApply } = (await import(
  new URL('../../infra/local/kube-api/src/server-side-apply.ts', import.meta.url).href
)) as Port;

interface Step {
  manager: 'a' | 'b';
  force: boolean;
  config: Record<string, unknown>;
}

interface StepResult {
  object?: unknown;
  managers?: Record<string, unknown>;
  conflict?: boolean;
  error?: string;
}

function oracle(cases: readonly Step[][]): StepResult[][] {
  requireGoSources(
    'sigs.k8s.io/structured-merge-diff',
    'golang-k8s-sigs-structured-merge-diff-dev',
  );
  return JSON.parse(
    execFileSync('go', ['run', '.'], {
      cwd: program,
      input: JSON.stringify(cases),
      env: goOracleEnv(),
      maxBuffer: 256 * 1024 * 1024,
    }).toString('utf8'),
  ) as StepResult[][];
}

const LIST_MAP_KEYS = { 'spec.listeners': ['name'], 'spec.hostnames': [] };

const word = fc.constantFrom('a', 'b', 'c');
const scalar = fc.oneof(word, fc.integer({ min: 0, max: 3 }), fc.boolean());
const smallMap = fc.dictionary(word, scalar, { maxKeys: 3 });
/** A leaf: a scalar or an atomic list from one apply to the next. */
const leaf = fc.oneof(scalar, fc.array(scalar, { maxLength: 2 }));

const listener = fc.record(
  {
    name: fc.constantFrom('mesh', 'http', 'tls'),
    port: fc.constantFrom(80, 443, 15008),
    protocol: fc.constantFrom('HTTP', 'HBONE'),
    tls: fc.record(
      { mode: fc.constantFrom('Terminate', 'Passthrough'), options: smallMap },
      {
        requiredKeys: [],
      },
    ),
    allowed: fc.array(fc.record({ kind: word }), { maxLength: 2 }),
    extra: leaf,
    labels: smallMap,
  },
  { requiredKeys: ['name'] },
);

const spec = fc.record(
  {
    listeners: fc.uniqueArray(listener, { selector: (item) => item.name, maxLength: 3 }),
    hostnames: fc.uniqueArray(fc.constantFrom('x.example', 'y.example', 'z.example'), {
      maxLength: 3,
    }),
    addresses: fc.array(fc.record({ value: word }), { maxLength: 2 }),
    infrastructure: fc.record({ labels: smallMap, annotations: smallMap }, { requiredKeys: [] }),
    gatewayClassName: word,
    extra: leaf,
  },
  { requiredKeys: [] },
);

/** An empty object below the root: left out (see above). */
function hasEmptyObject(value: unknown, root = true): boolean {
  if (Array.isArray(value)) return value.some((item) => hasEmptyObject(item, false));
  if (value === null || typeof value !== 'object') return false;
  const children = Object.values(value);
  if (children.length === 0) return !root;
  return children.some((child) => hasEmptyObject(child, false));
}

const config = fc
  .record({ spec, data: smallMap }, { requiredKeys: [] })
  .filter((item) => !hasEmptyObject(item));

const step = fc.record({
  manager: fc.constantFrom<'a' | 'b'>('a', 'b'),
  force: fc.boolean(),
  config,
});

const sequence = fc.array(step, { minLength: 1, maxLength: 6 });

/** The port, as the embedded server runs it, fed its own output step after step. */
function ours(steps: readonly Step[]): StepResult[] {
  let live: object | undefined;
  return steps.map((s) => {
    try {
      live = serverSideApply(live, s.config, {
        manager: s.manager,
        apiVersion: 'example.com/v1',
        now: '2026-12-03T08:00:00Z',
        listMapKeys: LIST_MAP_KEYS,
        force: s.force,
      }).object;
      return view(live);
    } catch (error) {
      if ((error as Error).name === 'ApplyConflictError') return { ...view(live), conflict: true };
      return { error: (error as Error).message };
    }
  });
}

/** The object without `metadata` and each manager's FieldsV1, as the Go side reports them. */
function view(live: object | undefined): StepResult {
  const { metadata, ...object } = (live ?? {}) as {
    metadata?: { managedFields?: ManagedFieldsEntry[] };
  };
  const managers = Object.fromEntries(
    (metadata?.managedFields ?? []).map((entry) => [entry.manager, entry.fieldsV1]),
  );
  return { object, managers };
}

/** Associative list items in key order (the item order is the one thing 4.1.2 does differently). */
function unordered(object: unknown): unknown {
  const spec = (object as { spec?: { listeners?: { name: string }[]; hostnames?: string[] } })
    ?.spec;
  if (spec === undefined) return object;
  const sorted = { ...spec };
  if (spec.listeners) sorted.listeners = [...spec.listeners].sort((a, b) => cmp(a.name, b.name));
  if (spec.hostnames) sorted.hostnames = [...spec.hostnames].sort(cmp);
  return { ...(object as object), spec: sorted };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Go's typed value turns a map emptied by pruning into `null` (`remove.go`); the port leaves `{}`
 * at the root and drops the field below it, as the API server does with a `null` it stores
 * (configurations carry no `null`, so a `null` here is always one of these).
 */
function normal(result: StepResult): string {
  const object = result.object === null ? {} : result.object;
  return JSON.stringify(sortKeys({ ...result, object: unordered(withoutNulls(object)) }));
}

function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, child]) => child !== null)
      .map(([key, child]) => [key, withoutNulls(child)]),
  );
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
  );
}

describe('server-side apply, against sigs.k8s.io/structured-merge-diff', () => {
  it('agrees on 1,000 random apply sequences by two managers, step by step', () => {
    const cases = fc.sample(sequence, { numRuns: 1000, seed: 20261203 });
    const theirs = oracle(cases);
    const mismatches = cases
      .map((steps, i) => {
        const mine = ours(steps).map(normal);
        const go = (theirs[i] ?? []).map(normal);
        const at = mine.findIndex((row, j) => row !== go[j]);
        return { steps: JSON.stringify(steps), at, ours: mine[at], go: go[at] };
      })
      .filter((row) => row.at >= 0);
    expect(mismatches.slice(0, 3)).toEqual([]);
    // The sequences do reach conflicts, forced take-overs and shared ownership.
    const steps = theirs.flat();
    const conflicts = steps.filter((r) => r.conflict).length;
    const shared = steps.filter((r) => Object.keys(r.managers ?? {}).length === 2).length;
    expect(conflicts).toBeGreaterThan(100);
    expect(shared).toBeGreaterThan(100);
  });
});
