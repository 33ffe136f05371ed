// Σ over rows of aᵀb for every head: the r×r and r×d reductions of the prefill factorization, whose
// inner dimension is the sequence (up to G·n = 512K rows at 128K context in the shared layout).
// Given as one GEMM, a few batches of a huge inner dimension keep most of the GPU idle (cuBLAS
// parallelises over output tiles, and a 32×128 output is one tile); split into row chunks, the
// partial products fill the machine and a ones-vector GEMM sums them.
import { fill, matmul, Tensor } from '@lrqk/tensor';

/** Rows per chunk below which splitting is not worth its extra launches. */
export const DEFAULT_CHUNK_ROWS = 4096;

/**
 * aᵀb per head: a (Hf, n, ra), b (Hf, n, rb), both f32 with contiguous last dims, gives a new
 * (Hf, ra, rb) f32 tensor, equal to `matmul(a, b, { transA: true })` up to summation order.
 * `chunkRows` 0 (or n < 2·chunkRows) computes it as that single GEMM.
 */
export function innerProducts(a: Tensor, b: Tensor, chunkRows = DEFAULT_CHUNK_ROWS, opts: { perHead?: boolean } = {}): Tensor {
  const [hf, n, ra] = [a.size(0), a.size(1), a.size(2)];
  const rb = b.size(2);
  if (b.size(0) !== hf || b.size(1) !== n) throw new RangeError(`innerProducts: a [${a.shape}] and b [${b.shape}] differ in heads or rows`);
  const chunks = chunkRows > 0 ? Math.floor(n / chunkRows) : 0;
  if (chunks < 2) return matmul(a, b, { transA: true, outDType: 'f32' });
  // When every head's rows follow the previous head's (head stride = n rows) and the chunks tile
  // the rows exactly, all heads' chunks are one batch of Hf·chunks GEMMs: one launch that fills the
  // GPU, where a launch per head gives cuBLAS only `chunks` small output tiles at a time.
  const rows = opts.perHead ? 0 : evenChunkRows(n, chunkRows);
  if (rows > 0 && a.strides[0] === n * a.strides[1]! && b.strides[0] === n * b.strides[1]!) {
    const c = n / rows;
    const flat = (x: Tensor, cols: number) => new Tensor(x.storage, x.dtype, [hf * c, rows, cols], [rows * x.strides[1]!, x.strides[1]!, 1], x.offset);
    const partial = matmul(flat(a, ra), flat(b, rb), { transA: true, outDType: 'f32' }); // (Hf·c, ra, rb)
    const ones = fill(Tensor.empty([1, c], { dtype: 'f32', device: a.device }), 1);
    try {
      const onesB = new Tensor(ones.storage, 'f32', [hf, 1, c], [0, c, 1], ones.offset);
      return matmul(onesB, partial.view([hf, c, ra * rb])).view([hf, ra, rb]);
    } finally {
      partial.dispose();
      ones.dispose();
    }
  }
  const partial = Tensor.empty([hf, chunks, ra * rb], { dtype: 'f32', device: a.device });
  const ones = fill(Tensor.empty([1, chunks], { dtype: 'f32', device: a.device }), 1);
  try {
    const main = chunks * chunkRows;
    for (let h = 0; h < hf; h++) {
      // Head h's first `main` rows as `chunks` batches of chunkRows rows (batch stride = chunkRows rows).
      const chunked = (x: Tensor, cols: number) =>
        new Tensor(x.storage, x.dtype, [chunks, chunkRows, cols], [chunkRows * x.strides[1]!, x.strides[1]!, 1], x.offset + h * x.strides[0]!);
      matmul(chunked(a, ra), chunked(b, rb), { transA: true, out: partial.select(0, h).view([chunks, ra, rb]) });
    }
    // Σ over chunks: (1, chunks) ones broadcast over heads (batch stride 0) times (Hf, chunks, ra·rb).
    const onesB = new Tensor(ones.storage, 'f32', [hf, 1, chunks], [0, chunks, 1], ones.offset);
    const out = matmul(onesB, partial).view([hf, ra, rb]);
    if (main < n) matmul(a.slice(1, main, n), b.slice(1, main, n), { transA: true, beta: 1, out });
    return out;
  } finally {
    partial.dispose();
    ones.dispose();
  }
}

/** A divisor of n within [chunkRows/2, 2·chunkRows] (nearest chunkRows first), or 0. */
export function evenChunkRows(n: number, chunkRows: number): number {
  for (let d = 0; d <= chunkRows; d++) {
    for (const r of [chunkRows + d, chunkRows - d]) {
      if (r >= Math.max(1, chunkRows / 2) && r <= 2 * chunkRows && n % r === 0 && n / r >= 2) return r;
    }
  }
  return 0;
}
