/**
 * zod schemas for the Kubernetes objects waypointer reads, and a parser for what
 * `kubectl get namespaces,services,pods,gateways.gateway.networking.k8s.io,gatewayclasses.gateway.networking.k8s.io -A -o json`
 * (or `-o yaml`, or a multi-document YAML file) prints; `serviceentries`, `workloadentries` and the
 * `istio` ConfigMap of `istio-system` (its `data.mesh`, the MeshConfig) are read when present. Unknown fields are dropped: the engine
 * keeps only what the binding rules read.
 */
import { type Document, parseAllDocuments, parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ValidationError } from '../domain/errors.ts';
import {
  ISTIO_NETWORKING_GROUP,
  MESH_CONFIG_NAME,
  MESH_CONFIG_NAMESPACE,
  REVISION,
} from '../domain/labels.ts';
import { checkMeshConfig } from '../domain/mesh-config.ts';
import type {
  ClusterSnapshot,
  Gateway,
  GatewayClass,
  MeshConfig,
  Namespace,
  ObjectMeta,
  Pod,
  Service,
  ServiceEntry,
  WorkloadEntry,
} from '../domain/model.ts';

const stringMap = z
  .record(z.string(), z.string())
  .nullish()
  .transform((v) => v ?? undefined);

const objectMeta = z.object({
  name: z.string().min(1),
  namespace: z.string().optional(),
  labels: stringMap,
  annotations: stringMap,
});

const namespacedMeta = objectMeta.extend({ namespace: z.string().min(1) });

const labelSelector = z.object({
  matchLabels: stringMap,
  matchExpressions: z
    .array(
      z.object({
        key: z.string(),
        operator: z.string(),
        values: z
          .array(z.string())
          .nullish()
          .transform((v) => v ?? undefined),
      }),
    )
    .nullish()
    .transform((v) => v ?? undefined),
});

const listener = z.object({
  name: z.string(),
  port: z.number().int(),
  protocol: z.string(),
  allowedRoutes: z
    .object({
      namespaces: z
        .object({ from: z.string().optional(), selector: labelSelector.nullish() })
        .nullish(),
    })
    .nullish(),
});

export const namespaceSchema = z.object({ metadata: objectMeta });
const condition = z.object({
  type: z.string(),
  status: z.string(),
  reason: z.string().optional(),
  message: z.string().optional(),
});

export const serviceSchema = z.object({
  metadata: namespacedMeta,
  spec: z.object({ type: z.string().optional() }).optional(),
  /** istiod's `istio.io/WaypointBound` condition, for the drift diagnostic. */
  status: z.object({ conditions: z.array(condition).nullish() }).nullish(),
});
/** Pods keep what says whether istiod builds a workload for them (phase, IPs; §7 K6-K8). */
export const podSchema = z.object({
  metadata: namespacedMeta,
  spec: z.object({ hostNetwork: z.boolean().nullish() }).nullish(),
  status: z
    .object({
      phase: z.string().nullish(),
      podIP: z.string().nullish(),
      podIPs: z.array(z.object({ ip: z.string() })).nullish(),
    })
    .nullish(),
});
export const gatewaySchema = z.object({
  metadata: namespacedMeta,
  spec: z.object({ gatewayClassName: z.string(), listeners: z.array(listener) }),
  status: z
    .object({
      addresses: z
        .array(z.object({ type: z.string().optional(), value: z.string() }))
        .nullish()
        .transform((v) => v ?? undefined),
      conditions: z
        .array(
          z.object({
            type: z.string(),
            status: z.string(),
            reason: z.string().optional(),
            message: z.string().optional(),
          }),
        )
        .nullish()
        .transform((v) => v ?? undefined),
    })
    .optional(),
});
export const gatewayClassSchema = z.object({
  metadata: objectMeta,
  spec: z.object({ controllerName: z.string().optional() }).optional(),
});

const VISIBILITY = z.enum(['VISIBILITY_UNSPECIFIED', 'NONE', 'NAMESPACE', 'PUBLIC']);

