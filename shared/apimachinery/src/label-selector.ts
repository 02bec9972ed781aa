/**
 * Kubernetes label selectors: the string form (`app=web,tier in (a,b),!canary`) and the API's
 * `LabelSelector` object, with apimachinery's semantics and exact error messages.
 *
 * Ported from kubernetes/kubernetes `staging/src/k8s.io/apimachinery` (master snapshot 008b365):
 * - `pkg/labels/selector.go`: `Parse` (its `Lexer` and `Parser`), `NewRequirement`,
 *   `Requirement.Matches`, `Requirement.String`, `internalSelector` (`Matches`, `String`, `Empty`),
 *   `Everything`, `Nothing`;
 * - `pkg/selection/operator.go`: the operator values;
 * - `pkg/apis/meta/v1/helpers.go`: `LabelSelectorAsSelector`;
 * - `pkg/util/validation/field` + `pkg/util/errors`: `ErrorList.ToAggregate` and how an aggregate
 *   of field errors renders (`msg` for one, `[msg1, msg2]` for several).
 *
 * Pure: no I/O.
 */

import { ApimachineryError } from './errors.ts';
import {
  type FieldError,
  goQuote,
  isQualifiedName,
  isValidLabelValue,
  renderFieldError,
} from './validation.ts';

/** `selection.Operator`: the values are Go's, so `Requirement.operator` prints as Go's does. */
export const Operator = {
  DoesNotExist: '!',
  Equals: '=',
  DoubleEquals: '==',
  In: 'in',
  NotEquals: '!=',
  NotIn: 'notin',
  Exists: 'exists',
  GreaterThan: 'gt',
  LessThan: 'lt',
} as const;

/** One of the `selection.Operator` values a label `Requirement` accepts. */
export type SelectorOperator = (typeof Operator)[keyof typeof Operator];

/**
 * `labels.Requirement`: a key, an operator and the values (as given to `NewRequirement`: the
 * parser hands them sorted and de-duplicated, `matchExpressions` as written).
 */
export type Requirement = {
  readonly key: string;
  readonly operator: SelectorOperator;
  readonly values: readonly string[];
};

/** A selector string `parseSelector` rejects; `message` is apimachinery's error text. */
export class SelectorParseError extends ApimachineryError {
  override name = 'SelectorParseError';
}

/** A `LabelSelector` object `selectorFromLabelSelector` rejects; `message` is apimachinery's. */
export class LabelSelectorError extends ApimachineryError {
  override name = 'LabelSelectorError';
}

/** The API's `metav1.LabelSelector`, as it arrives in JSON. */
export type LabelSelector = {
  readonly matchLabels?: Readonly<Record<string, string>> | null;
  readonly matchExpressions?: readonly LabelSelectorRequirement[] | null;
};

/** The API's `metav1.LabelSelectorRequirement`; `operator` is checked, not trusted. */
export type LabelSelectorRequirement = {
  readonly key: string;
  readonly operator: string;
  readonly values?: readonly string[] | null;
};

/** Go string order: byte-wise UTF-8, which is code point order (not UTF-16 unit order). */
function compareGo(a: string, b: string): number {
  const ai = a[Symbol.iterator]();
  const bi = b[Symbol.iterator]();
  for (;;) {
    const x = ai.next();
    const y = bi.next();
    if (x.done || y.done) return (x.done ? 0 : 1) - (y.done ? 0 : 1);
    const d = (x.value.codePointAt(0) ?? 0) - (y.value.codePointAt(0) ?? 0);
    if (d !== 0) return d;
  }
}

/** `safeSort`: a sorted copy. */
function sortedCopy(values: readonly string[]): string[] {
  return [...values].sort(compareGo);
}

/** `strconv.ParseInt(s, 10, 64)`, or `undefined` where Go returns an error. */
function parseInt64(s: string): bigint | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  const n = BigInt(s);
  return n >= -(2n ** 63n) && n < 2n ** 63n ? n : undefined;
}

function hasLabel(labels: Readonly<Record<string, string>>, key: string): boolean {
  return Object.hasOwn(labels, key);
}

