import { defineConfig } from 'vitest/config';

// `pnpm test` runs every package's tests in one vitest run (one summary for CI).
export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*'],
    reporters: ['default', './tools/test-summary-reporter.ts'],
  },
});
