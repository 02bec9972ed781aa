/**
 * Rows follow:
 * - RFC 7386 Appendix A (merge patch examples) and evanphx/json-patch `merge.go`.
 * - RFC 6902 Appendix A and evanphx/json-patch v5 `patch_test.go` (`Cases`, `BadCases`,
 *   `TestCases`); error texts are v5 `patch.go`'s `errors.Wrapf(cause, msg)` = `msg: cause`.
 * - k8s.io/apimachinery `pkg/util/strategicpatch/patch_test.go`: the `mergeItem` schema
 *   (`mergingList` merges on `name`, `mergingIntList` is a merging list of scalars, the
 *   `nonMerging*` lists are replaced), `createStrategicMergePatchTestCaseData` (yaml rows, the
 *   two-way patch applied to `original` gives `modified`) and `strategicMergePatchRawTestCases`
 *   (the three-way patch applied to `current` gives `result`); messages from `mergepatch/errors.go`.
 * - kubectl's own patches: `kubectl label`/`annotate` send a merge of the labels map (null
 *   removes), client-side `kubectl apply` sends `$setElementOrder/<list>` with the merge list.
 */
import { describe, expect, it } from 'vitest';
import {
  applyJsonPatch,
  applyMergePatch,
  applyStrategicMergePatch,
  CORE_SCHEMAS,
  PatchError,
  type StrategicSchema,
} from '../src/patch.ts';

