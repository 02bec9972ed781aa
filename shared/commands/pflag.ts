/**
 * Command-line flags exactly as spf13/pflag (what istioctl's cobra commands use) parses them, so
 * every argument list means what it means to istioctl: `--flag value`, `--flag=value`, `-f value`,
 * `-fvalue`, `-f=value`, grouped booleans (`-wA`), `--` ending the flags, and a flag that takes a
 * value taking the next argument whatever it looks like (`-r -5b`, `--namespace -x`). Errors carry
 * pflag's own messages. Ported from spf13/pflag `flag.go` (`parseArgs`, `parseLongArg`,
 * `parseShortArg`, `parseSingleShortArg`, `Set`) and the `Set` of its bool, string, string array,
 * int and duration values.
 */
import { goQuote as quote } from '@waypointer/apimachinery/validation';
import { DurationError, parseGoDuration } from './go-duration.ts';

/** The value types the commands use; `bool` flags need no argument (`NoOptDefVal` "true"). */
export type FlagType = 'bool' | 'string' | 'stringArray' | 'int' | 'duration';

/** One flag of a command. */
export interface FlagSpec {
  readonly name: string;
  /** One ASCII character, used after a single dash. */
  readonly shorthand?: string;
  readonly type: FlagType;
}

/** A parsed value: `bool` → boolean, `string` → string, `stringArray` → string[], `int` → number, `duration` → nanoseconds. */
export type FlagValue = boolean | string | readonly string[] | number | bigint;

/** What a parse yields. */
export interface ParsedFlags {
  /** The flags given, by name (the last value wins, a string array collects them all). */
  readonly values: ReadonlyMap<string, FlagValue>;
  /** The positional arguments, in order (interspersed with flags, as cobra allows). */
  readonly args: readonly string[];
  /** How many positional arguments came before `--`; -1 without one. */
  readonly argsLenAtDash: number;
  /** `-h` or `--help` was given (pflag's `ErrHelp` when no flag of that name is defined). */
  readonly help: boolean;
}

/** An argument list pflag refuses; `message` is pflag's. */
export class FlagError extends Error {
  override name = 'FlagError';
}

/** strconv.ParseBool's accepted spellings. */
const BOOLS: ReadonlyMap<string, boolean> = new Map([
  ['1', true],
  ['t', true],
  ['T', true],
  ['TRUE', true],
  ['true', true],
  ['True', true],
  ['0', false],
  ['f', false],
  ['F', false],
  ['FALSE', false],
  ['false', false],
  ['False', false],
]);

/** strconv's `underscoreOK`: underscores only between digits or after a base prefix. */
function underscoreOK(text: string): boolean {
  let s = text.replace(/^[+-]/, '');
  let saw = '^';
  let hex = false;
  if (/^0[bBoOxX]/.test(s)) {
    saw = '0';
    hex = /^0[xX]/.test(s);
    s = s.slice(2);
  }
  for (const c of s) {
    if (/[0-9]/.test(c) || (hex && /[a-fA-F]/.test(c))) saw = '0';
    else if (c === '_') {
      if (saw !== '0') return false;
      saw = '_';
    } else {
      if (saw === '_') return false;
      saw = '!';
    }
  }
  return saw !== '_';
}

const DIGITS: Readonly<Record<number, RegExp>> = {
  2: /^[01]+$/,
  8: /^[0-7]+$/,
  10: /^[0-9]+$/,
  16: /^[0-9a-fA-F]+$/,
};

/** The base strconv reads from a prefix (base 0), and the prefix BigInt reads it with. */
function baseOf(body: string): { base: number; skip: number; bigintPrefix: string } {
  if (/^0[xX]/.test(body)) return { base: 16, skip: 2, bigintPrefix: '0x' };
  if (/^0[bB]/.test(body)) return { base: 2, skip: 2, bigintPrefix: '0b' };
  if (/^0[oO]/.test(body)) return { base: 8, skip: 2, bigintPrefix: '0o' };
  if (body.length > 1 && body.startsWith('0')) return { base: 8, skip: 1, bigintPrefix: '0o' };
  return { base: 10, skip: 0, bigintPrefix: '' };
}

