#!/usr/bin/env bash
# One device call for the tensor attention work (GPU machine, repo root, after
# `bash tools/device/pack.sh` here, with carry [".device"]):
#   1. tools/device/gpu-suite.sh on the attention + index-rows tests, then the full benchmark
#      (logs and tensor-bench.{json,md} in $OUT);
#   2. bench/attention-check.ts (CUDA against the CPU backend at benchmark-like sizes);
#   3. the benchmark table and the suite's summary, last (the tool's output tail shows them).
#   bash packages/tensor/bench/device-run.sh
set -uo pipefail
export LRQK_BENCH_TIMEOUT_S="${LRQK_BENCH_TIMEOUT_S:-150}"
bash tools/device/gpu-suite.sh test/attention.test.ts test/index-rows.test.ts > /tmp/suite.log 2>&1
suite_rc=$?
export PATH="/tmp/lrqk-bin:$PATH" LRQK_TENSOR_ADDON=/tmp/lrqk-bin/lrqk_tensor.node NO_COLOR=1
echo "== attention-check"
node --conditions=source packages/tensor/bench/attention-check.ts
check_rc=$?
echo "== gpu-suite (rc $suite_rc), attention-check rc $check_rc"
grep -E '^\| (group|ceiling|matmul|attention|select)|FAIL|×' /tmp/suite.log | head -n 60
sed -n '/== gpu-suite summary/,$p' /tmp/suite.log
[ "$suite_rc" = 0 ] && [ "$check_rc" = 0 ]
