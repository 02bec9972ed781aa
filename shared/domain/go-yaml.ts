/**
 * Byte-exact port of Go's `sigs.k8s.io/yaml` v1.6.0 `Marshal` for JSON-shaped values.
 *
 * `sigs.k8s.io/yaml.Marshal` is `json.Marshal` followed by `JSONToYAML`, which decodes the JSON
 * with `go.yaml.in/yaml/v2` (= gopkg.in/yaml.v2 v2.4) into `interface{}` and re-encodes it with
 * the same library. Ported from yaml.v2:
 *
 * - `encode.go`: `stringv` (plain / double-quoted / literal request), `isBase60Float`,
 *   `intv` / `uintv` / `floatv` (`strconv.FormatFloat(f, 'g', -1, 64)`), `boolv`, `nilv`,
 *   `mapv` + `sorter.go` `keyList.Less` (natural key order).
 * - `resolve.go`: `resolve` (YAML 1.1 bool/null/int/float/timestamp detection), `parseTimestamp`
 *   (with the needed subset of Go's `time.Parse`), plus Go's `strconv.ParseInt`/`ParseUint`
 *   (base 0 and 2), `ParseFloat` and `underscoreOK` as far as `resolve` depends on them.
 * - `emitterc.go`: `yaml_emitter_analyze_scalar`, `yaml_emitter_select_scalar_style`,
 *   `yaml_emitter_check_simple_key`, `yaml_emitter_emit_block_sequence_item`,
 *   `yaml_emitter_emit_block_mapping_key`/`_value`, the empty flow collections,
 *   `yaml_emitter_increase_indent`, `yaml_emitter_write_indent`, `yaml_emitter_write_indicator`,
 *   `yaml_emitter_write_plain_scalar`, `_single_quoted_scalar`, `_double_quoted_scalar`,
 *   `_literal_scalar` and `_block_scalar_hints` (best_indent 2, best_width 80, unicode on).
 * - `yamlprivateh.go`: `is_printable`, `is_break`, `is_blank`, `is_blankz`.
 * - The JSON round trip itself: Go `encoding/json` float64 formatting, and the three places where
 *   yaml.v2's reader/scanner changes or rejects Go-encoded JSON (`yaml_parser_update_buffer`
 *   control characters, `yaml_parser_scan_flow_scalar` NEL folding and document indicators,
 *   `yaml_simple_key_is_valid` 1024-character / single-line implicit keys).
 */

/** A JSON-shaped value, as `encoding/json` would produce it from the equivalent Go value. */
export type GoYamlValue =
  | null
  | boolean
  | number
  | string
  | readonly GoYamlValue[]
  | { readonly [key: string]: GoYamlValue | undefined };

const BEST_INDENT = 2;
const BEST_WIDTH = 80;
/** `yaml_emitter_check_simple_key`: longer keys are written as `? key`. */
const MAX_SIMPLE_KEY_BYTES = 128;
/** `yaml_simple_key_is_valid`: the `:` must come at most 1024 characters after the key's `"`. */
const MAX_JSON_KEY_CHARS = 1022;

const SPACE = 0x20;
const NEL = 0x85;
const BOM = 0xfeff;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

type ScalarStyle = 'plain' | 'single' | 'double' | 'literal';

interface ScalarAnalysis {
  readonly multiline: boolean;
  readonly blockPlainAllowed: boolean;
  readonly singleQuotedAllowed: boolean;
  readonly blockAllowed: boolean;
}

interface ScalarNode {
  readonly kind: 'scalar';
  readonly cps: readonly number[];
  readonly byteLength: number;
  readonly style: ScalarStyle;
  readonly analysis: ScalarAnalysis;
}

interface SequenceNode {
  readonly kind: 'sequence';
  readonly items: readonly YamlNode[];
}

interface MappingNode {
  readonly kind: 'mapping';
  readonly pairs: ReadonlyArray<readonly [ScalarNode, YamlNode]>;
}

type YamlNode = ScalarNode | SequenceNode | MappingNode;

/**
 * Marshal a JSON-shaped value exactly like Go's `sigs.k8s.io/yaml.Marshal` (v1.6.0) does for the
 * equivalent Go value: sorted keys, block style, 2-space indent, compact sequences, YAML 1.1
 * aware string quoting and folding of long scalars at column 80.
 *
 * Object keys whose value is `undefined` are omitted (as `omitempty` would never emit them).
 * Throws where Go returns an error: non-finite numbers (`json: unsupported value`) and strings
 * that yaml.v2 cannot read back from Go's JSON (control characters U+007F–U+009F other than
 * U+0085, U+FFFE/U+FFFF; keys longer than 1022 JSON characters or containing U+0085).
 *
 * @example
 * ```ts
 * marshalGoYaml({ kind: 'Gateway', spec: { listeners: [{ name: 'mesh', port: 15008 }] } });
 * // 'kind: Gateway\nspec:\n  listeners:\n  - name: mesh\n    port: 15008\n'
 * marshalGoYaml({ enabled: 'yes', version: '1.20', rev: 'canary' });
 * // 'enabled: "yes"\nrev: canary\nversion: "1.20"\n'
 * ```
 */
