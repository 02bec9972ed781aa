/**
 * Amazon SQS's query protocol (the XML protocol SQS spoke before AWS JSON 1.0, and still accepts):
 * a form-encoded `Action=<Operation>&Version=2012-11-05&...` request, POSTed (or sent as a GET
 * query string) to the endpoint or to a queue URL, answered with
 * `<OperationResponse><OperationResult>...</OperationResult><ResponseMetadata>` XML, errors as
 * `<ErrorResponse><Error><Type><Code><Message>`.
 *
 * This module only translates: it decodes the flattened parameters into the JSON input
 * {@link SqsService} takes and encodes its JSON output as XML. The wire names come from the
 * query-era service model, botocore's `sqs/2012-11-05/service-2.json` (`"protocol": "query"`):
 * every list and map is flattened under the `locationName` of its member (`AttributeName.1`,
 * `Attribute.1.Name`, `Attribute.1.Value`, `SendMessageBatchRequestEntry.1.Id`,
 * `MessageAttribute.1.Value.StringValue`, and in XML repeated `<Message>`, `<Attribute>`,
 * `<QueueUrl>` elements). Binary values are base64 on both protocols.
 */
import { errors, SqsError } from './errors.ts';
import type { Input } from './input.ts';

/** The XML namespace of the 2012-11-05 API. */
export const XML_NAMESPACE = 'http://queue.amazonaws.com/doc/2012-11-05/';
/** The only API version of SQS. */
export const API_VERSION = '2012-11-05';

/** A scalar member. */
type Scalar = 'string' | 'integer' | 'boolean';
/** A structure: its members in the model's order. */
interface Structure {
  readonly kind: 'structure';
  readonly members: Readonly<Record<string, Shape>>;
}
/** A flattened list: each element is `<name>.<n>` (a request) or a repeated `<name>` (XML). */
interface List {
  readonly kind: 'list';
  readonly name: string;
  readonly member: Scalar | Structure;
}
/** A flattened map: `<name>.<n>.<key>` and `<name>.<n>.Value`, or repeated `<name>` elements. */
interface FlatMap {
  readonly kind: 'map';
  readonly name: string;
  readonly key: string;
  readonly value: Scalar | Structure;
}
type Shape = Scalar | Structure | List | FlatMap;

const structure = (members: Record<string, Shape>): Structure => ({ kind: 'structure', members });
const list = (name: string, member: Scalar | Structure = 'string'): List => ({
  kind: 'list',
  name,
  member,
});
const map = (name: string, value: Scalar | Structure = 'string', key = 'Name'): FlatMap => ({
  kind: 'map',
  name,
  key,
  value,
});

const attributeValue = structure({
  StringValue: 'string',
  BinaryValue: 'string',
  StringListValues: list('StringListValue'),
  BinaryListValues: list('BinaryListValue'),
  DataType: 'string',
});
const messageAttributes = map('MessageAttribute', attributeValue);
const messageSystemAttributes = map('MessageSystemAttribute', attributeValue);
const queueAttributes = map('Attribute');
const batchErrors = list(
  'BatchResultErrorEntry',
  structure({ Id: 'string', SenderFault: 'boolean', Code: 'string', Message: 'string' }),
);
const sendFields = {
  MessageBody: 'string',
  DelaySeconds: 'integer',
  MessageAttributes: messageAttributes,
  MessageSystemAttributes: messageSystemAttributes,
  MessageDeduplicationId: 'string',
  MessageGroupId: 'string',
} as const;
const sendResultFields = {
  MD5OfMessageBody: 'string',
  MD5OfMessageAttributes: 'string',
  MD5OfMessageSystemAttributes: 'string',
} as const;
const queueUrl = { QueueUrl: 'string' } as const;
const idOnly = structure({ Id: 'string' });

/** Request and result shapes of each operation; `output` absent where the model has no result. */
export const QUERY_OPERATIONS: Readonly<
  Record<string, { readonly input: Structure; readonly output?: Structure }>
