/** out[b, n] = max over g of x[b, g, n] in float64, for x given as (B, G, N) row-major; NaN ignored. */
export function groupMaxRef(x: ArrayLike<number>, B: number, G: number, N: number): Float64Array {
  const out = new Float64Array(B * N).fill(NaN);
  for (let b = 0; b < B; b++)
    for (let g = 0; g < G; g++)
      for (let n = 0; n < N; n++) {
        const v = x[(b * G + g) * N + n]!;
        const i = b * N + n;
        if (!Number.isNaN(v) && (Number.isNaN(out[i]!) || v > out[i]!)) out[i] = v;
      }
  return out;
}
