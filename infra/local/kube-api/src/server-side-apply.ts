/**
 * Server-side apply and managed-fields tracking over plain JSON objects, after
 * sigs.k8s.io/structured-merge-diff (`fieldpath` sets and their `FieldsV1` encoding, `typed`
 * Merge/Compare/ToFieldSet/RemoveItems, `merge/update.go` Updater.Apply/Update/prune,
 * `merge/conflict.go`) and k8s.io/apimachinery `pkg/util/managedfields/internal` (manager
 * identifiers, entry sorting, strip-meta, skip-non-applied, managed-fields updater, conflict
 * errors).
 *
 * The schema is what a caller passes as `listMapKeys`: dotted paths (`[]` steps into list items)
 * of associative lists and their key fields. Every other list is atomic; every object is a
 * granular struct or map.
 */
import { ApplyConflictError, InvalidApplyError } from './errors.ts';
import { clone, isObject, type JsonObject, jsonEqual } from './json.ts';

/** One `metadata.managedFields` entry as the API server serializes it. */
export interface ManagedFieldsEntry {
  readonly manager: string;
  readonly operation: 'Apply' | 'Update';
  readonly apiVersion: string;
  readonly time?: string;
  readonly fieldsType: 'FieldsV1';
  readonly fieldsV1: JsonObject;
  readonly subresource?: string;
}

/** Options shared by {@link serverSideApply} and {@link recordUpdate}. */
export interface ManagedFieldsOptions {
  /** The `fieldManager`. */
  readonly manager: string;
  /** The request's group/version, e.g. `v1` or `gateway.networking.k8s.io/v1`. */
  readonly apiVersion: string;
  /** RFC 3339 time of the write. */
  readonly now: string;
  /**
   * Associative lists: dotted path (e.g. `spec.listeners`, `spec.containers[].ports`) to key
   * fields; `field=default` gives a key a default (`protocol` defaults to `TCP` anyway). An empty
   * key list is a `listType=set` of scalars (a list of objects under it stays atomic).
   * `metadata.ownerReferences` (key `uid`) and `metadata.finalizers` (set) are always included.
   */
  readonly listMapKeys: Readonly<Record<string, readonly string[]>>;
  /** `status` when writing the status subresource. */
  readonly subresource?: string;
}

/** Options of {@link serverSideApply}. */
export interface ApplyOptions extends ManagedFieldsOptions {
  /** `?force=true`: take conflicting fields from their managers. */
  readonly force: boolean;
}

// ---------------------------------------------------------------------------------------------
// fieldpath: path elements, sets, FieldsV1

type PathElement =
  | { readonly kind: 'f'; readonly name: string }
  | { readonly kind: 'k'; readonly fields: readonly (readonly [string, unknown])[] }
  | { readonly kind: 'v'; readonly value: unknown }
  | { readonly kind: 'i'; readonly index: number };

type Path = readonly PathElement[];

/** JSON as jsoniter's standard-library config writes it (HTML characters escaped). */
function goJson(value: unknown): string {
  return JSON.stringify(value)
    .replaceAll('<', '\\u003c')
    .replaceAll('>', '\\u003e')
    .replaceAll('&', '\\u0026');
}

/** `SerializePathElement`: `f:name`, `k:{"name":"a"}`, `v:"x"`, `i:0`. */
function serializePE(pe: PathElement): string {
  switch (pe.kind) {
    case 'f':
      return `f:${pe.name}`;
    case 'k':
      return `k:{${pe.fields.map(([name, value]) => `${goJson(name)}:${goJson(value)}`).join(',')}}`;
    case 'v':
      return `v:${goJson(pe.value)}`;
    default:
      return `i:${pe.index}`;
  }
}

