/** Top-k of one row: larger first (or smaller), ties → lower index, NaN last. */
export function topkRef(row: ArrayLike<number>, k: number, largest = true, length = row.length): { values: number[]; indices: number[] } {
  const idx = Array.from({ length }, (_, i) => i);
  const rank = (i: number) => {
    const v = row[i]!;
    return Number.isNaN(v) ? -Infinity : largest ? v : -v;
  };
  idx.sort((a, b) => {
    const ra = rank(a);
    const rb = rank(b);
    if (ra !== rb) return rb - ra;
    const na = Number.isNaN(row[a]!);
    const nb = Number.isNaN(row[b]!);
    if (na !== nb) return na ? 1 : -1;
    return a - b;
  });
  const top = idx.slice(0, k);
  return { values: top.map((i) => row[i]!), indices: top };
}

/** Solves A x = b (A SPD, r×r) for m right-hand sides by Gaussian elimination in float64. */
export function solveRef(A: Float64Array, B: Float64Array, r: number, m: number): Float64Array {
  const a = Float64Array.from(A);
  const x = Float64Array.from(B);
  for (let c = 0; c < r; c++) {
    let p = c;
    for (let i = c + 1; i < r; i++) if (Math.abs(a[i * r + c]!) > Math.abs(a[p * r + c]!)) p = i;
    for (let j = 0; j < r; j++) [a[c * r + j], a[p * r + j]] = [a[p * r + j]!, a[c * r + j]!];
    for (let j = 0; j < m; j++) [x[c * m + j], x[p * m + j]] = [x[p * m + j]!, x[c * m + j]!];
    for (let i = c + 1; i < r; i++) {
      const f = a[i * r + c]! / a[c * r + c]!;
      for (let j = c; j < r; j++) a[i * r + j]! -= f * a[c * r + j]!;
      for (let j = 0; j < m; j++) x[i * m + j]! -= f * x[c * m + j]!;
    }
  }
  for (let c = r - 1; c >= 0; c--) {
    for (let j = 0; j < m; j++) {
      let s = x[c * m + j]!;
      for (let k = c + 1; k < r; k++) s -= a[c * r + k]! * x[k * m + j]!;
      x[c * m + j] = s / a[c * r + c]!;
    }
  }
  return x;
}
