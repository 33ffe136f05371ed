#!/usr/bin/env bash
# Runs ON the GPU machine: everything that belongs to one evidence run, in one call (device time is
# scarce and each start costs a minute): the CUDA test suites (gpu-all.sh: tensor + kv-cache +
# lowrank + models + engine, tensor benchmarks), bench:lrqk (tools/device/bench-lrqk.sh) and
# bench:decode with HF transformers (tools/device/bench-decode.sh) and the SDPA kernel peer. Each stage has its own time
# limit, so a slow stage cannot starve the next. At most 8 files come back: every stage's files go
# into $OUT/results.tar.xz, and the reports worth reading at once are copied beside it.
#   run: { "command": "bash tools/device/gpu-final.sh", "carry": [".device"], "timeout_s": 600 }
# Env: LRQK_FINAL_STAGES (default "tests lrqk decode"; also "gemv", the GEMV tuning sweep, and
# "lrqk-eager", LRQK at 128K decoded op by op, LRQK_CUDA_GRAPHS=0, to show what the graph saves;
# "lrqk-profile", the same with LRQK_PROFILE=1: device time of each phase of the decode step;
# "lrqk-repeat", full and LRQK at 128K fed one repeated token id: a high hit rate; "lrqk-512k",
# full, offload and LRQK (shared layout) at 512K over 2 layers; "oracle", tools/oracle/hit_rate_oracle.py:
# exact top-k hit rates of the same random model in PyTorch),
# per-stage limits LRQK_FINAL_TESTS_S (150), LRQK_FINAL_LRQK_S (170), LRQK_FINAL_DECODE_S (240),
# LRQK_FINAL_GEMV_S (120), LRQK_FINAL_EAGER_S (100), LRQK_FINAL_512K_S (240), LRQK_FINAL_ORACLE_S (90).
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
final_out="${OUT:-$root/.device/out}"
work=/tmp/lrqk-final
rm -rf "$work" && mkdir -p "$work" "$final_out"
stages="${LRQK_FINAL_STAGES:-tests lrqk decode}"
summary="$final_out/summary.txt"
: > "$summary"
note() { printf '%s\n' "$*" | tee -a "$summary"; }
note "== gpu-final $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(nvidia-smi -L 2>/dev/null | head -n 1)"

