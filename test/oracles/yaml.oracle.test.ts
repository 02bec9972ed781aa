/**
 * Differential test: random JSON-shaped values marshalled by the TypeScript port of
 * sigs.k8s.io/yaml (shared/domain/go-yaml.ts, what `waypointer generate` prints) and by the real
 * library (Debian's golang-go and golang-k8s-sigs-yaml-dev, built from test/oracles/go/yaml).
 * Runs with `npm run test:oracles`, never in `npm test`.
 *
 * Debian packages sigs.k8s.io/yaml 1.3.0 on gopkg.in/yaml.v2 2.4.0; the port follows 1.6.0 on
 * go.yaml.in/yaml/v2, the same yaml.v2 2.4 code under a new import path, and `Marshal` is
 * `json.Marshal` + `JSONToYAML` in both. Two differences come from Debian's Go 1.19 itself, not
 * from the libraries, and are kept out of the comparison:
 * - `encoding/json` escapes U+0008 and U+000C in a key as `\u0008`/`\u000c` where Go >= 1.22
 *   (which the port follows) writes `\b`/`\f`, which moves yaml.v2's 1022-character key limit
 *   for such keys. The generated keys stay far below the limit when they may hold those two
 *   characters; the limit itself is checked with keys without them.
 * - yaml.v2 orders map keys with `unicode.IsLetter` / `IsDigit`, whose tables are Unicode 13.0 in
 *   Go 1.19 (15.0 in the Go istioctl is built with; `\p{L}` / `\p{Nd}` here follow Node's ICU).
 *   The oracle reports how its tables class every key code point, and inputs with a key code
 *   point the two sides class differently (e.g. U+0870-U+0887, letters new in Unicode 14) are
 *   left out and counted, never compared.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../shared/commands/cli.ts';
import { generateWaypoint, waypointManifest } from '../../shared/domain/generate.ts';
import { type GoYamlValue, marshalGoYaml } from '../../shared/domain/go-yaml.ts';
import { goOracleEnv, requireGoSources } from './tools.ts';

const program = fileURLToPath(new URL('go/yaml', import.meta.url));

interface GoResult {
  yaml?: string;
  error?: string;
}

interface GoAnswer {
  results: GoResult[];
  unicode: string;
  letters: boolean[] | null;
  digits: boolean[] | null;
}

function oracle(values: readonly unknown[], runes: readonly number[]): GoAnswer {
  requireGoSources('sigs.k8s.io/yaml', 'golang-k8s-sigs-yaml-dev');
  return JSON.parse(
    execFileSync('go', ['run', '.'], {
      cwd: program,
      input: JSON.stringify({ values, runes }),
      env: goOracleEnv(),
      maxBuffer: 256 * 1024 * 1024,
    }).toString('utf8'),
  ) as GoAnswer;
}

/** Strings yaml.v2 resolves, quotes, folds or escapes specially. */
const TRICKY = [
  ...['yes', 'no', 'Yes', 'NO', 'on', 'Off', 'y', 'N', 'true', 'False', 'TRUE'],
  ...['null', 'Null', '~', '', ' ', '  ', '<<', '=', '.nan', '.Inf', '-.inf', '+.INF'],
  ...['0', '-0', '1', '01', '0x1F', '0o17', '0b101', '+12', '1_000', '1e3', '1.20', '.5', '5.'],
  ...['-1.5e-7', '9223372036854775808', '18446744073709551616', '1:20', '190:20:30.15'],
  ...['2001-12-14', '2001-12-14t21:59:43.10-05:00', '2002-12-14 21:59:43.10 Z', '2001-12-1'],
  ...[': a', 'a: b', 'a:b', 'a :', '# c', 'a #c', 'a#c', '- a', '-a', '-', '--- a', '---', '...'],
  ...['? x', '?x', '[a]', '{a}', 'a,b', '&x', '*x', '!t', '|', '>', "'q'", '"q"', '%x', '@x', '`x'],
  ...[' lead', 'trail ', 'a\nb', 'a\n', '\n', '\n\na', 'a \nb', 'a\n b', 'a\n\n', '\t', 'a\tb'],
  ...['\r', 'a\rb', '\u0085', 'a\u0085b', 'a \u0085 \u0085b', '\u2028', 'a\u2029b', '\ufeffx'],
  ...['\u00a0', 'é', 'ñ: x', '日本語', '😀', '\ud800', 'a\udc00b', '\u007f', '\u0080', '\u009f'],
  ...['\ufffe', '\uffff', '\u0000', '\u001b', '\b\f', '<&>', 'a\\b', "it's", 'say "hi"'],
  ...['istio.io/waypoint-for', 'service', 'hbone', 'mesh', 'canary', 'gateway.networking.k8s.io'],
];

