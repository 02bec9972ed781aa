/**
 * Go's `time.Duration` as istioctl's flags read and print it (`--waypoint-timeout 2m30s`):
 * `time.ParseDuration` and `Duration.String`, ported from Go's `src/time/format.go` and
 * `src/time/time.go` with the same results and error messages. Durations are whole nanoseconds,
 * held as a bigint so that every int64 duration is exact.
 */

const NANOSECOND = 1n;
const MICROSECOND = 1000n * NANOSECOND;
const MILLISECOND = 1000n * MICROSECOND;
const SECOND = 1000n * MILLISECOND;
const MINUTE = 60n * SECOND;
const HOUR = 60n * MINUTE;

/** `unitMap`: the units ParseDuration knows, micro in its three spellings. */
const UNITS: ReadonlyMap<string, bigint> = new Map([
  ['ns', NANOSECOND],
  ['us', MICROSECOND],
  ['µs', MICROSECOND], // U+00B5 micro sign
  ['μs', MICROSECOND], // U+03BC Greek small letter mu
  ['ms', MILLISECOND],
  ['s', SECOND],
  ['m', MINUTE],
  ['h', HOUR],
]);

const MAX_INT64 = (1n << 63n) - 1n;
const LIMIT = 1n << 63n;

/** A duration `time.ParseDuration` refuses; `message` is Go's. */
export class DurationError extends Error {
  override name = 'DurationError';
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * time's own `quote`: printable ASCII as is with `"` and `\` escaped, every byte of anything else
 * as `\xNN` (not strconv.Quote's rules).
 */
export function timeQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp >= 0x80 || cp < 0x20) {
      for (const byte of encoder.encode(ch)) out += `\\x${byte.toString(16).padStart(2, '0')}`;
    } else {
      if (ch === '"' || ch === '\\') out += '\\';
      out += ch;
    }
  }
  return `${out}"`;
}

function isDigit(byte: number | undefined): boolean {
  return byte !== undefined && byte >= 0x30 && byte <= 0x39;
}

/** `leadingInt`: the digits at the start; null on overflow past 1<<63. */
function leadingInt(s: Uint8Array, at: number): { value: bigint; next: number } | null {
  let value = 0n;
  let i = at;
  for (; i < s.length && isDigit(s[i]); i++) {
    if (value > LIMIT / 10n) return null;
    value = value * 10n + BigInt((s[i] as number) - 0x30);
    if (value > LIMIT) return null;
  }
  return { value, next: i };
}

/** `leadingFraction`: the digits after a point, as value/scale, ignoring those past precision. */
function leadingFraction(
  s: Uint8Array,
  at: number,
): { value: bigint; scale: number; next: number } {
  let value = 0n;
  let scale = 1;
  let overflow = false;
  let i = at;
  for (; i < s.length && isDigit(s[i]); i++) {
    if (overflow) continue;
    if (value > MAX_INT64 / 10n) {
      overflow = true;
      continue;
    }
    const y = value * 10n + BigInt((s[i] as number) - 0x30);
    if (y > LIMIT) {
      overflow = true;
      continue;
    }
    value = y;
    scale *= 10;
  }
  return { value, scale, next: i };
}

/** The unit that starts at `at`: what it multiplies by, and where it ends. */
function unitAt(s: Uint8Array, at: number, text: string): { unit: bigint; end: number } {
  let end = at;
  while (end < s.length && !(s[end] === 0x2e || isDigit(s[end]))) end++;
  if (end === at) throw new DurationError(`time: missing unit in duration ${timeQuote(text)}`);
  const name = decoder.decode(s.subarray(at, end));
  const unit = UNITS.get(name);
  if (unit === undefined)
    throw new DurationError(`time: unknown unit ${timeQuote(name)} in duration ${timeQuote(text)}`);
  return { unit, end };
}

