#!/usr/bin/env bash
# Runs ON the GPU machine: gpu-suite.sh (tensor tests, demo, tensor benchmarks), then the CUDA
# cases of every other package's tests (kv-cache, lowrank, models, engine). Logs go to $OUT.
#   bash tools/device/gpu-all.sh
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
OUT="${OUT:-$root/.device/out}"
bash tools/device/gpu-suite.sh
suite_rc=$?
# shellcheck source=tools/device/env.sh
source "$root/tools/device/env.sh"
lrqk_device_env gpu-all "$root" || exit 2
trap lrqk_device_cleanup EXIT
rc=$suite_rc
for pkg in kv-cache lowrank models engine; do
  echo "== vitest: packages/$pkg"
  timeout "${LRQK_PKG_TIMEOUT_S:-300}" node "$LRQK_DEVICE_TOOLS_DIR/vt/node_modules/vitest/vitest.mjs" run --root "packages/$pkg" \
    --reporter=default --reporter="$root/tools/test-summary-reporter.ts" > "/tmp/tests-$pkg.log" 2>&1
  r=$?
  { echo "== packages/$pkg (rc $r)"; cat "/tmp/tests-$pkg.log"; } >> "$OUT/tests-packages.log"
  grep -E "×|FAIL|tests:" "/tmp/tests-$pkg.log" | head -20
  [ $r -ne 0 ] && rc=$r
done
# At most 8 files come back from $OUT: the junit copy of tests.log is the one to drop.
rm -f "$OUT/tests-junit.xml"
exit $rc
