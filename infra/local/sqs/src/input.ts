/**
 * Readers for the members of a JSON request body, with the errors SQS gives for missing
 * parameters and for members of the wrong JSON type.
 */
import { errors } from './errors.ts';

export type Input = Record<string, unknown>;

function wrongType(name: string, expected: string): Error {
  return errors.serialization(`Unexpected value for ${name}: expected ${expected}.`);
}

/**
 * Parses a request body; an empty body is an empty input.
 *
 * @example
 * ```ts
 * parseInput('{"QueueName":"jobs"}'); // { QueueName: 'jobs' }
 * ```
 */
export function parseInput(body: string): Input {
  if (body.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw errors.serialization('Request body is not valid JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw errors.serialization('Request body must be a JSON object.');
  }
  return parsed as Input;
}

/**
 * An optional string member.
 *
 * @example
 * ```ts
 * optionalString({ a: 'x' }, 'a'); // 'x'
 * ```
 */
export function optionalString(input: Input, name: string): string | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw wrongType(name, 'a string');
  return value;
}

/**
 * A required string member (MissingParameter when absent).
 *
 * @example
 * ```ts
 * requiredString({ QueueUrl: 'http://127.0.0.1:1/000000000000/q' }, 'QueueUrl');
 * ```
 */
export function requiredString(input: Input, name: string): string {
  const value = optionalString(input, name);
  if (value === undefined) throw errors.missingParameter(name);
  return value;
}

/**
 * An optional integer member.
 *
 * @example
 * ```ts
 * optionalInteger({ MaxNumberOfMessages: 10 }, 'MaxNumberOfMessages'); // 10
 * ```
 */
export function optionalInteger(input: Input, name: string): number | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw wrongType(name, 'an integer');
  return value;
}

/**
 * An optional list of strings.
 *
 * @example
 * ```ts
 * stringList({ AttributeNames: ['All'] }, 'AttributeNames'); // ['All']
 * ```
 */
export function stringList(input: Input, name: string): string[] {
  const value = input[name];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw wrongType(name, 'a list of strings');
  }
  return value as string[];
}

/**
 * An optional map of strings.
 *
 * @example
 * ```ts
 * stringMap({ Attributes: { FifoQueue: 'true' } }, 'Attributes'); // { FifoQueue: 'true' }
 * ```
 */
export function stringMap(input: Input, name: string): Record<string, string> {
  const value = input[name];
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw wrongType(name, 'a map');
  if (Object.values(value).some((v) => typeof v !== 'string'))
    throw wrongType(name, 'a map of strings');
  return value as Record<string, string>;
}

/**
 * An optional map of structures (message attributes).
 *
 * @example
 * ```ts
 * structureMap({ MessageAttributes: { a: { DataType: 'String', StringValue: 'x' } } }, 'MessageAttributes');
 * ```
 */
export function structureMap<T>(input: Input, name: string): Record<string, T> | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw wrongType(name, 'a map');
  for (const entry of Object.values(value)) {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      throw wrongType(name, 'a map of structures');
    }
  }
  return value as Record<string, T>;
}

/**
 * A list of structures (batch entries).
 *
 * @example
 * ```ts
 * structureList({ Entries: [{ Id: 'a' }] }, 'Entries'); // [{ Id: 'a' }]
 * ```
 */
export function structureList(input: Input, name: string): Input[] {
  const value = input[name];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw wrongType(name, 'a list');
  for (const entry of value) {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      throw wrongType(name, 'a list of structures');
    }
  }
  return value as Input[];
}
