#!/usr/bin/env python3
"""Exact top-k hit rates of a random-weight model, measured by PyTorch (independent of lrqk's code).

Why: LRQK's decode moves the rows of its top-k selection that were not selected at the previous
step. How many that is depends on how alike consecutive decode queries are, which is a property of
the weights and of the decoded tokens, not of the implementation. This script measures it with
*exact* attention scores (LRQK's proxy scores approximate them), on the same kind of model the
benchmarks use: a Llama-3.1-8B-shaped LlamaForCausalLM with random weights (normal, std 0.02 as
lrqk synth writes them), bf16, built on the GPU from its config (no download).

For each decode step t and layer l it takes the post-RoPE queries q (H, D) and the cached keys K
(Hkv, n, D), scores s = q·Kᵀ, and selects the top-k among the candidates [0, n − lite) per query
head ("per-query-head") and per KV head with the group's scores combined by max ("per-kv-head",
lrqk's default). Reported per layer:
  hit rate      |S_t ∩ S_{t−1}| / k  (what LRQK's hit/miss mechanism can keep), over the steps;
  speculation   |S̃_t ∩ S_t| / k, where S̃ uses layer l's query predicted from layer l−1's input
                (InfiniGen-style: W_q^l · RMSNorm^l(h_{l−1}), rotated at the same position), i.e.
                how much of a layer's selection could be prefetched one layer ahead.
Decode inputs: `random` (fresh random token ids, as bench:lrqk), `greedy` (the model's own argmax)
and `repeat` (the prompt's last token every step).

  python3 tools/oracle/hit_rate_oracle.py [--context 131072] [--layers 8] [--top-k 2048] [--lite 64]
      [--steps 16] [--inputs random,greedy,repeat] [--out FILE]
"""
import argparse
import json
import os
import socket
import time
from datetime import datetime, timezone


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--context", type=int, default=131072)
    p.add_argument("--layers", type=int, default=8)
    p.add_argument("--top-k", type=int, default=2048)
    p.add_argument("--lite", type=int, default=64)
    p.add_argument("--steps", type=int, default=16)
    p.add_argument("--inputs", default="random,greedy,repeat")
    p.add_argument("--seed", type=int, default=0)
    out_dir = os.environ.get("LRQK_BENCH_OUT", ".")
    p.add_argument("--out", default=os.path.join(out_dir, "hit-rate-oracle.json"))
    return p.parse_args()


LLAMA_31_8B = dict(
    vocab_size=128256, hidden_size=4096, intermediate_size=14336, num_attention_heads=32,
    num_key_value_heads=8, head_dim=128, rms_norm_eps=1e-5, rope_theta=500000.0,
    max_position_embeddings=131072, tie_word_embeddings=False,
    rope_scaling=dict(rope_type="llama3", factor=8.0, low_freq_factor=1.0, high_freq_factor=4.0,
                      original_max_position_embeddings=8192),
)


def build_model(layers, seed):
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM
    cfg = LlamaConfig(**LLAMA_31_8B, num_hidden_layers=layers, initializer_range=0.02)
    cfg._attn_implementation = "sdpa"
    torch.manual_seed(seed)
    with torch.device("cuda"):
        model = LlamaForCausalLM(cfg).to(torch.bfloat16)
    # Same distribution as `lrqk synth`: every matrix N(0, 0.02), norms 1.
    with torch.no_grad():
        for name, w in model.named_parameters():
            if w.dim() >= 2:
                w.normal_(0.0, 0.02)
            else:
                w.fill_(1.0)
    return model.eval()


def topk_sets(scores, k, candidates):
    """scores (heads, n) → (heads, k) indices of the top-k among [0, candidates)."""
    import torch
    return torch.topk(scores[:, :candidates].float(), k, dim=-1).indices


def overlap(a, b, n):
    """Mean over heads of |a ∩ b| / k, for index sets a, b (heads, k) below n."""
    import torch
    heads, k = a.shape
    ma = torch.zeros(heads, n, dtype=torch.bool, device=a.device)
    ma.scatter_(1, a, True)
    return float(ma.gather(1, b).float().sum(dim=1).div(k).mean())


