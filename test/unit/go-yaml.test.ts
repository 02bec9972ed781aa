import { describe, expect, it } from 'vitest';
import { type GoYamlValue, marshalGoYaml } from '../../shared/domain/go-yaml.ts';

// Expected strings are what sigs.k8s.io/yaml.Marshal (json.Marshal + yaml.v2) prints; each row
// follows from yaml.v2 resolve.go / encode.go / emitterc.go and was cross-checked against Go.

const LONG =
  'Waypoint proxies handle L7 processing for workloads in the ambient mesh and are deployed ' +
  'per namespace or per service account';

describe('marshalGoYaml: documents', () => {
  it('prints the Istio waypoint Gateway exactly like sigs.k8s.io/yaml', () => {
    const gateway: GoYamlValue = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: {
        labels: { 'istio.io/waypoint-for': 'service' },
        name: 'waypoint',
        namespace: 'default',
      },
      spec: {
        gatewayClassName: 'istio-waypoint',
        listeners: [{ name: 'mesh', port: 15008, protocol: 'HBONE' }],
      },
    };
    expect(marshalGoYaml(gateway)).toBe(
      [
        'apiVersion: gateway.networking.k8s.io/v1',
        'kind: Gateway',
        'metadata:',
        '  labels:',
        '    istio.io/waypoint-for: service',
        '  name: waypoint',
        '  namespace: default',
        'spec:',
        '  gatewayClassName: istio-waypoint',
        '  listeners:',
        '  - name: mesh',
        '    port: 15008',
        '    protocol: HBONE',
        '',
      ].join('\n'),
    );
  });

  it.each<[string, GoYamlValue, string]>([
    ['null document', null, 'null\n'],
    ['true document', true, 'true\n'],
    ['false value', { enabled: false }, 'enabled: false\n'],
    ['null value', { revision: null }, 'revision: null\n'],
    ['string document', 'canary', 'canary\n'],
    ['quoted string document', 'yes', '"yes"\n'],
    ['empty map document', {}, '{}\n'],
    ['empty list document', [], '[]\n'],
    ['empty map value', { labels: {} }, 'labels: {}\n'],
    ['empty list value', { items: [] }, 'items: []\n'],
    ['empty collections in a list', [{}, []], '- {}\n- []\n'],
    ['list document', ['a', 1, null], '- a\n- 1\n- null\n'],
    ['YAML 1.1 boolean as a key', { n: 1, y: 'x' }, '"n": 1\n"y": x\n'],
    ['list of lists', [['a', 'b'], ['c']], '- - a\n  - b\n- - c\n'],
    ['nested list under a key', { m: [[1]] }, 'm:\n- - 1\n'],
    ['nested maps', { a: { b: { c: 'd' } } }, 'a:\n  b:\n    c: d\n'],
    [
      'maps in a list in a map',
      { spec: { ports: [{ name: 'http', port: 80 }, { name: 'grpc' }] } },
      'spec:\n  ports:\n  - name: http\n    port: 80\n  - name: grpc\n',
    ],
    ['map holding a list of maps', [{ a: [{ b: 1 }] }], '- a:\n  - b: 1\n'],
    ['undefined values are omitted', { a: 1, b: undefined, c: 2 }, 'a: 1\nc: 2\n'],
  ])('%s', (_name, value, expected) => {
    expect(marshalGoYaml(value)).toBe(expected);
  });
});

describe('marshalGoYaml: key order (sorter.go keyList.Less)', () => {
  it.each<[string, Record<string, number>, string[]]>([
    ['letters by code point', { b: 1, a: 1, B: 1, A: 1 }, ['A', 'B', 'a', 'b']],
    ['numbers by value', { a10: 1, a2: 1, a1: 1 }, ['a1', 'a2', 'a10']],
    ['other runes before letters', { ab: 1, a_1: 1, 'a-1': 1 }, ['a-1', 'a_1', 'ab']],
    ['digit keys', { '10': 1, '2': 1, '1': 1 }, ['"1"', '"2"', '"10"']],
    ['shorter prefix first', { abc: 1, ab: 1 }, ['ab', 'abc']],
    ['equal numbers: shorter run first', { a01: 1, a1: 1 }, ['a1', 'a01']],
    ['zero continuing a number', { '10': 1, '1_': 1 }, ['"1_"', '"10"']],
  ])('%s', (_name, value, keys) => {
    expect(marshalGoYaml(value)).toBe(keys.map((key) => `${key}: 1\n`).join(''));
  });
});

