/**
 * The command grammar every surface shares (the `waypointer` CLI, EventBridge `detail.command`,
 * ChatOps): istioctl's words and flags where istioctl has them (`generate`, `apply`, `list`,
 * `status`, `delete`, and its root flags `-n`, `-c/--kubeconfig`, `--context`), the same style for
 * what it lacks (`enroll`, `unenroll`, `bindings`, `explain`, `plan`). Flags are parsed exactly as
 * spf13/pflag parses them (`pflag.ts`).
 *
 * ```
 * help
 * generate [-n NS] [--name N] [--for T] [-r REV]
 * apply    [-n NS] [--name N] [--for T] [-r REV] [--enroll-namespace] [--overwrite] [-w|--wait] [--waypoint-timeout D]
 * list     [-n NS | -A]
 * status   [NAME] [-n NS | -A] [--wait[=false]] [--waypoint-timeout D]
 * delete   NAME... | --all | -r REV   [-n NS] [--unenroll] [--force]
 * enroll   namespace [NS] | service NAME | serviceentry NAME | workloadentry NAME | pod NAME... | pods -l SELECTOR  --waypoint W [--waypoint-namespace NS2] [-n NS] [--overwrite] [--force]
 * unenroll namespace [NS] | service NAME | serviceentry NAME | workloadentry NAME | pod NAME... | pods -l SELECTOR  [-n NS]
 * bindings [-n NS | -A]
 * explain  service/NAME | pod/NAME | serviceentry/NAME | workloadentry/NAME [-n NS]
 * plan     MUTATION [; MUTATION]...
 * every verb: [--cluster C] [--dry-run] [-o table|json|yaml]
 * the command line only: [-c|--kubeconfig FILE] [--context CTX] [--api URL] [-f|--filename FILE|-]
 * ```
 *
 * Text, a word list and a structured object all parse into one {@link Command}; structured objects
 * are checked by a zod schema per verb, and text and words end in the same schemas.
 */
import { z } from 'zod';
import { ValidationError } from '../domain/errors.ts';
import { ISTIO_VERSIONS, type IstioVersion, isIstioVersion } from '../domain/istio-version.ts';
import { DEFAULT_WAYPOINT_NAME } from '../domain/labels.ts';
import type { CanaryTarget, LabelTarget, Mutation } from '../domain/plan.ts';
import { FlagError, type FlagSpec, type FlagValue, parsePflags } from './pflag.ts';

/** The namespace a command acts on when neither `-n` nor the kubeconfig context names one. */
export const DEFAULT_NAMESPACE = 'default';

/** istioctl's `--waypoint-timeout` default (`waitTimeout = 90 * time.Second`). */
export const DEFAULT_TIMEOUT_SECONDS = 90;

/** Thrown for a command that does not follow the grammar; the message says what to type. */
export class UsageError extends ValidationError {
  override name = 'UsageError';
}

function usage(message: string, path = 'command'): UsageError {
  return new UsageError(message, [{ path, message }]);
}

// ---------------------------------------------------------------------------------------------
// The model: one zod schema per verb.

const outputSchema = z.enum(['table', 'json', 'yaml']);
/** How a result is printed: tables and istioctl's lines, JSON, or YAML. */
export type Output = z.infer<typeof outputSchema>;

const common = {
  /** The cluster (a name of the deployment; `--cluster` in the text). */
  cluster: z.string().min(1).optional(),
  output: outputSchema.default('table'),
  /** Plan only: change nothing. */
  dryRun: z.boolean().default(false),
};
const namespace = z.string().min(1).optional();
const nonEmpty = z.string().min(1);

const generateSchema = z.strictObject({
  verb: z.literal('generate'),
  namespace,
  name: z.string().optional(),
  for: z.string().optional(),
  revision: z.string().optional(),
  ...common,
});

const applySchema = z.strictObject({
  verb: z.literal('apply'),
  namespace,
  name: z.string().default(DEFAULT_WAYPOINT_NAME),
  for: z.string().optional(),
  revision: z.string().optional(),
  enrollNamespace: z.boolean().default(false),
  overwrite: z.boolean().default(false),
  wait: z.boolean().default(false),
  timeoutSeconds: z.number().default(DEFAULT_TIMEOUT_SECONDS),
  ...common,
});

