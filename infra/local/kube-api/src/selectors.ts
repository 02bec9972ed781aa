/**
 * `labelSelector` and `fieldSelector` query parameters, as the real API server parses them.
 */
import {
  matchesSelector,
  parseSelector,
  type Selector,
  SelectorParseError,
} from '@waypointer/apimachinery/label-selector';
import type { ResourceType } from './resources.ts';
import { badRequest } from './status.ts';
import type { KubeObject } from './store.ts';

export interface FieldRequirement {
  readonly field: string;
  readonly value: string;
  readonly equal: boolean;
}

/** The filters of a list or watch request. */
export interface Filters {
  readonly labels: Selector | null;
  readonly fields: readonly FieldRequirement[];
}

type Anything = Record<string, unknown>;

/** A field's value in an object, as a string ('' when absent). */
function fieldValue(object: KubeObject, path: string): string {
  let value: unknown = object;
  for (const key of path.split('.')) {
    value = value !== null && typeof value === 'object' ? (value as Anything)[key] : undefined;
  }
  return value === undefined || value === null ? '' : String(value);
}

/**
 * A pod's selectable fields, as kubernetes `pkg/registry/core/pod/strategy.go`
 * `PodToSelectableFields` has them: `status.podIP` is the first of `status.podIPs`, and
 * `spec.hostNetwork` is `false` unless set.
 */
const POD_FIELDS: Readonly<Record<string, (pod: KubeObject) => string>> = {
  'spec.nodeName': (pod) => fieldValue(pod, 'spec.nodeName'),
  'spec.restartPolicy': (pod) => fieldValue(pod, 'spec.restartPolicy'),
  'spec.schedulerName': (pod) => fieldValue(pod, 'spec.schedulerName'),
  'spec.serviceAccountName': (pod) => fieldValue(pod, 'spec.serviceAccountName'),
  'spec.hostNetwork': (pod) => String((pod.spec as Anything | undefined)?.hostNetwork === true),
  'status.phase': (pod) => fieldValue(pod, 'status.phase'),
  'status.podIP': (pod) => {
    const ips = (pod.status as Anything | undefined)?.podIPs;
    return Array.isArray(ips) && ips.length > 0 ? fieldValue(ips[0] as KubeObject, 'ip') : '';
  },
  'status.nominatedNodeName': (pod) => fieldValue(pod, 'status.nominatedNodeName'),
};

/**
 * The field labels each kind accepts besides `metadata.name` and `metadata.namespace`, renamed as
 * the API server's field label conversion does (kubernetes `pkg/apis/core/v1/conversion.go`: pods
 * also take `status.podIPs`, which no pod has a value for, and the old `spec.host`).
 */
const FIELDS: Record<string, Readonly<Record<string, string>>> = {
  Pod: {
    ...Object.fromEntries(Object.keys(POD_FIELDS).map((f) => [f, f])),
    'status.podIPs': 'status.podIPs',
    'spec.host': 'spec.nodeName',
  },
  Namespace: { 'status.phase': 'status.phase' },
  Service: { 'spec.type': 'spec.type', 'spec.clusterIP': 'spec.clusterIP' },
};

/** The value `field` has in `object` for a field selector. */
function selectableValue(object: KubeObject, field: string): string {
  if (field === 'metadata.name') return object.metadata.name ?? '';
  if (field === 'metadata.namespace') return object.metadata.namespace ?? '';
  // A label the conversion accepts that a pod has no field for (status.podIPs) is ''.
  if (object.kind === 'Pod') return POD_FIELDS[field]?.(object) ?? '';
  return fieldValue(object, field);
}

/** apimachinery `splitTerms`: commas split terms unless escaped (the backslash is kept). */
function splitTerms(text: string): string[] {
  const terms: string[] = [];
  let start = 0;
  let escaped = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (escaped) escaped = false;
    else if (c === '\\') escaped = true;
    else if (c === ',') {
      terms.push(text.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(text.slice(start));
  return terms;
}

/** apimachinery `splitTerm`: the first `!=`, `==` or `=`, nothing trimmed. */
function splitTerm(term: string): [string, string, string] | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const operator of ['!=', '==', '=']) {
      if (term.startsWith(operator, i))
        return [term.slice(0, i), operator, term.slice(i + operator.length)];
    }
  }
  return undefined;
}

/** apimachinery `UnescapeValue`: `\\`, `\,` and `\=` only; a bare `,` or `=` is refused. */
function unescapeValue(value: string): string {
  let out = '';
  let escaped = false;
  for (const c of value) {
    if (escaped) {
      if (c !== '\\' && c !== ',' && c !== '=')
        throw badRequest(`invalid field selector: invalid escape sequence: \\${c}`);
      out += c;
      escaped = false;
    } else if (c === '\\') escaped = true;
    else if (c === ',' || c === '=')
      throw badRequest(`invalid field selector: unescaped character in value: ${c.codePointAt(0)}`);
    else out += c;
  }
  if (escaped) throw badRequest('invalid field selector: invalid escape sequence: \\');
  return out;
}

/** The field a label names for `type`, or the 400 the API server answers for it. */
function convertField(type: ResourceType, field: string): string {
  if (field === 'metadata.name' || field === 'metadata.namespace') return field;
  const converted = FIELDS[type.kind]?.[field];
  if (converted !== undefined) return converted;
  throw badRequest(
    type.custom
      ? `"${field}" is not a known field selector: only "metadata.name", "metadata.namespace"`
      : `field label not supported: ${field}`,
  );
}

/** apimachinery `fields.ParseSelector`, then the field label conversion of `type`. */
function parseFields(type: ResourceType, text: string): FieldRequirement[] {
  const requirements: FieldRequirement[] = [];
  for (const term of splitTerms(text).sort()) {
    if (term === '') continue;
    const parts = splitTerm(term);
    if (parts === undefined)
      throw badRequest(`invalid selector: '${text}'; can't understand '${term}'`);
    const [field, operator, value] = parts;
    requirements.push({ field, value: unescapeValue(value), equal: operator !== '!=' });
  }
  return requirements.map((r) => ({ ...r, field: convertField(type, r.field) }));
}

/** Parses the selectors of a request; a bad one is a 400 with apimachinery's message. */
export function parseFilters(
  type: ResourceType,
  labelSelector: string | null,
  fieldSelector: string | null,
): Filters {
  let labels: Selector | null = null;
  if (labelSelector !== null && labelSelector.trim() !== '') {
    try {
      labels = parseSelector(labelSelector);
    } catch (error) {
      if (error instanceof SelectorParseError)
        throw badRequest(
          `unable to parse requirement: ${error.message.replace(/^unable to parse requirement: /, '')}`,
        );
      throw error;
    }
  }
  return { labels, fields: parseFields(type, fieldSelector ?? '') };
}

export function matches(filters: Filters, object: KubeObject): boolean {
  if (filters.labels !== null && !matchesSelector(filters.labels, object.metadata.labels ?? {}))
    return false;
  return filters.fields.every((f) => (selectableValue(object, f.field) === f.value) === f.equal);
}
