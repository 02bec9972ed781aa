/**
 * Reading kubectl output: JSON Lists, YAML documents, and errors that say what and where.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../shared/domain/errors.ts';
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
    expect(Object.keys(pod)).toEqual(['metadata']);
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
    ['a scalar document', '42\n', /^input: expected a Kubernetes object or List, found number$/],
    ['empty input', '\n', /^cluster\.json: no objects: /],
    ['a YAML null', 'null\n', /^cluster\.json: no objects: /],
    [
      'a List whose items are no list',
      '{"apiVersion":"v1","kind":"List","items":"x"}',
      /^input: a List needs "items", a list of objects$/,
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
