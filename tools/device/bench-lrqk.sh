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
dev="$root/.device"
OUT="${OUT:-$dev/out}"
mkdir -p "$OUT"
export NO_COLOR=1
for f in node.xz lrqk_tensor.node.xz vitest.tar.xz; do
  [ -s "$dev/$f" ] || { echo "bench-lrqk: .device/$f is missing: run 'bash tools/device/pack.sh' first and carry ['.device']" >&2; exit 2; }
done
# Node 24, the CUDA addon and the runtime dependencies (zod for @lrqk/models), as gpu-suite.sh does.
mkdir -p /tmp/lrqk-bin /tmp/vt
[ -x /tmp/lrqk-bin/node ] || { xz -dc "$dev/node.xz" > /tmp/lrqk-bin/node && chmod +x /tmp/lrqk-bin/node; } || exit 2
xz -dc "$dev/lrqk_tensor.node.xz" > /tmp/lrqk-bin/lrqk_tensor.node || exit 2
[ -d /tmp/vt/node_modules/vitest ] || tar -xJf "$dev/vitest.tar.xz" -C /tmp/vt || exit 2
mkdir -p /tmp/vt/node_modules/@lrqk
for p in "$root"/packages/* "$root"/apps/*; do
  [ -f "$p/package.json" ] && ln -sfn "$p" "/tmp/vt/node_modules/@lrqk/$(basename "$p")"
done
linked=0
if [ ! -e node_modules ]; then ln -s /tmp/vt/node_modules node_modules; linked=1; fi
trap '[ "$linked" = 1 ] && rm -f "$root/node_modules"' EXIT
export PATH="/tmp/lrqk-bin:$PATH" LRQK_TENSOR_ADDON=/tmp/lrqk-bin/lrqk_tensor.node LRQK_BENCH_OUT="$OUT"
nvidia-smi --query-gpu=name,memory.total,memory.used --format=csv,noheader 2>&1 | tee "$OUT/bench-lrqk.txt"
free -g | head -2 | tee -a "$OUT/bench-lrqk.txt"
timeout "${LRQK_BENCH_TIMEOUT_S:-540}" node --conditions=source packages/models/bench/lrqk.bench.ts "$@" 2>&1 | tee -a "$OUT/bench-lrqk.txt"
exit "${PIPESTATUS[0]}"