/** `Requirement.Matches`. */
function requirementMatches(r: Requirement, labels: Readonly<Record<string, string>>): boolean {
  const present = hasLabel(labels, r.key);
  const value = labels[r.key] ?? '';
  switch (r.operator) {
    case Operator.In:
    case Operator.Equals:
    case Operator.DoubleEquals:
      return present && r.values.includes(value);
    case Operator.NotIn:
    case Operator.NotEquals:
      return !present || !r.values.includes(value);
    case Operator.Exists:
      return present;
    case Operator.DoesNotExist:
      return !present;
    default:
      return present && compareMatches(r, value);
  }
}

/** The `GreaterThan` / `LessThan` arm of `Requirement.Matches`. */
function compareMatches(r: Requirement, value: string): boolean {
  const actual = parseInt64(value);
  const [only, ...rest] = r.values;
  const wanted = only === undefined || rest.length > 0 ? undefined : parseInt64(only);
  if (actual === undefined || wanted === undefined) return false;
  return r.operator === Operator.GreaterThan ? actual > wanted : actual < wanted;
}

const OPERATOR_TEXT: Readonly<Record<SelectorOperator, string>> = {
  '!': '',
  '=': '=',
  '==': '==',
  in: ' in ',
  '!=': '!=',
  notin: ' notin ',
  exists: '',
  gt: '>',
  lt: '<',
};

/** `Requirement.String`: `x in (a,b)`, `x notin (a)`, `x=a`, `x==a`, `x!=a`, `x>1`, `x`, `!x`. */
function requirementString(r: Requirement): string {
  if (r.operator === Operator.Exists) return r.key;
  if (r.operator === Operator.DoesNotExist) return `!${r.key}`;
  const values = r.values.length === 1 ? (r.values[0] ?? '') : sortedCopy(r.values).join(',');
  const set = r.operator === Operator.In || r.operator === Operator.NotIn;
  return `${r.key}${OPERATOR_TEXT[r.operator]}${set ? `(${values})` : values}`;
}

/**
 * `labels.Selector`: either the `Nothing()` selector (matches no object) or an `internalSelector`
 * whose requirements are sorted by key and all must match; no requirements is `Everything()`.
 */
export class Selector {
  /** The requirements, sorted by key; empty for both `Everything()` and `Nothing()`. */
  readonly requirements: readonly Requirement[];
  /** True only for `Nothing()`, which `LabelSelectorAsSelector` returns for a nil selector. */
  readonly matchesNothing: boolean;

  private static readonly EVERYTHING = new Selector([], false);
  private static readonly NOTHING = new Selector([], true);

  private constructor(requirements: readonly Requirement[], matchesNothing: boolean) {
    this.requirements = requirements;
    this.matchesNothing = matchesNothing;
  }

  /**
   * A selector of these requirements, sorted by key as `sort.Sort(ByKey(...))` does.
   * @returns the selector; `Everything()` when `requirements` is empty
   */
  static of(requirements: readonly Requirement[]): Selector {
    // Array sort is stable; Go's pdqsort is too for up to 12 requirements (insertion sort).
    const sorted = [...requirements].sort((a, b) => compareGo(a.key, b.key));
    return new Selector(sorted, false);
  }

  /**
   * `labels.Everything()`: matches every label set.
   * @returns the empty selector
   */
  static everything(): Selector {
    return Selector.EVERYTHING;
  }

  /**
   * `labels.Nothing()`: matches no label set.
   * @returns the selector that selects nothing
   */
  static nothing(): Selector {
    return Selector.NOTHING;
  }

  /**
   * `Selector.Matches`; absent labels are an empty set.
   * @returns whether every requirement matches
   */
  matches(labels: Readonly<Record<string, string>> | undefined): boolean {
    if (this.matchesNothing) return false;
    const set = labels ?? {};
    return this.requirements.every((r) => requirementMatches(r, set));
  }

  /**
   * `Selector.Empty`: true when the selector does not restrict (`Everything()`).
   * @returns whether the selector has no requirements and is not `Nothing()`
   */
  isEmpty(): boolean {
    return !this.matchesNothing && this.requirements.length === 0;
  }

