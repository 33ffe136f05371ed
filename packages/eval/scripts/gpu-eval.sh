#!/usr/bin/env bash
# Runs ON the GPU machine, from the repo root, with .device/ carried (bash tools/device/pack.sh
# first, as for tools/device/bench-lrqk.sh): `lrqk eval ruler`, `ppl` and `fidelity` on CUDA for a
# model directory (default: the embedded demo model), without plots (vega and resvg are not in the
# device toolchain). Results and reports go to $OUT/eval-<kind>/; back on the dev machine,
# `lrqk eval report DIR` rewrites each report with its SVG/PNG plots and prints the table.
#   bash packages/eval/scripts/gpu-eval.sh [MODEL_DIR]
# Env (defaults in brackets): OUT [.device/out], ATTENTION [full,lrqk], LENGTHS [1k,2k,4k,8k],
# TASKS [niah_single_1,niah_single_2,niah_multikey_1,vt], COUNT [5],
# PPL_LENGTHS [1k,4k], PPL_WINDOWS [16], FIDELITY_ATTENTION [lrqk], FIDELITY_LENGTHS [4k,8k],
# STEP_TIMEOUT_S [170] (each of the three runs; a run cut by it keeps its finished items, and
# rerunning resumes where it stopped; `lrqk eval report DIR` then reports what finished).
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
cd "$root"
model="${1:-assets/lrqk-demo-model}"
# shellcheck source=tools/device/env.sh
source "$root/tools/device/env.sh"
lrqk_device_script gpu-eval "$root" || exit 2
log="$OUT/gpu-eval.txt"
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader 2>&1 | tee "$log"
t="${STEP_TIMEOUT_S:-170}"
lrqk() { timeout "$t" node --conditions=source apps/cli/src/main.ts "$@" 2>&1 | tee -a "$log"; return "${PIPESTATUS[0]}"; }
status=0
lrqk eval ruler --model "$model" --device cuda --no-plots --out "$OUT/eval-ruler" \
  --attention "${ATTENTION:-full,lrqk}" --lengths "${LENGTHS:-1k,2k,4k,8k}" \
  --tasks "${TASKS:-niah_single_1,niah_single_2,niah_multikey_1,vt}" --count "${COUNT:-5}" || status=1
lrqk eval ppl --model "$model" --device cuda --no-plots --out "$OUT/eval-ppl" \
  --attention "${ATTENTION:-full,lrqk}" --lengths "${PPL_LENGTHS:-1k,4k}" --windows "${PPL_WINDOWS:-16}" || status=1
lrqk eval fidelity --model "$model" --device cuda --no-plots --out "$OUT/eval-fidelity" \
  --attention "${FIDELITY_ATTENTION:-lrqk}" --lengths "${FIDELITY_LENGTHS:-4k,8k}" --count 2 || status=1
exit "$status"
