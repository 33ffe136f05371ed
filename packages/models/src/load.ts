// Loading an HF checkpoint directory into a LlamaModel on a device: config → spec, every weight
// read by range from its safetensors shard, converted to the compute dtype on the device, with
// q/k/v and gate/up fused into one matrix each. Refuses up front when the weights (plus the KV
// cache for the requested context) cannot fit, naming the setting to change.
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
  /** Skip the fit check (the KV budget is the attention backend's business). */
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
  if (!opts.skipMemoryCheck && device === 'cuda') {
    const est = estimateMemory(config, { contextTokens: opts.contextTokens ?? 4096, dtype, kvDtype: dtype });
    const free = memoryStats().freeBytes || backendInfo().totalBytes;
    if (est.totalBytes > free * 0.95) {
      const gib = (b: number) => `${(b / 2 ** 30).toFixed(1)} GiB`;
      throw new ModelLoadError(
        `${dir}: needs ${gib(est.totalBytes)} on the GPU (weights ${gib(est.weightBytes)} + KV cache ${gib(est.kvBytes)} for ${opts.contextTokens ?? 4096} tokens) ` +
          `but only ${gib(free)} is free; lower --context, use --attention lrqk (KV in host memory), or a smaller --dtype`,
      );
    }
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