/** The part of istiod's MeshConfig (`data.mesh` of the `istio` ConfigMap) the rules read (§15.1). */
export const meshConfigDocumentSchema = z.object({
  discoverySelectors: z
    .array(labelSelector)
    .nullish()
    .transform((v) => v ?? []),
  serviceEntryVisibility: z
    .object({
      defaultVisibility: VISIBILITY.optional(),
      applyToSidecars: z.boolean().optional(),
      policies: z
        .array(
          z.object({
            visibility: VISIBILITY.optional(),
            matchingRules: z
              .array(z.object({ namespaceSelector: labelSelector.nullish() }))
              .nullish()
              .transform((v) => v ?? undefined),
          }),
        )
        .nullish()
        .transform((v) => v ?? undefined),
    })
    .nullish()
    .transform((v) => v ?? null),
});

export const serviceEntrySchema = z.object({
  metadata: namespacedMeta.extend({
    creationTimestamp: z.union([z.string(), z.date()]).optional(),
  }),
  spec: z.object({
    hosts: z.array(z.string()),
    resolution: z.string().optional(),
    endpoints: z
      .array(z.object({ address: z.string().optional(), labels: stringMap }))
      .nullish()
      .transform((v) => v ?? undefined),
    workloadSelector: z.object({ labels: stringMap }).nullish(),
  }),
});

export const workloadEntrySchema = z.object({
  metadata: namespacedMeta,
  spec: z.object({ address: z.string().optional(), labels: stringMap }).optional(),
});

export const configMapSchema = z.object({
  metadata: namespacedMeta,
  data: stringMap,
});

const GATEWAY_GROUP = 'gateway.networking.k8s.io/';

type Bucket = Exclude<keyof Collector, 'ignored'>;
/** Each kind read: its bucket, schema and API group prefix ('' for core `v1`). */
const kinds: Record<string, { bucket: Bucket; schema: z.ZodType; group: string }> = {
  Namespace: { bucket: 'namespaces', schema: namespaceSchema, group: '' },
  Service: { bucket: 'services', schema: serviceSchema, group: '' },
  Pod: { bucket: 'pods', schema: podSchema, group: '' },
  ConfigMap: { bucket: 'configMaps', schema: configMapSchema, group: '' },
  Gateway: { bucket: 'gateways', schema: gatewaySchema, group: GATEWAY_GROUP },
  GatewayClass: { bucket: 'gatewayClasses', schema: gatewayClassSchema, group: GATEWAY_GROUP },
  ServiceEntry: {
    bucket: 'serviceEntries',
    schema: serviceEntrySchema,
    group: `${ISTIO_NETWORKING_GROUP}/`,
  },
  WorkloadEntry: {
    bucket: 'workloadEntries',
    schema: workloadEntrySchema,
    group: `${ISTIO_NETWORKING_GROUP}/`,
  },
};

/**
 * istiod's revision as its mesh ConfigMap names it (§15.1 M4): the `istio.io/rev` label, else the
 * `<rev>` of a ConfigMap named `istio-<rev>`, else none ('').
 */
export function revisionOfMeshConfigMap(configMap: ConfigMap): string {
  const label = configMap.metadata.labels?.[REVISION];
  if (label !== undefined) return label;
  const name = configMap.metadata.name;
  return name.startsWith(`${MESH_CONFIG_NAME}-`) ? name.slice(MESH_CONFIG_NAME.length + 1) : '';
}

/**
 * Parses the MeshConfig YAML (`data.mesh`) into what the rules read, with istiod's revision.
 * Throws a ValidationError naming the field at fault (`<source>.discoverySelectors[0]...`).
 *
 * @example
 * parseMeshConfig('discoverySelectors:\n- matchLabels: {mesh: on}\n', 'default').discoverySelectors;
 */