for stage in $stages; do
  mkdir -p "$work/$stage"
  t0=$(date +%s)
  case "$stage" in
    tests)
      OUT="$work/tests" LRQK_TEST_TIMEOUT_S=120 LRQK_BENCH_TIMEOUT_S=90 LRQK_PKG_TIMEOUT_S=100 \
        timeout "${LRQK_FINAL_TESTS_S:-150}" bash tools/device/gpu-all.sh > "$work/tests/all.log" 2>&1
      rc=$?
      grep -hE "^tests:|FAIL|×" "$work/tests/all.log" | head -30 | tee -a "$summary"
      ;;
    lrqk)
      OUT="$work/lrqk" LRQK_BENCH_TIMEOUT_S=$(( ${LRQK_FINAL_LRQK_S:-170} - 10 )) \
        timeout "${LRQK_FINAL_LRQK_S:-170}" bash tools/device/bench-lrqk.sh > "$work/lrqk/run.log" 2>&1
      rc=$?
      ;;
    lrqk-eager)
      OUT="$work/lrqk-eager" LRQK_CUDA_GRAPHS=0 LRQK_BENCH_TIMEOUT_S=$(( ${LRQK_FINAL_EAGER_S:-100} - 10 )) \
        timeout "${LRQK_FINAL_EAGER_S:-100}" bash tools/device/bench-lrqk.sh --contexts 128K --methods lrqk-kv,lrqk-qh > "$work/lrqk-eager/run.log" 2>&1
      rc=$?
      grep -E "^(context|128K)" "$work/lrqk-eager/run.log" | tee -a "$summary"
      ;;
    lrqk-profile)
      OUT="$work/lrqk-profile" LRQK_PROFILE=1 LRQK_BENCH_TIMEOUT_S=$(( ${LRQK_FINAL_EAGER_S:-100} - 10 )) \
        timeout "${LRQK_FINAL_EAGER_S:-100}" bash tools/device/bench-lrqk.sh --contexts 128K --methods lrqk-kv,lrqk-qh --decode-steps 8 > "$work/lrqk-profile/run.log" 2>&1
      rc=$?
      grep -E "phase" "$work/lrqk-profile/run.log" | tee -a "$summary"
      ;;
    lrqk-repeat)
      OUT="$work/lrqk-repeat" LRQK_BENCH_TIMEOUT_S=$(( ${LRQK_FINAL_EAGER_S:-100} - 10 )) \
        timeout "${LRQK_FINAL_EAGER_S:-100}" bash tools/device/bench-lrqk.sh --contexts 128K --methods full,lrqk-kv,lrqk-qh --decode-input repeat > "$work/lrqk-repeat/run.log" 2>&1
      rc=$?
      grep -E "^(context|128K)" "$work/lrqk-repeat/run.log" | tee -a "$summary"
      ;;
    lrqk-512k)
      OUT="$work/lrqk-512k" LRQK_BENCH_TIMEOUT_S=$(( ${LRQK_FINAL_512K_S:-240} - 10 )) \
        timeout "${LRQK_FINAL_512K_S:-240}" bash tools/device/bench-lrqk.sh --contexts 512K --layers 2 --methods full,offload,lrqk-kv --decode-steps 8 --warmup 2 > "$work/lrqk-512k/run.log" 2>&1
      rc=$?
      grep -E "^(context|512K)|FAIL|  512K" "$work/lrqk-512k/run.log" | tee -a "$summary"
      ;;
    decode)
      # Prefill split into attention and the rest on both sides (LRQK_PREFILL_PROFILE), and torch's
      # SDPA kernels alone at the bench:tensor prefill shapes as the attention kernel's peer.
      OUT="$work/decode" LRQK_PREFILL_PROFILE=1 LRQK_BENCH_DECODE="${LRQK_BENCH_DECODE:-16}" LRQK_BENCH_LRQK_TIMEOUT_S=110 LRQK_BENCH_HF_TIMEOUT_S=110 \
        timeout "${LRQK_FINAL_DECODE_S:-240}" bash tools/device/bench-decode.sh > "$work/decode/run.log" 2>&1
      rc=$?
      grep -E "prefill attention" "$work/decode/run.log" | tee -a "$summary"
      timeout 60 python3 tools/oracle/bench_sdpa.py --out "$work/decode/sdpa.json" 2>&1 | grep -E "^sdpa" | tee -a "$summary"
      ;;
    oracle)
      # Exact top-k hit rates between decode steps on the bench's random model (PyTorch, no Node):
      # what any hit/miss cache can keep, independent of lrqk's selection.
      timeout "${LRQK_FINAL_ORACLE_S:-90}" python3 tools/oracle/hit_rate_oracle.py --out "$work/oracle/hit-rate-oracle.json" \
        > "$work/oracle/run.log" 2>&1
      rc=$?
      grep -E "hit rate" "$work/oracle/run.log" | tee -a "$summary"
      ;;
    gemv)
      OUT="$work/gemv" timeout "${LRQK_FINAL_GEMV_S:-120}" bash tools/device/bench-gemv.sh > "$work/gemv/run.log" 2>&1
      rc=$?
      grep -E "^\|" "$work/gemv/run.log" | tee -a "$summary"
      ;;
    *) note "unknown stage $stage"; continue ;;
  esac
  note "stage $stage: rc $rc, $(( $(date +%s) - t0 )) s"
done

# What to read at once, then everything else in one archive.
for f in tests/tensor-bench.md lrqk/lrqk-bench.md lrqk-512k/lrqk-bench.md decode/decode-table.md oracle/hit-rate-oracle.json; do
  [ -s "$work/$f" ] && cp "$work/$f" "$final_out/${f%%/*}-$(basename "$f")"
done
tar -C "$work" -cJf "$final_out/results.tar.xz" .
note "files: $(cd "$final_out" && ls | tr '\n' ' ')"
for f in tests-tensor-bench.md lrqk-lrqk-bench.md lrqk-512k-lrqk-bench.md decode-decode-table.md; do
  [ -s "$final_out/$f" ] && { echo; echo "== $f"; grep -E "^\|" "$final_out/$f" | head -30; }
done
exit 0