  /**
   * `Selector.String`: the canonical form, requirements joined by `,` (empty for both
   * `Everything()` and `Nothing()`).
   * @returns the selector string
   */
  toString(): string {
    return this.requirements.map(requirementString).join(',');
  }
}

/**
 * `matches(selector, labels)`: whether `labels` satisfy `selector`.
 * @returns `selector.matches(labels)`
 */
export function matchesSelector(
  selector: Selector,
  labels: Readonly<Record<string, string>> | undefined,
): boolean {
  return selector.matches(labels);
}

// ---------------------------------------------------------------------------------------------
// NewRequirement. Every caller here passes no field path, so the paths are the bare
// `key`, `values`, `values[i]` and `values[i][<key>]`.

/** Checks `NewRequirement` makes of the operator and the number of values. */
function operatorErrors(op: SelectorOperator, vals: readonly string[] | null): FieldError[] {
  const n = vals?.length ?? 0;
  const invalid = (detail: string): FieldError => ({
    type: 'FieldValueInvalid',
    field: 'values',
    value: vals,
    detail,
  });
  switch (op) {
    case Operator.In:
    case Operator.NotIn:
      return n === 0 ? [invalid("for 'in', 'notin' operators, values set can't be empty")] : [];
    case Operator.Equals:
    case Operator.DoubleEquals:
    case Operator.NotEquals:
      return n === 1 ? [] : [invalid('exact-match compatibility requires one single value')];
    case Operator.Exists:
    case Operator.DoesNotExist:
      return n === 0 ? [] : [invalid('values set must be empty for exists and does not exist')];
    default:
      return integerErrors(vals ?? [], n === 1 ? [] : [invalid(GT_LT_ONE_VALUE)]);
  }
}

const GT_LT_ONE_VALUE = "for 'Gt', 'Lt' operators, exactly one value is required";

/** The `GreaterThan` / `LessThan` arm: each value must parse as a 64-bit integer. */
function integerErrors(vals: readonly string[], errs: FieldError[]): FieldError[] {
  vals.forEach((value, i) => {
    if (parseInt64(value) === undefined) {
      errs.push({
        type: 'FieldValueInvalid',
        field: `values[${i}]`,
        value,
        detail: "for 'Gt', 'Lt' operators, the value must be an integer",
      });
    }
  });
  return errs;
}

/** `ErrorList.ToAggregate().Error()`: duplicates dropped, one message bare, several in `[...]`. */
function aggregate(errs: readonly FieldError[]): string {
  const messages = [...new Set(errs.map(renderFieldError))];
  return messages.length === 1 ? (messages[0] ?? '') : `[${messages.join(', ')}]`;
}

/**
 * `labels.NewRequirement(key, op, vals)`. `vals` is `null` for Go's nil slice (it renders as
 * `null` in an error); the requirement keeps `vals` as given.
 * @returns the requirement, or apimachinery's aggregated error message
 */
function newRequirement(
  key: string,
  op: SelectorOperator,
  vals: readonly string[] | null,
): Requirement | { readonly error: string } {
  const errs: FieldError[] = [];
  const keyErrors = isQualifiedName(key);
  if (keyErrors.length > 0) {
    errs.push({
      type: 'FieldValueInvalid',
      field: 'key',
      value: key,
      detail: keyErrors.join('; '),
    });
  }
  errs.push(...operatorErrors(op, vals));
  (vals ?? []).forEach((value, i) => {
    const valueErrors = isValidLabelValue(value);
    if (valueErrors.length > 0) {
      const field = `values[${i}][${key}]`;
      errs.push({ type: 'FieldValueInvalid', field, value, detail: valueErrors.join('; ') });
    }
  });
  if (errs.length > 0) return { error: aggregate(errs) };
  return { key, operator: op, values: vals ?? [] };
}

// ---------------------------------------------------------------------------------------------
// The lexer. Tokens as in selector.go; an identifier literal is also a keyword when it is `in`
// or `notin`. Works on UTF-16 units: every special character is ASCII, so the splits are Go's.

type Token =
  | 'error'
  | 'end'
  | ')'
  | ','
  | '!'
  | '=='
  | '='
  | '>'
  | 'identifier'
  | 'in'
  | '<'
  | '!='
  | 'notin'
  | '(';

