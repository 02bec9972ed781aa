/**
 * Rows follow kubernetes/kubernetes `staging/src/k8s.io/apimachinery` (master snapshot 008b365):
 * `pkg/labels/selector.go` (Parse, NewRequirement, Matches, String) and its `selector_test.go`
 * tables (TestSelectorParse, TestSetSelectorParser, TestSelectorMatches,
 * TestRequirementSelectorMatching), and `pkg/apis/meta/v1/helpers.go` LabelSelectorAsSelector.
 * Error texts are the Go format strings; field errors render as `field.Error.Error()` and several
 * as the `ErrorList.ToAggregate()` form `[e1, e2]`. Parse passes a nil field path, which prints
 * as `<nil>` for the key check, and NewRequirement's paths are `key`, `values`, `values[i]`,
 * `values[i][<key>]`.
 */
import { describe, expect, it } from 'vitest';
import {
  LabelSelectorError,
  matchesSelector,
  Operator,
  parseSelector,
  SelectorParseError,
  selectorFromLabelSelector,
} from '../src/label-selector.ts';

// RegexError(labelKeyErrMsg, labelKeyFmt, "MyName", "my.name", "123-abc")
const LABEL_KEY_RULE =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
// RegexError(labelValueErrMsg, labelValueFmt, "MyValue", "my_value", "12345")
const LABEL_VALUE =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const NOT_INTEGER = "for 'Gt', 'Lt' operators, the value must be an integer";
const BINARY = 'in, notin, =, ==, !=, gt, lt';
const REQ = 'unable to parse requirement: ';

describe('parseSelector: canonical String() of valid selectors', () => {
  it.each([
    ['TestSelectorParse good string', 'x=a,y=b,z=c', 'x=a,y=b,z=c'],
    ['TestSelectorParse good string: empty selects everything', '', ''],
    ['TestSelectorParse good string', 'x!=a,y=b', 'x!=a,y=b'],
    ['TestSelectorParse good string: empty value', 'x=', 'x='],
    ['TestSelectorParse good string: empty value, spaces dropped', 'x= ,z= ', 'x=,z='],
    ['TestSelectorParse good string: does not exist', '!x', '!x'],
    ['TestSelectorParse good string: greater / less than', 'x>1,z<5', 'x>1,z<5'],
    ['TestDeterministicParse: sorted by key', 'x=a,a=x', 'a=x,x=a'],
    ['TestSetSelectorParser: \\r is whitespace', '\rx', 'x'],
    ['TestSetSelectorParser: tabs and double spaces', 'foo  in\t (abc)', 'foo in (abc)'],
    ['TestSetSelectorParser: newline', 'x notin\n (abc)', 'x notin (abc)'],
    [
      'TestSetSelectorParser: prefixed key, values sorted',
      '0.1.2.domain/99 notin (10.10.100.1, tick.tack.clock)',
      '0.1.2.domain/99 notin (10.10.100.1,tick.tack.clock)',
    ],
    ['TestSetSelectorParser: trailing comma is an empty value', 'x in (abc,)', 'x in (,abc)'],
    ['TestSetSelectorParser: () is the empty value', 'x in ()', 'x in ()'],
    ['TestSetSelectorParser: ( ) too', 'x notin ( )', 'x notin ()'],
    ['TestSetSelectorParser: leading comma', 'x notin (, a)', 'x notin (,a)'],
    [
      'TestSetSelectorParser: several requirements sorted by key',
      'x notin (abc,,def),bar,z in (),w',
      'bar,w,x notin (,abc,def),z in ()',
    ],
    [
      'TestSetSelectorParser: in / notin are identifiers inside a value list',
      'a in (x,y,notin, z,in)',
      'a in (in,notin,x,y,z)',
    ],
    ['TestSelectorMatches: in / notin as key and value', 'notin=in', 'notin=in'],
    ['values are a set: duplicates collapse', 'x in (b,a,b)', 'x in (a,b)'],
    ['== keeps its spelling', 'y==jkl', 'y==jkl'],
    ['trailing whitespace', 'a ', 'a'],
  ])('%s: %j', (_rule, text, expected) => {
    expect(parseSelector(text).toString()).toBe(expected);
  });
});

