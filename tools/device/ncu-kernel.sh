#!/usr/bin/env bash
# One kernel under Nsight Compute's full section set, on the GPU machine: where its time goes
# (speed of light, pipe utilisation, warp stall reasons, the hottest SASS lines).
#   bash tools/device/ncu-kernel.sh REGEX [SKIP] -- node --conditions=source some/script.ts args...
# Profiles the (SKIP+1)-th launch of a kernel whose name matches REGEX (SKIP default 2: after
# warm-up calls), writes $OUT/ncu-kernel.txt (details page) and $OUT/ncu-kernel-source.csv (SASS
# with stall samples, hottest first), and prints the main lines.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
regex="${1:?kernel name regex}"; shift
skip=2
if [ "${1:-}" != "--" ]; then skip="$1"; shift; fi
[ "${1:-}" = "--" ] && shift
OUT="${OUT:-$root/.device/out}"
mkdir -p "$OUT"
ncu=$(command -v ncu || echo /usr/local/cuda/bin/ncu)
timeout "${LRQK_NCU_TIMEOUT_S:-300}" "$ncu" --kernel-name "regex:$regex" --launch-skip "$skip" --launch-count 1 --set full \
  --import-source no --export "$OUT/ncu-kernel" --force-overwrite "$@" > "$OUT/ncu-kernel.log" 2>&1
rc=$?
tail -n 3 "$OUT/ncu-kernel.log"
"$ncu" --import "$OUT/ncu-kernel.ncu-rep" --page details > "$OUT/ncu-kernel.txt" 2>&1
"$ncu" --import "$OUT/ncu-kernel.ncu-rep" --page source --csv --print-source sass > "$OUT/ncu-kernel-source.csv" 2>&1
grep -E "Duration|Compute \(SM\) Throughput|Memory Throughput|Registers Per|Achieved Occupancy|Issue Slots Busy|Executed Ipc Active|Warp Cycles Per Issued|Stall|stall" "$OUT/ncu-kernel.txt" | head -40
python3 - "$OUT/ncu-kernel-source.csv" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], errors="replace")))
head = next((i for i, r in enumerate(rows) if any("Warp Stall Sampling (All" in c for c in r)), None)
if head is None:
    print("no SASS stall samples in", sys.argv[1]); sys.exit(0)
cols = rows[head]
si = next(i for i, c in enumerate(cols) if c.startswith("Warp Stall Sampling (All"))
src = next((i for i, c in enumerate(cols) if c == "Source"), 1)
body = [r for r in rows[head + 1:] if len(r) > si]
def num(x):
    try: return float(x)
    except ValueError: return 0.0
total = sum(num(r[si]) for r in body) or 1
for r in sorted(body, key=lambda r: -num(r[si]))[:25]:
    print(f"{100 * num(r[si]) / total:5.1f}%  {r[src][:110]}")
PY
exit $rc
