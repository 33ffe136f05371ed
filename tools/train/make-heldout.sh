#!/usr/bin/env bash
# Held-out evaluation instances for train.py's GPU evaluation, made by @lrqk/eval's own generators
# (`lrqk eval gen`, seed 2026; training draws its instances from Python's RNG in tasks.py), written
# compressed to .train/heldout.jsonl.xz (ignored by git, carried to the GPU machine).
set -euo pipefail
cd "$(dirname "$0")/../.."
source tools/node-env.sh && lrqk_ensure_node >/dev/null
mkdir -p .train
grep -qx '/.train/' .git/info/exclude 2>/dev/null || echo '/.train/' >> .git/info/exclude
gen() { node --conditions=source apps/cli/src/main.ts eval gen --tokenizer assets/lrqk-demo-model --tasks niah_single,niah_multikey_1 --seed 2026 "$@"; }
gen --lengths 4096,8192 --count 40 --out .train/heldout-a.jsonl
gen --lengths 16384,32768 --count 12 --out .train/heldout-b.jsonl
cat .train/heldout-a.jsonl .train/heldout-b.jsonl | xz -T2 -9 > .train/heldout.jsonl.xz
rm .train/heldout-a.jsonl .train/heldout-b.jsonl
ls -la .train/heldout.jsonl.xz
