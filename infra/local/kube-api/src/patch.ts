/**
 * The three non-apply PATCH bodies the API server accepts, as pure functions over plain JSON:
 *
 * - `application/merge-patch+json`: RFC 7386 (evanphx/json-patch `MergePatch`).
 * - `application/json-patch+json`: RFC 6902, with the operations, JSON pointer handling and error
 *   texts of evanphx/json-patch v5 `patch.go` (errors are `pkg/errors` wraps: `msg: cause`).
 * - `application/strategic-merge-patch+json`: k8s.io/apimachinery `pkg/util/strategicpatch`
 *   `mergeMap`/`mergeSlice` (server side: `MergeParallelList` and `IgnoreUnmatchedNulls` on), with
 *   the `$patch`, `$retainKeys`, `$deleteFromPrimitiveList/` and `$setElementOrder/` directives.
 *
 * Inputs are never mutated; every function returns a fresh value.
 */

import { clone, isObject, type JsonObject, jsonEqual } from './json.ts';

/** A PATCH body that cannot be applied: 400 for a malformed body, 422 for one that does not fit. */
export class PatchError extends Error {
  override name = 'PatchError';
  readonly status: 400 | 422;

  constructor(status: 400 | 422, message: string) {
    super(message);
    this.status = status;
  }
}

// ---------------------------------------------------------------------------------------------
// RFC 7386 JSON merge patch

/**
 * Applies an RFC 7386 JSON merge patch: objects merge recursively, `null` deletes a key, anything
 * else (arrays included) replaces the target value.
 */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  return mergePatch(clone(target), patch);
}

/** RFC 7386 §2 MergePatch, mutating `target` (already a private copy). */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return clone(patch);
  const result: JsonObject = isObject(target) ? target : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// RFC 6902 JSON patch (evanphx/json-patch v5)

const ERR_MISSING = 'missing value';
const ERR_TEST_FAILED = 'test failed';
const ERR_INVALID_INDEX = 'invalid index referenced';

/** An error of the json-patch library: the message and whether its cause is `ErrMissing`. */
class OpError extends Error {
  readonly missing: boolean;

  constructor(message: string, missing = false) {
    super(message);
    this.missing = missing;
  }
}

function wrap(message: string, cause: string | Error): OpError {
  const text = typeof cause === 'string' ? cause : cause.message;
  const missing = cause === ERR_MISSING || (cause instanceof OpError && cause.missing);
  return new OpError(`${message}: ${text}`, missing);
}

/** RFC 6901 §4: `~1` then `~0`, in one left-to-right pass as `strings.NewReplacer` does. */
function decodeToken(token: string): string {
  return token.replace(/~[01]/g, (m) => (m === '~1' ? '/' : '~'));
}

/** Go's `strconv.Atoi`. */
function atoi(key: string): number {
  if (!/^[+-]?\d+$/.test(key)) throw new OpError(`strconv.Atoi: parsing "${key}": invalid syntax`);
  return Number.parseInt(key, 10);
}

function invalidIndex(idx: number): OpError {
  return wrap(`Unable to access invalid index: ${idx}`, ERR_INVALID_INDEX);
}

type Container = JsonObject | unknown[];

function containerGet(con: Container, key: string): unknown {
  if (!Array.isArray(con)) {
    if (!Object.hasOwn(con, key)) throw wrap(`unable to get nonexistent key: ${key}`, ERR_MISSING);
    return con[key];
  }
  let idx = atoi(key);
  if (idx < 0) {
    if (idx < -con.length) throw invalidIndex(idx);
    idx += con.length;
  }
  if (idx >= con.length) throw invalidIndex(idx);
  return con[idx];
}

function containerAdd(con: Container, key: string, value: unknown): void {
  if (!Array.isArray(con)) {
    con[key] = value;
    return;
  }
  if (key === '-') {
    con.push(value);
    return;
  }
  let idx: number;
  try {
    idx = atoi(key);
  } catch (error) {
    throw wrap(`value was not a proper array index: '${key}'`, error as Error);
  }
  const size = con.length + 1;
  if (idx >= size || idx < -size) throw invalidIndex(idx);
  if (idx < 0) idx += size;
  con.splice(idx, 0, value);
}

