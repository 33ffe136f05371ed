// One line per op module; each module declares its native entry points and its TS wrapper.
export * from './attention.ts';
export * from './fill.ts';
export * from './rmsnorm.ts';