const trickyString = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...TRICKY) },
  { weight: 2, arbitrary: fc.string({ maxLength: 12 }) },
  {
    weight: 2,
    arbitrary: fc
      .array(fc.constantFrom(...TRICKY, 'a', 'word', 'x y', ' ', '\n', ':', '#', '-', "'"), {
        maxLength: 6,
      })
      .map((parts) => parts.join('')),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 8 }) },
  {
    // Long text: folding at column 80 in plain, single- and double-quoted and literal scalars.
    weight: 2,
    arbitrary: fc
      .array(fc.constantFrom('lorem', 'ipsum', ' ', '  ', 'yes', '#', ': ', '\n', "'", '"', 'é'), {
        minLength: 20,
        maxLength: 80,
      })
      .map((parts) => parts.join('')),
  },
);

const number = fc.oneof(
  fc.integer(),
  fc.constantFrom(0, 1, -1, 2 ** 53, -(2 ** 63), 2 ** 63, 2 ** 64, 2 ** 64 + 4096, 1e21, 1e20),
  fc.constantFrom(0.1, 1e-6, 1e-7, 123456.7, 1234567.8, 5e-324, 1.7976931348623157e308, -2.5),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

const scalar = fc.oneof(trickyString, number, fc.boolean(), fc.constant(null));

const key = fc.oneof(trickyString, fc.constantFrom('apiVersion', 'kind', 'metadata', 'spec'));

/** Nested maps and lists (lists of maps, maps of empty lists and maps, ...). */
const { value } = fc.letrec<{ value: GoYamlValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(key, tie('value'), { maxKeys: 5 }),
  ),
}));

const object = fc.dictionary(key, value, { minKeys: 0, maxKeys: 6 });

/** Keys around yaml.v2's 1022-character limit for an implicit JSON key (no U+0008 / U+000C). */
const longKeyObject = fc
  .record({
    length: fc.integer({ min: 1010, max: 1030 }),
    fill: fc.constantFrom('a', 'é', '"', '<', '\n', '\u2028', ' '),
    value: scalar,
  })
  .map(({ length, fill, value: item }): GoYamlValue => ({ [fill.repeat(length)]: item }));

