// Would CloudFormation accept the template? Checked without AWS: the resource specification the CDK CLI ships,
// and cfn-lint (the AWS CloudFormation linter, Python; preinstalled on Herald's machines, `pip install cfn-lint`).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Duration } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkTemplate, loadSpec, type Spec } from './cfn-spec.ts';
import { synth } from './synth.ts';

type TemplateJson = Parameters<typeof checkTemplate>[1];

let spec: Spec;
let templates: Record<'default' | 'custom', TemplateJson>;
const dir = mkdtempSync(path.join(os.tmpdir(), 'herald-cfn-'));

beforeAll(() => {
  spec = loadSpec();
  templates = {
    default: synth().template.toJSON() as TemplateJson,
    custom: synth({
      domainNames: ['feeds.example.org'],
      certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555',
      alarmTopicArn: 'arn:aws:sns:us-east-1:123456789012:herald-alarms',
      feedsPrefix: 'public/',
      websubHub: 'https://hub.example.org/',
      regenerate: { timeout: Duration.seconds(30) },
      noncurrentVersionDays: 0,
    }).template.toJSON() as TemplateJson,
  };
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('CloudFormation resource specification (aws-cdk db.json.gz)', () => {
  it('knows the specification', () => {
    expect(spec.resources.size).toBeGreaterThan(1000);
    expect(spec.resources.get('AWS::CloudFront::Distribution')).toBeDefined();
  });

  it.each(['default', 'custom'] as const)('the %s template uses only existing types, properties and attributes', (name) => {
    expect(checkTemplate(spec, templates[name])).toEqual([]);
  });

  it('catches what would fail at deploy time', () => {
    const broken = structuredClone(templates.default);
    const [bucketId, bucket] = Object.entries(broken.Resources).find(([, r]) => r.Type === 'AWS::S3::Bucket')!;
    bucket.Properties!.VersioningConfiguration = { Statuz: 'Enabled' };
    const mapping = Object.values(broken.Resources).find((r) => r.Type === 'AWS::Lambda::EventSourceMapping')!;
    mapping.Properties!.ScalingConfig = { MaximumConcurrency: 'two' };
    broken.Resources.Typo = { Type: 'AWS::SQS::Queu' };
    broken.Outputs = { Domain: { Value: { 'Fn::GetAtt': [bucketId, 'DomainNam'] } } };
    expect(checkTemplate(spec, broken)).toEqual([
      `${bucketId}.VersioningConfiguration.Statuz: no such property`,
      `${bucketId}.VersioningConfiguration.Status: required property missing`,
      expect.stringMatching(/EventSource.*\.ScalingConfig\.MaximumConcurrency: expected a number$/),
      'Typo: resource type AWS::SQS::Queu does not exist',
      `Outputs.Domain.Value: AWS::S3::Bucket has no attribute DomainNam`,
    ]);
  });
});

describe('cfn-lint', () => {
  // W3005 (a DependsOn that a GetAtt already implies) is how the CDK writes some dependencies: harmless.
  const TOLERATED = new Set(['W3005']);

  it('finds no error and no warning in either template, in several regions', () => {
    const files = Object.entries(templates).map(([name, template]) => {
      const file = path.join(dir, `${name}.template.json`);
      writeFileSync(file, JSON.stringify(template, null, 1));
      return file;
    });
    const run = spawnSync('cfn-lint', ['--format', 'json', '--regions', 'us-east-1', 'eu-west-1', 'ap-southeast-2', '--', ...files], {
      encoding: 'utf8',
    });
    if (run.error) throw new Error(`cfn-lint could not run (${run.error.message}): install it with "pip install cfn-lint"`);
    const findings = JSON.parse(run.stdout || '[]') as { Rule: { Id: string }; Message: string; Level: string }[];
    const reported = findings.filter((finding) => !TOLERATED.has(finding.Rule.Id));
    expect(reported.map((finding) => `${finding.Level} ${finding.Rule.Id}: ${finding.Message}`)).toEqual([]);
    expect(run.status === 0 || findings.length > 0, run.stderr).toBe(true);
  });
});

describe('CloudFormation quotas', () => {
  it.each(['default', 'custom'] as const)('the %s template is far below the template size, resource and output limits', (name) => {
    const template = templates[name];
    // The CDK uploads templates to S3, where CloudFormation accepts up to 1 MB.
    expect(JSON.stringify(template).length).toBeLessThan(1_000_000);
    expect(Object.keys(template.Resources).length).toBeLessThan(500);
    expect(Object.keys(template.Outputs ?? {}).length).toBeLessThan(200);
  });
});