function containerRemove(con: Container, key: string): void {
  if (!Array.isArray(con)) {
    if (!Object.hasOwn(con, key)) {
      throw wrap(`unable to remove nonexistent key: ${key}`, ERR_MISSING);
    }
    delete con[key];
    return;
  }
  let idx = atoi(key);
  if (idx >= con.length || idx < -con.length) throw invalidIndex(idx);
  if (idx < 0) idx += con.length;
  con.splice(idx, 1);
}

function containerSet(con: Container, key: string, value: unknown): void {
  if (!Array.isArray(con)) {
    con[key] = value;
    return;
  }
  let idx = atoi(key);
  if (idx < 0) idx += con.length;
  con[idx] = value;
}

/** `findObject`: the container holding the last token of `path`, or undefined. */
function findObject(doc: Container, path: string): [Container, string] | undefined {
  const split = path.split('/');
  if (split.length < 2) return path === '' ? [doc, ''] : undefined;
  let con: Container = doc;
  for (const part of split.slice(1, -1)) {
    let next: unknown;
    try {
      next = containerGet(con, decodeToken(part));
    } catch {
      return undefined;
    }
    if (!Array.isArray(next) && !isObject(next)) return undefined;
    con = next;
  }
  return [con, decodeToken(split.at(-1) ?? '')];
}

interface Operation {
  readonly op: string;
  readonly path: string | undefined;
  readonly from: string | undefined;
  readonly value: unknown;
}

interface Doc {
  root: unknown;
}

function stringField(raw: JsonObject, key: string): string | undefined {
  const value = raw[key];
  return typeof value === 'string' ? value : undefined;
}

function requirePath(op: Operation, message: string): string {
  if (op.path === undefined) throw new OpError(message, true);
  return op.path;
}

function requireFrom(op: Operation, message: string): string {
  if (op.from === undefined) throw new OpError(message, true);
  return op.from;
}

function locate(doc: Doc, path: string, missing: string): [Container, string] {
  const found =
    isObject(doc.root) || Array.isArray(doc.root) ? findObject(doc.root, path) : undefined;
  if (found === undefined) throw wrap(missing, ERR_MISSING);
  return found;
}

function opAdd(doc: Doc, op: Operation): void {
  const path = requirePath(op, 'add operation failed to decode path: missing value');
  if (path === '') {
    if (!isObject(op.value) && !Array.isArray(op.value)) {
      throw new OpError(
        `json: cannot unmarshal ${goJsonType(op.value)} into Go value of type jsonpatch.partialDoc`,
      );
    }
    doc.root = clone(op.value);
    return;
  }
  const [con, key] = locate(
    doc,
    path,
    `add operation does not apply: doc is missing path: "${path}"`,
  );
  try {
    containerAdd(con, key, clone(op.value));
  } catch (error) {
    throw wrap(`error in add for path: '${path}'`, error as Error);
  }
}

function opRemove(doc: Doc, op: Operation): void {
  const path = requirePath(op, 'remove operation failed to decode path: missing value');
  const [con, key] = locate(
    doc,
    path,
    `remove operation does not apply: doc is missing path: "${path}"`,
  );
  try {
    containerRemove(con, key);
  } catch (error) {
    throw wrap(`error in remove for path: '${path}'`, error as Error);
  }
}

function opReplace(doc: Doc, op: Operation): void {
  const path = requirePath(
    op,
    'replace operation failed to decode path: operation missing path field: missing value',
  );
  if (path === '') {
    if (!isObject(op.value) && !Array.isArray(op.value)) {
      throw new OpError('replace operation value must be object or array');
    }
    doc.root = clone(op.value);
    return;
  }
  const [con, key] = locate(
    doc,
    path,
    `replace operation does not apply: doc is missing path: ${path}`,
  );
  try {
    containerGet(con, key);
  } catch {
    throw wrap(`replace operation does not apply: doc is missing key: ${path}`, ERR_MISSING);
  }
  containerSet(con, key, clone(op.value));
}

