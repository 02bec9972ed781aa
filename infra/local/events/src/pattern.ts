/**
 * EventBridge event patterns: validation (InvalidEventPatternException) and matching, with the
 * semantics of the service's documentation ("Event patterns", "Content filtering", "Matching null
 * values and empty strings") and of Event Ruler, the library behind it:
 *
 * - a pattern is a JSON object; an object value descends into the event, an array value lists the
 *   values and filters of which one must match (a pattern with several fields needs all of them);
 * - an event array matches when one of its elements does; objects inside an array are matched one
 *   element at a time (array consistency: two fields never come from two elements of one array);
 * - exact values are compared by JSON type and value (`300` matches `3.0e2`, `"300"` does not),
 *   `null` matches only a present null and `""` only an empty string;
 * - filters: `prefix`, `suffix` (both also `{"equals-ignore-case": ...}`), `equals-ignore-case`,
 *   `wildcard`, `anything-but` (values, or `prefix`/`suffix`/`equals-ignore-case`/`wildcard`),
 *   `numeric` ranges, `cidr` (IPv4) and `exists`; every filter but `"exists": false` needs the
 *   field present with a leaf value (objects are not leaves, and `[]` is absent);
 * - `$or` (an array of two or more sub-patterns at any level) needs one of them to match.
 */
import { errors } from './errors.ts';

/** An event pattern, as a rule holds it (a JSON object). */
export type EventPattern = Readonly<Record<string, unknown>>;

type Json = Record<string, unknown>;

const FILTERS = new Set([
  'prefix',
  'suffix',
  'equals-ignore-case',
  'wildcard',
  'anything-but',
  'numeric',
  'exists',
  'cidr',
]);

