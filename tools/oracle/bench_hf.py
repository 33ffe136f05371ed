#!/usr/bin/env python3
"""HF transformers side of the decode benchmark (run on the GPU machine: torch + transformers).

Same protocol as packages/models/bench/decode.bench.ts, on the same checkpoint directory:
AutoModelForCausalLM in bf16 with sdpa attention on cuda, batch 1. For each context: a random
token prompt of that length, one prefill forward (logits_to_keep=1, so no (T, vocab) logits),
timed with torch.cuda.synchronize; then greedy decode with the DynamicCache: warm-up steps, then
timed steps (each step's token read back with .item(), as a generation loop does); peak memory from
torch.cuda.max_memory_allocated / max_memory_reserved, reset between contexts. A failure (out of
memory or any other) is recorded with its error and the next context still runs.
With LRQK_PREFILL_PROFILE=1, CUDA events bracket every scaled_dot_product_attention call of the
prefill, and its attention time is reported next to the total (as decode.bench.ts does for lrqk).

  python3 tools/oracle/bench_hf.py --model DIR [--contexts 8192,32768,131072] [--decode-steps 32]
      [--warmup-steps 2] [--bandwidth 3.0e12] [--out FILE]     (default $LRQK_BENCH_OUT/decode-hf.json)
"""
import argparse
import json
import os
import socket
import sys
import time
from datetime import datetime, timezone


def parse_count(text):
    t = text.strip().lower()
    n = int(t[:-1]) * 1024 if t.endswith("k") else int(t)
    if n < 1:
        raise ValueError(text)
    return n


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model", required=True)
    p.add_argument("--contexts", default="8192,32768,131072")
    p.add_argument("--decode-steps", type=int, default=32)
    p.add_argument("--warmup-steps", type=int, default=2)
    p.add_argument("--bandwidth", type=float, default=3.0e12)
    p.add_argument("--seed", type=int, default=0)
    out_dir = os.environ.get("LRQK_BENCH_OUT")
    p.add_argument("--out", default=os.path.join(out_dir, "decode-hf.json") if out_dir else "decode-hf.json")
    a = p.parse_args(argv)
    try:
        a.contexts = [parse_count(c) for c in a.contexts.split(",")]
    except ValueError:
        p.error(f"--contexts: expected positive integers (k = 1024), got {a.contexts!r}")
    if a.decode_steps < 1 or a.warmup_steps < 0:
        p.error("--decode-steps must be >= 1 and --warmup-steps >= 0")
    return a


def floor_ms(weight_bytes, kv_bytes_per_token, positions, bandwidth):
    return (weight_bytes + kv_bytes_per_token * positions) / bandwidth * 1e3


class SdpaTimer:
    """Wraps torch.nn.functional.scaled_dot_product_attention (looked up at call time by
    transformers' sdpa attention) so that events bracket each call while `active`."""

    def __init__(self, torch):
        self.torch = torch
        self.inner = torch.nn.functional.scaled_dot_product_attention
        self.pairs = []
        self.active = False
        timer = self

        def timed(*args, **kwargs):
            if not timer.active:
                return timer.inner(*args, **kwargs)
            a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            a.record()
            out = timer.inner(*args, **kwargs)
            b.record()
            timer.pairs.append((a, b))
            return out

        torch.nn.functional.scaled_dot_product_attention = timed

    def collect(self):
        self.torch.cuda.synchronize()
        ms = sum(a.elapsed_time(b) for a, b in self.pairs)
        n = len(self.pairs)
        self.pairs = []
        return ms, n


def write_report(a, base, cases):
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out, "w") as f:
        json.dump({**base, "cases": cases, "date": datetime.now(timezone.utc).isoformat()}, f, indent=2)


