import { describe, expect, it } from 'vitest';
import { programVerdict } from './needs-program.ts';

const node = { name: 'node', path: process.execPath, install: 'apt-get install -y nodejs' };
const absent = { name: 'absent', path: '/nonexistent/absent', install: 'apt-get install -y absent' };

describe('programVerdict', () => {
  it('runs where the program is', () => {
    expect(programVerdict(node, {})).toBe('run');
    expect(programVerdict(node, { CI: 'true', HERALD_TEST_HIDE: 'chromium' })).toBe('run');
  });

  it('skips where it is missing, naming the install command', () => {
    expect(programVerdict(absent, {})).toEqual({ skip: 'no absent at /nonexistent/absent; install it with: apt-get install -y absent' });
    expect(programVerdict(node, { HERALD_TEST_HIDE: 'x, node' })).toEqual({
      skip: 'node hidden by HERALD_TEST_HIDE; install it with: apt-get install -y nodejs',
    });
  });

  it('fails instead under CI=true, so CI cannot stop running such tests without anyone seeing', () => {
    expect(programVerdict(absent, { CI: 'true' })).toEqual({
      fail: expect.stringMatching(/^no absent at .*apt-get install -y absent \(CI=true/),
    });
    expect(programVerdict(node, { CI: 'true', HERALD_TEST_HIDE: 'node' })).toHaveProperty('fail');
    expect(programVerdict(absent, { CI: '1' })).toHaveProperty('skip');
  });
});