describe('marshalGoYaml: strings that resolve to another YAML 1.1 type are double-quoted', () => {
  it.each<[string, string]>([
    ['1', '"1"'],
    ['-1', '"-1"'],
    ['+1', '"+1"'],
    ['1_000', '"1_000"'],
    ['0x1F', '"0x1F"'],
    ['0o17', '"0o17"'],
    ['0b101', '"0b101"'],
    ['017', '"017"'],
    ['08', '"08"'],
    ['1e3', '"1e3"'],
    ['1.5', '"1.5"'],
    ['.5', '".5"'],
    ['1.', '"1."'],
    ['.inf', '".inf"'],
    ['-.Inf', '"-.Inf"'],
    ['.nan', '".nan"'],
    ['true', '"true"'],
    ['True', '"True"'],
    ['FALSE', '"FALSE"'],
    ['yes', '"yes"'],
    ['Yes', '"Yes"'],
    ['YES', '"YES"'],
    ['y', '"y"'],
    ['Y', '"Y"'],
    ['n', '"n"'],
    ['no', '"no"'],
    ['NO', '"NO"'],
    ['on', '"on"'],
    ['On', '"On"'],
    ['off', '"off"'],
    ['OFF', '"OFF"'],
    ['null', '"null"'],
    ['Null', '"Null"'],
    ['NULL', '"NULL"'],
    ['~', '"~"'],
    ['', '""'],
    ['1:20', '"1:20"'],
    ['-1:20', '"-1:20"'],
    ['190:20:30.15', '"190:20:30.15"'],
    ['2001-12-14', '"2001-12-14"'],
    ['2000-02-29', '"2000-02-29"'],
    ['2001-12-14T21:59:43Z', '"2001-12-14T21:59:43Z"'],
    ['2001-12-14t21:59:43.10-05:00', '"2001-12-14t21:59:43.10-05:00"'],
    ['2001-12-14 21:59:43.10', '"2001-12-14 21:59:43.10"'],
    ['2001-12-14   21:59:43,5', '"2001-12-14   21:59:43,5"'],
    ['2001-04-30', '"2001-04-30"'],
    ['0b-101', '"0b-101"'],
    ['.5_5', '".5_5"'],
    ['.5e1_0', '".5e1_0"'],
  ])('%j -> %s', (input, expected) => {
    expect(marshalGoYaml({ k: input })).toBe(`k: ${expected}\n`);
    expect(marshalGoYaml({ [input]: 'v' })).toBe(`${expected}: v\n`);
  });
});

describe('marshalGoYaml: strings that stay plain', () => {
  it.each<[string]>([
    ['foo bar'],
    ['canary'],
    ['istio.io/rev'],
    ['http://x.y/z'],
    ['a:b'],
    [':a'],
    ['-a'],
    ['a#b'],
    ["it's"],
    ['a"b'],
    ['a\\b'],
    ['<<'],
    ['.iNf'],
    ['3:60'],
    ['1e999'],
    ['2001-12-14T21:59:43'],
    ['2001-02-30'],
    ['2001-13-01'],
    ['2001-04-31'],
    ['2001-ab'],
    ['2001-12-14X21:59:43Z'],
    ['2001-12-14T24:00:00Z'],
    ['2001-12-14T10:60:00Z'],
    ['2001-12-14T10:00:60Z'],
    ['2001-12-14T10:00Z'],
    ['2001-12-14T10:00:00+0530'],
    [`0x${'F'.repeat(17)}`],
    [`0b${'1'.repeat(65)}`],
    ['-0b2'],
    ['._5'],
    ['.5_'],
    ['.5_e5'],
    ['.5e999'],
    ['a,b'],
    ['a[b]'],
    ['a{b}'],
    ['a?b'],
    ['é'],
    ['日本語'],
    ['a\u00a0b'],
  ])('%j', (input) => {
    expect(marshalGoYaml({ k: input })).toBe(`k: ${input}\n`);
    expect(marshalGoYaml({ [input]: 'v' })).toBe(`${input}: v\n`);
  });
});

