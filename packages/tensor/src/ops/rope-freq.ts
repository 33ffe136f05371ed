// Inverse frequencies of rotary embeddings for every rope type Llama/Qwen2/Mistral checkpoints
// use, following transformers' modeling_rope_utils (values rounded to f32 as torch computes
// them). The GPU oracle (tools/oracle) checks these against the installed transformers.

/** The `rope_scaling` entry of an HF config.json. */
export interface RopeScaling {
  rope_type?: string;
  type?: string;
  factor?: number;
  low_freq_factor?: number;
  high_freq_factor?: number;
  original_max_position_embeddings?: number;
  beta_fast?: number;
  beta_slow?: number;
  mscale?: number;
  mscale_all_dim?: number;
  attention_factor?: number;
  truncate?: boolean;
}

export interface RopeConfig {
  headDim: number;
  ropeTheta: number;
  partialRotaryFactor?: number;
  ropeScaling?: RopeScaling | null;
  maxPositionEmbeddings?: number;
}

export interface RopeFrequencies {
  invFreq: Float64Array;
  /** Multiplies cos and sin (YaRN); 1 otherwise. */
  attentionScaling: number;
}

const f = Math.fround;

function defaultInvFreq(base: number, dim: number): Float64Array {
  const out = new Float64Array(dim / 2);
  for (let i = 0; i < dim / 2; i++) out[i] = f(1 / f(base ** f((2 * i) / dim)));
  return out;
}

/** The rope type named by a config ('default' when absent). */
export function ropeType(s: RopeScaling | null | undefined): string {
  return s?.rope_type ?? s?.type ?? 'default';
}

export function ropeInvFreq(cfg: RopeConfig, seqLen?: number): RopeFrequencies {
  const dim = Math.floor(cfg.headDim * (cfg.partialRotaryFactor ?? 1));
  if (dim < 2 || dim % 2) throw new RangeError(`rope: rotary dim must be even and ≥ 2, got ${dim}`);
  const base = cfg.ropeTheta;
  const s = cfg.ropeScaling ?? null;
  const type = ropeType(s);
  const need = (k: keyof RopeScaling): number => {
    const v = s?.[k];
    if (typeof v !== 'number') throw new RangeError(`rope_scaling.${k} is required for rope type '${type}'`);
    return v;
  };
  switch (type) {
    case 'default':
      return { invFreq: defaultInvFreq(base, dim), attentionScaling: 1 };
    case 'linear': {
      const factor = need('factor');
      return { invFreq: defaultInvFreq(base, dim).map((v) => f(v / factor)), attentionScaling: 1 };
    }
    case 'dynamic': {
      const factor = need('factor');
      const maxPos = cfg.maxPositionEmbeddings ?? need('original_max_position_embeddings');
      const len = seqLen !== undefined && seqLen > maxPos ? seqLen : maxPos;
      const b = base * ((factor * len) / maxPos - (factor - 1)) ** (dim / (dim - 2));
      return { invFreq: defaultInvFreq(b, dim), attentionScaling: 1 };
    }
    case 'llama3': {
      const factor = need('factor');
      const low = need('low_freq_factor');
      const high = need('high_freq_factor');
      const old = need('original_max_position_embeddings');
      const lowWave = old / low;
      const highWave = old / high;
      const inv = defaultInvFreq(base, dim).map((v) => {
        const wave = (2 * Math.PI) / v;
        if (wave < highWave) return v;
        if (wave > lowWave) return f(v / factor);
        const smooth = (old / wave - low) / (high - low);
        return f((1 - smooth) * (v / factor) + smooth * v);
      });
      return { invFreq: inv, attentionScaling: 1 };
    }
    case 'yarn': {
      let factor = need('factor');
      let origMax = cfg.maxPositionEmbeddings ?? need('original_max_position_embeddings');
      if (typeof s?.original_max_position_embeddings === 'number') {
        // transformers: a config that states the pretraining length derives the factor from it.
        origMax = s.original_max_position_embeddings;
        if (cfg.maxPositionEmbeddings) factor = cfg.maxPositionEmbeddings / origMax;
      }
      const getMscale = (scale: number, m = 1) => (scale <= 1 ? 1 : 0.1 * m * Math.log(scale) + 1);
      let attention = s?.attention_factor;
      if (attention === undefined) {
        attention = s?.mscale && s?.mscale_all_dim ? getMscale(factor, s.mscale) / getMscale(factor, s.mscale_all_dim) : getMscale(factor);
      }
      const betaFast = s?.beta_fast || 32;
      const betaSlow = s?.beta_slow || 1;
      const truncate = s?.truncate ?? true;
      const corrDim = (rot: number) => (dim * Math.log(origMax / (rot * 2 * Math.PI))) / (2 * Math.log(base));
      let lo = corrDim(betaFast);
      let hi = corrDim(betaSlow);
      if (truncate) {
        lo = Math.floor(lo);
        hi = Math.ceil(hi);
      }
      lo = Math.max(lo, 0);
      hi = Math.min(hi, dim - 1);
      if (lo === hi) hi += 0.001;
      const inv = new Float64Array(dim / 2);
      for (let i = 0; i < dim / 2; i++) {
        const pos = f(base ** f((2 * i) / dim));
        const extra = f(1 / pos);
        const inter = f(1 / f(factor * pos));
        const ramp = Math.min(1, Math.max(0, f((i - lo) / (hi - lo))));
        const extraFactor = f(1 - ramp);
        inv[i] = f(f(inter * f(1 - extraFactor)) + f(extra * extraFactor));
      }
      return { invFreq: inv, attentionScaling: attention };
    }
    default:
      throw new RangeError(`rope type '${type}' is not supported (default, linear, dynamic, llama3, yarn)`);
  }
}
