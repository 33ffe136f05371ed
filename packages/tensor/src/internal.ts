/**
 * Internal API: the raw addon and helpers other lrqk packages use. Not covered by semver.
 * @packageDocumentation
 */
export { native, guard, type NativeAddon, type NativeStorage } from './native.ts';
export { setContiguousImpl } from './tensor.ts';
