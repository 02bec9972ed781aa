/**
 * Message attributes: validation, their share of the message size, the selection a
 * ReceiveMessage asks for, and the MD5 digests SQS returns so that clients can check what it
 * stored (`MD5OfMessageBody`, `MD5OfMessageAttributes`, `MD5OfMessageSystemAttributes`).
 */
import { createHash } from 'node:crypto';
import { errors } from './errors.ts';

/** A message attribute as the JSON protocol carries it (`BinaryValue` is base64). */
export interface MessageAttributeValue {
  DataType: string;
  StringValue?: string;
  BinaryValue?: string;
}

export type MessageAttributes = Record<string, MessageAttributeValue>;

/**
 * Hex MD5 of a message body's UTF-8 bytes, as in `MD5OfMessageBody` and `MD5OfBody`.
 *
 * @example
 * ```ts
 * md5OfBody('hello'); // '5d41402abc4b2a76b9719d911017c592'
 * ```
 */
export function md5OfBody(body: string): string {
  return createHash('md5').update(body, 'utf8').digest('hex');
}

function lengthPrefixed(bytes: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

/** The transport type byte of the digest: 1 for String and Number types, 2 for Binary. */
function transportType(dataType: string): number {
  return dataType.startsWith('Binary') ? 2 : 1;
}

/**
 * The MD5 of message attributes as the SQS Developer Guide specifies it ("Calculating the MD5
 * message digest for message attributes"): attributes sorted by name, each encoded as
 * length-prefixed (4-byte big-endian) name, length-prefixed data type, one transport type byte
 * (1 = String/Number, 2 = Binary) and the length-prefixed value (UTF-8 string or raw binary bytes).
 * Returns undefined for no attributes, where SQS leaves the field out.
 *
 * @example
 * ```ts
 * md5OfMessageAttributes({ attribName1: { DataType: 'String', StringValue: 'attribValue 1' } });
 * // '19e27d4e946b072f3f58da80d94fd778'
 * ```
 */
export function md5OfMessageAttributes(
  attributes: MessageAttributes | undefined,
): string | undefined {
  const names = Object.keys(attributes ?? {}).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (attributes === undefined || names.length === 0) return undefined;
  const hash = createHash('md5');
  for (const name of names) {
    const attribute = attributes[name] as MessageAttributeValue;
    const type = transportType(attribute.DataType);
    hash.update(lengthPrefixed(Buffer.from(name, 'utf8')));
    hash.update(lengthPrefixed(Buffer.from(attribute.DataType, 'utf8')));
    hash.update(Buffer.from([type]));
    const value =
      type === 2
        ? Buffer.from(attribute.BinaryValue ?? '', 'base64')
        : Buffer.from(attribute.StringValue ?? '', 'utf8');
    hash.update(lengthPrefixed(value));
  }
  return hash.digest('hex');
}

/**
 * The bytes message attributes count towards the message size: names, types and values.
 *
 * @example
 * ```ts
 * attributesSize({ n: { DataType: 'Number', StringValue: '42' } }); // 1 + 6 + 2 = 9
 * ```
 */
export function attributesSize(attributes: MessageAttributes | undefined): number {
  let size = 0;
  for (const [name, attribute] of Object.entries(attributes ?? {})) {
    const type = typeof attribute?.DataType === 'string' ? attribute.DataType : '';
    size += Buffer.byteLength(name) + Buffer.byteLength(type);
    size +=
      typeof attribute?.BinaryValue === 'string'
        ? Buffer.from(attribute.BinaryValue, 'base64').length
        : Buffer.byteLength(
            typeof attribute?.StringValue === 'string' ? attribute.StringValue : '',
          );
  }
  return size;
}

const NAME = /^[A-Za-z0-9_.-]{1,256}$/;
const TYPE = /^(String|Number|Binary)(\..+)?$/;
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

function checkName(name: string): void {
  const reserved = /^(aws\.|amazon\.)/i.test(name);
  if (
    !NAME.test(name) ||
    reserved ||
    name.startsWith('.') ||
    name.endsWith('.') ||
    name.includes('..')
  ) {
    throw errors.invalidParameterValue(
      `The message attribute name '${name}' is invalid. Attribute name can contain A-Z, a-z, ` +
        '0-9, underscore (_), hyphen (-), and period (.) characters.',
    );
  }
}

function checkValue(name: string, attribute: MessageAttributeValue): void {
  const type = attribute.DataType;
  if (typeof type !== 'string' || type === '') {
    throw errors.invalidParameterValue(
      `The message attribute '${name}' must contain non-empty message attribute type.`,
    );
  }
  if (!TYPE.test(type) || type.length > 256) {
    throw errors.invalidParameterValue(
      `The type of message (user) attribute '${name}' is invalid. You must use only the ` +
        'following supported type prefixes: Binary, Number, String.',
    );
  }
  const binary = type.startsWith('Binary');
  const value = binary ? attribute.BinaryValue : attribute.StringValue;
  if (typeof value !== 'string' || value === '') {
    throw errors.invalidParameterValue(
      `The message attribute '${name}' must contain non-empty message attribute value for ` +
        `message attribute type '${binary ? 'Binary' : type.split('.')[0]}'.`,
    );
  }
  if (type.startsWith('Number') && !NUMBER.test(value)) {
    throw errors.invalidParameterValue(
      `Can't cast the value of message (user) attribute '${name}' to a number.`,
    );
  }
}

/**
 * Validates the MessageAttributes of a send: at most 10, valid names, a supported data type
 * prefix and a non-empty value of the matching kind (numbers must parse).
 *
 * @example
 * ```ts
 * validateMessageAttributes({ n: { DataType: 'Number', StringValue: '42' } }); // no error
 * ```
 */
export function validateMessageAttributes(attributes: MessageAttributes | undefined): void {
  const entries = Object.entries(attributes ?? {});
  if (entries.length > 10) {
    throw errors.invalidParameterValue(
      `Number of message attributes [${entries.length}] exceeds the allowed maximum [10].`,
    );
  }
  for (const [name, attribute] of entries) {
    checkName(name);
    checkValue(name, attribute);
  }
}

/**
 * The attributes a ReceiveMessage asked for with MessageAttributeNames: `All` or `.*` for every
 * attribute, `prefix.*` for those starting with `prefix.`, or exact names. Undefined when none match.
 *
 * @example
 * ```ts
 * selectAttributes({ 'a.b': { DataType: 'String', StringValue: 'x' } }, ['a.*']); // { 'a.b': ... }
 * ```
 */
export function selectAttributes(
  attributes: MessageAttributes | undefined,
  requested: readonly string[],
): MessageAttributes | undefined {
  if (attributes === undefined || requested.length === 0) return undefined;
  const all = requested.includes('All') || requested.includes('.*');
  const prefixes = requested.filter((r) => r.endsWith('.*')).map((r) => r.slice(0, -1));
  const selected: MessageAttributes = {};
  for (const [name, value] of Object.entries(attributes)) {
    if (all || requested.includes(name) || prefixes.some((p) => name.startsWith(p))) {
      selected[name] = value;
    }
  }
  return Object.keys(selected).length === 0 ? undefined : selected;
}

/**
 * The first code point SQS does not accept in a message body (XML 1.0 characters only:
 * `#x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF`), or undefined.
 *
 * @example
 * ```ts
 * invalidCharacter('ok\u0001'); // 1
 * ```
 */
export function invalidCharacter(body: string): number | undefined {
  const match = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u.exec(body);
  return match === null ? undefined : match[0].codePointAt(0);
}
