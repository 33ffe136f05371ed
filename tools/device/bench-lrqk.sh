#!/usr/bin/env bash
# Runs ON the GPU machine, from the repo root, with .device/ carried (tools/device/pack.sh first):
# `pnpm bench:lrqk` without pnpm — full, offload and LRQK (both slot layouts) on a random-weight
# Llama-3.1-8B-shaped bf16 model built on the device. Arguments go to the bench (see --help), e.g.
#   bash tools/device/bench-lrqk.sh                                   # 8 layers, 32K and 128K
#   bash tools/device/bench-lrqk.sh --contexts 512K --layers 2 --methods offload,lrqk-kv,lrqk-qh
# The table goes to stdout and $OUT/bench-lrqk.txt, the JSON to $OUT/lrqk-bench.json and a Markdown
# report (for docs/benchmarks/lrqk.md) to $OUT/lrqk-bench.md.
# Env: OUT (default .device/out), LRQK_BENCH_TIMEOUT_S (default 540).
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
# shellcheck source=tools/device/env.sh
source "$root/tools/device/env.sh"
lrqk_device_script bench-lrqk "$root" || exit 2
export LRQK_BENCH_OUT="$OUT"
nvidia-smi --query-gpu=name,memory.total,memory.used --format=csv,noheader 2>&1 | tee "$OUT/bench-lrqk.txt"
free -g | head -2 | tee -a "$OUT/bench-lrqk.txt"
timeout "${LRQK_BENCH_TIMEOUT_S:-540}" node --conditions=source packages/models/bench/lrqk.bench.ts "$@" 2>&1 | tee -a "$OUT/bench-lrqk.txt"
exit "${PIPESTATUS[0]}"