/** `value.ToString`. */
function valueString(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(valueString).join(',')}]`;
  if (isObject(value)) {
    return Object.entries(value)
      .map(([k, v]) => `${k}=${valueString(v)}`)
      .join('');
  }
  return String(value);
}

/** `PathElement.String`. */
function peString(pe: PathElement): string {
  switch (pe.kind) {
    case 'f':
      return `.${pe.name}`;
    case 'k':
      return `[${pe.fields.map(([name, value]) => `${name}=${valueString(value)}`).join(',')}]`;
    case 'v':
      return `[=${valueString(pe.value)}]`;
    default:
      return `[${pe.index}]`;
  }
}

/** `Path.String`: `.spec.listeners[name="http"].port`. */
function pathString(path: Path): string {
  return path.map(peString).join('');
}

function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

function valueRank(value: unknown): number {
  if (typeof value === 'number') return 0;
  if (typeof value === 'string') return 1;
  if (typeof value === 'boolean') return 2;
  if (Array.isArray(value)) return 3;
  return isObject(value) ? 4 : 5;
}

/** `value.Compare`: numbers < strings < booleans < lists < maps < null. */
function compareValues(a: unknown, b: unknown): number {
  const rank = valueRank(a) - valueRank(b);
  if (rank !== 0) return Math.sign(rank);
  if (typeof a === 'number' && typeof b === 'number') return Math.sign(a - b);
  if (typeof a === 'string' && typeof b === 'string') return compareStrings(a, b);
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  return compareStrings(goJson(a), goJson(b));
}

const KIND_ORDER = { f: 0, k: 1, v: 2, i: 3 } as const;

function compareFields(
  a: readonly (readonly [string, unknown])[],
  b: readonly (readonly [string, unknown])[],
): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const left = a[i];
    const right = b[i];
    if (left === undefined || right === undefined) return left === undefined ? -1 : 1;
    const byName = compareStrings(left[0], right[0]);
    if (byName !== 0) return byName;
    const byValue = compareValues(left[1], right[1]);
    if (byValue !== 0) return byValue;
  }
  return 0;
}

/** `PathElement.Compare`: field names, then keys, then values, then indexes. */
function comparePE(a: PathElement, b: PathElement): number {
  if (a.kind !== b.kind) return KIND_ORDER[a.kind] - KIND_ORDER[b.kind];
  if (a.kind === 'f' && b.kind === 'f') return compareStrings(a.name, b.name);
  if (a.kind === 'k' && b.kind === 'k') return compareFields(a.fields, b.fields);
  if (a.kind === 'v' && b.kind === 'v') return compareValues(a.value, b.value);
  return a.kind === 'i' && b.kind === 'i' ? Math.sign(a.index - b.index) : 0;
}

/** A `fieldpath.Set`: leaf members and child sets, keyed by serialized path element. */
interface FieldSet {
  readonly members: Map<string, PathElement>;
  readonly children: Map<string, { readonly pe: PathElement; readonly set: FieldSet }>;
}

function emptySet(): FieldSet {
  return { members: new Map(), children: new Map() };
}

function isEmptySet(set: FieldSet): boolean {
  return set.members.size === 0 && set.children.size === 0;
}

function insertPath(set: FieldSet, path: Path): void {
  let node = set;
  path.forEach((pe, i) => {
    const key = serializePE(pe);
    if (i === path.length - 1) {
      node.members.set(key, pe);
      return;
    }
    let child = node.children.get(key);
    if (child === undefined) {
      child = { pe, set: emptySet() };
      node.children.set(key, child);
    }
    node = child.set;
  });
}

function union(a: FieldSet, b: FieldSet): FieldSet {
  const out: FieldSet = { members: new Map([...a.members, ...b.members]), children: new Map() };
  for (const [key, child] of a.children) {
    const other = b.children.get(key);
    out.children.set(key, { pe: child.pe, set: other ? union(child.set, other.set) : child.set });
  }
  for (const [key, child] of b.children) if (!a.children.has(key)) out.children.set(key, child);
  return out;
}

/** `Set.Difference`: removes exact paths (a member of `b` does not remove `a`'s children). */
function difference(a: FieldSet, b: FieldSet): FieldSet {
  const out = emptySet();
  for (const [key, pe] of a.members) if (!b.members.has(key)) out.members.set(key, pe);
  for (const [key, child] of a.children) {
    const other = b.children.get(key);
    const set = other ? difference(child.set, other.set) : child.set;
    if (!isEmptySet(set)) out.children.set(key, { pe: child.pe, set });
  }
  return out;
}

function intersection(a: FieldSet, b: FieldSet): FieldSet {
  const out = emptySet();
  for (const [key, pe] of a.members) if (b.members.has(key)) out.members.set(key, pe);
  for (const [key, child] of a.children) {
    const other = b.children.get(key);
    if (other === undefined) continue;
    const set = intersection(child.set, other.set);
    if (!isEmptySet(set)) out.children.set(key, { pe: child.pe, set });
  }
  return out;
}

/** `Set.EnsureNamedFieldsAreMembers`: every field with owned children is itself a member. */
function ensureNamedFields(set: FieldSet): FieldSet {
  const out: FieldSet = { members: new Map(set.members), children: new Map() };
  for (const [key, child] of set.children) {
    if (child.pe.kind === 'f') out.members.set(key, child.pe);
    out.children.set(key, { pe: child.pe, set: ensureNamedFields(child.set) });
  }
  return out;
}

function sortedEntries<T>(map: Map<string, T>, pe: (value: T) => PathElement): T[] {
  return [...map.values()].sort((x, y) => comparePE(pe(x), pe(y)));
}

/** `Set.Iterate`: members in order, then each child's paths in order. */
function iteratePaths(set: FieldSet, prefix: Path = []): Path[] {
  const paths: Path[] = sortedEntries(set.members, (pe) => pe).map((pe) => [...prefix, pe]);
  for (const child of sortedEntries(set.children, (c) => c.pe)) {
    paths.push(...iteratePaths(child.set, [...prefix, child.pe]));
  }
  return paths;
}

/** `Set.ToJSON` (FieldsV1): sorted keys, `.` first when a node is also a member. */
function toFieldsV1(set: FieldSet): JsonObject {
  const out: JsonObject = {};
  const keys = new Map<string, PathElement>();
  for (const [key, pe] of set.members) keys.set(key, pe);
  for (const [key, child] of set.children) keys.set(key, child.pe);
  for (const pe of sortedEntries(keys, (p) => p)) {
    const key = serializePE(pe);
    const child = set.children.get(key);
    if (child === undefined) {
      out[key] = {};
      continue;
    }
    const nested = toFieldsV1(child.set);
    out[key] = set.members.has(key) ? { '.': {}, ...nested } : nested;
  }
  return out;
}

/** `DeserializePathElement`; undefined for an unknown prefix, which FieldsV1 readers skip. */
function parsePE(key: string): PathElement | undefined {
  const body = key.slice(2);
  if (key.length < 2 || key[1] !== ':') throw new Error(`missing colon: ${key}`);
  switch (key[0]) {
    case 'f':
      return { kind: 'f', name: body };
    case 'v':
      return { kind: 'v', value: JSON.parse(body) };
    case 'i':
      return { kind: 'i', index: Number.parseInt(body, 10) };
    case 'k': {
      const parsed: unknown = JSON.parse(body);
      if (!isObject(parsed)) throw new Error(`invalid key: ${key}`);
      const fields = Object.entries(parsed).sort(([x], [y]) => compareStrings(x, y));
      return { kind: 'k', fields };
    }
    default:
      return undefined;
  }
}

/** `Set.FromJSON`. */
function fromFieldsV1(raw: unknown): FieldSet {
  const set = emptySet();
  if (!isObject(raw)) return set;
  for (const [key, value] of Object.entries(raw)) {
    if (key === '.') continue;
    const pe = parsePE(key);
    if (pe === undefined) continue;
    const nested = isObject(value) ? value : {};
    const childKeys = Object.keys(nested);
    if (childKeys.length === 0 || childKeys.includes('.')) set.members.set(key, pe);
    const child = fromFieldsV1(nested);
    if (!isEmptySet(child)) set.children.set(key, { pe, set: child });
  }
  return set;
}

// ---------------------------------------------------------------------------------------------
// schema: which lists are associative

type ListKind =
  | { readonly kind: 'atomic' }
  | { readonly kind: 'set' }
  | { readonly kind: 'map'; readonly keys: readonly { name: string; fallback?: unknown }[] };

/** Key fields with a schema default (core/v1 `Protocol`, `default: TCP`). */
const KEY_DEFAULTS: Readonly<Record<string, unknown>> = { protocol: 'TCP' };

const META_LIST_MAP_KEYS: Readonly<Record<string, readonly string[]>> = {
  'metadata.ownerReferences': ['uid'],
  'metadata.finalizers': [],
};

class Schema {
  readonly lists: Readonly<Record<string, readonly string[]>>;

  constructor(listMapKeys: Readonly<Record<string, readonly string[]>>) {
    this.lists = { ...META_LIST_MAP_KEYS, ...listMapKeys };
  }

  listKind(path: string, ...values: unknown[]): ListKind {
    const keys = this.lists[path];
    if (keys === undefined) return { kind: 'atomic' };
    if (keys.length > 0) return { kind: 'map', keys: keys.map(parseKey) };
    const items = values.flatMap((value) => (Array.isArray(value) ? value : []));
    return items.some((item) => isObject(item) || Array.isArray(item))
      ? { kind: 'atomic' }
      : { kind: 'set' };
  }
}

function parseKey(spec: string): { name: string; fallback?: unknown } {
  const eq = spec.indexOf('=');
  if (eq >= 0) return { name: spec.slice(0, eq), fallback: spec.slice(eq + 1) };
  return Object.hasOwn(KEY_DEFAULTS, spec)
    ? { name: spec, fallback: KEY_DEFAULTS[spec] }
    : { name: spec };
}

function childSchemaPath(parent: string, key: string): string {
  return parent === '' ? key : `${parent}.${key}`;
}

/** `listItemToPathElement` for an associative list. */
function itemPE(kind: ListKind, item: unknown, index: number, path: Path): PathElement {
  if (kind.kind === 'set') return { kind: 'v', value: item };
  if (kind.kind === 'atomic') return { kind: 'i', index };
  const fields: [string, unknown][] = [];
  for (const key of kind.keys) {
    const value = isObject(item) ? item[key.name] : undefined;
    if (value !== undefined) fields.push([key.name, value]);
    else if (key.fallback !== undefined) fields.push([key.name, key.fallback]);
    else {
      throw new InvalidApplyError(
        `${pathString(path)}: element ${index}: associative list with keys has an element that omits key field "${key.name}" (and doesn't have default value)`,
      );
    }
  }
  fields.sort(([x], [y]) => compareStrings(x, y));
  return { kind: 'k', fields };
}

