/**
 * The command grammar shared by the `waypointer` CLI and ChatOps: istioctl's words and flags where
 * istioctl has them (`generate`, `apply`, `delete`), and the same style for what it lacks
 * (`enroll`, `unenroll`).
 *
 * ```
 * generate [-n NS] [--name NAME] [--for service|workload|all|none] [-r REV]
 * apply    [-n NS] [--name NAME] [--for TYPE] [-r REV] [--enroll-namespace [--overwrite]]
 * delete   NAME [-n NS] [--unenroll]
 * enroll   namespace [NS] | service NAME | pod NAME... | pods -l SELECTOR   [-n NS] --waypoint W [--waypoint-namespace WNS]
 * unenroll namespace [NS] | service NAME | pod NAME... | pods -l SELECTOR   [-n NS]
 * ```
 */
import { parseArgs } from 'node:util';
import { ValidationError } from '../domain/errors.ts';
import type { GenerateOptions } from '../domain/generate.ts';
import { DEFAULT_WAYPOINT_NAME } from '../domain/labels.ts';
import type { LabelTarget, Mutation } from '../domain/plan.ts';

/** The namespace a command acts on when `-n` is not given (istioctl's and kubectl's default). */
export const DEFAULT_NAMESPACE = 'default';

type OptionSpec = Record<
  string,
  { type: 'string' | 'boolean'; short?: string; multiple?: boolean }
>;

const namespaceOption: OptionSpec = { namespace: { type: 'string', short: 'n' } };
const waypointOptions: OptionSpec = {
  ...namespaceOption,
  name: { type: 'string' },
  for: { type: 'string' },
  revision: { type: 'string', short: 'r' },
};

/** Thrown for a command line that does not follow the grammar; the message says what to type. */
export class UsageError extends ValidationError {
  override name = 'UsageError';
}

function usage(message: string, path = 'command'): UsageError {
  return new UsageError(message, [{ path, message }]);
}

interface Parsed {
  readonly values: Record<string, string | boolean | undefined>;
  readonly positionals: readonly string[];
}

/** The token of `args` that a parseArgs error is about (`-n`, `--namespace`, `-xyz`). */
function offending(
  args: readonly string[],
  short: string | undefined,
  long: string | undefined,
): string {
  const found = args.find(
    (a) =>
      (long !== undefined && (a === `--${long}` || a.startsWith(`--${long}=`))) ||
      (short !== undefined && /^-[^-]/.test(a) && a.slice(1).includes(short)),
  );
  return found ?? (long === undefined ? `-${short ?? ''}` : `--${long}`);
}

/** What pflag (istioctl's flag parser) says for a bad flag, from a `util.parseArgs` error. */
function pflagMessage(args: readonly string[], code: string | undefined, message: string): string {
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const flag = /'(-[^' ]+)'/.exec(message)?.[1] ?? '';
    if (flag.startsWith('--')) return `unknown flag: ${flag}`;
    const letter = flag.slice(1, 2);
    return `unknown shorthand flag: '${letter}' in ${offending(args, letter, undefined)}`;
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const described = /'(?:-(\w), )?--([\w-]+)/.exec(message);
    const short = described?.[1];
    const long = described?.[2];
    const token = offending(args, short, long);
    return token.startsWith('--')
      ? `flag needs an argument: ${token}`
      : `flag needs an argument: '${short ?? ''}' in ${token}`;
  }
  return message;
}

/** `util.parseArgs` with pflag's messages (`unknown flag: --x`, `flag needs an argument: 'n' in -n`). */
export function parseFlags(args: readonly string[], options: OptionSpec): Parsed {
  try {
    const { values, positionals } = parseArgs({
      args: [...args],
      options,
      allowPositionals: true,
      strict: true,
    });
    return { values: values as Parsed['values'], positionals };
  } catch (error) {
    const code = (error as { code?: string }).code;
    const text = pflagMessage(args, code, error instanceof Error ? error.message : String(error));
    throw usage(text);
  }
}

function text(values: Parsed['values'], key: string): string | undefined {
  const value = values[key];
  return typeof value === 'string' ? value : undefined;
}

/** `generate`'s flags, passed through as istioctl reads them (validation happens in `generateWaypoint`). */
export function parseGenerate(args: readonly string[]): GenerateOptions {
  const { values } = parseFlags(args, waypointOptions);
  const options: Record<string, string> = {};
  for (const key of ['namespace', 'name', 'for', 'revision']) {
    const value = text(values, key);
    if (value !== undefined) options[key] = value;
  }
  return options;
}

function parseApply(args: readonly string[]): Mutation {
  const { values, positionals } = parseFlags(args, {
    ...waypointOptions,
    'enroll-namespace': { type: 'boolean' },
    overwrite: { type: 'boolean' },
  });
  if (positionals.length > 0)
    throw usage(`unknown argument "${positionals[0]}": apply takes flags only`);
  const traffic = text(values, 'for');
  const revision = text(values, 'revision');
  return {
    op: 'applyWaypoint',
    namespace: text(values, 'namespace') ?? DEFAULT_NAMESPACE,
    name: text(values, 'name') || DEFAULT_WAYPOINT_NAME,
    ...(traffic === undefined || traffic === '' ? {} : { for: traffic }),
    ...(revision === undefined || revision === '' ? {} : { revision }),
    enrollNamespace: values['enroll-namespace'] === true,
    overwrite: values.overwrite === true,
  };
}