describe('marshalGoYaml: plain refused by the emitter -> single-quoted', () => {
  it.each<[string, string]>([
    ['- a', "'- a'"],
    ['-', "'-'"],
    ['a: b', "'a: b'"],
    ['a:', "'a:'"],
    ['? a', "'? a'"],
    ['?', "'?'"],
    ['#a', "'#a'"],
    ['a #b', "'a #b'"],
    [' a', "' a'"],
    ['a ', "'a '"],
    ['&a', "'&a'"],
    ['*a', "'*a'"],
    ['!a', "'!a'"],
    ['|a', "'|a'"],
    ['>a', "'>a'"],
    ['%a', "'%a'"],
    ['@a', "'@a'"],
    ['`a', "'`a'"],
    ['[a', "'[a'"],
    [']a', "']a'"],
    ['{a', "'{a'"],
    ['}a', "'}a'"],
    [',a', "',a'"],
    ["'a", "'''a'"],
    ['"a', `'"a'`],
    ['---', "'---'"],
    ['...', "'...'"],
    ['--- a', "'--- a'"],
    ['...a', "'...a'"],
    ['a\u2028b', "'a\u2028  b'"],
  ])('%j -> %s', (input, expected) => {
    expect(marshalGoYaml({ k: input })).toBe(`k: ${expected}\n`);
  });
});

describe('marshalGoYaml: special characters -> double-quoted with escapes', () => {
  it.each<[string, string]>([
    ['a\tb', '"a\\tb"'],
    ['\u0000', '"\\0"'],
    ['\u001b', '"\\e"'],
    ['x\r\ny', '"x\\r\\ny"'],
    ['😀', '"\\U0001F600"'],
    ['a😀b', '"a\\U0001F600b"'],
    ['\ufeffab', '"\\uFEFF\\x61\\x62"'],
    ['a \nb', '"a \\nb"'],
    ['a\nb ', '"a\\nb "'],
  ])('%j -> %s', (input, expected) => {
    expect(marshalGoYaml({ k: input })).toBe(`k: ${expected}\n`);
  });
});

describe('marshalGoYaml: multi-line strings -> literal block scalars', () => {
  it.each<[string, GoYamlValue, string]>([
    ['strip', { k: 'a\nb' }, 'k: |-\n  a\n  b\n'],
    ['clip', { k: 'a\n' }, 'k: |\n  a\n'],
    ['keep', { k: 'a\n\n' }, 'k: |+\n  a\n\n'],
    ['only a break', { k: '\n' }, 'k: |2+\n\n'],
    ['leading space', { k: ' a\nb' }, 'k: |2-\n   a\n  b\n'],
    ['indented line', { k: 'a\n b' }, 'k: |-\n  a\n   b\n'],
    ['in a list', { l: ['a\nb'] }, 'l:\n- |-\n  a\n  b\n'],
    ['document', 'a\nb\n', '|\n  a\n  b\n'],
    ['multi-line key', { 'a\nb': 'v' }, '? |-\n  a\n  b\n: v\n'],
  ])('%s', (_name, value, expected) => {
    expect(marshalGoYaml(value)).toBe(expected);
  });
});

describe('marshalGoYaml: long scalars fold at column 80 (best_width)', () => {
  it.each<[string, GoYamlValue, string]>([
    [
      'plain value',
      { description: LONG },
      'description: Waypoint proxies handle L7 processing for workloads in the ambient mesh\n' +
        '  and are deployed per namespace or per service account\n',
    ],
    [
      'plain value in a nested list',
      { spec: { notes: [LONG] } },
      'spec:\n  notes:\n' +
        '  - Waypoint proxies handle L7 processing for workloads in the ambient mesh and are\n' +
        '    deployed per namespace or per service account\n',
    ],
    [
      'single-quoted value',
      { description: `- ${LONG}` },
      "description: '- Waypoint proxies handle L7 processing for workloads in the ambient\n" +
        "  mesh and are deployed per namespace or per service account'\n",
    ],
    [
      'double-quoted value',
      { description: `${LONG}\t!` },
      'description: "Waypoint proxies handle L7 processing for workloads in the ambient mesh\n' +
        '  and are deployed per namespace or per service account\\t!"\n',
    ],
    [
      'double-quoted value folded before a second space',
      { d: `${LONG.slice(0, 80)}  tail\t` },
      'd: "Waypoint proxies handle L7 processing for workloads in the ambient mesh and are\n' +
        '  \\  tail\\t"\n',
    ],
    [
      'document',
      LONG,
      'Waypoint proxies handle L7 processing for workloads in the ambient mesh and are deployed\n' +
        '  per namespace or per service account\n',
    ],
    [
      'double spaces never fold',
      { d: `${LONG.slice(0, 70)}  two  spaces  here  and  more  words  after  the  fold  point` },
      `d: ${LONG.slice(0, 70)}  two  spaces  here  and  more  words  after  the  fold  point\n`,
    ],
    ['words without spaces', { d: 'x'.repeat(100) }, `d: ${'x'.repeat(100)}\n`],
    ['simple keys are never folded', { [LONG.slice(0, 100)]: 'v' }, `${LONG.slice(0, 100)}: v\n`],
    [
      'keys over 128 bytes become complex keys',
      { [`${LONG} ${LONG.slice(0, 10)}`]: 'v' },
      '? Waypoint proxies handle L7 processing for workloads in the ambient mesh and are\n' +
        '  deployed per namespace or per service account Waypoint p\n: v\n',
    ],
  ])('%s', (_name, value, expected) => {
    expect(marshalGoYaml(value)).toBe(expected);
  });
});

