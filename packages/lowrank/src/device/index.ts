/**
 * `@lrqk/lowrank/device`: the LRQK math on @lrqk/tensor (CPU or CUDA), batched over heads, with
 * the same API shape as the float64 reference in `@lrqk/lowrank`.
 * @packageDocumentation
 */
export { factorizeOnDevice, type DeviceFactorizeOptions, type DeviceFactors, type DeviceInit } from './prefill.ts';
export { ProxySelector, type GroupScore, type ProxySelectorOptions } from './select.ts';
