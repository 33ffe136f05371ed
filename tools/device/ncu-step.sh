#!/usr/bin/env bash
# Runs ON the GPU machine (tools/device/pack.sh first, carry .device): one decode step of
# `bench:lrqk` under Nsight Compute, every kernel of the captured graph profiled on its own
# (LRQK_PROFILE_RANGE=1 wraps the last warm-up step in cudaProfilerStart/Stop). Prints the device
# time per kernel, summed by name, and writes $OUT/ncu-step.csv. Arguments go to the bench, e.g.
#   bash tools/device/ncu-step.sh --contexts 128K --methods lrqk-kv
# Times are of kernels run one at a time (no overlap, no launch gaps): a breakdown, not a total.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
# shellcheck source=tools/device/env.sh
source "$root/tools/device/env.sh"
lrqk_device_script ncu-step "$root" || exit 2
ncu=$(command -v ncu || echo /usr/local/cuda/bin/ncu)
LRQK_PROFILE_RANGE=1 timeout "${LRQK_BENCH_TIMEOUT_S:-540}" "$ncu" --profile-from-start off --graph-profiling node \
  --cache-control none --clock-control none --metrics gpu__time_duration.sum --export "$OUT/ncu-step" --force-overwrite \
  node --conditions=source packages/models/bench/lrqk.bench.ts --decode-steps 1 --warmup 2 "$@" > "$OUT/ncu-step.log" 2>&1
rc=$?
tail -n 5 "$OUT/ncu-step.log"
"$ncu" --import "$OUT/ncu-step.ncu-rep" --csv --page raw --metrics gpu__time_duration.sum > "$OUT/ncu-step.csv" 2>&1
python3 - "$OUT/ncu-step.csv" <<'PY'
import csv, re, sys
rows = list(csv.reader(open(sys.argv[1])))
hdr = rows[0]
ik, it = hdr.index('Kernel Name'), hdr.index('gpu__time_duration.sum')
agg, total, n = {}, 0.0, 0
for r in rows[2:]:
    try:
        t = float(r[it].replace(',', ''))
    except ValueError:
        continue
    name = re.sub(r'\(.*', '', r[ik]).split('::')[-1][:60]
    c, s = agg.get(name, (0, 0.0))
    agg[name] = (c + 1, s + t)
    total += t
    n += 1
unit = 'ns' if total > 1e5 else 'us'
print(f'{n} kernels, {total:.0f} {unit} summed')
for name, (c, s) in sorted(agg.items(), key=lambda x: -x[1][1]):
    print(f'{s:12.0f} {unit}  {c:5d}x  {name}')
PY
exit $rc
