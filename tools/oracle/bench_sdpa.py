#!/usr/bin/env python3
"""PyTorch's causal attention kernels as the peer of lrqk's prefill attention (GPU machine).

Times torch.nn.functional.scaled_dot_product_attention, bf16, batch 1, 32 query / 8 KV heads,
D = 128 (Llama-3.1-8B), causal, for each SDPA backend this torch has (default choice, flash,
cuDNN, memory-efficient), at the sequence lengths given; prints TFLOP/s (4·D per query head and
visible key) and writes JSON. The same shapes as `bench:tensor`'s prefill rows.

  python3 tools/oracle/bench_sdpa.py [--lengths 8192,32768] [--reps 10] [--out FILE]
"""
import argparse
import contextlib
import json
import os
import sys
from datetime import datetime, timezone


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--lengths", default="8192,32768")
    p.add_argument("--reps", type=int, default=10)
    out_dir = os.environ.get("LRQK_BENCH_OUT")
    p.add_argument("--out", default=os.path.join(out_dir, "sdpa.json") if out_dir else "sdpa.json")
    a = p.parse_args(argv)
    import torch
    from torch.nn.attention import SDPBackend, sdpa_kernel
    import torch.nn.functional as F

    if not torch.cuda.is_available():
        print("bench_sdpa: no CUDA device", file=sys.stderr)
        return 2
    backends = [("default", None)]
    for name in ("FLASH_ATTENTION", "CUDNN_ATTENTION", "EFFICIENT_ATTENTION"):
        if hasattr(SDPBackend, name):
            backends.append((name.lower(), getattr(SDPBackend, name)))
    hq, hk, d = 32, 8, 128
    rows = []
    for n in [int(x) for x in a.lengths.split(",")]:
        g = torch.Generator(device="cuda").manual_seed(n)
        q = torch.randn(1, hq, n, d, device="cuda", dtype=torch.bfloat16, generator=g)
        k = torch.randn(1, hk, n, d, device="cuda", dtype=torch.bfloat16, generator=g)
        v = torch.randn(1, hk, n, d, device="cuda", dtype=torch.bfloat16, generator=g)
        flops = 4 * d * hq * n * (n + 1) / 2
        for name, be in backends:
            row = {"length": n, "backend": name}
            try:
                def call():
                    return F.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=True)
                ctx = sdpa_kernel([be]) if be is not None else contextlib.nullcontext()
                with torch.inference_mode(), ctx:
                    call()  # warm-up (and the backend's own setup)
                    torch.cuda.synchronize()
                    e0, e1 = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                    e0.record()
                    for _ in range(a.reps):
                        call()
                    e1.record()
                    torch.cuda.synchronize()
                ms = e0.elapsed_time(e1) / a.reps
                row.update(ms=ms, tflops=flops / (ms * 1e9))
                print(f"sdpa {name:20s} n={n:6d}: {ms:8.3f} ms  {flops / (ms * 1e9):6.1f} TFLOP/s", file=sys.stderr, flush=True)
            except Exception as e:  # a backend this torch / GPU / shape cannot run
                row.update(error=f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}")
                print(f"sdpa {name:20s} n={n:6d}: unavailable ({row['error'][:120]})", file=sys.stderr, flush=True)
            rows.append(row)
        del q, k, v
        torch.cuda.empty_cache()
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out, "w") as f:
        json.dump({"bench": "sdpa", "torch": torch.__version__, "device": torch.cuda.get_device_name(0),
                   "date": datetime.now(timezone.utc).isoformat(), "rows": rows}, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
