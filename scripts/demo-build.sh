#!/usr/bin/env bash
# `npm run demo:build`: builds the demo as a static site in dist/site/ (demo/index.html, models/ with the offline
# fixture models, ort/ with ONNX Runtime's wasm files). Host the folder anywhere; open <host>/demo/.
# Cross-origin isolation (COOP: same-origin, COEP: require-corp) is optional: it gives the WASM fallback threads.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-setup.sh
echo "demo:build: building the site (vite build → dist/site)"
npx vite build --logLevel warn
echo "demo:build: done: dist/site/demo/index.html ($(du -sh dist/site | cut -f1) in all)"
echo "demo:build: preview it with: npx vite preview (then open http://localhost:4173/demo/)"