const deleteSchema = z.strictObject({
  verb: z.literal('delete'),
  names: z.array(nonEmpty).default([]),
  all: z.boolean().default(false),
  revision: z.string().optional(),
  namespace,
  /** Also remove the `istio.io/use-waypoint` labels that name it. */
  unenroll: z.boolean().default(false),
  /** Delete although objects still name it (their labels dangle, as istioctl leaves them). */
  force: z.boolean().default(false),
  ...common,
});

const targetSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('namespace'), name: nonEmpty.optional() }),
  z.strictObject({ kind: z.literal('service'), name: nonEmpty }),
  z.strictObject({ kind: z.literal('serviceentry'), name: nonEmpty }),
  z.strictObject({ kind: z.literal('workloadentry'), name: nonEmpty }),
  z.strictObject({ kind: z.literal('pod'), names: z.array(nonEmpty).min(1) }),
  z.strictObject({ kind: z.literal('pods'), selector: nonEmpty }),
]);
/**
 * What `enroll` and `unenroll` label: a namespace, a Service, a ServiceEntry, a WorkloadEntry,
 * Pods by name, Pods by selector.
 */
export type Target = z.infer<typeof targetSchema>;

const canaryTargetSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('namespace'), name: nonEmpty.optional() }),
  z.strictObject({ kind: z.literal('service'), name: nonEmpty }),
  z.strictObject({ kind: z.literal('serviceentry'), name: nonEmpty }),
]);
/**
 * What a canary is set on: a namespace, a Service or a ServiceEntry (Istio 1.31 reads canaries of
 * nothing else).
 */
export type CanaryTargetCommand = z.infer<typeof canaryTargetSchema>;

const enrollSchema = z
  .strictObject({
    verb: z.literal('enroll'),
    target: targetSchema,
    /** The waypoint (`istio.io/use-waypoint`); `none` opts out. One of waypoint and canary. */
    waypoint: nonEmpty.optional(),
    waypointNamespace: nonEmpty.optional(),
    /** The canary waypoint (`istio.io/use-waypoint-canary`, Istio 1.31+). */
    canary: nonEmpty.optional(),
    canaryNamespace: nonEmpty.optional(),
    /** The canary's share of connections in percent (`istio.io/use-waypoint-canary-weight`). */
    weight: z.number().int().min(0).max(100).optional(),
    namespace,
    overwrite: z.boolean().default(false),
    /** Label even though the waypoint's allowedRoutes would deny the attachment. */
    force: z.boolean().default(false),
    ...common,
  })
  .superRefine((e, ctx) => {
    const problem = (path: string, message: string): void => {
      ctx.addIssue({ code: 'custom', path: [path], message });
    };
    if ((e.waypoint === undefined) === (e.canary === undefined))
      problem('waypoint', 'give one of waypoint and canary');
    if (e.canary === undefined) {
      if (e.canaryNamespace !== undefined) problem('canaryNamespace', 'goes with canary');
      if (e.weight !== undefined) problem('weight', 'goes with canary');
    } else if (
      e.target.kind === 'pod' ||
      e.target.kind === 'pods' ||
      e.target.kind === 'workloadentry'
    ) {
      problem(
        'target',
        'a canary is set on a namespace, a Service or a ServiceEntry (Istio reads no other)',
      );
    }
  });

const promoteSchema = z.strictObject({
  verb: z.literal('promote'),
  target: canaryTargetSchema,
  namespace,
  ...common,
});

const rollbackSchema = z.strictObject({
  verb: z.literal('rollback'),
  target: canaryTargetSchema,
  namespace,
  ...common,
});

const unenrollSchema = z.strictObject({
  verb: z.literal('unenroll'),
  target: targetSchema,
  namespace,
  ...common,
});

const listSchema = z.strictObject({
  verb: z.literal('list'),
  namespace,
  allNamespaces: z.boolean().default(false),
  ...common,
});

const statusSchema = z.strictObject({
  verb: z.literal('status'),
  name: nonEmpty.optional(),
  namespace,
  allNamespaces: z.boolean().default(false),
  /** istioctl's default is true: wait for `Programmed`. */
  wait: z.boolean().default(true),
  timeoutSeconds: z.number().default(DEFAULT_TIMEOUT_SECONDS),
  ...common,
});

const bindingsSchema = z.strictObject({
  verb: z.literal('bindings'),
  namespace,
  allNamespaces: z.boolean().default(false),
  ...common,
});

const explainSchema = z.strictObject({
  verb: z.literal('explain'),
  kind: z.enum(['service', 'pod', 'serviceentry', 'workloadentry']),
  name: nonEmpty,
  namespace,
  ...common,
});

