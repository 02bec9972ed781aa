/**
 * Differential test: random argument lists and durations, parsed by the TypeScript ports and by
 * the real spf13/pflag and Go time package (Debian's golang-go and golang-github-spf13-pflag-dev,
 * built from test/oracles/go/pflag). Runs with `npm run test:oracles`, never in `npm test`.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatGoDuration, parseGoDuration } from '../../shared/commands/go-duration.ts';
import { type FlagSpec, parsePflags } from '../../shared/commands/pflag.ts';
import { requireTool } from './tools.ts';

const program = fileURLToPath(new URL('go/pflag', import.meta.url));

interface GoResult {
  values?: Record<string, unknown>;
  args?: string[];
  dash: number;
  help: boolean;
  error?: string;
  nanos?: string;
  text?: string;
}

function oracle(cases: readonly object[]): GoResult[] {
  requireTool('go', 'apt-get install golang-go golang-github-spf13-pflag-dev');
  return JSON.parse(
    execFileSync('go', ['run', '.'], {
      cwd: program,
      input: JSON.stringify(cases),
      env: {
        ...process.env,
        GO111MODULE: 'off',
        GOPATH: '/usr/share/gocode',
        GOCACHE: process.env.GOCACHE ?? '/tmp/waypointer-gocache',
      },
      maxBuffer: 256 * 1024 * 1024,
    }).toString('utf8'),
  ) as GoResult[];
}

const SPECS: readonly FlagSpec[] = [
  { name: 'namespace', shorthand: 'n', type: 'string' },
  { name: 'revision', shorthand: 'r', type: 'string' },
  { name: 'name', type: 'string' },
  { name: 'for', type: 'string' },
  { name: 'wait', shorthand: 'w', type: 'bool' },
  { name: 'all-namespaces', shorthand: 'A', type: 'bool' },
  { name: 'overwrite', type: 'bool' },
  { name: 'waypoint-timeout', type: 'duration' },
  { name: 'weight', type: 'int' },
  { name: 'label', shorthand: 'l', type: 'stringArray' },
];

const TOKENS = [
  '-n',
  '-r',
  '-w',
  '-A',
  '-l',
  '-h',
  '-x',
  '-wA',
  '-wn',
  '-nw',
  '-Aw',
  '-n=',
  '-r=-5b',
  '-rx',
  '--namespace',
  '--namespace=',
  '--namespace=a=b',
  '--revision',
  '--name',
  '--for',
  '--wait',
  '--wait=false',
  '--wait=1',
  '--wait=yes',
  '--all-namespaces',
  '--overwrite=T',
  '--help',
  '--waypoint-timeout',
  '--waypoint-timeout=5',
  '--waypoint-timeout=1m',
  '--weight',
  '--weight=0x10',
  '--weight=08',
  '--label',
  '--bogus',
  '---x',
  '--=x',
  '--',
  '-',
  '',
  'a',
  'b',
  '-5b',
  '-x',
  '1.5h',
  '2m30s',
  '0',
  '10',
  '-1',
  '1_000',
  'true',
  'ñ',
  '-ñ',
];

const argLists = fc.array(fc.oneof(fc.constantFrom(...TOKENS), fc.string({ maxLength: 6 })), {
  maxLength: 8,
});

function ours(args: string[]): GoResult {
  try {
    const parsed = parsePflags(args, SPECS);
    const values = Object.fromEntries(
      [...parsed.values].map(([k, v]) => [k, typeof v === 'bigint' ? v.toString() : v]),
    );
    return { values, args: [...parsed.args], dash: parsed.argsLenAtDash, help: parsed.help };
  } catch (error) {
    return { error: (error as Error).message, dash: 0, help: false };
  }
}

/** The Go side omits empty fields; an error carries nothing else. */
function normal(result: GoResult): object {
  if (result.error !== undefined) return { error: result.error };
  const values = result.values ?? {};
  return {
    values: Object.fromEntries(
      Object.keys(values)
        .sort()
        .map((key) => [key, values[key]]),
    ),
    args: result.args ?? [],
    dash: result.dash,
    help: result.help,
  };
}

describe('pflag, against spf13/pflag', () => {
  it('parses 3,000 random argument lists as pflag does', () => {
    const lists = fc.sample(argLists, { numRuns: 3000, seed: 20261203 });
    const theirs = oracle(lists.map((args) => ({ specs: SPECS, args })));
    const mismatches = lists
      .map((args, i) => ({ args, ours: normal(ours(args)), theirs: normal(theirs[i] as GoResult) }))
      .filter((row) => JSON.stringify(row.ours) !== JSON.stringify(row.theirs));
    expect(mismatches.slice(0, 5)).toEqual([]);
  });
});

describe('time.ParseDuration and Duration.String, against Go', () => {
  const durationText = fc.oneof(
    fc.stringMatching(/^[+-]?(\d{0,20}(\.\d{0,22})?(ns|us|µs|μs|ms|s|m|h|d|)){1,4}$/),
    fc.string({ maxLength: 8 }),
  );

  it('parses 3,000 random durations as Go does', () => {
    const texts = fc.sample(durationText, { numRuns: 3000, seed: 20261203 });
    const theirs = oracle(texts.map((text) => ({ kind: 'duration', text })));
    const mismatches = texts
      .map((text, i) => {
        let mine: object;
        try {
          mine = { nanos: parseGoDuration(text).toString() };
        } catch (error) {
          mine = { error: (error as Error).message };
        }
        const go = theirs[i] as GoResult;
        return {
          text,
          mine,
          go: go.error === undefined ? { nanos: go.nanos } : { error: go.error },
        };
      })
      .filter((row) => JSON.stringify(row.mine) !== JSON.stringify(row.go));
    expect(mismatches.slice(0, 5)).toEqual([]);
  });

  it('prints 3,000 random durations as Go does', () => {
    const values = fc.sample(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), {
      numRuns: 3000,
      seed: 20261203,
    });
    const theirs = oracle(values.map((n) => ({ kind: 'format', nanos: n.toString() })));
    const mismatches = values
      .map((n, i) => ({ n: n.toString(), mine: formatGoDuration(n), go: theirs[i]?.text }))
      .filter((row) => row.mine !== row.go);
    expect(mismatches.slice(0, 5)).toEqual([]);
  });
});
