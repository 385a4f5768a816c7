import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    allowOnly: false,
    pool: 'forks',
    // Builds the web UI once per test process for the browser suites.
    globalSetup: ['./test/support/web-build-setup.ts'],
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