> = {
  CreateQueue: {
    input: structure({
      QueueName: 'string',
      Attributes: queueAttributes,
      tags: map('Tag', 'string', 'Key'),
    }),
    output: structure(queueUrl),
  },
  GetQueueUrl: {
    input: structure({ QueueName: 'string', QueueOwnerAWSAccountId: 'string' }),
    output: structure(queueUrl),
  },
  ListQueues: {
    input: structure({ QueueNamePrefix: 'string', NextToken: 'string', MaxResults: 'integer' }),
    output: structure({ QueueUrls: list('QueueUrl'), NextToken: 'string' }),
  },
  DeleteQueue: { input: structure(queueUrl) },
  GetQueueAttributes: {
    input: structure({ ...queueUrl, AttributeNames: list('AttributeName') }),
    output: structure({ Attributes: queueAttributes }),
  },
  SetQueueAttributes: { input: structure({ ...queueUrl, Attributes: queueAttributes }) },
  SendMessage: {
    input: structure({ ...queueUrl, ...sendFields }),
    output: structure({ ...sendResultFields, MessageId: 'string', SequenceNumber: 'string' }),
  },
  SendMessageBatch: {
    input: structure({
      ...queueUrl,
      Entries: list('SendMessageBatchRequestEntry', structure({ Id: 'string', ...sendFields })),
    }),
    output: structure({
      Successful: list(
        'SendMessageBatchResultEntry',
        structure({
          Id: 'string',
          MessageId: 'string',
          ...sendResultFields,
          SequenceNumber: 'string',
        }),
      ),
      Failed: batchErrors,
    }),
  },
  ReceiveMessage: {
    input: structure({
      ...queueUrl,
      AttributeNames: list('AttributeName'),
      MessageAttributeNames: list('MessageAttributeName'),
      MaxNumberOfMessages: 'integer',
      VisibilityTimeout: 'integer',
      WaitTimeSeconds: 'integer',
      ReceiveRequestAttemptId: 'string',
    }),
    output: structure({
      Messages: list(
        'Message',
        structure({
          MessageId: 'string',
          ReceiptHandle: 'string',
          MD5OfBody: 'string',
          Body: 'string',
          Attributes: queueAttributes,
          MD5OfMessageAttributes: 'string',
          MessageAttributes: messageAttributes,
        }),
      ),
    }),
  },
  DeleteMessage: { input: structure({ ...queueUrl, ReceiptHandle: 'string' }) },
  DeleteMessageBatch: {
    input: structure({
      ...queueUrl,
      Entries: list(
        'DeleteMessageBatchRequestEntry',
        structure({ Id: 'string', ReceiptHandle: 'string' }),
      ),
    }),
    output: structure({
      Successful: list('DeleteMessageBatchResultEntry', idOnly),
      Failed: batchErrors,
    }),
  },
  ChangeMessageVisibility: {
    input: structure({ ...queueUrl, ReceiptHandle: 'string', VisibilityTimeout: 'integer' }),
  },
  ChangeMessageVisibilityBatch: {
    input: structure({
      ...queueUrl,
      Entries: list(
        'ChangeMessageVisibilityBatchRequestEntry',
        structure({ Id: 'string', ReceiptHandle: 'string', VisibilityTimeout: 'integer' }),
      ),
    }),
    output: structure({
      Successful: list('ChangeMessageVisibilityBatchResultEntry', idOnly),
      Failed: batchErrors,
    }),
  },
  PurgeQueue: { input: structure(queueUrl) },
};

/**
 * Parameters every query request may carry besides the operation's own: the action, the version
 * and the fields of a signature in the query string (SigV2 or SigV4), which are not verified.
 */
const PROTOCOL_PARAMETERS = new Set([
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
  'X-Amz-Expires',
  'X-Amz-Security-Token',
  'X-Amz-Signature',
  'X-Amz-SignedHeaders',
]);

const INTEGER = /^-?\d+$/;

/** The query protocol's own errors (AWS common errors), as SqsErrors. */
export const queryErrors = {
  missingAction: (): SqsError =>
    new SqsError(
      'MissingAction',
      'MissingAction',
      400,
      'The request must contain the parameter Action.',
    ),
  invalidAction: (action: string): SqsError =>
    new SqsError(
      'InvalidAction',
      'InvalidAction',
      400,
      `The action ${action} is not valid for this web service.`,
    ),
  noSuchVersion: (version: string): SqsError =>
    new SqsError(
      'NoSuchVersion',
      'NoSuchVersion',
      400,
      `The requested version (${version}) of service AmazonSQS does not exist.`,
    ),
  invalidQueryParameter: (message: string): SqsError =>
    new SqsError('InvalidQueryParameter', 'InvalidQueryParameter', 400, message),
} as const;