/** The items of a list by path element, first occurrence only (`indexListPathElements`). */
function indexList(
  kind: ListKind,
  list: unknown[] | undefined,
  path: Path,
): { order: string[]; items: Map<string, { pe: PathElement; item: unknown }> } {
  const order: string[] = [];
  const items = new Map<string, { pe: PathElement; item: unknown }>();
  (list ?? []).forEach((item, index) => {
    const pe = itemPE(kind, item, index, path);
    const key = serializePE(pe);
    if (items.has(key)) return;
    items.set(key, { pe, item });
    order.push(key);
  });
  return { order, items };
}

// ---------------------------------------------------------------------------------------------
// typed: ToFieldSet, Compare, Merge, RemoveItems

/**
 * `TypedValue.ToFieldSet`: every leaf and list item the applied configuration mentions; a field
 * whose value is an empty object or null is a leaf too (`tofieldset.go` `visitMapItems`).
 */
function toFieldSet(value: unknown, schema: Schema): FieldSet {
  const set = emptySet();
  const visit = (node: unknown, path: Path, schemaPath: string): void => {
    if (isObject(node)) {
      for (const [key, child] of Object.entries(node)) {
        const childPath: Path = [...path, { kind: 'f', name: key }];
        visit(child, childPath, childSchemaPath(schemaPath, key));
        if (child === null || (isObject(child) && Object.keys(child).length === 0)) {
          insertPath(set, childPath);
        }
      }
      return;
    }
    if (!Array.isArray(node)) {
      insertPath(set, path);
      return;
    }
    const kind = schema.listKind(schemaPath, node);
    if (kind.kind === 'atomic') {
      insertPath(set, path);
      return;
    }
    node.forEach((item, index) => {
      const itemPath = [...path, itemPE(kind, item, index, path)];
      visit(item, itemPath, `${schemaPath}[]`);
      insertPath(set, itemPath);
    });
  };
  visit(value, [], '');
  return set;
}

interface Comparison {
  readonly added: FieldSet;
  readonly modified: FieldSet;
  readonly removed: FieldSet;
}

