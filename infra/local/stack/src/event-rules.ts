/**
 * The EventBridge rules of `serverless.yml`, the deployment's source of truth, for the embedded
 * EventBridge endpoint: every `eventBridge` event of a function with a `pattern` becomes a rule on
 * its bus, named as osls names it (`<service>-<stage>-<function>-rule-<n>` unless the event names
 * it), with the Serverless variables of the pattern resolved (`${param:auditSource, '...'}` to its
 * default; `${self:...}` and `${sls:stage}` too). CloudFormation tags (`!Ref`, `!GetAtt`, ...) are
 * read as opaque values. Events the embedded endpoint cannot reproduce (schedules, input
 * transformers, a bus given by reference, a disabled rule) are listed with the reason instead, so
 * that nobody mistakes them for served. A rule's `retryPolicy` and `deadLetterQueueArn` do not
 * change what its target receives and are not reproduced (the endpoint keeps dead letters itself).
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { busName } from '@waypointer/events-endpoint';
import { parseDocument, type Tags } from 'yaml';

/** The repository's `serverless.yml`. */
export const SERVERLESS_YML = fileURLToPath(new URL('../../../../serverless.yml', import.meta.url));

/** An EventBridge rule `serverless.yml` declares for a function. */
export interface DeclaredRule {
  /** The function's key under `functions:` (e.g. `auditIngest`). */
  readonly functionName: string;
  readonly name: string;
  readonly eventBusName: string;
  readonly pattern: Record<string, unknown>;
}

/** An `eventBridge` event the embedded endpoint does not reproduce, and why. */
export interface UnservedEvent {
  readonly functionName: string;
  readonly index: number;
  readonly reason: string;
}

/** What `serverless.yml` declares for EventBridge. */
export interface DeclaredRules {
  readonly rules: readonly DeclaredRule[];
  readonly unserved: readonly UnservedEvent[];
}

/** The short forms of CloudFormation's intrinsic functions, kept as `{"!Tag": value}`. */
const INTRINSICS = [
  '!Ref',
  '!GetAtt',
  '!Sub',
  '!Join',
  '!Select',
  '!Split',
  '!If',
  '!Equals',
  '!And',
  '!Or',
  '!Not',
  '!FindInMap',
  '!ImportValue',
  '!GetAZs',
  '!Base64',
  '!Cidr',
  '!Condition',
  '!Transform',
  '!ToJsonString',
  '!Length',
];

const opaque = (tag: string) => (value: unknown) => ({
  [tag]:
    typeof value === 'object' && value !== null && 'toJSON' in value
      ? (value as { toJSON(): unknown }).toJSON()
      : value,
});

const CLOUDFORMATION_TAGS: Tags = INTRINSICS.flatMap((tag) => [
  { tag, resolve: opaque(tag) },
  { tag, collection: 'seq' as const, resolve: opaque(tag) },
  { tag, collection: 'map' as const, resolve: opaque(tag) },
]) as Tags;

type Json = Record<string, unknown>;

/**
 * `serverless.yml` as plain data, CloudFormation's short tags read as opaque `{"!Tag": value}`.
 *
 * @example
 * serverlessDocument(await readFile(SERVERLESS_YML, 'utf8')).service; // 'waypointer'
 */
export function serverlessDocument(text: string): Record<string, unknown> {
  const parsed = parseDocument(text, { customTags: CLOUDFORMATION_TAGS });
  if (parsed.errors.length > 0) throw new Error(`serverless.yml: ${parsed.errors[0]?.message}`);
  return (parsed.toJS() ?? {}) as Json;
}

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A value at a dotted path of the document (`self:provider.stage`). */
function lookup(document: Json, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>((node, key) => (isObject(node) ? node[key] : undefined), document);
}

/** What variables resolve against: the document, the parameters given, `sls:stage`. */
interface Scope {
  readonly document: Json;
  readonly params: Readonly<Record<string, string>>;
  readonly stage?: string;
}

/** The value of a variable's source, if the source knows it. */
function sourced(address: string, scope: Scope): string | undefined {
  const [source, name = ''] = address.split(/:(.*)/s) as [string, string?];
  if (source === 'param') return scope.params[name];
  if (source === 'sls') return name === 'stage' ? scope.stage : undefined;
  if (source !== 'self') return undefined;
  const value = lookup(scope.document, name);
  return typeof value === 'string' || typeof value === 'number'
    ? String(resolveString(String(value), scope))
    : undefined;
}

const VARIABLE = /\$\{([^{}]+)\}/g;

