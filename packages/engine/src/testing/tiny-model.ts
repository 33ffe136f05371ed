// A tiny but real model directory for tests: a random-weight Llama checkpoint (safetensors) with
// a byte-level BPE tokenizer.json (256 byte tokens + BOS/EOS, no merges) that the real tokenizer
// library loads, a chat template and a generation config. Small enough to write in milliseconds
// and run on the CPU, so tests of the engine, the server and the evaluation need no downloads.
import { readFileSync } from 'node:fs';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeSafetensors, type TensorToWrite } from '@lrqk/models';

export interface TinyModelOptions {
  layers?: number;
  hiddenSize?: number;
  heads?: number;
  kvHeads?: number;
  headDim?: number;
  intermediateSize?: number;
  maxPositionEmbeddings?: number;
  ropeTheta?: number;
  rmsNormEps?: number;
  seed?: number;
  /**
   * Copy tokenizer.json and tokenizer_config.json (with its chat template) from this directory
   * instead of writing the byte-level tokenizer; vocab_size then covers the tokenizer's ids.
   */
  tokenizerDir?: string;
  /** EOS ids of config.json / generation_config.json (default: the byte-level tokenizer's 257). */
  eosTokenIds?: number[];
  /** Multiply (tied) embedding rows by a factor, e.g. a large EOS row to make answers end. */
  scaleRows?: { id: number; factor: number }[];
}

/** GPT-2's byte → printable-unicode map, which ByteLevel tokenizers use for their vocabulary. */
function bytesToUnicode(): string[] {
  const keep: number[] = [];
  for (let b = 33; b <= 126; b++) keep.push(b);
  for (let b = 161; b <= 172; b++) keep.push(b);
  for (let b = 174; b <= 255; b++) keep.push(b);
  const out = new Array<string>(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) out[b] = String.fromCodePoint(keep.includes(b) ? b : 256 + extra++);
  return out;
}

/** tokenizer.json of a byte-level BPE without merges: id b is byte b; 256 = <s>, 257 = </s>. */
export function byteLevelTokenizerJson(): Record<string, unknown> {
  const vocab: Record<string, number> = {};
  bytesToUnicode().forEach((ch, b) => (vocab[ch] = b));
  const special = (id: number, content: string) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
  vocab['<s>'] = 256;
  vocab['</s>'] = 257;
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false };
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [special(256, '<s>'), special(257, '</s>')],
    normalizer: null,
    pre_tokenizer: byteLevel,
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
      pair: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }],
      special_tokens: { '<s>': { id: '<s>', ids: [256], tokens: ['<s>'] } },
    },
    decoder: byteLevel,
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '', fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab, merges: [] },
  };
}

/** mulberry32 normals (Box–Muller), deterministic from the seed. */
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

/** Largest id of a tokenizer.json's vocabulary and added tokens, plus one. */
export function tokenizerVocabSize(tokenizerJsonPath: string): number {
  const json = JSON.parse(readFileSync(tokenizerJsonPath, 'utf8')) as { model: { vocab: Record<string, number> }; added_tokens?: { id: number }[] };
  let max = -1;
  for (const id of Object.values(json.model.vocab)) if (id > max) max = id;
  for (const t of json.added_tokens ?? []) if (t.id > max) max = t.id;
  return max + 1;
}

/**
 * Writes a tiny random Llama model directory (f32 weights) and returns its path. Defaults: 2 layers,
 * hidden 64, 4 query heads and 2 KV heads of dim 16, vocabulary 258 (bytes + BOS/EOS), 4096 positions.
 */
export async function writeTinyModel(dir: string, opts: TinyModelOptions = {}): Promise<string> {
  const L = opts.layers ?? 2;
  const H = opts.hiddenSize ?? 64;
  const heads = opts.heads ?? 4;
  const kvHeads = opts.kvHeads ?? 2;
  const D = opts.headDim ?? 16;
  const I = opts.intermediateSize ?? 2 * H;
  const V = opts.tokenizerDir !== undefined ? tokenizerVocabSize(join(opts.tokenizerDir, 'tokenizer.json')) : 258;
  const eos = opts.eosTokenIds ?? (opts.tokenizerDir !== undefined ? [] : [257]);
  let seed = opts.seed ?? 1;
  await mkdir(dir, { recursive: true });
  const tensors: TensorToWrite[] = [];
  const add = (name: string, shape: number[], std: number | 'ones') => {
    const n = shape.reduce((x, y) => x * y, 1);
    const data = std === 'ones' ? new Float32Array(n).fill(1) : normals(n, std, seed++);
    tensors.push({ name, dtype: 'F32', shape, data: new Uint8Array(data.buffer) });
  };
  add('model.embed_tokens.weight', [V, H], 1);
  const embed = new Float32Array(tensors[0]!.data.buffer);
  for (const { id, factor } of opts.scaleRows ?? []) for (let j = 0; j < H; j++) embed[id * H + j]! *= factor;
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
  const config = {
    architectures: ['LlamaForCausalLM'],
    model_type: 'llama',
    hidden_size: H,
    intermediate_size: I,
    num_hidden_layers: L,
    num_attention_heads: heads,
    num_key_value_heads: kvHeads,
    head_dim: D,
    hidden_act: 'silu',
    max_position_embeddings: opts.maxPositionEmbeddings ?? 4096,
    rms_norm_eps: opts.rmsNormEps ?? 1e-5,
    rope_theta: opts.ropeTheta ?? 10000,
    tie_word_embeddings: true,
    vocab_size: V,
    ...(opts.tokenizerDir === undefined ? { bos_token_id: 256 } : {}),
    ...(eos.length > 0 ? { eos_token_id: eos.length === 1 ? eos[0] : eos } : {}),
    torch_dtype: 'float32',
  };
  const chatTemplate =
    "{{ bos_token }}{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}{% if add_generation_prompt %}assistant:{% endif %}";
  const json = (name: string, value: unknown) => writeFile(join(dir, name), `${JSON.stringify(value, null, 2)}\n`);
  await json('config.json', config);
  if (opts.tokenizerDir !== undefined) {
    await copyFile(join(opts.tokenizerDir, 'tokenizer.json'), join(dir, 'tokenizer.json'));
    await copyFile(join(opts.tokenizerDir, 'tokenizer_config.json'), join(dir, 'tokenizer_config.json'));
    if (eos.length > 0) await json('generation_config.json', { eos_token_id: eos });
  } else {
    await json('tokenizer.json', byteLevelTokenizerJson());
    await json('tokenizer_config.json', { bos_token: '<s>', eos_token: '</s>', model_max_length: config.max_position_embeddings, chat_template: chatTemplate, clean_up_tokenization_spaces: false });
    await json('generation_config.json', { bos_token_id: 256, eos_token_id: 257 });
  }
  return dir;
}