function isEmptyContainer(value: unknown): boolean {
  if (value === undefined) return true;
  if (Array.isArray(value)) return value.length === 0;
  return isObject(value) && Object.keys(value).length === 0;
}

/** `TypedValue.Compare`: leaves (scalars, atomic lists, empty containers) and added/removed nodes. */
function compare(lhs: unknown, rhs: unknown, schema: Schema): Comparison {
  const out: Comparison = { added: emptySet(), modified: emptySet(), removed: emptySet() };
  compareNode(lhs, rhs, [], '', schema, out);
  return out;
}

function compareNode(
  lhs: unknown,
  rhs: unknown,
  path: Path,
  schemaPath: string,
  schema: Schema,
  out: Comparison,
): void {
  if (lhs === undefined && rhs === undefined) return;
  const bothEmpty = isEmptyContainer(lhs) && isEmptyContainer(rhs);
  if (!bothEmpty && isMapOrAbsent(lhs) && isMapOrAbsent(rhs)) {
    compareMaps(lhs, rhs, path, schemaPath, schema, out);
    markNode(lhs, rhs, path, out);
    return;
  }
  if (!bothEmpty && isListOrAbsent(lhs) && isListOrAbsent(rhs)) {
    const kind = schema.listKind(schemaPath, lhs, rhs);
    if (kind.kind !== 'atomic') {
      compareLists(lhs, rhs, kind, path, schemaPath, schema, out);
      markNode(lhs, rhs, path, out);
      return;
    }
  }
  if (lhs === undefined) insertPath(out.added, path);
  else if (rhs === undefined) insertPath(out.removed, path);
  else if (!jsonEqual(lhs, rhs)) {
    insertPath(out.modified, path);
    compareShapes(lhs, rhs, path, schemaPath, schema, out);
  }
}

/**
 * A node whose two sides have different shapes (an object against a scalar, a list against an
 * object...): structured-merge-diff walks each side with its own type (`merge.go` `merge`,
 * `deduceAtom` per side), so the children of the side that is a container are removed (left) or
 * added (right) besides the node being modified.
 */
function compareShapes(
  lhs: unknown,
  rhs: unknown,
  path: Path,
  schemaPath: string,
  schema: Schema,
  out: Comparison,
): void {
  const shape = (v: unknown): string =>
    Array.isArray(v) ? 'list' : isObject(v) ? 'map' : 'scalar';
  if (shape(lhs) === shape(rhs)) return;
  for (const [left, right] of [
    [lhs, undefined],
    [undefined, rhs],
  ] as const) {
    const side = left ?? right;
    if (isObject(side))
      compareMaps(left as JsonObject, right as JsonObject, path, schemaPath, schema, out);
    else if (Array.isArray(side)) {
      const kind = schema.listKind(schemaPath, left, right);
      if (kind.kind !== 'atomic') {
        compareLists(left as unknown[], right as unknown[], kind, path, schemaPath, schema, out);
      }
    }
  }
}

function compareMaps(
  lhs: JsonObject | undefined,
  rhs: JsonObject | undefined,
  path: Path,
  schemaPath: string,
  schema: Schema,
  out: Comparison,
): void {
  const keys = new Set([...Object.keys(lhs ?? {}), ...Object.keys(rhs ?? {})]);
  for (const key of keys) {
    const child: Path = [...path, { kind: 'f', name: key }];
    compareNode(lhs?.[key], rhs?.[key], child, childSchemaPath(schemaPath, key), schema, out);
  }
}

function isMapOrAbsent(value: unknown): value is JsonObject | undefined {
  return value === undefined || isObject(value);
}

function isListOrAbsent(value: unknown): value is unknown[] | undefined {
  return value === undefined || Array.isArray(value);
}

/** The post-item hook: a granular node that appears or disappears is itself added or removed. */
function markNode(lhs: unknown, rhs: unknown, path: Path, out: Comparison): void {
  if (path.length === 0) return;
  if (lhs === undefined) insertPath(out.added, path);
  else if (rhs === undefined) insertPath(out.removed, path);
}

function compareLists(
  lhs: unknown[] | undefined,
  rhs: unknown[] | undefined,
  kind: ListKind,
  path: Path,
  schemaPath: string,
  schema: Schema,
  out: Comparison,
): void {
  const left = indexList(kind, lhs, path);
  const right = indexList(kind, rhs, path);
  const keys = new Set([...left.order, ...right.order]);
  for (const key of keys) {
    const l = left.items.get(key);
    const r = right.items.get(key);
    const pe = (l ?? r)?.pe;
    if (pe === undefined) continue;
    compareNode(l?.item, r?.item, [...path, pe], `${schemaPath}[]`, schema, out);
  }
}

/** `TypedValue.Merge` with the right-hand side winning: the applied config over the live object. */
function merge(lhs: unknown, rhs: unknown, schemaPath: string, schema: Schema): unknown {
  if (rhs === undefined) return lhs;
  if (lhs === undefined) return clone(rhs);
  if (isObject(lhs) && isObject(rhs)) {
    const out: JsonObject = { ...lhs };
    for (const [key, value] of Object.entries(rhs)) {
      out[key] = merge(lhs[key], value, childSchemaPath(schemaPath, key), schema);
    }
    return out;
  }
  if (Array.isArray(lhs) && Array.isArray(rhs)) {
    const kind = schema.listKind(schemaPath, lhs, rhs);
    if (kind.kind !== 'atomic') return mergeLists(lhs, rhs, kind, schemaPath, schema);
  }
  return clone(rhs);
}