function parseDelete(args: readonly string[]): Mutation {
  const { values, positionals } = parseFlags(args, {
    ...namespaceOption,
    unenroll: { type: 'boolean' },
  });
  const [name, ...rest] = positionals;
  if (name === undefined)
    throw usage('must specify a waypoint name, as in: delete waypoint -n default');
  if (rest.length > 0) throw usage('delete takes one waypoint name');
  return {
    op: 'deleteWaypoint',
    namespace: text(values, 'namespace') ?? DEFAULT_NAMESPACE,
    name,
    unenroll: values.unenroll === true,
  };
}

const TARGET_KINDS = 'namespace NS, service NAME, pod NAME..., or pods -l SELECTOR';

function podsTarget(
  verb: string,
  namespace: string,
  names: readonly string[],
  selector: string | undefined,
): LabelTarget {
  if (selector !== undefined) {
    if (names.length > 0) throw usage('give pod names or -l SELECTOR, not both');
    return { kind: 'pods', namespace, selector };
  }
  if (names.length === 0) throw usage(`${verb} pods needs pod names or -l SELECTOR`);
  return { kind: 'pods', namespace, names };
}

function parseTarget(
  verb: string,
  values: Parsed['values'],
  positionals: readonly string[],
): LabelTarget {
  const [kind, ...names] = positionals;
  const namespace = text(values, 'namespace') ?? DEFAULT_NAMESPACE;
  const selector = text(values, 'selector');
  if (kind !== 'pods' && selector !== undefined)
    throw usage('-l/--selector goes with pods', '--selector');
  switch (kind) {
    case 'namespace':
    case 'ns': {
      const [name, ...rest] = names;
      if (rest.length > 0) throw usage(`${verb} namespace takes one namespace`);
      return { kind: 'namespace', namespace: name ?? namespace };
    }
    case 'service':
    case 'svc': {
      if (names.length !== 1)
        throw usage(
          `${verb} service takes one Service name, as in: ${verb} service reviews -n default`,
        );
      return { kind: 'service', namespace, name: names[0] as string };
    }
    case 'pod':
    case 'pods':
      return podsTarget(verb, namespace, names, selector);
    default:
      throw usage(
        kind === undefined
          ? `${verb} what? Give ${TARGET_KINDS}`
          : `cannot ${verb} "${kind}": give ${TARGET_KINDS}`,
      );
  }
}

function parseEnroll(args: readonly string[]): Mutation {
  const { values, positionals } = parseFlags(args, {
    ...namespaceOption,
    selector: { type: 'string', short: 'l' },
    waypoint: { type: 'string', short: 'w' },
    'waypoint-namespace': { type: 'string' },
  });
  const target = parseTarget('enroll', values, positionals);
  const waypoint = text(values, 'waypoint');
  if (waypoint === undefined || waypoint === '') {
    throw usage('enroll needs --waypoint NAME (or --waypoint none to opt out)', '--waypoint');
  }
  const waypointNamespace = text(values, 'waypoint-namespace');
  return {
    op: 'enroll',
    target,
    waypoint,
    ...(waypointNamespace === undefined ? {} : { waypointNamespace }),
  };
}

function parseUnenroll(args: readonly string[]): Mutation {
  const { values, positionals } = parseFlags(args, {
    ...namespaceOption,
    selector: { type: 'string', short: 'l' },
  });
  return { op: 'unenroll', target: parseTarget('unenroll', values, positionals) };
}

/** The mutation verbs and their parsers. */
const MUTATIONS: Record<string, (args: readonly string[]) => Mutation> = {
  apply: parseApply,
  delete: parseDelete,
  enroll: parseEnroll,
  unenroll: parseUnenroll,
};

/**
 * Parses a mutation command (`apply`, `delete`, `enroll`, `unenroll` and their flags).
 *
 * @example
 * parseMutation(['enroll', 'namespace', 'default', '--waypoint', 'waypoint'])
 * // => { op: 'enroll', target: { kind: 'namespace', namespace: 'default' }, waypoint: 'waypoint' }
 */
export function parseMutation(args: readonly string[]): Mutation {
  const [verb, ...rest] = args;
  const parser = verb === undefined ? undefined : MUTATIONS[verb];
  if (parser === undefined) {
    const known = Object.keys(MUTATIONS).join(', ');
    throw usage(
      verb === undefined
        ? `missing a mutation: ${known}`
        : `unknown mutation "${verb}": use ${known}`,
    );
  }
  return parser(rest);
}

/**
 * Splits a command line as a shell would for plain words, 'single' and "double" quotes, so that
 * Slack text and CLI argv parse alike.
 */
export function tokenize(line: string): string[] {
  const word = /(?:[^\s"']+|"(?:[^"\\]|\\.)*"|'[^']*')+/g;
  const segment = /[^"']+|"((?:[^"\\]|\\.)*)"|'([^']*)'/g;
  return [...line.matchAll(word)].map(([token]) =>
    [...token.matchAll(segment)]
      .map((m) => (m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : (m[2] ?? m[0])))
      .join(''),
  );
}