function opMove(doc: Doc, op: Operation): void {
  const from = requireFrom(
    op,
    'move operation failed to decode from: operation, missing from field: missing value',
  );
  if (from === '') {
    throw new OpError('unable to move entire document to another path: invalid state detected');
  }
  const [source, fromKey] = locate(
    doc,
    from,
    `move operation does not apply: doc is missing from path: ${from}`,
  );
  let value: unknown;
  try {
    value = containerGet(source, fromKey);
    containerRemove(source, fromKey);
  } catch (error) {
    throw wrap(`error in move for path: '${fromKey}'`, error as Error);
  }
  const path = requirePath(
    op,
    'move operation failed to decode path: operation missing path field: missing value',
  );
  const [con, key] = locate(
    doc,
    path,
    `move operation does not apply: doc is missing destination path: ${path}`,
  );
  try {
    containerAdd(con, key, value);
  } catch (error) {
    throw wrap(`error in move for path: '${path}'`, error as Error);
  }
}

function opTest(doc: Doc, op: Operation): void {
  const path = requirePath(
    op,
    'test operation failed to decode path: operation missing path field: missing value',
  );
  const failed = wrap(`testing value ${path} failed`, ERR_TEST_FAILED);
  if (path === '') {
    if (!jsonEqual(doc.root, op.value)) throw failed;
    return;
  }
  const [con, key] = locate(doc, path, `test operation does not apply: is missing path: ${path}`);
  let value: unknown;
  try {
    value = containerGet(con, key);
  } catch (error) {
    if (error instanceof OpError && error.missing) {
      if (op.value === null) return;
      throw failed;
    }
    throw wrap(`error in test for path: '${path}'`, error as Error);
  }
  if (!jsonEqual(value, op.value)) throw failed;
}

function opCopy(doc: Doc, op: Operation): void {
  const from = requireFrom(
    op,
    'copy operation failed to decode from: operation, missing from field: missing value',
  );
  const [source, fromKey] = locate(
    doc,
    from,
    `copy operation does not apply: doc is missing from path: "${from}"`,
  );
  let value: unknown;
  try {
    value = containerGet(source, fromKey);
  } catch (error) {
    throw wrap(`error in copy for from: '${from}'`, error as Error);
  }
  const path = requirePath(op, 'copy operation failed to decode path: missing value');
  const [con, key] = locate(
    doc,
    path,
    `copy operation does not apply: doc is missing destination path: ${path}`,
  );
  try {
    containerAdd(con, key, clone(value));
  } catch (error) {
    throw wrap('error while adding value during copy', error as Error);
  }
}

const OPERATIONS: Record<string, (doc: Doc, op: Operation) => void> = {
  add: opAdd,
  remove: opRemove,
  replace: opReplace,
  move: opMove,
  test: opTest,
  copy: opCopy,
};

/** Go's name for a JSON value's type in `json: cannot unmarshal X into Go value of type Y`. */
function goJsonType(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'object';
  return typeof value === 'boolean' ? 'bool' : typeof value;
}

function decodeOperations(ops: unknown): Operation[] {
  if (!Array.isArray(ops)) {
    throw new PatchError(
      400,
      `json: cannot unmarshal ${goJsonType(ops)} into Go value of type jsonpatch.Patch`,
    );
  }
  return ops.map((raw) => {
    if (!isObject(raw)) {
      throw new PatchError(
        400,
        `json: cannot unmarshal ${goJsonType(raw)} into Go value of type jsonpatch.Operation`,
      );
    }
    const op = stringField(raw, 'op') ?? 'unknown';
    const value = Object.hasOwn(raw, 'value') ? raw.value : null;
    return { op, path: stringField(raw, 'path'), from: stringField(raw, 'from'), value };
  });
}

/**
 * Applies an RFC 6902 JSON patch. Throws {@link PatchError}: 400 when `ops` is not a list of
 * operation objects, 422 with evanphx/json-patch's message when an operation does not apply
 * (e.g. `replace operation does not apply: doc is missing key: /metadata/labels/x: missing value`,
 * `testing value /x failed: test failed`).
 */
export function applyJsonPatch(target: unknown, ops: unknown): unknown {
  const operations = decodeOperations(ops);
  const doc: Doc = { root: clone(target) };
  for (const op of operations) {
    const run = OPERATIONS[op.op];
    try {
      if (run === undefined) throw new OpError(`Unexpected kind: ${op.op}`);
      run(doc, op);
    } catch (error) {
      if (error instanceof OpError) throw new PatchError(422, error.message);
      throw error;
    }
  }
  return doc.root;
}

// ---------------------------------------------------------------------------------------------
// Strategic merge patch (k8s.io/apimachinery/pkg/util/strategicpatch)

