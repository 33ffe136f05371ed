#!/usr/bin/env bash
# After gpu-train.sh: puts the returned checkpoint into assets/lrqk-demo-model (parts joined into
# model.safetensors), keeps the training log and metrics next to it, and checks that lrqk computes
# the same logits as the PyTorch model that was trained.  Usage: install-model.sh FILES_DIR [PYTHON]
set -euo pipefail
src=$(realpath "$1")
py=${2:-python3}
cd "$(dirname "$0")/../.."
dst=assets/lrqk-demo-model
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
rm -rf "$tmp"