/**
 * `mergingWalker.visitListItems`: shared items take the applied order, live-only items keep their
 * place relative to them, applied-only items come where the applied config puts them.
 */
function mergeLists(
  lhs: unknown[],
  rhs: unknown[],
  kind: ListKind,
  schemaPath: string,
  schema: Schema,
): unknown[] {
  const left = indexList(kind, lhs, []);
  const right = indexList(kind, rhs, []);
  const shared = right.order.filter((key) => left.items.has(key));
  const out: unknown[] = [];
  const itemPath = `${schemaPath}[]`;
  const take = (key: string): void => {
    out.push(merge(left.items.get(key)?.item, right.items.get(key)?.item, itemPath, schema));
  };
  let l = 0;
  let r = 0;
  while (l < left.order.length || r < right.order.length) {
    const lKey = left.order[l];
    const rKey = right.order[r];
    const step = nextStep(lKey, rKey, right.items, shared);
    const key = step === 'right' ? rKey : lKey;
    if (step !== 'skip' && key !== undefined) {
      take(key);
      if (step !== 'left' && shared[0] === key) shared.shift();
    }
    l += STEP_ADVANCE[step][0];
    r += STEP_ADVANCE[step][1];
  }
  return out;
}

const STEP_ADVANCE = { both: [1, 1], skip: [1, 0], left: [1, 0], right: [0, 1] } as const;

/**
 * One step of the list merge: both heads are the same item; skip a live item the applied list also
 * has but that is not due yet (it is emitted at its applied position); take a live-only item; or
 * take the applied head.
 */
function nextStep(
  lKey: string | undefined,
  rKey: string | undefined,
  applied: Map<string, unknown>,
  shared: string[],
): 'both' | 'skip' | 'left' | 'right' {
  if (lKey !== undefined && lKey === rKey) return 'both';
  if (lKey !== undefined && rKey !== undefined && applied.has(lKey)) {
    if (shared.length > 0 && shared[0] !== lKey) return 'skip';
  }
  if (lKey !== undefined && !applied.has(lKey)) return 'left';
  return rKey === undefined ? 'skip' : 'right';
}

/**
 * `TypedValue.RemoveItems`: drops every field and list item in `set` (with its subtree). A map or
 * list left empty by the removal is dropped too, as `omitempty` does when the server decodes.
 */