export function parseMeshConfig(text: string, revision: string, source = 'mesh'): MeshConfig {
  let value: unknown;
  try {
    value = parseYaml(text, { maxAliasCount: MAX_ALIAS_COUNT }) ?? {};
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new ValidationError(
      `${source}: invalid YAML: ${detail}`,
      [{ path: source, message: detail }],
      {
        cause: error,
      },
    );
  }
  const result = meshConfigDocumentSchema.safeParse(value);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => ({
      path: join(source, issue.path.join('.')),
      message: issue.message,
    }));
    throw new ValidationError(`${problems[0]?.path}: ${problems[0]?.message}`, problems);
  }
  const mesh: MeshConfig = { ...(result.data as Omit<MeshConfig, 'revision'>), revision };
  const problems = checkMeshConfig(mesh).map((p) => ({
    path: join(source, p.path),
    message: p.message,
  }));
  if (problems.length > 0) {
    throw new ValidationError(`${problems[0]?.path}: ${problems[0]?.message}`, problems);
  }
  return mesh;
}

/**
 * A MeshConfig file: the MeshConfig YAML itself (`data.mesh`, no revision), or the `istio`
 * ConfigMap (YAML or JSON) that holds it, with the revision it names. Errors name `source` and the
 * field at fault.
 *
 * @example
 * parseMeshConfigFile('serviceEntryVisibility: {defaultVisibility: NAMESPACE}\n', 'mesh.yaml');
 */
export function parseMeshConfigFile(text: string, source: string): MeshConfig {
  let value: unknown;
  try {
    value = parseYaml(text, { maxAliasCount: MAX_ALIAS_COUNT });
  } catch {
    value = undefined;
  }
  const object = value as { kind?: unknown } | null | undefined;
  if (object === null || typeof object !== 'object' || object.kind !== 'ConfigMap') {
    return parseMeshConfig(text, '', source);
  }
  const parsed = configMapSchema.safeParse(value);
  const mesh = parsed.success ? parsed.data.data?.mesh : undefined;
  if (!parsed.success || mesh === undefined) {
    throw new ValidationError(`${source}: a ConfigMap without data.mesh`, [
      { path: `${source}.data.mesh`, message: 'Required' },
    ]);
  }
  return parseMeshConfig(mesh, revisionOfMeshConfigMap(parsed.data), `${source}.data.mesh`);
}

/** The MeshConfig of the ConfigMaps a snapshot input carries, if it has the mesh one. */
function meshConfigFrom(configMaps: readonly ConfigMap[], source: string): MeshConfig | undefined {
  const found = configMaps.find(
    (c) =>
      c.metadata.namespace === MESH_CONFIG_NAMESPACE &&
      (c.metadata.name === MESH_CONFIG_NAME ||
        c.metadata.name.startsWith(`${MESH_CONFIG_NAME}-`)) &&
      c.data?.mesh !== undefined,
  );
  if (found === undefined) return undefined;
  const where = `${source}: ConfigMap ${MESH_CONFIG_NAMESPACE}/${found.metadata.name} data.mesh`;
  return parseMeshConfig(found.data?.mesh ?? '', revisionOfMeshConfigMap(found), where);
}

/** A parsed input: the snapshot, and the kinds of objects it ignored (with counts). */
export interface ParsedSnapshot {
  readonly snapshot: ClusterSnapshot;
  readonly ignored: ReadonlyMap<string, number>;
}

interface ConfigMap {
  readonly metadata: ObjectMeta;
  readonly data?: Readonly<Record<string, string>>;
}

interface Collector {
  namespaces: Namespace[];
  services: Service[];
  pods: Pod[];
  gateways: Gateway[];
  gatewayClasses: GatewayClass[];
  serviceEntries: ServiceEntry[];
  workloadEntries: WorkloadEntry[];
  configMaps: ConfigMap[];
  ignored: Map<string, number>;
}

function describe(value: Record<string, unknown>): string {
  const meta = value.metadata as { name?: unknown; namespace?: unknown } | undefined;
  const name = typeof meta?.name === 'string' ? meta.name : '?';
  const namespace = typeof meta?.namespace === 'string' ? `${meta.namespace}/` : '';
  return `${String(value.kind)} ${namespace}${name}`;
}

