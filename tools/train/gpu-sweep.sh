#!/usr/bin/env bash
# Recipe sweep on the GPU machine (device tool, carry [".train/heldout.jsonl.xz"]): every line of
# the sweep file is one train.py configuration; all of them train at once on the one GPU (a small
# model leaves most of an H200 idle), with the CPU cores split between their data loaders, and
# keep no weights. $OUT gets sweep.tar.xz (each run's train.log and metrics.json) and summary.txt.
#   bash tools/train/gpu-sweep.sh tools/train/sweeps/run3.txt
set -euo pipefail
cd "$(dirname "$0")"
: "${OUT:?set OUT to the output directory}"
sweep=$(realpath "../../$1" 2>/dev/null || realpath "$1")
mapfile -t lines < <(grep -v -E '^\s*(#|$)' "$sweep")
n=${#lines[@]}
workers=$(( ($(nproc) - n) / n )); (( workers >= 1 )) || workers=1
xz -dc ../../.train/heldout.jsonl.xz > /tmp/heldout.jsonl
work=$(mktemp -d)
pids=()
for i in "${!lines[@]}"; do
  mkdir -p "$work/run$i"
  echo "run$i: ${lines[$i]}" | tee "$work/run$i/args.txt"
  # shellcheck disable=SC2086
  PYTHONUNBUFFERED=1 timeout 570 python3 train.py --out "$work/run$i" --workers "$workers" --no-save \
    --eval /tmp/heldout.jsonl ${lines[$i]} > "$work/run$i/stdout.txt" 2>&1 &
  pids+=($!)
done
status=0
for p in "${pids[@]}"; do wait "$p" || status=1; done
for i in "${!lines[@]}"; do
  {
    echo "== run$i: ${lines[$i]}"
    grep -E 'schedule|probe at|trained|eval |Error|error' "$work/run$i/stdout.txt" | grep -v 'probe at step [0-9]*[1-9]50:' || true
  } >> "$OUT/summary.txt"
done
tar -C "$work" -cJf "$OUT/sweep.tar.xz" .
cat "$OUT/summary.txt"
exit $status