export function marshalGoYaml(value: GoYamlValue): string {
  const root = toNode(value);
  const emitter: Emitter = {
    out: [],
    column: 0,
    indent: -1,
    indents: [],
    whitespace: true,
    indention: true,
    mappingContext: false,
    simpleKeyContext: false,
  };
  emitNode(emitter, root, false, false);
  // yaml_emitter_emit_document_end (implicit end): just the closing line break.
  writeIndent(emitter);
  return emitter.out.join('');
}

// ---------------------------------------------------------------------------------------------
// Value -> node tree (json.Marshal + yaml.Unmarshal into interface{} + encoder.marshal)

function isSequenceValue(value: GoYamlValue | undefined): value is readonly GoYamlValue[] {
  return Array.isArray(value);
}

function toNode(value: GoYamlValue | undefined): YamlNode {
  if (value === null || value === undefined) {
    return scalarNode('null', 'plain'); // nilv
  }
  if (isSequenceValue(value)) {
    return { kind: 'sequence', items: value.map((item) => toNode(item)) };
  }
  switch (typeof value) {
    case 'boolean':
      return scalarNode(value ? 'true' : 'false', 'plain'); // boolv
    case 'number':
      return scalarNode(formatJsonNumber(value), 'plain'); // intv / uintv / floatv
    case 'string':
      return stringNode(jsonRoundTrip(value));
    case 'object':
      return mappingNode(value);
    default:
      throw new TypeError(`go-yaml: cannot marshal value of type ${typeof value}`);
  }
}

function mappingNode(value: { readonly [key: string]: GoYamlValue | undefined }): MappingNode {
  const entries = new Map<string, GoYamlValue>();
  for (const [rawKey, item] of Object.entries(value)) {
    if (item === undefined) {
      continue;
    }
    checkJsonKey(rawKey);
    entries.set(jsonRoundTrip(rawKey), item);
  }
  const keys = [...entries.keys()].sort(compareKeys);
  return {
    kind: 'mapping',
    pairs: keys.map((key) => [stringNode(key), toNode(entries.get(key))] as const),
  };
}

/** encode.go `stringv`: literal for multi-line text, plain when it resolves as !!str. */
function stringNode(value: string): ScalarNode {
  if (value.includes('\n')) {
    return scalarNode(value, 'literal');
  }
  return scalarNode(value, resolvesToStr(value) && !isBase60Float(value) ? 'plain' : 'double');
}

function scalarNode(value: string, style: ScalarStyle): ScalarNode {
  const cps = codePoints(value);
  return { kind: 'scalar', cps, byteLength: utf8Length(cps), style, analysis: analyzeScalar(cps) };
}

function codePoints(value: string): number[] {
  return Array.from(value, (ch) => ch.codePointAt(0) as number);
}

function utf8Length(cps: readonly number[]): number {
  let length = 0;
  for (const c of cps) {
    length += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
  }
  return length;
}

// ---------------------------------------------------------------------------------------------
// Numbers: encoding/json float64 text, then yaml.v2 resolve + intv/uintv/floatv

/**
 * Go's `encoding/json` prints a float64 exactly like `String(n)` (shortest round-trip digits,
 * exponent form below 1e-6 and from 1e21). yaml.v2 then resolves integers that fit int64 or
 * uint64 as such (printed verbatim) and everything else as float64 (`FormatFloat 'g'`).
 */
function formatJsonNumber(n: number): string {
  if (!Number.isFinite(n)) {
    throw new RangeError(`go-yaml: json: unsupported value: ${goFloatName(n)}`);
  }
  const text = String(n);
  if (Number.isInteger(n) && Math.abs(n) < 1e21) {
    const big = BigInt(text);
    if (big >= INT64_MIN && big <= UINT64_MAX) {
      return text;
    }
  }
  return formatGoFloat(n);
}

function goFloatName(n: number): string {
  if (Number.isNaN(n)) {
    return 'NaN';
  }
  return n > 0 ? '+Inf' : '-Inf';
}

/** `strconv.FormatFloat(n, 'g', -1, 64)`: %e when exp < -4 || exp >= 6 (shortest → eprec 6). */
function formatGoFloat(n: number): string {
  const [mantissa = '', exponent = '0'] = n.toExponential().split('e');
  const sign = mantissa.startsWith('-') ? '-' : '';
  const digits = mantissa.replace('-', '').replace('.', '');
  const exp = Number(exponent);
  if (exp < -4 || exp >= 6) {
    const fraction = digits.length > 1 ? `.${digits.slice(1)}` : '';
    const absExp = Math.abs(exp);
    return `${sign}${digits[0]}${fraction}e${exp < 0 ? '-' : '+'}${absExp < 10 ? '0' : ''}${absExp}`;
  }
  const pointPosition = exp + 1;
  if (pointPosition <= 0) {
    return `${sign}0.${'0'.repeat(-pointPosition)}${digits}`;
  }
  // Only non-integers get here (integers this small resolve as int), so digits > pointPosition.
  return `${sign}${digits.slice(0, pointPosition)}.${digits.slice(pointPosition)}`;
}

// ---------------------------------------------------------------------------------------------
// Strings: what survives json.Marshal + yaml.v2's scanner