function join(path: string, child: string): string {
  return path === '' ? child : `${path}.${child}`;
}

function invalidItem(
  path: string,
  object: Record<string, unknown>,
  error: z.ZodError,
): ValidationError {
  const problems = error.issues.map((issue) => ({
    path: join(path, issue.path.join('.')),
    message: issue.message,
  }));
  const first = error.issues[0];
  const where = path === '' ? describe(object) : `${path} (${describe(object)})`;
  return new ValidationError(
    `${where}: ${first?.path.join('.') ?? ''}: ${first?.message ?? 'invalid'}`,
    problems,
  );
}

function asObject(value: unknown, where: string): Record<string, unknown> {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    return value as Record<string, unknown>;
  }
  const found = Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value;
  throw new ValidationError(`${where}: expected a Kubernetes object or List, found ${found}`, [
    { path: where, message: 'expected a Kubernetes object or List' },
  ]);
}

/** The schema for an object's kind and apiVersion, or undefined for kinds the rules never read. */
function kindOf(object: Record<string, unknown>, kind: string): (typeof kinds)[string] | undefined {
  const apiVersion = typeof object.apiVersion === 'string' ? object.apiVersion : '';
  const known = kinds[kind];
  if (known === undefined) return undefined;
  return (known.group === '' ? apiVersion === 'v1' : apiVersion.startsWith(known.group))
    ? known
    : undefined;
}

function collect(value: unknown, path: string, into: Collector, source: string): void {
  const where = path === '' ? source : path;
  const object = asObject(value, where);
  const kind = object.kind;
  if (typeof kind !== 'string') {
    throw new ValidationError(`${where}: the object has no "kind"`, [
      { path: join(path, 'kind'), message: 'Required' },
    ]);
  }
  if (kind.endsWith('List')) {
    if (!Array.isArray(object.items)) {
      throw new ValidationError(`${where}: a ${kind} needs "items", a list of objects`, [
        { path: join(path, 'items'), message: 'Expected array' },
      ]);
    }
    object.items.forEach((item: unknown, i: number) => {
      collect(item, join(path, `items[${i}]`), into, source);
    });
    return;
  }
  const known = kindOf(object, kind);
  if (known === undefined) {
    const label = `${String(object.apiVersion ?? '?')}/${kind}`;
    into.ignored.set(label, (into.ignored.get(label) ?? 0) + 1);
    return;
  }
  const result = known.schema.safeParse(object);
  if (!result.success) throw invalidItem(path, object, result.error);
  (into[known.bucket] as unknown[]).push(result.data);
}

function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new ValidationError(
      `${source}: invalid JSON: ${detail}`,
      [{ path: source, message: detail }],
      { cause: error },
    );
  }
}

/** The values of YAML text (one document, or several after `...`), errors as ValidationErrors. */
function yamlValues(text: string, source: string, label: string, lineOffset: number): unknown[] {
  const parsed = parseAllDocuments(text);
  return (Array.isArray(parsed) ? parsed : []).map((document) =>
    documentValue(document, source, label, lineOffset),
  );
}

/** One parsed document's value; its first error and alias bombs become ValidationErrors. */
function documentValue(
  document: Document.Parsed,
  source: string,
  label: string,
  lineOffset: number,
): unknown {
  const problem = document.errors[0];
  if (problem !== undefined) {
    const at = problem.linePos?.[0];
    const position = at === undefined ? '' : ` at line ${at.line + lineOffset}, column ${at.col}`;
    const detail = problem.message.split('\n')[0] ?? problem.message;
    throw new ValidationError(`${source}: invalid YAML in ${label}${position}: ${detail}`, [
      { path: source, message: detail },
    ]);
  }
  try {
    return document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    // The yaml package refuses alias bombs ("billion laughs") with a ReferenceError.
    const detail = error instanceof Error ? error.message : String(error);
    throw new ValidationError(
      `${source}: YAML ${label} cannot be read: ${detail} (kubectl output has no aliases)`,
      [{ path: source, message: detail }],
      { cause: error },
    );
  }
}

