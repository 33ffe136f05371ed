// Loading an HF checkpoint directory into a LlamaModel on a device: config → spec, every weight
// read by range from its safetensors shard, converted to the compute dtype on the device, with
// q/k/v and gate/up fused into one matrix each. Refuses up front, before reading any weight, when
// the weights + the KV cache for the requested context + one prefill chunk's activations cannot
// fit (GPU memory on CUDA, available host memory on the CPU), naming the settings to change;
// reports progress in bytes as it reads.
import { freemem } from 'node:os';
import { backendInfo, copyStrided, memoryStats, resolveDevice, Tensor, type Device, type RopeScaling } from '@lrqk/tensor';
import { LlamaModel, type LlamaLayerWeights, type LlamaSpec, type LlamaWeights } from './arch/llama.ts';
import { loadModelConfig, type ModelConfig } from './config/index.ts';
import { estimateMemory } from './memory.ts';
import { openCheckpoint, type Checkpoint } from './safetensors/index.ts';

export type ComputeDType = 'f32' | 'f16' | 'bf16';

export interface LoadOptions {
  device?: Device | 'auto';
  /** Compute dtype (default: bf16 on CUDA, f32 on the CPU). */
  dtype?: ComputeDType;
  /** Context (tokens) the caller plans to run; used for the memory check (default 4096). */
  contextTokens?: number;
  /**
   * KV tokens the compute device must hold (default contextTokens: full attention). LRQK keeps
   * only its top-k + lite rows there, the offload baseline one layer's staging buffer.
   */
  deviceKvTokens?: number;
  /** Prefill chunk the workspace estimate assumes (default 4096, generate()'s default). */
  prefillChunkTokens?: number;
  /** Refuse when the plan exceeds this many bytes (default: 95% of free device memory on CUDA, 90% of available host memory on the CPU). */
  memoryLimitBytes?: number;
  /** Skip the fit check. */
  skipMemoryCheck?: boolean;
  /** Called as weights load: bytes done of total. */
  onProgress?: (doneBytes: number, totalBytes: number) => void;
}

export interface LoadedModel {
  model: LlamaModel;
  config: ModelConfig;
  dir: string;
}

const fileDType: Record<string, ComputeDType | undefined> = { BF16: 'bf16', F16: 'f16', F32: 'f32' };

export class ModelLoadError extends Error {
  override name = 'ModelLoadError';
}

/** The numbers the forward pass needs, from a parsed config. */
export function specFromConfig(config: ModelConfig): LlamaSpec {
  const raw = config.raw as Record<string, unknown>;
  const scaling = (raw.rope_scaling ?? raw.rope_parameters ?? null) as (RopeScaling & { rope_theta?: number }) | null;
  const type = scaling?.rope_type ?? scaling?.type ?? 'default';
  const partial = typeof raw.partial_rotary_factor === 'number' ? raw.partial_rotary_factor : undefined;
  const spec: LlamaSpec = {
    hiddenSize: config.hiddenSize,
    intermediateSize: config.intermediateSize,
    layers: config.numHiddenLayers,
    heads: config.numAttentionHeads,
    kvHeads: config.numKeyValueHeads,
    headDim: config.headDim,
    vocabSize: config.vocabSize,
    rmsNormEps: config.rmsNormEps,
    ropeTheta: config.ropeTheta,
    ropeScaling: type === 'default' || !scaling ? null : scaling,
    maxPositionEmbeddings: config.maxPositionEmbeddings,
    ...(partial !== undefined ? { partialRotaryFactor: partial } : {}),
  };
  if (config.slidingWindow !== null && config.layerTypes.some((t) => t === 'sliding_attention')) {
    if (!config.layerTypes.every((t) => t === 'sliding_attention')) {
      throw new ModelLoadError('models with a mix of sliding-window and full-attention layers are not supported yet');
    }
    spec.slidingWindow = config.slidingWindow;
  }
  return spec;
}

/** What loading a model and running it at a context will hold in the compute device's memory. */
export interface MemoryPlan {
  device: Device;
  dtype: ComputeDType;
  weightBytes: number;
  /** KV cache for deviceKvTokens tokens. */
  kvBytes: number;
  /**
   * Activations of one prefill chunk (residual, q/k/v, attention output, the MLP's gate/up and
   * product, down projection) plus the last position's f32 logits; freed between chunks.
   */
  workspaceBytes: number;
  totalBytes: number;
}

const COMPUTE_BYTES: Record<ComputeDType, number> = { f32: 4, f16: 2, bf16: 2 };

