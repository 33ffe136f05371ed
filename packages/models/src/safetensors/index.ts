export { SAFETENSORS_DTYPES, dtypeBytes, isSafetensorsDtype } from './dtype.ts';
export type { SafetensorsDtype } from './dtype.ts';
export { MAX_HEADER_BYTES, parseHeader, parseHeaderLength } from './header.ts';
export type { SafetensorsHeader, TensorInfo } from './header.ts';
export { SafetensorsFile } from './file.ts';
export { Checkpoint, INDEX_FILE, openCheckpoint, SINGLE_FILE } from './checkpoint.ts';
export type { CheckpointTensor } from './checkpoint.ts';
export { writeSafetensors, writeShardedSafetensors } from './writer.ts';
export type { ShardedWriteOptions, ShardedWriteResult, TensorToWrite } from './writer.ts';
