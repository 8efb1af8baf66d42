// Checks a template against the CloudFormation resource specification that the AWS CDK CLI ships
// (`aws-cdk/db.json.gz`, built from the CloudFormation registry schemas by @aws-cdk/aws-service-spec):
// every resource type, property (at every depth), required property and GetAtt attribute must exist.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';

type TypeSpec =
  | { type: 'string' | 'boolean' | 'integer' | 'number' | 'json' | 'tag' }
  | { type: 'array' | 'map'; element: TypeSpec }
  | { type: 'ref'; reference: { $ref: string } }
  | { type: 'union'; types: TypeSpec[] };

interface PropertySpec {
  type: TypeSpec;
  required?: boolean;
}

interface Shape {
  properties: Record<string, PropertySpec>;
}

interface ResourceSpec extends Shape {
  cloudFormationType: string;
  attributes: Record<string, unknown>;
}

export interface Spec {
  resources: Map<string, ResourceSpec>;
  types: Map<string, Shape>;
  /** The aws-cdk CLI version whose database this is. */
  version: string;
}

export function loadSpec(): Spec {
  const require = createRequire(import.meta.url);
  const dir = path.dirname(require.resolve('aws-cdk/package.json'));
  const db = JSON.parse(gunzipSync(readFileSync(path.join(dir, 'db.json.gz'))).toString('utf8'));
  const resources = Object.values(db.schema.resource.entities as Record<string, ResourceSpec>);
  const types = db.schema.typeDefinition.entities as Record<string, Shape & { $id: string }>;
  return {
    resources: new Map(resources.map((resource) => [resource.cloudFormationType, resource])),
    types: new Map(Object.values(types).map((shape) => [shape.$id, shape])),
    version: JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')).version,
  };
}

/** Not in the registry, accepted by CloudFormation: custom resources and the CDK's own metadata. */
const FREE_FORM = (type: string) =>
  type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource' || type === 'AWS::CDK::Metadata';

const isIntrinsic = (value: unknown): boolean => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0]!.startsWith('Fn::'));
};

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function checkValue(spec: Spec, type: TypeSpec, value: unknown, where: string): string[] {
  if (isIntrinsic(value)) return [];
  switch (type.type) {
    case 'json':
      return [];
    case 'string':
      return ['string', 'number', 'boolean'].includes(typeof value) ? [] : [`${where}: expected a string`];
    case 'integer':
    case 'number':
      return typeof value === 'number' || (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value)))
        ? []
        : [`${where}: expected a number`];
    case 'boolean':
      return typeof value === 'boolean' || value === 'true' || value === 'false' ? [] : [`${where}: expected a boolean`];
    case 'tag':
      return isObject(value) && 'Key' in value && 'Value' in value ? [] : [`${where}: expected a {Key, Value} tag`];
    case 'array':
      return Array.isArray(value)
        ? value.flatMap((item, index) => checkValue(spec, type.element, item, `${where}[${index}]`))
        : [`${where}: expected a list`];
    case 'map':
      return isObject(value)
        ? Object.entries(value).flatMap(([key, item]) => checkValue(spec, type.element, item, `${where}.${key}`))
        : [`${where}: expected a map`];
    case 'union': {
      const attempts = type.types.map((option) => checkValue(spec, option, value, where));
      return attempts.some((problems) => problems.length === 0) ? [] : attempts.flat();
    }
    case 'ref': {
      const shape = spec.types.get(type.reference.$ref);
      if (!shape) return [`${where}: the specification lacks type ${type.reference.$ref}`];
      return isObject(value) ? checkShape(spec, shape, value, where) : [`${where}: expected an object`];
    }
  }
}

function checkShape(spec: Spec, shape: Shape, value: Record<string, unknown>, where: string): string[] {
  const unknown = Object.keys(value)
    .filter((key) => !(key in shape.properties))
    .map((key) => `${where}.${key}: no such property`);
  const missing = Object.entries(shape.properties)
    .filter(([key, property]) => property.required && !(key in value))
    .map(([key]) => `${where}.${key}: required property missing`);
  const nested = Object.entries(value)
    .filter(([key]) => key in shape.properties)
    .flatMap(([key, item]) => checkValue(spec, shape.properties[key]!.type, item, `${where}.${key}`));
  return [...unknown, ...missing, ...nested];
}

interface TemplateJson {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
  Parameters?: Record<string, unknown>;
  Outputs?: Record<string, unknown>;
}

/** Every problem found, as `LogicalId.Property.Path: problem`; empty when the template conforms. */
export function checkTemplate(spec: Spec, template: TemplateJson): string[] {
  const problems: string[] = [];
  for (const [id, resource] of Object.entries(template.Resources)) {
    if (FREE_FORM(resource.Type)) continue;
    const resourceSpec = spec.resources.get(resource.Type);
    if (!resourceSpec) {
      problems.push(`${id}: resource type ${resource.Type} does not exist`);
      continue;
    }
    problems.push(...checkShape(spec, resourceSpec, resource.Properties ?? {}, id));
  }
  // A wrong attribute name or dangling reference only fails at deploy time: catch it here.
  const pseudo = new Set([
    'AWS::AccountId',
    'AWS::Partition',
    'AWS::Region',
    'AWS::StackName',
    'AWS::StackId',
    'AWS::URLSuffix',
    'AWS::NoValue',
    'AWS::NotificationARNs',
  ]);
  const visit = (value: unknown, where: string): void => {
    if (Array.isArray(value)) {
      for (const [index, item] of value.entries()) visit(item, `${where}[${index}]`);
      return;
    }
    if (!isObject(value)) return;
    if (
      typeof value.Ref === 'string' &&
      !pseudo.has(value.Ref) &&
      !(value.Ref in template.Resources) &&
      !(value.Ref in (template.Parameters ?? {}))
    ) {
      problems.push(`${where}: Ref to unknown ${value.Ref}`);
    }
    const getAtt = value['Fn::GetAtt'];
    if (Array.isArray(getAtt)) {
      const [target, attribute] = getAtt as [string, string];
      const type = template.Resources[target]?.Type;
      if (!type) problems.push(`${where}: GetAtt of unknown ${target}`);
      else if (!FREE_FORM(type) && !(attribute in (spec.resources.get(type)?.attributes ?? {}))) {
        problems.push(`${where}: ${type} has no attribute ${attribute}`);
      }
    }
    for (const [key, item] of Object.entries(value)) visit(item, `${where}.${key}`);
  };
  visit(template.Resources, 'Resources');
  visit(template.Outputs ?? {}, 'Outputs');
  return problems;
}
