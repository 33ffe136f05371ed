// One line per op module; each module declares its native entry points and its TS wrapper.
export * from './copy-strided.ts';
export * from './fill.ts';
export * from './rmsnorm.ts';
export * from './slot-diff.ts';
export * from './random-normal.ts';
export * from './binary.ts';
export * from './silu-mul.ts';
export * from './softmax.ts';
export * from './argmax.ts';
export * from './embedding.ts';
export * from './rope.ts';
export * from './rope-freq.ts';
export * from './matmul.ts';
