// What `lrqk inspect model DIR` reports about a checkpoint directory without loading its weights:
// the architecture from config.json, parameters, the dtypes and bytes stored in the safetensors
// headers, whether every tensor the architecture needs is there with the right shape, tokenizer
// files, and the memory a context needs (weights + KV cache) per compute dtype.
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  checkpointTensors,
  countParameters,
  estimateMemory,
  loadModelConfig,
  openCheckpoint,
  SYNTH_MARKER,
  type ModelConfig,
  type ParameterCounts,
  type StorageDtype,
} from '@lrqk/models';

export interface ModelInfo {
  dir: string;
  config: ModelConfig;
  parameters: ParameterCounts;
  checkpoint: {
    files: string[];
    tensors: number;
    bytes: number;
    /** Tensor count and bytes per safetensors dtype. */
    dtypes: Record<string, { tensors: number; bytes: number }>;
    /** Tensors the architecture needs that are absent. */
    missing: string[];
    /** Tensors whose shape differs from what config.json implies. */
    wrongShape: { name: string; shape: number[]; expected: number[] }[];
    /** Tensors present that the architecture does not use. */
    unused: string[];
  };
  tokenizer: { tokenizerJson: boolean; tokenizerConfig: boolean; generationConfig: boolean };
  /** Contents of lrqk-synth.json when the weights are random (written by `lrqk synth`). */
  synthetic: Record<string, unknown> | null;
  /** Memory for the given contexts and compute dtypes. */
  memory: { contextTokens: number; dtype: StorageDtype; weightBytes: number; kvBytes: number; totalBytes: number }[];
  kvBytesPerToken: Record<StorageDtype, number>;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

export interface ModelInfoOptions {
  /** Contexts to estimate memory for (default: 4K, 32K, 128K capped at max_position_embeddings). */
  contexts?: readonly number[];
  dtypes?: readonly StorageDtype[];
}

/** Reads config.json and the safetensors headers of `dir` (no tensor data). */
export async function modelInfo(dir: string, opts: ModelInfoOptions = {}): Promise<ModelInfo> {
  const config = await loadModelConfig(dir);
  const ckpt = await openCheckpoint(dir);
  const dtypes: ModelInfo['checkpoint']['dtypes'] = {};
  const missing: string[] = [];
  const wrongShape: ModelInfo['checkpoint']['wrongShape'] = [];
  const needed = new Set<string>();
  try {
    for (const t of ckpt.tensors.values()) {
      const d = (dtypes[t.dtype] ??= { tensors: 0, bytes: 0 });
      d.tensors++;
      d.bytes += t.byteLength;
    }
    for (const want of checkpointTensors(config, 'bf16', 0.02)) {
      needed.add(want.name);
      if (!ckpt.has(want.name)) {
        missing.push(want.name);
        continue;
      }
      const got = ckpt.info(want.name).shape;
      if (got.length !== want.shape.length || got.some((v, i) => v !== want.shape[i])) wrongShape.push({ name: want.name, shape: got, expected: [...want.shape] });
    }
  } finally {
    await ckpt.close();
  }
  // A tied model may still store lm_head.weight; the loader ignores it.
  const unused = [...ckpt.tensors.keys()].filter((n) => !needed.has(n) && !(n === 'lm_head.weight' && config.tieWordEmbeddings));
  let synthetic: Record<string, unknown> | null = null;
  try {
    synthetic = JSON.parse(await readFile(join(dir, SYNTH_MARKER), 'utf8')) as Record<string, unknown>;
  } catch {
    synthetic = null;
  }
  const maxCtx = config.maxPositionEmbeddings;
  const contexts = opts.contexts ?? [...new Set([4096, 32768, 131072].map((c) => Math.min(c, maxCtx)))];
  const dts = opts.dtypes ?? (['bf16', 'f32'] as const);
  const memory: ModelInfo['memory'] = [];
  for (const dtype of dts) {
    for (const contextTokens of contexts) {
      const e = estimateMemory(config, { contextTokens, dtype, kvDtype: dtype });
      memory.push({ contextTokens, dtype, weightBytes: e.weightBytes, kvBytes: e.kvBytes, totalBytes: e.totalBytes });
    }
  }
  const kvBytesPerToken = Object.fromEntries(
    (['bf16', 'f16', 'f32'] as const).map((d) => [d, estimateMemory(config, { contextTokens: 1, dtype: d }).kvBytesPerToken]),
  ) as Record<StorageDtype, number>;
  return {
    dir,
    config,
    parameters: countParameters(config),
    checkpoint: { files: ckpt.files, tensors: ckpt.tensors.size, bytes: ckpt.totalBytes, dtypes, missing, wrongShape, unused },
    tokenizer: {
      tokenizerJson: await exists(join(dir, 'tokenizer.json')),
      tokenizerConfig: await exists(join(dir, 'tokenizer_config.json')),
      generationConfig: await exists(join(dir, 'generation_config.json')),
    },
    synthetic,
    memory,
    kvBytesPerToken,
  };
}

/** True when the checkpoint has every tensor the architecture needs, with the right shapes. */
export function isComplete(info: ModelInfo): boolean {
  return info.checkpoint.missing.length === 0 && info.checkpoint.wrongShape.length === 0;
}
