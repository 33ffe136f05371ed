// One line per op module; each module declares its native entry points and its TS wrapper.
export * from './fill.ts';
export * from './rmsnorm.ts';
export * from './slot-diff.ts';
export * from './random-normal.ts';
export * from './low-rank-decode-update.ts';
