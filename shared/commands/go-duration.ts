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
  let i = 0;
  let negative = false;
  if (s[0] === 0x2d || s[0] === 0x2b) {
    negative = s[0] === 0x2d;
    i = 1;
  }
  if (s.length - i === 1 && s[i] === 0x30) return 0n;
  if (i === s.length) throw invalid();
  let total = 0n;
  while (i < s.length) {
    if (!(s[i] === 0x2e || isDigit(s[i]))) throw invalid();
    const whole = leadingInt(s, i);
    if (whole === null) throw invalid();
    const pre = whole.next !== i;
    i = whole.next;
    let fraction = { value: 0n, scale: 1, next: i };
    let post = false;
    if (s[i] === 0x2e) {
      fraction = leadingFraction(s, i + 1);
      post = fraction.next !== i + 1;
      i = fraction.next;
    }
    if (!pre && !post) throw invalid();
    let end = i;
    while (end < s.length && !(s[end] === 0x2e || isDigit(s[end]))) end++;
    if (end === i) throw new DurationError(`time: missing unit in duration ${timeQuote(text)}`);
    const name = decoder.decode(s.subarray(i, end));
    i = end;
    const unit = UNITS.get(name);
    if (unit === undefined)
      throw new DurationError(
        `time: unknown unit ${timeQuote(name)} in duration ${timeQuote(text)}`,
      );
    if (whole.value > LIMIT / unit) throw invalid();
    let value = whole.value * unit;
    if (fraction.value > 0n) {
      // Go adds uint64(float64(f) * (float64(unit) / scale)): float64 arithmetic, truncated.
      value += BigInt(Math.trunc(Number(fraction.value) * (Number(unit) / fraction.scale)));
      if (value > LIMIT) throw invalid();
    }
    total += value;
    if (total > LIMIT) throw invalid();
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
  const negative = d < 0n;
  let u = negative ? -d : d;
  let out: string;
  if (u < SECOND) {
    let precision = 0;
    let unit: string;
    if (u < MICROSECOND) return `${negative ? '-' : ''}${u}ns`;
    if (u < MILLISECOND) {
      precision = 3;
      unit = 'µs';
    } else {
      precision = 6;
      unit = 'ms';
    }
    const f = fraction(u, precision);
    out = `${f.rest}${f.text}${unit}`;
  } else {
    const f = fraction(u, 9);
    u = f.rest;
    out = `${u % 60n}${f.text}s`;
    u /= 60n;
    if (u > 0n) {
      out = `${u % 60n}m${out}`;
      u /= 60n;
      if (u > 0n) out = `${u}h${out}`;
    }
  }
  return negative ? `-${out}` : out;
}
