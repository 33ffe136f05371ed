import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', 'device/index': 'src/device/index.ts' },
  external: ['@lrqk/tensor'],
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node22',
});
