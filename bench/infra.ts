// CloudFormation template of the Herald stack: synthesis time, template size and resource counts against
// CloudFormation's quotas. Figures only. Uses dist/functions when built, else the tests' stub bundles.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { DEFAULT_CODE_PATH, HeraldStack, REPO_ROOT } from '../infra/stack.ts';

const real = existsSync(path.join(DEFAULT_CODE_PATH, 'regenerate.mjs'));
const codePath = real ? DEFAULT_CODE_PATH : path.join(REPO_ROOT, 'tests/fixtures/infra/functions');
const context = JSON.parse(readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8')).context;

const outdir = mkdtempSync(path.join(os.tmpdir(), 'herald-bench-cdk-'));
const started = performance.now();
const app = new App({ context, outdir });
const stack = new HeraldStack(app, 'Herald', { codePath });
const template = Template.fromStack(stack).toJSON() as { Resources: Record<string, { Type: string }>; Outputs: object };
const seconds = (performance.now() - started) / 1000;
rmSync(outdir, { recursive: true, force: true });

const compact = Buffer.byteLength(JSON.stringify(template));
const pretty = Buffer.byteLength(JSON.stringify(template, null, 1));
const types = new Map<string, number>();
for (const { Type } of Object.values(template.Resources)) types.set(Type, (types.get(Type) ?? 0) + 1);
const resources = Object.keys(template.Resources).length;

console.log(`infra synth: ${seconds.toFixed(2)} s (in-process, after imports)`);
console.log(`infra template: ${compact} bytes compact, ${pretty} bytes as written by cdk synth (quota: 1,000,000 via S3)`);
console.log(`infra resources: ${resources} (quota: 500), outputs: ${Object.keys(template.Outputs).length} (quota: 200)`);
for (const [type, count] of [...types].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))) {
  console.log(`  ${String(count).padStart(3)}  ${type}`);
}
const assetBytes = readdirSync(codePath).reduce((sum, file) => sum + statSync(path.join(codePath, file)).size, 0);
console.log(
  `infra code asset: ${codePath} (${real ? 'npm run bundle' : 'test stubs: run npm run bundle for real figures'}), ${assetBytes} bytes before zip`,
);