/** The request parameters, refusing a parameter given twice (which value would count?). */
export function queryParameters(...sources: URLSearchParams[]): Map<string, string> {
  const parameters = new Map<string, string>();
  for (const source of sources) {
    for (const [name, value] of source) {
      if (parameters.has(name)) {
        throw queryErrors.invalidQueryParameter(`The parameter ${name} is given more than once.`);
      }
      parameters.set(name, value);
    }
  }
  return parameters;
}

class Decoder {
  readonly used = new Set<string>();
  readonly parameters: ReadonlyMap<string, string>;

  constructor(parameters: ReadonlyMap<string, string>) {
    this.parameters = parameters;
  }

  /** The distinct indices `n` of `<path>.<n>...` parameters, in numeric order. */
  indices(path: string): string[] {
    const prefix = `${path}.`;
    const found = new Set<string>();
    for (const name of this.parameters.keys()) {
      if (!name.startsWith(prefix)) continue;
      const index = name.slice(prefix.length).split('.')[0] ?? '';
      if (/^\d+$/.test(index)) found.add(index);
    }
    return [...found].sort((a, b) => Number(a) - Number(b));
  }

  scalar(path: string, shape: Scalar): string | number | boolean | undefined {
    const value = this.parameters.get(path);
    if (value === undefined) return undefined;
    this.used.add(path);
    if (shape === 'string') return value;
    if (shape === 'integer') {
      if (!INTEGER.test(value)) {
        throw errors.invalidParameter(path, value, 'Must be an integer.');
      }
      return Number(value);
    }
    if (value !== 'true' && value !== 'false') {
      throw errors.invalidParameter(path, value, 'Must be true or false.');
    }
    return value === 'true';
  }

  value(path: string, shape: Scalar | Structure): unknown {
    return typeof shape === 'string' ? this.scalar(path, shape) : this.structure(path, shape);
  }

  structure(path: string, shape: Structure): Input {
    const input: Input = {};
    for (const [member, memberShape] of Object.entries(shape.members)) {
      const wire =
        typeof memberShape === 'object' && 'name' in memberShape ? memberShape.name : member;
      const value = this.member(path === '' ? wire : `${path}.${wire}`, memberShape);
      if (value !== undefined) input[member] = value;
    }
    return input;
  }

  member(path: string, shape: Shape): unknown {
    if (typeof shape === 'string' || shape.kind === 'structure') {
      const value = this.value(path, shape);
      return typeof value === 'object' && Object.keys(value as object).length === 0
        ? undefined
        : value;
    }
    const indices = this.indices(path);
    if (indices.length === 0) return undefined;
    if (shape.kind === 'list') return indices.map((i) => this.value(`${path}.${i}`, shape.member));
    const entries: Record<string, unknown> = {};
    for (const i of indices) {
      const key = this.scalar(`${path}.${i}.${shape.key}`, 'string');
      if (key === undefined) throw errors.missingParameter(`${path}.${i}.${shape.key}`);
      entries[key as string] = this.value(`${path}.${i}.Value`, shape.value);
    }
    return entries;
  }
}

/** A decoded query request: the operation and the JSON input of {@link SqsService.call}. */
export interface QueryRequest {
  readonly operation: string;
  readonly input: Input;
}

/**
 * Decodes a query request. `queueUrl` is the URL the request was sent to when that is a queue
 * URL (`/<account>/<queue>`): query clients may POST to the queue instead of naming it.
 *
 * @example
 * ```ts
 * decodeQuery(queryParameters(new URLSearchParams('Action=GetQueueUrl&QueueName=jobs')));
 * // { operation: 'GetQueueUrl', input: { QueueName: 'jobs' } }
 * ```
 */
