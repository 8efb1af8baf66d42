/**
 * For tests that need a program npm cannot install. Where it is missing they skip, with one line naming the command
 * that installs it; under CI=true they fail instead, because .ci/run installs every such program and a skip there
 * would silently stop running them. HERALD_TEST_HIDE=chromium,... takes named programs for missing, to see the
 * skip (or the CI failure) on a machine that has them.
 */
import { existsSync } from 'node:fs';
import { describe, it } from 'vitest';

export interface Program {
  /** As HERALD_TEST_HIDE names it. */
  name: string;
  path: string;
  install: string;
}

export const CHROMIUM: Program = { name: 'chromium', path: '/usr/bin/chromium', install: 'apt-get install -y chromium' };

/** What to do about a program: run, skip (with why and how to install), or fail (same message). */
export function programVerdict(program: Program, env: NodeJS.ProcessEnv = process.env): 'run' | { skip: string } | { fail: string } {
  const hidden = (env.HERALD_TEST_HIDE ?? '').split(',').some((name) => name.trim() === program.name);
  if (!hidden && existsSync(program.path)) return 'run';
  const missing = `${hidden ? `${program.name} hidden by HERALD_TEST_HIDE` : `no ${program.name} at ${program.path}`}; install it with: ${program.install}`;
  return env.CI === 'true' ? { fail: `${missing} (CI=true accepts no such skip: .ci/run installs it)` } : { skip: missing };
}

/** `describe` where the program is there; otherwise a skip, or under CI=true a suite of one failing test. */
export function describeWith(program: Program): (title: string, body: () => void) => void {
  const verdict = programVerdict(program);
  if (verdict === 'run') return describe;
  if ('fail' in verdict) {
    return (title) =>
      describe(title, () => {
        it(`needs ${program.name}`, () => {
          throw new Error(verdict.fail);
        });
      });
  }
  return (title, body) => {
    // Straight to stderr: vitest would hold a console line back, as it belongs to no test.
    process.stderr.write(`skipped "${title}": ${verdict.skip}\n`);
    describe.skip(title, body);
  };
}
