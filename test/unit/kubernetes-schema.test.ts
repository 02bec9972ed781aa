/**
 * Reading kubectl output: JSON Lists, YAML documents, and errors that say what and where.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../shared/domain/errors.ts';
import { marshalGoYaml } from '../../shared/domain/go-yaml.ts';
import { parseSnapshot } from '../../shared/schemas/kubernetes.ts';

const seeds = new URL('../../infra/local/kube-api/seeds/', import.meta.url);

describe('parseSnapshot', () => {
  it('reads a kubectl JSON List and keeps only the fields the rules read', () => {
    const { snapshot, ignored } = parseSnapshot(
      readFileSync(new URL('../fixtures/bookinfo-walkthrough.json', import.meta.url), 'utf8'),
    );
    expect([
      snapshot.namespaces.length,
      snapshot.services.length,
      snapshot.pods.length,
      snapshot.gateways.length,
      snapshot.gatewayClasses.length,
    ]).toEqual([3, 7, 9, 3, 1]);
    expect(ignored.size).toBe(0);
    const pod = snapshot.pods[0] as unknown as Record<string, unknown>;
    expect(Object.keys(pod)).toEqual(['metadata', 'spec', 'status']);
    // Of spec and status only what says whether istiod builds a workload (K6-K8).
    expect(Object.keys(pod.spec as object).every((k) => k === 'hostNetwork')).toBe(true);
    expect(
      Object.keys(pod.status as object).every((k) => ['phase', 'podIP', 'podIPs'].includes(k)),
    ).toBe(true);
    expect(snapshot.gateways[0]?.status?.addresses?.[0]?.type).toBe('Hostname');
  });

  it('reads multi-document YAML', () => {
    const { snapshot } = parseSnapshot(readFileSync(new URL('bookinfo.yaml', seeds), 'utf8'));
    expect(snapshot.services.map((s) => s.metadata.name)).toEqual([
      'details',
      'productpage',
      'ratings',
      'reviews',
    ]);
    expect(snapshot.pods).toHaveLength(6);
  });

  it('reads a YAML List with typed sub-lists and counts kinds it does not read', () => {
    const text = `apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ServiceList
  items:
  - apiVersion: v1
    kind: Service
    metadata: {name: a, namespace: default}
- apiVersion: apps/v1
  kind: Deployment
  metadata: {name: d, namespace: default}
- apiVersion: gateway.networking.k8s.io/v1beta1
  kind: Gateway
  metadata: {name: w, namespace: default}
  spec: {gatewayClassName: istio-waypoint, listeners: [{name: mesh, port: 15008, protocol: HBONE}]}
`;
    const { snapshot, ignored } = parseSnapshot(text);
    expect(snapshot.services).toHaveLength(1);
    expect(snapshot.gateways).toHaveLength(1);
    expect([...ignored]).toEqual([['apps/v1/Deployment', 1]]);
  });

  it.each<[string, string, RegExp]>([
    ['invalid JSON', '{"kind": "List", "items": [', /^cluster\.json: invalid JSON: /],
    [
      'invalid YAML',
      'kind: List\nitems: [\n',
      /^cluster\.json: invalid YAML in document 1 at line \d+, column \d+: /,
    ],
    [
      'an object without kind',
      '{"metadata":{"name":"x"}}',
      /^cluster\.json: the object has no "kind"$/,
    ],
    [
      'an item without kind',
      '{"kind":"List","items":[{"metadata":{"name":"x"}}]}',
      /^items\[0\]: the object has no "kind"$/,
    ],
    [
      'a Service without namespace',
      '{"kind":"List","items":[{"apiVersion":"v1","kind":"Service","metadata":{"name":"x"}}]}',
      /^items\[0\] \(Service x\): metadata\.namespace: /,
    ],
    [
      'a Gateway with a string port',
      '{"kind":"List","items":[{"apiVersion":"gateway.networking.k8s.io/v1","kind":"Gateway","metadata":{"name":"w","namespace":"d"},"spec":{"gatewayClassName":"c","listeners":[{"name":"mesh","port":"15008","protocol":"HBONE"}]}}]}',
      /^items\[0\] \(Gateway d\/w\): spec\.listeners\.0\.port: /,
    ],
    [
      'a label value that is not a string',
      'apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: d, labels: {a: 1}}\n',
      /^Pod d\/p: metadata\.labels\.a: /,
    ],
    [
      'a scalar document',
      '42\n',
      /^cluster\.json: expected a Kubernetes object or List, found number$/,
    ],
    ['empty input', '\n', /^cluster\.json: no objects: /],
    ['a YAML null', 'null\n', /^cluster\.json: no objects: /],
    [
      'a List whose items are no list',
      '{"apiVersion":"v1","kind":"List","items":"x"}',
      /^cluster\.json: a List needs "items", a list of objects$/,
    ],
  ])('rejects %s with the place it is wrong', (_case, text, message) => {
    expect(() => parseSnapshot(text, 'cluster.json')).toThrow(ValidationError);
    expect(() => parseSnapshot(text, 'cluster.json')).toThrow(message);
  });

  it('names the document of a multi-document file', () => {
    expect(() =>
      parseSnapshot(
        'kind: Namespace\napiVersion: v1\nmetadata: {name: a}\n---\nkind: Pod\napiVersion: v1\nmetadata: {name: p}\n',
      ),
    ).toThrow(/^document 2 \(Pod p\): metadata\.namespace: /);
  });
});

describe('parseSnapshot: ServiceEntries, WorkloadEntries and the mesh ConfigMap', () => {
  const input = [
    'apiVersion: networking.istio.io/v1',
    'kind: ServiceEntry',
    'metadata: {name: ext, namespace: default, labels: {istio.io/use-waypoint: egress}}',
    'spec:',
    '  hosts: [api.example.com]',
    '  resolution: STATIC',
    '  endpoints: [{address: 1.2.3.4, labels: {app: ext}}]',
    '---',
    'apiVersion: networking.istio.io/v1',
    'kind: WorkloadEntry',
    'metadata: {name: vm, namespace: default}',
    'spec: {address: 10.0.0.9, labels: {app: vm}}',
    '---',
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata: {name: istio, namespace: istio-system, labels: {istio.io/rev: default}}',
    'data:',
    '  mesh: |',
    '    discoverySelectors: [{matchLabels: {mesh: "on"}}]',
    '',
  ].join('\n');

  it('reads them into the snapshot, the MeshConfig with its revision', () => {
    const { snapshot, ignored } = parseSnapshot(input, 'cluster.yaml');
    expect(snapshot.serviceEntries).toEqual([
      {
        metadata: {
          name: 'ext',
          namespace: 'default',
          labels: { 'istio.io/use-waypoint': 'egress' },
        },
        spec: {
          hosts: ['api.example.com'],
          resolution: 'STATIC',
          endpoints: [{ address: '1.2.3.4', labels: { app: 'ext' } }],
        },
      },
    ]);
    expect(snapshot.workloadEntries).toEqual([
      {
        metadata: { name: 'vm', namespace: 'default' },
        spec: { address: '10.0.0.9', labels: { app: 'vm' } },
      },
    ]);
    expect(snapshot.meshConfig).toEqual({
      discoverySelectors: [{ matchLabels: { mesh: 'on' } }],
      serviceEntryVisibility: null,
      revision: 'default',
    });
    expect(ignored.size).toBe(0);
  });

  it('names the ConfigMap and field of a MeshConfig it cannot use', () => {
    const bad = input.replace(
      'matchLabels: {mesh: "on"}',
      'matchExpressions: [{key: a, operator: Is}]',
    );
    expect(() => parseSnapshot(bad, 'cluster.yaml')).toThrow(
      'cluster.yaml: ConfigMap istio-system/istio data.mesh.discoverySelectors[0]: "Is" is not a valid pod selector operator',
    );
  });

  it('names the field of a ServiceEntry without hosts', () => {
    const bad = input.replace('  hosts: [api.example.com]\n', '');
    expect(() => parseSnapshot(bad, 'cluster.yaml')).toThrow(
      /document 1 \(ServiceEntry default\/ext\): spec\.hosts: /,
    );
  });
});

describe('input that is not plain UTF-8 JSON or YAML', () => {
  const list =
    '{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"a"}}]}';

  it.each([
    ['JSON', `\uFEFF${list}`],
    ['YAML', '\uFEFFapiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n'],
  ])('reads %s after a UTF-8 byte order mark', (_case, text) => {
    expect(parseSnapshot(text).snapshot.namespaces.map((n) => n.metadata.name)).toEqual(['a']);
  });

  it.each([
    ['UTF-16 LE', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(list, 'utf16le')])],
    [
      'UTF-16 BE',
      Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(list, 'utf16le').swap16()]),
    ],
  ])('refuses %s with what to do instead', (_case, bytes) => {
    expect(() => parseSnapshot(bytes.toString('utf8'), 'cluster.json')).toThrow(
      'cluster.json: the input is UTF-16: convert it to UTF-8 first (iconv -f UTF-16 -t UTF-8)',
    );
  });

  it('refuses binary input at once', () => {
    const bytes = Buffer.alloc(1_000_000);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919 + (i >> 8)) % 256;
    expect(() => parseSnapshot(bytes.toString('utf8'), 'dump.bin')).toThrow(
      /^dump\.bin: the input is binary, not JSON or YAML/,
    );
  });

  it('refuses an alias bomb (billion laughs) with a ValidationError, not a crash', () => {
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (const [name, previous] of [
      ['b', 'a'],
      ['c', 'b'],
      ['d', 'c'],
      ['e', 'd'],
      ['f', 'e'],
    ])
      levels.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(',')}]`);
    const bomb = `${levels.join('\n')}\nkind: List\nitems: [*f]\n`;
    expect(() => parseSnapshot(bomb, 'bomb.yaml')).toThrow(ValidationError);
    expect(() => parseSnapshot(bomb, 'bomb.yaml')).toThrow(
      /^bomb\.yaml: YAML document 1 cannot be read: Excessive alias count/,
    );
  });
});

describe('a kubectl List read item by item', () => {
  const list = JSON.parse(
    readFileSync(new URL('../fixtures/bookinfo-walkthrough.json', import.meta.url), 'utf8'),
  );

  it('reads the YAML kubectl prints exactly as the same List in JSON', () => {
    const yaml = marshalGoYaml(list);
    expect(yaml).toMatch(/^items:\n- /m);
    expect(parseSnapshot(yaml)).toEqual(parseSnapshot(JSON.stringify(list)));
  });

  it('keeps multi-line values, comments and empty lines inside an item', () => {
    const yaml = [
      'apiVersion: v1',
      'items:',
      '- apiVersion: v1',
      '  kind: Namespace',
      '  metadata:',
      '    annotations:',
      '      note: |',
      '        line one',
      '',
      '        - not an item',
      '# a comment at column 0',
      '    name: a',
      '- apiVersion: v1',
      '  kind: Namespace',
      '  metadata: {name: b}',
      'kind: List',
      'metadata:',
      '  resourceVersion: ""',
      '',
    ].join('\n');
    const { snapshot } = parseSnapshot(yaml);
    expect(snapshot.namespaces.map((n) => [n.metadata.name, n.metadata.annotations])).toEqual([
      ['a', { note: 'line one\n\n- not an item\n' }],
      ['b', undefined],
    ]);
  });

  it('names the line of an error inside an item, counted in the whole input', () => {
    const yaml =
      'apiVersion: v1\nitems:\n- kind: Namespace\n  metadata: {name: a}\n- kind: Namespace\n  metadata: [name: b\nkind: List\n';
    expect(() => parseSnapshot(yaml, 'dump.yaml')).toThrow(
      /^dump\.yaml: invalid YAML in document 1 at line [67], column \d+: /,
    );
  });

  it('reads an empty List and several List documents', () => {
    const one = marshalGoYaml({ apiVersion: 'v1', kind: 'List', items: [], metadata: {} });
    expect(parseSnapshot(`${one}---\n${marshalGoYaml(list)}`).snapshot).toEqual(
      parseSnapshot(JSON.stringify(list)).snapshot,
    );
  });
});