/**
 * Patch metadata of one kind: dotted field path (`[]` steps into list items, e.g.
 * `spec.containers[].ports`) to the `patchMergeKey` of a list whose `patchStrategy` is `merge`.
 * A list of scalars with strategy `merge` (e.g. `metadata.finalizers`) has merge key `''`. Lists
 * not named here are replaced as a whole.
 */
export type StrategicSchema = Record<string, { mergeKey: string }>;

const OBJECT_META: StrategicSchema = {
  'metadata.ownerReferences': { mergeKey: 'uid' },
  'metadata.finalizers': { mergeKey: '' },
};

function containerLists(prefix: string): StrategicSchema {
  return {
    [prefix]: { mergeKey: 'name' },
    [`${prefix}[].ports`]: { mergeKey: 'containerPort' },
    [`${prefix}[].env`]: { mergeKey: 'name' },
    [`${prefix}[].volumeMounts`]: { mergeKey: 'mountPath' },
    [`${prefix}[].volumeDevices`]: { mergeKey: 'devicePath' },
  };
}

/**
 * The `patchStrategy:"merge"` lists of the core kinds this server serves, from the struct tags
 * of k8s.io/api/core/v1 `types.go` and apimachinery `ObjectMeta`. `spec.tolerations`,
 * `spec.clusterIPs`, `spec.finalizers` (Namespace) and the other untagged lists are atomic.
 */
type CoreKind =
  | 'Namespace'
  | 'Service'
  | 'Pod'
  | 'ConfigMap'
  | 'ClusterRole'
  | 'ClusterRoleBinding'
  | 'Role'
  | 'RoleBinding';

export const CORE_SCHEMAS: Record<CoreKind, StrategicSchema> = {
  ConfigMap: OBJECT_META,
  Namespace: {
    ...OBJECT_META,
    'status.conditions': { mergeKey: 'type' },
  },
  Service: {
    ...OBJECT_META,
    'spec.ports': { mergeKey: 'port' },
    'status.conditions': { mergeKey: 'type' },
  },
  Pod: {
    ...OBJECT_META,
    'spec.volumes': { mergeKey: 'name' },
    ...containerLists('spec.initContainers'),
    ...containerLists('spec.containers'),
    ...containerLists('spec.ephemeralContainers'),
    'spec.imagePullSecrets': { mergeKey: 'name' },
    'spec.hostAliases': { mergeKey: 'ip' },
    'spec.topologySpreadConstraints': { mergeKey: 'topologyKey' },
    'spec.resourceClaims': { mergeKey: 'name' },
    'spec.schedulingGates': { mergeKey: 'name' },
    'status.conditions': { mergeKey: 'type' },
    'status.podIPs': { mergeKey: 'ip' },
    'status.hostIPs': { mergeKey: 'ip' },
    'status.resourceClaimStatuses': { mergeKey: 'name' },
  },
  // k8s.io/api/rbac/v1: rules, subjects and aggregationRule carry no patch strategy (replaced).
  ClusterRole: OBJECT_META,
  ClusterRoleBinding: OBJECT_META,
  Role: OBJECT_META,
  RoleBinding: OBJECT_META,
};

const DIRECTIVE = '$patch';
const RETAIN_KEYS = '$retainKeys';
const DELETE_PRIMITIVE = '$deleteFromPrimitiveList';
const SET_ORDER = '$setElementOrder';

const ERR_PRIMITIVE_LIST = 'invalid patch format of primitive list';
const ERR_RETAIN_KEYS = 'invalid patch format of retainKeys';
const ERR_SET_ORDER = 'invalid patch format of setElementOrder list';

/** Go's `%v` of a decoded JSON value: `map[k:v]`, `[a b]`, `<nil>`. */
function goFormat(value: unknown): string {
  if (value === null || value === undefined) return '<nil>';
  if (Array.isArray(value)) return `[${value.map(goFormat).join(' ')}]`;
  if (isObject(value)) {
    const entries = Object.keys(value)
      .sort()
      .map((key) => `${key}:${goFormat(value[key])}`);
    return `map[${entries.join(' ')}]`;
  }
  return String(value);
}

/** Go's `reflect.TypeOf` of a decoded JSON value. */
function goType(value: unknown): string {
  if (Array.isArray(value)) return '[]interface {}';
  if (isObject(value)) return 'map[string]interface {}';
  if (value === null || value === undefined) return '<nil>';
  if (typeof value === 'number') return 'float64';
  return typeof value === 'boolean' ? 'bool' : 'string';
}