/** One variable's value (`source:address, fallback`); a numeric fallback is a number. */
function variable(inner: string, scope: Scope): string | number {
  const comma = inner.indexOf(',');
  const address = (comma < 0 ? inner : inner.slice(0, comma)).trim();
  const fallback = comma < 0 ? undefined : literal(inner.slice(comma + 1).trim());
  const value = sourced(address, scope) ?? fallback;
  if (value === undefined) {
    throw new Error(`serverless.yml: cannot resolve \${${inner}} (give it a default)`);
  }
  return value;
}

/** A variable's fallback: a quoted string, or a number. */
function literal(fallback: string): string | number | undefined {
  const quoted = /^(['"])(.*)\1$/s.exec(fallback);
  if (quoted !== null) return quoted[2];
  return /^-?\d+(\.\d+)?$/.test(fallback) ? Number(fallback) : undefined;
}

/**
 * Resolves the Serverless variables of a string: `${source:address, fallback}` takes the given
 * parameters for `param:`, the document for `self:`, the stage for `sls:stage`, and otherwise the
 * fallback. A string that is one variable takes the variable's type (`${param:limit, 100}` is the
 * number 100), as Serverless does.
 */
function resolveString(text: string, scope: Scope): string | number {
  const whole = /^\$\{([^{}]+)\}$/.exec(text);
  if (whole !== null) return variable(whole[1] as string, scope);
  return text.replace(VARIABLE, (_, inner: string) => String(variable(inner, scope)));
}

function resolve(value: unknown, scope: Scope): unknown {
  if (typeof value === 'string') return resolveString(value, scope);
  if (Array.isArray(value)) return value.map((v) => resolve(v, scope));
  if (isObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v, scope)]));
  }
  return value;
}

/** Why an `eventBridge` event cannot be served as a pattern rule, or undefined when it can. */
function unservable(event: Json): string | undefined {
  if (event.schedule !== undefined) return 'a schedule, not an event pattern';
  if (!isObject(event.pattern)) return 'no event pattern';
  for (const key of ['input', 'inputPath', 'inputTransformer']) {
    if (event[key] !== undefined) return `${key} changes what the target receives; not reproduced`;
  }
  if (event.enabled === false) return 'the rule is disabled';
  if (event.eventBus !== undefined && typeof event.eventBus !== 'string') {
    return 'the event bus is a CloudFormation reference';
  }
  return undefined;
}

/**
 * The EventBridge rules a `serverless.yml` text declares.
 *
 * @example
 * ```ts
 * declaredRules(await readFile('serverless.yml', 'utf8')).rules;
 * // [{ functionName: 'auditIngest', name: 'waypointer-dev-auditIngest-rule-1', eventBusName: 'default',
 * //    pattern: { source: ['com.example.k8s-audit'], 'detail-type': ['Kubernetes Audit Event'] } }]
 * ```
 */
export function declaredRules(
  text: string,
  params: Readonly<Record<string, string>> = {},
): DeclaredRules {
  const document = serverlessDocument(text);
  const provider = isObject(document.provider) ? document.provider : {};
  const stage = String(resolveString(String(provider.stage ?? 'dev'), { document, params }));
  const scope: Scope = { document, params, stage };
  const service = resolveString(String(document.service ?? 'service'), scope);
  const rules: DeclaredRule[] = [];
  const unserved: UnservedEvent[] = [];
  const functions = isObject(document.functions) ? document.functions : {};
  for (const [functionName, definition] of Object.entries(functions)) {
    const events =
      isObject(definition) && Array.isArray(definition.events) ? definition.events : [];
    const bridged = events.filter((e) => isObject(e) && isObject(e.eventBridge)) as Json[];
    bridged.forEach((wrapper, i) => {
      const event = resolve(wrapper.eventBridge, scope) as Json;
      const reason = unservable(event);
      if (reason !== undefined) {
        unserved.push({ functionName, index: i + 1, reason });
        return;
      }
      rules.push({
        functionName,
        name:
          typeof event.name === 'string'
            ? event.name
            : `${service}-${stage}-${functionName}-rule-${i + 1}`,
        eventBusName: busName(event.eventBus as string | undefined),
        pattern: event.pattern as Json,
      });
    });
  }
  return { rules, unserved };
}

/**
 * The EventBridge rules of a `serverless.yml` file (default: the repository's).
 *
 * @example
 * ```ts
 * const { rules, unserved } = await readDeclaredRules();
 * ```
 */
export async function readDeclaredRules(
  path: string = SERVERLESS_YML,
  params: Readonly<Record<string, string>> = {},
): Promise<DeclaredRules> {
  return declaredRules(await readFile(path, 'utf8'), params);
}
