# Sourced ON the GPU machine (no Node, no network) by the device scripts: unpacks Node 24, the CUDA
# addon and the packed modules from .device/ (tools/device/pack.sh) into $LRQK_DEVICE_TOOLS
# (default /tmp), links every workspace package there as @lrqk/<dir>, links node_modules at the
# repo root when it is absent (lrqk_device_cleanup removes that link again), and exports PATH and
# LRQK_TENSOR_ADDON. Fresh machines start bare, so every script does this first.
#   source tools/device/env.sh && lrqk_device_env NAME ROOT [--fresh] || exit 2
#   trap lrqk_device_cleanup EXIT
# --fresh re-extracts the modules even when a previous script of the same call left them.
# lrqk_device_script NAME ROOT is the whole preamble of a device script: the above, plus OUT
# (default .device/out, created and exported), NO_COLOR=1 and the cleanup trap.

lrqk_device_env() {
  local name="$1" root="$2" fresh="${3:-}"
  local dev="$root/.device" tools="${LRQK_DEVICE_TOOLS:-/tmp}" f p
  for f in node.xz lrqk_tensor.node.xz vitest.tar.xz; do
    [ -s "$dev/$f" ] || { echo "$name: .device/$f is missing: run 'bash tools/device/pack.sh' first and carry ['.device']" >&2; return 2; }
  done
  mkdir -p "$tools/lrqk-bin" "$tools/vt"
  [ -x "$tools/lrqk-bin/node" ] || { xz -dc "$dev/node.xz" > "$tools/lrqk-bin/node" && chmod +x "$tools/lrqk-bin/node"; } ||
    { echo "$name: cannot unpack node" >&2; return 2; }
  xz -dc "$dev/lrqk_tensor.node.xz" > "$tools/lrqk-bin/lrqk_tensor.node" || { echo "$name: cannot unpack the addon" >&2; return 2; }
  if [ "$fresh" = --fresh ] || [ ! -d "$tools/vt/node_modules/vitest" ]; then
    rm -rf "$tools/vt/node_modules" && tar -xJf "$dev/vitest.tar.xz" -C "$tools/vt" || { echo "$name: cannot unpack the modules" >&2; return 2; }
  fi
  # Workspace packages resolve through these links, so Node sees their real paths (outside
  # node_modules) and strips their types.
  mkdir -p "$tools/vt/node_modules/@lrqk"
  for p in "$root"/packages/* "$root"/apps/*; do
    [ -f "$p/package.json" ] && ln -sfn "$p" "$tools/vt/node_modules/@lrqk/$(basename "$p")"
  done
  LRQK_DEVICE_LINKED=""
  if [ ! -e "$root/node_modules" ]; then
    ln -s "$tools/vt/node_modules" "$root/node_modules" && LRQK_DEVICE_LINKED="$root/node_modules"
  fi
  export PATH="$tools/lrqk-bin:$PATH" LRQK_TENSOR_ADDON="$tools/lrqk-bin/lrqk_tensor.node" NO_COLOR=1
  LRQK_DEVICE_TOOLS_DIR="$tools"
}

lrqk_device_cleanup() {
  if [ -n "${LRQK_DEVICE_LINKED:-}" ]; then rm -f "$LRQK_DEVICE_LINKED"; fi
}

lrqk_device_script() {
  local name="$1" root="$2"
  export OUT="${OUT:-$root/.device/out}" NO_COLOR=1
  mkdir -p "$OUT"
  lrqk_device_env "$name" "$root" || return 2
  trap lrqk_device_cleanup EXIT
}