function smpError(message: string, status: 400 | 422 = 400): PatchError {
  return new PatchError(status, message);
}

function noMergeKey(item: JsonObject, mergeKey: string): PatchError {
  return smpError(`map: ${goFormat(item)} does not contain declared merge key: ${mergeKey}`);
}

function badArgType(expected: string, actual: unknown): PatchError {
  return smpError(`expected a ${expected}, but received a ${goType(actual)}`);
}

function fieldPath(parent: string, key: string): string {
  return parent === '' ? key : `${parent}.${key}`;
}

/**
 * `discardNullValuesFromPatch` + `removeDirectives` for a value with nothing to merge into: null
 * map entries and maps carrying `$patch` are dropped, other `$` directive keys are removed.
 */
function cleanNew(value: unknown): { keep: boolean; value: unknown } {
  if (Array.isArray(value)) {
    const items = value.map(cleanNew).filter((item) => item.keep);
    return { keep: true, value: items.map((item) => item.value) };
  }
  if (!isObject(value)) return { keep: true, value };
  if (Object.hasOwn(value, DIRECTIVE)) return { keep: false, value: undefined };
  const out: JsonObject = {};
  for (const [key, child] of Object.entries(value)) {
    if (child === null || isDirectiveKey(key)) continue;
    const cleaned = cleanNew(child);
    if (cleaned.keep) out[key] = cleaned.value;
  }
  return { keep: true, value: out };
}

function isDirectiveKey(key: string): boolean {
  return (
    key === RETAIN_KEYS || key.startsWith(`${DELETE_PRIMITIVE}/`) || key.startsWith(`${SET_ORDER}/`)
  );
}

/** `extractKey`: the list field a parallel directive list belongs to. */
function extractKey(key: string, prefix: string): string {
  const slash = key.indexOf('/');
  if (slash < 0 || key.slice(0, slash) !== prefix) {
    throw smpError(prefix === DELETE_PRIMITIVE ? ERR_PRIMITIVE_LIST : ERR_SET_ORDER);
  }
  return key.slice(slash + 1);
}

/** `sliceElementType`: 'map' or 'scalar', rejecting lists of lists and mixed lists. */
function sliceElementKind(...lists: unknown[][]): 'map' | 'scalar' {
  let previous: string | undefined;
  for (const item of lists.flat()) {
    const type = goType(item);
    if (previous === undefined && Array.isArray(item)) {
      throw smpError('lists of lists are not supported', 422);
    }
    if (previous !== undefined && previous !== type) {
      throw smpError(`list element types are not identical: [${lists.map(goFormat).join(' ')}]`);
    }
    previous = type;
  }
  if (previous === undefined) throw smpError('no elements in any of the given slices');
  return previous === 'map[string]interface {}' ? 'map' : 'scalar';
}

function mergeKeyOf(item: unknown, mergeKey: string, kind: 'map' | 'scalar'): unknown {
  return kind === 'map' ? (isObject(item) ? item[mergeKey] : undefined) : item;
}

/** `index`: position of `value` in `list` by merge key (maps) or value (scalars), or -1. */
function indexIn(
  list: unknown[],
  value: unknown,
  mergeKey: string,
  kind: 'map' | 'scalar',
): number {
  const wanted = mergeKeyOf(value, mergeKey, kind);
  return list.findIndex((item) => mergeKeyOf(item, mergeKey, kind) === wanted);
}

function validateMergeKeys(mergeKey: string, ...lists: unknown[][]): void {
  for (const item of lists.flat()) {
    if (!isObject(item)) throw badArgType('map[string]interface {}', item);
    if (!Object.hasOwn(item, mergeKey)) throw noMergeKey(item, mergeKey);
  }
}

function isDeleteItem(item: unknown): boolean {
  return isObject(item) && item[DIRECTIVE] === 'delete';
}

