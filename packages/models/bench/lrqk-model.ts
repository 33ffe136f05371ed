// A random-weight model of a real shape, built directly on the device (no checkpoint on disk: an
// 8B bf16 checkpoint is a 16 GB write and read): the preset's config.json → LlamaSpec, optionally
// fewer layers, N(0, 0.02) weights from the device RNG, unit norms.
import { fill, randomNormal, Tensor, type Device } from '@lrqk/tensor';
import { LlamaModel, modelPreset, parseModelConfig, specFromConfig, type LlamaLayerWeights, type LlamaSpec } from '../src/index.ts';

/** 2 layers, 4 query heads over 2 KV heads of 16: a shape for CPU tests of the bench itself. */
const TINY: LlamaSpec = {
  hiddenSize: 64,
  intermediateSize: 128,
  layers: 2,
  heads: 4,
  kvHeads: 2,
  headDim: 16,
  vocabSize: 256,
  rmsNormEps: 1e-5,
  ropeTheta: 10000,
  ropeScaling: null,
  maxPositionEmbeddings: 1 << 20,
};

/** The spec of `model` ('tiny' or a preset) with `layers` decoder layers (0 = all). */
export function benchSpec(model: string, layers: number): { spec: LlamaSpec; fullLayers: number } {
  const base = model === 'tiny' ? TINY : specFromConfig(parseModelConfig(modelPreset(model).config));
  const n = layers === 0 ? base.layers : Math.min(layers, base.layers);
  // Long contexts beyond the config's max_position_embeddings are still just RoPE positions.
  return { spec: { ...base, layers: n }, fullLayers: base.layers };
}

/** Bytes of the model's weights in `dtype`. */
export function weightBytes(spec: LlamaSpec, dtype: 'bf16' | 'f16' | 'f32'): number {
  const b = dtype === 'f32' ? 4 : 2;
  const { hiddenSize: h, intermediateSize: i, heads: H, kvHeads: Hkv, headDim: D, vocabSize: V } = spec;
  const perLayer = (H + 2 * Hkv) * D * h + h * H * D + 2 * i * h + h * i + 2 * h;
  return b * (spec.layers * perLayer + 2 * V * h + h);
}

export function randomModel(spec: LlamaSpec, dtype: 'bf16' | 'f16' | 'f32', device: Device, seed: number): LlamaModel {
  let stream = seed * 1000;
  const made: Tensor[] = [];
  const normal = (shape: number[]) => {
    const t = Tensor.empty(shape, { dtype, device });
    made.push(t);
    return randomNormal(t, stream++, { std: 0.02 });
  };
  const ones = (n: number) => {
    const t = Tensor.empty([n], { dtype, device });
    made.push(t);
    return fill(t, 1);
  };
  try {
    const { hiddenSize: h, intermediateSize: i, heads: H, kvHeads: Hkv, headDim: D, vocabSize: V } = spec;
    const layers: LlamaLayerWeights[] = [];
    for (let l = 0; l < spec.layers; l++) {
      layers.push({
        inputNorm: ones(h),
        qkv: normal([(H + 2 * Hkv) * D, h]),
        o: normal([h, H * D]),
        postNorm: ones(h),
        gateUp: normal([2 * i, h]),
        down: normal([h, i]),
      });
    }
    return new LlamaModel(spec, { embed: normal([V, h]), layers, norm: ones(h), lmHead: normal([V, h]) });
  } catch (e) {
    for (const t of made) t.dispose();
    throw e;
  }
}
