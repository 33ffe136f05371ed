import { defineProject } from 'vitest/config';

// Workspace packages resolve to their TypeScript sources (the `source` export condition), so
// tests never run against a stale dist/.
export default defineProject({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'], externalConditions: ['source'] } },
  test: { name: '@lrqk/kv-cache', include: ['test/**/*.test.ts'], testTimeout: 120_000, hookTimeout: 600_000 },
});
