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

const FIELDS: Record<string, readonly string[]> = {
  Pod: ['spec.nodeName', 'spec.serviceAccountName', 'status.phase', 'status.podIP'],
  Namespace: ['status.phase'],
  Service: ['spec.type', 'spec.clusterIP'],
};

function fieldValue(object: KubeObject, path: string): string {
  let value: unknown = object;
  for (const key of path.split('.')) {
    value =
      value !== null && typeof value === 'object'
        ? (value as Record<string, unknown>)[key]
        : undefined;
  }
  return value === undefined || value === null ? '' : String(value);
}

function parseFields(type: ResourceType, text: string): FieldRequirement[] {
  if (text.trim() === '') return [];
  return text.split(',').map((term) => {
    const match = /^\s*([^=!\s]+)\s*(==|=|!=)\s*(.*?)\s*$/.exec(term);
    if (match === null) throw badRequest(`invalid selector: '${text}'; can't understand '${term}'`);
    const [, field = '', operator, value = ''] = match;
    const known =
      field === 'metadata.name' ||
      field === 'metadata.namespace' ||
      (FIELDS[type.kind] ?? []).includes(field);
    if (!known) {
      throw badRequest(
        type.custom
          ? `"${field}" is not a known field selector: only "metadata.name", "metadata.namespace"`
          : `field label not supported: ${field}`,
      );
    }
    return { field, value, equal: operator !== '!=' };
  });
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
  return filters.fields.every((f) => (fieldValue(object, f.field) === f.value) === f.equal);
}
