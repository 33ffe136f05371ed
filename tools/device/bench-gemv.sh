#!/usr/bin/env bash
# Runs ON the GPU machine, from the repo root, with .device/ carried (tools/device/pack.sh first):
# the GEMV tuning sweep (packages/tensor/bench/gemv-sweep.ts: every kernel shape of
# matmul_gemv.cuh on the Llama-3-8B decode shapes, checked against float64, timed against the
# HBM copy of the same run). Table to stdout and $OUT/gemv-sweep.md.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
# shellcheck source=tools/device/env.sh
source "$root/tools/device/env.sh"
lrqk_device_script bench-gemv "$root" || exit 2
timeout "${LRQK_BENCH_TIMEOUT_S:-150}" node --conditions=source packages/tensor/bench/gemv-sweep.ts 2>&1 | tee "$OUT/gemv-sweep.md"
exit "${PIPESTATUS[0]}"