/** `string2token`. */
const STRING_TO_TOKEN: ReadonlyMap<string, Token> = new Map<string, Token>([
  [')', ')'],
  [',', ','],
  ['!', '!'],
  ['==', '=='],
  ['=', '='],
  ['>', '>'],
  ['in', 'in'],
  ['<', '<'],
  ['!=', '!='],
  ['notin', 'notin'],
  ['(', '('],
]);

type ScannedItem = { readonly tok: Token; readonly literal: string };

const isWhitespace = (ch: string): boolean =>
  ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
const SPECIAL_SYMBOLS: ReadonlySet<string> = new Set(['=', '!', '(', ')', ',', '>', '<']);
const isSpecialSymbol = (ch: string): boolean => SPECIAL_SYMBOLS.has(ch);
/** Go's lexer reads byte 0 both at the end of input and for a NUL in it. */
const NUL = '\u0000';

class Lexer {
  private readonly s: string;
  private pos = 0;

  constructor(s: string) {
    this.s = s;
  }

  private read(): string {
    if (this.pos < this.s.length) {
      const ch = this.s[this.pos] ?? NUL;
      this.pos++;
      return ch;
    }
    return NUL;
  }

  private unread(): void {
    this.pos--;
  }

  /** `scanIDOrKeyword`. */
  private scanIdOrKeyword(): ScannedItem {
    let buffer = '';
    for (;;) {
      const ch = this.read();
      if (ch === NUL) break;
      if (isSpecialSymbol(ch) || isWhitespace(ch)) {
        this.unread();
        break;
      }
      buffer += ch;
    }
    return { tok: STRING_TO_TOKEN.get(buffer) ?? 'identifier', literal: buffer };
  }

  /** `scanSpecialSymbol`: the longest operator, e.g. `!=` over `!`. */
  private scanSpecialSymbol(): ScannedItem {
    let last: ScannedItem | undefined;
    let buffer = '';
    for (;;) {
      const ch = this.read();
      if (ch === NUL) break;
      if (!isSpecialSymbol(ch)) {
        this.unread();
        break;
      }
      buffer += ch;
      const tok = STRING_TO_TOKEN.get(buffer);
      if (tok !== undefined) {
        last = { tok, literal: buffer };
      } else if (last !== undefined) {
        this.unread();
        break;
      }
    }
    return last ?? { tok: 'error', literal: `error expected: keyword found '${buffer}'` };
  }

  /** `Lex`. */
  lex(): ScannedItem {
    let ch = this.read();
    while (isWhitespace(ch)) ch = this.read();
    if (ch === NUL) return { tok: 'end', literal: '' };
    this.unread();
    return isSpecialSymbol(ch) ? this.scanSpecialSymbol() : this.scanIdOrKeyword();
  }
}

// ---------------------------------------------------------------------------------------------
// The parser.

type Context = 'keyAndOperator' | 'values';

const BINARY_OPERATORS = ['in', 'notin', '=', '==', '!=', 'gt', 'lt'].join(', ');
const END: ScannedItem = { tok: 'end', literal: '' };

/** Thrown inside the parser, turned into a `SelectorParseError` by `parseSelector`. */
class ParseFailure {
  readonly message: string;
  constructor(message: string) {
    this.message = message;
  }
}

class Parser {
  private readonly items: ScannedItem[] = [];
  private position = 0;

  constructor(text: string) {
    const lexer = new Lexer(text);
    for (;;) {
      const item = lexer.lex();
      this.items.push(item);
      if (item.tok === 'end') break;
    }
  }

  /** `lookahead`: in a values context `in` and `notin` are identifiers. */
  private lookahead(context: Context): ScannedItem {
    return Parser.inContext(this.items[this.position] ?? END, context);
  }

  /** `consume`. */
  private consume(context: Context): ScannedItem {
    const item = this.items[this.position] ?? END;
    this.position++;
    return Parser.inContext(item, context);
  }

  private static inContext(item: ScannedItem, context: Context): ScannedItem {
    const keyword = item.tok === 'in' || item.tok === 'notin';
    return context === 'values' && keyword ? { tok: 'identifier', literal: item.literal } : item;
  }