const mutationSchema = z.discriminatedUnion('verb', [
  applySchema,
  deleteSchema,
  enrollSchema,
  unenrollSchema,
  promoteSchema,
  rollbackSchema,
]);
/** A command that changes a cluster (what `plan` previews). */
export type MutationCommand = z.infer<typeof mutationSchema>;

const planSchema = z.strictObject({
  verb: z.literal('plan'),
  steps: z.array(mutationSchema).min(1),
  ...common,
});

const helpSchema = z.strictObject({
  verb: z.literal('help'),
  topic: z.string().optional(),
  ...common,
});

const commandSchema = z.discriminatedUnion('verb', [
  helpSchema,
  generateSchema,
  applySchema,
  listSchema,
  statusSchema,
  deleteSchema,
  enrollSchema,
  unenrollSchema,
  promoteSchema,
  rollbackSchema,
  bindingsSchema,
  explainSchema,
  planSchema,
]);

/**
 * One command of the grammar, whatever surface it came from.
 *
 * @example
 * parseCommand('apply -n default --enroll-namespace');
 * // { verb: 'apply', namespace: 'default', name: 'waypoint', enrollNamespace: true, overwrite: false,
 * //   wait: false, timeoutSeconds: 90, output: 'table', dryRun: false }
 */
export type Command = z.infer<typeof commandSchema>;

/** The verbs, in the order of the help. */
export const VERBS = [
  'help',
  'generate',
  'apply',
  'list',
  'status',
  'delete',
  'enroll',
  'unenroll',
  'promote',
  'rollback',
  'bindings',
  'explain',
  'plan',
] as const;

const MUTATION_VERBS = ['apply', 'delete', 'enroll', 'unenroll', 'promote', 'rollback'] as const;

/** Where the command line finds its cluster: never part of a Command (other surfaces name `cluster`). */
export interface Connection {
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly api?: string;
  readonly filename?: string;
  /** `--istio-version`: whose binding rules apply (default: the cluster's configured version, 1.31). */
  readonly istioVersion?: IstioVersion;
  /** `--mesh-config FILE`: istiod's MeshConfig, instead of the cluster's `istio` ConfigMap. */
  readonly meshConfig?: string;
}

// ---------------------------------------------------------------------------------------------
// Flags.

const flag = (name: string, type: FlagSpec['type'], shorthand?: string): FlagSpec =>
  shorthand === undefined ? { name, type } : { name, type, shorthand };

const GLOBAL_FLAGS: readonly FlagSpec[] = [
  flag('cluster', 'string'),
  flag('dry-run', 'bool'),
  flag('output', 'string', 'o'),
  flag('help', 'bool', 'h'),
];
const CONNECTION_FLAGS: readonly FlagSpec[] = [
  flag('kubeconfig', 'string', 'c'),
  flag('context', 'string'),
  flag('api', 'string'),
  flag('filename', 'string', 'f'),
  flag('istio-version', 'string'),
  flag('mesh-config', 'string'),
];
const NS = flag('namespace', 'string', 'n');
const ALL_NS = flag('all-namespaces', 'bool', 'A');
const TIMEOUT = flag('waypoint-timeout', 'duration');
const WAYPOINT_FLAGS = [
  NS,
  flag('name', 'string'),
  flag('for', 'string'),
  flag('revision', 'string', 'r'),
];

const VERB_FLAGS: Readonly<Record<(typeof VERBS)[number], readonly FlagSpec[]>> = {
  help: [],
  generate: WAYPOINT_FLAGS,
  apply: [
    ...WAYPOINT_FLAGS,
    flag('enroll-namespace', 'bool'),
    flag('overwrite', 'bool'),
    flag('wait', 'bool', 'w'),
    TIMEOUT,
  ],
  list: [NS, ALL_NS],
  status: [NS, ALL_NS, flag('name', 'string'), flag('wait', 'bool', 'w'), TIMEOUT],
  delete: [
    NS,
    flag('all', 'bool'),
    flag('revision', 'string', 'r'),
    flag('unenroll', 'bool'),
    flag('force', 'bool'),
  ],
  enroll: [
    NS,
    flag('selector', 'string', 'l'),
    flag('waypoint', 'string'),
    flag('waypoint-namespace', 'string'),
    flag('canary', 'string'),
    flag('canary-namespace', 'string'),
    flag('weight', 'int'),
    flag('overwrite', 'bool'),
    flag('force', 'bool'),
  ],
  unenroll: [NS, flag('selector', 'string', 'l')],
  promote: [NS],
  rollback: [NS],
  bindings: [NS, ALL_NS],
  explain: [NS],
  plan: [],
};

