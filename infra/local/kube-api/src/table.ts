/**
 * `Accept: application/json;as=Table;g=meta.k8s.io;v=v1`: the server-side printing kubectl asks
 * for, with the columns the real server (core kinds) and the Gateway API CRDs
 * (additionalPrinterColumns) define.
 */
import type { ResourceType } from './resources.ts';
import type { KubeObject } from './store.ts';

interface Column {
  readonly name: string;
  readonly type: string;
  readonly format?: string;
  readonly description: string;
  readonly priority: number;
  readonly cell: (o: KubeObject, now: number) => string | number;
}

type Anything = Record<string, unknown>;
const field = (o: unknown, ...path: string[]): unknown =>
  path.reduce<unknown>(
    (v, k) => (v !== null && typeof v === 'object' ? (v as Anything)[k] : undefined),
    o,
  );

/** `duration.HumanDuration` as `kubectl get` shows AGE. */
export function humanDuration(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  const days = Math.floor(hours / 24);
  if (days < 8) return hours % 24 === 0 ? `${days}d` : `${days}d${hours % 24}h`;
  if (days < 730) return `${days}d`;
  return `${Math.floor(days / 365)}y${days % 365}d`;
}

const name: Column = {
  name: 'Name',
  type: 'string',
  format: 'name',
  description: 'Name must be unique within a namespace.',
  priority: 0,
  cell: (o) => o.metadata.name,
};

const age: Column = {
  name: 'Age',
  type: 'string',
  description:
    'CreationTimestamp is a timestamp representing the server time when this object was created.',
  priority: 0,
  cell: (o, now) => {
    const created = Date.parse(String(o.metadata.creationTimestamp ?? ''));
    return Number.isNaN(created) ? '<unknown>' : humanDuration(now - created);
  },
};

function condition(o: KubeObject, type: string): string {
  const conditions = field(o, 'status', 'conditions');
  if (!Array.isArray(conditions)) return '';
  const found = conditions.find((c) => field(c, 'type') === type);
  return found === undefined ? '' : String(field(found, 'status'));
}