function isRejectedByReader(c: number): boolean {
  // readerc.go yaml_parser_update_buffer allows #x9 #xA #xD [#x20-#x7E] #x85 [#xA0-#xD7FF]
  // [#xE000-#xFFFD] [#x10000-#x10FFFF]; encoding/json escapes everything below 0x20 itself.
  return c === 0x7f || (c >= 0x80 && c <= 0x9f && c !== NEL) || c === 0xfffe || c === 0xffff;
}

/**
 * The string yaml.v2 decodes from Go's JSON encoding of `raw`: invalid UTF-16 becomes U+FFFD,
 * disallowed control characters are an error, and raw NEL (U+0085, which encoding/json does not
 * escape) is a line break inside a double-quoted scalar, so it is folded
 * (yaml_parser_scan_flow_scalar).
 */
function jsonRoundTrip(raw: string): string {
  const value = raw.toWellFormed();
  for (const c of codePoints(value)) {
    if (isRejectedByReader(c)) {
      throw new Error(
        `go-yaml: error converting JSON to YAML: yaml: control characters are not allowed (U+${c.toString(16).toUpperCase().padStart(4, '0')})`,
      );
    }
  }
  return value.includes('\u0085') ? foldNextLines(value) : value;
}

/**
 * yaml_parser_scan_flow_scalar on Go's JSON text: the only raw blanks and breaks left in it are
 * spaces and NEL. A run of them that contains k NELs becomes one space (k = 1) or k - 1 line
 * feeds; a run without NEL is kept.
 */
function foldNextLines(value: string): string {
  return value.replace(/[ \u0085]*\u0085[ \u0085]*/g, (run: string, offset: number) => {
    if (run.endsWith('\u0085')) {
      checkDocumentIndicator(value.slice(offset + run.length));
    }
    const breaks = run.split('\u0085').length - 1;
    return breaks === 1 ? ' ' : '\n'.repeat(breaks - 1);
  });
}

/** A `---` or `...` at column 0 (right after a NEL) followed by a blank ends the scan in error. */
function checkDocumentIndicator(rest: string): void {
  if (/^(?:---|\.\.\.)[ \u0085]/.test(rest)) {
    throw new Error(
      'go-yaml: error converting JSON to YAML: yaml: found unexpected document indicator',
    );
  }
}

/**
 * JSON object keys are implicit flow keys for yaml.v2's scanner, which must stay on one line and
 * see the `:` at most 1024 characters after the opening quote (yaml_simple_key_is_valid);
 * otherwise the parser fails with "did not find expected ',' or '}'".
 */
function checkJsonKey(rawKey: string): void {
  const key = rawKey.toWellFormed();
  if (key.includes('\u0085') || goJsonEncodedLength(key) > MAX_JSON_KEY_CHARS) {
    throw new Error(
      "go-yaml: error converting JSON to YAML: yaml: did not find expected ',' or '}' (key too long or multi-line)",
    );
  }
}

const TWO_CHAR_JSON_ESCAPES: ReadonlySet<number> = new Set([
  0x22, 0x5c, 0x08, 0x09, 0x0a, 0x0c, 0x0d,
]);
const SIX_CHAR_JSON_ESCAPES: ReadonlySet<number> = new Set([0x26, 0x3c, 0x3e, 0x2028, 0x2029]);

/** Characters in Go's (>= 1.22) `encoding/json` encoding of a string, without the quotes. */
function goJsonEncodedLength(value: string): number {
  let length = 0;
  for (const c of codePoints(value)) {
    if (TWO_CHAR_JSON_ESCAPES.has(c)) {
      length += 2;
    } else if (c < 0x20 || SIX_CHAR_JSON_ESCAPES.has(c)) {
      length += 6; // \u00XX, the HTML-safe \u003c \u003e \u0026, \u2028 and \u2029
    } else {
      length += 1;
    }
  }
  return length;
}

// ---------------------------------------------------------------------------------------------
// resolve.go

const RESOLVE_MAP: ReadonlySet<string> = new Set([
  ...['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON'],
  ...['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF'],
  ...['', '~', 'null', 'Null', 'NULL'],
  ...['.nan', '.NaN', '.NAN', '.inf', '.Inf', '.INF'],
  ...['+.inf', '+.Inf', '+.INF', '-.inf', '-.Inf', '-.INF'],
  '<<',
]);

const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const BASE60_FLOAT = /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/;

/** resolveTable: the hint for a string's first byte ('' = no hint, so always !!str). */
function resolveHint(value: string): string {
  if (value === '') {
    return 'N';
  }
  const c = value.charAt(0);
  if (c === '+' || c === '-') {
    return 'S';
  }
  if (c >= '0' && c <= '9') {
    return 'D';
  }
  if ('yYnNtTfFoO~'.includes(c)) {
    return 'M';
  }
  return c === '.' ? '.' : '';
}

/** Whether yaml.v2 `resolve("", value)` yields `!!str`, i.e. a plain scalar would stay a string. */
function resolvesToStr(value: string): boolean {
  const hint = resolveHint(value);
  if (hint === '') {
    return true;
  }
  if (RESOLVE_MAP.has(value)) {
    return false;
  }
  if (hint === '.') {
    return !goParseFloatLeadingDot(value);
  }
  if (hint === 'D' || hint === 'S') {
    return !resolvesAsTimestampOrNumber(value);
  }
  return true;
}