  /** `parse`: requirements separated by commas, up to the end of the string. */
  parse(): Requirement[] {
    const requirements: Requirement[] = [];
    for (;;) {
      const { tok, literal } = this.lookahead('values');
      if (tok === 'end') return requirements;
      if (tok !== 'identifier' && tok !== '!') {
        throw new ParseFailure(`found '${literal}', expected: !, identifier, or 'end of string'`);
      }
      requirements.push(this.parseRequirement());
      const next = this.consume('values');
      if (next.tok === 'end') return requirements;
      if (next.tok !== ',') {
        throw new ParseFailure(`found '${next.literal}', expected: ',' or 'end of string'`);
      }
      const after = this.lookahead('values');
      if (after.tok !== 'identifier' && after.tok !== '!') {
        throw new ParseFailure(`found '${after.literal}', expected: identifier after ','`);
      }
    }
  }

  /** `parseRequirement`; its errors are prefixed `unable to parse requirement: `. */
  private parseRequirement(): Requirement {
    const fail = (message: string): never => {
      throw new ParseFailure(`unable to parse requirement: ${message}`);
    };
    const { key, operator } = this.parseKeyAndInferOperator(fail);
    let op = operator;
    let values: string[] = [];
    if (op === undefined) {
      op = this.parseOperator(fail);
      values =
        op === Operator.In || op === Operator.NotIn
          ? this.parseValues(fail)
          : this.parseExactValue(fail);
    }
    const result = newRequirement(key, op, values);
    return 'error' in result ? fail(result.error) : result;
  }

  /** `parseKeyAndInferOperator`: `[!]KEY`, and `exists` / `!` when nothing follows the key. */
  private parseKeyAndInferOperator(fail: (message: string) => never): {
    key: string;
    operator: SelectorOperator | undefined;
  } {
    let operator: SelectorOperator | undefined;
    let item = this.consume('values');
    if (item.tok === '!') {
      operator = Operator.DoesNotExist;
      item = this.consume('values');
    }
    if (item.tok !== 'identifier') {
      return fail(`found '${item.literal}', expected: identifier`);
    }
    const keyErrors = isQualifiedName(item.literal);
    if (keyErrors.length > 0) {
      // Parse passes a nil *field.Path here, which prints as `<nil>`.
      const detail = keyErrors.join('; ');
      fail(
        renderFieldError({
          type: 'FieldValueInvalid',
          field: '<nil>',
          value: item.literal,
          detail,
        }),
      );
    }
    const next = this.lookahead('values').tok;
    if ((next === 'end' || next === ',') && operator === undefined) {
      operator = Operator.Exists;
    }
    return { key: item.literal, operator };
  }

  /** `parseOperator`. */
  private parseOperator(fail: (message: string) => never): SelectorOperator {
    const { tok, literal } = this.consume('keyAndOperator');
    const op = TOKEN_OPERATORS.get(tok);
    return op ?? fail(`found '${literal}', expected: ${BINARY_OPERATORS}`);
  }

  /** `parseValues`: `(a,b,...)`, as a sorted set; `()` is the set of the empty string. */
  private parseValues(fail: (message: string) => never): string[] {
    const open = this.consume('values');
    if (open.tok !== '(') {
      return fail(`found '${open.literal}' expected: '('`);
    }
    const { tok, literal } = this.lookahead('values');
    if (tok === ')') {
      this.consume('values');
      return [''];
    }
    if (tok !== 'identifier' && tok !== ',') {
      return fail(`found '${literal}', expected: ',', ')' or identifier`);
    }
    const values = this.parseIdentifiersList(fail);
    // The list ends only when `)` is next, so this consumes it (Go checks it again).
    this.consume('values');
    return values;
  }

  /** `parseIdentifiersList`: comma-separated, possibly empty identifiers up to `)`. */
  private parseIdentifiersList(fail: (message: string) => never): string[] {
    const set = new Set<string>();
    for (;;) {
      const { tok, literal } = this.consume('values');
      const next = this.lookahead('values');
      if (tok === 'identifier') {
        set.add(literal);
        if (next.tok !== ',' && next.tok !== ')') {
          fail(`found '${next.literal}', expected: ',' or ')'`);
        }
      } else if (tok === ',') {
        // `(,` and `,,` and `,)` each stand for an empty value.
        if (set.size === 0 || next.tok === ',' || next.tok === ')') set.add('');
      } else {
        fail(`found '${literal}', expected: ',', or identifier`);
      }
      if (next.tok === ')') return sortedCopy([...set]);
    }
  }

