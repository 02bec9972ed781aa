/**
 * Expected messages are built from apimachinery's format strings (kubernetes/kubernetes
 * `staging/src/k8s.io/apimachinery`, master snapshot 008b365), not from the code under test:
 * `pkg/util/validation/validation.go` (DNS names; MaxLenError says "characters"),
 * `pkg/api/validate/content/kube.go` + `errors.go` (label keys and values; MaxLenError says
 * "bytes"), `RegexError` (its loop writes `', ` then ` or `, hence the doubled space),
 * `pkg/util/validation/field/errors.go` (`<field>: Invalid value: <%q value>: <detail>`).
 * Valid/invalid inputs come from `validation_test.go` and content `kube_test.go`.
 */
import { describe, expect, it } from 'vitest';
import {
  type FieldError,
  goQuote,
  isDns1035Label,
  isDns1123Label,
  isDns1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
  renderFieldError,
  validateLabels,
  validateObjectName,
} from '../src/validation.ts';

// dns1123LabelErrMsg + RegexError(..., dns1123LabelFmt, "my-name", "123-abc")
const DNS1123_LABEL =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
// dns1123SubdomainErrorMsg + RegexError(..., dns1123SubdomainFmt, "example.com")
const DNS1123_SUBDOMAIN =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
// dns1035LabelErrMsg + RegexError(..., dns1035LabelFmt, "my-name", "abc-123")
const DNS1035_LABEL =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
// RegexError(labelKeyErrMsg, labelKeyFmt, "MyName", "my.name", "123-abc")
const LABEL_KEY_RULE =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
// labelValueErrMsg + RegexError(..., labelValueFmt, "MyValue", "my_value", "12345")
const LABEL_VALUE =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

const a = (n: number): string => 'a'.repeat(n);

describe('isDns1123Label (util/validation IsDNS1123Label)', () => {
  it.each([
    ['good value from TestIsDNS1123Label', 'a', []],
    ['good value from TestIsDNS1123Label', 'a--1--2--b', []],
    ['good value from TestIsDNS1123Label: may start with a digit', '1-a', []],
    ['63 bytes is DNS1123LabelMaxLength', a(63), []],
    ['uppercase fails the label regex', 'ABC', [DNS1123_LABEL]],
    ['empty fails the label regex (and is no subdomain)', '', [DNS1123_LABEL]],
    ['a trailing dash fails the regex', 'a-', [DNS1123_LABEL]],
    [
      'a valid subdomain that is no label: "must not contain dots"',
      'a.b',
      ['must not contain dots'],
    ],
    ['64 bytes: MaxLenError(63)', a(64), ['must be no more than 63 characters']],
    [
      'too long and dotted: both messages',
      `a.${'b'.repeat(62)}`,
      ['must be no more than 63 characters', 'must not contain dots'],
    ],
  ])('%s: %j', (_rule, value, expected) => {
    expect(isDns1123Label(value)).toEqual(expected);
  });
});

describe('isDns1123Subdomain (util/validation IsDNS1123Subdomain)', () => {
  it.each([
    ['good value from TestIsDNS1123Subdomain', 'a.b.c.d.e', []],
    ['good value from TestIsDNS1123Subdomain', '1.2.3.4.5', []],
    ['253 bytes is DNS1123SubdomainMaxLength', a(253), []],
    ['underscore fails the subdomain regex', 'Bad_Name', [DNS1123_SUBDOMAIN]],
    ['empty label between dots fails the regex', 'a..b', [DNS1123_SUBDOMAIN]],
    ['254 bytes: MaxLenError(253)', a(254), ['must be no more than 253 characters']],
    [
      'too long and malformed: both messages, length first',
      `${a(253)}_`,
      ['must be no more than 253 characters', DNS1123_SUBDOMAIN],
    ],
  ])('%s: %j', (_rule, value, expected) => {
    expect(isDns1123Subdomain(value)).toEqual(expected);
  });
});

describe('isDns1035Label (util/validation IsDNS1035Label)', () => {
  it.each([
    ['good value from TestIsDNS1035Label', 'a-1', []],
    ['63 bytes is DNS1035LabelMaxLength', a(63), []],
    ['bad value from TestIsDNS1035Label: starts with a digit', '1a', [DNS1035_LABEL]],
    ['bad value from TestIsDNS1035Label: dots', 'a.b', [DNS1035_LABEL]],
    ['64 bytes: MaxLenError(63)', a(64), ['must be no more than 63 characters']],
  ])('%s: %j', (_rule, value, expected) => {
    expect(isDns1035Label(value)).toEqual(expected);
  });
});

