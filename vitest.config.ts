import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // Hang guards, not speed limits: a loaded machine must not fail a test that is merely slow.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // A passing run prints only its summary; a failing test still shows everything it logged.
    silent: 'passed-only',
    env: {
      // The SDK's documented switch for its Node 20 end-of-support notice, printed once per test file otherwise.
      // Tests only: users running Herald on Node 20 still see it.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
  },
});
