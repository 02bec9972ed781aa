/**
 * Checks a CloudFormation template against the CloudFormation resource specification as the AWS
 * CDK ships it (`@aws-cdk/aws-service-spec`, built from the CloudFormation registry schemas): each
 * resource type exists, each property is known and of its type, required properties are there,
 * and every `Ref`, `Fn::GetAtt` and `DependsOn` names a resource (and attribute) that exists.
 */
import { loadAwsServiceSpecSync } from '@aws-cdk/aws-service-spec';
import type { PropertyType, Resource, SpecDatabase } from '@aws-cdk/service-spec-types';
import type { Template } from './packaged.ts';

type Properties = Resource['properties'];

interface Context {
  readonly db: SpecDatabase;
  readonly template: Template;
  readonly problems: string[];
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** `{Ref}` or `{Fn::...}`: a value CloudFormation computes. */
const isIntrinsic = (value: unknown): value is Record<string, unknown> =>
  isObject(value) &&
  Object.keys(value).length === 1 &&
  /^(Ref|Fn::|Condition$)/.test(Object.keys(value)[0] as string);

/** The resource type's specification. */
function specOf(db: SpecDatabase, type: string): Resource | undefined {
  return db.lookup('resource', 'cloudFormationType', 'equals', type)[0];
}

/** Every `Ref` and `Fn::GetAtt` inside `value` names something the template has. */
function checkReferences(path: string, value: unknown, context: Context): void {
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      checkReferences(`${path}[${i}]`, item, context);
    });
    return;
  }
  if (!isObject(value)) return;
  const { Ref: ref, 'Fn::GetAtt': getAtt } = value as { Ref?: string; 'Fn::GetAtt'?: string[] };
  if (typeof ref === 'string' && !ref.startsWith('AWS::') && !context.template.Resources[ref])
    context.problems.push(`${path}: Ref to ${ref}, which the template does not have`);
  if (Array.isArray(getAtt)) checkAttribute(path, getAtt, context);
  for (const [key, inner] of Object.entries(value))
    if (key !== 'Ref' && key !== 'Fn::GetAtt') checkReferences(`${path}.${key}`, inner, context);
}

function checkAttribute(path: string, [id, attribute]: string[], context: Context): void {
  const target = context.template.Resources[id as string];
  if (target === undefined) {
    context.problems.push(`${path}: Fn::GetAtt of ${id}, which the template does not have`);
    return;
  }
  const spec = specOf(context.db, target.Type);
  if (spec !== undefined && !(String(attribute) in spec.attributes))
    context.problems.push(`${path}: ${target.Type} has no attribute ${attribute}`);
}

/** Problems of `value` as a value of `type` (none for a computed value). */
function checkValue(path: string, value: unknown, type: PropertyType, context: Context): void {
  if (isIntrinsic(value)) return;
  const problem = (what: string): void => {
    context.problems.push(`${path}: expected ${what}, got ${JSON.stringify(value)}`);
  };
  switch (type.type) {
    case 'string':
    case 'date-time':
      if (isObject(value) || Array.isArray(value)) problem('a string');
      return;
    case 'number':
    case 'integer':
      if (Number.isNaN(Number(value)) || typeof value === 'boolean') problem('a number');
      return;
    case 'boolean':
      if (![true, false, 'true', 'false'].includes(value as boolean)) problem('a boolean');
      return;
    case 'array':
      if (!Array.isArray(value)) {
        problem('a list');
        return;
      }
      value.forEach((item, i) => {
        checkValue(`${path}[${i}]`, item, type.element, context);
      });
      return;
    default:
      checkStructured(path, value, type, context, problem);
  }
}

function checkStructured(
  path: string,
  value: unknown,
  type: PropertyType,
  context: Context,
  problem: (what: string) => void,
): void {
  if (type.type === 'map') {
    if (!isObject(value)) {
      problem('a map');
      return;
    }
    for (const [key, inner] of Object.entries(value))
      checkValue(`${path}.${key}`, inner, type.element, context);
  } else if (type.type === 'ref') {
    if (!isObject(value)) {
      problem('an object');
      return;
    }
    const definition = context.db.get('typeDefinition', type.reference.$ref);
    checkProperties(path, value, definition.properties, context);
  } else if (type.type === 'union') {
    const fits = type.types.some((alternative) => {
      const trial: Context = { ...context, problems: [] };
      checkValue(path, value, alternative, trial);
      return trial.problems.length === 0;
    });
    if (!fits) problem(type.types.map((t) => t.type).join(' or '));
  } else if (type.type === 'tag') {
    if (!isObject(value) || !('Key' in value)) problem('a tag');
  }
}

/** Unknown and missing properties, and each known one's value. */
function checkProperties(
  path: string,
  value: Record<string, unknown>,
  properties: Properties,
  context: Context,
): void {
  for (const [name, property] of Object.entries(properties))
    if (property.required === true && !(name in value))
      context.problems.push(`${path}: ${name} is required`);
  for (const [name, inner] of Object.entries(value)) {
    const property = properties[name];
    if (property === undefined) context.problems.push(`${path}: unknown property ${name}`);
    else checkValue(`${path}.${name}`, inner, property.type, context);
  }
}

/**
 * Every problem of `template` against the resource specification, as `Resource.Property: what`.
 *
 * @example
 * expect(specProblems(readTemplate())).toEqual([]);
 */
export function specProblems(template: Template): string[] {
  const context: Context = { db: loadAwsServiceSpecSync(), template, problems: [] };
  for (const [id, resource] of Object.entries(template.Resources)) {
    const spec = specOf(context.db, resource.Type);
    if (spec === undefined) {
      context.problems.push(`${id}: unknown resource type ${resource.Type}`);
      continue;
    }
    checkProperties(id, resource.Properties ?? {}, spec.properties, context);
    checkReferences(id, resource.Properties, context);
    for (const dependency of [resource.DependsOn ?? []].flat())
      if (!template.Resources[dependency])
        context.problems.push(`${id}: DependsOn ${dependency}, which the template does not have`);
  }
  return context.problems;
}