function resolvesAsTimestampOrNumber(value: string): boolean {
  if (parseTimestamp(value)) {
    return true;
  }
  const plain = value.replaceAll('_', '');
  if (goParseInt(plain, 0) || goParseUint(plain, 0) !== undefined) {
    return true;
  }
  if (YAML_STYLE_FLOAT.test(plain) && Number.isFinite(Number(plain))) {
    return true;
  }
  if (plain.startsWith('0b')) {
    return goParseInt(plain.slice(2), 2) || goParseUint(plain.slice(2), 2) !== undefined;
  }
  if (plain.startsWith('-0b')) {
    return goParseInt(`-${plain.slice(3)}`, 2);
  }
  return false;
}

/** encode.go `isBase60Float`: YAML 1.1 sexagesimal floats such as `1:20` are quoted too. */
function isBase60Float(value: string): boolean {
  return BASE60_FLOAT.test(value);
}

// Go strconv, as far as resolve uses it ------------------------------------------------------

function lowerAscii(c: string): string {
  return c >= 'A' && c <= 'Z' ? c.toLowerCase() : c;
}

function digitValue(c: string): number {
  if (c >= '0' && c <= '9') {
    return c.charCodeAt(0) - 0x30;
  }
  const lower = lowerAscii(c);
  return lower >= 'a' && lower <= 'z' ? lower.charCodeAt(0) - 0x61 + 10 : -1;
}

/** ParseUint's base 0 handling: `0b`, `0o`, `0x` prefixes (with a digit after), else `0` octal. */
function splitBasePrefix(s: string): readonly [radix: number, digits: string] {
  if (s[0] !== '0') {
    return [10, s];
  }
  const prefix = lowerAscii(s.charAt(1));
  if (s.length >= 3 && (prefix === 'b' || prefix === 'o' || prefix === 'x')) {
    return [{ b: 2, o: 8, x: 16 }[prefix], s.slice(2)];
  }
  return [8, s.slice(1)];
}

/** `strconv.ParseUint(s, base, 64)` for base 0 or 2 (s never contains `_` here). */
function goParseUint(s: string, base: number): bigint | undefined {
  if (s === '') {
    return undefined;
  }
  const [radix, digits] = base === 0 ? splitBasePrefix(s) : [base, s];
  let n = 0n;
  for (const c of digits) {
    const d = digitValue(c);
    if (d < 0 || d >= radix) {
      return undefined;
    }
    n = n * BigInt(radix) + BigInt(d);
    if (n > UINT64_MAX) {
      return undefined;
    }
  }
  return n;
}

/** Whether `strconv.ParseInt(s, base, 64)` succeeds. */
function goParseInt(s: string, base: number): boolean {
  const negative = s.startsWith('-');
  const unsigned = goParseUint(negative || s.startsWith('+') ? s.slice(1) : s, base);
  if (unsigned === undefined) {
    return false;
  }
  return negative ? -unsigned >= INT64_MIN : unsigned <= INT64_MAX;
}

/** strconv `underscoreOK`: underscores only between digits (no base prefix can occur here). */
function underscoreOk(s: string): boolean {
  let saw = '^';
  const body = s.startsWith('-') || s.startsWith('+') ? s.slice(1) : s;
  for (const c of body) {
    if (c >= '0' && c <= '9') {
      saw = '0';
    } else if (c === '_') {
      if (saw !== '0') {
        return false;
      }
      saw = '_';
    } else {
      if (saw === '_') {
        return false;
      }
      saw = '!';
    }
  }
  return saw !== '_';
}

/** `strconv.ParseFloat(s, 64)` succeeds, for s starting with '.' (resolve's '.' hint). */
function goParseFloatLeadingDot(s: string): boolean {
  if (s.includes('_') && !underscoreOk(s)) {
    return false;
  }
  const plain = s.replaceAll('_', '');
  return /^\.[0-9]+(?:[eE][-+]?[0-9]+)?$/.test(plain) && Number.isFinite(Number(plain));
}

// Go time.Parse for resolve.go allowedTimestampFormats ------------------------------------------

interface Cursor {
  rest: string;
}

/** time.go `getnum(s, false)`: one or two digits. */
function getNum(cursor: Cursor): number | undefined {
  const match = /^[0-9]{1,2}/.exec(cursor.rest);
  if (match === null) {
    return undefined;
  }
  cursor.rest = cursor.rest.slice(match[0].length);
  return Number(match[0]);
}

function expect(cursor: Cursor, literal: string): boolean {
  if (!cursor.rest.startsWith(literal)) {
    return false;
  }
  cursor.rest = cursor.rest.slice(literal.length);
  return true;
}