/** The memory plan of `config` in `dtype` on `device` (no allocation). */
export function planMemory(
  config: ModelConfig,
  opts: { device: Device; dtype: ComputeDType; contextTokens: number; deviceKvTokens?: number; prefillChunkTokens?: number },
): MemoryPlan {
  const kvTokens = opts.deviceKvTokens ?? opts.contextTokens;
  const est = estimateMemory(config, { contextTokens: kvTokens, dtype: opts.dtype, kvDtype: opts.dtype });
  const T = Math.min(opts.prefillChunkTokens ?? 4096, opts.contextTokens);
  const H = config.hiddenSize;
  const qDim = config.numAttentionHeads * config.headDim;
  const kvDim = config.numKeyValueHeads * config.headDim;
  const I = config.intermediateSize;
  // x, rmsnorm out, o-proj out, down out: 4·H; qkv: q + 2 kv; attention out: q; gate|up: 2I; silu·up: I.
  const perToken = 4 * H + (qDim + 2 * kvDim) + qDim + 3 * I;
  const workspaceBytes = T * perToken * COMPUTE_BYTES[opts.dtype] + config.vocabSize * 4;
  return {
    device: opts.device,
    dtype: opts.dtype,
    weightBytes: est.weightBytes,
    kvBytes: est.kvBytes,
    workspaceBytes,
    totalBytes: est.weightBytes + est.kvBytes + workspaceBytes,
  };
}

const gib = (b: number) => `${(b / 2 ** 30).toFixed(1)} GiB`;

/** Throws ModelLoadError, naming the settings to change, when `plan` exceeds `limitBytes`. */
export function checkMemoryPlan(dir: string, plan: MemoryPlan, limitBytes: number, contextTokens: number): void {
  if (plan.totalBytes <= limitBytes) return;
  const where = plan.device === 'cuda' ? 'on the GPU' : 'of host memory';
  const knobs =
    plan.device === 'cuda'
      ? 'lower --context, use --attention lrqk (KV in host memory, only top-k rows on the GPU), or a smaller model'
      : `lower --context${plan.dtype === 'f32' ? ', use --dtype bf16 (half the weight memory)' : ''}, or a smaller model`;
  throw new ModelLoadError(
    `${dir}: needs ${gib(plan.totalBytes)} ${where} (weights ${gib(plan.weightBytes)} in ${plan.dtype} + KV cache ${gib(plan.kvBytes)} + ` +
      `prefill workspace ${gib(plan.workspaceBytes)}, for a ${contextTokens}-token context) but only ${gib(limitBytes)} is available; ${knobs}`,
  );
}

class WeightReader {
  done = 0;
  readonly ckpt: Checkpoint;
  readonly device: Device;
  readonly dtype: ComputeDType;
  readonly total: number;
  readonly onProgress: ((d: number, t: number) => void) | undefined;
  constructor(ckpt: Checkpoint, device: Device, dtype: ComputeDType, total: number, onProgress?: (d: number, t: number) => void) {
    this.ckpt = ckpt;
    this.device = device;
    this.dtype = dtype;
    this.total = total;
    this.onProgress = onProgress;
  }

  has(name: string): boolean {
    return this.ckpt.has(name);
  }

  /** Reads `name` and writes it, converted, into `dst` (a view of the right shape). */
  async into(name: string, dst: Tensor): Promise<void> {
    if (!this.ckpt.has(name)) throw new ModelLoadError(`checkpoint ${this.ckpt.path} has no tensor '${name}'`);
    const info = this.ckpt.info(name);
    const src = fileDType[info.dtype];
    if (!src) throw new ModelLoadError(`tensor '${name}' has dtype ${info.dtype}; expected BF16, F16 or F32`);
    const n = info.shape.reduce((a, b) => a * b, 1);
    if (n !== dst.numel || info.shape.length !== dst.ndim || info.shape.some((d, i) => d !== dst.shape[i])) {
      throw new ModelLoadError(`tensor '${name}' has shape [${info.shape}] but the config implies [${dst.shape}]`);
    }
    const bytes = await this.ckpt.read(name);
    const staging = Tensor.empty(info.shape, { dtype: src, device: this.device });
    try {
      staging.storage.write(0, bytes);
      copyStrided(dst, staging);
    } finally {
      staging.dispose();
    }
    this.done += bytes.byteLength;
    this.onProgress?.(this.done, this.total);
  }

  async tensor(name: string, shape: number[]): Promise<Tensor> {
    const t = Tensor.empty(shape, { dtype: this.dtype, device: this.device });
    try {
      await this.into(name, t);
    } catch (e) {
      t.dispose();
      throw e;
    }
    return t;
  }
}