/** Every flag of every verb (their types agree), to find the verb among flags that come first. */
const ANY_FLAG: readonly FlagSpec[] = [
  ...new Map(
    [...GLOBAL_FLAGS, ...CONNECTION_FLAGS, ...Object.values(VERB_FLAGS).flat()].map((s) => [
      s.name,
      s,
    ]),
  ).values(),
];

function pflags(
  args: readonly string[],
  specs: readonly FlagSpec[],
): ReturnType<typeof parsePflags> {
  try {
    return parsePflags(args, specs);
  } catch (error) {
    if (error instanceof FlagError) throw usage(error.message);
    throw error;
  }
}

/** The index of the first positional word (the verb), skipping flags and their values. */
function verbIndex(words: readonly string[]): number {
  for (let i = 0; i < words.length; i++) {
    const word = words[i] as string;
    if (word === '--') return i + 1 < words.length ? i + 1 : -1;
    if (word.length < 2 || !word.startsWith('-')) return i;
    // Does this flag consume the next word? Only when it takes a value and has none inline.
    if (takesNextWord(word)) i++;
  }
  return -1;
}

function takesNextWord(word: string): boolean {
  if (word.startsWith('--')) {
    if (word.includes('=')) return false;
    return ANY_FLAG.find((s) => s.name === word.slice(2))?.type !== 'bool';
  }
  // A shorthand group: the last letter takes the next word when it takes a value and is last.
  for (let j = 1; j < word.length; j++) {
    const spec = ANY_FLAG.find((s) => s.shorthand === word[j]);
    if (spec === undefined) return false;
    if (spec.type !== 'bool') return j === word.length - 1;
  }
  return false;
}

type Values = ReadonlyMap<string, FlagValue>;

const str = (values: Values, name: string): string | undefined => {
  const value = values.get(name);
  return typeof value === 'string' ? value : undefined;
};
const bool = (values: Values, name: string): boolean | undefined => {
  const value = values.get(name);
  return typeof value === 'boolean' ? value : undefined;
};
const int = (values: Values, name: string): number | undefined => {
  const value = values.get(name);
  return typeof value === 'number' ? value : typeof value === 'bigint' ? Number(value) : undefined;
};
const seconds = (values: Values, name: string): number | undefined => {
  const value = values.get(name);
  return typeof value === 'bigint' ? Math.max(0, Number(value) / 1e9) : undefined;
};

/** Drops undefined fields, so that schema defaults apply. */
function defined(object: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(object).filter(([, v]) => v !== undefined));
}

function noArguments(verb: string, args: readonly string[]): void {
  if (args.length > 0) throw usage(`unknown argument "${args[0]}": ${verb} takes flags only`);
}

const TARGET_KINDS =
  'namespace [NS], service NAME, serviceentry NAME, workloadentry NAME, pod NAME..., or pods -l SELECTOR';

/** The Istio entry kinds a target can name, by every word that names them (kubectl's short names). */
const ENTRY_KINDS: Readonly<
  Record<string, { kind: 'serviceentry' | 'workloadentry'; what: string }>
> = {
  serviceentry: { kind: 'serviceentry', what: 'ServiceEntry' },
  serviceentries: { kind: 'serviceentry', what: 'ServiceEntry' },
  se: { kind: 'serviceentry', what: 'ServiceEntry' },
  workloadentry: { kind: 'workloadentry', what: 'WorkloadEntry' },
  workloadentries: { kind: 'workloadentry', what: 'WorkloadEntry' },
  we: { kind: 'workloadentry', what: 'WorkloadEntry' },
};

/** The kinds `explain` takes, by the words (and short names) that name them. */
const EXPLAIN_KINDS: Readonly<
  Record<string, 'service' | 'pod' | 'serviceentry' | 'workloadentry'>
> = {
  service: 'service',
  svc: 'service',
  pod: 'pod',
  serviceentry: 'serviceentry',
  se: 'serviceentry',
  workloadentry: 'workloadentry',
  we: 'workloadentry',
};

/** `serviceentry NAME` or `workloadentry NAME` (one name). */
function entryTarget(verb: string, word: string, names: readonly string[]): Target {
  const entry = ENTRY_KINDS[word] as { kind: 'serviceentry' | 'workloadentry'; what: string };
  if (names.length !== 1)
    throw usage(
      `${verb} ${entry.kind} takes one ${entry.what} name, as in: ${verb} ${entry.kind} NAME -n default`,
    );
  return { kind: entry.kind, name: names[0] as string };
}