function ours(input: GoYamlValue): GoResult {
  try {
    return { yaml: marshalGoYaml(input) };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

function keysOf(input: GoYamlValue | undefined, into: Set<string>): Set<string> {
  if (Array.isArray(input)) {
    for (const item of input) keysOf(item, into);
  } else if (input !== null && typeof input === 'object') {
    for (const [k, item] of Object.entries(input)) {
      into.add(k.toWellFormed());
      keysOf(item, into);
    }
  }
  return into;
}

/**
 * Code points in keys that the two sides' Unicode tables class differently (`\p{L}` / `\p{Nd}`
 * here, unicode.IsLetter / IsDigit in Debian's Go): mostly letters assigned after the Go release's
 * Unicode version. They change only the key order, and only against this old Go.
 */
function unicodeVersionRunes(inputs: readonly GoYamlValue[]): {
  runes: number[];
  differ: (go: GoAnswer) => Set<number>;
} {
  const runes = new Set<number>();
  for (const input of inputs) {
    for (const k of keysOf(input, new Set())) {
      for (const ch of k) runes.add(ch.codePointAt(0) as number);
    }
  }
  const list = [...runes];
  return {
    runes: list,
    differ: (go) =>
      new Set(
        list.filter((c, i) => {
          const ch = String.fromCodePoint(c);
          return /\p{L}/u.test(ch) !== go.letters?.[i] || /\p{Nd}/u.test(ch) !== go.digits?.[i];
        }),
      ),
  };
}

interface Comparison {
  mismatches: object[];
  compared: number;
  excluded: number;
  unicode: string;
}

/**
 * Output byte for byte; for an error only that there is one (the port's messages differ). Inputs
 * whose keys hold a code point the two Unicode tables class differently are left out and counted.
 */
function compare(inputs: readonly GoYamlValue[]): Comparison {
  const classes = unicodeVersionRunes(inputs);
  const go = oracle(inputs, classes.runes);
  const differing = classes.differ(go);
  const kept = inputs
    .map((input, i) => ({ input, go: go.results[i] as GoResult }))
    .filter(({ input }) => {
      const keys = [...keysOf(input, new Set())];
      return !keys.some((k) => Array.from(k).some((ch) => differing.has(ch.codePointAt(0) ?? 0)));
    });
  const mismatches = kept
    .map(({ input, go: theirs }) => {
      const mine = ours(input);
      return {
        input: JSON.stringify(input),
        ours: mine.yaml ?? `error: ${mine.error}`,
        go: theirs.yaml ?? `error: ${theirs.error}`,
        same:
          mine.yaml === theirs.yaml && (mine.error === undefined) === (theirs.error === undefined),
      };
    })
    .filter((row) => !row.same);
  return {
    mismatches,
    compared: kept.length,
    excluded: inputs.length - kept.length,
    unicode: go.unicode,
  };
}

describe('sigs.k8s.io/yaml Marshal, against the Go library', () => {
  it('marshals 2,000 random objects byte for byte as Go does', () => {
    const inputs = fc.sample(object, { numRuns: 2000, seed: 20261203 });
    const result = compare(inputs);
    expect(result.mismatches.slice(0, 5)).toEqual([]);
    // About 10% of these inputs hold a key with a code point Unicode 13 (Debian's Go 1.19) does
    // not class as Unicode 15+ does, and about 1 in 15 of those does sort differently; the
    // property is about the rest, which must stay the bulk.
    expect(result.compared).toBeGreaterThan(1750);
  });

  it('marshals 500 random top-level values (scalars, lists) as Go does', () => {
    const inputs = fc.sample(value, { numRuns: 500, seed: 20261204 });
    const result = compare(inputs);
    expect(result.mismatches.slice(0, 5)).toEqual([]);
    expect(result.compared).toBeGreaterThan(450);
  });

  it('accepts and rejects keys around the 1022-character limit as Go does', () => {
    const inputs = fc.sample(longKeyObject, { numRuns: 200, seed: 20261205 });
    const result = compare(inputs);
    expect(result.mismatches.slice(0, 3)).toEqual([]);
    expect(result.compared).toBe(200);
  });
});

/** Values YAML 1.1 would read as something else, and ordinary ones. */
const FLAG_VALUES = [
  'default',
  'istio-system',
  'yes',
  'on',
  'no',
  'null',
  '1.20',
  '0x1F',
  '1e3',
  '007',
];

interface GenerateFlags {
  namespace?: string;
  name?: string;
  for?: string;
  revision?: string;
  long: boolean;
}

const generateFlags: fc.Arbitrary<GenerateFlags> = fc.record(
  {
    namespace: fc.constantFrom(...FLAG_VALUES, 'team-a'),
    name: fc.constantFrom(...FLAG_VALUES, 'waypoint', 'my-waypoint'),
    for: fc.constantFrom('service', 'workload', 'all', 'none'),
    revision: fc.constantFrom(...FLAG_VALUES, 'canary', '1-24-0'),
    long: fc.boolean(),
  },
  { requiredKeys: ['long'] },
);

function generateArgs(flags: GenerateFlags): string[] {
  const args = ['generate'];
  const add = (short: string | undefined, long: string, value: string | undefined): void => {
    if (value === undefined) return;
    if (flags.long || short === undefined) args.push(`--${long}=${value}`);
    else args.push(short, value);
  };
  add('-n', 'namespace', flags.namespace);
  add(undefined, 'name', flags.name);
  add(undefined, 'for', flags.for);
  add('-r', 'revision', flags.revision);
  return args;
}

describe('waypointer generate, against sigs.k8s.io/yaml', () => {
  // The Gateway itself (istioctl's makeGateway and the gateway-api struct) is checked by the
  // golden files of test/unit/generate.test.ts; Debian packages neither istioctl nor gateway-api.
  // This checks the printed bytes: the CLI's whole output against Go marshalling the same Gateway.
  it('prints what sigs.k8s.io/yaml prints for 300 random flag combinations', async () => {
    const cases = fc.sample(generateFlags, { numRuns: 300, seed: 20261206 });
    const printed: string[] = [];
    for (const flags of cases) {
      let stdout = '';
      const code = await runCli(generateArgs(flags), {
        stdout: (text) => {
          stdout += text;
        },
        stderr: () => undefined,
        readInput: () => Promise.reject(new Error('no input')),
        env: {},
      });
      expect(code).toBe(0);
      printed.push(stdout);
    }
    const manifests = cases.map((flags) => waypointManifest(generateWaypoint(flags)));
    const theirs = oracle(manifests, []).results;
    const mismatches = cases
      .map((flags, i) => ({ args: generateArgs(flags), ours: printed[i], go: theirs[i]?.yaml }))
      .filter((row) => row.ours !== row.go);
    expect(mismatches.slice(0, 3)).toEqual([]);
    expect(printed.filter((text) => text.includes('namespace: "yes"')).length).toBeGreaterThan(0);
  });
});
