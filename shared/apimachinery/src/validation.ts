/**
 * Name and label validation as the Kubernetes API server does it, with apimachinery's exact wording.
 *
 * Ported from kubernetes/kubernetes `staging/src/k8s.io/apimachinery` (master snapshot 008b365):
 * - `pkg/util/validation/validation.go`: `IsDNS1123Label`, `IsDNS1123Subdomain`, `IsDNS1035Label`,
 *   `MaxLenError` ("characters"), `RegexError`, `EmptyError`;
 * - `pkg/api/validate/content/kube.go` + `dns.go` + `errors.go`: `IsLabelKey` (the target of
 *   `validation.IsQualifiedName`), `IsLabelValue` (the target of `validation.IsValidLabelValue`),
 *   their own `IsDNS1123Subdomain` for the key prefix, and content's `MaxLenError` ("bytes");
 * - `pkg/api/validation/generic.go` + `objectmeta.go`: `NameIsDNSSubdomain`, `NameIsDNSLabel`
 *   (= `ValidateNamespaceName`), `NameIsDNS1035Label`, and the name checks of
 *   `ValidateObjectMetaAccessor`;
 * - `pkg/apis/meta/v1/validation/validation.go`: `ValidateLabels`, `ValidateLabelName`;
 * - `pkg/util/validation/field/errors.go`: how a field error renders (`Error()`, `ErrorBody()`).
 *
 * Lengths are UTF-8 byte counts, as Go's `len` is. Pure: no I/O.
 */

// ---------------------------------------------------------------------------------------------
// Message builders (util/validation and validate/content share RegexError and EmptyError verbatim;
// their MaxLenError differs: util/validation says "characters", content says "bytes").

/** `RegexError`: note the doubled space before "or", which is what the Go loop produces. */
function regexError(msg: string, fmt: string, ...examples: string[]): string {
  if (examples.length === 0) {
    return `${msg} (regex used for validation is '${fmt}')`;
  }
  let out = `${msg} (e.g. `;
  examples.forEach((example, i) => {
    if (i > 0) {
      out += ' or ';
    }
    out += `'${example}', `;
  });
  return `${out}regex used for validation is '${fmt}')`;
}

/** util/validation `MaxLenError`. */
function maxLenCharacters(length: number): string {
  return `must be no more than ${length} characters`;
}

/** validate/content `MaxLenError`. */
function maxLenBytes(length: number): string {
  return `must be no more than ${length} bytes`;
}

const EMPTY_ERROR = 'must be non-empty';

/** Go's `len(s)`: the UTF-8 byte length (a lone surrogate counts as U+FFFD, 3 bytes). */
function byteLength(s: string): number {
  let n = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp < 0x80) n += 1;
    else if (cp < 0x800) n += 2;
    else if (cp < 0x10000) n += 3;
    else n += 4;
  }
  return n;
}

// ---------------------------------------------------------------------------------------------
// Formats. The strings are Go's format constants; the regexes are built from them, as Go does.

const DNS1123_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_LABEL_ERR_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
const DNS1123_LABEL_MAX_LENGTH = 63;
const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
const DNS1123_SUBDOMAIN_ERR_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
const DNS1123_SUBDOMAIN_MAX_LENGTH = 253;
const DNS1035_LABEL_FMT = '[a-z]([-a-z0-9]*[a-z0-9])?';
const DNS1035_LABEL_ERR_MSG =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character";
const DNS1035_LABEL_MAX_LENGTH = 63;
const LABEL_KEY_FMT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const LABEL_KEY_ERR_MSG =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const LABEL_KEY_MAX_LENGTH = 63;
const LABEL_VALUE_FMT = `(${LABEL_KEY_FMT})?`;
const LABEL_VALUE_ERR_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const LABEL_VALUE_MAX_LENGTH = 63;

