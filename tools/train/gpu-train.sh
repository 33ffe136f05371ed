#!/usr/bin/env bash
# The GPU run (device tool, one H200, carry [".train/heldout.jsonl.xz"]; nothing else from .train): trains for --budget-s seconds of stages,
# evaluates on the held-out instances of .train/heldout.jsonl.xz, writes everything into $OUT
# (config, generation config, 3 weight parts of < 16 MiB, train.log, metrics.json).
# About 8 minutes of wall time in all. Extra arguments go to train.py.
set -euo pipefail
cd "$(dirname "$0")"
: "${OUT:?set OUT to the output directory}"
python3 -c "import tokenizers, torch; print('tokenizers', tokenizers.__version__, 'torch', torch.__version__, 'cuda', torch.cuda.is_available())"
xz -dc ../../.train/heldout.jsonl.xz > /tmp/heldout.jsonl
PYTHONUNBUFFERED=1 timeout 570 python3 train.py --out "$OUT" --budget-s 420 --eval /tmp/heldout.jsonl "$@" 2>&1 \
  | grep -v -E '^\[[0-9:]+\] step [0-9]*[1-9][05]0/'   # the full log is $OUT/train.log
ls -la "$OUT"