/** `normalizeSliceOrder`: sorts `toSort` by `order` (stable), `$patch: delete` items last. */
function normalizeSliceOrder(
  toSort: unknown[],
  order: unknown[],
  mergeKey: string,
  kind: 'map' | 'scalar',
): unknown[] {
  let items = toSort;
  let deletes: unknown[] = [];
  if (kind === 'map') {
    validateMergeKeys(mergeKey, toSort, order);
    items = toSort.filter((item) => !isDeleteItem(item));
    deletes = toSort.filter(isDeleteItem);
  }
  const ranked = items.map((item, position) => ({
    item,
    position,
    rank: indexIn(order, item, mergeKey, kind),
  }));
  ranked.sort((a, b) =>
    a.rank >= 0 && b.rank >= 0
      ? a.rank - b.rank || a.position - b.position
      : a.position - b.position,
  );
  return [...ranked.map((entry) => entry.item), ...deletes];
}

/** `mergeSortedSlice`: interleaves server-only items into patch items by the live order. */
function mergeSortedSlice(
  left: unknown[],
  right: unknown[],
  serverOrder: unknown[],
  mergeKey: string,
  kind: 'map' | 'scalar',
): unknown[] {
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++]);
    else if (j >= right.length) out.push(left[i++]);
    else {
      const li = indexIn(serverOrder, left[i], mergeKey, kind);
      const ri = indexIn(serverOrder, right[j], mergeKey, kind);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]);
      else out.push(right[j++]);
    }
  }
  return out;
}

function normalizeElementOrder(
  patchItems: unknown[],
  serverOnly: unknown[],
  patchOrder: unknown[],
  serverOrder: unknown[],
  mergeKey: string,
  kind: 'map' | 'scalar',
): unknown[] {
  const patch = normalizeSliceOrder(patchItems, patchOrder, mergeKey, kind);
  const server = normalizeSliceOrder(serverOnly, serverOrder, mergeKey, kind);
  return mergeSortedSlice(server, patch, serverOrder, mergeKey, kind);
}

/** Splits `merged` into items present in `by` (by merge key or value) and the rest. */
function partition(
  merged: unknown[],
  by: unknown[],
  mergeKey: string,
  kind: 'map' | 'scalar',
): [unknown[], unknown[]] {
  const inPatch: unknown[] = [];
  const serverOnly: unknown[] = [];
  for (const item of merged) {
    if (kind === 'map') {
      if (!isObject(item)) throw badArgType('map[string]interface {}', item);
      if (!Object.hasOwn(item, mergeKey)) throw noMergeKey(item, mergeKey);
    }
    (indexIn(by, item, mergeKey, kind) >= 0 ? inPatch : serverOnly).push(item);
  }
  return [inPatch, serverOnly];
}

class StrategicMerger {
  readonly schema: StrategicSchema;

  constructor(schema: StrategicSchema) {
    this.schema = schema;
  }

  mergeMap(original: JsonObject | undefined, patch: JsonObject, path: string): JsonObject {
    if (Object.hasOwn(patch, DIRECTIVE)) return this.mapDirective(patch);
    const out: JsonObject = original ?? {};
    this.retainKeys(out, patch);
    this.setElementOrders(out, patch, path);
    for (const [rawKey, value] of Object.entries(patch)) {
      const isDeleteList = rawKey.startsWith(DELETE_PRIMITIVE);
      const key = isDeleteList ? extractKey(rawKey, DELETE_PRIMITIVE) : rawKey;
      this.mergeEntry(out, key, value, fieldPath(path, key), isDeleteList);
    }
    return out;
  }

  private mergeEntry(
    out: JsonObject,
    key: string,
    value: unknown,
    path: string,
    isDeleteList: boolean,
  ): void {
    if (value === null) {
      delete out[key];
      return;
    }
    const current = out[key];
    if (!Object.hasOwn(out, key) || current === undefined) {
      if (isDeleteList) return;
      const cleaned = cleanNew(value);
      if (cleaned.keep) out[key] = cleaned.value;
      return;
    }
    if (isObject(current) && isObject(value)) out[key] = this.mergeMap(current, value, path);
    else if (Array.isArray(current) && Array.isArray(value)) {
      out[key] = this.mergeSliceHandler(current, value, path, isDeleteList);
    } else {
      const cleaned = cleanNew(value);
      if (cleaned.keep) out[key] = cleaned.value;
      else delete out[key];
    }
  }

  /** `handleDirectiveInMergeMap`. */
  private mapDirective(patch: JsonObject): JsonObject {
    const directive = patch[DIRECTIVE];
    if (directive === 'replace') {
      const { [DIRECTIVE]: _, ...rest } = patch;
      return cleanNew(rest).value as JsonObject;
    }
    if (directive === 'delete') return {};
    throw smpError(`unknown patch type: ${goFormat(directive)} in map: ${goFormat(patch)}`);
  }