const NUMERIC_OPERATORS = new Set(['=', '<', '<=', '>', '>=']);

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `$or` is the Or primitive only when it holds two or more sub-patterns (Event Ruler's rule). */
function isOr(key: string, value: unknown): value is Json[] {
  return (
    key === '$or' &&
    Array.isArray(value) &&
    value.length >= 2 &&
    value.every((item) => isObject(item) && !Object.keys(item).some((k) => FILTERS.has(k)))
  );
}

/**
 * Parses and validates a pattern given as JSON text or as an object.
 *
 * @example
 * ```ts
 * parsePattern('{"source": ["com.example.k8s-audit"]}'); // { source: ['com.example.k8s-audit'] }
 * parsePattern({ source: 'x' }); // throws InvalidEventPatternException
 * ```
 */
export function parsePattern(pattern: unknown): EventPattern {
  let parsed = pattern;
  if (typeof pattern === 'string') {
    try {
      parsed = JSON.parse(pattern);
    } catch {
      throw errors.invalidEventPattern('Filter is not valid JSON');
    }
  }
  if (!isObject(parsed)) throw errors.invalidEventPattern('Filter is not an object');
  validateObject(parsed);
  return parsed;
}

function validateObject(pattern: Json): void {
  for (const [key, value] of Object.entries(pattern)) {
    if (isOr(key, value)) {
      for (const branch of value) validateObject(branch);
    } else if (isObject(value)) {
      validateObject(value);
    } else if (Array.isArray(value)) {
      for (const item of value) validateMatch(key, item);
    } else {
      throw errors.invalidEventPattern(`"${key}" must be an object or an array`);
    }
  }
}

function validateMatch(key: string, item: unknown): void {
  if (item === null || ['string', 'number', 'boolean'].includes(typeof item)) return;
  if (!isObject(item)) {
    throw errors.invalidEventPattern(
      `Match value must be String, number, true, false, or null (field "${key}")`,
    );
  }
  const names = Object.keys(item);
  const [name] = names;
  if (name === undefined || names.length !== 1 || !FILTERS.has(name)) {
    throw errors.invalidEventPattern(`Unrecognized match type ${names.join(', ') || '{}'}`);
  }
  validateFilter(name, item[name]);
}

function requireString(name: string, value: unknown): void {
  if (typeof value !== 'string')
    throw errors.invalidEventPattern(`${name} match pattern must be a string`);
}

/** A string, or `{"equals-ignore-case": string}` (prefix and suffix). */
function requireAffix(name: string, value: unknown): void {
  if (isObject(value) && Object.keys(value).length === 1 && 'equals-ignore-case' in value) {
    requireString(name, value['equals-ignore-case']);
  } else {
    requireString(name, value);
  }
}

function validateExists(value: unknown): void {
  if (typeof value !== 'boolean') {
    throw errors.invalidEventPattern('exists match pattern must be either true or false.');
  }
}

const VALIDATORS: Record<string, (value: unknown) => void> = {
  prefix: (value) => requireAffix('prefix', value),
  suffix: (value) => requireAffix('suffix', value),
  'equals-ignore-case': (value) => requireString('equals-ignore-case', value),
  wildcard: (value) => validateWildcard(value),
  exists: validateExists,
  numeric: (value) => {
    numericConditions(value);
  },
  cidr: (value) => {
    parseCidr(value);
  },
  'anything-but': (value) => validateAnythingBut(value),
};

function validateFilter(name: string, value: unknown): void {
  VALIDATORS[name]?.(value);
}

function validateWildcard(value: unknown): void {
  requireString('wildcard', value);
  if ((value as string).includes('**'))
    throw errors.invalidEventPattern('Consecutive wildcard characters at pos 0');
}

const ANYTHING_BUT_INNER = new Set(['prefix', 'suffix', 'equals-ignore-case', 'wildcard']);

/** Whether `value` is a valid anything-but operand. */
function isAnythingBut(value: unknown): boolean {
  if (typeof value === 'string' || typeof value === 'number') return true;
  if (Array.isArray(value)) {
    return (
      value.length > 0 &&
      (value.every((v) => typeof v === 'string') || value.every((v) => typeof v === 'number'))
    );
  }
  if (!isObject(value) || Object.keys(value).length !== 1) return false;
  const [inner] = Object.keys(value) as [string];
  const operands = flatten(value[inner]);
  if (!ANYTHING_BUT_INNER.has(inner) || operands.length === 0) return false;
  if (!operands.every((v) => typeof v === 'string')) return false;
  if (inner === 'wildcard') for (const w of operands) validateWildcard(w);
  return true;
}

function validateAnythingBut(value: unknown): void {
  if (!isAnythingBut(value)) {
    throw errors.invalidEventPattern(
      'Value of anything-but must be an array or single string/number value.',
    );
  }
}

type NumericCondition = readonly [operator: string, operand: number];

function numericConditions(value: unknown): NumericCondition[] {
  if (!Array.isArray(value) || value.length === 0 || value.length % 2 !== 0) {
    throw errors.invalidEventPattern('Value of numeric must be an array of operator, value pairs.');
  }
  const conditions: NumericCondition[] = [];
  for (let i = 0; i < value.length; i += 2) {
    const operator = value[i];
    const operand = value[i + 1];
    if (typeof operator !== 'string' || !NUMERIC_OPERATORS.has(operator)) {
      throw errors.invalidEventPattern(`Unrecognized numeric range operator: ${String(operator)}`);
    }
    if (typeof operand !== 'number') {
      throw errors.invalidEventPattern(`Value of ${operator} must be numeric`);
    }
    conditions.push([operator, operand]);
  }
  const lower = conditions.filter(([op]) => op === '>' || op === '>=').length;
  const upper = conditions.filter(([op]) => op === '<' || op === '<=').length;
  const equal = conditions.filter(([op]) => op === '=').length;
  if (lower > 1 || upper > 1 || (equal > 0 && conditions.length > 1)) {
    throw errors.invalidEventPattern('Bad numeric range: at most one lower and one upper bound');
  }
  return conditions;
}

/** An IPv4 CIDR block as [network, mask]. */
function parseCidr(value: unknown): readonly [number, number] {
  const match = typeof value === 'string' ? /^([\d.]+)\/(\d{1,2})$/.exec(value) : null;
  const network = match === null ? undefined : ipv4(match[1] as string);
  const bits = match === null ? 33 : Number(match[2]);
  if (network === undefined || bits > 32) {
    throw errors.invalidEventPattern(
      `Nonstandard IP address: ${String(value)} (the embedded endpoint matches IPv4 CIDR blocks)`,
    );
  }
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return [(network & mask) >>> 0, mask];
}

function ipv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) {
    return undefined;
  }
  return parts.reduce((acc, p) => ((acc << 8) | Number(p)) >>> 0, 0);
}

/**
 * Whether an event (the EventBridge envelope, or any JSON object) matches a pattern. The pattern
 * is expected to have passed {@link parsePattern}.
 *
 * @example
 * ```ts
 * matchesPattern({ detail: { state: [{ 'anything-but': 'initializing' }] } },
 *   { detail: { state: 'running' } }); // true
 * ```
 */
