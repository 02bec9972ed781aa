/**
 * `/openapi/v3`: enough OpenAPI v3 for kubectl to find that every PATCH supports the
 * `fieldValidation` query parameter, so that it validates on the server (where unknown fields are
 * accepted) instead of downloading full schemas (cli-runtime `queryParamVerifierV3`).
 */
import { createHash } from 'node:crypto';
import {
  apiVersionOf,
  GATEWAY_GROUP,
  RBAC_GROUP,
  RESOURCES,
  type ResourceType,
} from './resources.ts';

function groupVersions(): Map<string, ResourceType[]> {
  const byGv = new Map<string, ResourceType[]>();
  for (const type of RESOURCES) {
    const key = type.group === '' ? `api/${type.version}` : `apis/${type.group}/${type.version}`;
    byGv.set(key, [...(byGv.get(key) ?? []), type]);
  }
  return byGv;
}

const WRITE_PARAMETERS = ['dryRun', 'fieldManager', 'fieldValidation', 'force'].map((name) => ({
  name,
  in: 'query',
  schema: { type: name === 'force' ? 'boolean' : 'string', uniqueItems: true },
}));

/** The schema names a real server publishes: `io.k8s.api.core.v1.Pod`, `io.k8s.api.rbac.v1.Role`, `io.istio.networking.v1.ServiceEntry`. */
function schemaName(type: ResourceType): string {
  if (type.group === '') return `io.k8s.api.core.${type.version}.${type.kind}`;
  if (type.group === RBAC_GROUP) return `io.k8s.api.rbac.${type.version}.${type.kind}`;
  const prefix = type.group === GATEWAY_GROUP ? 'io.k8s.networking.gateway' : 'io.istio.networking';
  return `${prefix}.${type.version}.${type.kind}`;
}

function document(gv: string, types: readonly ResourceType[]): object {
  const paths: Record<string, object> = {};
  const schemas: Record<string, object> = {};
  for (const type of types) {
    const gvk = { group: type.group, version: type.version, kind: type.kind };
    const base = `/${gv}/${type.namespaced ? 'namespaces/{namespace}/' : ''}${type.plural}`;
    const ref = { $ref: `#/components/schemas/${schemaName(type)}` };
    const operation = (verb: string, extra: object = {}): object => ({
      operationId: `${verb}${type.kind}`,
      'x-kubernetes-action': verb,
      'x-kubernetes-group-version-kind': gvk,
      responses: { '200': { content: { 'application/json': { schema: ref } } } },
      ...extra,
    });
    paths[base] = {
      get: operation('list'),
      post: operation('post', { parameters: WRITE_PARAMETERS }),
    };
    paths[`${base}/{name}`] = {
      get: operation('get'),
      put: operation('put', { parameters: WRITE_PARAMETERS }),
      patch: operation('patch', { parameters: WRITE_PARAMETERS }),
      delete: operation('delete'),
    };
    schemas[schemaName(type)] = {
      type: 'object',
      'x-kubernetes-preserve-unknown-fields': true,
      'x-kubernetes-group-version-kind': [
        { group: type.group, version: type.version, kind: type.kind },
      ],
      description: `${type.kind} (${apiVersionOf(type)})`,
    };
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.32.0' },
    paths,
    components: { schemas },
  };
}

/** `GET /openapi/v3` (the index) or `GET /openapi/v3/<gv>`; undefined for an unknown path. */
export function openApiV3(path: string): object | undefined {
  const byGv = groupVersions();
  if (path === '') {
    const paths: Record<string, object> = {};
    for (const [gv, types] of byGv) {
      const hash = createHash('sha256')
        .update(JSON.stringify(document(gv, types)))
        .digest('hex')
        .slice(0, 32)
        .toUpperCase();
      paths[gv] = { serverRelativeURL: `/openapi/v3/${gv}?hash=${hash}` };
    }
    return { paths };
  }
  const types = byGv.get(path);
  return types === undefined ? undefined : document(path, types);
}