function removeItems(value: unknown, set: FieldSet, schemaPath: string, schema: Schema): unknown {
  if (isObject(value)) {
    const out: JsonObject = {};
    for (const [key, child] of Object.entries(value)) {
      const pe = serializePE({ kind: 'f', name: key });
      if (set.members.has(pe)) continue;
      const sub = set.children.get(pe);
      const kept = sub
        ? removeItems(child, sub.set, childSchemaPath(schemaPath, key), schema)
        : child;
      if (sub && isEmptyContainer(kept) && !isEmptyContainer(child)) continue;
      out[key] = kept;
    }
    return out;
  }
  if (!Array.isArray(value)) return value;
  const kind = schema.listKind(schemaPath, value);
  if (kind.kind === 'atomic') return value;
  const out: unknown[] = [];
  value.forEach((item, index) => {
    const pe = serializePE(itemPE(kind, item, index, []));
    if (set.members.has(pe)) return;
    const sub = set.children.get(pe);
    out.push(sub ? removeItems(item, sub.set, `${schemaPath}[]`, schema) : item);
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// managed fields: identifiers, decoding, encoding

interface VersionedSet {
  set: FieldSet;
  readonly apiVersion: string;
  readonly applied: boolean;
}

interface Managed {
  readonly fields: Map<string, VersionedSet>;
  readonly times: Map<string, string>;
}

interface Identity {
  readonly manager: string;
  readonly operation: 'Apply' | 'Update';
  readonly apiVersion?: string;
  readonly subresource?: string;
}

/** `BuildManagerIdentifier`: the entry without time and fields; appliers without apiVersion. */
function identifier(identity: Identity): string {
  return JSON.stringify({
    ...(identity.manager === '' ? {} : { manager: identity.manager }),
    operation: identity.operation,
    ...(identity.operation === 'Update' && identity.apiVersion
      ? { apiVersion: identity.apiVersion }
      : {}),
    ...(identity.subresource ? { subresource: identity.subresource } : {}),
  });
}

function parseIdentifier(id: string): Identity {
  const raw = JSON.parse(id) as JsonObject;
  return {
    manager: typeof raw.manager === 'string' ? raw.manager : '',
    operation: raw.operation === 'Apply' ? 'Apply' : 'Update',
    ...(typeof raw.apiVersion === 'string' ? { apiVersion: raw.apiVersion } : {}),
    ...(typeof raw.subresource === 'string' ? { subresource: raw.subresource } : {}),
  };
}

/** `printManager`: `"kubectl"`, `"x" with subresource "status"`, `"y" using v1`. */
function printManager(id: string, apiVersion: string): string {
  const identity = parseIdentifier(id);
  let text = JSON.stringify(identity.manager);
  if (identity.subresource) text += ` with subresource ${JSON.stringify(identity.subresource)}`;
  return identity.operation === 'Update' ? `${text} using ${apiVersion}` : text;
}

function emptyManaged(): Managed {
  return { fields: new Map(), times: new Map() };
}

function decodeEntry(entry: unknown, index: number, managed: Managed): void {
  if (!isObject(entry)) throw new Error(`invalid managed fields entry ${index}`);
  const operation = entry.operation;
  if (operation !== 'Apply' && operation !== 'Update') {
    throw new Error('operation must be `Apply` or `Update`');
  }
  const apiVersion = typeof entry.apiVersion === 'string' ? entry.apiVersion : '';
  if (apiVersion === '') throw new Error('apiVersion must not be empty');
  if (entry.fieldsType === undefined || entry.fieldsType === '') {
    throw new Error(`missing fieldsType in managed fields entry ${index}`);
  }
  if (entry.fieldsType !== 'FieldsV1') {
    throw new Error(
      `invalid fieldsType ${JSON.stringify(entry.fieldsType)} in managed fields entry ${index}`,
    );
  }
  const id = identifier({
    manager: typeof entry.manager === 'string' ? entry.manager : '',
    operation,
    apiVersion,
    ...(typeof entry.subresource === 'string' ? { subresource: entry.subresource } : {}),
  });
  managed.fields.set(id, {
    set: fromFieldsV1(entry.fieldsV1),
    apiVersion,
    applied: operation === 'Apply',
  });
  if (typeof entry.time === 'string') managed.times.set(id, entry.time);
}

/** `DecodeManagedFields`. */
function decodeManaged(entries: unknown): Managed {
  const managed = emptyManaged();
  if (!Array.isArray(entries)) return managed;
  entries.forEach((entry, index) => {
    decodeEntry(entry, index, managed);
  });
  return managed;
}

function decodeOrEmpty(entries: unknown): Managed {
  try {
    return decodeManaged(entries);
  } catch {
    return emptyManaged();
  }
}

function unixSeconds(time: string | undefined): number {
  const ms = time === undefined ? Number.NaN : Date.parse(time);
  return Number.isNaN(ms) ? 0 : Math.floor(ms / 1000);
}

/** `sortEncodedManagedFields`: operation, time, manager, apiVersion, subresource. */
function compareEntries(p: ManagedFieldsEntry, q: ManagedFieldsEntry): number {
  return (
    compareStrings(p.operation, q.operation) ||
    unixSeconds(p.time) - unixSeconds(q.time) ||
    compareStrings(p.manager, q.manager) ||
    compareStrings(p.apiVersion, q.apiVersion) ||
    compareStrings(p.subresource ?? '', q.subresource ?? '')
  );
}

/** `encodeManagedFields`. */
function encodeManaged(managed: Managed): ManagedFieldsEntry[] {
  const entries: ManagedFieldsEntry[] = [];
  for (const [id, versioned] of managed.fields) {
    const identity = parseIdentifier(id);
    const time = managed.times.get(id);
    entries.push({
      manager: identity.manager,
      operation: versioned.applied ? 'Apply' : 'Update',
      apiVersion: versioned.apiVersion,
      ...(time === undefined ? {} : { time }),
      fieldsType: 'FieldsV1',
      fieldsV1: toFieldsV1(versioned.set),
      ...(identity.subresource ? { subresource: identity.subresource } : {}),
    });
  }
  return entries.sort(compareEntries);
}

/** `stripMetaManager`: type and identity metadata are never owned. */
const STRIP_SET: FieldSet = (() => {
  const set = emptySet();
  insertPath(set, [{ kind: 'f', name: 'apiVersion' }]);
  insertPath(set, [{ kind: 'f', name: 'kind' }]);
  insertPath(set, [{ kind: 'f', name: 'metadata' }]);
  for (const name of [
    'name',
    'namespace',
    'creationTimestamp',
    'selfLink',
    'uid',
    'clusterName',
    'generation',
    'managedFields',
    'resourceVersion',
  ]) {
    insertPath(set, [
      { kind: 'f', name: 'metadata' },
      { kind: 'f', name },
    ]);
  }
  return set;
})();

function stripFields(managed: Managed, id: string): void {
  const versioned = managed.fields.get(id);
  if (versioned === undefined) return;
  versioned.set = difference(versioned.set, STRIP_SET);
  if (isEmptySet(versioned.set)) managed.fields.delete(id);
}

// ---------------------------------------------------------------------------------------------
// what a write may change: the main resource ignores status, /status only tracks status

function metadataOf(object: unknown): JsonObject {
  return isObject(object) && isObject(object.metadata) ? object.metadata : {};
}

/** The part of an object a write on `subresource` tracks, without `metadata.managedFields`. */
function project(object: unknown, subresource: string | undefined): JsonObject {
  if (!isObject(object)) return {};
  const { managedFields: _, ...metadata } = metadataOf(object);
  if (subresource === 'status') {
    const { apiVersion, kind, status } = object;
    const { name, namespace, labels, annotations } = metadata;
    const kept = { apiVersion, kind, status };
    const meta = { name, namespace, labels, annotations };
    return dropUndefined({ ...kept, metadata: dropUndefined(meta) });
  }
  const { status: __, ...rest } = object;
  return isObject(object.metadata) ? { ...rest, metadata } : rest;
}

function dropUndefined(object: JsonObject): JsonObject {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined));
}

/** Puts the tracked part back into the full live object. */
function reassemble(
  live: JsonObject | undefined,
  tracked: JsonObject,
  subresource?: string,
): JsonObject {
  if (live === undefined) return tracked;
  if (subresource !== 'status') {
    return live.status === undefined ? tracked : { ...tracked, status: clone(live.status) };
  }
  const out = clone(live);
  const metadata: JsonObject = { ...metadataOf(out) };
  for (const key of ['labels', 'annotations']) {
    const value = metadataOf(tracked)[key];
    if (value === undefined) delete metadata[key];
    else metadata[key] = value;
  }
  out.metadata = metadata;
  if (tracked.status === undefined) delete out.status;
  else out.status = tracked.status;
  return out;
}

/** API groups served by kube-apiserver itself (typed objects whose `spec` struct always exists). */
const BUILT_IN_GROUPS = new Set([
  'admissionregistration.k8s.io',
  'apiextensions.k8s.io',
  'apiregistration.k8s.io',
  'authentication.k8s.io',
  'authorization.k8s.io',
  'certificates.k8s.io',
  'coordination.k8s.io',
  'discovery.k8s.io',
  'events.k8s.io',
  'flowcontrol.apiserver.k8s.io',
  'networking.k8s.io',
  'node.k8s.io',
  'rbac.authorization.k8s.io',
  'resource.k8s.io',
  'scheduling.k8s.io',
  'storage.k8s.io',
]);

/**
 * The empty object of the kind (`objectCreater.New`): a built-in type decodes with an empty `spec`
 * struct and `metadata`, so those are not reported as added; a custom resource starts empty.
 */
function emptyObjectLike(object: JsonObject, apiVersion: string): JsonObject {
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const builtIn = group === '' || !group.includes('.') || BUILT_IN_GROUPS.has(group);
  if (!builtIn) return {};
  return { metadata: {}, ...(isObject(object.spec) ? { spec: {} } : {}) };
}

// ---------------------------------------------------------------------------------------------
// merge.Updater

/** `Updater.update`: other managers lose what changed (conflicts) and what was removed. */
function takeOwnership(
  comparison: Comparison,
  managed: Managed,
  workflow: string,
  force: boolean,
): void {
  const changed = union(comparison.modified, comparison.added);
  const conflicts: [string, FieldSet][] = [];
  for (const [id, versioned] of managed.fields) {
    if (id === workflow) continue;
    const overlap = intersection(versioned.set, changed);
    if (!isEmptySet(overlap)) conflicts.push([id, overlap]);
  }
  if (!force && conflicts.length > 0) throw conflictError(conflicts, managed);
  for (const [id, overlap] of conflicts) {
    const versioned = managed.fields.get(id);
    if (versioned) versioned.set = difference(versioned.set, overlap);
  }
  for (const [id, versioned] of managed.fields) {
    if (id !== workflow) versioned.set = difference(versioned.set, comparison.removed);
    if (isEmptySet(versioned.set)) managed.fields.delete(id);
  }
}

/** `internal.NewConflictError`. */
function conflictError(conflicts: [string, FieldSet][], managed: Managed): ApplyConflictError {
  const sorted = [...conflicts].sort(([a], [b]) => compareStrings(a, b));
  const rows = sorted.flatMap(([id, set]) => {
    const who = printManager(id, managed.fields.get(id)?.apiVersion ?? '');
    return iteratePaths(set).map((path) => ({ who, field: pathString(path) }));
  });
  const causes = rows.map(({ who, field }) => ({
    type: 'FieldManagerConflict' as const,
    message: `conflict with ${who}`,
    field,
  }));
  const first = rows[0];
  if (rows.length === 1 && first !== undefined) {
    return new ApplyConflictError(
      `Apply failed with 1 conflict: conflict with ${first.who}: ${first.field}`,
      causes,
    );
  }
  const lines: string[] = [];
  for (const [id, set] of sorted) {
    lines.push(`conflicts with ${printManager(id, managed.fields.get(id)?.apiVersion ?? '')}:`);
    for (const path of iteratePaths(set)) lines.push(`- ${pathString(path)}`);
  }
  return new ApplyConflictError(
    `Apply failed with ${rows.length} conflicts: ${lines.join('\n')}`,
    causes,
  );
}

/** `Updater.Update` wrapped by `managedFieldsUpdater` and `stripMetaManager`. */
function trackUpdate(
  live: JsonObject,
  next: JsonObject,
  managed: Managed,
  identity: Identity,
  options: ManagedFieldsOptions,
  schema: Schema,
): void {
  const self = '{"manager":"current-operation"}';
  const comparison = compare(live, next, schema);
  takeOwnership(comparison, managed, self, true);
  const taken = difference(
    difference(union(comparison.modified, comparison.added), comparison.removed),
    STRIP_SET,
  );
  if (isEmptySet(taken)) return;
  const id = identifier(identity);
  const previous = managed.fields.get(id);
  managed.fields.set(id, {
    set: previous ? union(taken, previous.set) : taken,
    apiVersion: options.apiVersion,
    applied: false,
  });
  managed.times.set(id, options.now);
}

function withManagedFields(object: JsonObject, managed: Managed): JsonObject {
  const out = clone(object);
  const metadata: JsonObject = { ...metadataOf(out) };
  const entries = encodeManaged(managed);
  if (entries.length === 0) delete metadata.managedFields;
  else metadata.managedFields = entries;
  out.metadata = metadata;
  return out;
}

/** `isResetManagedFields`: `[]` or `[{}]` asks to stop tracking. */
function isReset(entries: unknown): boolean {
  if (!Array.isArray(entries)) return false;
  if (entries.length === 0) return true;
  return entries.length === 1 && isObject(entries[0]) && Object.keys(entries[0]).length === 0;
}

/**
 * Records a non-apply write (create, update, merge/JSON/strategic patch) in `metadata.managedFields`
 * as the API server does: `manager` (operation `Update`, this apiVersion) takes every field whose
 * value was added or changed, which leaves other managers' sets; removed fields leave every set.
 * An object that exists but is not tracked (no or reset `managedFields`) stays untracked.
 * Returns a copy of `next` with the new `metadata.managedFields`.
 */
export function recordUpdate(
  previous: object | undefined,
  next: object,
  opts: ManagedFieldsOptions,
): object {
  const nextObject = next as JsonObject;
  const schema = new Schema(opts.listMapKeys);
  let managed: Managed;
  const requested = metadataOf(nextObject).managedFields;
  if (opts.subresource !== undefined) managed = decodeOrEmpty(metadataOf(previous).managedFields);
  else if (isReset(requested)) managed = emptyManaged();
  else {
    managed = decodeOrEmpty(requested);
    if (managed.fields.size === 0) managed = decodeOrEmpty(metadataOf(previous).managedFields);
  }
  if (managed.fields.size === 0 && previous !== undefined) {
    return withManagedFields(nextObject, managed);
  }
  const live = (previous as JsonObject | undefined) ?? emptyObjectLike(nextObject, opts.apiVersion);
  trackUpdate(
    project(live, opts.subresource),
    project(nextObject, opts.subresource),
    managed,
    {
      manager: opts.manager,
      operation: 'Update',
      apiVersion: opts.apiVersion,
      ...(opts.subresource ? { subresource: opts.subresource } : {}),
    },
    opts,
    schema,
  );
  return withManagedFields(nextObject, managed);
}

/** The applied configuration without `null` map values (which would store nothing). */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (!isObject(value)) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, child]) => child !== null)
      .map(([key, child]) => [key, withoutNulls(child)]),
  );
}

