import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // Hang guards, not speed limits: a loaded machine must not fail a test that is merely slow.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // Vitest's default leaves a core to its own process, which only waits here: on two cores that ran every file one
    // after another. A file per core: the suite 364 to 236-260 s on two cores with ../shared (the longest files
    // drive moto_server, a process of its own, so one file rarely keeps both cores busy).
    maxWorkers: availableParallelism(),
    // A passing run prints only its summary; a failing test still shows everything it logged.
    silent: 'passed-only',
    env: {
      // The SDK's documented switch for its Node 20 end-of-support notice, printed once per test file otherwise.
      // Tests only: users running Herald on Node 20 still see it.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
  },
});