// biome-ignore lint/complexity/noExcessiveCognitiveComplexity: one case per verb or target kind of the grammar, side by side
function target(verb: string, args: readonly string[], selector: string | undefined): Target {
  const [kind, ...names] = args;
  if (selector !== undefined && kind !== 'pods' && kind !== 'pod')
    throw usage('-l/--selector goes with pods', '--selector');
  if (kind !== undefined && Object.hasOwn(ENTRY_KINDS, kind)) return entryTarget(verb, kind, names);
  switch (kind) {
    case 'namespace':
    case 'ns': {
      if (names.length > 1) throw usage(`${verb} namespace takes one namespace`);
      return names[0] === undefined ? { kind: 'namespace' } : { kind: 'namespace', name: names[0] };
    }
    case 'service':
    case 'svc':
      if (names.length !== 1)
        throw usage(
          `${verb} service takes one Service name, as in: ${verb} service reviews -n default`,
        );
      return { kind: 'service', name: names[0] as string };
    case 'pod':
    case 'pods':
      if (selector !== undefined) {
        if (names.length > 0) throw usage('give pod names or -l SELECTOR, not both');
        return { kind: 'pods', selector };
      }
      if (names.length === 0) throw usage(`${verb} pods needs pod names or -l SELECTOR`);
      return { kind: 'pod', names };
    default:
      throw usage(
        kind === undefined
          ? `${verb} what? Give ${TARGET_KINDS}`
          : `cannot ${verb} "${kind}": give ${TARGET_KINDS}`,
      );
  }
}

/** The fields of one verb, from its flags and arguments (checked by the verb's schema after). */
// biome-ignore lint/complexity/noExcessiveCognitiveComplexity: one case per verb or target kind of the grammar, side by side
function fields(
  verb: Exclude<Command['verb'], 'plan' | 'help'>,
  v: Values,
  args: readonly string[],
): Record<string, unknown> {
  const ns = str(v, 'namespace');
  switch (verb) {
    case 'generate':
      noArguments(verb, args);
      return {
        namespace: ns,
        name: str(v, 'name'),
        for: str(v, 'for'),
        revision: str(v, 'revision'),
      };
    case 'apply':
      noArguments(verb, args);
      return {
        namespace: ns,
        // istioctl: an empty --name means the default name.
        name: str(v, 'name') || undefined,
        for: str(v, 'for') || undefined,
        revision: str(v, 'revision') || undefined,
        enrollNamespace: bool(v, 'enroll-namespace'),
        overwrite: bool(v, 'overwrite'),
        wait: bool(v, 'wait'),
        timeoutSeconds: seconds(v, 'waypoint-timeout'),
      };
    case 'list':
    case 'bindings':
      noArguments(verb, args);
      return { namespace: ns, allNamespaces: bool(v, 'all-namespaces') };
    case 'status': {
      if (args.length > 1)
        throw usage(`unknown argument "${args[1]}": status takes one waypoint name`);
      return {
        name: args[0] ?? (str(v, 'name') || undefined),
        namespace: ns,
        allNamespaces: bool(v, 'all-namespaces'),
        wait: bool(v, 'wait'),
        timeoutSeconds: seconds(v, 'waypoint-timeout'),
      };
    }
    case 'delete': {
      const all = bool(v, 'all') === true;
      const revision = str(v, 'revision') || undefined;
      // istioctl's Args checks, word for word.
      if ((all || revision !== undefined) && args.length > 0)
        throw usage('cannot specify waypoint names when deleting all waypoints');
      if (!(all || revision !== undefined) && args.length === 0)
        throw usage(
          'must specify a waypoint name or delete all using --all or delete specific revision using --revision',
        );
      return {
        names: args,
        all,
        revision,
        namespace: ns,
        unenroll: bool(v, 'unenroll'),
        force: bool(v, 'force'),
      };
    }
    case 'enroll': {
      const waypoint = str(v, 'waypoint') || undefined;
      const canary = str(v, 'canary') || undefined;
      const t = target(verb, args, str(v, 'selector'));
      if (waypoint === undefined && canary === undefined)
        throw usage(
          'enroll needs --waypoint NAME (or --waypoint none to opt out), or --canary NAME',
          '--waypoint',
        );
      if (waypoint !== undefined && canary !== undefined)
        throw usage('give --waypoint or --canary, not both (enroll each on its own)', '--canary');
      return {
        target: t,
        waypoint,
        waypointNamespace: str(v, 'waypoint-namespace') || undefined,
        canary,
        canaryNamespace: str(v, 'canary-namespace') || undefined,
        weight: int(v, 'weight'),
        namespace: ns,
        overwrite: bool(v, 'overwrite'),
        force: bool(v, 'force'),
      };
    }
    case 'unenroll':
      return { target: target(verb, args, str(v, 'selector')), namespace: ns };
    case 'promote':
    case 'rollback': {
      const t = target(verb, args, undefined);
      if (t.kind !== 'namespace' && t.kind !== 'service' && t.kind !== 'serviceentry')
        throw usage(
          `${verb} takes namespace [NS], service NAME or serviceentry NAME: canaries are set on nothing else`,
        );
      return { target: t, namespace: ns };
    }
    case 'explain': {
      const [subject, ...rest] = args;
      const match = /^([a-z]+)\/(.+)$/.exec(subject ?? '');
      const kind = match === null ? undefined : EXPLAIN_KINDS[match[1] ?? ''];
      if (match === null || kind === undefined || rest.length > 0)
        throw usage(
          'explain takes one object: service/NAME, pod/NAME, serviceentry/NAME or workloadentry/NAME, as in: explain service/reviews -n default',
        );
      return { kind, name: match[2], namespace: ns };
    }
  }
}

