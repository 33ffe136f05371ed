#!/usr/bin/env bash
# One-time setup: brings Node 24 and pnpm from the npm registry when the system Node is too old,
# then installs the workspace (which builds the native addon from source) and builds every package.
# Usage: bash tools/setup.sh [--no-build]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# shellcheck source=tools/node-env.sh
source "$root/tools/node-env.sh"
lrqk_ensure_node
echo "setup: node $(node --version), pnpm $(pnpm --version)"
pnpm install --frozen-lockfile=false --reporter=append-only
if [ "${1:-}" != "--no-build" ]; then
  pnpm build
fi
echo "setup: done. Run 'tools/pnpm test' or 'tools/pnpm demo'."
