// Per-token log-probabilities of a sequence under the model (for perplexity), computed chunk by
// chunk so the (T, V) logits of a long text never exist at once.
import type { AttentionBackend, LlamaModel } from '@lrqk/models';

/**
 * log p(ids[i] | ids[<i]) for i = 1 … n−1 (entry 0 is NaN: the first token has no context).
 * The backend must be empty on entry; it holds the whole sequence afterwards. Tokens from
 * `stepwiseFrom` on are fed one at a time (decode steps).
 */
export function tokenLogProbs(
  model: LlamaModel,
  backend: AttentionBackend,
  ids: readonly number[],
  chunkTokens: number,
  stepwiseFrom: number,
): Float64Array {
  if (!(Number.isInteger(chunkTokens) && chunkTokens >= 1)) throw new RangeError(`tokenLogProbs: chunkTokens must be a positive integer, got ${chunkTokens}`);
  const n = ids.length;
  const out = new Float64Array(n).fill(Number.NaN);
  for (let start = 0; start < n; ) {
    // Chunks never straddle stepwiseFrom; from there on every token is its own (decode) step.
    const end = start < stepwiseFrom ? Math.min(n, start + chunkTokens, stepwiseFrom) : start + 1;
    const logits = model.forward(ids.slice(start, end), backend, { start, allLogits: true });
    let rows: Float32Array;
    try {
      rows = logits.toFloat32Array();
    } finally {
      logits.dispose();
    }
    const vocab = rows.length / (end - start);
    // Row t predicts token start+t+1; the last row of the last chunk predicts nothing.
    for (let t = 0; t < end - start && start + t + 1 < n; t++) {
      const row = rows.subarray(t * vocab, (t + 1) * vocab);
      let max = -Infinity;
      for (let j = 0; j < vocab; j++) if (row[j]! > max) max = row[j]!;
      let sum = 0;
      for (let j = 0; j < vocab; j++) sum += Math.exp(row[j]! - max);
      out[start + t + 1] = row[ids[start + t + 1]!]! - max - Math.log(sum);
    }
    start = end;
  }
  return out;
}