def main():
    a = parse_args()
    import torch
    from transformers.models.llama.modeling_llama import apply_rotary_pos_emb
    torch.backends.cuda.matmul.allow_tf32 = True
    t0 = time.time()
    model = build_model(a.layers, a.seed)
    cfg = model.config
    H, Hkv, D = cfg.num_attention_heads, cfg.num_key_value_heads, cfg.head_dim
    G = H // Hkv
    layers = model.model.layers
    gen = torch.Generator(device="cuda").manual_seed(a.seed + 1)

    # Per step: each layer's residual input and post-RoPE query (hooks on the decoder layers).
    captured = {}

    def layer_hook(idx):
        def hook(module, args, kwargs):
            h = args[0] if args else kwargs["hidden_states"]
            captured[("h", idx)] = h.detach()
            pe = kwargs.get("position_embeddings")
            if pe is None:  # passed positionally: the (cos, sin) tuple
                pe = next(x for x in args[1:] if isinstance(x, tuple) and len(x) == 2)
            captured[("pe", idx)] = pe
        return hook

    handles = [layer.register_forward_pre_hook(layer_hook(i), with_kwargs=True) for i, layer in enumerate(layers)]

    def rotated_query(idx, h):
        """Layer idx's post-RoPE query (H, D) for residual stream h (1, 1, hidden)."""
        layer = layers[idx]
        x = layer.input_layernorm(h)
        q = layer.self_attn.q_proj(x).view(1, 1, H, D).transpose(1, 2)
        cos, sin = captured[("pe", idx)]
        q, _ = apply_rotary_pos_emb(q, q, cos, sin)
        return q[0, :, 0, :]

    results = {}
    for mode in a.inputs.split(","):
        prompt = torch.randint(0, cfg.vocab_size, (1, a.context), device="cuda", generator=gen)
        with torch.no_grad():
            out = model(input_ids=prompt, use_cache=True, logits_to_keep=1)
        cache = out.past_key_values
        token = prompt[:, -1:]
        prev = {}  # (layer, layout) → previous selection
        hits = {}
        spec = {}
        for step in range(a.steps + 1):
            if mode == "random":
                token = torch.randint(0, cfg.vocab_size, (1, 1), device="cuda", generator=gen)
            elif mode == "greedy" and step > 0:
                token = out.logits[:, -1:].argmax(-1)
            with torch.no_grad():
                out = model(input_ids=token, past_key_values=cache, use_cache=True)
                n = a.context + step + 1
                cand = n - a.lite
                for l in range(a.layers):
                    q = rotated_query(l, captured[("h", l)])  # (H, D)
                    keys = cache.layers[l].keys[0] if hasattr(cache, "layers") else cache.key_cache[l][0]
                    keys = keys[:, :n]  # (Hkv, n, D)
                    s = torch.einsum("hgd,hnd->hgn", q.view(Hkv, G, D).float(), keys.float())  # (Hkv, G, n)
                    sel = {"per-query-head": topk_sets(s.reshape(H, n), a.top_k, cand),
                           "per-kv-head": topk_sets(s.amax(dim=1), a.top_k, cand)}
                    if l > 0:
                        qs = rotated_query(l, captured[("h", l - 1)])
                        ss = torch.einsum("hgd,hnd->hgn", qs.view(Hkv, G, D).float(), keys.float())
                        pred = {"per-query-head": topk_sets(ss.reshape(H, n), a.top_k, cand),
                                "per-kv-head": topk_sets(ss.amax(dim=1), a.top_k, cand)}
                    for layout, cur in sel.items():
                        key = (l, layout)
                        if step > 0:
                            hits.setdefault(key, []).append(overlap(prev[key], cur, n))
                            if l > 0:
                                spec.setdefault(key, []).append(overlap(pred[layout], cur, n))
                        prev[key] = cur
        del cache, out
        torch.cuda.empty_cache()
        per_layer = {}
        for layout in ("per-kv-head", "per-query-head"):
            per_layer[layout] = [{
                "layer": l,
                "hit_rate": sum(hits[(l, layout)]) / len(hits[(l, layout)]),
                **({"speculation": sum(spec[(l, layout)]) / len(spec[(l, layout)])} if l > 0 else {}),
            } for l in range(a.layers)]
        results[mode] = per_layer
        for layout, rows in per_layer.items():
            hr = sum(r["hit_rate"] for r in rows) / len(rows)
            sp = [r["speculation"] for r in rows if "speculation" in r]
            hrs = ", ".join(f"{r['hit_rate']:.3f}" for r in rows)
            sps = ", ".join(f"{x:.3f}" for x in sp)
            print(f"{mode:7s} {layout:15s} hit rate {hr:.3f} (layers {hrs}); speculation {sum(sp) / len(sp):.3f} (layers 1..: {sps})", flush=True)
    for h in handles:
        h.remove()
    doc = {
        "what": "exact top-k hit rate between consecutive decode steps, and one-layer-ahead speculation overlap",
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "host": socket.gethostname(),
        "device": torch.cuda.get_device_name(0),
        "torch": torch.__version__,
        "model": "llama-3.1-8b shape, random N(0, 0.02) weights, bf16",
        "context": a.context, "layers": a.layers, "top_k": a.top_k, "lite": a.lite, "steps": a.steps,
        "seconds": round(time.time() - t0, 1),
        "results": results,
    }
    with open(a.out, "w") as f:
        json.dump(doc, f, indent=1)
    print(f"wrote {a.out} ({doc['seconds']} s)")


if __name__ == "__main__":
    main()