/** `strconv.ParseInt(s, 0, 64)`: an optional sign, then 0x, 0b, 0o or 0 (octal) or decimal. */
function parseGoInt(value: string): number {
  const syntax = (): Error =>
    new Error(`strconv.ParseInt: parsing ${quote(value)}: invalid syntax`);
  const unsigned = value.replace(/^[+-]/, '');
  const { base, skip, bigintPrefix } = baseOf(unsigned);
  let body = unsigned.slice(skip);
  if (body.includes('_')) {
    if (!underscoreOK(value)) throw syntax();
    body = body.replaceAll('_', '');
  }
  if (!(DIGITS[base] as RegExp).test(body)) throw syntax();
  const magnitude = BigInt(`${bigintPrefix}${body}`);
  const signed = value.startsWith('-') ? -magnitude : magnitude;
  if (signed > 2n ** 63n - 1n || signed < -(2n ** 63n))
    throw new Error(`strconv.ParseInt: parsing ${quote(value)}: value out of range`);
  return Number(signed);
}

/** The `Value.Set` of each type: the parsed value, or the error pflag wraps. */
function convert(type: FlagType, value: string, previous: FlagValue | undefined): FlagValue {
  switch (type) {
    case 'bool': {
      const parsed = BOOLS.get(value);
      if (parsed === undefined)
        throw new Error(`strconv.ParseBool: parsing ${quote(value)}: invalid syntax`);
      return parsed;
    }
    case 'string':
      return value;
    case 'stringArray':
      return [...((previous as readonly string[] | undefined) ?? []), value];
    case 'int':
      return parseGoInt(value);
    case 'duration':
      try {
        return parseGoDuration(value);
      } catch (error) {
        if (error instanceof DurationError) throw new Error(error.message);
        throw error;
      }
  }
}

/**
 * Go's `%q` of the byte `shorthands[0]` (a byte, not a rune: a multi-byte letter shows as the
 * Latin-1 character of its first UTF-8 byte).
 */
function goByteQuote(shorthands: string): string {
  const byte = new TextEncoder().encode(shorthands)[0] ?? 0;
  if (byte === 0x27) return "'\\''";
  if (byte === 0x5c) return "'\\\\'";
  const printable = (byte >= 0x20 && byte < 0x7f) || (byte >= 0xa1 && byte !== 0xad);
  return printable
    ? `'${String.fromCharCode(byte)}'`
    : `'${quote(String.fromCharCode(byte)).slice(1, -1)}'`;
}

/** One parse, as pflag's FlagSet holds its state. */
class FlagSet {
  readonly #long: ReadonlyMap<string, FlagSpec>;
  readonly #short: ReadonlyMap<string, FlagSpec>;
  readonly values = new Map<string, FlagValue>();
  readonly args: string[] = [];
  argsLenAtDash = -1;
  help = false;