const anchored = (fmt: string): RegExp => new RegExp(`^${fmt}$`);
const DNS1123_LABEL_RE = anchored(DNS1123_LABEL_FMT);
const DNS1123_SUBDOMAIN_RE = anchored(DNS1123_SUBDOMAIN_FMT);
const DNS1035_LABEL_RE = anchored(DNS1035_LABEL_FMT);
const LABEL_KEY_RE = anchored(LABEL_KEY_FMT);
const LABEL_VALUE_RE = anchored(LABEL_VALUE_FMT);

// ---------------------------------------------------------------------------------------------
// The "Is*" checks: each returns apimachinery's messages, empty when the value is valid.

/**
 * util/validation `IsDNS1123Label`: a lowercase RFC 1123 label (namespace names).
 * @returns the error messages, empty when valid
 */
export function isDns1123Label(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > DNS1123_LABEL_MAX_LENGTH) {
    errs.push(maxLenCharacters(DNS1123_LABEL_MAX_LENGTH));
  }
  if (!DNS1123_LABEL_RE.test(value)) {
    if (DNS1123_SUBDOMAIN_RE.test(value)) {
      // A valid subdomain but not a valid label: length was checked above, so it must be dots.
      errs.push('must not contain dots');
    } else {
      errs.push(regexError(DNS1123_LABEL_ERR_MSG, DNS1123_LABEL_FMT, 'my-name', '123-abc'));
    }
  }
  return errs;
}

/** Shared body of util/validation's and content's `IsDNS1123Subdomain`; only MaxLenError differs. */
function dns1123Subdomain(value: string, maxLen: (n: number) => string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > DNS1123_SUBDOMAIN_MAX_LENGTH) {
    errs.push(maxLen(DNS1123_SUBDOMAIN_MAX_LENGTH));
  }
  if (!DNS1123_SUBDOMAIN_RE.test(value)) {
    errs.push(regexError(DNS1123_SUBDOMAIN_ERR_MSG, DNS1123_SUBDOMAIN_FMT, 'example.com'));
  }
  return errs;
}

/**
 * util/validation `IsDNS1123Subdomain`: a lowercase RFC 1123 subdomain (most object names).
 * @returns the error messages, empty when valid
 */
export function isDns1123Subdomain(value: string): string[] {
  return dns1123Subdomain(value, maxLenCharacters);
}

/**
 * util/validation `IsDNS1035Label`: an RFC 1035 label (Service names).
 * @returns the error messages, empty when valid
 */
export function isDns1035Label(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > DNS1035_LABEL_MAX_LENGTH) {
    errs.push(maxLenCharacters(DNS1035_LABEL_MAX_LENGTH));
  }
  if (!DNS1035_LABEL_RE.test(value)) {
    errs.push(regexError(DNS1035_LABEL_ERR_MSG, DNS1035_LABEL_FMT, 'my-name', 'abc-123'));
  }
  return errs;
}

/**
 * `IsQualifiedName` (= content `IsLabelKey`): a label or annotation key, `[prefix/]name`, where
 * the prefix is a DNS-1123 subdomain and the name is at most 63 bytes of `[-A-Za-z0-9_.]`.
 * @returns the error messages, empty when valid
 */
