export { loadModelConfig, parseModelConfig, SUPPORTED_ARCHITECTURES } from './config.ts';
export type { Architecture, LayerType, ModelConfig, TorchDtype } from './config.ts';
export { parseRopeScaling, ROPE_SCALING_TYPES } from './rope.ts';
export type { RopeScaling, RopeScalingType } from './rope.ts';