export function matchesPattern(pattern: EventPattern, event: unknown): boolean {
  return matchObject(pattern, isObject(event) ? event : {});
}

function matchObject(pattern: Json, value: Json): boolean {
  return Object.entries(pattern).every(([key, spec]) => matchKey(key, spec, value));
}

function matchKey(key: string, spec: unknown, value: Json): boolean {
  if (isOr(key, spec)) return spec.some((branch) => matchObject(branch, value));
  if (isObject(spec)) return matchNested(spec, value[key]);
  return matchField(spec as unknown[], key in value ? value[key] : undefined);
}

function flatten(value: unknown): unknown[] {
  return Array.isArray(value) ? value.flatMap(flatten) : [value];
}

function matchNested(pattern: Json, field: unknown): boolean {
  if (isObject(field)) return matchObject(pattern, field);
  const objects = flatten(field).filter(isObject);
  // A missing field, a leaf or an array without objects: the pattern sees no fields below it.
  if (objects.length === 0) return matchObject(pattern, {});
  return objects.some((element) => matchObject(pattern, element));
}

/** The leaf values of a field: none when absent, an object, or an empty array. */
function leaves(field: unknown): unknown[] {
  return field === undefined ? [] : flatten(field).filter((v) => !isObject(v));
}

function matchField(spec: readonly unknown[], field: unknown): boolean {
  const values = leaves(field);
  return spec.some((item) => {
    if (!isObject(item)) return values.some((value) => value === item);
    const [name] = Object.keys(item) as [string];
    const operand = item[name];
    if (name === 'exists') return operand === values.length > 0;
    return values.some((value) => matchFilter(name, operand, value));
  });
}

function affix(operand: unknown, value: string, test: (s: string, a: string) => boolean): boolean {
  if (isObject(operand)) {
    return test(value.toLowerCase(), String(operand['equals-ignore-case']).toLowerCase());
  }
  return test(value, operand as string);
}

const startsWith = (s: string, a: string): boolean => s.startsWith(a);
const endsWith = (s: string, a: string): boolean => s.endsWith(a);
const equalsIgnoreCase = (s: string, a: string): boolean => s.toLowerCase() === a.toLowerCase();

function matchFilter(name: string, operand: unknown, value: unknown): boolean {
  if (name === 'anything-but') return anythingBut(operand, value);
  if (name === 'numeric') return typeof value === 'number' && inRange(operand, value);
  if (typeof value !== 'string') return false;
  switch (name) {
    case 'prefix':
      return affix(operand, value, startsWith);
    case 'suffix':
      return affix(operand, value, endsWith);
    case 'equals-ignore-case':
      return equalsIgnoreCase(value, operand as string);
    case 'wildcard':
      return wildcard(operand as string, value);
    default:
      return inCidr(operand, value);
  }
}

function anythingBut(operand: unknown, value: unknown): boolean {
  if (Array.isArray(operand)) return !operand.includes(value);
  if (!isObject(operand)) return value !== operand;
  if (typeof value !== 'string') return false;
  const [inner] = Object.keys(operand) as [string];
  const operands = flatten(operand[inner]) as string[];
  const test =
    inner === 'prefix'
      ? startsWith
      : inner === 'suffix'
        ? endsWith
        : inner === 'equals-ignore-case'
          ? equalsIgnoreCase
          : (s: string, w: string): boolean => wildcard(w, s);
  return !operands.some((o) => test(value, o));
}

function inRange(operand: unknown, value: number): boolean {
  return numericConditions(operand).every(([operator, bound]) => {
    switch (operator) {
      case '=':
        return value === bound;
      case '<':
        return value < bound;
      case '<=':
        return value <= bound;
      case '>':
        return value > bound;
      default:
        return value >= bound;
    }
  });
}

/** `*` matches any run of characters (also none); `\*` is a star and `\\` a backslash. */
function wildcard(pattern: string, value: string): boolean {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '\\' && (pattern[i + 1] === '*' || pattern[i + 1] === '\\')) {
      source += `\\${pattern[++i]}`;
    } else if (c === '*') {
      source += '.*';
    } else {
      source += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`, 's').test(value);
}

function inCidr(operand: unknown, value: string): boolean {
  const address = ipv4(value);
  if (address === undefined) return false;
  const [network, mask] = parseCidr(operand);
  return (address & mask) >>> 0 === network;
}