/** `Updater.prune`: drops what `manager` applied last time, no longer applies, and nobody owns. */
function prune(
  merged: JsonObject,
  managed: Managed,
  lastSet: FieldSet | undefined,
  schema: Schema,
): JsonObject {
  if (lastSet === undefined || isEmptySet(lastSet)) return merged;
  let owned = emptySet();
  for (const versioned of managed.fields.values()) owned = union(owned, versioned.set);
  const toRemove = difference(ensureNamedFields(lastSet), ensureNamedFields(owned));
  return removeItems(merged, toRemove, '', schema) as JsonObject;
}

function beforeFirstApply(live: JsonObject, opts: ApplyOptions, schema: Schema): Managed {
  const managed = emptyManaged();
  trackUpdate(
    project(emptyObjectLike(live, opts.apiVersion), opts.subresource),
    project(live, opts.subresource),
    managed,
    { manager: 'before-first-apply', operation: 'Update', apiVersion: opts.apiVersion },
    opts,
    schema,
  );
  return managed;
}

/**
 * Server-side apply (`PATCH` with `application/apply-patch+yaml`): merges `applied` into `live`
 * (undefined to create), makes `manager` (operation `Apply`) the owner of exactly the fields the
 * configuration sets, removes fields it applied before, no longer applies and nobody else owns,
 * and records it all in `metadata.managedFields`. A field another manager owns whose value would
 * change is a conflict ({@link ApplyConflictError}) unless `force`, which takes it over; applying
 * the same value shares ownership. `apiVersion`, `kind`, `metadata.name`/`namespace` and the other
 * server-set metadata are never owned; `status` is left alone unless `subresource` is `status`.
 */
