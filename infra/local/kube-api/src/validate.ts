/**
 * What the embedded API server validates on a write, with the real server's field errors:
 * names (per kind), labels, and the fields each kind requires.
 */
import { validateLabels, validateObjectName } from '@waypointer/apimachinery/validation';
import { checkRbacShape, rbacCauses, rbacNameCauses, rbacUpdateCauses } from './rbac.ts';
import { RBAC_GROUP, type ResourceType } from './resources.ts';
import { badRequest, type StatusCause } from './status.ts';
import type { KubeObject } from './store.ts';

const NAMED: Record<string, 'namespace' | 'service' | 'pod' | 'gateway'> = {
  Namespace: 'namespace',
  Service: 'service',
  Pod: 'pod',
  ConfigMap: 'gateway',
  Gateway: 'gateway',
  GatewayClass: 'gateway',
  ServiceEntry: 'gateway',
  WorkloadEntry: 'gateway',
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

/** The value at `path`, undefined where an object on the way is missing. */
function at(object: unknown, path: readonly string[]): unknown {
  let value = object;
  for (const key of path) {
    value =
      value !== null && typeof value === 'object' && !Array.isArray(value)
        ? (value as Record<string, unknown>)[key]
        : undefined;
  }
  return value;
}

function required(object: KubeObject, path: string[]): StatusCause[] {
  const value = at(object, path);
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
        ...listenerCauses(object),
      ];
    case 'GatewayClass':
      return required(object, ['spec', 'controllerName']);
    case 'ServiceEntry':
      return required(object, ['spec', 'hosts']);
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

/** The JSON type name Go's decoder reports for a value it cannot unmarshal. */
function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'boolean') return 'bool';
  return typeof value;
}

function checkStringMap(map: unknown, key: string): void {
  if (map === undefined || map === null) return;
  if (typeof map !== 'object' || Array.isArray(map)) {
    throw badRequest(
      `json: cannot unmarshal ${jsonType(map)} into Go struct field ObjectMeta.metadata.${key} of type map[string]string`,
    );
  }
  const wrong = Object.values(map).find((v) => typeof v !== 'string');
  if (wrong === undefined) return;
  const found = wrong === null || typeof wrong === 'object' ? 'object' : typeof wrong;
  throw badRequest(
    `json: cannot unmarshal ${found} into Go struct field ObjectMeta.metadata.${key} of type string`,
  );
}

interface Shape {
  /** The Go struct and field as the decoder names them, e.g. `ServiceSpec.spec.ports`. */
  readonly field: string;
  readonly path: readonly string[];
  /** The Go type of the list, e.g. `[]v1.ServicePort`. */
  readonly goType: string;
  /** Integer fields of each element, with the Go struct that holds them. */
  readonly integers: Readonly<Record<string, string>>;
}

/** The typed lists of built-in kinds that the server reads: a wrong type there is a decode error. */
const SHAPES: Readonly<Record<string, readonly Shape[]>> = {
  Service: [
    {
      field: 'ServiceSpec.spec.ports',
      path: ['spec', 'ports'],
      goType: '[]v1.ServicePort',
      integers: { port: 'ServicePort.spec.ports.port of type int32' },
    },
  ],
  Pod: [
    {
      field: 'PodSpec.spec.containers',
      path: ['spec', 'containers'],
      goType: '[]v1.Container',
      integers: {},
    },
  ],
};

/**
 * Rejects typed fields of built-in kinds that the real server cannot decode (400), as
 * `json: cannot unmarshal ...` does: a list that is not a list, an element that is not an object,
 * an integer that is not a number.
 */
function checkShapes(type: ResourceType, object: KubeObject): void {
  checkRbacShape(type.kind, object);
  for (const shape of SHAPES[type.kind] ?? []) {
    const list = at(object, shape.path);
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list)) {
      throw badRequest(
        `json: cannot unmarshal ${jsonType(list)} into Go struct field ${shape.field} of type ${shape.goType}`,
      );
    }
    for (const element of list) checkElement(shape, element);
  }
}

function checkElement(shape: Shape, element: unknown): void {
  if (element === null || typeof element !== 'object' || Array.isArray(element)) {
    throw badRequest(
      `json: cannot unmarshal ${jsonType(element)} into Go value of type ${shape.goType.slice(2)}`,
    );
  }
  for (const [key, goField] of Object.entries(shape.integers)) {
    const value = (element as Record<string, unknown>)[key];
    if (value !== undefined && value !== null && !Number.isInteger(value)) {
      throw badRequest(`json: cannot unmarshal ${jsonType(value)} into Go struct field ${goField}`);
    }
  }
}

/**
 * The schema errors of a Gateway's listeners (a CRD: the server answers 422 from its OpenAPI
 * schema, `... in body must be of type ...`).
 */
function listenerCauses(object: KubeObject): StatusCause[] {
  const listeners = at(object, ['spec', 'listeners']);
  if (listeners === undefined || listeners === null) return [];
  const wrongType = (field: string, value: unknown, expected: string): StatusCause =>
    value === undefined
      ? { reason: 'FieldValueRequired', message: 'Required value', field }
      : {
          reason: 'FieldValueTypeInvalid',
          message: `Invalid value: "${jsonType(value)}": ${field} in body must be of type ${expected}: "${jsonType(value)}"`,
          field,
        };
  if (!Array.isArray(listeners)) return [wrongType('spec.listeners', listeners, 'array')];
  return listeners.flatMap((listener, i): StatusCause[] => {
    const field = `spec.listeners[${i}]`;
    if (listener === null || typeof listener !== 'object' || Array.isArray(listener))
      return [wrongType(field, listener, 'object')];
    const { name, port, protocol } = listener as Record<string, unknown>;
    return [
      ...(typeof name === 'string' ? [] : [wrongType(`${field}.name`, name, 'string')]),
      ...(Number.isInteger(port) ? [] : [wrongType(`${field}.port`, port, 'integer')]),
      ...(typeof protocol === 'string' ? [] : [wrongType(`${field}.protocol`, protocol, 'string')]),
    ];
  });
}

/**
 * The field errors of an object about to be stored, and of the change from `live` on an update;
 * empty when it is valid.
 */
export function validateObject(
  type: ResourceType,
  object: KubeObject,
  live?: KubeObject,
): StatusCause[] {
  checkShapes(type, object);
  const name = typeof object.metadata.name === 'string' ? object.metadata.name : '';
  if (type.group === RBAC_GROUP) {
    return [
      ...rbacNameCauses(name),
      ...validateLabels(object.metadata.labels ?? {}).map(cause),
      ...rbacCauses(type.kind, object),
      ...(live === undefined ? [] : rbacUpdateCauses(type.kind, live, object)),
    ];
  }
  return [
    ...validateObjectName(NAMED[type.kind] ?? 'pod', name).map(cause),
    ...validateLabels(object.metadata.labels ?? {}).map(cause),
    ...kindCauses(type, object),
  ];
}
