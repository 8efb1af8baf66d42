// `npm run synth` for real: the AWS CDK CLI runs infra/app.ts with cdk.json, offline, without credentials or Docker.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../infra/stack.ts';
import { STUB_CODE } from './synth.ts';

const out = mkdtempSync(path.join(os.tmpdir(), 'herald-cdk-out-'));
const cdk = path.join(REPO_ROOT, 'node_modules/aws-cdk/bin/cdk');
// No credentials and no region: synthesis must not need an AWS account.
const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('AWS_') && !key.startsWith('CDK_')));
let run: ReturnType<typeof spawnSync>;

beforeAll(() => {
  run = spawnSync(
    process.execPath,
    [cdk, 'synth', '--quiet', '--no-notices', '--output', out, '-c', `herald:code=${STUB_CODE}`, '-c', 'herald:stackName=HeraldTest'],
    { cwd: REPO_ROOT, env, encoding: 'utf8' },
  );
});
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('cdk synth', () => {
  it('succeeds offline and writes the stack template', () => {
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(readdirSync(out)).toContain('HeraldTest.template.json');
  });

  it('packages the prebuilt code as one zip asset, with no Docker image', () => {
    const assets = JSON.parse(readFileSync(path.join(out, 'HeraldTest.assets.json'), 'utf8'));
    expect(assets.dockerImages).toEqual({});
    const zips = Object.values(assets.files as Record<string, { source: { path: string; packaging: string } }>).filter(
      (file) => file.source.packaging === 'zip',
    );
    expect(zips).toHaveLength(1);
    expect(readdirSync(path.join(out, zips[0]!.source.path)).sort()).toEqual([
      'check.mjs',
      'rebuild-worker.mjs',
      'rebuild.mjs',
      'regenerate.mjs',
      'tick.mjs',
    ]);
  });

  it('refuses unknown herald:* context with a clear error', () => {
    const bad = spawnSync(
      process.execPath,
      [cdk, 'synth', '--quiet', '--no-notices', '--output', out, '-c', `herald:code=${STUB_CODE}`, '-c', 'herald:batchsize=5'],
      {
        cwd: REPO_ROOT,
        env,
        encoding: 'utf8',
      },
    );
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain('unknown context herald:batchsize');
  });
});