/** One `[0-9]*(\.[0-9]*)?unit` of a duration: its nanoseconds and where the next one starts. */
function component(s: Uint8Array, at: number, text: string): { value: bigint; next: number } {
  const invalid = (): DurationError =>
    new DurationError(`time: invalid duration ${timeQuote(text)}`);
  if (!(s[at] === 0x2e || isDigit(s[at]))) throw invalid();
  const whole = leadingInt(s, at);
  if (whole === null) throw invalid();
  let i = whole.next;
  let fraction = { value: 0n, scale: 1, next: i };
  if (s[i] === 0x2e) {
    fraction = leadingFraction(s, i + 1);
    if (whole.next === at && fraction.next === i + 1) throw invalid(); // no digits: ".s"
    i = fraction.next;
  } else if (whole.next === at) throw invalid();
  const { unit, end } = unitAt(s, i, text);
  if (whole.value > LIMIT / unit) throw invalid();
  let value = whole.value * unit;
  if (fraction.value > 0n) {
    // Go adds uint64(float64(f) * (float64(unit) / scale)): float64 arithmetic, truncated.
    value += BigInt(Math.trunc(Number(fraction.value) * (Number(unit) / fraction.scale)));
    if (value > LIMIT) throw invalid();
  }
  return { value, next: end };
}

/**
 * `time.ParseDuration`: a signed sequence of decimal numbers, each with an optional fraction and
 * a unit (`300ms`, `-1.5h`, `2h45m`); `0` needs no unit.
 *
 * @example
 * ```ts
 * parseGoDuration('2m30s'); // 150_000_000_000n
 * parseGoDuration('5');     // throws DurationError('time: missing unit in duration "5"')
 * ```
 * @returns the duration in nanoseconds
 */
export function parseGoDuration(text: string): bigint {
  const invalid = (): DurationError =>
    new DurationError(`time: invalid duration ${timeQuote(text)}`);
  const s = encoder.encode(text);
  const negative = s[0] === 0x2d;
  let i = negative || s[0] === 0x2b ? 1 : 0;
  if (s.length - i === 1 && s[i] === 0x30) return 0n;
  if (i === s.length) throw invalid();
  let total = 0n;
  while (i < s.length) {
    const { value, next } = component(s, i, text);
    total += value;
    if (total > LIMIT) throw invalid();
    i = next;
  }
  if (negative) return -total;
  if (total > MAX_INT64) throw invalid();
  return total;
}

/** `fmtFrac`: the fraction digits of `v` at `precision`, without trailing zeros. */
function fraction(v: bigint, precision: number): { text: string; rest: bigint } {
  let digits = '';
  let printed = false;
  let rest = v;
  for (let i = 0; i < precision; i++) {
    const digit = rest % 10n;
    printed = printed || digit !== 0n;
    if (printed) digits = `${digit}${digits}`;
    rest /= 10n;
  }
  return { text: printed ? `.${digits}` : '', rest };
}

/** Below a second: `1ns`, `1.1µs`, `2.2ms`. */
function formatSubsecond(u: bigint): string {
  if (u < MICROSECOND) return `${u}ns`;
  const [precision, unit] = u < MILLISECOND ? [3, 'µs'] : [6, 'ms'];
  const f = fraction(u, precision);
  return `${f.rest}${f.text}${unit}`;
}

/**
 * `Duration.String`: `72h3m0.5s`, `1.5s`, `300ms`, `0s`; smaller than a second in ns, µs or ms.
 *
 * @example
 * ```ts
 * formatGoDuration(150_000_000_000n); // '2m30s'
 * ```
 */
export function formatGoDuration(d: bigint): string {
  if (d === 0n) return '0s';
  const sign = d < 0n ? '-' : '';
  let u = d < 0n ? -d : d;
  if (u < SECOND) return `${sign}${formatSubsecond(u)}`;
  const f = fraction(u, 9);
  u = f.rest;
  let out = `${u % 60n}${f.text}s`;
  u /= 60n;
  if (u > 0n) {
    out = `${u % 60n}m${out}`;
    u /= 60n;
    if (u > 0n) out = `${u}h${out}`;
  }
  return `${sign}${out}`;
}