export function decodeQuery(
  parameters: ReadonlyMap<string, string>,
  queueUrl?: string,
): QueryRequest {
  const action = parameters.get('Action');
  if (action === undefined || action === '') throw queryErrors.missingAction();
  const version = parameters.get('Version');
  if (version !== undefined && version !== API_VERSION) throw queryErrors.noSuchVersion(version);
  const operation = Object.hasOwn(QUERY_OPERATIONS, action) ? QUERY_OPERATIONS[action] : undefined;
  if (operation === undefined) throw queryErrors.invalidAction(action);
  const decoder = new Decoder(parameters);
  const input = decoder.structure('', operation.input);
  for (const name of parameters.keys()) {
    if (!decoder.used.has(name) && !PROTOCOL_PARAMETERS.has(name)) {
      throw queryErrors.invalidQueryParameter(
        `The parameter ${name} is not a parameter of ${action}.`,
      );
    }
  }
  if (
    queueUrl !== undefined &&
    input.QueueUrl === undefined &&
    'QueueUrl' in operation.input.members
  ) {
    input.QueueUrl = queueUrl;
  }
  return { operation: action, input };
}

/** Escapes XML text; `\r` too, which an XML parser would otherwise read as `\n`. */
function escapeXml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll('\r', '&#xD;');
}

function element(name: string, content: string): string {
  return `<${name}>${content}</${name}>`;
}

function encodeValue(value: unknown, shape: Scalar | Structure): string {
  if (typeof shape === 'string') return escapeXml(String(value));
  return encodeMembers(value as Record<string, unknown>, shape);
}

function encodeMember(name: string, value: unknown, shape: Shape): string {
  if (typeof shape === 'string' || shape.kind === 'structure') {
    return element(name, encodeValue(value, shape));
  }
  if (shape.kind === 'list') {
    return (value as unknown[])
      .map((item) => element(shape.name, encodeValue(item, shape.member)))
      .join('');
  }
  return Object.entries(value as Record<string, unknown>)
    .map(([key, item]) =>
      element(
        shape.name,
        element(shape.key, escapeXml(key)) + element('Value', encodeValue(item, shape.value)),
      ),
    )
    .join('');
}

function encodeMembers(output: Record<string, unknown>, shape: Structure): string {
  let xml = '';
  for (const [member, memberShape] of Object.entries(shape.members)) {
    const value = output[member];
    if (value !== undefined && value !== null) xml += encodeMember(member, value, memberShape);
  }
  return xml;
}

const XML_DECLARATION = '<?xml version="1.0"?>';

/**
 * The XML response of an operation, from the JSON output of {@link SqsService.call}.
 *
 * @example
 * ```ts
 * encodeQueryResult('GetQueueUrl', { QueueUrl: 'http://127.0.0.1:4566/000000000000/jobs' }, id);
 * // <GetQueueUrlResponse xmlns="..."><GetQueueUrlResult><QueueUrl>...</QueueUrl>...
 * ```
 */
export function encodeQueryResult(
  operation: string,
  output: Record<string, unknown>,
  requestId: string,
): string {
  const shape = QUERY_OPERATIONS[operation];
  const result =
    shape?.output === undefined
      ? ''
      : element(`${operation}Result`, encodeMembers(output, shape.output));
  const metadata = element('ResponseMetadata', element('RequestId', escapeXml(requestId)));
  return `${XML_DECLARATION}<${operation}Response xmlns="${XML_NAMESPACE}">${result}${metadata}</${operation}Response>`;
}

/**
 * The XML error response of the query protocol.
 *
 * @example
 * ```ts
 * encodeQueryError(errors.queueDoesNotExist(), id);
 * // <ErrorResponse ...><Error><Type>Sender</Type><Code>AWS.SimpleQueueService.NonExistentQueue</Code>...
 * ```
 */
export function encodeQueryError(error: SqsError, requestId: string): string {
  const detail =
    element('Type', error.senderFault ? 'Sender' : 'Receiver') +
    element('Code', escapeXml(error.code)) +
    element('Message', escapeXml(error.message)) +
    '<Detail/>';
  return `${XML_DECLARATION}<ErrorResponse xmlns="${XML_NAMESPACE}">${element('Error', detail)}${element('RequestId', escapeXml(requestId))}</ErrorResponse>`;
}
