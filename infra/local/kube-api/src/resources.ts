/**
 * The resources the embedded API server serves, and its discovery documents.
 *
 * Scope: core/v1 namespaces, services, pods and configmaps; rbac.authorization.k8s.io/v1
 * clusterroles, clusterrolebindings, roles and rolebindings (stored, not enforced);
 * gateway.networking.k8s.io/v1 gateways (with `/status`) and gatewayclasses; networking.istio.io/v1
 * serviceentries and workloadentries (with `/status`). The documents follow what a real API server
 * (1.32) returns for legacy discovery (`/api`, `/api/v1`, `/apis`, `/apis/<group>/<version>`).
 */

import { LIST_MAP_KEYS } from './server-side-apply.ts';

export interface ResourceType {
  /** API group; '' for core. */
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly listKind: string;
  /** Lower-case plural, as in URLs. */
  readonly plural: string;
  readonly singular: string;
  readonly shortNames: readonly string[];
  readonly namespaced: boolean;
  readonly hasStatus: boolean;
  /** A custom resource: no strategic merge patch, Metadata-level audit, `generation` on spec change. */
  readonly custom: boolean;
  /** Associative lists for server-side apply, by dotted path (`spec.listeners`: `name`). */
  readonly listMapKeys: Readonly<Record<string, readonly string[]>>;
  readonly categories?: readonly string[];
}

export const GATEWAY_GROUP = 'gateway.networking.k8s.io';
export const ISTIO_NETWORKING_GROUP = 'networking.istio.io';
export const RBAC_GROUP = 'rbac.authorization.k8s.io';

/** The API groups of `/apis`, built-in before custom resources' as a real server orders them. */
const GROUPS = [RBAC_GROUP, GATEWAY_GROUP, ISTIO_NETWORKING_GROUP] as const;

/** An RBAC kind: built in, no status, no short names (`kubectl api-resources` shows none). */
function rbac(kind: string, plural: string, namespaced: boolean): ResourceType {
  return {
    group: RBAC_GROUP,
    version: 'v1',
    kind,
    listKind: `${kind}List`,
    plural,
    singular: kind.toLowerCase(),
    shortNames: [],
    namespaced,
    hasStatus: false,
    custom: false,
    // rules, subjects and aggregationRule.clusterRoleSelectors are atomic lists.
    listMapKeys: {},
  };
}

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export const RESOURCES: readonly ResourceType[] = [
  {
    group: '',
    version: 'v1',
    kind: 'Namespace',
    listKind: 'NamespaceList',
    plural: 'namespaces',
    singular: 'namespace',
    shortNames: ['ns'],
    namespaced: false,
    hasStatus: true,
    custom: false,
    listMapKeys: LIST_MAP_KEYS.Namespace ?? {},
  },
  {
    group: '',
    version: 'v1',
    kind: 'Service',
    listKind: 'ServiceList',
    plural: 'services',
    singular: 'service',
    shortNames: ['svc'],
    namespaced: true,
    hasStatus: true,
    custom: false,
    listMapKeys: LIST_MAP_KEYS.Service ?? {},
    categories: ['all'],
  },
  {
    group: '',
    version: 'v1',
    kind: 'Pod',
    listKind: 'PodList',
    plural: 'pods',
    singular: 'pod',
    shortNames: ['po'],
    namespaced: true,
    hasStatus: true,
    custom: false,
    listMapKeys: LIST_MAP_KEYS.Pod ?? {},
    categories: ['all'],
  },
  rbac('ClusterRoleBinding', 'clusterrolebindings', false),
  rbac('ClusterRole', 'clusterroles', false),
  rbac('RoleBinding', 'rolebindings', true),
  rbac('Role', 'roles', true),
  {
    group: '',
    version: 'v1',
    kind: 'ConfigMap',
    listKind: 'ConfigMapList',
    plural: 'configmaps',
    singular: 'configmap',
    shortNames: ['cm'],
    namespaced: true,
    hasStatus: false,
    custom: false,
    listMapKeys: {},
  },
  {
    group: GATEWAY_GROUP,
    version: 'v1',
    kind: 'Gateway',
    listKind: 'GatewayList',
    plural: 'gateways',
    singular: 'gateway',
    shortNames: ['gtw'],
    namespaced: true,
    hasStatus: true,
    custom: true,
    listMapKeys: LIST_MAP_KEYS.Gateway ?? {},
    categories: ['gateway-api'],
  },
  {
    group: GATEWAY_GROUP,
    version: 'v1',
    kind: 'GatewayClass',
    listKind: 'GatewayClassList',
    plural: 'gatewayclasses',
    singular: 'gatewayclass',
    shortNames: ['gc'],
    namespaced: false,
    hasStatus: true,
    custom: true,
    listMapKeys: LIST_MAP_KEYS.GatewayClass ?? {},
    categories: ['gateway-api'],
  },
  {
    group: ISTIO_NETWORKING_GROUP,
    version: 'v1',
    kind: 'ServiceEntry',
    listKind: 'ServiceEntryList',
    plural: 'serviceentries',
    singular: 'serviceentry',
    shortNames: ['se'],
    namespaced: true,
    hasStatus: true,
    custom: true,
    listMapKeys: { 'status.conditions': ['type'] },
    categories: ['istio-io', 'networking-istio-io'],
  },
  {
    group: ISTIO_NETWORKING_GROUP,
    version: 'v1',
    kind: 'WorkloadEntry',
    listKind: 'WorkloadEntryList',
    plural: 'workloadentries',
    singular: 'workloadentry',
    shortNames: ['we'],
    namespaced: true,
    hasStatus: true,
    custom: true,
    listMapKeys: { 'status.conditions': ['type'] },
    categories: ['istio-io', 'networking-istio-io'],
  },
];

