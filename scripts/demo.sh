#!/usr/bin/env bash
# `npm run demo`: sets up, then serves the demo on http://localhost:5173/demo/ with the offline fixture pair.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-setup.sh
echo "demo: open http://localhost:5173/demo/ in a browser with WebGPU (Chrome, Edge)"
exec npx vite --port "${PORT:-5173}" "$@"
