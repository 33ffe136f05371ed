// float64 references for the elementwise ops.
export const silu = (x: number): number => x / (1 + Math.exp(-x));

export function softmaxRef(x: Float64Array, rows: number, n: number, temperature = 1): Float64Array {
  const out = new Float64Array(rows * n);
  for (let r = 0; r < rows; r++) {
    let m = -Infinity;
    for (let i = 0; i < n; i++) m = Math.max(m, x[r * n + i]! / temperature);
    let s = 0;
    for (let i = 0; i < n; i++) s += Math.exp(x[r * n + i]! / temperature - m);
    for (let i = 0; i < n; i++) out[r * n + i] = Math.exp(x[r * n + i]! / temperature - m) / s;
  }
  return out;
}

export function argmaxRef(x: Float64Array, rows: number, n: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < rows; r++) {
    let best = -1;
    for (let i = 0; i < n; i++) {
      const v = x[r * n + i]!;
      if (Number.isNaN(v)) continue;
      if (best < 0 || v > x[r * n + best]!) best = i;
    }
    out.push(Math.max(best, 0));
  }
  return out;
}

/** HF rotate_half rope on (T, H, D) row-major data with cos/sin (P, half). */
export function ropeRef(x: Float64Array, T: number, H: number, D: number, pos: number[], cos: Float64Array, sin: Float64Array, half: number): Float64Array {
  const out = Float64Array.from(x);
  for (let t = 0; t < T; t++)
    for (let h = 0; h < H; h++) {
      const o = (t * H + h) * D;
      for (let i = 0; i < half; i++) {
        const c = cos[pos[t]! * half + i]!;
        const s = sin[pos[t]! * half + i]!;
        out[o + i] = x[o + i]! * c - x[o + i + half]! * s;
        out[o + i + half] = x[o + i + half]! * c + x[o + i]! * s;
      }
    }
  return out;
}
