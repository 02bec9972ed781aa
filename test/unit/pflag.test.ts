/**
 * Flags as spf13/pflag parses them (flag.go `parseArgs`, `parseLongArg`, `parseShortArg`,
 * `parseSingleShortArg`, `Set`), and Go's time.ParseDuration / Duration.String (time/format.go,
 * time/time.go). Rows follow pflag's code paths; `npm run test:oracles` checks random inputs
 * against the real Go packages.
 */
import { describe, expect, it } from 'vitest';
import { formatGoDuration, parseGoDuration } from '../../shared/commands/go-duration.ts';
import { type FlagSpec, parsePflags } from '../../shared/commands/pflag.ts';

const SPECS: readonly FlagSpec[] = [
  { name: 'namespace', shorthand: 'n', type: 'string' },
  { name: 'revision', shorthand: 'r', type: 'string' },
  { name: 'for', type: 'string' },
  { name: 'wait', shorthand: 'w', type: 'bool' },
  { name: 'all-namespaces', shorthand: 'A', type: 'bool' },
  { name: 'overwrite', type: 'bool' },
  { name: 'waypoint-timeout', type: 'duration' },
  { name: 'weight', type: 'int' },
  { name: 'label', shorthand: 'l', type: 'stringArray' },
];

function parse(args: string[]): object {
  const parsed = parsePflags(args, SPECS);
  return {
    values: Object.fromEntries(parsed.values),
    args: parsed.args,
    dash: parsed.argsLenAtDash,
    help: parsed.help,
  };
}

describe('pflag parseArgs', () => {
  it.each([
    ['--flag value', ['--namespace', 'x'], { namespace: 'x' }, []],
    ['--flag=value', ['--namespace=x=y'], { namespace: 'x=y' }, []],
    ['--flag= (empty value)', ['--namespace='], { namespace: '' }, []],
    ['-f value', ['-n', 'x'], { namespace: 'x' }, []],
    ['-fvalue', ['-nx'], { namespace: 'x' }, []],
    ['-f=value', ['-n=x'], { namespace: 'x' }, []],
    ['-f= keeps the = when nothing follows', ['-n='], { namespace: '=' }, []],
    ['a value may start with a dash (long)', ['--namespace', '-x'], { namespace: '-x' }, []],
    ['a value may start with a dash (short)', ['-r', '-5b'], { revision: '-5b' }, []],
    ['a value may be --', ['-n', '--'], { namespace: '--' }, []],
    ['bool alone is true', ['--wait'], { wait: true }, []],
    ['bool=false', ['--wait=false'], { wait: false }, []],
    ['bool never takes the next argument', ['--wait', 'false'], { wait: true }, ['false']],
    ['grouped bools', ['-wA'], { wait: true, 'all-namespaces': true }, []],
    [
      'a group ending in a value flag takes the next argument',
      ['-wn', 'x'],
      { wait: true, namespace: 'x' },
      [],
    ],
    [
      'a group with a value flag inside takes the rest',
      ['-wnA'],
      { wait: true, namespace: 'A' },
      [],
    ],
    ['the last value wins', ['-n', 'a', '--namespace', 'b'], { namespace: 'b' }, []],
    ['a string array collects', ['-l', 'a', '-lb', '--label=c'], { label: ['a', 'b', 'c'] }, []],
    ['positionals between flags', ['x', '-n', 'a', 'y'], { namespace: 'a' }, ['x', 'y']],
    ['- alone is positional', ['-'], {}, ['-']],
    ['empty string is positional', [''], {}, ['']],
    ['-- ends the flags', ['a', '--', '-n', 'b'], {}, ['a', '-n', 'b']],
    ['duration', ['--waypoint-timeout', '2m30s'], { 'waypoint-timeout': 150_000_000_000n }, []],
    ['int with a base prefix', ['--weight', '0x1F'], { weight: 31 }, []],
    ['int with a leading 0 is octal', ['--weight=017'], { weight: 15 }, []],
  ])('%s', (_name, args, values, positionals) => {
    expect(parse(args)).toMatchObject({ values, args: positionals });
  });

  it('records where -- was', () => {
    expect(parse(['a', '--', 'b'])).toMatchObject({ dash: 1 });
    expect(parse(['a'])).toMatchObject({ dash: -1 });
  });

  it('stops at an undeclared --help or -h (ErrHelp)', () => {
    expect(parse(['-n', 'a', '--help', '--bogus'])).toMatchObject({
      help: true,
      values: { namespace: 'a' },
    });
    expect(parse(['-wh', 'x'])).toMatchObject({ help: true, args: [] });
  });

  it.each([
    [['--bogus'], 'unknown flag: --bogus'],
    [['--bogus=1'], 'unknown flag: --bogus'],
    [['-x'], "unknown shorthand flag: 'x' in -x"],
    [['-wx'], "unknown shorthand flag: 'x' in -x"],
    [['-ñ'], "unknown shorthand flag: 'Ã' in -ñ"],
    [['---x'], 'bad flag syntax: ---x'],
    [['--=x'], 'bad flag syntax: --=x'],
    [['--namespace'], 'flag needs an argument: --namespace'],
    [['-n'], "flag needs an argument: 'n' in -n"],
    [['-wn'], "flag needs an argument: 'n' in -n"],
    [
      ['--wait=yes'],
      'invalid argument "yes" for "-w, --wait" flag: strconv.ParseBool: parsing "yes": invalid syntax',
    ],
    [
      ['--overwrite='],
      'invalid argument "" for "--overwrite" flag: strconv.ParseBool: parsing "": invalid syntax',
    ],
    [
      ['--waypoint-timeout', '5'],
      'invalid argument "5" for "--waypoint-timeout" flag: time: missing unit in duration "5"',
    ],
    [
      ['--weight', '1_'],
      'invalid argument "1_" for "--weight" flag: strconv.ParseInt: parsing "1_": invalid syntax',
    ],
    [
      ['--weight', '9223372036854775808'],
      'invalid argument "9223372036854775808" for "--weight" flag: strconv.ParseInt: parsing "9223372036854775808": value out of range',
    ],
  ])('refuses %j: %s', (args, message) => {
    expect(() => parsePflags(args, SPECS)).toThrow(message);
  });
});

