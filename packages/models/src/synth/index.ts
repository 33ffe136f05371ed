// Random-weight checkpoints of real model shapes (`lrqk synth`).
export { MODEL_PRESETS, modelPreset, presetNames, type ModelPreset, type PresetTokenizer } from './presets.ts';
export { synthesizeCheckpoint, checkpointTensors, SYNTH_MARKER, type SynthesizeOptions, type SynthesizeResult } from './synthesize.ts';
export { writeGeneratedCheckpoint, type GeneratedTensor, type TensorInit, type StreamedWriteOptions, type StreamedWriteResult } from './stream-writer.ts';
export { NormalFiller, bf16Bits, f16Bits, type FillDType } from './random-fill.ts';