/** A CRD printer column's cell for `.spec.<key>`: a string as is, anything else as JSON, absent as ''. */
function jsonCell(o: KubeObject, key: string): string {
  const value = field(o, 'spec', key);
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function servicePorts(o: KubeObject): string {
  const ports = field(o, 'spec', 'ports');
  if (!Array.isArray(ports) || ports.length === 0) return '<none>';
  return ports
    .map((p) => `${String(field(p, 'port'))}/${String(field(p, 'protocol') ?? 'TCP')}`)
    .join(',');
}

function podReady(o: KubeObject): string {
  const containers = field(o, 'spec', 'containers');
  const total = Array.isArray(containers) ? containers.length : 0;
  const statuses = field(o, 'status', 'containerStatuses');
  const ready = Array.isArray(statuses)
    ? statuses.filter((s) => field(s, 'ready') === true).length
    : 0;
  return `${ready}/${total}`;
}

/** Roles print their creation time, not an age (printers.go `printRole`, `printClusterRole`). */
const createdAt: Column = {
  name: 'Created At',
  type: 'date',
  description:
    'CreationTimestamp is a timestamp representing the server time when this object was created.',
  priority: 0,
  cell: (o) => String(o.metadata.creationTimestamp ?? ''),
};

/**
 * A binding's subjects by kind, joined as `rbac.SubjectsStrings` does: service accounts as
 * `namespace/name` (or `name`).
 */
function subjects(o: KubeObject, kind: 'User' | 'Group' | 'ServiceAccount'): string {
  const all = field(o, 'subjects');
  if (!Array.isArray(all)) return '';
  return all
    .filter((s) => field(s, 'kind') === kind)
    .map((s) => {
      const name = String(field(s, 'name') ?? '');
      const namespace = field(s, 'namespace');
      return kind === 'ServiceAccount' && typeof namespace === 'string' && namespace !== ''
        ? `${namespace}/${name}`
        : name;
    })
    .join(', ');
}

/** `printRoleBinding`, `printClusterRoleBinding`: the server prints the wide columns too. */
function bindingColumns(kind: string, roleRef: string): readonly Column[] {
  const of = (who: 'User' | 'Group' | 'ServiceAccount', plural: string): Column => ({
    name: plural,
    type: 'string',
    description: `${plural} in the ${kind}`,
    priority: 1,
    cell: (o) => subjects(o, who),
  });
  return [
    name,
    {
      name: 'Role',
      type: 'string',
      description: `${roleRef} If the RoleRef cannot be resolved, the Authorizer must return an error. This field is immutable.`,
      priority: 0,
      cell: (o) => `${String(field(o, 'roleRef', 'kind'))}/${String(field(o, 'roleRef', 'name'))}`,
    },
    age,
    of('User', 'Users'),
    of('Group', 'Groups'),
    of('ServiceAccount', 'ServiceAccounts'),
  ];
}

const text = (description: string, cell: Column['cell'], priority = 0): Omit<Column, 'name'> => ({
  type: 'string',
  description,
  priority,
  cell,
});

const COLUMNS: Record<string, readonly Column[]> = {
  Namespace: [
    name,
    {
      name: 'Status',
      ...text('The status of the namespace', (o) => String(field(o, 'status', 'phase') ?? '')),
    },
    age,
  ],
  Service: [
    name,
    {
      name: 'Type',
      ...text('The type of the service', (o) => String(field(o, 'spec', 'type') ?? 'ClusterIP')),
    },
    {
      name: 'Cluster-IP',
      ...text('The cluster IP of the service', (o) =>
        String(field(o, 'spec', 'clusterIP') ?? '<none>'),
      ),
    },
    { name: 'External-IP', ...text('The external IP of the service', () => '<none>') },
    { name: 'Port(s)', ...text('The ports of the service', servicePorts) },
    age,
    {
      name: 'Selector',
      ...text(
        'The selector of the service',
        (o) =>
          Object.entries((field(o, 'spec', 'selector') as Anything) ?? {})
            .map(([k, v]) => `${k}=${String(v)}`)
            .join(',') || '<none>',
        1,
      ),
    },
  ],
  Pod: [
    name,
    {
      name: 'Ready',
      ...text('The aggregate readiness state of this pod for accepting traffic.', podReady),
    },
    {
      name: 'Status',
      ...text('The aggregate status of the containers in this pod.', (o) =>
        String(field(o, 'status', 'phase') ?? 'Pending'),
      ),
    },
    {
      name: 'Restarts',
      ...text('The number of times the containers in this pod have been restarted.', () => '0'),
    },
    age,
    {
      name: 'IP',
      ...text(
        'The IP address assigned to this pod.',
        (o) => String(field(o, 'status', 'podIP') ?? '<none>'),
        1,
      ),
    },
    {
      name: 'Node',
      ...text(
        'The node this pod runs on.',
        (o) => String(field(o, 'spec', 'nodeName') ?? '<none>'),
        1,
      ),
    },
  ],
  Gateway: [
    name,
    { name: 'Class', ...text('', (o) => String(field(o, 'spec', 'gatewayClassName') ?? '')) },
    {
      name: 'Address',
      ...text('', (o) => {
        const a = field(o, 'status', 'addresses');
        return Array.isArray(a) && a.length > 0 ? String(field(a[0], 'value')) : '';
      }),
    },
    { name: 'Programmed', ...text('', (o) => condition(o, 'Programmed')) },
    age,
  ],
  ConfigMap: [
    name,
    {
      name: 'Data',
      type: 'integer',
      description: 'Number of data entries in the ConfigMap',
      priority: 0,
      cell: (o) =>
        Object.keys((o.data as Anything | undefined) ?? {}).length +
        Object.keys((o.binaryData as Anything | undefined) ?? {}).length,
    },
    age,
  ],
  ServiceEntry: [
    name,
    {
      name: 'Hosts',
      ...text('The hosts associated with the ServiceEntry', (o) => jsonCell(o, 'hosts')),
    },
    {
      name: 'Location',
      ...text(
        'Whether the service is external to the mesh or part of the mesh (MESH_EXTERNAL or MESH_INTERNAL)',
        (o) => jsonCell(o, 'location'),
      ),
    },
    {
      name: 'Resolution',
      ...text('Service resolution mode for the hosts (NONE, STATIC, or DNS)', (o) =>
        jsonCell(o, 'resolution'),
      ),
    },
    age,
  ],
  WorkloadEntry: [
    name,
    age,
    {
      name: 'Address',
      ...text('Address associated with the network endpoint.', (o) => jsonCell(o, 'address')),
    },
  ],
  ClusterRole: [name, createdAt],
  Role: [name, createdAt],
  ClusterRoleBinding: bindingColumns(
    'clusterRoleBinding',
    'RoleRef can only reference a ClusterRole in the global namespace.',
  ),
  RoleBinding: bindingColumns(
    'roleBinding',
    'RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace.',
  ),
  GatewayClass: [
    name,
    { name: 'Controller', ...text('', (o) => String(field(o, 'spec', 'controllerName') ?? '')) },
    { name: 'Accepted', ...text('', (o) => condition(o, 'Accepted')) },
    age,
    { name: 'Description', ...text('', (o) => String(field(o, 'spec', 'description') ?? ''), 1) },
  ],
};

/** The metadata-only form of an object (`PartialObjectMetadata`). */
export function partialMetadata(o: KubeObject): object {
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata };
}

/** A `meta.k8s.io/v1` Table of `items`; rows carry the object or its metadata as asked. */
export function toTable(
  type: ResourceType,
  items: readonly KubeObject[],
  listMeta: object,
  includeObject: string,
  now = Date.now(),
): object {
  const columns = COLUMNS[type.kind] ?? [name, age];
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: listMeta,
    columnDefinitions: columns.map(({ cell: _cell, ...definition }) => ({
      format: '',
      ...definition,
    })),
    rows: items.map((o) => ({
      cells: columns.map((c) => c.cell(o, now)),
      ...(includeObject === 'None'
        ? {}
        : { object: includeObject === 'Object' ? o : partialMetadata(o) }),
    })),
  };
}