describe('parseSelector: requirements', () => {
  it('keeps the operator and the sorted, de-duplicated values', () => {
    expect(parseSelector('y in (b,a,b),!z,x').requirements).toEqual([
      { key: 'x', operator: Operator.Exists, values: [] },
      { key: 'y', operator: Operator.In, values: ['a', 'b'] },
      { key: 'z', operator: Operator.DoesNotExist, values: [] },
    ]);
  });

  it('"" is Everything: empty and matching anything', () => {
    const everything = parseSelector('');
    expect(everything.isEmpty()).toBe(true);
    expect(everything.matches({ any: 'thing' })).toBe(true);
  });
});

describe('parseSelector: errors', () => {
  it.each([
    [
      'TestSelectorParse bad string: a value is a label value',
      'x=a||y=b',
      `${REQ}values[0][x]: Invalid value: "a||y": ${LABEL_VALUE}`,
    ],
    [
      'TestSelectorParse bad string: one operator per requirement',
      'x==a==b',
      "found '==', expected: ',' or 'end of string'",
    ],
    [
      'TestSelectorParse bad string: !key takes no operator',
      '!x=a',
      "found '=', expected: ',' or 'end of string'",
    ],
    [
      'TestSelectorParse bad string: gt/lt need an integer',
      'x<a',
      `${REQ}values[0]: Invalid value: "a": ${NOT_INTEGER}`,
    ],
    [
      'TestSetSelectorParser: empty requirement',
      'x,,y',
      "found ',', expected: identifier after ','",
    ],
    [
      'TestSetSelectorParser: leading comma',
      ',x,y',
      "found ',', expected: !, identifier, or 'end of string'",
    ],
    [
      'TestSetSelectorParser: unknown operator',
      'x nott in (y)',
      `${REQ}found 'nott', expected: ${BINARY}`,
    ],
    [
      'TestSetSelectorParser: trailing comma',
      'a in (xyz),',
      "found '', expected: identifier after ','",
    ],
    [
      'TestSetSelectorParser: no comma between requirements',
      'a in (xyz)b notin ()',
      "found 'b', expected: ',' or 'end of string'",
    ],
    [
      'TestSetSelectorParser: no comma in the list',
      'a in (xyz abc)',
      `${REQ}found 'abc', expected: ',' or ')'`,
    ],
    [
      'TestSetSelectorParser: unterminated list',
      'a notin(',
      `${REQ}found '', expected: ',', ')' or identifier`,
    ],
    [
      'TestSetSelectorParser: parenthesis instead of operator',
      'a (',
      `${REQ}found '(', expected: ${BINARY}`,
    ],
    [
      'TestSetSelectorParser: lone parenthesis',
      '(',
      "found '(', expected: !, identifier, or 'end of string'",
    ],
    ['parseValues: a list must open with (', 'x in', `${REQ}found '' expected: '('`],
    ['parseIdentifiersList: a list must close', 'x in (a', `${REQ}found '', expected: ',' or ')'`],
    [
      'parseIdentifiersList: end after a comma',
      'x in (,',
      `${REQ}found '', expected: ',', or identifier`,
    ],
    ['parseKeyAndInferOperator: ! needs a key', '!', `${REQ}found '', expected: identifier`],
    ['parseExactValue: the value is an identifier', 'x=(', `${REQ}found '(', expected: identifier`],
    [
      'the key is checked with a nil path (kubectl get pods -l "app:monolith")',
      'app:monolith',
      `${REQ}<nil>: Invalid value: "app:monolith": name part ${LABEL_KEY_RULE}`,
    ],
    [
      'a key with two slashes',
      'a/b/c ?=? def',
      `${REQ}<nil>: Invalid value: "a/b/c": a valid label key ${LABEL_KEY_RULE} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ],
    [
      'a bad value is reported at values[i][key]',
      'app=demo-{nginx}',
      `${REQ}values[0][app]: Invalid value: "demo-{nginx}": ${LABEL_VALUE}`,
    ],
    [
      'gt needs an integer',
      'environment>qa',
      `${REQ}values[0]: Invalid value: "qa": ${NOT_INTEGER}`,
    ],
    [
      'gt needs an int64',
      'x>9223372036854775808',
      `${REQ}values[0]: Invalid value: "9223372036854775808": ${NOT_INTEGER}`,
    ],
    [
      'several errors aggregate as [e1, e2]',
      'x in (-a,-b)',
      `${REQ}[values[0][x]: Invalid value: "-a": ${LABEL_VALUE}, values[1][x]: Invalid value: "-b": ${LABEL_VALUE}]`,
    ],
    [
      'integer and label-value errors of one value aggregate in NewRequirement order',
      'x>-',
      `${REQ}[values[0]: Invalid value: "-": ${NOT_INTEGER}, values[0][x]: Invalid value: "-": ${LABEL_VALUE}]`,
    ],
    [
      'the lexer treats a NUL byte as a separator',
      'a\u0000b',
      `${REQ}found 'b', expected: ${BINARY}`,
    ],
  ])('%s: %j', (_rule, text, message) => {
    let thrown: unknown;
    try {
      parseSelector(text);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(SelectorParseError);
    expect(thrown).toBeInstanceOf(Error);
    expect((thrown as Error).name).toBe('SelectorParseError');
    expect((thrown as Error).message).toBe(message);
  });
});

describe('matchesSelector (Requirement.Matches)', () => {
  it.each([
    ['TestSelectorMatches', '', { x: 'y' }, true],
    ['TestSelectorMatches', 'x=y', { x: 'y' }, true],
    ['TestSelectorMatches', 'x=y,z=w', { x: 'y', z: 'w' }, true],
    ['TestSelectorMatches', 'x!=y,z!=w', { x: 'z', z: 'a' }, true],
    ['TestSelectorMatches', 'notin=in', { notin: 'in' }, true],
    ['TestSelectorMatches: exists', 'x', { x: 'z' }, true],
    ['TestSelectorMatches: does not exist', '!x', { y: 'z' }, true],
    ['TestSelectorMatches: gt', 'x>1', { x: '2' }, true],
    ['TestSelectorMatches: lt', 'x<1', { x: '0' }, true],
    ['TestSelectorMatches', 'x=z', {}, false],
    ['TestSelectorMatches', 'x=y', { x: 'z' }, false],
    ['TestSelectorMatches', 'x=y,z=w', { x: 'w', z: 'w' }, false],
    ['TestSelectorMatches', 'x!=y,z!=w', { x: 'z', z: 'w' }, false],
    ['TestSelectorMatches: exists', 'x', { y: 'z' }, false],
    ['TestSelectorMatches: does not exist', '!x', { x: 'z' }, false],
    ['TestSelectorMatches: gt', 'x>1', { x: '0' }, false],
    ['TestSelectorMatches: lt', 'x<1', { x: '2' }, false],
    ['TestSelectorMatches', 'foo=bar,foobar=bar,baz=blah', { foo: 'bar', baz: 'blah' }, false],
    ['TestRequirementSelectorMatching', 'x in (foo),y notin (alpha)', { x: 'foo', y: 'baz' }, true],
    ['TestRequirementSelectorMatching', 'x in (foo),y in (alpha)', { x: 'foo', y: 'baz' }, false],
    ['TestRequirementSelectorMatching: notin holds when absent', 'x notin (),y', { y: '' }, true],
    ['TestRequirementSelectorMatching', 'x notin (),!y', { y: '' }, false],
    [
      'TestRequirementSelectorMatching: in () wants the empty value',
      'x in ()',
      { y: 'baz' },
      false,
    ],
    ['TestRequirementSelectorMatching: gt on a non-integer label', 'z>1', { z: 'v2' }, false],
    ['in with several values', 'x in (a,b)', { x: 'b' }, true],
    ['gt compares as int64, not as strings', 'x>9', { x: '10' }, true],
    ['gt on an absent label', 'x>1', {}, false],
    ['undefined labels are the empty set: does not exist', '!x', undefined, true],
    ['undefined labels are the empty set: exists', 'x', undefined, false],
  ])('%s: %j on %j', (_rule, text, labels, expected) => {
    expect(matchesSelector(parseSelector(text), labels)).toBe(expected);
  });
});

describe('selectorFromLabelSelector (LabelSelectorAsSelector)', () => {
  it.each([
    ['nil selects nothing', null, { a: 'b' }, false, ''],
    ['undefined is nil too', undefined, {}, false, ''],
    ['{} selects everything', {}, { a: 'b' }, true, ''],
    [
      'no labels and no expressions select everything',
      { matchLabels: {}, matchExpressions: [] },
      {},
      true,
      '',
    ],
    [
      'matchLabels are = requirements, sorted by key',
      { matchLabels: { tier: 'fe', app: 'web' } },
      { app: 'web', tier: 'fe' },
      true,
      'app=web,tier=fe',
    ],
    [
      'In values are kept as given and sorted when printed',
      { matchExpressions: [{ key: 'env', operator: 'In', values: ['prod', 'dev', 'dev'] }] },
      { env: 'dev' },
      true,
      'env in (dev,dev,prod)',
    ],
    [
      'NotIn',
      { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] },
      { env: 'prod' },
      false,
      'env notin (prod)',
    ],
    [
      'Exists and DoesNotExist, with matchLabels, all sorted by key',
      {
        matchLabels: { z: '1' },
        matchExpressions: [
          { key: 'b', operator: 'DoesNotExist' },
          { key: 'a', operator: 'Exists', values: [] },
        ],
      },
      { a: '', z: '1' },
      true,
      'a,!b,z=1',
    ],
  ])('%s', (_rule, ls, labels, matches, text) => {
    const selector = selectorFromLabelSelector(ls);
    expect(matchesSelector(selector, labels)).toBe(matches);
    expect(selector.toString()).toBe(text);
  });

  it('nil is Nothing and {} is Everything (Empty)', () => {
    expect(selectorFromLabelSelector(null).matchesNothing).toBe(true);
    expect(selectorFromLabelSelector(null).isEmpty()).toBe(false);
    expect(selectorFromLabelSelector({}).isEmpty()).toBe(true);
  });

  it.each([
    [
      'an unknown operator',
      { matchExpressions: [{ key: 'a', operator: 'Foo' }] },
      '"Foo" is not a valid pod selector operator',
    ],
    [
      'operators are the metav1 spelling, not selection.Operator',
      { matchExpressions: [{ key: 'a', operator: 'in', values: ['x'] }] },
      '"in" is not a valid pod selector operator',
    ],
    [
      'In without values: the nil slice prints as null',
      { matchExpressions: [{ key: 'a', operator: 'In' }] },
      "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty",
    ],
    [
      'NotIn with an empty list: append([]string(nil)) is still nil',
      { matchExpressions: [{ key: 'a', operator: 'NotIn', values: [] }] },
      "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty",
    ],
    [
      'Exists with values: the list prints as JSON',
      { matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] },
      'values: Invalid value: ["x"]: values set must be empty for exists and does not exist',
    ],
    [
      'DoesNotExist with a bad value: two errors, JSON HTML-escaped',
      { matchExpressions: [{ key: 'k', operator: 'DoesNotExist', values: ['<x>'] }] },
      `[values: Invalid value: ["\\u003cx\\u003e"]: values set must be empty for exists and does not exist, values[0][k]: Invalid value: "<x>": ${LABEL_VALUE}]`,
    ],
    [
      'a bad key',
      { matchExpressions: [{ key: 'bad key', operator: 'Exists' }] },
      `key: Invalid value: "bad key": name part ${LABEL_KEY_RULE}`,
    ],
    [
      'a bad matchLabels value',
      { matchLabels: { app: 'bad value' } },
      `values[0][app]: Invalid value: "bad value": ${LABEL_VALUE}`,
    ],
    [
      'key errors are joined with "; "',
      { matchLabels: { 'example.com/': 'x' } },
      `key: Invalid value: "example.com/": name part must be non-empty; name part ${LABEL_KEY_RULE}`,
    ],
  ])('%s', (_rule, ls, message) => {
    let thrown: unknown;
    try {
      selectorFromLabelSelector(ls);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(LabelSelectorError);
    expect((thrown as Error).name).toBe('LabelSelectorError');
    expect((thrown as Error).message).toBe(message);
  });
});
