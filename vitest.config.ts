import { defineConfig } from 'vitest/config';

// The SDK warns once per process on Node 20 about its future Node 22 floor; keep it out of test output.
const env = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };

export default defineConfig({
  test: {
    // The default report for people, a JSON report for .ci/run's closing "N passed, N failed" line.
    reporters: ['default', ['json', { outputFile: '.local/test-results.json' }]],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          env,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          env,
          // Servers start once per run; every test file isolates itself with unique names.
          globalSetup: ['test/integration/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 180_000,
          // One file at a time: fault tests stop and restart the shared servers, and the servers
          // already share this machine's 2 cores with the tests.
          fileParallelism: false,
        },
      },
    ],
  },
});
