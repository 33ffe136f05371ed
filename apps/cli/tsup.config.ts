import { defineConfig } from 'tsup';

// Bundles the CLI's own code into dist/main.js; dependencies (@lrqk/tensor with its native addon,
// commander) stay external and are resolved from node_modules at run time.
export default defineConfig({
  entry: ['src/main.ts'],
  format: ['esm'],
  sourcemap: true,
  clean: true,
  target: 'node22',
  dts: false,
});