function daysIn(month: number, year: number): number {
  if (month === 2) {
    return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  }
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/**
 * resolve.go `parseTimestamp`: four digits and '-', then one of the layouts
 * `2006-1-2T15:4:5.999999999Z07:00` (also with `t`), `2006-1-2 15:4:5.999999999`, `2006-1-2`.
 */
function parseTimestamp(value: string): boolean {
  if (!/^[0-9]{4}-/.test(value)) {
    return false;
  }
  const cursor: Cursor = { rest: value.slice(5) };
  const year = Number(value.slice(0, 4));
  const month = getNum(cursor);
  if (month === undefined || month < 1 || month > 12 || !expect(cursor, '-')) {
    return false;
  }
  const day = getNum(cursor);
  if (day === undefined || !parseTimeOfDay(cursor)) {
    return false;
  }
  return day >= 1 && day <= daysIn(month, year);
}

function parseTimeOfDay(cursor: Cursor): boolean {
  if (cursor.rest === '') {
    return true; // 2006-1-2
  }
  if (cursor.rest.startsWith(' ')) {
    cursor.rest = cursor.rest.replace(/^ +/, ''); // time.go `skip`: a layout space eats spaces
    return parseClock(cursor) && cursor.rest === '';
  }
  if (!expect(cursor, 'T') && !expect(cursor, 't')) {
    return false;
  }
  return parseClock(cursor) && parseZone(cursor) && cursor.rest === '';
}

/** `15:4:5.999999999`, where the fraction may be omitted and takes any number of digits. */
function parseClock(cursor: Cursor): boolean {
  const hour = getNum(cursor);
  if (hour === undefined || hour >= 24 || !expect(cursor, ':')) {
    return false;
  }
  const minute = getNum(cursor);
  if (minute === undefined || minute >= 60 || !expect(cursor, ':')) {
    return false;
  }
  const second = getNum(cursor);
  if (second === undefined || second >= 60) {
    return false;
  }
  cursor.rest = cursor.rest.replace(/^[.,][0-9]+/, '');
  return true;
}

/** `Z07:00`: `Z`, or a sign with two-digit hours and minutes (hours <= 24, minutes <= 60). */
function parseZone(cursor: Cursor): boolean {
  if (expect(cursor, 'Z')) {
    return true;
  }
  const match = /^[-+]([0-9]{2}):([0-9]{2})/.exec(cursor.rest);
  if (match === null || Number(match[1]) > 24 || Number(match[2]) > 60) {
    return false;
  }
  cursor.rest = cursor.rest.slice(6);
  return true;
}

// ---------------------------------------------------------------------------------------------
// sorter.go keyList.Less for string keys

const LETTER = /^\p{L}$/u;
const DIGIT = /^\p{Nd}$/u;

function isLetterRune(c: string | undefined): boolean {
  return c !== undefined && LETTER.test(c);
}

function isDigitRune(c: string | undefined): boolean {
  return c !== undefined && DIGIT.test(c);
}

function codePoint(c: string | undefined): number {
  return (c as string).codePointAt(0) as number;
}

/** Accumulate a run of digits like Go does (`int64` arithmetic, wrapping on overflow). */
function digitRun(runes: readonly string[], from: number, start: bigint): [bigint, number] {
  let n = start;
  let end = from;
  while (end < runes.length && isDigitRune(runes[end])) {
    n = BigInt.asIntN(64, n * 10n + BigInt(codePoint(runes[end]) - 0x30));
    end++;
  }
  return [n, end];
}

function hasNonZeroDigitBefore(runes: readonly string[], index: number): boolean {
  for (let j = index - 1; j >= 0 && isDigitRune(runes[j]); j--) {
    if (runes[j] !== '0') {
      return true;
    }
  }
  return false;
}

/** keyList.Less once the runes at index i differ: letters first, then numbers by value. */
function lessAtDifference(ar: readonly string[], br: readonly string[], i: number): boolean {
  const al = isLetterRune(ar[i]);
  const bl = isLetterRune(br[i]);
  if (al && bl) {
    return codePoint(ar[i]) < codePoint(br[i]);
  }
  if (al || bl) {
    return bl;
  }
  const start = (ar[i] === '0' || br[i] === '0') && hasNonZeroDigitBefore(ar, i) ? 1n : 0n;
  const [an, ai] = digitRun(ar, i, start);
  const [bn, bi] = digitRun(br, i, start);
  if (an !== bn) {
    return an < bn;
  }
  if (ai !== bi) {
    return ai < bi;
  }
  return codePoint(ar[i]) < codePoint(br[i]);
}

function keyLess(a: string, b: string): boolean {
  const ar = Array.from(a);
  const br = Array.from(b);
  for (let i = 0; i < ar.length && i < br.length; i++) {
    if (ar[i] !== br[i]) {
      return lessAtDifference(ar, br, i);
    }
  }
  return ar.length < br.length;
}

/** Map keys are distinct, and keyList.Less orders any two distinct strings one way or the other. */
function compareKeys(a: string, b: string): number {
  return keyLess(a, b) ? -1 : 1;
}

// ---------------------------------------------------------------------------------------------
// emitterc.go

/** yamlprivateh.go `is_printable` (per code point of the UTF-8 sequence it inspects). */
function isPrintable(c: number): boolean {
  return (
    c === 0x0a ||
    (c >= 0x20 && c <= 0x7e) ||
    (c >= 0xa0 && c <= 0xd7ff) ||
    (c >= 0xe000 && c <= 0xfffd && c !== BOM)
  );
}

function isBreak(c: number | undefined): boolean {
  return c === 0x0d || c === 0x0a || c === NEL || c === 0x2028 || c === 0x2029;
}

function isBlank(c: number | undefined): boolean {
  return c === SPACE || c === 0x09;
}

function isBlankz(c: number | undefined): boolean {
  return isBlank(c) || isBreak(c) || c === 0;
}

const FIRST_CHAR_INDICATORS = new Set('#,[]{}&*!|>\'"%@`');
const FLOW_INDICATORS = new Set(',?[]{}');

type IndicatorFlags = readonly [flow: boolean, block: boolean];

function firstCharIndicators(c: string, followedByWhitespace: boolean): IndicatorFlags {
  if (FIRST_CHAR_INDICATORS.has(c)) {
    return [true, true];
  }
  if (c === '?' || c === ':') {
    return [true, followedByWhitespace];
  }
  if (c === '-' && followedByWhitespace) {
    return [true, true];
  }
  return [false, false];
}

function innerCharIndicators(
  c: string,
  followedByWhitespace: boolean,
  precededByWhitespace: boolean,
): IndicatorFlags {
  if (FLOW_INDICATORS.has(c)) {
    return [true, false];
  }
  if (c === ':') {
    return [true, followedByWhitespace];
  }
  if (c === '#' && precededByWhitespace) {
    return [true, true];
  }
  return [false, false];
}

/** The indicator part of yaml_emitter_analyze_scalar. */
function scanIndicators(cps: readonly number[]): IndicatorFlags {
  const head = String.fromCodePoint(...cps.slice(0, 3));
  let flow = head === '---' || head === '...';
  let block = flow;
  let precededByWhitespace = true;
  for (let i = 0; i < cps.length; i++) {
    const c = cps[i] as number;
    const followedByWhitespace = i + 1 >= cps.length || isBlank(cps[i + 1]);
    const ch = String.fromCodePoint(c);
    const [f, b] =
      i === 0
        ? firstCharIndicators(ch, followedByWhitespace)
        : innerCharIndicators(ch, followedByWhitespace, precededByWhitespace);
    flow ||= f;
    block ||= b;
    precededByWhitespace = isBlankz(c);
  }
  return [flow, block];
}

interface WhitespaceFlags {
  leadingOrTrailing: boolean;
  trailingSpace: boolean;
  breakSpace: boolean;
  spaceBreak: boolean;
  lineBreaks: boolean;
  special: boolean;
}

/** The space / break / special-character part of yaml_emitter_analyze_scalar. */
function scanWhitespace(cps: readonly number[]): WhitespaceFlags {
  const flags: WhitespaceFlags = {
    leadingOrTrailing: false,
    trailingSpace: false,
    breakSpace: false,
    spaceBreak: false,
    lineBreaks: false,
    special: false,
  };
  let previousSpace = false;
  let previousBreak = false;
  cps.forEach((c, i) => {
    const edge = i === 0 || i === cps.length - 1;
    flags.special ||= !isPrintable(c);
    if (c === SPACE) {
      flags.leadingOrTrailing ||= edge;
      flags.trailingSpace ||= i === cps.length - 1;
      flags.breakSpace ||= previousBreak;
    } else if (isBreak(c)) {
      flags.lineBreaks = true;
      flags.leadingOrTrailing ||= edge;
      flags.spaceBreak ||= previousSpace;
    }
    previousSpace = c === SPACE;
    previousBreak = isBreak(c);
  });
  return flags;
}

/** yaml_emitter_analyze_scalar (block context only: flow_plain_allowed is never consulted). */
function analyzeScalar(cps: readonly number[]): ScalarAnalysis {
  if (cps.length === 0) {
    return {
      multiline: false,
      blockPlainAllowed: true,
      singleQuotedAllowed: true,
      blockAllowed: false,
    };
  }
  const [, blockIndicators] = scanIndicators(cps);
  const ws = scanWhitespace(cps);
  const noSpecial = !(ws.spaceBreak || ws.special);
  return {
    multiline: ws.lineBreaks,
    blockPlainAllowed:
      !ws.leadingOrTrailing && !ws.breakSpace && noSpecial && !ws.lineBreaks && !blockIndicators,
    singleQuotedAllowed: !ws.breakSpace && noSpecial,
    blockAllowed: !ws.trailingSpace && noSpecial,
  };
}

interface Emitter {
  readonly out: string[];
  column: number;
  indent: number;
  readonly indents: number[];
  whitespace: boolean;
  indention: boolean;
  mappingContext: boolean;
  simpleKeyContext: boolean;
}

function put(e: Emitter, ch: string): void {
  e.out.push(ch);
  e.column++;
}

function putBreak(e: Emitter): void {
  e.out.push('\n');
  e.column = 0;
}

function writeChar(e: Emitter, c: number): void {
  e.out.push(String.fromCodePoint(c));
  e.column++;
}

function writeBreak(e: Emitter, c: number): void {
  if (c === 0x0a) {
    putBreak(e);
  } else {
    writeChar(e, c);
    e.column = 0;
  }
}

function writeIndent(e: Emitter): void {
  const indent = Math.max(e.indent, 0);
  if (!e.indention || e.column > indent || (e.column === indent && !e.whitespace)) {
    putBreak(e);
  }
  while (e.column < indent) {
    put(e, ' ');
  }
  e.whitespace = true;
  e.indention = true;
}

function writeIndicator(
  e: Emitter,
  indicator: string,
  needWhitespace: boolean,
  isWhitespace: boolean,
  isIndention: boolean,
): void {
  if (needWhitespace && !e.whitespace) {
    put(e, ' ');
  }
  for (const ch of indicator) {
    put(e, ch);
  }
  e.whitespace = isWhitespace;
  e.indention = e.indention && isIndention;
}

function increaseIndent(e: Emitter, flow: boolean, indentless: boolean): void {
  e.indents.push(e.indent);
  if (e.indent < 0) {
    e.indent = flow ? BEST_INDENT : 0;
  } else if (!indentless) {
    e.indent += BEST_INDENT;
  }
}

function popIndent(e: Emitter): void {
  e.indent = e.indents.pop() as number;
}

/** yaml_emitter_emit_node (anchors, tags and aliases never occur). */
function emitNode(e: Emitter, node: YamlNode, mapping: boolean, simpleKey: boolean): void {
  e.mappingContext = mapping;
  e.simpleKeyContext = simpleKey;
  switch (node.kind) {
    case 'scalar':
      emitScalar(e, node);
      return;
    case 'sequence':
      emitSequence(e, node.items);
      return;
    case 'mapping':
      emitMapping(e, node.pairs);
      return;
  }
}

/**
 * Empty collections are the only flow collections (yaml_emitter_check_empty_sequence /
 * _mapping), so everything else, every scalar included, is emitted in block context.
 */
function emitEmptyFlowCollection(e: Emitter, open: string, close: string): void {
  writeIndicator(e, open, true, true, false);
  increaseIndent(e, true, false);
  popIndent(e);
  writeIndicator(e, close, false, false, false);
}

/** yaml_emitter_emit_block_sequence_item: `- ` items, not indented under a mapping key. */
function emitSequence(e: Emitter, items: readonly YamlNode[]): void {
  if (items.length === 0) {
    emitEmptyFlowCollection(e, '[', ']');
    return;
  }
  increaseIndent(e, false, e.mappingContext && !e.indention);
  for (const item of items) {
    writeIndent(e);
    writeIndicator(e, '-', true, false, true);
    emitNode(e, item, false, false);
  }
  popIndent(e);
}

/** yaml_emitter_check_simple_key for a scalar key. */
function isSimpleKey(key: ScalarNode): boolean {
  return !key.analysis.multiline && key.byteLength <= MAX_SIMPLE_KEY_BYTES;
}

/** yaml_emitter_emit_block_mapping_key / yaml_emitter_emit_block_mapping_value. */
function emitMapping(e: Emitter, pairs: ReadonlyArray<readonly [ScalarNode, YamlNode]>): void {
  if (pairs.length === 0) {
    emitEmptyFlowCollection(e, '{', '}');
    return;
  }
  increaseIndent(e, false, false);
  for (const [key, value] of pairs) {
    writeIndent(e);
    if (isSimpleKey(key)) {
      emitNode(e, key, true, true);
      writeIndicator(e, ':', false, false, false);
    } else {
      writeIndicator(e, '?', true, false, true);
      emitNode(e, key, true, false);
      writeIndent(e);
      writeIndicator(e, ':', true, false, true);
    }
    emitNode(e, value, true, false);
  }
  popIndent(e);
}

/** yaml_emitter_select_scalar_style (no tags, implicit scalars, flow_level 0). */
function selectScalarStyle(e: Emitter, node: ScalarNode): ScalarStyle {
  const { analysis } = node;
  let style = node.style;
  // `simple_key_context && multiline` cannot happen: multi-line keys are never simple keys.
  // Empty strings never ask for plain style (they resolve as null), numbers are never empty,
  // so the `len(value) == 0 && simple_key_context` fallback to single quotes cannot trigger.
  if (style === 'plain' && !analysis.blockPlainAllowed) {
    style = 'single';
  }
  if (style === 'single' && !analysis.singleQuotedAllowed) {
    style = 'double';
  }
  if (style === 'literal' && (!analysis.blockAllowed || e.simpleKeyContext)) {
    style = 'double';
  }
  return style;
}

/** yaml_emitter_emit_scalar + yaml_emitter_process_scalar. */
function emitScalar(e: Emitter, node: ScalarNode): void {
  const style = selectScalarStyle(e, node);
  const allowBreaks = !e.simpleKeyContext;
  increaseIndent(e, true, false);
  switch (style) {
    case 'plain':
      writePlainScalar(e, node.cps, allowBreaks);
      break;
    case 'single':
      writeSingleQuotedScalar(e, node.cps, allowBreaks);
      break;
    case 'double':
      writeDoubleQuotedScalar(e, node.cps, allowBreaks);
      break;
    case 'literal':
      writeLiteralScalar(e, node.cps);
      break;
  }
  popIndent(e);
}

/** yaml_emitter_write_plain_scalar (plain scalars never contain breaks or a trailing space). */
function writePlainScalar(e: Emitter, cps: readonly number[], allowBreaks: boolean): void {
  if (!e.whitespace) {
    put(e, ' ');
  }
  let spaces = false;
  cps.forEach((c, i) => {
    if (c === SPACE) {
      if (allowBreaks && !spaces && e.column > BEST_WIDTH && cps[i + 1] !== SPACE) {
        writeIndent(e);
      } else {
        writeChar(e, c);
      }
      spaces = true;
    } else {
      writeChar(e, c);
      e.indention = false;
      spaces = false;
    }
  });
  e.whitespace = false;
  e.indention = false;
}

/**
 * yaml_emitter_write_single_quoted_scalar. A break here is U+2028/U+2029 (printable breaks):
 * strings with `\n` ask for literal style, which never degrades to single quotes.
 */
function writeSingleQuotedScalar(e: Emitter, cps: readonly number[], allowBreaks: boolean): void {
  writeIndicator(e, "'", true, false, false);
  let spaces = false;
  let breaks = false;
  cps.forEach((c, i) => {
    if (c === SPACE) {
      const fold = allowBreaks && !spaces && e.column > BEST_WIDTH && i > 0;
      if (fold && i < cps.length - 1 && cps[i + 1] !== SPACE) {
        writeIndent(e);
      } else {
        writeChar(e, c);
      }
      spaces = true;
    } else if (isBreak(c)) {
      writeBreak(e, c);
      e.indention = true;
      breaks = true;
    } else {
      if (breaks) {
        writeIndent(e);
      }
      if (c === 0x27) {
        put(e, "'");
      }
      writeChar(e, c);
      e.indention = false;
      spaces = false;
      breaks = false;
    }
  });
  writeIndicator(e, "'", false, false, false);
  e.whitespace = false;
  e.indention = false;
}

const SHORT_ESCAPES: ReadonlyMap<number, string> = new Map([
  [0x00, '0'],
  [0x07, 'a'],
  [0x08, 'b'],
  [0x09, 't'],
  [0x0a, 'n'],
  [0x0b, 'v'],
  [0x0c, 'f'],
  [0x0d, 'r'],
  [0x1b, 'e'],
  [0x22, '"'],
  [0x5c, '\\'],
  [NEL, 'N'],
  [0xa0, '_'],
  [0x2028, 'L'],
  [0x2029, 'P'],
]);

function writeEscape(e: Emitter, c: number): void {
  put(e, '\\');
  const short = SHORT_ESCAPES.get(c);
  if (short !== undefined) {
    put(e, short);
    return;
  }
  const [prefix, width] = c <= 0xff ? ['x', 2] : c <= 0xffff ? ['u', 4] : ['U', 8];
  put(e, prefix);
  for (const digit of c.toString(16).toUpperCase().padStart(width, '0')) {
    put(e, digit);
  }
}

/**
 * yaml_emitter_write_double_quoted_scalar. Note `is_bom` looks at the start of the value, not
 * at the current character: a value starting with U+FEFF has every character escaped.
 */
function writeDoubleQuotedScalar(e: Emitter, cps: readonly number[], allowBreaks: boolean): void {
  writeIndicator(e, '"', true, false, false);
  const startsWithBom = cps[0] === BOM;
  let spaces = false;
  cps.forEach((c, i) => {
    if (startsWithBom || !isPrintable(c) || isBreak(c) || c === 0x22 || c === 0x5c) {
      writeEscape(e, c);
      spaces = false;
    } else if (c === SPACE) {
      if (allowBreaks && !spaces && e.column > BEST_WIDTH && i > 0 && i < cps.length - 1) {
        writeIndent(e);
        if (cps[i + 1] === SPACE) {
          put(e, '\\');
        }
      } else {
        writeChar(e, c);
      }
      spaces = true;
    } else {
      writeChar(e, c);
      spaces = false;
    }
  });
  writeIndicator(e, '"', false, false, false);
  e.whitespace = false;
  e.indention = false;
}

/** yaml_emitter_write_block_scalar_hints: indentation indicator and chomping (`-`, clip, `+`). */
function writeBlockScalarHints(e: Emitter, cps: readonly number[]): void {
  if (cps[0] === SPACE || isBreak(cps[0])) {
    writeIndicator(e, String(BEST_INDENT), false, false, false);
  }
  const last = cps.length - 1;
  let chomp = '';
  if (!isBreak(cps[last])) {
    chomp = '-';
  } else if (last === 0 || isBreak(cps[last - 1])) {
    chomp = '+';
  }
  if (chomp !== '') {
    writeIndicator(e, chomp, false, false, false);
  }
}

/** yaml_emitter_write_literal_scalar. */
function writeLiteralScalar(e: Emitter, cps: readonly number[]): void {
  writeIndicator(e, '|', true, false, false);
  writeBlockScalarHints(e, cps);
  putBreak(e);
  e.indention = true;
  e.whitespace = true;
  let breaks = true;
  for (const c of cps) {
    if (isBreak(c)) {
      writeBreak(e, c);
      e.indention = true;
      breaks = true;
    } else {
      if (breaks) {
        writeIndent(e);
      }
      writeChar(e, c);
      e.indention = false;
      breaks = false;
    }
  }
}