  /** `applyRetainKeysDirective`. */
  private retainKeys(original: JsonObject, patch: JsonObject): void {
    if (!Object.hasOwn(patch, RETAIN_KEYS)) return;
    const list = patch[RETAIN_KEYS];
    delete patch[RETAIN_KEYS];
    if (!Array.isArray(list)) throw smpError(ERR_RETAIN_KEYS);
    for (const [key, value] of Object.entries(patch)) {
      if (value === null || isDirectiveKey(key)) continue;
      if (!list.includes(key)) throw smpError(ERR_RETAIN_KEYS);
    }
    for (const key of Object.keys(original)) if (!list.includes(key)) delete original[key];
  }

  /** `mergePatchIntoOriginal`: merges each `$setElementOrder/<field>` list with its field. */
  private setElementOrders(original: JsonObject, patch: JsonObject, path: string): void {
    for (const key of Object.keys(patch)) {
      if (!key.startsWith(SET_ORDER)) continue;
      const order = patch[key];
      delete patch[key];
      if (!Array.isArray(order)) throw badArgType('[]interface {}', order);
      const field = extractKey(key, SET_ORDER);
      this.orderField(original, patch, field, order, fieldPath(path, field));
    }
  }

  private orderField(
    original: JsonObject,
    patch: JsonObject,
    field: string,
    order: unknown[],
    path: string,
  ): void {
    const live = optionalList(original[field]);
    const patchList = optionalList(patch[field]);
    delete patch[field];
    if (live === undefined && patchList === undefined) return;
    const mergeKey = this.schema[path]?.mergeKey ?? '';
    validateWithSetOrder(patchList ?? [], order, mergeKey);
    const merged = this.mergedList(live, patchList, path);
    original[field] = orderBy(merged, order, live ?? [], patchList ?? [], mergeKey);
  }

  private mergedList(
    live: unknown[] | undefined,
    patchList: unknown[] | undefined,
    path: string,
  ): unknown[] {
    if (patchList === undefined) return live ?? [];
    if (live === undefined) return cleanNew(patchList).value as unknown[];
    return this.mergeSliceHandler(live, patchList, path, false);
  }

  private mergeSliceHandler(
    original: unknown[],
    patch: unknown[],
    path: string,
    isDeleteList: boolean,
  ): unknown[] {
    const meta = this.schema[path];
    if (meta === undefined) return cleanNew(patch).value as unknown[];
    return this.mergeSlice(original, patch, meta.mergeKey, path, isDeleteList);
  }

  /** `mergeSlice`. */
  private mergeSlice(
    original: unknown[],
    patch: unknown[],
    mergeKey: string,
    path: string,
    isDeleteList: boolean,
  ): unknown[] {
    if (original.length === 0 && patch.length === 0) return original;
    const kind = sliceElementKind(original, patch);
    let live = original;
    let items = patch;
    let merged: unknown[];
    if (kind === 'scalar') {
      if (isDeleteList) return original.filter((item) => !patch.includes(item));
      merged = [...new Set([...original, ...patch])];
    } else {
      if (mergeKey === '') throw smpError(`cannot merge lists without merge key for ${path}`);
      [live, items] = withSpecialElements(original, patch, mergeKey);
      merged = this.mergeItems(live, items, mergeKey, `${path}[]`);
    }
    const [inPatch, serverOnly] = partition(merged, items, mergeKey, kind);
    return normalizeElementOrder(inPatch, serverOnly, items, live, mergeKey, kind);
  }

  /** `mergeSliceWithoutSpecialElements`. */
  private mergeItems(
    original: unknown[],
    patch: unknown[],
    mergeKey: string,
    itemPath: string,
  ): unknown[] {
    const out = [...original];
    for (const item of patch) {
      if (!isObject(item)) throw badArgType('map[string]interface {}', item);
      if (!Object.hasOwn(item, mergeKey)) throw noMergeKey(item, mergeKey);
      const index = out.findIndex((o) => isObject(o) && o[mergeKey] === item[mergeKey]);
      const existing = out[index];
      if (index >= 0 && isObject(existing)) out[index] = this.mergeMap(existing, item, itemPath);
      else out.push(cleanNew(item).value);
    }
    return out;
  }
}