/** What parsing a command line yields: the command, and where to run it (CLI only). */
export interface ParsedLine {
  readonly command: Command;
  readonly connection: Connection;
}

function commonFields(v: Values): Record<string, unknown> {
  return { cluster: str(v, 'cluster'), output: str(v, 'output'), dryRun: bool(v, 'dry-run') };
}

function istioVersionOf(v: Values): IstioVersion | undefined {
  const version = str(v, 'istio-version');
  if (version === undefined || isIstioVersion(version)) return version;
  throw usage(
    `--istio-version: unknown Istio version ${JSON.stringify(version)}: use ${ISTIO_VERSIONS.join(' or ')}`,
    '--istio-version',
  );
}

function connectionOf(v: Values): Connection {
  return defined({
    kubeconfig: str(v, 'kubeconfig'),
    context: str(v, 'context'),
    api: str(v, 'api'),
    filename: str(v, 'filename'),
    istioVersion: istioVersionOf(v),
    meshConfig: str(v, 'mesh-config'),
  }) as Connection;
}

function validated(object: Record<string, unknown>): Command {
  const output = object.output;
  if (output !== undefined && !outputSchema.options.includes(output as Output))
    throw usage(`unknown output format "${String(output)}": use table, json or yaml`, '-o');
  const parsed = commandSchema.safeParse(object);
  if (parsed.success) return parsed.data;
  throw schemaError(parsed.error, String(object.verb ?? ''));
}

function schemaError(error: z.ZodError, verb: string): UsageError {
  const problems = error.issues.map((issue) => {
    const path = issue.path.join('.') || 'command';
    const message =
      issue.code === 'unrecognized_keys'
        ? `unknown field(s) ${issue.keys.join(', ')}`
        : issue.code === 'invalid_union' && issue.path.length === 0
          ? `unknown verb "${verb}": use ${VERBS.join(', ')}`
          : issue.message;
    return { path, message };
  });
  return new UsageError(
    problems.map((p) => (p.path === 'command' ? p.message : `${p.path}: ${p.message}`)).join('; '),
    problems,
  );
}

/** One verb and its words (`["apply", "-n", "default"]`), with the flags that every verb takes. */
function parseVerb(
  words: readonly string[],
  verbs: readonly string[],
  missing: string,
  unknown: (verb: string) => string,
): { object: Record<string, unknown>; connection: Connection } {
  const at = verbIndex(words);
  const verb = at < 0 ? undefined : (words[at] as string);
  if (verb === undefined) throw usage(missing);
  if (!verbs.includes(verb)) throw usage(unknown(verb));
  const rest = [...words.slice(0, at), ...words.slice(at + 1)];
  if (verb === 'plan') return planObject(rest);
  const specs = [...GLOBAL_FLAGS, ...CONNECTION_FLAGS, ...VERB_FLAGS[verb as Command['verb']]];
  const { values, args, help } = pflags(rest, specs);
  const connection = connectionOf(values);
  if (help || bool(values, 'help') === true)
    return { object: { verb: 'help', topic: verb }, connection };
  if (verb === 'help') return { object: { verb: 'help', ...commonFields(values) }, connection };
  const object = {
    verb,
    ...fields(verb as Exclude<Command['verb'], 'plan' | 'help'>, values, args),
    ...commonFields(values),
  };
  return { object: defined(object), connection };
}

