#!/usr/bin/env bash
# Runs ON the GPU machine, from the repo root, with .device/ carried (see tools/device/pack.sh and
# docs/DEVICE.md). That machine has no Node and no network: Node and vitest come from .device/.
#
#   bash tools/device/gpu-suite.sh [vitest filters...]     e.g.  ... test/matmul.test.ts
#
# Steps: unpack Node and the test toolchain to /tmp; nvidia-smi -L; `lrqk inspect gpu --json` and
# `lrqk demo` (device report + rmsnorm self-check); the @lrqk/tensor vitest suite (CUDA cases run; the pack test is excluded: it needs
# pnpm and the registry); then packages/tensor/bench/tensor.bench.ts when it exists. Full logs go
# to $OUT (at most 8 files come back; this script writes 6), and a short summary is printed last.
# Exit status: that of the test suite.
#
# Env: OUT (default .device/out), LRQK_TEST_TIMEOUT_S (default 420), LRQK_BENCH_TIMEOUT_S
# (default 120), LRQK_SKIP_BENCH=1, LRQK_SKIP_TESTS=1. Benchmarks get LRQK_BENCH_OUT=$OUT.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
dev="$root/.device"
OUT="${OUT:-$dev/out}"
mkdir -p "$OUT"
export NO_COLOR=1 FORCE_COLOR=0 LRQK_QUIET_SKIP="${LRQK_QUIET_SKIP:-}"

say() { printf '%s\n' "$*" | tee -a "$OUT/device.txt"; }
die() { echo "gpu-suite: $*" >&2; exit 2; }
: > "$OUT/device.txt"

# Node 24, the addon and the modules into /tmp (the modules fresh each run), packages linked.
# shellcheck source=tools/device/env.sh
source "$root/tools/device/env.sh"
lrqk_device_env gpu-suite "$root" --fresh || exit 2
trap lrqk_device_cleanup EXIT

# 1. The machine and what the tensor core sees.
say "== $(date -u +%Y-%m-%dT%H:%M:%SZ) gpu-suite on $(uname -n)"
say "node $(node --version); commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
gpus="$(nvidia-smi -L 2>&1)" || gpus="nvidia-smi failed: $gpus"
say "$gpus"
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv,noheader >> "$OUT/device.txt" 2>&1 || true
cli=(node --conditions=source apps/cli/src/main.ts)
"${cli[@]}" inspect gpu --json > "$OUT/inspect-gpu.json" 2>> "$OUT/device.txt"
# `lrqk demo` prints the device report (lrqk inspect gpu) and then checks rmsnorm on CPU and CUDA.
"${cli[@]}" demo 2>&1 | tee -a "$OUT/device.txt"
demo_rc=${PIPESTATUS[0]}

# 2. The @lrqk/tensor suite, on the CUDA addon.
test_rc=skipped
if [ "${LRQK_SKIP_TESTS:-}" != 1 ]; then
  echo "== vitest: packages/tensor $*"
  timeout "${LRQK_TEST_TIMEOUT_S:-420}" node "$LRQK_DEVICE_TOOLS_DIR/vt/node_modules/vitest/vitest.mjs" run --root packages/tensor \
    --exclude '**/pack.test.ts' --exclude '**/node_modules/**' \
    --reporter=default --reporter="$root/tools/test-summary-reporter.ts" \
    --reporter=junit --outputFile.junit="$OUT/tests-junit.xml" "$@" 2>&1 | tee "$OUT/tests.log"
  test_rc=${PIPESTATUS[0]}
fi

# 3. Benchmarks, when they exist.
bench_rc=absent
bench=packages/tensor/bench/tensor.bench.ts
if [ -f "$bench" ] && [ "${LRQK_SKIP_BENCH:-}" != 1 ]; then
  echo "== bench: $bench"
  LRQK_BENCH_OUT="$OUT" timeout "${LRQK_BENCH_TIMEOUT_S:-120}" node --conditions=source "$bench" 2>&1 | tee "$OUT/bench.txt"
  bench_rc=${PIPESTATUS[0]}
fi

# Summary last (the tool's output tail shows it).
{
  echo
  echo "== gpu-suite summary"
  echo "gpu:    $(printf '%s\n' "$gpus" | head -n 1)"
  echo "node:   $(node --version)"
  echo "cuda:   $(node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); const b = r.backend; console.log(`compiled ${b.compiled}, available ${b.available}${b.available ? `, ${b.name}, sm_${b.computeCapability.replace(".", "")}` : `: ${b.tried.join("; ")}`}`)' "$OUT/inspect-gpu.json" 2>&1)"
  echo "demo:   $([ "$demo_rc" = 0 ] && echo ok || echo "FAIL (rc $demo_rc)")"
  echo "tests:  $(sed -n "s/^tests: //p" "$OUT/tests.log" 2>/dev/null | tail -n 1) (rc $test_rc)"
  echo "bench:  $([ "$bench_rc" = absent ] && echo "none ($bench absent or skipped)" || echo "rc $bench_rc, see bench.txt")"
  echo "files:  $(cd "$OUT" && ls | tr '\n' ' ')"
} | tee "$OUT/summary.txt"

case "$test_rc" in
  0 | skipped) [ "$demo_rc" = 0 ] && exit 0 || exit 1 ;;
  *) exit "$test_rc" ;;
esac
