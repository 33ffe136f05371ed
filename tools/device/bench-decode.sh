#!/usr/bin/env bash
# Decode benchmark, lrqk vs HF transformers, on one random-weight checkpoint of a real shape.
# Runs ON the GPU machine from the repo root, after `bash tools/device/pack.sh` here:
#
#   run: { "command": "bash tools/device/bench-decode.sh", "carry": [".device"], "timeout_s": 600 }
#
# Steps (each with its own time limit; partial JSON survives a limit):
#   1. Node 24, the CUDA addon and the packed modules from .device/ (as gpu-suite.sh does);
#   2. `lrqk synth --like $LIKE --no-tokenizer` into $DIR/$LIKE (bf16; reused when already there);
#   3. packages/models/bench/decode.bench.ts  -> $OUT/decode.json     (lrqk, full attention)
#   4. tools/oracle/bench_hf.py               -> $OUT/decode-hf.json  (transformers, sdpa, bf16)
#   5. packages/models/bench/decode-compare.ts -> $OUT/decode-table.md, printed last.
#
# Env (defaults): OUT (.device/out), LRQK_BENCH_LIKE (llama-3.1-8b), LRQK_BENCH_DIR (/tmp/lrqk-bench),
# LRQK_BENCH_CONTEXTS (8192,32768,131072), LRQK_BENCH_DECODE (32), LRQK_BENCH_SYNTH_ARGS (extra
# `lrqk synth` flags, e.g. "--layers 2" for a smoke test), LRQK_BENCH_LAYERS (layers, also for the
# fallback writer decode-synth.ts), LRQK_BENCH_DEVICE (auto),
# LRQK_BENCH_SYNTH_TIMEOUT_S (180), LRQK_BENCH_LRQK_TIMEOUT_S (240), LRQK_BENCH_HF_TIMEOUT_S (240),
# LRQK_BENCH_SKIP_HF=1 (no torch, e.g. a CPU smoke test of this script), LRQK_BENCH_TOOLS (/tmp: where
# Node and the packed modules are unpacked).
# Exit status: 0 when both benchmarks completed every context, else the first failure's.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
OUT="${OUT:-$root/.device/out}"
LIKE="${LRQK_BENCH_LIKE:-llama-3.1-8b}"
DIR="${LRQK_BENCH_DIR:-/tmp/lrqk-bench}"
CONTEXTS="${LRQK_BENCH_CONTEXTS:-8192,32768,131072}"
DECODE="${LRQK_BENCH_DECODE:-32}"
model="$DIR/$LIKE"
mkdir -p "$OUT" "$DIR"
export NO_COLOR=1 LRQK_BENCH_OUT="$OUT"
say() { printf '== %s\n' "$*" >&2; }

# 1. Node 24, the CUDA addon and the packed modules, as gpu-suite.sh does — unless this machine
# already has Node >= 22 and node_modules (the dev machine, for a smoke test of this script).
node_major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
if [ "$node_major" -lt 22 ] || [ ! -d node_modules ]; then
  # shellcheck source=tools/device/env.sh
  source "$root/tools/device/env.sh"
  LRQK_DEVICE_TOOLS="${LRQK_BENCH_TOOLS:-/tmp}" lrqk_device_env bench-decode "$root" || exit 2
  trap lrqk_device_cleanup EXIT
fi
say "$(date -u +%FT%TZ) bench-decode on $(uname -n): node $(node --version), $LIKE, contexts $CONTEXTS, $DECODE decode steps"
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader 2>/dev/null | sed 's/^/   gpu: /' >&2 || true

# 2. The checkpoint (random bf16 weights, the real config). Reused when a previous run wrote it.
if [ -s "$model/config.json" ] && [ -s "$model/lrqk-synth.json" ]; then
  say "reusing $model"
else
  rm -rf "$model"
  synth_args="${LRQK_BENCH_SYNTH_ARGS:-}${LRQK_BENCH_LAYERS:+ --layers $LRQK_BENCH_LAYERS}"
  say "lrqk synth --like $LIKE --out $model --no-tokenizer$synth_args"
  # shellcheck disable=SC2086
  timeout "${LRQK_BENCH_SYNTH_TIMEOUT_S:-180}" node --conditions=source apps/cli/src/main.ts synth --like "$LIKE" --out "$model" --no-tokenizer $synth_args
  rc=$?
  if [ $rc -ne 0 ] && [ $rc -ne 124 ]; then
    # The CLI loads every command's module; one missing from the pack stops it. @lrqk/models alone suffices.
    echo "bench-decode: lrqk synth failed (rc $rc); writing the checkpoint with packages/models/bench/decode-synth.ts" >&2
    rm -rf "$model"
    layers=()
    [ -n "${LRQK_BENCH_LAYERS:-}" ] && layers=(--layers "$LRQK_BENCH_LAYERS")
    timeout "${LRQK_BENCH_SYNTH_TIMEOUT_S:-180}" node --conditions=source packages/models/bench/decode-synth.ts "$LIKE" "$model" "${layers[@]}"
    rc=$?
  fi
  if [ $rc -ne 0 ]; then
    echo "bench-decode: writing the checkpoint failed (rc $rc)" >&2
    rm -rf "$model"
    exit $rc
  fi
fi

# 3. lrqk.
say "lrqk decode bench"
timeout "${LRQK_BENCH_LRQK_TIMEOUT_S:-240}" node --conditions=source packages/models/bench/decode.bench.ts \
  --model "$model" --contexts "$CONTEXTS" --decode-steps "$DECODE" --device "${LRQK_BENCH_DEVICE:-auto}" --out "$OUT/decode.json"
ours_rc=$?

# 4. HF transformers on the same directory.
hf_rc=skipped
if [ "${LRQK_BENCH_SKIP_HF:-}" != 1 ]; then
  say "HF transformers decode bench"
  timeout "${LRQK_BENCH_HF_TIMEOUT_S:-240}" python3 tools/oracle/bench_hf.py \
    --model "$model" --contexts "$CONTEXTS" --decode-steps "$DECODE" --out "$OUT/decode-hf.json"
  hf_rc=$?
fi

# 5. One table, last.
say "combined (lrqk rc $ours_rc, hf rc $hf_rc)"
if [ -s "$OUT/decode.json" ]; then
  node --conditions=source packages/models/bench/decode-compare.ts "$OUT/decode.json" "$OUT/decode-hf.json" | tee "$OUT/decode-table.md"
else
  echo "bench-decode: no $OUT/decode.json (the lrqk bench failed before its first context)" >&2
fi
[ "$ours_rc" != 0 ] && exit "$ours_rc"
case "$hf_rc" in 0 | skipped) exit 0 ;; *) exit "$hf_rc" ;; esac