const SEPARATOR = ';';

/** Splits plan's words into mutations at `;` (a word of its own, or ending a word). */
function segments(words: readonly string[]): string[][] {
  // `plan "apply -n default; enroll namespace --waypoint waypoint"`: a quoted mutation is re-read.
  const input = words.flatMap((word) =>
    /^(apply|delete|enroll|unenroll)\s/.test(word) ? tokenize(word) : [word],
  );
  const out: string[][] = [[]];
  for (const word of input) {
    if (word === SEPARATOR) out.push([]);
    else if (word.endsWith(SEPARATOR)) {
      (out[out.length - 1] as string[]).push(word.slice(0, -1));
      out.push([]);
    } else (out[out.length - 1] as string[]).push(word);
  }
  return out.filter((segment) => segment.length > 0);
}

function planObject(words: readonly string[]): {
  object: Record<string, unknown>;
  connection: Connection;
} {
  const shared: Record<string, unknown> = {};
  const connection: Record<string, string> = {};
  const steps: Record<string, unknown>[] = [];
  for (const segment of segments(words)) {
    const parsed = parseVerb(
      segment,
      MUTATION_VERBS,
      `missing a mutation: ${MUTATION_VERBS.join(', ')}`,
      (verb) => `unknown mutation "${verb}": use ${MUTATION_VERBS.join(', ')}`,
    );
    Object.assign(connection, parsed.connection);
    if (parsed.object.verb === 'help')
      return { object: { verb: 'help', topic: 'plan' }, connection };
    const { cluster, output, dryRun, ...step } = parsed.object;
    Object.assign(shared, defined({ cluster, output, dryRun }));
    steps.push(step);
  }
  if (steps.length === 0) throw usage(`missing a mutation: ${MUTATION_VERBS.join(', ')}`);
  return { object: { verb: 'plan', steps, ...shared }, connection };
}

/**
 * Parses the command line's words (argv after `waypointer`): the command, and the connection flags
 * only the command line takes (`--kubeconfig`, `--context`, `--api`, `-f`).
 *
 * @example
 * parseCommandLine(['list', '-A', '--kubeconfig', '/tmp/kc']);
 * // { command: { verb: 'list', allNamespaces: true, output: 'table', dryRun: false },
 * //   connection: { kubeconfig: '/tmp/kc' } }
 */
export function parseCommandLine(words: readonly string[]): ParsedLine {
  if (words.length === 0) return { command: validated({ verb: 'help' }), connection: {} };
  const { object, connection } = parseVerb(
    words,
    VERBS,
    'missing a command; run `waypointer help`',
    (verb) => `unknown command "${verb}" for "waypointer"; run \`waypointer help\``,
  );
  // `plan -f FILE apply ...`: the plan's own flags may sit before the first mutation.
  return { command: validated(object), connection };
}

/**
 * Parses a command from any surface: grammar text (`"enroll service reviews --waypoint w"`, quotes
 * as a shell reads them), its words, or a structured object (`{verb: 'apply', namespace: 'default',
 * enrollNamespace: true}`) checked by the verb's schema. Connection flags (`--kubeconfig`, ...) are
 * refused: only the command line has them.
 *
 * @throws UsageError saying what to type
 */
export function parseCommand(
  input: string | readonly string[] | Readonly<Record<string, unknown>>,
): Command {
  if (typeof input === 'string' || Array.isArray(input)) {
    const words = typeof input === 'string' ? tokenize(input) : (input as readonly string[]);
    const { command, connection } = parseCommandLine(words);
    const [given] = Object.keys(connection);
    if (given !== undefined)
      throw usage(`--${given} is for the command line only: name the cluster with --cluster`);
    return command;
  }
  if (typeof input !== 'object' || input === null)
    throw usage('a command is grammar text, a list of words or an object with a verb');
  return validated(input as Record<string, unknown>);
}

/** The namespace a command names (`-n`), else the default one. */
export function namespaceOf(
  command: { readonly namespace?: string | undefined },
  fallback: string,
): string {
  return command.namespace ?? fallback;
}