  constructor(specs: readonly FlagSpec[]) {
    this.#long = new Map(specs.map((spec) => [spec.name, spec]));
    this.#short = new Map(
      specs.flatMap((spec) =>
        spec.shorthand === undefined ? [] : [[spec.shorthand, spec] as const],
      ),
    );
  }

  /** `FlagSet.Set`: converts and stores, or fails with pflag's `invalid argument` message. */
  #set(spec: FlagSpec, value: string): void {
    try {
      this.values.set(spec.name, convert(spec.type, value, this.values.get(spec.name)));
    } catch (error) {
      const name =
        spec.shorthand === undefined ? `--${spec.name}` : `-${spec.shorthand}, --${spec.name}`;
      throw new FlagError(
        `invalid argument ${quote(value)} for ${quote(name)} flag: ${(error as Error).message}`,
      );
    }
  }

  /** `parseLongArg`: `--name`, `--name=value`, `--name value`. */
  parseLong(s: string, rest: string[]): string[] {
    const body = s.slice(2);
    if (body.length === 0 || body[0] === '-' || body[0] === '=')
      throw new FlagError(`bad flag syntax: ${s}`);
    const equals = body.indexOf('=');
    const name = equals < 0 ? body : body.slice(0, equals);
    const spec = this.#long.get(name);
    if (spec === undefined) {
      if (name === 'help') {
        this.help = true;
        return [];
      }
      throw new FlagError(`unknown flag: --${name}`);
    }
    if (equals >= 0) this.#set(spec, body.slice(equals + 1));
    else if (spec.type === 'bool') this.#set(spec, 'true');
    else if (rest.length > 0) {
      this.#set(spec, rest[0] as string);
      return rest.slice(1);
    } else throw new FlagError(`flag needs an argument: ${s}`);
    return rest;
  }

  /** `parseSingleShortArg`: the first letter of a group, and what remains of group and args. */
  #parseSingleShort(shorthands: string, args: string[]): { shorthands: string; args: string[] } {
    const c = shorthands[0] as string;
    const spec = this.#short.get(c);
    if (spec === undefined) {
      if (c === 'h') {
        this.help = true;
        return { shorthands: '', args: [] };
      }
      throw new FlagError(`unknown shorthand flag: ${goByteQuote(shorthands)} in -${shorthands}`);
    }
    if (shorthands.length > 2 && shorthands[1] === '=') {
      this.#set(spec, shorthands.slice(2));
      return { shorthands: '', args };
    }
    if (spec.type === 'bool') {
      this.#set(spec, 'true');
      return { shorthands: shorthands.slice(1), args };
    }
    if (shorthands.length > 1) {
      this.#set(spec, shorthands.slice(1));
      return { shorthands: '', args };
    }
    if (args.length > 0) {
      this.#set(spec, args[0] as string);
      return { shorthands: '', args: args.slice(1) };
    }
    throw new FlagError(`flag needs an argument: '${c}' in -${shorthands}`);
  }

  /**
   * `parseShortArg`. pflag hands every letter of a group the arguments as they were before the
   * group, and keeps what the last letter left: so only the last letter can take the next argument.
   */
  parseShort(s: string, args: string[]): string[] {
    let shorthands = s.slice(1);
    let remaining = args;
    while (shorthands.length > 0) {
      ({ shorthands, args: remaining } = this.#parseSingleShort(shorthands, args));
    }
    return remaining;
  }

  /** `parseArgs`, interspersed: positional arguments may come between flags; ErrHelp stops it. */
  parse(input: readonly string[]): void {
    let args = [...input];
    while (args.length > 0 && !this.help) {
      const s = args[0] as string;
      args = args.slice(1);
      if (s.length < 2 || s[0] !== '-') {
        this.args.push(s);
        continue;
      }
      if (s[1] === '-') {
        if (s.length === 2) {
          this.argsLenAtDash = this.args.length;
          this.args.push(...args);
          return;
        }
        args = this.parseLong(s, args);
      } else {
        args = this.parseShort(s, args);
      }
    }
  }
}

/**
 * Parses `args` against `specs` as pflag does (interspersed, as cobra sets it). An undeclared
 * `-h`/`--help` is pflag's `ErrHelp`: parsing stops there and `help` is true. Cobra declares `help`
 * itself; a grammar that does the same gets it as a bool flag and the parse goes on.
 *
 * @example
 * ```ts
 * const specs = [{ name: 'revision', shorthand: 'r', type: 'string' }] as const;
 * parsePflags(['-r', '-5b', 'extra'], specs);
 * // { values: Map { 'revision' => '-5b' }, args: ['extra'], argsLenAtDash: -1, help: false }
 * ```
 * @throws FlagError with pflag's message (`unknown flag: --x`, `flag needs an argument: 'n' in -n`, ...)
 */
export function parsePflags(args: readonly string[], specs: readonly FlagSpec[]): ParsedFlags {
  const set = new FlagSet(specs);
  set.parse(args);
  return { values: set.values, args: set.args, argsLenAtDash: set.argsLenAtDash, help: set.help };
}