describe('marshalGoYaml: numbers after the JSON round trip', () => {
  it.each<[number, string]>([
    [15008, '15008'],
    [0, '0'],
    [-0, '0'],
    [-42, '-42'],
    [1.5, '1.5'],
    [-1.5, '-1.5'],
    [0.1, '0.1'],
    [0.0001, '0.0001'],
    [0.00001, '1e-05'],
    [1e-7, '1e-07'],
    [123456.5, '123456.5'],
    [1234567.5, '1.2345675e+06'],
    [2 ** 53, '9007199254740992'],
    // json.Marshal prints 2^63 as 9223372036854776000: too big for int64, fits uint64.
    [2 ** 63, '9223372036854776000'],
    // -9223372036854776000 is below int64's minimum and signed, so it resolves as a float.
    [-(2 ** 63), '-9.223372036854776e+18'],
    [2 ** 64, '1.8446744073709552e+19'],
    [-(2 ** 64), '-1.8446744073709552e+19'],
    [1e20, '1e+20'],
    [1e21, '1e+21'],
    [1.5e300, '1.5e+300'],
  ])('%d -> %s', (input, expected) => {
    expect(marshalGoYaml({ value: input })).toBe(`value: ${expected}\n`);
  });
});

describe('marshalGoYaml: what yaml.v2 reads back from Go JSON', () => {
  it.each<[string, GoYamlValue, string]>([
    ['NEL folds to a space', { k: 'a\u0085b' }, 'k: a b\n'],
    ['NEL run folds like a line break', { k: 'a \u0085 b' }, 'k: a b\n'],
    ['two NELs fold to a line feed', { k: 'a\u0085\u0085b' }, 'k: |-\n  a\n  b\n'],
    ['lone surrogates become U+FFFD', { k: 'a\ud800b' }, 'k: a\ufffdb\n'],
  ])('%s', (_name, value, expected) => {
    expect(marshalGoYaml(value)).toBe(expected);
  });

  it.each<[string, GoYamlValue]>([
    ['NaN', { value: Number.NaN }],
    ['Infinity', { value: Number.POSITIVE_INFINITY }],
    ['-Infinity', [Number.NEGATIVE_INFINITY]],
    ['DEL', { k: 'a\u007fb' }],
    ['C1 control', { k: 'a\u0080b' }],
    ['U+FFFF', { k: 'a\uffffb' }],
    ['document indicator after NEL', { k: 'a\u0085--- b' }],
    ['NEL in a key', { 'a\u0085b': 1 }],
    ['key longer than 1022 JSON characters', { ['k'.repeat(1023)]: 1 }],
    ['key with escapes longer than 1022 JSON characters', { ['<'.repeat(171)]: 1 }],
    ['a bigint', 1n as unknown as GoYamlValue],
  ])('throws like Go for %s', (_name, value) => {
    expect(() => marshalGoYaml(value)).toThrow();
  });

  it.each<[string, GoYamlValue, string]>([
    ['key of 1022 JSON characters', { ['k'.repeat(1022)]: 1 }, `? ${'k'.repeat(1022)}\n: 1\n`],
    ['document indicator after NEL without a blank', { k: 'a\u0085---b' }, 'k: a ---b\n'],
  ])('accepts %s', (_name, value, expected) => {
    expect(marshalGoYaml(value)).toBe(expected);
  });
});