/** A target of the grammar, as the use cases take it. */
export function labelTarget(t: Target, namespace: string): LabelTarget {
  switch (t.kind) {
    case 'namespace':
      return { kind: 'namespace', namespace: t.name ?? namespace };
    case 'service':
    case 'serviceentry':
    case 'workloadentry':
      return { kind: t.kind, namespace, name: t.name };
    case 'pod':
      return { kind: 'pods', namespace, names: t.names };
    case 'pods':
      return { kind: 'pods', namespace, selector: t.selector };
  }
}

/**
 * A mutation command as the domain's plan takes it. `delete` of several names (or `--all`) is
 * previewed one name at a time: give each as a step of its own.
 */
export function toMutation(step: MutationCommand, defaultNamespace: string): Mutation {
  const ns = namespaceOf(step, defaultNamespace);
  switch (step.verb) {
    case 'apply':
      return {
        op: 'applyWaypoint',
        namespace: ns,
        name: step.name,
        ...(step.for === undefined ? {} : { for: step.for }),
        ...(step.revision === undefined ? {} : { revision: step.revision }),
        enrollNamespace: step.enrollNamespace,
        overwrite: step.overwrite,
      };
    case 'delete': {
      const [name, ...more] = step.names;
      if (name === undefined || more.length > 0)
        throw usage(
          'plan previews delete of one waypoint name at a time (give one delete per name)',
        );
      return { op: 'deleteWaypoint', namespace: ns, name, unenroll: step.unenroll };
    }
    case 'enroll':
      if (step.canary !== undefined) return enrollCanaryMutation(step, ns);
      return {
        op: 'enroll',
        target: labelTarget(step.target, ns),
        waypoint: step.waypoint as string,
        ...(step.waypointNamespace === undefined
          ? {}
          : { waypointNamespace: step.waypointNamespace }),
      };
    case 'unenroll':
      return { op: 'unenroll', target: labelTarget(step.target, ns) };
    case 'promote':
      return { op: 'promoteCanary', target: canaryTarget(step.target, ns) };
    case 'rollback':
      return { op: 'rollbackCanary', target: canaryTarget(step.target, ns) };
  }
}

/** A canary target of the grammar, as the use cases take it. */
export function canaryTarget(t: Target, namespace: string): CanaryTarget {
  if (t.kind === 'namespace') return { kind: 'namespace', namespace: t.name ?? namespace };
  if (t.kind === 'service' || t.kind === 'serviceentry')
    return { kind: t.kind, namespace, name: t.name };
  throw usage('a canary is set on a namespace, a Service or a ServiceEntry', 'target');
}

/** `enroll ... --canary NAME [--canary-namespace NS] [--weight N]` as the domain's mutation. */
export function enrollCanaryMutation(
  step: MutationCommand & { verb: 'enroll' },
  namespace: string,
): Mutation & { op: 'enrollCanary' } {
  return {
    op: 'enrollCanary',
    target: canaryTarget(step.target, namespace),
    canary: step.canary as string,
    ...(step.canaryNamespace === undefined ? {} : { canaryNamespace: step.canaryNamespace }),
    ...(step.weight === undefined ? {} : { weight: step.weight }),
  };
}

/**
 * Parses one mutation's words (`apply`, `delete`, `enroll`, `unenroll` and their flags) into the
 * domain's Mutation, in namespace `default` unless `-n` says otherwise.
 *
 * @example
 * parseMutation(['enroll', 'namespace', 'default', '--waypoint', 'waypoint'])
 * // => { op: 'enroll', target: { kind: 'namespace', namespace: 'default' }, waypoint: 'waypoint' }
 */
export function parseMutation(words: readonly string[]): Mutation {
  const command = parseCommand(['plan', ...words]);
  if (command.verb !== 'plan' || command.steps.length !== 1) throw usage('give one mutation');
  return toMutation(command.steps[0] as MutationCommand, DEFAULT_NAMESPACE);
}

/**
 * Splits a command line as a shell would for plain words, 'single' and "double" quotes, so that
 * Slack text and CLI argv parse alike. An unquoted `;` is a word of its own (it separates the
 * mutations of `plan`).
 */
export function tokenize(line: string): string[] {
  const word = /;|(?:[^\s"';]+|"(?:[^"\\]|\\.)*"|'[^']*')+/g;
  const segment = /[^"']+|"((?:[^"\\]|\\.)*)"|'([^']*)'/g;
  return [...line.matchAll(word)].map(([token]) =>
    [...token.matchAll(segment)]
      .map((m) => (m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : (m[2] ?? m[0])))
      .join(''),
  );
}
