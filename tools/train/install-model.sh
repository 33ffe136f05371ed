#!/usr/bin/env bash
# After gpu-train.sh: puts the returned checkpoint into assets/lrqk-demo-model (parts joined into
# model.safetensors), keeps the training log and metrics in training/, checks that lrqk computes
# the same logits as the PyTorch model that was trained, measures retrieval with lrqk itself on
# the CPU (`lrqk eval ruler`, full attention and LRQK, held-out seed 2026) and rewrites the model
# card from those numbers.
#   Usage: install-model.sh FILES_DIR [PYTHON_WITH_TORCH]
#   EVAL_COUNT (default 5) instances per task and length; EVAL_LENGTHS (default 4k,8k); EVAL_TASKS
#   (default niah_single_1, the task the model is trained for).
set -euo pipefail
src=$(realpath "$1")
py=${2:-python3}
cd "$(dirname "$0")/../.."
dst=${DST:-assets/lrqk-demo-model}
tmp=$(mktemp -d)
cp "$src"/config.json "$src"/generation_config.json "$src"/model.part*.safetensors "$tmp"/
"$py" tools/train/export.py "$tmp"
install -m 644 "$tmp"/config.json "$tmp"/generation_config.json "$tmp"/model.safetensors "$dst"/
mkdir -p "$dst/training"
install -m 644 "$src"/train.log "$src"/metrics.json "$dst/training/"
ls -la "$dst" "$dst/training"
"$py" tools/train/parity_dump.py "$dst" "$tmp/parity" 512
source tools/node-env.sh && lrqk_ensure_node >/dev/null
node --conditions=source tools/train/parity.ts "$dst" "$tmp/parity.ids.json" "$tmp/parity.logits.f32"
lengths=${EVAL_LENGTHS:-4k,8k}
node --conditions=source apps/cli/src/main.ts eval ruler -m "$dst" --device cpu \
  --attention full,lrqk:rank=16:topK=256:lite=64 --tasks "${EVAL_TASKS:-niah_single_1}" --lengths "$lengths" \
  --count "${EVAL_COUNT:-5}" --max-new-tokens 16 --seed 2026 --out "$tmp/eval" --no-plots --json \
  > "$dst/training/lrqk-eval-${lengths//,/-}.json"
"$py" tools/train/model_card.py "$dst"
rm -rf "$tmp"