/** `mergeSliceWithSpecialElements`: applies `$patch: delete` items and `$patch: replace`. */
function withSpecialElements(
  original: unknown[],
  patch: unknown[],
  mergeKey: string,
): [unknown[], unknown[]] {
  const plain: unknown[] = [];
  let live = original;
  let replace = false;
  for (const item of patch) {
    if (!isObject(item)) throw badArgType('map[string]interface {}', item);
    if (!Object.hasOwn(item, DIRECTIVE)) plain.push(item);
    else if (item[DIRECTIVE] === 'replace') replace = true;
    else live = deleteItem(live, item, mergeKey);
  }
  return replace ? [plain.map((item) => cleanNew(item).value), []] : [live, plain];
}

/** A `$patch` list item other than `replace`: only `delete` (by merge key) is allowed. */
function deleteItem(live: unknown[], item: JsonObject, mergeKey: string): unknown[] {
  const directive = item[DIRECTIVE];
  if (directive === 'merge') throw smpError('merging lists cannot yet be specified in the patch');
  if (directive !== 'delete') {
    throw smpError(`unknown patch type: ${goFormat(directive)} in map: ${goFormat(item)}`);
  }
  if (!Object.hasOwn(item, mergeKey)) throw noMergeKey(item, mergeKey);
  return live.filter((o) => !(isObject(o) && o[mergeKey] === item[mergeKey]));
}

function optionalList(value: unknown): unknown[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) throw badArgType('[]interface {}', value);
  return value;
}

/** The ordering half of `mergePatchIntoOriginal`: `$setElementOrder` first, then live order. */
function orderBy(
  merged: unknown[],
  order: unknown[],
  live: unknown[],
  patchList: unknown[],
  mergeKey: string,
): unknown[] {
  if (live.length === 0 && patchList.length === 0) return merged;
  const kind = sliceElementKind(live, patchList);
  if (kind === 'map' && mergeKey === '') return merged;
  const [inPatch, serverOnly] = partition(merged, order, mergeKey, kind);
  return normalizeElementOrder(inPatch, serverOnly, order, live, mergeKey, kind);
}

/** `validatePatchWithSetOrderList`: patch items must appear in the order list, in its order. */
function validateWithSetOrder(patchList: unknown[], order: unknown[], mergeKey: string): void {
  if (order.length === 0 || patchList.length === 0) return;
  const items = mergeKey === '' ? patchList : patchList.filter((item) => !isDeleteItem(item));
  let p = 0;
  let s = 0;
  while (p < items.length && s < order.length) {
    const item = items[p];
    if (isObject(item) && Object.hasOwn(item, DIRECTIVE)) {
      p++;
      continue;
    }
    if (keyEqual(item, order[s], mergeKey)) p++;
    s++;
  }
  if (p < items.length) {
    throw smpError(
      `the order in patch list:\n${goFormat(patchList)}\n doesn't match ${SET_ORDER} list:\n${goFormat(order)}`,
    );
  }
}

function keyEqual(left: unknown, right: unknown, mergeKey: string): boolean {
  if (mergeKey === '') return left === right;
  if (!isObject(left)) throw badArgType('map[string]interface {}', left);
  if (!isObject(right)) throw badArgType('map[string]interface {}', right);
  if (!Object.hasOwn(left, mergeKey)) throw noMergeKey(left, mergeKey);
  if (!Object.hasOwn(right, mergeKey)) throw noMergeKey(right, mergeKey);
  return left[mergeKey] === right[mergeKey];
}

/**
 * Applies a strategic merge patch as the API server does: maps merge recursively and `null`
 * deletes; a list named in `schema` merges by its merge key (scalars: union), any other list is
 * replaced. Directives: `$patch: replace|delete` on maps, `$patch: delete|replace` items in merge
 * lists, `$retainKeys`, `$deleteFromPrimitiveList/<field>` and `$setElementOrder/<field>`.
 * Throws {@link PatchError} (400; 422 for lists of lists) with the Go library's message.
 */
export function applyStrategicMergePatch(
  target: unknown,
  patch: unknown,
  schema: StrategicSchema,
): unknown {
  if (!isObject(patch)) throw new PatchError(400, 'invalid JSON document');
  const original = isObject(target) ? clone(target) : {};
  return new StrategicMerger(schema).mergeMap(original, clone(patch), '');
}