/** `v1` or `group/version`. */
export function apiVersionOf(type: ResourceType): string {
  return type.group === '' ? type.version : `${type.group}/${type.version}`;
}

/** The resource served at `group/version/plural`, if any. */
export function findResource(
  group: string,
  version: string,
  plural: string,
): ResourceType | undefined {
  return RESOURCES.find((r) => r.group === group && r.version === version && r.plural === plural);
}

/** The resource of a kind in an apiVersion (`v1`, `gateway.networking.k8s.io/v1beta1`...). */
export function resourceForKind(apiVersion: string, kind: string): ResourceType | undefined {
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  return RESOURCES.find((r) => r.group === group && r.kind === kind);
}

/** `pods` or `gateways.gateway.networking.k8s.io`: how the API server names a resource in errors. */
export function qualifiedResource(type: ResourceType): string {
  return type.group === '' ? type.plural : `${type.plural}.${type.group}`;
}

function apiResource(type: ResourceType): object[] {
  const main = {
    name: type.plural,
    singularName: type.singular,
    namespaced: type.namespaced,
    kind: type.kind,
    verbs: VERBS,
    ...(type.shortNames.length > 0 ? { shortNames: type.shortNames } : {}),
    ...(type.categories === undefined ? {} : { categories: type.categories }),
    storageVersionHash: Buffer.from(`${type.group}/${type.kind}`).toString('base64').slice(0, 11),
  };
  const status = {
    name: `${type.plural}/status`,
    singularName: '',
    namespaced: type.namespaced,
    kind: type.kind,
    verbs: ['get', 'patch', 'update'],
  };
  return type.hasStatus ? [main, status] : [main];
}

/** `GET /api`. */
export function coreVersions(serverAddress: string): object {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

/** `GET /api/v1` or `GET /apis/<group>/<version>`. */
export function resourceList(group: string, version: string): object | undefined {
  const types = RESOURCES.filter((r) => r.group === group && r.version === version);
  if (types.length === 0) return undefined;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group === '' ? version : `${group}/${version}`,
    resources: types.flatMap(apiResource),
  };
}

function apiGroup(name: string): object {
  const version = { groupVersion: `${name}/v1`, version: 'v1' };
  return { name, versions: [version], preferredVersion: version };
}

/** `GET /apis`. */
export function groupList(): object {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: GROUPS.map(apiGroup) };
}

/** `GET /apis/<group>`. */
export function group(name: string): object | undefined {
  return (GROUPS as readonly string[]).includes(name)
    ? { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(name) }
    : undefined;
}