export function serverSideApply(
  live: object | undefined,
  applied: object,
  opts: ApplyOptions,
): { object: object } {
  const schema = new Schema(opts.listMapKeys);
  const liveObject = live as JsonObject | undefined;
  if (metadataOf(applied).managedFields !== undefined) {
    throw new InvalidApplyError('metadata.managedFields must be nil');
  }
  let managed: Managed;
  try {
    managed = decodeManaged(metadataOf(liveObject).managedFields);
  } catch (error) {
    throw new Error(`failed to decode managed fields: ${(error as Error).message}`);
  }
  if (liveObject !== undefined && managed.fields.size === 0) {
    managed = beforeFirstApply(liveObject, opts, schema);
  }
  const id = identifier({
    manager: opts.manager,
    operation: 'Apply',
    ...(opts.subresource ? { subresource: opts.subresource } : {}),
  });
  const current = project(liveObject, opts.subresource);
  const config = project(withoutNulls(applied), opts.subresource);
  const lastSet = managed.fields.get(id)?.set;
  managed.fields.set(id, {
    set: toFieldSet(config, schema),
    apiVersion: opts.apiVersion,
    applied: true,
  });
  const merged = prune(merge(current, config, '', schema) as JsonObject, managed, lastSet, schema);
  takeOwnership(compare(current, merged, schema), managed, id, opts.force);
  stripFields(managed, id);
  if (!jsonEqual(current, merged)) managed.times.set(id, opts.now);
  return { object: withManagedFields(reassemble(liveObject, merged, opts.subresource), managed) };
}

/** Associative lists of the kinds the embedded server serves, for `listMapKeys`. */
export const LIST_MAP_KEYS: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>> =
  {
    Namespace: { 'status.conditions': ['type'] },
    Service: { 'spec.ports': ['port', 'protocol'], 'status.conditions': ['type'] },
    Pod: {
      'spec.containers': ['name'],
      'spec.containers[].ports': ['containerPort', 'protocol'],
      'spec.containers[].env': ['name'],
      'spec.containers[].volumeMounts': ['mountPath'],
      'spec.initContainers': ['name'],
      'spec.initContainers[].ports': ['containerPort', 'protocol'],
      'spec.initContainers[].env': ['name'],
      'spec.initContainers[].volumeMounts': ['mountPath'],
      'spec.volumes': ['name'],
      'spec.imagePullSecrets': ['name'],
      'status.conditions': ['type'],
      'status.podIPs': ['ip'],
    },
    Gateway: {
      'spec.listeners': ['name'],
      'status.conditions': ['type'],
      'status.listeners': ['name'],
    },
  };