describe('isQualifiedName (content IsLabelKey)', () => {
  it.each([
    ['success case from TestIsLabelKey', 'simple', []],
    ['success case from TestIsLabelKey', 'now.with.dots/simple', []],
    ['success case from TestIsLabelKey', 'example.com/Uppercase_Is_OK_123', []],
    ['success case from TestIsLabelKey: 63-byte name', a(63), []],
    ['success case from TestIsLabelKey: 253-byte prefix', `${a(253)}/${'b'.repeat(63)}`, []],
    ['name regex', 'cantendwithadash-', [`name part ${LABEL_KEY_RULE}`]],
    ['name regex', 'nospecialchars%^=@', [`name part ${LABEL_KEY_RULE}`]],
    [
      'more than one slash: the whole-key message',
      'only/one/slash',
      [
        `a valid label key ${LABEL_KEY_RULE} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
      ],
    ],
    [
      'empty name: EmptyError and the regex',
      'example.com/',
      ['name part must be non-empty', `name part ${LABEL_KEY_RULE}`],
    ],
    ['empty prefix: EmptyError', '/simple', ['prefix part must be non-empty']],
    ['prefix is a DNS-1123 subdomain', 'Example.com/abc', [`prefix part ${DNS1123_SUBDOMAIN}`]],
    ['prefix is a DNS-1123 subdomain', 'example_com/abc', [`prefix part ${DNS1123_SUBDOMAIN}`]],
    ['name longer than 63 bytes', a(64), ['name part must be no more than 63 bytes']],
    [
      'prefix longer than 253 bytes',
      `${a(254)}/abc`,
      ['prefix part must be no more than 253 bytes'],
    ],
  ])('%s: %j', (_rule, value, expected) => {
    expect(isQualifiedName(value)).toEqual(expected);
  });
});

describe('isValidLabelValue (content IsLabelValue)', () => {
  it.each([
    ['success case from TestIsLabelValue: empty value', '', []],
    ['success case from TestIsLabelValue', 'end-with-num-1', []],
    ['success case from TestIsLabelValue: to the limit', a(63), []],
    ['error case from TestIsLabelValue', '-starts-with-dash', [LABEL_VALUE]],
    ['error case from TestIsLabelValue', 'ends.with.dot.', [LABEL_VALUE]],
    ['error case from TestIsLabelValue: non-ASCII', 'Tama-nui-te-rā.is.Māori.sun', [LABEL_VALUE]],
    ['error case from TestIsLabelValue: over the limit', a(64), ['must be no more than 63 bytes']],
    [
      'length is len(): 32 "é" are 64 bytes',
      'é'.repeat(32),
      ['must be no more than 63 bytes', LABEL_VALUE],
    ],
  ])('%s: %j', (_rule, value, expected) => {
    expect(isValidLabelValue(value)).toEqual(expected);
  });
});

describe('goQuote (strconv.Quote, what %q prints)', () => {
  it.each([
    ['printable ASCII as is', 'Bad_Name', '"Bad_Name"'],
    ['quote and backslash escaped', 'a"b\\c', '"a\\"b\\\\c"'],
    ['short escapes \\a \\b \\f \\n \\r \\t \\v', '\u0007\b\f\n\r\t\v', '"\\a\\b\\f\\n\\r\\t\\v"'],
    ['other control characters and DEL as \\x', '\u0001\u007f', '"\\x01\\x7f"'],
    ['printable non-ASCII as is', 'rā😀', '"rā😀"'],
    ['non-printable BMP rune as \\u (NBSP, zero-width space)', '\u00a0\u200b', '"\\u00a0\\u200b"'],
    ['non-printable astral rune as \\U (private use)', '\u{f0000}', '"\\U000f0000"'],
  ])('%s', (_rule, value, expected) => {
    expect(goQuote(value)).toBe(expected);
  });
});

describe('renderFieldError ((*field.Error).Error)', () => {
  const cases: [string, FieldError, string][] = [
    [
      'Required: type string and detail, no value',
      {
        type: 'FieldValueRequired',
        field: 'metadata.name',
        detail: 'name or generateName is required',
      },
      'metadata.name: Required value: name or generateName is required',
    ],
    [
      'Invalid with a string value: %q',
      { type: 'FieldValueInvalid', field: 'metadata.name', value: 'Foo', detail: 'bad' },
      'metadata.name: Invalid value: "Foo": bad',
    ],
    [
      'Invalid with a []string value: JSON, HTML-escaped',
      { type: 'FieldValueInvalid', field: 'values', value: ['a', '<b>&"\n'], detail: 'd' },
      'values: Invalid value: ["a","\\u003cb\\u003e\\u0026\\"\\n"]: d',
    ],
    [
      'Invalid with a nil slice: JSON null',
      { type: 'FieldValueInvalid', field: 'values', value: null, detail: 'd' },
      'values: Invalid value: null: d',
    ],
    [
      'empty detail adds nothing',
      { type: 'FieldValueInvalid', field: 'f', value: '', detail: '' },
      'f: Invalid value: ""',
    ],
  ];
  it.each(cases)('%s', (_rule, error, expected) => {
    expect(renderFieldError(error)).toBe(expected);
  });
});

describe('validateObjectName (ValidateObjectMetaAccessor name checks)', () => {
  it.each([
    ['pod: ValidatePodName = NameIsDNSSubdomain', 'pod', 'reviews-v1-abc', []],
    ['gateway (custom resource): NameIsDNSSubdomain', 'gateway', 'waypoint', []],
    ['gateway: dots are fine in a subdomain', 'gateway', 'east.west', []],
    ['namespace: ValidateNamespaceName = NameIsDNSLabel', 'namespace', 'bookinfo', []],
    ['service: ValidateServiceName = NameIsDNS1035Label', 'service', 'productpage', []],
    [
      'pod: not a subdomain',
      'pod',
      'Bad_Name',
      [`metadata.name: Invalid value: "Bad_Name": ${DNS1123_SUBDOMAIN}`],
    ],
    [
      'namespace: a subdomain is not a label',
      'namespace',
      'team.a',
      ['metadata.name: Invalid value: "team.a": must not contain dots'],
    ],
    [
      'namespace: too long',
      'namespace',
      a(64),
      [`metadata.name: Invalid value: "${a(64)}": must be no more than 63 characters`],
    ],
    [
      'service: must start with a letter',
      'service',
      '1web',
      [`metadata.name: Invalid value: "1web": ${DNS1035_LABEL}`],
    ],
    [
      'empty name: Required',
      'pod',
      '',
      ['metadata.name: Required value: name or generateName is required'],
    ],
    [
      'the value is printed with %q',
      'gateway',
      'a"b',
      [`metadata.name: Invalid value: "a\\"b": ${DNS1123_SUBDOMAIN}`],
    ],
  ] as const)('%s: %s %j', (_rule, kind, name, expected) => {
    expect(validateObjectName(kind, name)).toEqual(expected);
  });
});

describe('validateLabels (metav1 validation ValidateLabels)', () => {
  it.each([
    [
      'valid keys and values',
      { app: 'reviews', 'istio.io/use-waypoint': 'waypoint' },
      undefined,
      [],
    ],
    ['an empty value is valid', { 'istio.io/use-waypoint': '' }, undefined, []],
    [
      'a bad value is reported with the value',
      { app: 'bad value' },
      undefined,
      [`metadata.labels: Invalid value: "bad value": ${LABEL_VALUE}`],
    ],
    [
      'a bad key is reported with the key (ValidateLabelName)',
      { 'bad key': 'x' },
      undefined,
      [`metadata.labels: Invalid value: "bad key": name part ${LABEL_KEY_RULE}`],
    ],
    [
      'both bad: key errors then value errors; keys in sorted order',
      { 'z/': 'ok', 'a/b/c': '-' },
      undefined,
      [
        `metadata.labels: Invalid value: "a/b/c": a valid label key ${LABEL_KEY_RULE} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
        `metadata.labels: Invalid value: "-": ${LABEL_VALUE}`,
        'metadata.labels: Invalid value: "z/": name part must be non-empty',
        `metadata.labels: Invalid value: "z/": name part ${LABEL_KEY_RULE}`,
      ],
    ],
    [
      'another field path, a 64-byte value',
      { 'job-name': a(64) },
      'spec.template.labels',
      [`spec.template.labels: Invalid value: "${a(64)}": must be no more than 63 bytes`],
    ],
  ])('%s', (_rule, labels, path, expected) => {
    expect(path === undefined ? validateLabels(labels) : validateLabels(labels, path)).toEqual(
      expected,
    );
  });
});