def main(argv):
    a = parse_args(argv)
    import torch
    import transformers
    from transformers import AutoModelForCausalLM

    if not torch.cuda.is_available():
        print("bench_hf: no CUDA device", file=sys.stderr)
        return 2
    dev = torch.device("cuda")
    t0 = time.perf_counter()
    try:  # straight onto the GPU when this transformers can; else load on the CPU and move
        model = AutoModelForCausalLM.from_pretrained(a.model, dtype=torch.bfloat16, attn_implementation="sdpa", device_map="cuda")
    except (ImportError, ValueError, TypeError) as e:
        print(f"bench_hf: device_map='cuda' failed ({e}); loading on the CPU first", file=sys.stderr)
        model = AutoModelForCausalLM.from_pretrained(a.model, dtype=torch.bfloat16, attn_implementation="sdpa").to(dev)
    model.eval()
    torch.cuda.synchronize()
    load_ms = (time.perf_counter() - t0) * 1e3
    cfg = model.config
    head_dim = getattr(cfg, "head_dim", None) or cfg.hidden_size // cfg.num_attention_heads
    kv_bytes_per_token = 2 * cfg.num_hidden_layers * cfg.num_key_value_heads * head_dim * 2
    params = sum(p.numel() for p in model.parameters())
    embed = model.get_input_embeddings().weight
    # A decode step reads every weight except the embedding table (one row); tied lm_head counts once.
    tied = model.get_output_embeddings().weight.data_ptr() == embed.data_ptr()
    weight_bytes = params * 2 - (0 if tied else embed.numel() * 2)
    extra = a.warmup_steps + a.decode_steps + 1
    gen = torch.Generator(device="cpu").manual_seed(a.seed)
    report_base = {
        "bench": "decode", "implementation": f"hf-transformers {transformers.__version__} (torch {torch.__version__}, sdpa, DynamicCache)",
        "model": os.path.basename(os.path.normpath(a.model)), "device": torch.cuda.get_device_name(0), "dtype": "bf16",
        "parameters": params, "weightBytesPerStep": weight_bytes, "kvBytesPerToken": kv_bytes_per_token,
        "bandwidthBytesPerS": a.bandwidth, "decodeSteps": a.decode_steps, "prefillChunkTokens": None, "loadMs": load_ms,
        "host": socket.gethostname(),
    }
    cases = []
    timer = SdpaTimer(torch) if os.environ.get("LRQK_PREFILL_PROFILE") == "1" else None
    for ctx in a.contexts:
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
        case = {"contextTokens": ctx}
        try:
            ids = torch.randint(0, cfg.vocab_size, (1, ctx), generator=gen).to(dev)
            with torch.inference_mode():
                torch.cuda.synchronize()
                p0 = time.perf_counter()
                if timer:
                    timer.active = True
                out = model(input_ids=ids, use_cache=True, logits_to_keep=1)
                torch.cuda.synchronize()
                prefill_ms = (time.perf_counter() - p0) * 1e3
                if timer:
                    timer.active = False
                    attn_ms, calls = timer.collect()
                    n, hq, d = ctx, cfg.num_attention_heads, head_dim
                    tflops = 4 * d * hq * cfg.num_hidden_layers * n * (n + 1) / 2 / (attn_ms * 1e9)
                    case["prefillAttentionMs"] = attn_ms
                    print(f"hf context {ctx}: prefill attention {attn_ms / 1e3:.2f} s of {prefill_ms / 1e3:.2f} ({calls} calls, "
                          f"{tflops:.0f} TFLOP/s), the rest {(prefill_ms - attn_ms) / 1e3:.2f} s", file=sys.stderr, flush=True)
                pkv = out.past_key_values
                nxt = out.logits[:, -1].argmax(-1).item()
                del out
                pos = ctx

                def step(token, pos, pkv):
                    o = model(input_ids=torch.tensor([[token]], device=dev), past_key_values=pkv, use_cache=True,
                              cache_position=torch.tensor([pos], device=dev), logits_to_keep=1)
                    return o.logits[:, -1].argmax(-1).item(), o.past_key_values

                for _ in range(a.warmup_steps):
                    nxt, pkv = step(nxt, pos, pkv)
                    pos += 1
                torch.cuda.synchronize()
                d0 = time.perf_counter()
                for _ in range(a.decode_steps):
                    nxt, pkv = step(nxt, pos, pkv)
                    pos += 1
                torch.cuda.synchronize()
                decode_ms = (time.perf_counter() - d0) * 1e3 / a.decode_steps
            mean_pos = ctx + a.warmup_steps + (a.decode_steps + 1) / 2
            fl = floor_ms(weight_bytes, kv_bytes_per_token, mean_pos, a.bandwidth)
            case.update(prefillMs=prefill_ms, prefillTokensPerS=ctx / prefill_ms * 1e3, decodeMsPerToken=decode_ms,
                        bytesPerStep=weight_bytes + kv_bytes_per_token * mean_pos, floorMsPerToken=fl,
                        floorRatio=decode_ms / fl, peakAllocatedBytes=torch.cuda.max_memory_allocated(),
                        peakReservedBytes=torch.cuda.max_memory_reserved())
            print(f"hf context {ctx}: prefill {prefill_ms / 1e3:.2f} s ({ctx / prefill_ms * 1e3:.0f} tokens/s), "
                  f"decode {decode_ms:.2f} ms/token (floor {fl:.2f}, ratio {decode_ms / fl:.2f})", file=sys.stderr, flush=True)
        except torch.cuda.OutOfMemoryError as e:
            case.update(error=f"out of memory: {str(e).splitlines()[0]}")
            print(f"hf context {ctx}: OUT OF MEMORY", file=sys.stderr, flush=True)
        except Exception as e:  # recorded, so the other contexts still run and the JSON says why
            case.update(error=f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}")
            print(f"hf context {ctx}: FAILED: {case['error']}", file=sys.stderr, flush=True)
        finally:
            pkv = None
            torch.cuda.empty_cache()
        for k in ("prefillMs", "prefillTokensPerS", "decodeMsPerToken", "bytesPerStep", "floorMsPerToken", "floorRatio",
                  "peakAllocatedBytes", "peakReservedBytes"):
            case.setdefault(k, None)
        cases.append(case)
        # Results so far survive a time limit that stops a later, longer context.
        write_report(a, report_base, cases)
    write_report(a, report_base, cases)
    print(f"wrote {a.out}", file=sys.stderr)
    return 1 if any("error" in c for c in cases) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