describe('time.ParseDuration', () => {
  it.each([
    ['0', 0n],
    ['-0', 0n],
    ['+0', 0n],
    ['5s', 5_000_000_000n],
    ['30s', 30_000_000_000n],
    ['1478s', 1_478_000_000_000n],
    ['-5s', -5_000_000_000n],
    ['5.6s', 5_600_000_000n],
    ['5.s', 5_000_000_000n],
    ['.5s', 500_000_000n],
    ['1.0s', 1_000_000_000n],
    ['1.004s', 1_004_000_000n],
    ['100.00100s', 100_001_000_000n],
    ['10ns', 10n],
    ['11us', 11_000n],
    ['12µs', 12_000n],
    ['12μs', 12_000n],
    ['13ms', 13_000_000n],
    ['14s', 14_000_000_000n],
    ['15m', 900_000_000_000n],
    ['16h', 57_600_000_000_000n],
    ['3h30m', 12_600_000_000_000n],
    ['10.5s4m', 250_500_000_000n],
    ['-2m3.4s', -123_400_000_000n],
    ['1h2m3s4ms5us6ns', 3_723_004_005_006n],
    ['39h9m14.425s', 140_954_425_000_000n],
    ['52763797000ns', 52_763_797_000n],
    ['0.3333333333333333333h', 1_200_000_000_000n],
    ['9007199254740993ns', 9_007_199_254_740_993n],
    ['9223372036854775807ns', 9_223_372_036_854_775_807n],
    ['9223372036854775.807us', 9_223_372_036_854_775_807n],
    ['9223372036s854ms775us807ns', 9_223_372_036_854_775_807n],
    ['-9223372036854775808ns', -9_223_372_036_854_775_808n],
    ['0.100000000000000000000h', 360_000_000_000n],
    ['0.830103483285477580700h', 2_988_372_539_827n],
  ])('%s = %d ns (time/time_test.go parseDurationTests)', (text, ns) => {
    expect(parseGoDuration(text)).toBe(ns);
  });

  it.each([
    ['', 'time: invalid duration ""'],
    ['3', 'time: missing unit in duration "3"'],
    ['-', 'time: invalid duration "-"'],
    ['s', 'time: invalid duration "s"'],
    ['.', 'time: invalid duration "."'],
    ['-.', 'time: invalid duration "-."'],
    ['.s', 'time: invalid duration ".s"'],
    ['+.s', 'time: invalid duration "+.s"'],
    ['1d', 'time: unknown unit "d" in duration "1d"'],
    ['\x85\x85', 'time: invalid duration "\\xc2\\x85\\xc2\\x85"'],
    ['\xffff', 'time: invalid duration "\\xc3\\xbfff"'],
    ['hello \xffff world', 'time: invalid duration "hello \\xc3\\xbfff world"'],
    ['9223372036854775808ns', 'time: invalid duration "9223372036854775808ns"'],
    ['9223372036854775.808us', 'time: invalid duration "9223372036854775.808us"'],
    ['-9223372036854775809ns', 'time: invalid duration "-9223372036854775809ns"'],
    ['3000000h', 'time: invalid duration "3000000h"'],
  ])('refuses %j: %s', (text, message) => {
    expect(() => parseGoDuration(text)).toThrow(message);
  });
});

describe('Duration.String', () => {
  it.each([
    [0n, '0s'],
    [1n, '1ns'],
    [1_100n, '1.1µs'],
    [2_200_000n, '2.2ms'],
    [3_300_000_000n, '3.3s'],
    [240_000_000_000n, '4m0s'],
    [301_100_000_000n, '5m1.1s'],
    [23_401_000_000_000n, '6h30m1s'],
    [120_000_000_000n, '2m0s'],
    [-1n, '-1ns'],
    [-1_100n, '-1.1µs'],
    [-23_401_000_000_000n, '-6h30m1s'],
    [9_223_372_036_854_775_807n, '2562047h47m16.854775807s'],
    [-9_223_372_036_854_775_808n, '-2562047h47m16.854775808s'],
  ])('%d ns is %s (time/time_test.go durationTests)', (ns, text) => {
    expect(formatGoDuration(ns)).toBe(text);
  });
});
