/**
 * The AWS query protocol of SNS (`botocore/data/sns/2010-03-31/service-2.json`, `"protocol":
 * "query"`), translated both ways: a form-encoded request (`Action=Publish&Version=2010-03-31&
 * TopicArn=...&MessageAttributes.entry.1.Name=...`) becomes the structured input of
 * `SnsService` (lists from `.member.N`, maps from `.entry.N.key`/`.value` or, for message
 * attributes, `.entry.N.Name`/`.Value`), and an output object becomes the
 * `<ActionResponse><ActionResult>...</ActionResult><ResponseMetadata>` XML the SDKs parse.
 */
import { errors } from './errors.ts';

/** A decoded request member: a string, a structure, a list or a map. */
export type Member = string | { readonly [name: string]: Member } | readonly Member[];

/** A structured input: the members of one operation. */
export type Input = Readonly<Record<string, Member>>;

/** The service's XML namespace. */
export const XMLNS = 'http://sns.amazonaws.com/doc/2010-03-31/';

/** The API version every request must name. */
export const VERSION = '2010-03-31';

type Tree = Map<string, Tree | string>;

/** Puts `value` at the dotted `path` of `tree`; a parameter given twice is refused. */
function put(tree: Tree, path: readonly string[], value: string, name: string): void {
  const [head, ...rest] = path;
  if (head === undefined || head === '')
    throw errors.invalidParameter(`Invalid parameter: ${name}`);
  const existing = tree.get(head);
  if (rest.length === 0) {
    if (existing !== undefined)
      throw errors.invalidParameter(`Invalid parameter: ${name} is given more than once`);
    tree.set(head, value);
    return;
  }
  if (typeof existing === 'string')
    throw errors.invalidParameter(`Invalid parameter: ${name} is given more than once`);
  const child: Tree = existing ?? new Map();
  tree.set(head, child);
  put(child, rest, value, name);
}

/** The children of a `.member.N` or `.entry.N` node, in index order (1, 2, ...). */
function indexed(node: Tree, name: string): Tree[] {
  const items = [...node.entries()].map(([index, child]) => {
    if (!/^[1-9]\d*$/.test(index) || typeof child === 'string')
      throw errors.invalidParameter(`Invalid parameter: ${name}.${index}`);
    return [Number(index), child] as const;
  });
  return items.sort(([a], [b]) => a - b).map(([, child]) => child);
}

/** A map entry's key and value, under `key`/`value` or (message attributes) `Name`/`Value`. */
function entryOf(entry: Tree, name: string): [string, Member] {
  const key = entry.get('key') ?? entry.get('Name');
  const value = entry.get('value') ?? entry.get('Value');
  if (typeof key !== 'string' || value === undefined)
    throw errors.invalidParameter(`Invalid parameter: ${name} needs a key and a value`);
  return [key, typeof value === 'string' ? value : normalize(value, name)];
}

/** A decoded tree as members: `.member.N` nodes become lists, `.entry.N` nodes maps. */
function normalize(tree: Tree, name: string): Member {
  if (tree.size === 1 && tree.has('member')) {
    const members = tree.get('member');
    if (typeof members === 'string') throw errors.invalidParameter(`Invalid parameter: ${name}`);
    return indexed(members as Tree, `${name}.member`).map((m) => normalize(m, name));
  }
  if (tree.size === 1 && tree.has('entry')) {
    const entries = tree.get('entry');
    if (typeof entries === 'string') throw errors.invalidParameter(`Invalid parameter: ${name}`);
    return Object.fromEntries(
      indexed(entries as Tree, `${name}.entry`).map((e) => entryOf(e, name)),
    );
  }
  return Object.fromEntries(
    [...tree.entries()].map(([key, value]) => [
      key,
      typeof value === 'string' ? value : normalize(value, `${name}.${key}`),
    ]),
  );
}

/** Signature and protocol parameters every request may carry besides the operation's own. */
const COMMON = new Set([
  'Action',
  'Version',
  'AWSAccessKeyId',
  'Signature',
  'SignatureMethod',
  'SignatureVersion',
  'Timestamp',
  'Expires',
  'SecurityToken',
  'X-Amz-Algorithm',
  'X-Amz-Credential',
  'X-Amz-Date',
  'X-Amz-Signature',
  'X-Amz-SignedHeaders',
  'X-Amz-Security-Token',
]);

/**
 * The operation and structured input of a form-encoded query request.
 *
 * @example
 * ```ts
 * decodeQuery('Action=CreateTopic&Version=2010-03-31&Name=t.fifo&Attributes.entry.1.key=FifoTopic&Attributes.entry.1.value=true');
 * // { action: 'CreateTopic', input: { Name: 't.fifo', Attributes: { FifoTopic: 'true' } } }
 * ```
 */
export function decodeQuery(form: string): { action: string; input: Input } {
  const params = new URLSearchParams(form);
  const action = params.get('Action');
  if (action === null || action === '')
    throw errors.invalidParameter('Invalid parameter: Action is missing');
  const version = params.get('Version');
  if (version !== null && version !== VERSION)
    throw errors.invalidParameter(`Invalid parameter: Version ${version} (this is ${VERSION})`);
  const tree: Tree = new Map();
  for (const [name, value] of params) {
    if (COMMON.has(name)) continue;
    put(tree, name.split('.'), value, name);
  }
  return { action, input: normalize(tree, '') as Input };
}

/** An output member: a map is a `Map` (entries of key and value), a list an array. */
export type OutputValue =
  | string
  | number
  | boolean
  | ReadonlyMap<string, string>
  | readonly OutputValue[]
  | { readonly [name: string]: OutputValue | undefined };

/** The output of an operation. */
export type Output = { readonly [name: string]: OutputValue | undefined };

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  '\r': '&#xD;',
};

/** Text as XML character data (`\r` as a reference, so parsers keep it). */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"'\r]/g, (c) => ESCAPES[c] as string);
}

function element(name: string, value: OutputValue | undefined): string {
  if (value === undefined) return '';
  return `<${name}>${xmlOf(value)}</${name}>`;
}

function xmlOf(value: OutputValue): string {
  if (typeof value !== 'object') return escapeXml(String(value));
  if (value instanceof Map)
    return [...value.entries()]
      .map(([k, v]) => `<entry><key>${escapeXml(k)}</key><value>${escapeXml(v)}</value></entry>`)
      .join('');
  if (Array.isArray(value)) return value.map((v) => element('member', v)).join('');
  return Object.entries(value as Output)
    .map(([k, v]) => element(k, v))
    .join('');
}

/**
 * The XML response of an operation.
 *
 * @example
 * ```ts
 * encodeResponse('Publish', { MessageId: 'm' }, 'r');
 * // '<PublishResponse xmlns="..."><PublishResult><MessageId>m</MessageId></PublishResult>...'
 * ```
 */
export function encodeResponse(action: string, output: Output, requestId: string): string {
  return (
    `<?xml version="1.0"?>\n<${action}Response xmlns="${XMLNS}">` +
    `<${action}Result>${xmlOf(output)}</${action}Result>` +
    `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`
  );
}

/** The XML body of an error response. */
export function encodeError(
  error: { code: string; message: string; senderFault: boolean },
  requestId: string,
): string {
  return (
    `<?xml version="1.0"?>\n<ErrorResponse xmlns="${XMLNS}"><Error>` +
    `<Type>${error.senderFault ? 'Sender' : 'Receiver'}</Type><Code>${escapeXml(error.code)}</Code>` +
    `<Message>${escapeXml(error.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`
  );
}