/** A part of the input: its text and the 0-based input line it starts on. */
interface Part {
  readonly text: string;
  readonly line: number;
}

/** The input's lines as offsets, without copying them: `[start, end)` of each, in order. */
function* lineSpans(text: string, from = 0): Generator<[number, number]> {
  let start = from;
  while (start < text.length) {
    const newline = text.indexOf('\n', start);
    const end = newline < 0 ? text.length : newline;
    yield [start, end];
    start = end + 1;
  }
}

/**
 * The documents of a YAML stream, split at `---` lines: a document never spans one, so each is
 * parsed on its own.
 */
function yamlDocuments(text: string): Part[] {
  const documents: Part[] = [];
  let start = 0;
  let line = 0;
  let n = 0;
  for (const [from, to] of lineSpans(text)) {
    if (text.startsWith('---', from) && (to === from + 3 || /\s/.test(text[from + 3] ?? ''))) {
      documents.push({ text: text.slice(start, from), line });
      start = to === from + 3 ? to + 1 : from + 4;
      line = to === from + 3 ? n + 1 : n;
    }
    n++;
  }
  documents.push({ text: text.slice(start), line });
  return documents.filter((d) => /^(?!#)\s*\S/m.test(d.text));
}

/**
 * kubectl's List layout (a line `items:` at column 0, each item a block sequence entry `- ` at
 * column 0 whose other lines are indented): the items as parts, and the document without them;
 * undefined for any other layout. Nested content of an item is always indented, so an item ends
 * at the next line that starts at column 0 with anything but a comment.
 */
function listItems(document: Part): { outside: Part; items: Part[] } | undefined {
  const { text } = document;
  const at = text.startsWith('items:\n') ? 0 : text.indexOf('\nitems:\n') + 1;
  if (at <= 0 && !text.startsWith('items:\n')) return undefined;
  const before = text.slice(0, at);
  const firstLine = document.line + (before.match(/\n/g)?.length ?? 0) + 1;
  const { items, rest } = itemParts(text, at + 'items:\n'.length, firstLine);
  const after = text.slice(rest);
  if (/^- /m.test(after)) return undefined;
  return {
    outside: { text: `${before}${after}`, line: document.line },
    items: items.map((part) => ({ text: `  ${part.text.slice(2)}`, line: part.line })),
  };
}

/**
 * The block sequence entries from `start` on, each up to the next line at column 0 that is not a
 * comment, and where the first line after them starts.
 */
function itemParts(
  text: string,
  start: number,
  firstLine: number,
): { items: Part[]; rest: number } {
  const items: Part[] = [];
  let item: { start: number; line: number } | undefined;
  let n = firstLine;
  for (const [from, to] of lineSpans(text, start)) {
    const first = text[from];
    if (from !== to && first !== ' ' && first !== '#') {
      if (item !== undefined)
        items.push({ text: text.slice(item.start, from - 1), line: item.line });
      if (!text.startsWith('- ', from)) return { items, rest: from };
      item = { start: from, line: n };
    }
    n++;
  }
  if (item !== undefined) items.push({ text: text.slice(item.start), line: item.line });
  return { items, rest: text.length };
}

/** A document's value as it is read: whole, or (a List) its frame, then its items one by one. */
type Visit = (value: unknown, path: string) => void;

/** Whether a parsed value is the frame of a List (an object whose kind ends in List). */
function isListFrame(values: readonly unknown[]): values is [Record<string, unknown>] {
  const [head] = values;
  return (
    values.length === 1 &&
    typeof head === 'object' &&
    head !== null &&
    !Array.isArray(head) &&
    String((head as { kind?: unknown }).kind ?? '').endsWith('List')
  );
}

/**
 * Reads a YAML document and hands its values to `visit`. A kubectl List is read item by item and
 * each item handed on at once, so memory follows its largest item, not the whole dump (the `yaml`
 * package holds a whole document's syntax tree, and a List's objects would pile up).
 */
function visitYamlDocument(document: Part, source: string, path: string, visit: Visit): void {
  const label = path === '' ? 'document 1' : path;
  const whole = (): void => {
    for (const value of yamlValues(document.text, source, label, document.line))
      if (value !== null && value !== undefined) visit(value, path);
  };
  const list = listItems(document);
  const frame =
    list === undefined ? [] : yamlValues(list.outside.text, source, label, list.outside.line);
  if (list === undefined || !isListFrame(frame)) {
    whole();
    return;
  }
  visit({ ...frame[0], items: [] }, path);
  list.items.forEach((part, i) => {
    visit(yamlValues(part.text, source, label, part.line)[0], join(path, `items[${i}]`));
  });
}

/** Hands every YAML document of `text` to `visit`, labelled `document N` when there are several. */
function visitYaml(text: string, source: string, visit: Visit): void {
  const documents = yamlDocuments(text);
  documents.forEach((document, i) => {
    visitYamlDocument(document, source, documents.length > 1 ? `document ${i + 1}` : '', visit);
  });
}

/** How many aliases a YAML document may resolve (the yaml package's default). */
const MAX_ALIAS_COUNT = 100;

/** Text that is no JSON or YAML at all: NUL bytes, or bytes that were not UTF-8. */
function looksBinary(text: string): boolean {
  return text.includes('\u0000') || text.includes('\uFFFD');
}

/**
 * The input as JSON or YAML text: a UTF-8 byte order mark is dropped; UTF-16 (which reaches here
 * as replacement characters and NULs) and binary input are refused with what to do instead.
 */
function decodedText(text: string, source: string): string {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const head = body.slice(0, 4096);
  if (!looksBinary(head)) return body;
  const utf16 = /^\uFFFD\uFFFD/.test(head) && head.includes('\u0000');
  const message = utf16
    ? 'the input is UTF-16: convert it to UTF-8 first (iconv -f UTF-16 -t UTF-8)'
    : 'the input is binary, not JSON or YAML: give what `kubectl get ... -o json` (or -o yaml) prints';
  throw new ValidationError(`${source}: ${message}`, [{ path: source, message }]);
}

/** Hands each object of kubectl's output (JSON, or YAML documents) to `visit`. */
function visitDocuments(input: string, source: string, visit: Visit): void {
  const text = decodedText(input, source);
  const first = text.trimStart()[0];
  if (first === '{' || first === '[') visit(parseJson(text, source), '');
  else visitYaml(text, source, visit);
}

/**
 * Parses kubectl output (JSON or YAML; a List, several Lists or single objects) into a snapshot.
 * Throws a ValidationError that names the item and field at fault.
 *
 * @example
 * parseSnapshot(readFileSync('cluster.json', 'utf8'), 'cluster.json').snapshot.services.length
 */
export function parseSnapshot(text: string, source = 'input'): ParsedSnapshot {
  const into: Collector = {
    namespaces: [],
    services: [],
    pods: [],
    gateways: [],
    gatewayClasses: [],
    serviceEntries: [],
    workloadEntries: [],
    configMaps: [],
    ignored: new Map(),
  };
  let documents = 0;
  visitDocuments(text, source, (value, path) => {
    if (!path.includes('items[')) documents++;
    collect(value, path, into, source);
  });
  if (documents === 0) {
    throw new ValidationError(
      `${source}: no objects: give what \`kubectl get ... -o json\` (or -o yaml) prints`,
      [{ path: source, message: 'empty input' }],
    );
  }
  const { ignored, configMaps, ...objects } = into;
  const meshConfig = meshConfigFrom(configMaps, source);
  const snapshot = meshConfig === undefined ? objects : { ...objects, meshConfig };
  return { snapshot, ignored };
}
