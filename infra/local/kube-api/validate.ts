/**
 * What the embedded API server validates on a write, with the real server's field errors:
 * names (per kind), labels, and the fields each kind requires.
 */
import { validateLabels, validateObjectName } from '../../../shared/domain/validation.ts';
import type { ResourceType } from './resources.ts';
import { badRequest, type StatusCause } from './status.ts';
import type { KubeObject } from './store.ts';

const NAMED: Record<string, 'namespace' | 'service' | 'pod' | 'gateway'> = {
  Namespace: 'namespace',
  Service: 'service',
  Pod: 'pod',
  Gateway: 'gateway',
  GatewayClass: 'gateway',
};

/** `field: message` as apimachinery renders a field error, back into a Status cause. */
function cause(rendered: string): StatusCause {
  const at = rendered.indexOf(': ');
  const message = rendered.slice(at + 2);
  return {
    reason: message.startsWith('Required value') ? 'FieldValueRequired' : 'FieldValueInvalid',
    message,
    field: rendered.slice(0, at),
  };
}

function required(object: KubeObject, path: string[]): StatusCause[] {
  let value: unknown = object;
  for (const key of path) {
    value =
      value !== null && typeof value === 'object'
        ? (value as Record<string, unknown>)[key]
        : undefined;
  }
  const missing =
    value === undefined ||
    value === null ||
    value === '' ||
    (Array.isArray(value) && value.length === 0);
  return missing
    ? [{ reason: 'FieldValueRequired', message: 'Required value', field: path.join('.') }]
    : [];
}

function kindCauses(type: ResourceType, object: KubeObject): StatusCause[] {
  const spec = (object.spec ?? {}) as Record<string, unknown>;
  switch (type.kind) {
    case 'Pod':
      return required(object, ['spec', 'containers']);
    case 'Service':
      return spec.type === 'ExternalName' || spec.clusterIP === 'None'
        ? []
        : required(object, ['spec', 'ports']);
    case 'Gateway':
      return [
        ...required(object, ['spec', 'gatewayClassName']),
        ...required(object, ['spec', 'listeners']),
      ];
    case 'GatewayClass':
      return required(object, ['spec', 'controllerName']);
    default:
      return [];
  }
}

/**
 * Rejects what the real server cannot even decode (400): metadata that is not an object, labels
 * that are not strings.
 */
export function checkDecodable(object: unknown): asserts object is KubeObject {
  if (object === null || typeof object !== 'object' || Array.isArray(object)) {
    throw badRequest('Object in request body is not a JSON object');
  }
  const metadata = (object as Record<string, unknown>).metadata;
  if (
    metadata !== undefined &&
    (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata))
  ) {
    throw badRequest('json: cannot unmarshal metadata of the request body: expected an object');
  }
  for (const key of ['labels', 'annotations']) {
    checkStringMap((metadata as Record<string, unknown> | undefined)?.[key], key);
  }
}

function checkStringMap(map: unknown, key: string): void {
  if (map === undefined || map === null) return;
  const values = typeof map === 'object' && !Array.isArray(map) ? Object.values(map) : [map];
  const wrong = values.find((v) => typeof v !== 'string');
  if (wrong === undefined) return;
  const found = wrong === null || typeof wrong === 'object' ? 'object' : typeof wrong;
  throw badRequest(
    `json: cannot unmarshal ${found} into Go struct field ObjectMeta.metadata.${key} of type string`,
  );
}

/** The field errors of an object about to be stored; empty when it is valid. */
export function validateObject(type: ResourceType, object: KubeObject): StatusCause[] {
  const name = typeof object.metadata.name === 'string' ? object.metadata.name : '';
  return [
    ...validateObjectName(NAMED[type.kind] ?? 'pod', name).map(cause),
    ...validateLabels(object.metadata.labels ?? {}).map(cause),
    ...kindCauses(type, object),
  ];
}