export function isQualifiedName(value: string): string[] {
  const errs: string[] = [];
  const parts = value.split('/');
  let name: string;
  if (parts.length === 1) {
    name = parts[0] ?? '';
  } else if (parts.length === 2) {
    const prefix = parts[0] ?? '';
    name = parts[1] ?? '';
    if (prefix.length === 0) {
      errs.push(`prefix part ${EMPTY_ERROR}`);
    } else {
      for (const msg of dns1123Subdomain(prefix, maxLenBytes)) {
        errs.push(`prefix part ${msg}`);
      }
    }
  } else {
    const body = regexError(LABEL_KEY_ERR_MSG, LABEL_KEY_FMT, 'MyName', 'my.name', '123-abc');
    errs.push(
      `a valid label key ${body} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    );
    return errs;
  }
  if (name.length === 0) {
    errs.push(`name part ${EMPTY_ERROR}`);
  } else if (byteLength(name) > LABEL_KEY_MAX_LENGTH) {
    errs.push(`name part ${maxLenBytes(LABEL_KEY_MAX_LENGTH)}`);
  }
  if (!LABEL_KEY_RE.test(name)) {
    errs.push(
      `name part ${regexError(LABEL_KEY_ERR_MSG, LABEL_KEY_FMT, 'MyName', 'my.name', '123-abc')}`,
    );
  }
  return errs;
}

/**
 * `IsValidLabelValue` (= content `IsLabelValue`): empty, or at most 63 bytes of `[-A-Za-z0-9_.]`
 * starting and ending with an alphanumeric.
 * @returns the error messages, empty when valid
 */
export function isValidLabelValue(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > LABEL_VALUE_MAX_LENGTH) {
    errs.push(maxLenBytes(LABEL_VALUE_MAX_LENGTH));
  }
  if (!LABEL_VALUE_RE.test(value)) {
    errs.push(regexError(LABEL_VALUE_ERR_MSG, LABEL_VALUE_FMT, 'MyValue', 'my_value', '12345'));
  }
  return errs;
}

// ---------------------------------------------------------------------------------------------
// Field errors, rendered as `field.Error.Error()` renders them.

/**
 * A `field.Error` of the two types these ports raise. `value` is the Go `BadValue`: a string
 * renders with Go's `%q`; a string list (or `null`, Go's nil slice) renders as Go's JSON.
 * `Required` errors carry no value.
 */
export type FieldError =
  | { readonly type: 'FieldValueRequired'; readonly field: string; readonly detail: string }
  | {
      readonly type: 'FieldValueInvalid';
      readonly field: string;
      readonly value: string | readonly string[] | null;
      readonly detail: string;
    };

/**
 * `(*field.Error).Error()`: `<field>: <Type>[: <value>][: <detail>]`, e.g.
 * `metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must ...`.
 * @returns the rendered message
 */
export function renderFieldError(e: FieldError): string {
  let body: string;
  if (e.type === 'FieldValueRequired') {
    body = 'Required value';
  } else if (typeof e.value === 'string') {
    body = `Invalid value: ${goQuote(e.value)}`;
  } else {
    body = `Invalid value: ${goJsonStrings(e.value)}`;
  }
  if (e.detail.length > 0) {
    body += `: ${e.detail}`;
  }
  return `${e.field}: ${body}`;
}

/** Go `unicode.IsPrint`: categories L, M, N, P, S plus the ASCII space. */
const GO_PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;
const SHORT_ESCAPES: ReadonlyMap<string, string> = new Map([
  ['\u0007', '\\a'],
  ['\b', '\\b'],
  ['\f', '\\f'],
  ['\n', '\\n'],
  ['\r', '\\r'],
  ['\t', '\\t'],
  ['\v', '\\v'],
]);

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

/** One rune of `strconv.Quote`. A lone surrogate is U+FFFD, as Go decodes it from JSON. */
function quoteRune(ch: string): string {
  const cp = ch.codePointAt(0) ?? 0;
  if (cp >= 0xd800 && cp <= 0xdfff) return '\ufffd';
  if (cp === 0x22) return '\\"';
  if (cp === 0x5c) return '\\\\';
  if (GO_PRINTABLE.test(ch)) return ch;
  const short = SHORT_ESCAPES.get(ch);
  if (short !== undefined) return short;
  if (cp < 0x20 || cp === 0x7f) return `\\x${hex(cp, 2)}`;
  if (cp < 0x10000) return `\\u${hex(cp, 4)}`;
  return `\\U${hex(cp, 8)}`;
}

/**
 * Go's `strconv.Quote` (what `%q` prints for a string): printable runes as is, `"` and `\`
 * escaped, the rest as `\n`, `\x7f`, `\u00a0`, `\U0001f600` and the like.
 * @returns the double-quoted string
 */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    out += quoteRune(ch);
  }
  return `${out}"`;
}

const JSON_SHORT_ESCAPES: ReadonlyMap<string, string> = new Map([
  ['"', '\\"'],
  ['\\', '\\\\'],
  ['\b', '\\b'],
  ['\f', '\\f'],
  ['\n', '\\n'],
  ['\r', '\\r'],
  ['\t', '\\t'],
]);
/** Escaped as `\u00XX` besides the control characters: HTML-unsafe `<`, `>`, `&`; U+2028/9. */
const JSON_UNICODE_ESCAPED: ReadonlySet<number> = new Set([0x3c, 0x3e, 0x26, 0x2028, 0x2029]);

/** One rune as Go's `encoding/json` writes it in a string; a lone surrogate is `\ufffd`. */
function jsonRune(ch: string): string {
  const short = JSON_SHORT_ESCAPES.get(ch);
  if (short !== undefined) return short;
  const cp = ch.codePointAt(0) ?? 0;
  if (cp < 0x20 || JSON_UNICODE_ESCAPED.has(cp)) return `\\u${hex(cp, 4)}`;
  if (cp >= 0xd800 && cp <= 0xdfff) return '\\ufffd';
  return ch;
}

/** One string as Go's `encoding/json` writes it (HTML-safe, U+2028/9 escaped). */
function goJsonString(s: string): string {
  let out = '"';
  for (const ch of s) {
    out += jsonRune(ch);
  }
  return `${out}"`;
}

/** Go's `json.Marshal` of a `[]string`; `null` is the nil slice. */
function goJsonStrings(values: readonly string[] | null): string {
  if (values === null) return 'null';
  return `[${values.map(goJsonString).join(',')}]`;
}

// ---------------------------------------------------------------------------------------------
// Object metadata.

/** The kinds whose name rule `validateObjectName` knows. */
export type NamedKind = 'namespace' | 'service' | 'pod' | 'gateway';

/**
 * The `ValidateNameFunc` of each kind, called with `prefix = false`:
 * Namespace `ValidateNamespaceName` = `NameIsDNSLabel`; Service `ValidateServiceName` =
 * `NameIsDNS1035Label` (the `RelaxedServiceNameValidation` gate, alpha and off by default, is not
 * modelled); Pod `ValidatePodName` and custom resources such as Gateway = `NameIsDNSSubdomain`.
 */
const NAME_RULES: Readonly<Record<NamedKind, (name: string) => string[]>> = {
  namespace: isDns1123Label,
  service: isDns1035Label,
  pod: isDns1123Subdomain,
  gateway: isDns1123Subdomain,
};

/**
 * The `metadata.name` checks of `ValidateObjectMetaAccessor`, rendered as in a 422 body:
 * `metadata.name: Required value: name or generateName is required` for an empty name, else one
 * `metadata.name: Invalid value: "<name>": <message>` per failed rule of the kind's name function.
 * @returns the rendered errors, empty when the name is valid
 */
export function validateObjectName(kind: NamedKind, name: string): string[] {
  const field = 'metadata.name';
  if (name.length === 0) {
    const required: FieldError = {
      type: 'FieldValueRequired',
      field,
      detail: 'name or generateName is required',
    };
    return [renderFieldError(required)];
  }
  return NAME_RULES[kind](name).map((detail) =>
    renderFieldError({ type: 'FieldValueInvalid', field, value: name, detail }),
  );
}

/**
 * metav1 validation `ValidateLabels`: each key must be a qualified name (`ValidateLabelName`) and
 * each value a label value; every failure is `field.Invalid(fieldPath, <key or value>, msg)`.
 * Go walks the map in random order; this walks the keys sorted, so the output is stable.
 * @returns the rendered errors, empty when all labels are valid
 */
export function validateLabels(
  labels: Readonly<Record<string, string>>,
  fieldPath = 'metadata.labels',
): string[] {
  const errs: string[] = [];
  const invalid = (value: string, detail: string): string =>
    renderFieldError({ type: 'FieldValueInvalid', field: fieldPath, value, detail });
  for (const key of Object.keys(labels).sort()) {
    const value = labels[key] ?? '';
    for (const msg of isQualifiedName(key)) errs.push(invalid(key, msg));
    for (const msg of isValidLabelValue(value)) errs.push(invalid(value, msg));
  }
  return errs;
}
