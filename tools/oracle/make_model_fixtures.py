#!/usr/bin/env python3
"""Reference fixtures from HF transformers (run on the GPU machine, which has torch + transformers).

For each case: a small random-weight checkpoint of a real architecture saved as a normal HF
directory (config.json + model.safetensors), plus reference.json with
  prompt (token ids), logits_f32 (every position, float32 on CPU), greedy_f32 (64 greedy ids),
  logits_bf16_last (bf16 on CUDA, last position), inv_freq + attention_scaling of the rotary
  embedding, and the transformers/torch versions. Our engine must match these (tests in
  packages/models). Usage: python3 tools/oracle/make_model_fixtures.py OUT_DIR
"""
import json
import os
import sys

import torch
import transformers
from transformers import AutoConfig, AutoModelForCausalLM

OUT = sys.argv[1] if len(sys.argv) > 1 else "packages/models/test/fixtures"

BASE = dict(hidden_size=64, intermediate_size=160, num_hidden_layers=2, num_attention_heads=4,
            num_key_value_heads=2, head_dim=16, vocab_size=320, max_position_embeddings=512,
            rms_norm_eps=1e-5, initializer_range=0.15, bos_token_id=1, eos_token_id=2)

CASES = [
    ("llama-gqa2", "llama", dict(rope_theta=10000.0)),
    ("llama-mha-tied", "llama", dict(num_key_value_heads=4, tie_word_embeddings=True, rope_theta=10000.0)),
    ("llama3-rope-gqa4", "llama", dict(num_attention_heads=8, num_key_value_heads=2, hidden_size=128, rope_theta=500000.0,
                                        rope_scaling=dict(rope_type="llama3", factor=8.0, low_freq_factor=1.0,
                                                          high_freq_factor=4.0, original_max_position_embeddings=64))),
    ("llama-bias-linear", "llama", dict(attention_bias=True, rope_theta=10000.0, rope_scaling=dict(rope_type="linear", factor=2.0))),
    ("qwen2-gqa7-yarn", "qwen2", dict(num_attention_heads=7, num_key_value_heads=1, hidden_size=112, rope_theta=1000000.0,
                                       max_position_embeddings=512,
                                       rope_scaling=dict(rope_type="yarn", factor=4.0, original_max_position_embeddings=128))),
    ("qwen2-tied", "qwen2", dict(tie_word_embeddings=True, rope_theta=1000000.0)),
    ("mistral-window", "mistral", dict(sliding_window=8, rope_theta=1000000.0)),
]

PROMPT = [1, 17, 200, 45, 3, 99, 150, 7, 300, 12, 64, 5, 88, 230]


def build(kind, overrides):
    kw = dict(BASE)
    kw.update(overrides)
    cfg = AutoConfig.for_model(kind, **kw)
    try:
        cfg._attn_implementation = "eager"
    except Exception:
        pass
    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_config(cfg, torch_dtype=torch.float32)
    model.eval()
    return model


def rope_info(model):
    rot = model.model.rotary_emb
    return rot.inv_freq.detach().float().cpu().tolist(), float(getattr(rot, "attention_scaling", 1.0))


def main():
    os.makedirs(OUT, exist_ok=True)
    index = []
    for name, kind, overrides in CASES:
        model = build(kind, overrides)
        d = os.path.join(OUT, name)
        model.save_pretrained(d, safe_serialization=True)
        ids = torch.tensor([PROMPT])
        with torch.no_grad():
            logits = model(ids).logits[0].float()
            gen = model.generate(ids, max_new_tokens=64, do_sample=False, min_new_tokens=64,
                                 pad_token_id=0, eos_token_id=None)[0, len(PROMPT):].tolist()
        bf16_last = None
        if torch.cuda.is_available():
            mb = model.to("cuda", dtype=torch.bfloat16)
            with torch.no_grad():
                bf16_last = mb(ids.cuda()).logits[0, -1].float().cpu().tolist()
        inv_freq, scaling = rope_info(model)
        ref = dict(prompt=PROMPT, logits_f32=logits.tolist(), greedy_f32=gen, logits_bf16_last=bf16_last,
                   inv_freq=inv_freq, attention_scaling=scaling, architecture=kind,
                   transformers=transformers.__version__, torch=torch.__version__)
        with open(os.path.join(d, "reference.json"), "w") as f:
            json.dump(ref, f)
        index.append(name)
        print(f"{name}: {kind}, {sum(p.numel() for p in model.parameters())} params, greedy {gen[:8]}...", flush=True)
    with open(os.path.join(OUT, "index.json"), "w") as f:
        json.dump(dict(cases=index, transformers=transformers.__version__, torch=torch.__version__), f, indent=1)


if __name__ == "__main__":
    main()
