import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    allowOnly: false,
    pool: 'forks',
    // Two test files at once on CI's two cores: most suites wait on PostgreSQL, fsync, child
    // processes or the browser, so the second file uses what the first leaves idle (Vitest's
    // default is one fewer than the cores: a single file at a time here).
    maxWorkers: 2,
    // Builds the web UI once per test process for the browser suites.
    globalSetup: ['./test/support/web-build-setup.ts'],
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
