// Synthesizes a Herald stack the way `cdk synth` does (cdk.json's feature flags), against stub bundles.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { App, CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { afterAll } from 'vitest';
import { HeraldStack, REPO_ROOT, type HeraldStackProps } from '../../infra/stack.ts';

/** Two tiny files named like the real bundles: synthesis never needs `npm run bundle`. */
export const STUB_CODE = path.join(REPO_ROOT, 'tests/fixtures/infra/functions');

// Each synthesis writes a cloud assembly; keep them in one folder that goes away after the test file.
const OUT_ROOT = mkdtempSync(path.join(os.tmpdir(), 'herald-synth-'));
afterAll(() => rmSync(OUT_ROOT, { recursive: true, force: true }));
let synthesized = 0;

export function cdkJsonContext(): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8')).context;
}

export interface Synthesized {
  stack: HeraldStack;
  template: Template;
  /** The CloudFormation logical id of a construct's L1 resource. */
  id: (construct: IConstruct) => string;
  /** `{ Ref: id }` / `{ 'Fn::GetAtt': [id, 'Arn'] }` of a construct, as the template writes them. */
  ref: (construct: IConstruct) => { Ref: string };
  arn: (construct: IConstruct) => { 'Fn::GetAtt': [string, string] };
}

export function synth(props: HeraldStackProps = {}): Synthesized {
  const app = new App({ context: cdkJsonContext(), outdir: path.join(OUT_ROOT, String(synthesized++)) });
  const stack = new HeraldStack(app, 'Herald', { codePath: STUB_CODE, ...props });
  const template = Template.fromStack(stack);
  const id = (construct: IConstruct) => {
    const element = construct instanceof CfnElement ? construct : construct.node.defaultChild;
    if (!(element instanceof CfnElement)) throw new Error(`${construct.node.path} has no CloudFormation resource`);
    return Stack.of(element).getLogicalId(element);
  };
  return {
    stack,
    template,
    id,
    ref: (construct) => ({ Ref: id(construct) }),
    arn: (construct) => ({ 'Fn::GetAtt': [id(construct), 'Arn'] }),
  };
}

export interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource?: unknown;
  Principal?: unknown;
  Condition?: unknown;
}

/** Every statement of the IAM policies attached to a role (given by logical id). */
export function roleStatements(template: Template, roleId: string): Statement[] {
  const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((policy) =>
    (policy.Properties.Roles as unknown[]).some((role) => JSON.stringify(role) === JSON.stringify({ Ref: roleId })),
  );
  return policies.flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]);
}

export const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);