describe('applyMergePatch (RFC 7386)', () => {
  it.each([
    ['RFC 7386 A #1 replace member', { a: 'b' }, { a: 'c' }, { a: 'c' }],
    ['RFC 7386 A #2 add member', { a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    ['RFC 7386 A #3 null removes', { a: 'b' }, { a: null }, {}],
    ['RFC 7386 A #4 null removes one', { a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    ['RFC 7386 A #5 array replaced by scalar', { a: ['b'] }, { a: 'c' }, { a: 'c' }],
    ['RFC 7386 A #6 scalar replaced by array', { a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [
      'RFC 7386 A #7 nested merge',
      { a: { b: 'c' } },
      { a: { b: 'd', c: null } },
      { a: { b: 'd' } },
    ],
    ['RFC 7386 A #8 arrays are replaced', { a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    ['RFC 7386 A #9 array patch', ['a', 'b'], ['c', 'd'], ['c', 'd']],
    ['RFC 7386 A #10 object replaced by array', { a: 'b' }, ['c'], ['c']],
    ['RFC 7386 A #11 null patch', { a: 'foo' }, null, null],
    ['RFC 7386 A #12 scalar patch', { a: 'foo' }, 'bar', 'bar'],
    ['RFC 7386 A #13 target nulls stay', { e: null }, { a: 1 }, { e: null, a: 1 }],
    ['RFC 7386 A #14 non-object target', [1, 2], { a: 'b', c: null }, { a: 'b' }],
    ['RFC 7386 A #15 nulls in new members', {}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
    [
      'kubectl label k=v',
      { metadata: { name: 'w', labels: { a: '1' } } },
      { metadata: { labels: { k: 'v' } } },
      { metadata: { name: 'w', labels: { a: '1', k: 'v' } } },
    ],
    [
      'kubectl label k-',
      { metadata: { name: 'w', labels: { a: '1', k: 'v' } } },
      { metadata: { labels: { k: null } } },
      { metadata: { name: 'w', labels: { a: '1' } } },
    ],
  ])('%s', (_rule, target, patch, expected) => {
    expect(applyMergePatch(target, patch)).toEqual(expected);
  });

  it('does not mutate its inputs (evanphx MergePatch works on copies)', () => {
    const target = { a: { b: 'c' } };
    const patch = { a: { b: 'd' } };
    applyMergePatch(target, patch);
    expect(target).toEqual({ a: { b: 'c' } });
    expect(patch).toEqual({ a: { b: 'd' } });
  });
});

describe('applyJsonPatch (RFC 6902, evanphx/json-patch v5)', () => {
  it.each([
    [
      'RFC 6902 A.1 add object member',
      { foo: 'bar' },
      [{ op: 'add', path: '/baz', value: 'qux' }],
      { baz: 'qux', foo: 'bar' },
    ],
    [
      'RFC 6902 A.2 add array element',
      { foo: ['bar', 'baz'] },
      [{ op: 'add', path: '/foo/1', value: 'qux' }],
      { foo: ['bar', 'qux', 'baz'] },
    ],
    [
      'RFC 6902 A.3 remove object member',
      { baz: 'qux', foo: 'bar' },
      [{ op: 'remove', path: '/baz' }],
      { foo: 'bar' },
    ],
    [
      'RFC 6902 A.4 remove array element',
      { foo: ['bar', 'qux', 'baz'] },
      [{ op: 'remove', path: '/foo/1' }],
      { foo: ['bar', 'baz'] },
    ],
    [
      'RFC 6902 A.5 replace',
      { baz: 'qux', foo: 'bar' },
      [{ op: 'replace', path: '/baz', value: 'boo' }],
      { baz: 'boo', foo: 'bar' },
    ],
    [
      'RFC 6902 A.6 move a value',
      { foo: { bar: 'baz', waldo: 'fred' }, qux: { corge: 'grault' } },
      [{ op: 'move', from: '/foo/waldo', path: '/qux/thud' }],
      { foo: { bar: 'baz' }, qux: { corge: 'grault', thud: 'fred' } },
    ],
    [
      'RFC 6902 A.7 move array element',
      { foo: ['all', 'grass', 'cows', 'eat'] },
      [{ op: 'move', from: '/foo/1', path: '/foo/3' }],
      { foo: ['all', 'cows', 'eat', 'grass'] },
    ],
    [
      'RFC 6902 A.8 test success',
      { baz: 'qux', foo: ['a', 2, 'c'] },
      [
        { op: 'test', path: '/baz', value: 'qux' },
        { op: 'test', path: '/foo/1', value: 2 },
      ],
      { baz: 'qux', foo: ['a', 2, 'c'] },
    ],
    [
      'RFC 6902 A.10 add nested member',
      { foo: 'bar' },
      [{ op: 'add', path: '/child', value: { grandchild: {} } }],
      { foo: 'bar', child: { grandchild: {} } },
    ],
    [
      'RFC 6902 A.11 unrecognized members ignored',
      { foo: 'bar' },
      [{ op: 'add', path: '/baz', value: 'qux', xyz: 123 }],
      { foo: 'bar', baz: 'qux' },
    ],
    [
      'RFC 6902 A.14 ~0 and ~1 escapes',
      { '/': 9, '~1': 10 },
      [{ op: 'test', path: '/~01', value: 10 }],
      { '/': 9, '~1': 10 },
    ],
    [
      'RFC 6902 A.16 add array value',
      { foo: ['bar'] },
      [{ op: 'add', path: '/foo/-', value: ['abc', 'def'] }],
      { foo: ['bar', ['abc', 'def']] },
    ],
    [
      'v5 Cases: - appends',
      { foo: ['bar'] },
      [{ op: 'add', path: '/foo/-', value: 'x' }],
      { foo: ['bar', 'x'] },
    ],
    [
      'v5 Cases: negative index add',
      { foo: ['bar', 'baz'] },
      [{ op: 'add', path: '/foo/-1', value: 'qux' }],
      { foo: ['bar', 'baz', 'qux'] },
    ],
    [
      'v5 Cases: negative index remove',
      { foo: ['bar', 'qux', 'baz'] },
      [{ op: 'remove', path: '/foo/-2' }],
      { foo: ['bar', 'baz'] },
    ],
    [
      'v5 Cases: copy',
      { foo: ['bar'] },
      [{ op: 'copy', path: '/foo/0', from: '/foo' }],
      { foo: [['bar'], 'bar'] },
    ],
    [
      'v5 Cases: add null value',
      { foo: 'bar' },
      [{ op: 'add', path: '/baz', value: null }],
      { baz: null, foo: 'bar' },
    ],
    [
      'v5 TestCases: test ~1 path',
      { 'baz/foo': 'qux' },
      [{ op: 'test', path: '/baz~1foo', value: 'qux' }],
      { 'baz/foo': 'qux' },
    ],
    [
      'v5 TestCases: null tests a missing key',
      { baz: 'qux' },
      [{ op: 'test', path: '/foo', value: null }],
      { baz: 'qux' },
    ],
    [
      'kubectl patch --type json label',
      { metadata: { labels: { a: '1' } } },
      [{ op: 'replace', path: '/metadata/labels/a', value: '2' }],
      { metadata: { labels: { a: '2' } } },
    ],
  ])('%s', (_rule, target, ops, expected) => {
    expect(applyJsonPatch(target, ops)).toEqual(expected);
  });

  it.each([
    [
      'replace of a missing key',
      { metadata: { labels: {} } },
      [{ op: 'replace', path: '/metadata/labels/x', value: 'y' }],
      'replace operation does not apply: doc is missing key: /metadata/labels/x: missing value',
    ],
    [
      'RFC 6902 A.9 test failure',
      { baz: 'qux' },
      [{ op: 'test', path: '/baz', value: 'bar' }],
      'testing value /baz failed: test failed',
    ],
    [
      'test of a missing key',
      { baz: 'qux' },
      [{ op: 'test', path: '/foo', value: 42 }],
      'testing value /foo failed: test failed',
    ],
    [
      'RFC 6902 A.12 add to a nonexistent target',
      { foo: 'bar' },
      [{ op: 'add', path: '/baz/bat', value: 'qux' }],
      'add operation does not apply: doc is missing path: "/baz/bat": missing value',
    ],
    [
      'RFC 6902 A.15 string is not a number',
      { '/': 9, '~1': 10 },
      [{ op: 'test', path: '/~01', value: '10' }],
      'testing value /~01 failed: test failed',
    ],
    [
      'v5 BadCases: remove missing key',
      { a: { b: { d: 1 } } },
      [{ op: 'remove', path: '/a/b/c' }],
      "error in remove for path: '/a/b/c': unable to remove nonexistent key: c: missing value",
    ],
    [
      'v5 BadCases: remove past the end',
      { a: { b: [1] } },
      [{ op: 'remove', path: '/a/b/1' }],
      "error in remove for path: '/a/b/1': Unable to access invalid index: 1: invalid index referenced",
    ],
    [
      'v5 BadCases: move from missing',
      { a: { b: { d: 1 } } },
      [{ op: 'move', from: '/a/b/c', path: '/a/b/e' }],
      "error in move for path: 'c': unable to get nonexistent key: c: missing value",
    ],
    [
      'v5 BadCases: add past the end',
      { foo: ['bar'] },
      [{ op: 'add', path: '/foo/2', value: 'bum' }],
      "error in add for path: '/foo/2': Unable to access invalid index: 2: invalid index referenced",
    ],
    [
      'v5 BadCases: add without path',
      { foo: 'bar' },
      [{ op: 'add', pathz: '/baz', value: 'qux' }],
      'add operation failed to decode path: missing value',
    ],
    [
      'v5 BadCases: replace of a missing index',
      { foo: ['bar', 'baz'] },
      [{ op: 'replace', path: '/foo/2', value: 'bum' }],
      'replace operation does not apply: doc is missing key: /foo/2: missing value',
    ],
    [
      'v5 BadCases: replace under a missing parent',
      { name: { foo: 'bat' } },
      [{ op: 'replace', path: '/foo/bar', value: 'baz' }],
      'replace operation does not apply: doc is missing path: /foo/bar: missing value',
    ],
    [
      'v5 BadCases: remove /foo/-',
      { foo: [] },
      [{ op: 'remove', path: '/foo/-' }],
      `error in remove for path: '/foo/-': strconv.Atoi: parsing "-": invalid syntax`,
    ],
    [
      'v5 BadCases: copy from missing',
      { foo: 'bar' },
      [{ op: 'copy', path: '/qux', from: '/baz' }],
      "error in copy for from: '/baz': unable to get nonexistent key: baz: missing value",
    ],
    ['v5 BadCases: null op', {}, [{ op: null, path: '' }], 'Unexpected kind: unknown'],
  ])('422: %s', (_rule, target, ops, message) => {
    const run = (): unknown => applyJsonPatch(target, ops);
    expect(run).toThrow(PatchError);
    expect(run).toThrow(message);
    try {
      run();
    } catch (error) {
      expect((error as PatchError).status).toBe(422);
    }
  });

  it('400 when the body is not a list of operations (jsonpatch.DecodePatch)', () => {
    expect(() => applyJsonPatch({}, { op: 'add' })).toThrow(
      'json: cannot unmarshal object into Go value of type jsonpatch.Patch',
    );
    try {
      applyJsonPatch({}, 'x');
    } catch (error) {
      expect((error as PatchError).status).toBe(400);
    }
  });

  it('applies operations in order and leaves the target alone', () => {
    const target = { a: [1] };
    const out = applyJsonPatch(target, [
      { op: 'add', path: '/a/-', value: 2 },
      { op: 'copy', from: '/a', path: '/b' },
      { op: 'remove', path: '/a/0' },
    ]);
    expect(out).toEqual({ a: [2], b: [1, 2] });
    expect(target).toEqual({ a: [1] });
  });
});

/** The `mergeItem` struct of strategicpatch/patch_test.go. */
const MERGE_ITEM: StrategicSchema = {
  mergingList: { mergeKey: 'name' },
  'mergingList[].mergingList': { mergeKey: 'name' },
  mergingIntList: { mergeKey: '' },
};

describe('applyStrategicMergePatch (strategicpatch, mergeItem schema)', () => {
  it.each([
    [
      'raw: delete items in lists of scalars (three-way on current)',
      { mergingIntList: [1, 2, 3, 4] },
      { '$setElementOrder/mergingIntList': [1, 2], '$deleteFromPrimitiveList/mergingIntList': [3] },
      { mergingIntList: [1, 2, 4] },
    ],
    [
      'raw: add and delete items in lists of scalars (two-way on original)',
      { mergingIntList: [1, 2, 3] },
      {
        '$setElementOrder/mergingIntList': [1, 2, 4],
        '$deleteFromPrimitiveList/mergingIntList': [3],
        mergingIntList: [4],
      },
      { mergingIntList: [1, 2, 4] },
    ],
    [
      'raw: merge lists of maps ($setElementOrder puts new items first)',
      {
        mergingList: [
          { name: 1, other: 'a' },
          { name: 2, value: 2, other: 'b' },
        ],
      },
      {
        '$setElementOrder/mergingList': [{ name: 4 }, { name: 1 }, { name: 2 }, { name: 3 }],
        mergingList: [
          { name: 4, value: 4 },
          { name: 3, value: 3 },
        ],
      },
      {
        mergingList: [
          { name: 4, value: 4 },
          { name: 1, other: 'a' },
          { name: 2, value: 2, other: 'b' },
          { name: 3, value: 3 },
        ],
      },
    ],
    [
      'raw: add field to map in merging list with conflict',
      {
        mergingList: [
          { name: 1, other: 'a' },
          { name: 3, value: 2, other: 'b' },
        ],
      },
      {
        '$setElementOrder/mergingList': [{ name: 1 }, { name: 2 }],
        mergingList: [
          { name: 1, value: 1 },
          { name: 2, value: 2 },
        ],
      },
      {
        mergingList: [
          { name: 1, value: 1, other: 'a' },
          { name: 2, value: 2 },
          { name: 3, value: 2, other: 'b' },
        ],
      },
    ],
    [
      'raw: delete map from merging list',
      { mergingList: [{ name: 1 }, { name: 2, other: 'b' }] },
      {
        '$setElementOrder/mergingList': [{ name: 2 }],
        mergingList: [{ name: 1, $patch: 'delete' }],
      },
      { mergingList: [{ name: 2, other: 'b' }] },
    ],
    [
      'raw: delete missing map from merging list',
      { mergingList: [{ name: 2, other: 'b' }] },
      {
        '$setElementOrder/mergingList': [{ name: 2 }],
        mergingList: [{ name: 1, $patch: 'delete' }],
      },
      { mergingList: [{ name: 2, other: 'b' }] },
    ],
    [
      'raw: delete a nonexistent item with $patch: delete (list absent from original)',
      { name: 'hi' },
      { mergingList: [{ name: 'hello' }, { $patch: 'delete', name: 'doesntexist' }] },
      { name: 'hi', mergingList: [{ name: 'hello' }] },
    ],
    [
      'raw: $deleteFromPrimitiveList of nonexistent item',
      { mergingIntList: [1, 2] },
      { '$deleteFromPrimitiveList/mergingIntList': [3] },
      { mergingIntList: [1, 2] },
    ],
    [
      'raw: $deleteFromPrimitiveList on nonexistent primitive list',
      { foo: ['bar'] },
      { '$deleteFromPrimitiveList/mergingIntList': [3] },
      { foo: ['bar'] },
    ],
    [
      'yaml: delete all maps from merging list',
      { mergingList: [{ name: 1 }, { name: 2 }] },
      {
        mergingList: [
          { name: 1, $patch: 'delete' },
          { name: 2, $patch: 'delete' },
        ],
      },
      { mergingList: [] },
    ],
    [
      'yaml: defined null values should propagate removing original fields',
      { name: 'original-name', value: 'original-value' },
      { name: 'modified-name', value: null },
      { name: 'modified-name' },
    ],
    [
      'yaml: nonMergingIntList is replaced',
      { nonMergingIntList: [1, 4] },
      { nonMergingIntList: [2, 3] },
      { nonMergingIntList: [2, 3] },
    ],
    [
      'mergeSliceWithSpecialElements: $patch: replace item replaces the list',
      { mergingList: [{ name: 1, value: 'a' }, { name: 2 }] },
      { mergingList: [{ name: 3 }, { $patch: 'replace' }] },
      { mergingList: [{ name: 3 }] },
    ],
    [
      'handleDirectiveInMergeMap: $patch: replace on a map',
      { mergingList: [{ name: 1 }], nested: { a: 1, b: 2 } },
      { nested: { $patch: 'replace', c: 3 } },
      { mergingList: [{ name: 1 }], nested: { c: 3 } },
    ],
    [
      'handleDirectiveInMergeMap: $patch: delete on a map leaves it empty',
      { nested: { a: 1 }, other: 1 },
      { nested: { $patch: 'delete' } },
      { nested: {}, other: 1 },
    ],
    [
      'applyRetainKeysDirective: keys not retained are cleared',
      { retainKeysMap: { name: 'foo', value: 'a', other: 'b' } },
      { retainKeysMap: { $retainKeys: ['name', 'value'], value: 'c' } },
      { retainKeysMap: { name: 'foo', value: 'c' } },
    ],
    [
      'mergeSlice: merging scalar lists is a union in live order',
      { mergingIntList: [1, 2] },
      { mergingIntList: [2, 3] },
      { mergingIntList: [1, 2, 3] },
    ],
    [
      'mergeSliceWithoutSpecialElements + mergeSortedSlice: new items without $setElementOrder go first',
      { mergingList: [{ name: 1, mergingList: [{ name: 'x', value: 1 }] }] },
      { mergingList: [{ name: 1, mergingList: [{ name: 'y', value: 2 }] }] },
      {
        mergingList: [
          {
            name: 1,
            mergingList: [
              { name: 'y', value: 2 },
              { name: 'x', value: 1 },
            ],
          },
        ],
      },
    ],
  ])('%s', (_rule, original, patch, expected) => {
    expect(applyStrategicMergePatch(original, patch, MERGE_ITEM)).toEqual(expected);
  });

  it.each([
    [
      'raw: missing merge key should error out',
      { mergingList: [{ name: 1, value: 'a' }] },
      { mergingList: [{ value: 'b' }] },
      'map: map[value:b] does not contain declared merge key: name',
    ],
    [
      'raw: $setElementOrder contains item that is not present in the list to be merged',
      { mergingList: [{ name: 1 }, { name: 3 }, { name: 2 }] },
      {
        '$setElementOrder/mergingList': [{ name: 1 }, { name: 2 }, { name: 3 }],
        mergingList: [
          { name: 3, value: 3 },
          { name: 1, value: 1 },
        ],
      },
      "doesn't match $setElementOrder list",
    ],
    [
      'ErrBadPatchType: unknown $patch on a map',
      { nested: { a: 1 } },
      { nested: { $patch: 'bogus' } },
      'unknown patch type: bogus in map: map[$patch:bogus]',
    ],
    [
      'mergeSliceWithSpecialElements: $patch: merge in a list',
      { mergingList: [{ name: 1 }] },
      { mergingList: [{ name: 1, $patch: 'merge' }] },
      'merging lists cannot yet be specified in the patch',
    ],
    [
      'ErrBadPatchFormatForRetainKeys: patch key missing from $retainKeys',
      { retainKeysMap: { name: 'foo' } },
      { retainKeysMap: { $retainKeys: ['name'], value: 'c' } },
      'invalid patch format of retainKeys',
    ],
  ])('400: %s', (_rule, original, patch, message) => {
    expect(() => applyStrategicMergePatch(original, patch, MERGE_ITEM)).toThrow(message);
  });
});

describe('applyStrategicMergePatch (core kinds, as kubectl sends)', () => {
  const service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'svc', labels: { app: 'a' }, finalizers: ['x'] },
    spec: {
      ports: [
        { name: 'http', port: 80, protocol: 'TCP', targetPort: 80 },
        { name: 'grpc', port: 9090, protocol: 'TCP', targetPort: 9090 },
      ],
      selector: { app: 'a' },
    },
  };

  it.each([
    [
      'kubectl label: {"metadata":{"labels":{"k":"v"}}}',
      { metadata: { labels: { k: 'v' } } },
      { ...service, metadata: { ...service.metadata, labels: { app: 'a', k: 'v' } } },
    ],
    [
      'kubectl label app-: {"metadata":{"labels":{"app":null}}}',
      { metadata: { labels: { app: null } } },
      { ...service, metadata: { ...service.metadata, labels: {} } },
    ],
    [
      'kubectl apply (client-side): spec.ports merges on port, $setElementOrder keeps order',
      {
        spec: {
          '$setElementOrder/ports': [{ port: 80 }, { port: 9090 }],
          ports: [{ port: 80, targetPort: 8080 }],
        },
      },
      {
        ...service,
        spec: {
          ...service.spec,
          ports: [
            { name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 },
            { name: 'grpc', port: 9090, protocol: 'TCP', targetPort: 9090 },
          ],
        },
      },
    ],
    [
      'ObjectMeta finalizers: patchStrategy merge on strings (new item first, mergeSortedSlice)',
      { metadata: { finalizers: ['y'] } },
      { ...service, metadata: { ...service.metadata, finalizers: ['y', 'x'] } },
    ],
    [
      'ObjectMeta finalizers: $deleteFromPrimitiveList',
      { metadata: { '$deleteFromPrimitiveList/finalizers': ['x'] } },
      { ...service, metadata: { ...service.metadata, finalizers: [] } },
    ],
  ])('Service: %s', (_rule, patch, expected) => {
    expect(applyStrategicMergePatch(service, patch, CORE_SCHEMAS.Service)).toEqual(expected);
  });

  const pod = {
    metadata: { name: 'p' },
    spec: {
      containers: [
        {
          name: 'app',
          image: 'a:1',
          env: [{ name: 'A', value: '1' }],
          ports: [{ containerPort: 80 }],
        },
        { name: 'sidecar', image: 's:1' },
      ],
      tolerations: [{ key: 'a', operator: 'Exists' }],
    },
  };

  it.each([
    [
      'Container: containers merge on name, env on name (new B first), ports on containerPort',
      {
        spec: {
          containers: [
            {
              name: 'app',
              env: [{ name: 'B', value: '2' }],
              ports: [{ containerPort: 80, name: 'http' }],
            },
          ],
        },
      },
      {
        ...pod,
        spec: {
          ...pod.spec,
          containers: [
            {
              name: 'app',
              image: 'a:1',
              env: [
                { name: 'B', value: '2' },
                { name: 'A', value: '1' },
              ],
              ports: [{ containerPort: 80, name: 'http' }],
            },
            { name: 'sidecar', image: 's:1' },
          ],
        },
      },
    ],
    [
      'PodSpec tolerations have no patchStrategy: replaced',
      { spec: { tolerations: [{ key: 'b', operator: 'Exists' }] } },
      { ...pod, spec: { ...pod.spec, tolerations: [{ key: 'b', operator: 'Exists' }] } },
    ],
    [
      'delete a container with $patch: delete',
      { spec: { containers: [{ name: 'sidecar', $patch: 'delete' }] } },
      { ...pod, spec: { ...pod.spec, containers: [pod.spec.containers[0]] } },
    ],
  ])('Pod: %s', (_rule, patch, expected) => {
    expect(applyStrategicMergePatch(pod, patch, CORE_SCHEMAS.Pod)).toEqual(expected);
  });

  it('declares the real merge keys of the core kinds (k8s.io/api core/v1 struct tags)', () => {
    expect(CORE_SCHEMAS.Pod['spec.containers']).toEqual({ mergeKey: 'name' });
    expect(CORE_SCHEMAS.Pod['spec.initContainers']).toEqual({ mergeKey: 'name' });
    expect(CORE_SCHEMAS.Pod['spec.containers[].ports']).toEqual({ mergeKey: 'containerPort' });
    expect(CORE_SCHEMAS.Pod['spec.containers[].env']).toEqual({ mergeKey: 'name' });
    expect(CORE_SCHEMAS.Pod['spec.containers[].volumeMounts']).toEqual({ mergeKey: 'mountPath' });
    expect(CORE_SCHEMAS.Pod['spec.volumes']).toEqual({ mergeKey: 'name' });
    expect(CORE_SCHEMAS.Pod['spec.tolerations']).toBeUndefined();
    expect(CORE_SCHEMAS.Pod['status.conditions']).toEqual({ mergeKey: 'type' });
    expect(CORE_SCHEMAS.Service['spec.ports']).toEqual({ mergeKey: 'port' });
    expect(CORE_SCHEMAS.Namespace['metadata.ownerReferences']).toEqual({ mergeKey: 'uid' });
    expect(CORE_SCHEMAS.Namespace['metadata.finalizers']).toEqual({ mergeKey: '' });
  });

  it('rejects a non-object patch like handleUnmarshal (ErrBadJSONDoc)', () => {
    expect(() => applyStrategicMergePatch(service, [1], CORE_SCHEMAS.Service)).toThrow(
      'invalid JSON document',
    );
  });
});
