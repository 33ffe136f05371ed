/** Shapes and options of a float64 attention reference call (head-major, contiguous arrays). */
export interface AttentionRefParams {
  heads: number;
  kvHeads: number;
  tq: number;
  tk: number;
  dim: number;
  causal: boolean;
  scale: number;
  /** Sliding window in positions; 0 = none. */
  window: number;
}

/**
 * float64 attention: q (H, Tq, D), k and v (Hkv, Tk, D), all contiguous row-major; returns
 * (H, Tq, D). Query i is at position Tk - Tq + i and sees key j iff (!causal || j <= p) and
 * (window == 0 || j > p - window); query head h reads KV head floor(h / (H / Hkv)). Plain
 * two-pass softmax over the full score row.
 */
export function attentionRef(q: Float64Array, k: Float64Array, v: Float64Array, p: AttentionRefParams): Float64Array {
  const { heads, kvHeads, tq, tk, dim, causal, scale, window } = p;
  const group = heads / kvHeads;
  const out = new Float64Array(heads * tq * dim);
  const s = new Float64Array(tk);
  for (let h = 0; h < heads; h++) {
    const hk = Math.floor(h / group);
    for (let i = 0; i < tq; i++) {
      const pos = tk - tq + i;
      let mx = -Infinity;
      for (let j = 0; j < tk; j++) {
        const visible = (!causal || j <= pos) && (window === 0 || j > pos - window);
        if (!visible) {
          s[j] = -Infinity;
          continue;
        }
        let d = 0;
        for (let e = 0; e < dim; e++) d += q[(h * tq + i) * dim + e]! * k[(hk * tk + j) * dim + e]!;
        s[j] = d * scale;
        mx = Math.max(mx, s[j]!);
      }
      let sum = 0;
      for (let j = 0; j < tk; j++) {
        const w = s[j] === -Infinity ? 0 : Math.exp(s[j]! - mx);
        s[j] = w;
        sum += w;
      }
      for (let e = 0; e < dim; e++) {
        let acc = 0;
        for (let j = 0; j < tk; j++) if (s[j] !== 0) acc += s[j]! * v[(hk * tk + j) * dim + e]!;
        out[(h * tq + i) * dim + e] = acc / sum;
      }
    }
  }
  return out;
}