  /** `parseExactValue`: one identifier, or the empty value when `,` or the end follows. */
  private parseExactValue(fail: (message: string) => never): string[] {
    const next = this.lookahead('values').tok;
    if (next === 'end' || next === ',') return [''];
    const { tok, literal } = this.consume('values');
    return tok === 'identifier' ? [literal] : fail(`found '${literal}', expected: identifier`);
  }
}

const TOKEN_OPERATORS: ReadonlyMap<Token, SelectorOperator> = new Map<Token, SelectorOperator>([
  ['in', Operator.In],
  ['=', Operator.Equals],
  ['==', Operator.DoubleEquals],
  ['>', Operator.GreaterThan],
  ['<', Operator.LessThan],
  ['notin', Operator.NotIn],
  ['!=', Operator.NotEquals],
]);

/**
 * `labels.Parse`: a selector string such as `x in (foo,,baz),y,z notin ()`, `app=web,!canary` or
 * `tier!=db`, with `=`, `==`, `!=`, `in`, `notin`, `>`, `<`, a bare key (exists) and `!key`.
 * The requirements come back sorted by key; `""` is `Everything()`.
 * @returns the parsed selector
 * @throws SelectorParseError with apimachinery's message, e.g.
 *   `found ',', expected: !, identifier, or 'end of string'`
 */
export function parseSelector(text: string): Selector {
  try {
    return Selector.of(new Parser(text).parse());
  } catch (e) {
    if (e instanceof ParseFailure) throw new SelectorParseError(e.message);
    throw e;
  }
}

const LABEL_SELECTOR_OPERATORS: Readonly<Record<string, SelectorOperator>> = {
  In: Operator.In,
  NotIn: Operator.NotIn,
  Exists: Operator.Exists,
  DoesNotExist: Operator.DoesNotExist,
};

/**
 * `metav1.LabelSelectorAsSelector`: `null`/`undefined` selects nothing, `{}` (no labels, no
 * expressions) selects everything; otherwise each `matchLabels` entry is an `=` requirement and
 * each expression an `In` / `NotIn` / `Exists` / `DoesNotExist` requirement, checked by
 * `NewRequirement`. Go walks `matchLabels` in random order and stops at the first bad entry; this
 * walks the keys sorted, so which error surfaces is stable.
 * @returns the selector
 * @throws LabelSelectorError with apimachinery's message, e.g.
 *   `"Foo" is not a valid pod selector operator`
 */
export function selectorFromLabelSelector(ls: LabelSelector | null | undefined): Selector {
  if (ls === null || ls === undefined) return Selector.nothing();
  const matchLabels = ls.matchLabels ?? {};
  const expressions = ls.matchExpressions ?? [];
  const labelKeys = Object.keys(matchLabels).sort(compareGo);
  if (labelKeys.length + expressions.length === 0) return Selector.everything();
  const requirements: Requirement[] = [];
  const add = (result: ReturnType<typeof newRequirement>): void => {
    if ('error' in result) throw new LabelSelectorError(result.error);
    requirements.push(result);
  };
  for (const key of labelKeys) {
    add(newRequirement(key, Operator.Equals, [matchLabels[key] ?? '']));
  }
  for (const expr of expressions) {
    const op = Object.hasOwn(LABEL_SELECTOR_OPERATORS, expr.operator)
      ? LABEL_SELECTOR_OPERATORS[expr.operator]
      : undefined;
    if (op === undefined) {
      throw new LabelSelectorError(
        `${goQuote(expr.operator)} is not a valid pod selector operator`,
      );
    }
    // `append([]string(nil), expr.Values...)`: no values is the nil slice.
    const values = expr.values && expr.values.length > 0 ? [...expr.values] : null;
    add(newRequirement(expr.key, op, values));
  }
  return Selector.of(requirements);
}