/** Loads a Llama / Qwen2 / Mistral checkpoint directory. */
export async function loadModel(dir: string, opts: LoadOptions = {}): Promise<LoadedModel> {
  const config = await loadModelConfig(dir);
  const spec = specFromConfig(config);
  const device = resolveDevice(opts.device ?? 'auto');
  const dtype: ComputeDType = opts.dtype ?? (device === 'cuda' ? 'bf16' : 'f32');
  if (!opts.skipMemoryCheck) {
    const contextTokens = opts.contextTokens ?? 4096;
    const plan = planMemory(config, {
      device,
      dtype,
      contextTokens,
      ...(opts.deviceKvTokens !== undefined ? { deviceKvTokens: opts.deviceKvTokens } : {}),
      ...(opts.prefillChunkTokens !== undefined ? { prefillChunkTokens: opts.prefillChunkTokens } : {}),
    });
    const limit =
      opts.memoryLimitBytes ?? (device === 'cuda' ? 0.95 * (memoryStats().freeBytes || backendInfo().totalBytes) : 0.9 * freemem());
    checkMemoryPlan(dir, plan, limit, contextTokens);
  }
  const ckpt = await openCheckpoint(dir);
  const r = new WeightReader(ckpt, device, dtype, ckpt.totalBytes, opts.onProgress);
  const made: Tensor[] = [];
  const keep = <T extends Tensor>(t: T): T => (made.push(t), t);
  try {
    const H = spec.hiddenSize;
    const qDim = spec.heads * spec.headDim;
    const kvDim = spec.kvHeads * spec.headDim;
    const I = spec.intermediateSize;
    const embed = keep(await r.tensor('model.embed_tokens.weight', [spec.vocabSize, H]));
    const layers: LlamaLayerWeights[] = [];
    for (let l = 0; l < spec.layers; l++) {
      const p = `model.layers.${l}.`;
      const qkv = keep(Tensor.empty([qDim + 2 * kvDim, H], { dtype, device }));
      await r.into(`${p}self_attn.q_proj.weight`, qkv.slice(0, 0, qDim));
      await r.into(`${p}self_attn.k_proj.weight`, qkv.slice(0, qDim, qDim + kvDim));
      await r.into(`${p}self_attn.v_proj.weight`, qkv.slice(0, qDim + kvDim, qDim + 2 * kvDim));
      let qkvBias: Tensor | undefined;
      if (r.has(`${p}self_attn.q_proj.bias`)) {
        qkvBias = keep(Tensor.empty([qDim + 2 * kvDim], { dtype, device }));
        await r.into(`${p}self_attn.q_proj.bias`, qkvBias.slice(0, 0, qDim));
        await r.into(`${p}self_attn.k_proj.bias`, qkvBias.slice(0, qDim, qDim + kvDim));
        await r.into(`${p}self_attn.v_proj.bias`, qkvBias.slice(0, qDim + kvDim, qDim + 2 * kvDim));
      }
      const gateUp = keep(Tensor.empty([2 * I, H], { dtype, device }));
      await r.into(`${p}mlp.gate_proj.weight`, gateUp.slice(0, 0, I));
      await r.into(`${p}mlp.up_proj.weight`, gateUp.slice(0, I, 2 * I));
      layers.push({
        inputNorm: keep(await r.tensor(`${p}input_layernorm.weight`, [H])),
        qkv,
        ...(qkvBias ? { qkvBias } : {}),
        o: keep(await r.tensor(`${p}self_attn.o_proj.weight`, [H, qDim])),
        ...(r.has(`${p}self_attn.o_proj.bias`) ? { oBias: keep(await r.tensor(`${p}self_attn.o_proj.bias`, [H])) } : {}),
        postNorm: keep(await r.tensor(`${p}post_attention_layernorm.weight`, [H])),
        gateUp,
        down: keep(await r.tensor(`${p}mlp.down_proj.weight`, [H, I])),
      });
    }
    const norm = keep(await r.tensor('model.norm.weight', [H]));
    const lmHead = config.tieWordEmbeddings || !r.has('lm_head.weight') ? embed : keep(await r.tensor('lm_head.weight', [spec.vocabSize, H]));
    const weights: LlamaWeights = { embed, layers, norm, lmHead };
    return { model: new LlamaModel(spec, weights), config, dir };
  } catch (e) {
    for (const t of made) t.dispose();
    throw e;
  } finally {
    await ckpt.close();
  }
}
